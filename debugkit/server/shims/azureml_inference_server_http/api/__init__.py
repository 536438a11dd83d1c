"""azureml_inference_server_http.api: aml_request and aml_response (debugkit's stand-in)."""

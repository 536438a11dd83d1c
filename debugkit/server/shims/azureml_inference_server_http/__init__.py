"""debugkit's stand-in for azureml-inference-server-http's public API (rawhttp, AMLResponse)."""

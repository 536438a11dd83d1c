"""AMLResponse (debugkit's stand-in, same as azureml.contrib.services)."""

from azureml.contrib.services.aml_response import AMLResponse

__all__ = ["AMLResponse"]

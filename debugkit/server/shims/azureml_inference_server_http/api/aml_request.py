"""@rawhttp and AMLRequest (debugkit's stand-in, same as azureml.contrib.services)."""

from azureml.contrib.services.aml_request import AMLRequest, rawhttp

__all__ = ["AMLRequest", "rawhttp"]

"""debugkit's stand-in for azureml-core inside a scoring container (Model.get_model_path only)."""

from azureml.core.model import Model

__all__ = ["Model"]

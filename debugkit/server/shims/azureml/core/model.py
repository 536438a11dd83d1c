"""azureml.core.model.Model.get_model_path with azureml-core's local lookup rules.

debugkit's stand-in: used only where azureml-core is not installed. Each candidate
path is logged at DEBUG level on the "azureml.core.model" logger.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Optional

from azureml.exceptions import ModelNotFoundException, WebserviceException

from debugkit.server import modelpath

module_logger = logging.getLogger(__name__)

# Fixed at import time, as in azureml-core.
MODELS_DIR = os.path.join(os.environ.get("AML_APP_ROOT", ""), "azureml-models")


class Model:
    """Only the static lookup a scoring script uses inside a deployment."""

    @staticmethod
    def get_model_path(
        model_name: str, version: Optional[int] = None, _workspace: Any = None
    ) -> str:
        """Return the path to the model, searched the way azureml-core does without a workspace.

        1) azureml-models/<name>/<version or latest>/ (which must hold exactly one entry)
        2) ./<name> relative to the current directory
        """
        result = modelpath.resolve(model_name, version, models_root=MODELS_DIR)
        if result.resolved is not None:
            return result.resolved
        message = result.error_message or f"Model {model_name} not found"
        if result.error_type == modelpath.VALUE_ERROR:
            raise ValueError(message)
        if result.error_type == modelpath.MODEL_NOT_FOUND:
            raise ModelNotFoundException(message)
        raise WebserviceException(message, logger=module_logger)

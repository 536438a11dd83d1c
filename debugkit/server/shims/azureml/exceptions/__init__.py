"""The azureml.exceptions a scoring script may catch (debugkit's stand-in)."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Optional


class AzureMLException(Exception):
    def __init__(self, exception_message: str, inner_exception: Any = None, **kwargs: Any) -> None:
        Exception.__init__(self, exception_message)
        self._exception_message = exception_message
        self._inner_exception = inner_exception

    @property
    def message(self) -> str:
        return self._exception_message

    @message.setter
    def message(self, value: str) -> None:
        self._exception_message = value

    @property
    def inner_exception(self) -> Any:
        return self._inner_exception

    def _serialize_json(self, indent: Optional[int] = None) -> str:
        return json.dumps({"error": {"message": self._exception_message}}, indent=indent)

    def __str__(self) -> str:
        return (
            f"{self.__class__.__name__}:\n\tMessage: {self.message}\n\tInnerException "
            f"{self.inner_exception}\n\tErrorResponse \n{self._serialize_json(indent=4)}"
        )

    __repr__ = __str__


class WebserviceException(AzureMLException):
    def __init__(
        self,
        exception_message: str,
        status_code: Any = None,
        logger: Optional[logging.Logger] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(exception_message, **kwargs)
        self.status_code = status_code
        if logger:
            with contextlib.suppress(Exception):
                logger.error(exception_message + "\n")


class ModelNotFoundException(AzureMLException):
    def __init__(
        self, exception_message: str, logger: Optional[logging.Logger] = None, **kwargs: Any
    ) -> None:
        super().__init__(exception_message, **kwargs)


__all__ = ["AzureMLException", "ModelNotFoundException", "WebserviceException"]

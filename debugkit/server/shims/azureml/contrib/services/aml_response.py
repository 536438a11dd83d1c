"""AMLResponse: what a @rawhttp run() returns as-is (debugkit's stand-in, same behaviour)."""

from __future__ import annotations

import json
from typing import Any, Optional

from flask import Response


class AMLResponse(Response):
    def __init__(
        self,
        message: Any,
        status_code: int,
        response_headers: Optional[dict[str, str]] = None,
        json_str: bool = False,
        run_function_failed: bool = False,
    ) -> None:
        response_headers = response_headers or {}
        if message is not None:
            if json_str:
                super().__init__(
                    json.dumps(message), status=status_code, mimetype="application/json"
                )
            else:
                super().__init__(message, status=status_code)
                if "Content-Type" in response_headers:
                    self.headers.remove("Content-Type")
        else:
            super().__init__(json.dumps({}), status=status_code, mimetype="application/json")
        self.headers["x-ms-run-function-failed"] = str(run_function_failed)
        for header, value in response_headers.items():
            for part in value.split(","):
                self.headers.add_header(header, part.strip())

"""GET /swagger.json the way azmlinfsrv builds it (versions 2, 3, 3.1; a user's own
swagger file in the app root wins)."""

from __future__ import annotations

import copy
import json
import os
from typing import Any, Callable, Optional

ALL_VERSIONS = ["2.0", "3.0", "3.1"]
ALIASES = {"2": "2", "2.0": "2", "3": "3", "3.0": "3", "3.1": "3.1"}
CANONICAL = {"2": "2.0", "3": "3.0", "3.1": "3.1"}


class SwaggerError(Exception):
    pass


def _error_response() -> dict[str, Any]:
    return {"type": "object", "properties": {"message": {"type": "string"}}}


def _swagger2(name: str, version: str, prefix: str) -> dict[str, Any]:
    default = {
        "description": "The service failed to execute due to an error.",
        "schema": {"$ref": "#/definitions/ErrorResponse"},
    }
    return {
        "swagger": "2.0",
        "info": {
            "title": name,
            "description": f"API specification for the Azure Machine Learning service {name}",
            "version": version,
        },
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {
            "Bearer": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "For example: Bearer abc123",
            }
        },
        "paths": {
            f"{prefix}/": {
                "get": {
                    "operationId": "ServiceHealthCheck",
                    "description": "Simple health check endpoint to ensure the service is up at any given point.",
                    "responses": {
                        "200": {
                            "description": "If service is up and running, this response will be returned with the content 'Healthy'",
                            "schema": {"type": "string"},
                            "examples": {"application/json": "Healthy"},
                        },
                        "default": default,
                    },
                }
            },
            f"{prefix}/score": {
                "post": {
                    "operationId": "RunMLService",
                    "description": "Run web service's model and get the prediction output",
                    "security": [{"Bearer": []}],
                    "parameters": [
                        {
                            "name": "serviceInputPayload",
                            "in": "body",
                            "description": "The input payload for executing the real-time machine learning service.",
                            "schema": {"$ref": "#/definitions/ServiceInput"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The service processed the input correctly and provided a result prediction, if applicable.",
                            "schema": {"$ref": "#/definitions/ServiceOutput"},
                        },
                        "default": default,
                    },
                }
            },
            f"{prefix}/swagger.json": {
                "get": {
                    "operationId": "GetSwaggerSpec",
                    "description": "Get the Swagger specification.",
                    "parameters": [
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "type": "integer",
                            "enum": [2, 3],
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The Swagger specification.",
                            "schema": {"type": "string"},
                        },
                        "default": default,
                    },
                }
            },
        },
        # Key order as in azmlinfsrv's template, so the JSON text is the same.
        "definitions": {
            "ServiceInput": {},
            "ServiceOutput": {},
            "ErrorResponse": _error_response(),
        },
    }


def _swagger3(name: str, version: str, prefix: str) -> dict[str, Any]:
    def json_content(ref: str) -> dict[str, Any]:
        return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}

    default = {
        "description": "The service failed to execute due to an error.",
        "content": json_content("ErrorResponse"),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": name,
            "description": f"API specification for the Azure Machine Learning service {name}",
            "version": version,
        },
        "security": [{"Bearer": []}],
        "paths": {
            f"{prefix}/": {
                "get": {
                    "operationId": "ServiceHealthCheck",
                    "description": "Simple health check endpoint to ensure the service is up at any given point.",
                    "responses": {
                        "200": {
                            "description": "If service is up and running, this response will be returned with the content 'Healthy'",
                            "content": {
                                "text/plain": {"schema": {"type": "string", "example": "Healthy"}}
                            },
                        },
                        "default": default,
                    },
                }
            },
            f"{prefix}/score": {
                "post": {
                    "operationId": "RunMLService",
                    "description": "Run web service's model and get the prediction output",
                    "security": [{"Bearer": []}],
                    "requestBody": {
                        "description": "The input payload for executing the real-time machine learning service.",
                        "content": json_content("ServiceInput"),
                    },
                    "responses": {
                        "200": {
                            "description": "The service processed the input correctly and provided a result prediction, if applicable.",
                            "content": json_content("ServiceOutput"),
                        },
                        "default": default,
                    },
                }
            },
            f"{prefix}/swagger.json": {
                "get": {
                    "operationId": "GetSwaggerSpec",
                    "description": "Get the Swagger specification.",
                    "parameters": [
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "enum": [2, 3]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The Swagger specification.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        },
                        "default": default,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "ServiceInput": {},
                "ServiceOutput": {},
                "ErrorResponse": _error_response(),
            },
            "securitySchemes": {
                "Bearer": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "description": "For example: Bearer abc123",
                }
            },
        },
    }


def _schemas(run: Callable[..., Any]) -> tuple[list[str], Any, Any]:
    try:
        from inference_schema.schema_util import (
            get_input_schema,
            get_output_schema,
            get_supported_versions,
            is_schema_decorated,
        )
    except ImportError:
        empty = {"type": "object", "example": {}}
        return list(ALL_VERSIONS), empty, empty
    versions = list(get_supported_versions(run))
    if is_schema_decorated(run):
        return versions, get_input_schema(run), get_output_schema(run)
    empty = {"type": "object", "example": {}}
    return versions, empty, empty


def _user_file(app_root: str, canonical: str) -> Optional[dict[str, Any]]:
    names = ["swagger.json", "swagger2.json"] if canonical == "2" else [f"swagger{canonical}.json"]
    for name in names:
        path = os.path.join(app_root, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as file:
                return json.load(file)
    return None


def build_swagger(
    run: Callable[..., Any], requested: Optional[str], app_root: str
) -> dict[str, Any]:
    requested = requested or "2"
    canonical = ALIASES.get(requested)
    versions, input_schema, output_schema = _schemas(run)
    supported = sorted(v for v in ("2", "3", "3.1") if CANONICAL[v] in versions or v in versions)
    if canonical is None:
        raise SwaggerError(
            f"Swagger version [{requested}] is not valid. Supported versions: [{', '.join(supported)}]."
        )
    user = _user_file(app_root, canonical)
    if user is not None:
        return user
    if canonical not in supported:
        raise SwaggerError(
            f"Swagger version [{requested}] is not supported for the scoring script. "
            f"Supported swagger versions: [{', '.join(supported)}]."
        )
    name = os.environ.get("SERVICE_NAME", "ML service")
    service_version = os.environ.get("SERVICE_VERSION", "1.0")
    prefix_env = os.environ.get("SERVICE_PATH_PREFIX", "")
    prefix = f"/{prefix_env.strip('/')}" if prefix_env else ""
    if canonical == "2":
        spec = _swagger2(name, service_version, prefix)
        spec["definitions"]["ServiceInput"] = copy.deepcopy(input_schema)
        spec["definitions"]["ServiceOutput"] = copy.deepcopy(output_schema)
    else:
        spec = _swagger3(name, service_version, prefix)
        spec["components"]["schemas"]["ServiceInput"] = copy.deepcopy(input_schema)
        spec["components"]["schemas"]["ServiceOutput"] = copy.deepcopy(output_schema)
        if canonical == "3.1":
            spec["openapi"] = "3.1.0"
    return spec

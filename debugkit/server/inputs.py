"""Turn an HTTP request into run()'s keyword arguments, as azmlinfsrv's input parsers do."""

from __future__ import annotations

import inspect
import json
from typing import Any

from flask import Request

from debugkit.server.loader import RAW_HTTP, SCHEMA, Generation


class BadInput(Exception):
    """400: the body cannot be given to run()."""


class UnsupportedInput(Exception):
    """415: wrong content type for a schema-decorated run()."""


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _query_parameters(request: Request) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        parsed[key] = (
            _parse_value(values[0]) if len(values) == 1 else [_parse_value(v) for v in values]
        )
    return parsed


def _extract(parameters: list[inspect.Parameter], body: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for parameter in parameters:
        value = body.get(parameter.name, parameter.default)
        if value is inspect.Parameter.empty:
            raise BadInput(f"A value is not provided for the {parameter.name!r} parameter.")
        kwargs[parameter.name] = value
    return kwargs


def run_arguments(generation: Generation, request: Request) -> dict[str, Any]:
    if generation.input_mode == RAW_HTTP:
        # The real object, not the context-local proxy: run() executes in a worker thread.
        return {generation.input_parameter: request._get_current_object()}  # type: ignore[attr-defined]
    if generation.input_mode == SCHEMA:
        if request.method == "GET":
            return _extract(generation.schema_parameters, _query_parameters(request))
        if not request.is_json:
            raise UnsupportedInput("Expects Content-Type to be application/json")
        body = request.get_data()
        try:
            parsed = json.loads(body)
        except UnicodeDecodeError as exc:
            raise BadInput(f"Input cannot be decoded as UTF-8: {exc}") from None
        except json.JSONDecodeError as exc:
            if body:
                raise BadInput(f"POST body could not be decoded as JSON: {exc}") from None
            raise BadInput("POST body is empty. Expecting a JSON dictionary.") from None
        if not isinstance(parsed, dict):
            raise BadInput("POST body should be a JSON dictionary.")
        return _extract(generation.schema_parameters, parsed)
    if request.method == "GET":
        return {generation.input_parameter: json.dumps(_query_parameters(request))}
    try:
        # request.data (not get_data()): a form-encoded body reaches run() as "", as in azmlinfsrv.
        return {generation.input_parameter: str(request.data, "utf-8")}
    except UnicodeDecodeError as exc:
        raise BadInput(f"Input cannot be decoded as UTF-8: {exc}") from None

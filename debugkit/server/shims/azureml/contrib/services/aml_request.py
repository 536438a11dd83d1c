"""@rawhttp: run() receives the Flask request object (debugkit's stand-in)."""

from __future__ import annotations

from typing import Any, Callable

from flask import Request

_rawHttpRequested = False


def rawhttp(func: Callable[..., Any]) -> Callable[..., Any]:
    global _rawHttpRequested
    _rawHttpRequested = True
    func.__debugkit_rawhttp__ = True  # type: ignore[attr-defined]
    return func


class AMLRequest(Request):
    pass

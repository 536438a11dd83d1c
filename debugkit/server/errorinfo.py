"""Turn an exception from the user's code into the facts we report: type, message,
traceback, and the file/line of the deepest frame inside the source folder."""

from __future__ import annotations

import os
import traceback
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, Optional


@dataclass
class ErrorInfo:
    type: str
    message: str
    traceback: str
    file: Optional[str] = None  # relative to the source folder when inside it
    line: Optional[int] = None
    column: Optional[int] = None  # SyntaxError offset

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def location_line(self) -> str:
        """`FILE:LINE: error: TYPE: MESSAGE` (or without location when unknown)."""
        first_line = self.message.splitlines()[0] if self.message else ""
        text = f"error: {self.type}: {first_line}"
        if self.file and self.line:
            col = f"{self.column}:" if self.column else ""
            return f"{self.file}:{self.line}:{col} {text}"
        return text


def is_inside(path: str, folder: str) -> bool:
    if not os.path.isabs(path):  # "<frozen os>", "<string>": not a file
        return False
    try:
        path = os.path.realpath(path)
        folder = os.path.realpath(folder)
        return os.path.commonpath([path, folder]) == folder
    except ValueError:
        return False


def display_path(path: str, source_dir: str) -> str:
    """Path relative to the source folder (the same on host and container), else absolute."""
    if is_inside(path, source_dir):
        return os.path.relpath(os.path.realpath(path), os.path.realpath(source_dir)).replace(
            os.sep, "/"
        )
    return path


def _deepest_user_frame(
    tb: Optional[TracebackType], source_dir: str
) -> tuple[Optional[str], Optional[int]]:
    found: tuple[Optional[str], Optional[int]] = (None, None)
    for frame_summary in traceback.extract_tb(tb):
        if frame_summary.filename and is_inside(frame_summary.filename, source_dir):
            found = (frame_summary.filename, frame_summary.lineno)
    return found


SERVER_DIR = os.path.dirname(os.path.abspath(__file__))


def _without_server_frames(tb: Optional[TracebackType]) -> Optional[TracebackType]:
    """Drop the server's own frames (loader, worker thread) from the head of a traceback."""
    while (
        tb is not None
        and tb.tb_next is not None
        and is_inside(tb.tb_frame.f_code.co_filename, SERVER_DIR)
    ):
        tb = tb.tb_next
    return tb


def describe_exception(exc: BaseException, source_dir: str) -> ErrorInfo:
    tb = _without_server_frames(exc.__traceback__)
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    file, line = _deepest_user_frame(tb, source_dir)
    column: Optional[int] = None
    if isinstance(exc, SyntaxError) and exc.filename:
        # The error is in the file being compiled, not in a frame of the traceback.
        file, line, column = exc.filename, exc.lineno, exc.offset
        message = exc.msg or str(exc)
    else:
        # azureml's exceptions format str() over several lines around `.message`.
        try:
            explicit = getattr(exc, "message", None)
        except Exception:  # a property that raises
            explicit = None
        message = explicit if isinstance(explicit, str) and explicit else safe_str(exc)
    return ErrorInfo(
        type=type(exc).__name__,
        message=message,
        traceback=text,
        file=display_path(file, source_dir) if file else None,
        line=line,
        column=column,
    )


def safe_str(exc: BaseException) -> str:
    """str(exc), or a stand-in when the exception's own __str__ raises: the user must still
    hear about the original error."""
    try:
        return str(exc)
    except BaseException as failure:  # any failure of user code: still reported
        return f"<str() of this {type(exc).__name__} raised {type(failure).__name__}>"


def describe_problem(type_name: str, message: str, file: str, source_dir: str) -> ErrorInfo:
    """An error that is not an exception from user code (e.g. score.py has no run())."""
    return ErrorInfo(
        type=type_name, message=message, traceback="", file=display_path(file, source_dir), line=1
    )

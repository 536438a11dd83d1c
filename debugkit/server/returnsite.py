"""Where run() returned, so that a value JSON cannot encode is reported at its ``return``.

Python 3.12+: a ``sys.monitoring`` PY_RETURN event local to run()'s code object, one
callback per request (debugpy uses the DEBUGGER tool id, this one a free other id); it
adds 0.8 us per request on 3.12 (0.2 us for the bookkeeping on 3.11), measured against a
trivial run(), where serving the request takes about 1 ms.
Older Pythons have no per-function return hook that costs nothing elsewhere (a profile
function would run on every call run() makes), so there the ``return`` statements of
run()'s source are read: exact when there is one, the candidates when there are several.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import threading
from dataclasses import dataclass
from types import CodeType
from typing import Any, Callable, Optional

TOOL_NAME = "debugkit-return-site"


@dataclass(frozen=True)
class ReturnSite:
    file: str
    lines: tuple[int, ...]  # one line when known exactly, else each return statement's

    @property
    def exact(self) -> bool:
        return len(self.lines) == 1


class ReturnSites:
    """Records, per thread, where the watched functions last returned."""

    def __init__(self) -> None:
        self._last = threading.local()
        self._watched: set[CodeType] = set()
        self._tool = self._claim_tool()

    def _claim_tool(self) -> Optional[int]:
        monitoring: Any = getattr(sys, "monitoring", None)
        if monitoring is None:
            return None
        for tool in (3, 4, 2, 5, 1):  # 0 is the debugger's (debugpy), 1 coverage's
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, TOOL_NAME)
                monitoring.register_callback(tool, monitoring.events.PY_RETURN, self._returned)
                return tool
        return None

    def _returned(self, code: CodeType, offset: int, _value: Any) -> None:
        self._last.site = (code, offset)

    def start(self, func: Callable[..., Any]) -> None:
        """Before calling ``func`` in this thread: watch its returns, forget the last one."""
        self._last.site = None
        if self._tool is None:
            return
        code = getattr(inspect.unwrap(func), "__code__", None)
        if code is not None and code not in self._watched:
            monitoring: Any = getattr(sys, "monitoring", None)
            monitoring.set_local_events(self._tool, code, monitoring.events.PY_RETURN)
            self._watched.add(code)

    def recorded(self) -> Optional[tuple[CodeType, int]]:
        """After the call, in the same thread: where the watched function returned."""
        return getattr(self._last, "site", None)


_SITES: Optional[ReturnSites] = None


def sites() -> ReturnSites:
    """The process's recorder (one monitoring tool id for every app in the process)."""
    global _SITES
    if _SITES is None:
        _SITES = ReturnSites()
    return _SITES


def where(
    func: Callable[..., Any], recorded: Optional[tuple[CodeType, int]]
) -> Optional[ReturnSite]:
    """The return that ended ``func``'s call: recorded, else read from its source."""
    if recorded is not None:
        code, offset = recorded
        for start, end, line in code.co_lines():
            if line is not None and start <= offset < end:
                return ReturnSite(code.co_filename, (line,))
    return _from_source(inspect.unwrap(func))


def _from_source(func: Callable[..., Any]) -> Optional[ReturnSite]:
    try:
        lines, first = inspect.getsourcelines(func)
        file = inspect.getsourcefile(func) or ""
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    found = sorted({first + node.lineno - 1 for node in _own_returns(tree.body[0])})
    return ReturnSite(file, tuple(found)) if found and file else None


def _own_returns(function: ast.AST) -> list[ast.Return]:
    """The return statements of ``function`` itself, not of functions defined inside it."""
    found: list[ast.Return] = []
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def describe_value(value: Any, problem: BaseException) -> str:
    """``run() returned a numpy.ndarray, which JSON cannot encode (...); <what to return>``."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    if hasattr(value, "tolist"):
        fix = "return value.tolist() (numpy and pandas values)"
    elif kind.__module__ == "builtins":
        fix = (
            "convert what it holds to plain values (.tolist() for arrays, float()/int() for "
            "numpy numbers, str() for dates)"
        )
    else:
        fix = "return a dict or list of plain values (str, int, float, bool, None)"
    return f"run() returned a {name}, which JSON cannot encode ({problem}); {fix}"

"""Parse a module in top-level chunks, cached by text, and index only what rules look up.

A 5,000-line module costs a full ``ast.parse`` plus a full tree walk: too slow
to repeat on every keystroke. Splitting at top-level ``def``/``class``/decorator
lines lets an edit re-parse one function while the rest comes from the cache
(keyed by start line and text, so positions stay exact). A split that lands
inside a string or brackets makes a chunk fail to parse; the whole module is
then parsed in one piece, so results never depend on the chunking.

Calls and imports are collected only from chunks whose text can contain a call
or import a module-wide rule looks for (``TRIGGERS``); rules that read
``init()``/``run()`` walk those functions themselves.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

CACHE_SIZE = 4096  # chunks; a 5,000-line module is a few hundred
BOUNDARY = re.compile(r"(?:async\s+def|def|class)\s|@")
TRIGGERS = re.compile(
    r"\b(?:listen|wait_for_client|breakpoint|connect|set_trace|post_mortem|enable_attach|wait_for_attach"
    r"|break_into_debugger|get_model_path|load|load_model|InferenceSession|Booster|from_pretrained|pipeline|open"
    r"|read_json)\s*\("
    r"|\benviron\b"  # DK114 looks at every use of os.environ
)
IMPORT = re.compile(r"^\s*(?:import|from)\s", re.MULTILINE)
ENTRY_DEF = re.compile(r"^(?:async\s+)?def\s+(?:init|run)\b", re.MULTILINE)


def can_hold_findings(text: str) -> bool:
    """False for a top-level function or class no rule can report on (only its syntax matters)."""
    if not BOUNDARY.match(text):
        return True  # module-level statements
    return bool(ENTRY_DEF.search(text) or TRIGGERS.search(text) or IMPORT.search(text))


@dataclass
class Chunk:
    body: list[ast.stmt]
    text: str
    _calls: list[ast.Call] | None = None
    _imports: list[ast.Import | ast.ImportFrom] | None = None

    def index(self) -> tuple[list[ast.Call], list[ast.Import | ast.ImportFrom]]:
        if self._calls is None or self._imports is None:
            calls: list[ast.Call] = []
            imports: list[ast.Import | ast.ImportFrom] = []
            if TRIGGERS.search(self.text) or IMPORT.search(self.text):
                for stmt in self.body:
                    for node in ast.walk(stmt):
                        if isinstance(node, ast.Call):
                            calls.append(node)
                        elif isinstance(node, (ast.Import, ast.ImportFrom)):
                            imports.append(node)
            self._calls, self._imports = calls, imports
        return self._calls, self._imports


@dataclass
class ParsedModule:
    tree: ast.Module
    complete: bool = True  # False: some chunks were skipped unparsed (syntax not checked there)
    calls: list[ast.Call] = field(default_factory=list)
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)


_cache: OrderedDict[tuple[int, str], Chunk] = OrderedDict()


def split_chunks(lines: list[str]) -> list[tuple[int, str]]:
    """(1-based start line, text) of each top-level chunk."""
    starts = [0]
    previous = ""
    for number, line in enumerate(lines):
        if number and BOUNDARY.match(line) and not previous.startswith("@"):
            starts.append(number)
        if line.strip() and not line.startswith("#"):
            previous = line
    starts.append(len(lines))
    return [(a + 1, "".join(lines[a:b])) for a, b in zip(starts, starts[1:]) if b > a]


def _parse(text: str, filename: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, filename=filename)


def _chunk(start: int, text: str, filename: str) -> Chunk:
    key = (start, text)
    chunk = _cache.get(key)
    if chunk is not None:
        _cache.move_to_end(key)
        return chunk
    tree = _parse("\n" * (start - 1) + text, filename)  # blank lines keep positions exact
    chunk = Chunk(tree.body, text)
    _cache[key] = chunk
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return chunk


def parse_module(
    source: str, filename: str = "<string>", skip_quiet_chunks: bool = False
) -> ParsedModule:
    """Raises SyntaxError/ValueError like ast.parse.

    ``skip_quiet_chunks`` leaves functions and classes no rule can report on
    unparsed: the findings are the same, only a syntax error there goes unseen
    (the language server publishes first and checks the rest right after).
    """
    lines = source.splitlines(keepends=True)
    pieces = split_chunks(lines)
    wanted = [
        (start, text) for start, text in pieces if not skip_quiet_chunks or can_hold_findings(text)
    ]
    try:
        chunks = [_chunk(start, text, filename) for start, text in wanted]
    except SyntaxError:
        tree = _parse(source, filename)  # the real error, or a split inside a string/brackets
        chunks = [Chunk(tree.body, source)]
        wanted = pieces
    module = ParsedModule(
        ast.Module(body=[s for c in chunks for s in c.body], type_ignores=[]),
        complete=len(wanted) == len(pieces),
    )
    for chunk in chunks:
        calls, imports = chunk.index()
        module.calls.extend(calls)
        module.imports.extend(imports)
    return module


def clear_cache() -> None:
    _cache.clear()

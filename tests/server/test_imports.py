"""The container side imports nothing from the host side (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "debugkit" / "server"
PACKAGE_INIT = {"debugkit", "debugkit.__version__"}  # debugkit/__init__.py: the version only


def _debugkit_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n == "debugkit" or n.startswith("debugkit.")}
    return found


def test_server_modules_import_only_the_server_package() -> None:
    outside = {
        f"{path.relative_to(SERVER.parent.parent)}: {name}"
        for path in SERVER.rglob("*.py")
        for name in _debugkit_imports(path)
        if not name.startswith("debugkit.server") and name not in PACKAGE_INIT
    }
    assert not outside, sorted(outside)

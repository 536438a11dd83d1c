"""The configuration and task names have one source (debugkit/vscode.py); the extension's
copy in logic.js must say the same, or F5 and the Up command look for entries that
`debugkit vscode init` never wrote."""

from __future__ import annotations

import re
from pathlib import Path

from debugkit import vscode

LOGIC_JS = Path(__file__).resolve().parents[2] / "vscode-config" / "extension" / "src" / "logic.js"


def test_logic_js_names_are_the_python_ones() -> None:
    constants = dict(re.findall(r'^const ([A-Z_]+) = "([^"]*)";$', LOGIC_JS.read_text(), re.M))
    names = {k: v for k, v in constants.items() if k.startswith(("ATTACH_", "TASK_"))}
    assert names, "logic.js defines no ATTACH_/TASK_ constants any more: update this test"
    for name, value in names.items():
        assert getattr(vscode, name, None) == value, f"logic.js {name} differs from debugkit.vscode"

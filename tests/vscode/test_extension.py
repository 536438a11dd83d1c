"""The VS Code extension's own unit tests (`node --test`), run as part of the suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "vscode-config" / "extension"


def test_extension_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed; the extension's tests need Node.js >= 18", pytrace=False
        )
    result = subprocess.run(
        [node, "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def test_package_json_declares_every_language_server_setting() -> None:
    """package.json's `debugkit.lint.*` schema is lsp/settings.py's, so the Settings UI offers
    exactly what the server reads (scripts/sync-extension-settings.py writes it)."""
    import json

    from lsp.settings import KEYS, SECTION, package_json_properties

    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    declared = {
        key: value
        for key, value in manifest["contributes"]["configuration"]["properties"].items()
        if key.startswith(SECTION + ".")
    }
    assert declared == package_json_properties(), (
        "package.json and lsp/settings.py disagree; run python scripts/sync-extension-settings.py"
    )
    assert set(declared) == {f"{SECTION}.{key}" for key in KEYS}

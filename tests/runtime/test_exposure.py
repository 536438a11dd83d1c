"""Binding beyond loopback is said loudly: debugpy has no authentication."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from debugkit.runtime.base import exposure_warning
from tests.helpers import EXAMPLES, debugkit, free_port


def test_only_non_loopback_hosts_are_warned_about() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        assert exposure_warning(host, True, "anywhere") is None
    warning = exposure_warning("0.0.0.0", True, "as you on this machine")
    assert warning and "the debugger" in warning and "run any code as you" in warning
    assert "the debugger" not in (exposure_warning("0.0.0.0", False, "x") or "")


def test_the_process_runtime_warns_when_debugpy_listens_on_all_addresses(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    shutil.copytree(EXAMPLES / "get-model-path", folder)
    config = yaml.safe_load((folder / "debugkit.yaml").read_text())
    config["deployment"] = {"host": "0.0.0.0", "port": free_port(), "debug_port": free_port()}
    (folder / "debugkit.yaml").write_text(yaml.safe_dump(config))

    try:
        up = debugkit("up", str(folder), "--runtime", "process", "--detach")
        assert up.returncode == 0, up.stderr
        assert "WARNING: the scoring port and the debugger listen on 0.0.0.0" in up.stderr
    finally:
        debugkit("down", str(folder))

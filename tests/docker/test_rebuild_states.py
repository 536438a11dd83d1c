"""What the watcher does to a running server, as `status` and `logs` tell it (real containers).

A rebuild after an environment change builds first while the old generation serves, and a
failed build changes nothing but what `status` says; saved code that does not serve (a
syntax error caught on the host, a reload whose init() failed) is shown beside the
generation that does.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

from debugkit import launcher
from debugkit.config import load_config
from debugkit.vscode import BACKGROUND_ENDS
from tests.docker.conftest import debugkit

pytestmark = pytest.mark.docker

BOUND_S = 300  # an image build installs from the package index


def _watcher_log(root: Path) -> Path:
    return launcher.watcher_log(load_config(root).project_key)


def wait_for_watcher(root: Path, text: str, after: int = 0) -> str:
    """The watcher log once ``text`` appears in it past character ``after``."""
    log = _watcher_log(root)
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace") if log.exists() else ""
        if text in content[after:]:
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in the watcher log:\n{content}")


def _watcher_log_size(root: Path) -> int:
    return len(_watcher_log(root).read_text(errors="replace"))


def _status(root: Path) -> tuple[int, dict]:
    result = debugkit("status", "--json", str(root), check=False)
    return result.returncode, json.loads(result.stdout)


def _up(root: Path) -> None:
    debugkit("up", "--detach", "--runtime", "docker", "--no-debug", str(root))


def test_a_failed_rebuild_keeps_the_old_generation_serving(make_project) -> None:
    root = make_project("basic")
    _up(root)
    (root / "requirements.txt").write_text("six==1.16.0\ndebugkit-no-such-package-10==1.0\n")
    log = wait_for_watcher(root, "restart skipped")
    assert log.count("debugkit: rebuilding:") == 1
    # VS Code's background task began a cycle at "rebuilding": a line must end it
    after = log.split("rebuild failed", 1)[1].splitlines()
    assert any(re.search(BACKGROUND_ENDS, line) for line in after)
    assert "restarting" not in log.split("rebuild failed")[0].split("rebuilding:")[1]

    scored = debugkit("score", str(root), "--data", "{}")  # the old generation answers
    assert json.loads(scored.stdout.split("\n", 1)[1])["six"] == "1.16.0"
    code, report = _status(root)
    assert code == 0 and report["state"] == "ready" and report["generation"] == 1
    assert "debugkit-no-such-package-10" in report["rebuild_failed"]
    text = debugkit("status", str(root)).stdout
    assert "rebuild failed:" in text and "generation 1 keeps serving" in text
    assert "rebuild failed" in debugkit("logs", str(root)).stdout

    # one save, one rebuild: a later save of score.py reloads and does not retry the build
    size = _watcher_log_size(root)
    script = root / "score.py"
    script.write_text(script.read_text() + "\n# edited\n")
    log = wait_for_watcher(root, "reload \u2713", after=size)
    assert log.count("debugkit: rebuilding:") == 1


def test_status_says_rebuilding_and_why_while_the_old_generation_serves(make_project) -> None:
    root = make_project("basic")
    _up(root)
    (root / "requirements.txt").write_text("six==1.15.0\n")
    seen = None
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline and seen is None:
        code, report = _status(root)
        if report["state"] == "rebuilding":
            seen = (code, report)
    assert seen is not None, "status never said rebuilding"
    code, report = seen
    assert code == 0 and report["generation"] == 1  # still serving meanwhile
    assert "requirements.txt" in report["trigger"]
    wait_for_watcher(root, "restart \u2713")
    scored = debugkit("score", str(root), "--data", "{}")
    assert json.loads(scored.stdout.split("\n", 1)[1])["six"] == "1.15.0"
    code, report = _status(root)
    assert code == 0 and report["state"] == "ready" and "trigger" not in report


def test_renaming_the_conda_environment_restarts_nothing(make_project) -> None:
    root = make_project("basic")
    (root / "env.yml").write_text(
        yaml.safe_dump({"name": "first", "dependencies": [{"pip": ["six==1.16.0"]}]})
    )
    config_file = root / "debugkit.yaml"
    data = yaml.safe_load(config_file.read_text())
    data["environment"] = "env.yml"
    config_file.write_text(yaml.safe_dump(data))
    _up(root)
    (root / "env.yml").write_text(
        yaml.safe_dump({"name": "second", "dependencies": [{"pip": ["six==1.16.0"]}]})
    )
    log = wait_for_watcher(root, "installs the same packages; nothing to rebuild")
    assert "rebuilding" not in log and "restarting" not in log
    code, report = _status(root)
    assert code == 0 and report["generation"] == 1


def test_status_shows_saved_code_that_does_not_serve(make_project) -> None:
    root = make_project("basic")
    _up(root)
    script = root / "score.py"
    good = script.read_text()
    script.write_text(good.replace("def run(raw_data):", "def run(raw_data)"))
    wait_for_watcher(root, "not reloaded")
    code, report = _status(root)
    assert code == 0 and report["generation"] == 1
    (line,) = report["not_serving"]
    assert line.startswith(f"{script}:12:") and "SyntaxError" in line
    text = debugkit("status", str(root)).stdout
    assert "saved but not serving (generation 1 keeps serving):" in text

    size = _watcher_log_size(root)
    script.write_text(good.replace("global greeting", "global greeting\n    1 / 0"))
    wait_for_watcher(root, "reload \u2717", after=size)
    code, report = _status(root)
    (line,) = report["not_serving"]
    assert line.startswith(f"{script}:8:") and "ZeroDivisionError" in line
    assert "reload failed" in line

    size = _watcher_log_size(root)
    script.write_text(good + "\n# fixed\n")
    wait_for_watcher(root, "reload \u2713", after=size)
    code, report = _status(root)
    assert code == 0 and "not_serving" not in report and report["generation"] == 2

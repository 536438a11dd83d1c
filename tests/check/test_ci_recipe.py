"""The GitHub Actions workflow in docs/ci.md stays runnable: valid YAML, only the real
actions it names, and a `debugkit check` command line the CLI accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from debugkit.commands.check import check

CI_DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
ACTIONS = {"actions/checkout@v4", "actions/setup-python@v5", "actions/upload-artifact@v4"}


def _workflow() -> dict:
    block = re.search(r"```yaml\n(.*?)```", CI_DOC.read_text(), re.DOTALL)
    assert block, "docs/ci.md has no ```yaml workflow"
    return yaml.safe_load(block.group(1))


def test_the_workflow_uses_only_real_actions_and_a_valid_check_command() -> None:
    steps = _workflow()["jobs"]["check"]["steps"]
    assert {step["uses"] for step in steps if "uses" in step} == ACTIONS
    runs = [step["run"] for step in steps if "debugkit check" in step.get("run", "")]
    assert len(runs) == 1
    args = shlex.split(runs[0].replace('"$PROJECT"', "my-model"))
    assert args[:2] == ["debugkit", "check"]
    ctx = check.make_context("check", args[2:])  # raises on an unknown option
    assert ctx.params["junit"] == Path("debugkit-check.xml")
    assert ctx.params["markdown"] == Path("debugkit-check.md")

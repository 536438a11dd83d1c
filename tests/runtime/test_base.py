"""debugkit.runtime.base: UpOptions is what `up` asked for, stored once and read back whole."""

from __future__ import annotations

import json
from pathlib import Path

from debugkit.runtime.base import UpOptions
from tests.helpers import project_config


def test_up_options_survive_the_session_record(tmp_path: Path) -> None:
    asked = UpOptions(
        debug=True,
        wait_for_debugger=True,
        production=False,
        foreground=False,
        overrides=(("port", 9001), ("base_image", "my/base:1")),
    )
    stored = json.loads(json.dumps(asked.to_record()))  # as the session record keeps it
    assert UpOptions.from_record(stored) == asked
    assert UpOptions.from_record({}) == UpOptions()
    config = asked.configure(project_config(tmp_path))
    assert (config.deployment.port, config.base_image) == (9001, "my/base:1")

"""Tests of debugkit.watch, one module each; ``watch_project`` is the project they share."""

from __future__ import annotations

from pathlib import Path


def watch_project(tmp_path: Path, yaml: str = "") -> Path:
    (tmp_path / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    (tmp_path / "utils.py").write_text("X = 1\n")
    (tmp_path / "myenv.yml").write_text("dependencies:\n  - pip:\n    - numpy\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(b"weights")
    (tmp_path / "debugkit.yaml").write_text(yaml or "deployment:\n  memory_gb: 1\n")
    return tmp_path

"""debugkit.watch.loop: the folders the watcher watches."""

from __future__ import annotations

from pathlib import Path

from debugkit.config import load_config
from debugkit.watch.loop import watch_roots
from tests.watch import watch_project


def test_watch_roots_do_not_overlap(tmp_path: Path) -> None:
    root = watch_project(tmp_path)
    assert watch_roots(load_config(root)) == [(root, True)]

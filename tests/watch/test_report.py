"""debugkit.watch.report: the lines the watcher prints."""

from __future__ import annotations

from pathlib import Path

from debugkit.watch.report import reload_line


def test_reload_line_maps_container_paths(tmp_path: Path) -> None:
    ok = reload_line({"ok": True, "generation": 3}, "score.py", 41.6, 2, tmp_path)
    assert ok == "debugkit: reload \u2713 generation 3 in 42 ms (score.py)"
    failed = reload_line(
        {
            "ok": False,
            "generation": 2,
            "error": {
                "type": "ValueError",
                "message": "boom",
                "file": "/var/azureml-app/score.py",
                "line": 7,
            },
        },
        "score.py",
        12,
        2,
        tmp_path,
    )
    assert failed.endswith(
        ":7: error: ValueError: boom "
        "[reload \u2717 in 12 ms (score.py); generation 2 keeps serving]"
    )
    assert failed.startswith(str(tmp_path / "score.py")) or failed.startswith("score.py")

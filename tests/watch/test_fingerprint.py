"""debugkit.watch.fingerprint: identical saves and vanished temp files are not changes."""

from __future__ import annotations

from pathlib import Path

from debugkit.watch.fingerprint import Fingerprints


def test_identical_save_is_not_a_change(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("x = 1\n")
    prints = Fingerprints()
    prints.record([tmp_path])
    score.write_text("x = 1\n")
    assert prints.changed([score]) == []
    score.write_text("x = 2\n")
    assert prints.changed([score]) == [score]
    assert prints.changed([score]) == []


def test_vanished_temp_file_is_not_a_change_but_deletion_is(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("x = 1\n")
    prints = Fingerprints()
    prints.record([tmp_path])
    assert prints.changed([tmp_path / "tmp123.py"]) == []
    assert not prints.vanished(score)
    score.unlink()
    assert prints.vanished(score)
    assert prints.changed([score]) == [score]
    assert not prints.vanished(score)


def test_moved_folder_expands_to_its_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("a = 1\n")
    prints = Fingerprints()
    prints.record([tmp_path])
    (tmp_path / "pkg").rename(tmp_path / "pkg2")
    gone = prints.expand(tmp_path / "pkg")
    came = prints.expand(tmp_path / "pkg2")
    assert prints.changed(gone | came) == [tmp_path / "pkg" / "a.py", tmp_path / "pkg2" / "a.py"]

"""debugkit.watch.filters: editor temp files and caches are not changes."""

from __future__ import annotations

from pathlib import PurePath

import pytest

from debugkit.watch.filters import is_ignored


@pytest.mark.parametrize(
    "path",
    [
        "proj/__pycache__/score.cpython-311.pyc",
        "proj/.git/index",
        "proj/4913",
        "proj/score.py~",
        "proj/.score.py.swp",
        "proj/.score.py.swx",
        "proj/.#score.py",
        "proj/#score.py#",
        "proj/score.py___jb_tmp___",
        "proj/score.py___jb_old___",
        "proj/sub/.git",
        "proj/server.log",
        "proj/env/lib/python3.11/site-packages/numpy/__init__.py",
    ],
)
def test_editor_and_cache_files_are_ignored(path: str) -> None:
    assert is_ignored(PurePath(path))


@pytest.mark.parametrize(
    "path", ["proj/score.py", "proj/utils/helpers.py", "proj/model/model.pkl", "proj/myenv.yml"]
)
def test_real_files_are_not_ignored(path: str) -> None:
    assert not is_ignored(PurePath(path))

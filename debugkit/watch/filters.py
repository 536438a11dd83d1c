"""Which paths never matter: caches, VCS folders and the temp files editors write while saving."""

from __future__ import annotations

import fnmatch
from pathlib import PurePath

IGNORED_DIRS = frozenset(
    {
        "__pycache__",
        ".git",
        ".hg",
        ".svn",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        ".idea",
        ".vscode",
        ".venv",
        "venv",
        "site-packages",  # a virtualenv under any other name
        "dist-packages",
        ".tox",
        ".nox",
        ".eggs",
        "node_modules",
    }
)

# Editors' save sequences: vim probes with "4913" and keeps "file~" / ".file.swp";
# emacs locks with ".#file" and autosaves "#file#"; JetBrains "safe write" goes through
# "file___jb_tmp___" / "file___jb_old___"; gedit writes ".goutputstream-*"; Kate "*.kate-swp".
IGNORED_NAMES = (
    "4913",
    "*~",
    ".*.sw?",
    ".#*",
    "#*#",
    "*___jb_tmp___",
    "*___jb_old___",
    ".goutputstream-*",
    "*.kate-swp",
    "*.py[co]",
    "*.log",
    ".DS_Store",
    "Thumbs.db",
)


def is_ignored(path: PurePath) -> bool:
    """True for paths whose change can never need a reload."""
    if any(part in IGNORED_DIRS for part in path.parts[:-1]):
        return True
    name = path.name
    if name in IGNORED_DIRS:
        return True
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in IGNORED_NAMES)

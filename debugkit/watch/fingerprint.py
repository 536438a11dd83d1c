"""Content fingerprints, so that saving identical content does nothing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from debugkit.watch.filters import is_ignored

# Above this size (model files) the fingerprint is size + mtime: hashing gigabytes is too slow.
HASH_LIMIT = 16 * 1024 * 1024


def fingerprint(path: Path) -> str | None:
    """A digest of the file's content; None when it does not exist (or is not a regular file)."""
    try:
        stat = path.stat()
        if not path.is_file():
            return None
        if stat.st_size > HASH_LIMIT:
            return f"stat:{stat.st_size}:{stat.st_mtime_ns}"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def files_under(root: Path) -> Iterable[Path]:
    """Regular files below ``root`` (or ``root`` itself), skipping ignored folders and names."""
    if root.is_file():
        yield root
        return
    for folder, dirs, names in os.walk(root):
        base = Path(folder)
        dirs[:] = [d for d in dirs if not is_ignored(base / d)]
        for name in names:
            path = base / name
            if not is_ignored(path):
                yield path


class Fingerprints:
    """The last content seen for each path; :meth:`changed` keeps only paths whose content moved."""

    def __init__(self) -> None:
        self._seen: dict[Path, str | None] = {}

    def record(self, roots: Iterable[Path]) -> None:
        """Take the baseline: the content of every file below ``roots`` as it is now."""
        for root in roots:
            for path in files_under(root):
                self._seen[path] = fingerprint(path)

    def expand(self, path: Path) -> set[Path]:
        """A folder event stands for every file in it now and every file known under it before."""
        if path in self._seen or path.is_file():
            return {path}
        known = {p for p in self._seen if path in p.parents}
        if path.is_dir():
            return set(files_under(path)) | known
        return known or {path}

    def vanished(self, path: Path) -> bool:
        """A file seen before that does not exist now."""
        return path in self._seen and not path.exists()

    def changed(self, paths: Iterable[Path]) -> list[Path]:
        """Paths whose content (or existence) differs from the last seen; updates the record."""
        result = []
        for path in sorted(set(paths)):
            now = fingerprint(path)
            if now != self._seen.get(path):
                result.append(path)
            if now is None:
                self._seen.pop(path, None)
            else:
                self._seen[path] = now
        return result

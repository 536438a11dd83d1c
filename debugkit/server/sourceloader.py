"""Load the user's modules from source every time, never from a .pyc.

A .pyc is trusted when its recorded source mtime (whole seconds) and size match; an
edit that keeps the size within the same second (VERSION = 1 -> 2) would otherwise be
served from a stale .pyc left by a local run of the user's tests. The server writes no
bytecode (sys.dont_write_bytecode), so compiling the user's few files is all it costs.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import os
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Optional

from debugkit.server.errorinfo import is_inside

# sha256 of the source each user file was last compiled from, by path: what a reload that
# keeps init()'s state compares against (debugkit.server.keepinit).
compiled_sources: dict[str, str] = {}


def source_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        data = self.get_data(path)
        compiled_sources[path] = source_hash(data)
        return self.source_to_code(data, path)


def _is_users_file(path: str, source_dir: str) -> bool:
    if not is_inside(path, source_dir):
        return False
    parts = os.path.realpath(path).split(os.sep)
    return "site-packages" not in parts and "dist-packages" not in parts


class SourceDirFinder(importlib.abc.MetaPathFinder):
    """Finds modules as usual, and gives the ones inside the source folder a SourceOnlyLoader."""

    def __init__(self, source_dir: str) -> None:
        self.source_dir = source_dir

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if (
            spec is None
            or type(spec.loader) is not importlib.machinery.SourceFileLoader
            or not spec.origin
            or not _is_users_file(spec.origin, self.source_dir)
        ):
            return None  # the normal machinery handles it
        spec.loader = SourceOnlyLoader(fullname, spec.origin)
        return spec


def install(source_dir: str) -> None:
    import sys

    if not any(isinstance(finder, SourceDirFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, SourceDirFinder(source_dir))

"""Keep init()'s state across a reload when nothing it reads changed.

After each init() that succeeds the service records a :class:`Baseline` (the entry
script's source as compiled, the hashes of the user modules loaded, a fingerprint of the
model and data files, the environment). On a reload, :func:`decide` compares the new
state of things with it; the source analysis is :mod:`debugkit.server.initdeps`.
When init() is kept, the fresh module gets the old module's globals that init() set
(:func:`carry_over`), and the user modules init() reaches stay loaded as they are (they
are unchanged, and may hold state init() put there).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from types import FunctionType, ModuleType
from typing import Optional

from debugkit.server import initdeps
from debugkit.server.sourceloader import compiled_sources, source_hash

# Above this many data files in the source folder nobody can afford to stat them on every
# reload (a few ms per thousand): init() runs again instead of guessing.
MAX_DATA_FILES = 5000
_SKIPPED_DIRS = frozenset({"__pycache__", "site-packages", "dist-packages", "node_modules"})

ALWAYS = "always"  # run init() (debugkit reload --init, keep_init: false)
AUTO = "auto"  # keep init()'s state when nothing it reads changed


@dataclass
class Baseline:
    """What the last init() that ran saw."""

    entry_source: Optional[str]  # None: the file changed while it was imported
    modules: dict[str, tuple[str, Optional[str]]]  # user module -> (file, hash compiled)
    data: Optional[str]  # fingerprint of model and data files (None: too many files)
    environ: dict[str, str]
    init_ms: float


@dataclass
class Decision:
    keep: bool
    reason: str  # why init() runs (empty when kept)
    carry: tuple[str, ...] = ()
    keep_modules: frozenset[str] = field(default_factory=frozenset)
    entry_hash: str = ""  # the entry script analysed (kept only if the import compiles it)


def data_fingerprint(source_dir: str, model_dirs: list[str]) -> Optional[str]:
    """(path, size, mtime) of every non-Python file init() might read: the source folder's
    data files and the model folders (links followed: the process runtime links models)."""
    entries: list[str] = []
    for root, follow in [(source_dir, False), *((d, True) for d in model_dirs)]:
        if not root or not os.path.isdir(root):
            continue
        for folder, dirs, files in os.walk(root, followlinks=follow):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
            for name in sorted(files):
                if name.endswith((".py", ".pyc")) and not follow:
                    continue  # sources are compared by the analysis
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
                if len(entries) > MAX_DATA_FILES:
                    return None
    return source_hash("\n".join(entries).encode())


def model_dirs() -> list[str]:
    """Where models are: AZUREML_MODEL_DIR and Azure ML's models root."""
    found = [os.environ.get("AZUREML_MODEL_DIR", "")]
    app_root = os.environ.get("AML_APP_ROOT")
    if app_root:
        found.append(os.path.join(app_root, "azureml-models"))
    return [d for d in dict.fromkeys(found) if d]


def record(
    entry_script: str,
    source_dir: str,
    user_modules: dict[str, str],
    init_ms: float,
) -> Baseline:
    """The baseline after an init() that succeeded (``user_modules``: name -> file)."""
    entry_source = _read(entry_script)
    compiled = compiled_sources.get(entry_script)
    if entry_source is None or source_hash(entry_source.encode()) != compiled:
        entry_source = None
    return Baseline(
        entry_source=entry_source,
        modules={name: (file, compiled_sources.get(file)) for name, file in user_modules.items()},
        data=data_fingerprint(source_dir, model_dirs()),
        environ=dict(os.environ),
        init_ms=init_ms,
    )


def decide(baseline: Optional[Baseline], entry_script: str, source_dir: str, mode: str) -> Decision:
    """Keep init()'s state, or run it again (and why)."""
    if mode == ALWAYS:
        return Decision(False, "asked to")
    if baseline is None:
        return Decision(False, "init() has not run successfully yet")
    if baseline.entry_source is None:
        return Decision(False, "the script changed while init() ran")
    new_source = _read(entry_script)
    if new_source is None:
        return Decision(False, f"cannot read {os.path.basename(entry_script)}")
    comparison = initdeps.compare(baseline.entry_source, new_source)
    if not comparison.same:
        return Decision(False, comparison.reason)
    known = {name: file for name, (file, _) in baseline.modules.items()}
    reached = initdeps.reached_modules(comparison.modules, known, _read)
    for name in sorted(reached):
        file, compiled = baseline.modules[name]
        data = _read_bytes(file)
        if data is None or source_hash(data) != compiled:
            shown = os.path.relpath(file, source_dir)
            return Decision(False, f"{shown} changed (init() uses it)")
    new_module = _new_user_module(comparison.modules - set(known), source_dir)
    if new_module:
        return Decision(False, f"{new_module} is new (init() imports it)")
    if baseline.environ != dict(os.environ):
        changed = sorted(set(baseline.environ.items()) ^ set(os.environ.items()))
        return Decision(False, f"the environment changed ({changed[0][0]})")
    if baseline.data is None:
        return Decision(False, f"more than {MAX_DATA_FILES} data files to check")
    if data_fingerprint(source_dir, model_dirs()) != baseline.data:
        return Decision(False, "a model or data file changed")
    return Decision(
        True,
        "",
        carry=comparison.carry,
        keep_modules=frozenset(reached),
        entry_hash=source_hash(new_source.encode()),
    )


def carry_over(old: ModuleType, new: ModuleType, names: tuple[str, ...]) -> list[str]:
    """Copy the state init() left in ``old``'s globals into ``new``; returns the names copied.

    Functions, classes and modules come from the new code; data (the model, its settings)
    from the old module."""
    copied = []
    for name in names:
        if name not in old.__dict__:
            continue
        value = old.__dict__[name]
        if isinstance(value, (FunctionType, ModuleType, type)):
            continue
        new.__dict__[name] = value
        copied.append(name)
    return copied


def loaded_user_modules(is_user_module: object, exclude: str) -> dict[str, str]:
    """name -> file of the user's modules now in sys.modules (``is_user_module(module)``)."""
    found: dict[str, str] = {}
    for name, module in list(sys.modules.items()):
        if name == exclude or module is None or name.startswith("debugkit"):
            continue
        if is_user_module(module):  # type: ignore[operator]
            found[name] = module.__file__  # as the loader saw it (compiled_sources' key)
    return found


def _new_user_module(names: set[str], source_dir: str) -> Optional[str]:
    """A module init() imports that was not loaded before, but is now a file in the source
    folder (so init() would import it)."""
    for name in sorted(names):
        base = os.path.join(source_dir, *name.split("."))
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return os.path.relpath(candidate, source_dir)
    return None


def _read(path: str) -> Optional[str]:
    data = _read_bytes(path)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _read_bytes(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None

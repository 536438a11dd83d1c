"""Does init() have to run again on this reload? (pure source analysis, no imports)

While debugging, most saves change run() or a helper, and init() (where the model loads:
2.5-3 s just to import scikit-learn and unpickle a small model, minutes for a large one)
would produce the same state again. A reload may keep that state only when nothing init()
could read changed. Conservative by construction: anything not understood runs init().

What must be unchanged (compared as ASTs, so comments, blank lines and moved lines do not
count), between the source init() last ran with and the new source:

* init() itself, and every module-level definition it reaches by name, transitively
  (functions it calls, constants and imports it reads, what those read);
* every module-level statement that can have an effect when the module is imported
  (calls, attribute or item assignment, ``if``/``try``/``for``/``with`` blocks, ...), and
  what those reach; every class (a model unpickled by init() may be an instance of it);
* user modules init() reaches (imported by a reached statement, then everything those
  import), compared by content hash;
* model and data files, and the environment (checked by the service, not here).

Free to change: functions init() does not reach (run() and its helpers), call-free
assignments of names init() does not read (``THRESHOLD = 0.7``), imports init() does not
use, docstrings. Code using ``exec``, ``eval``, ``globals()``, ``__import__`` or
``importlib`` in what init() reaches cannot be analysed: init() runs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Optional

# Calls whose reads no static analysis can see.
_DYNAMIC = frozenset({"exec", "eval", "globals", "vars", "locals", "__import__", "compile"})
_DYNAMIC_ATTRS = frozenset({"import_module", "reload", "__dict__"})


@dataclass
class SourceFacts:
    """What one version of the entry script says about init()."""

    signature: list[tuple[str, str]]  # (label, ast dump) of each statement init() depends on
    globals_assigned: set[str]  # names init() (or a function it calls) declares `global`
    names_read: set[str]  # module-level names init()'s reach refers to
    imported_modules: set[str]  # module names imported by the statements init() reaches
    dynamic: Optional[str] = None  # why the reach cannot be known, if it cannot


@dataclass
class Comparison:
    """The result of comparing the source init() ran with against a new one."""

    same: bool
    reason: str = ""  # why init() must run again, in words
    carry: tuple[str, ...] = ()  # module globals to copy from the old module into the new one
    modules: frozenset[str] = field(default_factory=frozenset)  # module names init() reaches


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bound_names(stmt: ast.stmt) -> set[str]:
    """Module-level names a statement binds (anywhere inside it, blocks included)."""
    names: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".")[0])
    # names bound inside a function body are its locals, not module globals
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    return names


def _header(stmt: ast.stmt) -> list[ast.AST]:
    """What a ``def`` runs when the module is imported: decorators, defaults, and annotations
    that call something (inference-schema's @input_schema(...) on run() is the usual one)."""
    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    args = stmt.args
    annotations = [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    calling = [
        n
        for n in [*annotations, stmt.returns]
        if n is not None and any(isinstance(c, ast.Call) for c in ast.walk(n))
    ]
    defaults = [d for d in [*args.defaults, *args.kw_defaults] if d is not None]
    if (
        not stmt.decorator_list
        and not any(isinstance(c, ast.Call) for d in defaults for c in ast.walk(d))
        and not calling
    ):
        return []
    return [*stmt.decorator_list, *defaults, *calling]


def _is_main_block(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":``: never runs when the server imports the script."""
    if not isinstance(stmt, ast.If) or stmt.orelse or not isinstance(stmt.test, ast.Compare):
        return False
    test = stmt.test
    sides = [test.left, *test.comparators]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return (
        len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and names == ["__name__"]
        and (values == ["__main__"])
    )


def _is_pure(stmt: ast.stmt) -> bool:
    """A statement whose execution cannot affect anything but the names it binds (a def's
    decorators and defaults are handled apart: :func:`_header`)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or _is_main_block(stmt):
        return True
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return not (isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names))
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True  # a docstring
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        simple = all(
            isinstance(t, ast.Name)
            or (
                isinstance(t, (ast.Tuple, ast.List))
                and all(isinstance(e, ast.Name) for e in t.elts)
            )
            for t in targets
        )
        value = stmt.value
        return simple and (
            value is None
            or not any(
                isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr))
                for n in ast.walk(value)
            )
        )
    return type(stmt).__name__ == "TypeAlias"  # evaluated lazily (3.12)


def _dynamic_use(node: ast.AST) -> Optional[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name) and func.id in _DYNAMIC:
                return f"{func.id}()"
        if isinstance(sub, ast.Attribute) and sub.attr in _DYNAMIC_ATTRS:
            return f".{sub.attr}"
        if isinstance(sub, ast.Name) and sub.id == "importlib":
            return "importlib"
    return None


def imported_names(node: ast.AST, package: str = "") -> set[str]:
    """Module names an import anywhere in ``node`` loads (with their parent packages)."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                found.update(_with_parents(alias.name))
        elif isinstance(sub, ast.ImportFrom):
            base = sub.module or ""
            if sub.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (sub.level - 1)] if sub.level > 1 else parts
                base = ".".join([*parts, base] if base else parts)
            if base:
                found.update(_with_parents(base))
                # `from pkg import sub` may load the submodule pkg.sub
                found.update(f"{base}.{a.name}" for a in sub.names if a.name != "*")
    return found


def _with_parents(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _label(stmt: ast.stmt) -> str:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"{stmt.name}()"
    if isinstance(stmt, ast.ClassDef):
        return f"class {stmt.name}"
    bound = sorted(_bound_names(stmt))
    if bound and len(bound) <= 3:
        return ", ".join(bound)
    return f"module-level code at line {stmt.lineno}"


def analyse(source: str) -> Optional[SourceFacts]:
    """What init() depends on in this source; None when init() is not one plain top-level def."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    body = tree.body
    inits = [s for s in body if "init" in _bound_names(s) and not isinstance(s, ast.Expr)]
    if len(inits) != 1 or not isinstance(inits[0], ast.FunctionDef):
        return None
    binders: dict[str, list[ast.stmt]] = {}
    for stmt in body:
        if not _is_main_block(stmt):
            for name in _bound_names(stmt):
                binders.setdefault(name, []).append(stmt)

    # roots: init(), classes, and every statement that may have an effect at import time
    # (of a def that is not reached itself, only its decorators and defaults: run() may
    # change freely under its @input_schema)
    roots = [s for s in body if s is inits[0] or isinstance(s, ast.ClassDef) or not _is_pure(s)]
    headers = {id(s): _header(s) for s in body if _header(s)}
    reached: list[ast.stmt] = []
    seen_stmts: set[int] = set()
    seen_names: set[str] = set()
    queue: list[tuple[ast.stmt, bool]] = [(s, True) for s in roots]
    queue += [(s, False) for s in body if id(s) in headers]
    only_header: set[int] = set()
    while queue:
        stmt, whole = queue.pop()
        if id(stmt) in seen_stmts and (not whole or id(stmt) not in only_header):
            continue
        if whole:
            only_header.discard(id(stmt))
        elif id(stmt) not in seen_stmts:
            only_header.add(id(stmt))
        if id(stmt) not in seen_stmts:
            reached.append(stmt)
        seen_stmts.add(id(stmt))
        # a class is compared whole, but only its bases, decorators and class-level
        # statements lead further (its methods run only if something reached calls them)
        scan: Iterable[ast.AST]
        if not whole:
            scan = headers[id(stmt)]
        elif isinstance(stmt, ast.ClassDef):
            scan = [*stmt.bases, *stmt.keywords, *stmt.decorator_list] + [
                s for s in stmt.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            ]
        else:
            scan = [stmt]
        for part in scan:
            for name in _names(part) - seen_names:
                seen_names.add(name)
                queue.extend((s, True) for s in binders.get(name, ()))

    def parts(stmt: ast.stmt) -> list[ast.AST]:
        return headers[id(stmt)] if id(stmt) in only_header else [stmt]

    functions = [
        s
        for s in reached
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(s) not in only_header
    ]
    dynamic = next(
        (
            why
            for s in reached
            if not isinstance(s, ast.ClassDef)
            for why in map(_dynamic_use, parts(s))
            if why
        ),
        None,
    )
    assigned: set[str] = set()
    for function in functions:
        for node in ast.walk(function):
            if isinstance(node, ast.Global):
                assigned.update(node.names)
    modules: set[str] = set()
    for stmt in reached:
        for part in parts(stmt):
            modules |= imported_names(part)
    order = {id(s): i for i, s in enumerate(body)}
    reached.sort(key=lambda s: order[id(s)])

    def entry(stmt: ast.stmt) -> tuple[str, str]:
        if id(stmt) in only_header:
            label = f"the decorators or defaults of {_label(stmt)}"
            return label, "|".join(ast.dump(p) for p in parts(stmt))
        return _label(stmt), ast.dump(stmt)

    return SourceFacts(
        signature=[entry(s) for s in reached],
        globals_assigned=assigned,
        names_read=(seen_names & set(binders)) | assigned,
        imported_modules=modules,
        dynamic=dynamic,
    )


def compare(old_source: str, new_source: str) -> Comparison:
    """Whether the state init() built from ``old_source`` is what ``new_source``'s would be
    (as far as the entry script tells; helper modules and files are checked separately)."""
    old, new = analyse(old_source), analyse(new_source)
    if old is None or new is None:
        return Comparison(False, "init() is not a plain top-level function")
    if new.dynamic:
        return Comparison(False, f"what init() reads cannot be told (it uses {new.dynamic})")
    if old.signature != new.signature:
        return Comparison(False, _difference(old.signature, new.signature))
    return Comparison(
        True,
        carry=tuple(sorted(new.globals_assigned | new.names_read)),
        modules=frozenset(new.imported_modules),
    )


def _difference(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> str:
    old_set, new_set = set(old), set(new)
    changed = [label for label, dump in new if (label, dump) not in old_set]
    changed += [label for label, dump in old if (label, dump) not in new_set]
    labels = list(dict.fromkeys(changed))
    if "init()" in labels:
        return "init() changed"
    if not labels:
        return "the order of module-level code changed"
    shown = ", ".join(labels[:3]) + (f" +{len(labels) - 3} more" if len(labels) > 3 else "")
    return f"{shown} changed (init() depends on it)"


def reached_modules(
    direct: Iterable[str],
    user_modules: Mapping[str, str],
    read: Callable[[str], Optional[str]],
) -> set[str]:
    """The user modules (name -> file) init() reaches: those ``direct`` names, then every user
    module they import anywhere in their source, transitively. ``read(file)`` gives a
    module's current source (None if unreadable, which reaches nothing further)."""
    reached: set[str] = set()
    queue = [name for name in direct if name in user_modules]
    while queue:
        name = queue.pop()
        if name in reached:
            continue
        reached.add(name)
        file = user_modules[name]
        source = read(file)
        if source is None:
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        is_package = file.endswith("__init__.py")
        package = name if is_package else name.rpartition(".")[0]
        queue.extend(m for m in imported_names(tree, package) if m in user_modules)
        # a submodule runs its packages' __init__ first
        queue.extend(p for p in _with_parents(name)[:-1] if p in user_modules)
    return reached

"""DK109: imports that fail on current library versions."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Optional

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.registry import Rule, register

# removed module -> (replacement module or None, since when)
REMOVED_MODULES: dict[str, tuple[Optional[str], str]] = {
    "sklearn.externals.joblib": ("joblib", "scikit-learn 0.23"),
    "sklearn.externals.six": ("six", "scikit-learn 0.23"),
    "sklearn.cross_validation": ("sklearn.model_selection", "scikit-learn 0.20"),
    "sklearn.grid_search": ("sklearn.model_selection", "scikit-learn 0.20"),
    "sklearn.learning_curve": ("sklearn.model_selection", "scikit-learn 0.20"),
    "sklearn.utils.testing": (None, "scikit-learn 0.24"),
    "tensorflow.contrib": (None, "TensorFlow 2.0"),
    "keras.wrappers.scikit_learn": (None, "Keras 2.12 (use scikeras)"),
}
# removed name -> (replacement "module.name", since when)
REMOVED_NAMES: dict[str, tuple[Optional[str], str]] = {
    "sklearn.preprocessing.Imputer": ("sklearn.impute.SimpleImputer", "scikit-learn 0.22"),
    "pandas.io.json.json_normalize": ("pandas.json_normalize", "pandas 2.0"),
}


def _removed_module(module: str) -> tuple[str, Optional[str], str] | None:
    for removed, (replacement, since) in REMOVED_MODULES.items():
        if module == removed or module.startswith(removed + "."):
            new = replacement + module[len(removed) :] if replacement else None
            return removed, new, since
    return None


@register
class RemovedImport(Rule):
    info = RuleInfo(
        code="DK109",
        name="removed-import",
        summary="import of a module or name that current libraries removed",
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        scoring_only=False,
        doc=RuleDoc(
            what=(
                "Finds imports that no longer exist in current library versions: "
                "`from sklearn.externals import joblib`, `sklearn.cross_validation`, "
                "`sklearn.preprocessing.Imputer`, `pandas.io.json.json_normalize`, "
                "`tensorflow.contrib`, ... An import inside a `try` that handles `ImportError`, "
                "or under a version check, is a deliberate fallback and is not reported."
            ),
            why=(
                "Old samples and course projects still use them. The environment the service "
                "builds installs current versions, so the import fails in `init()` "
                "(`ModuleNotFoundError`) and the container crash-loops, though it worked on "
                "the training machine."
            ),
            example="from sklearn.externals import joblib\n",
            fix="Import the library directly: `import joblib` (the quick fix rewrites the import).",
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        guarded: set[int] | None = None
        for node in ctx.imports:
            if isinstance(node, ast.Import):
                found = list(self._plain(ctx, node))
            elif node.module and not node.level:
                found = list(self._from(ctx, node))
            else:
                continue
            if found and guarded is None:
                guarded = _guarded_imports(ctx)  # only walked when there is something to report
            if found and id(node) not in (guarded or set()):
                yield from found

    def _plain(self, ctx: LintContext, node: ast.Import) -> Iterable[Finding]:
        for alias in node.names:
            hit = _removed_module(alias.name)
            if hit:
                removed, new, since = hit
                yield self.finding(ctx, node, _message(removed, new, since))

    def _from(self, ctx: LintContext, node: ast.ImportFrom) -> Iterable[Finding]:
        module = node.module or ""
        hit = _removed_module(module)
        if hit:
            removed, new, since = hit
            fixes = []
            if new:
                names = ", ".join(_alias_text(a) for a in node.names)
                fixes.append(
                    Fix(f"Import from {new}", (ctx.replace(node, f"from {new} import {names}"),))
                )
            yield self.finding(ctx, node, _message(removed, new, since), fixes)
            return
        for alias in node.names:
            full = f"{module}.{alias.name}"
            parent = _removed_module(full)
            if parent:  # from sklearn.externals import joblib
                removed, new, since = parent
                fixes = []
                if new and len(node.names) == 1:
                    text = (
                        f"import {new} as {alias.asname}"
                        if alias.asname
                        else _import_text(new, alias.name)
                    )
                    fixes.append(Fix(f"Use {new}", (ctx.replace(node, text),)))
                yield self.finding(ctx, node, _message(removed, new, since), fixes)
            elif full in REMOVED_NAMES:
                new, since = REMOVED_NAMES[full]
                fixes = []
                if new and len(node.names) == 1:
                    new_module, new_name = new.rsplit(".", 1)
                    local = alias.asname or alias.name
                    text = f"from {new_module} import {new_name}" + (
                        f" as {local}" if local != new_name else ""
                    )
                    fixes.append(Fix(f"Use {new}", (ctx.replace(node, text),)))
                yield self.finding(ctx, node, _message(full, new, since), fixes)


IMPORT_FAILURES = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
VERSION_NAMES = {
    "__version__",
    "version_info",
    "parse_version",
    "LooseVersion",
    "Version",
    "version",
}


def _catches_import_failure(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}
    return bool(names & IMPORT_FAILURES)


def _is_version_check(test: ast.expr) -> bool:
    """`if sklearn.__version__ < "0.23"`, `if parse_version(v) >= ...`, `sys.version_info`."""
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and node.attr in VERSION_NAMES:
            return True
        if isinstance(node, ast.Name) and node.id in VERSION_NAMES:
            return True
    return False


def _guarded_imports(ctx: LintContext) -> set[int]:
    """Imports inside a `try` that handles ImportError, or under a version check: the script
    already copes with the removed module (the other branch imports the new one)."""
    guarded: set[int] = set()

    def visit(body: list[ast.stmt], inside_guard: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) and inside_guard:
                guarded.add(id(stmt))
            if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                handled = any(_catches_import_failure(h) for h in stmt.handlers)
                visit(stmt.body, inside_guard or handled)
                for handler in stmt.handlers:
                    visit(handler.body, inside_guard)
                visit(stmt.orelse, inside_guard)
                visit(stmt.finalbody, inside_guard)
            elif isinstance(stmt, ast.If):
                checked = inside_guard or _is_version_check(stmt.test)
                visit(stmt.body, checked)
                visit(stmt.orelse, checked)
            else:
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(stmt, field, None)
                    if isinstance(block, list):
                        visit(block, inside_guard)

    visit(ctx.tree.body, False)
    return guarded


def _alias_text(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name


def _import_text(new: str, local: str) -> str:
    if new == local:
        return f"import {new}"
    if "." in new and new.rsplit(".", 1)[1] == local:
        package, name = new.rsplit(".", 1)
        return f"from {package} import {name}"
    return f"import {new} as {local}"


def _message(removed: str, new: str | None, since: str) -> str:
    instead = f"; use {new}" if new else ""
    return f"{removed} was removed in {since}, so this import fails in the service{instead}"

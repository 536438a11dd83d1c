"""``debugkit doctor [DIR]``: preflight checks, one line each with the remedy.

Exit 1 if any check fails. Checks that need a valid configuration are skipped
(and said so) when the configuration itself is broken.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from debugkit.commands.options import base_image_option, project_dir_argument
from debugkit.config import ProjectConfig, apply_overrides, load_config
from debugkit.errors import EXIT_FAILED, UserError
from debugkit.ports import bind_problem

OK, FAIL, SKIP = "✓", "✗", "-"


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: skipped
    name: str
    detail: str
    remedy: str = ""

    def line(self) -> str:
        mark = SKIP if self.ok is None else OK if self.ok else FAIL
        text = f"{mark} {self.name}: {self.detail}"
        return text + (f"; {self.remedy}" if self.remedy and not self.ok else "")


def check_config(
    project_dir: Path, overrides: dict[str, Any] | None = None
) -> tuple[Check, ProjectConfig | None]:
    try:
        config = apply_overrides(load_config(project_dir), overrides or {})
    except UserError as exc:
        return Check(False, "config", str(exc), "fix that setting"), None
    source = config.config_file.name if config.config_file else "defaults (no config file)"
    return Check(True, "config", f"{source}, entry script {config.entry_script}"), config


def check_environment(config: ProjectConfig) -> Check:
    from debugkit.environment import read_environment

    if config.environment is None:
        return Check(True, "environment", "no environment file: only the server's packages")
    try:
        spec = read_environment(config.environment)
    except UserError as exc:
        return Check(False, "environment", str(exc), "fix the file")
    detail = f"{config.environment.name}, {len(spec.pip_requirements)} pip packages"
    if spec.python_version:
        detail += f", python {spec.python_version}"
    if spec.warnings:
        detail += " (warning: " + "; ".join(spec.warnings) + ")"
    return Check(True, "environment", detail)


def check_models(config: ProjectConfig) -> Check:
    if not config.models:
        return Check(True, "models", "none configured (AZUREML_MODEL_DIR will be empty)")
    missing = [m for m in config.models if not m.path.exists()]
    if missing:
        names = ", ".join(f"{m.name} ({m.path})" for m in missing)
        return Check(False, "models", f"missing: {names}", "point models[].path at existing files")
    listed = ", ".join(f"{m.name}:{m.version} ({m.path.name})" for m in config.models)
    return Check(True, "models", listed)


def check_engine(config: ProjectConfig | None) -> tuple[Check, dict | None]:
    """No engine is no failure when the process runtime can serve the project (it cannot
    run an existing ``image``)."""
    from debugkit.runtime.docker import engine

    try:
        client = engine()
        info = client.info()
        version = client.version().get("Version", "?")
    except UserError as exc:
        if config is not None and config.image:
            remedy = f"the process runtime cannot run the image {config.image}; start Docker"
            return Check(False, "docker engine", str(exc), remedy), None
        detail = "none answers; 'debugkit up' runs the server as a local process instead"
        return Check(None, "docker engine", detail), None
    return Check(True, "docker engine", f"Docker {version} answers"), info


def check_base_image(config: ProjectConfig, engine_ok: bool) -> Check:
    from debugkit.runtime.docker import engine
    from debugkit.runtime.image import UNPULLABLE_REMEDY, plan_image
    from debugkit.runtime.pipconfig import PipSettings

    base = plan_image(config, pip=PipSettings()).base
    what = "image" if config.image else "base image"
    if not engine_ok:
        return Check(None, what, f"{base}: not checked without an engine")
    import docker.errors

    client = engine()
    try:
        client.images.get(base)
    except docker.errors.ImageNotFound:
        pass
    else:
        return Check(True, what, f"{base} is present")
    try:  # asks the registry for the manifest only: no download
        client.images.get_registry_data(base)
    except docker.errors.DockerException as exc:
        reason = str(getattr(exc, "explanation", None) or exc).strip().splitlines()[0][:160]
        return Check(
            False, what, f"{base} is not here and cannot be pulled ({reason})", UNPULLABLE_REMEDY
        )
    return Check(True, what, f"{base} is not here yet; the first 'debugkit up' pulls it")


def check_resources(config: ProjectConfig, info: dict | None) -> Check:
    from debugkit.runtime.resources import fit_to_machine, scheduling_problems

    if info is None:  # no engine: compare with this machine directly
        info = {"MemTotal": _machine_memory(), "NCPU": os.cpu_count() or 0, "Runtimes": {}}
    d, notes = fit_to_machine(config.deployment, info)  # as up fits an instance_type
    problems = scheduling_problems(d, info)
    wanted = f"{d.memory_gb:g} GB memory, {d.cpu_cores:g} CPU cores" + (", a GPU" if d.gpu else "")
    if problems:
        return Check(False, "resources", "; ".join(problems))
    fitted = f" ({'; '.join(notes)})" if notes else ""
    return Check(True, "resources", f"requests {wanted}: this machine can give them{fitted}")


def check_port(config: ProjectConfig, port: int, what: str, flag: str) -> Check:
    from debugkit import session as sessions

    record = sessions.load(config.project_key)
    if record is not None and port in (record.port, record.debug_port):
        return Check(True, what, f"{port} is used by this project's running session")
    host = config.deployment.host
    problem = bind_problem(host, port)
    if problem is not None:
        return Check(
            False,
            what,
            f"{host}:{port} is in use ({problem})",
            f"stop what uses it or pick another with {flag}",
        )
    return Check(True, what, f"{host}:{port} is free")


def check_lint(config: ProjectConfig) -> Check:
    from debugkit.lint.engine import lint_file

    result = lint_file(config.entry_path)
    if result.syntax_error is not None:
        err = result.syntax_error
        return Check(
            False,
            "lint",
            f"{config.entry_path}:{err.line}: {err.message}",
            "fix the syntax error",
        )
    errors = [f for f in result.findings if f.effective_severity.value == "error"]
    others = len(result.findings) - len(errors)
    if errors:
        first = errors[0]
        return Check(
            False,
            "lint",
            f"{len(errors)} errors, {others} other findings (first: line {first.line} "
            f"{first.code} {first.message})",
            f"run 'debugkit lint {config.entry_path}' for all of them",
        )
    detail = "no findings" if not others else f"no errors, {others} warnings or notes"
    return Check(True, "lint", detail)


def run_checks(project_dir: Path, overrides: dict[str, Any] | None = None) -> list[Check]:
    checks: list[Check] = []
    config_check, config = check_config(project_dir, overrides)
    checks.append(config_check)
    engine_check, info = check_engine(config)
    checks.append(engine_check)
    if config is None:
        reason = "skipped until the config is valid"
        return [*checks, *(Check(None, n, reason) for n in ("environment", "models", "ports"))]
    steps: list[Callable[[], Check]] = [
        lambda: check_environment(config),
        lambda: check_models(config),
        lambda: check_port(config, config.deployment.port, "scoring port", "--port"),
        lambda: check_port(config, config.deployment.debug_port, "debug port", "--debug-port"),
        lambda: check_base_image(config, info is not None),
        lambda: check_resources(config, info),
        lambda: check_lint(config),
    ]
    for step in steps:
        try:
            checks.append(step())
        except Exception as exc:  # a crashing check is a failed check, not a doctor crash
            checks.append(Check(False, "check", f"{type(exc).__name__}: {exc}"))
    return checks


def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


@click.command("doctor")
@project_dir_argument
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Check this scoring port, as 'up --port'."
)
@click.option(
    "--debug-port",
    type=click.IntRange(1, 65535),
    help="Check this debug port, as 'up --debug-port'.",
)
@base_image_option("Check this base image, as 'up --base-image' (env DEBUGKIT_BASE_IMAGE).")
def doctor(
    project_dir: Path, port: int | None, debug_port: int | None, base_image: str | None
) -> None:
    """Preflight: engine, ports, config, environment, models, resources, lint."""
    overrides = {"port": port, "debug_port": debug_port, "base_image": base_image}
    checks = run_checks(project_dir, {k: v for k, v in overrides.items() if v is not None})
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if c.ok is False]
    if failed:
        click.echo(f"{len(failed)} of {len(checks)} checks failed")
        sys.exit(EXIT_FAILED)
    click.echo("all checks passed")


COMMANDS = [doctor]

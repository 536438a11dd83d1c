"""The scoring server as a local subprocess: the default when no Docker engine answers.

The project's environment is installed into a virtualenv cached under the user's
cache folder by a hash of the environment; models are laid out the Azure ML way
(``debugkit.applayout``) in a temporary folder, as symlinks.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import debugkit
from debugkit.applayout import MODELS_DIR, layout_models
from debugkit.applayout import model_dir as azureml_model_dir
from debugkit.config import ProjectConfig
from debugkit.environment import EnvironmentSpec, read_environment
from debugkit.errors import UserError
from debugkit.paths import cache_dir
from debugkit.runtime.base import (
    Runtime,
    ServerPlacement,
    UpOptions,
    debug_port_for,
    exposure_warning,
    server_command,
)
from debugkit.runtime.pipoutput import PipWatch
from debugkit.runtime.resources import (
    fit_to_machine,
    machine_info,
    scheduling_problems,
    unenforced_limits,
)
from debugkit.server import REQUIREMENTS as SERVER_REQUIREMENTS
from debugkit.server.memory import OOM_EXIT_CODE, OOM_MARKER
from debugkit.server.memory import supported as memory_watch_supported
from debugkit.session import Session, pid_alive

PACKAGE_PARENT = Path(debugkit.__file__).resolve().parent.parent


class ProcessRuntime(Runtime):
    name = "process"

    def __init__(self) -> None:
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    def prepare(self, config: ProjectConfig) -> None:
        self._python_for(read_environment(config.environment))

    def start(self, config: ProjectConfig, options: UpOptions) -> Session:
        info = machine_info()
        deployment, notes = fit_to_machine(config.deployment, info)
        for note in notes:
            print(f"debugkit: {note}", file=sys.stderr)
        problems = scheduling_problems(deployment, info)
        if problems:
            raise UserError("; ".join(problems))
        watched = memory_watch_supported()
        print(unenforced_limits(deployment, watched), file=sys.stderr)
        warning = exposure_warning(
            deployment.host, debug_port_for(config, options) is not None, "as you on this machine"
        )
        if warning:
            print(warning, file=sys.stderr)
        spec = read_environment(config.environment)
        _warn_environment(spec)
        python = self._python_for(spec)
        work_dir = Path(tempfile.mkdtemp(prefix=f"debugkit-{config.project_key}-"))
        if config.models:
            app_root = work_dir
            model_dir = layout_models(config.models, work_dir)
        else:
            # as in the container, where the source folder is the app root: without configured
            # models, an azureml-models cache kept in the source folder is what
            # Model.get_model_path sees
            app_root = config.source_dir
            model_dir = azureml_model_dir(config.source_dir / MODELS_DIR, ())
        log_file = work_dir / "server.log"
        debug_port = debug_port_for(config, options)
        command = server_command(
            config,
            options,
            ServerPlacement(
                python=str(python),
                entry_script=str(config.entry_path),
                source_dir=str(config.source_dir),
                host=deployment.host,
                port=deployment.port,
                debug_host=deployment.host,
                debug_port=debug_port,
                model_dir=str(model_dir),
                memory_limit_mb=int(deployment.memory_gb * 1024) if watched else None,
            ),
        )
        env = {
            **os.environ,
            "AML_APP_ROOT": str(app_root),
            "AZUREML_MODEL_DIR": str(model_dir),
            "AZUREML_ENTRY_SCRIPT": config.entry_script,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")])
            ),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        with open(log_file, "ab") as log:
            proc = subprocess.Popen(
                command,
                cwd=config.source_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if options.foreground else None,
            )
        self._children[proc.pid] = proc
        return self.new_session(
            config,
            options,
            debug_port,
            server_pid=proc.pid,
            log_file=str(log_file),
            work_dir=str(work_dir),
        )

    def stop(self, session: Session) -> None:
        pid = session.server_pid
        if pid and pid_alive(pid):
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if pid_alive(pid):
                _signal_group(pid, signal.SIGKILL)
        proc = self._children.pop(pid, None) if pid else None
        if proc is not None:
            proc.wait(timeout=5)
        if session.work_dir:
            shutil.rmtree(session.work_dir, ignore_errors=True)

    def is_running(self, session: Session) -> bool:
        proc = self._children.get(session.server_pid or 0)
        if proc is not None:
            return proc.poll() is None
        return pid_alive(session.server_pid)

    def exit_reason(self, session: Session) -> str | None:
        proc = self._children.get(session.server_pid or 0)
        if proc is not None:
            proc.poll()
        code = proc.returncode if proc is not None else _zombie_exit_code(session.server_pid)
        if code is None:  # started by another debugkit process: only its log tells
            return "OOMKilled" if _log_says_oom(session) else None
        if code == OOM_EXIT_CODE:
            return "OOMKilled"  # the memory watchdog's stop, as Docker reports a container's
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def logs(
        self, session: Session, tail: int | None = None, follow: bool = False
    ) -> Iterator[str]:
        if not session.log_file or not Path(session.log_file).exists():
            return
        with open(session.log_file, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
            yield from (lines[-tail:] if tail else lines)
            while follow and self.is_running(session):
                line = f.readline()
                if line:
                    yield line
                else:
                    time.sleep(0.1)

    def _python_for(self, spec: EnvironmentSpec) -> Path:
        """The interpreter to run the server with: a cached venv holding the project's packages."""
        if not spec.pip_requirements:
            return Path(sys.executable)
        key = hashlib.sha256(
            "\n".join([spec.content_hash, sys.version, *SERVER_REQUIREMENTS]).encode()
        ).hexdigest()[:16]
        env_dir = cache_dir() / "venvs" / key
        python = env_dir / "bin" / "python"
        if (env_dir / ".complete").exists():
            return python
        shutil.rmtree(env_dir, ignore_errors=True)
        print(
            f"debugkit: installing {spec.source.name if spec.source else 'environment'} "
            f"into {env_dir} (once; cached by its content)",
            file=sys.stderr,
        )
        venv.create(env_dir, with_pip=True)
        watch = _pip_install(python, [*SERVER_REQUIREMENTS, *spec.pip_requirements])
        if watch is not None:
            shutil.rmtree(env_dir, ignore_errors=True)
            culprit = watch.culprit()
            failed = f"; the package that failed: {culprit}" if culprit else ""
            tail = "\n".join(f"    {line}" for line in watch.tail)
            raise UserError(
                f"installing the packages of {spec.source} failed{failed}; fix that file or "
                f"your pip settings.\nLast lines:\n{tail}"
            )
        (env_dir / ".complete").touch()
        return python


def _pip_install(python: Path, requirements: list[str]) -> PipWatch | None:
    """pip install, showing one line per package and phase as it goes (an install can take
    minutes); None on success, else what pip's output says about the failure."""
    watch = PipWatch()
    with subprocess.Popen(
        [str(python), "-m", "pip", "install", "--progress-bar", "off", *requirements],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if watch.feed(line):
                print(f"debugkit: pip: {line.strip()}", file=sys.stderr, flush=True)
    return watch if proc.returncode else None


def _warn_environment(spec: EnvironmentSpec) -> None:
    """What of the environment this runtime cannot give (conda-only packages, the python
    version): said at every start, as what runs differs from what deploys."""
    for warning in spec.warnings:
        print(f"debugkit: warning: {warning}", file=sys.stderr)
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if spec.python_version and spec.python_version != running:
        print(
            f"debugkit: warning: {spec.source} asks for python {spec.python_version}, but the "
            f"process runtime runs this machine's python {running}; use --runtime docker "
            f"(its default base image follows the python version) to match the deployment",
            file=sys.stderr,
        )


def _zombie_exit_code(pid: int | None) -> int | None:
    """The exit code of a child of this process that has exited and is not reaped yet (a
    restart's server, started by another runtime object), from /proc (Linux); else None."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[0] is the state (field 3 of proc(5)); fields[49] is exit_code (field 52)
    if fields[0] != "Z" or len(fields) < 50:
        return None
    return os.waitstatus_to_exitcode(int(fields[49]))


def _log_says_oom(session: Session) -> bool:
    if not session.log_file or pid_alive(session.server_pid):
        return False
    try:
        with open(session.log_file, "rb") as f:
            f.seek(max(0, os.path.getsize(session.log_file) - 4096))
            return OOM_MARKER.encode() in f.read()
    except OSError:
        return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if debugkit dies (kill -9, crash), so nothing is orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)

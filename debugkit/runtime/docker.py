"""The scoring server in a container, laid out as an Azure ML deployment.

* the source folder is bind-mounted read-only at ``/var/azureml-app``;
* each model appears read-only at
  ``/var/azureml-app/azureml-models/<name>/<version>/<basename>`` (a folder model is
  bind-mounted there; a file model is a symlink into its bind-mounted folder, so that
  replacing the file on the host is seen);
* ports are published on the deployment host (127.0.0.1 by default) only, and the
  container is alone on a network of its own (``debugkit-<project>``): debugpy has no
  authentication, so no other container on the engine may reach it (the default bridge
  would let any of them attach and run code);
* its processes run as the invoking user's uid (65534 when that is root), with every
  capability dropped, ``no-new-privileges`` and a pids limit;
* ``memory_gb``/``cpu_cores``/``gpu`` become the container's limits, after a check
  that this machine can give them at all.

A bind mount nested in a read-only bind mount needs its mount point to exist in
the outer source. So when there are models, debugkit creates one empty
``azureml-models`` folder in the source folder (if missing) and mounts a temporary
skeleton there, into which the models are mounted; ``stop`` removes both.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
from rich.console import Console
from rich.markup import escape

from debugkit.applayout import (
    APP_ROOT,
    CONTAINER_MODELS_ROOT,
    MODELS_DIR,
    container_model_path,
    model_dir,
    model_parts,
)
from debugkit.config import ProjectConfig
from debugkit.diagnose import NOT_OOM_KILLED
from debugkit.errors import UnavailableError, UserError
from debugkit.runtime.base import (
    Runtime,
    ServerPlacement,
    UpOptions,
    debug_port_for,
    exposure_warning,
    server_command,
)
from debugkit.runtime.image import (
    LABEL_MANAGED,
    LABEL_PROJECT,
    ensure_image,
    stderr_console,
)
from debugkit.runtime.install import remove_unused_deps
from debugkit.runtime.resources import fit_to_machine, scheduling_problems
from debugkit.server.azmlinfsrv import PASS_THROUGH as AZMLINFSRV_PASS_THROUGH
from debugkit.session import Session

log = logging.getLogger(__name__)

SCORING_PORT = 5001  # inside the container, as Azure ML's images use
DEBUG_PORT = 5678
MODEL_FILES_DIR = "/opt/debugkit/model-files"  # folders of file models (see _mounts)
LABEL_MOUNTPOINT = "debugkit.mountpoint"
# the foreground `up` process: when it is gone, the reaper removes the container (runtime/reaper.py)
LABEL_OWNER = "debugkit.owner_pid"
_STOP_TIMEOUT_S = 3
# Fork bombs and runaway thread pools stop here instead of exhausting the machine; a
# model server with a torch/OpenMP pool per core uses tens of threads, not thousands.
PIDS_LIMIT = 4096
NOBODY = "65534:65534"  # for a root invoker: files it mounts are world-readable as a rule
# json-file with rotation: a chatty run() in a long session must not fill the disk
LOG_CONFIG = {"type": "json-file", "config": {"max-size": "20m", "max-file": "2"}}


def engine() -> docker.DockerClient:
    """A client for the engine, or UnavailableError (exit 3) with the remedy."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except docker.errors.DockerException as exc:
        raise UnavailableError(
            f"no Docker engine answers ({_short(exc)}); start Docker (or run "
            "scripts/docker-engine.sh), or use --runtime process"
        ) from None
    return client


class DockerRuntime(Runtime):
    name = "docker"

    def __init__(
        self, client: docker.DockerClient | None = None, console: Console | None = None
    ) -> None:
        self._client = client
        self.console = console or stderr_console()

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = engine()
        return self._client

    # --- start ---------------------------------------------------------------------------------

    def prepare(self, config: ProjectConfig) -> None:
        ensure_image(self.client, config, self.console)  # with --image: the server layer

    def start(self, config: ProjectConfig, options: UpOptions) -> Session:
        info = self.client.info()
        deployment, notes = fit_to_machine(config.deployment, info)
        for note in notes:
            self.console.print(f"debugkit: {note}", highlight=False)
        problems = scheduling_problems(deployment, info)
        if problems:
            raise UserError("; ".join(problems))
        debug_port = debug_port_for(config, options)
        self._warn_if_exposed(deployment.host, debug_port is not None)
        image = ensure_image(self.client, config, self.console)
        self.remove_project_containers(config.project_key)

        work_dir = Path(tempfile.mkdtemp(prefix=f"debugkit-{config.project_key}-"))
        mountpoint: Path | None = None
        try:
            mounts, mountpoint = _mounts(config, work_dir)
            labels = {
                LABEL_MANAGED: "true",
                LABEL_PROJECT: config.project_key,
                "debugkit.project_dir": str(config.project_dir),
                "debugkit.work_dir": str(work_dir),
            }
            if mountpoint is not None:
                labels[LABEL_MOUNTPOINT] = str(mountpoint)
            if options.foreground:
                labels[LABEL_OWNER] = str(os.getpid())
            # the engine publishes on addresses, not names
            publish = "127.0.0.1" if deployment.host == "localhost" else deployment.host
            ports: dict[str, Any] = {f"{SCORING_PORT}/tcp": (publish, deployment.port)}
            if debug_port is not None:
                ports[f"{DEBUG_PORT}/tcp"] = (publish, debug_port)
            network = self._create_network(config.project_key)
            container = self._run(
                image,
                command=server_command(
                    config,
                    options,
                    ServerPlacement(
                        python="python3",
                        entry_script=f"{APP_ROOT}/{config.entry_script}",
                        source_dir=APP_ROOT,
                        host="0.0.0.0",  # inside the container; published on 127.0.0.1 only
                        port=SCORING_PORT,
                        debug_host="0.0.0.0",
                        debug_port=DEBUG_PORT if debug_port is not None else None,
                    ),
                ),
                name=container_name(config.project_key),
                labels=labels,
                mounts=mounts,
                environment=_environment(config),
                ports=ports,
                network=network,
                deployment=deployment,
            )
        except BaseException:  # including Ctrl-C: leave nothing behind
            with contextlib.suppress(docker.errors.DockerException):
                self.remove_project_containers(config.project_key)
            _remove_work(work_dir, mountpoint)
            raise
        return self.new_session(
            config,
            options,
            debug_port,
            container_id=container.id,
            container_name=container.name,
            image=image,
            work_dir=str(work_dir),
        )

    def _run(
        self, image: str, *, deployment: Any, name: str, **kwargs: Any
    ) -> docker.models.containers.Container:
        limits: dict[str, Any] = {
            "mem_limit": f"{int(deployment.memory_gb * 1024)}m",
            # no swap: going over the limit is an OOM kill, as in the deployment
            "memswap_limit": f"{int(deployment.memory_gb * 1024)}m",
            "nano_cpus": int(deployment.cpu_cores * 1e9),
        }
        if deployment.gpu:
            limits["device_requests"] = [
                docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])
            ]
        try:
            return self.client.containers.run(
                image,
                detach=True,
                name=name,
                init=True,
                stdin_open=False,
                user=container_user(),
                cap_drop=["ALL"],  # binding 5001/5678 and running python need none
                security_opt=["no-new-privileges"],
                pids_limit=PIDS_LIMIT,
                log_config=docker.types.LogConfig(**LOG_CONFIG),
                **limits,
                **kwargs,
            )
        except docker.errors.APIError as exc:
            # the container may exist even though it could not start (e.g. port taken)
            with contextlib.suppress(docker.errors.APIError):
                self.client.containers.get(name).remove(force=True)
            text = _short(exc)
            if "port is already allocated" in text or "address already in use" in text:
                raise UnavailableError(
                    f"a port is already in use ({text}); stop what uses it or choose "
                    "another with --port / --debug-port"
                ) from None
            raise UserError(f"the container could not start: {text}") from None

    def _create_network(self, project_key: str) -> str:
        """A bridge network only this project's container joins (see the module doc)."""
        name = container_name(project_key)
        self._remove_networks(project_key)
        try:
            self.client.networks.create(
                name, driver="bridge", labels={LABEL_MANAGED: "true", LABEL_PROJECT: project_key}
            )
        except docker.errors.APIError as exc:
            raise UnavailableError(
                f"cannot create the container's own network {name} ({_short(exc)}); "
                "'docker network prune' frees the address pools of unused networks"
            ) from None
        return name

    def _remove_networks(self, project_key: str) -> None:
        found = self.client.networks.list(filters={"label": f"{LABEL_PROJECT}={project_key}"})
        for network in found:
            with contextlib.suppress(docker.errors.NotFound):
                network.remove()

    def _warn_if_exposed(self, host: str, debug: bool) -> None:
        warning = exposure_warning(host, debug, "in the container")
        if warning:
            self.console.print(f"[bold red]{escape(warning)}[/bold red]", highlight=False)

    # --- stop, state, logs ---------------------------------------------------------------------

    def stop(self, session: Session) -> None:
        mountpoint: Path | None = None
        container = self._container(session)
        if container is not None:
            mountpoint = _label_path(container, LABEL_MOUNTPOINT)
            project_key = (container.labels or {}).get(LABEL_PROJECT)
            _remove_container(container)
            if project_key:
                with contextlib.suppress(docker.errors.APIError):
                    self._remove_networks(project_key)
        _remove_work(Path(session.work_dir) if session.work_dir else None, mountpoint)

    def remove_project_containers(self, project_key: str) -> int:
        """Remove containers of this project left by a killed debugkit; return how many."""
        found = self.client.containers.list(
            all=True, filters={"label": f"{LABEL_PROJECT}={project_key}"}
        )
        self._remove_containers(found)
        self._remove_networks(project_key)
        return len(found)

    def remove_owned_containers(self, project_key: str, owner_pid: int) -> int:
        """Remove the project's running containers that ``owner_pid`` (a foreground ``up``)
        started; one that exited is kept for ``logs``. Return how many were removed."""
        labels = [f"{LABEL_PROJECT}={project_key}", f"{LABEL_OWNER}={owner_pid}"]
        found = [
            container
            for container in self.client.containers.list(all=True, filters={"label": labels})
            if container.status in ("created", "running", "restarting", "paused")
        ]
        self._remove_containers(found)
        if found:
            with contextlib.suppress(docker.errors.APIError):
                self._remove_networks(project_key)
        return len(found)

    def _remove_containers(self, found: list[docker.models.containers.Container]) -> None:
        for container in found:
            log.debug("removing stale container %s", container.name)
            work = _label_path(container, "debugkit.work_dir")
            mountpoint = _label_path(container, LABEL_MOUNTPOINT)
            _remove_container(container)
            _remove_work(work, mountpoint)

    def remove_project_images(self, project_key: str) -> int:
        """Remove the project's images (kept by ``stop`` as a build cache); return how many."""
        images = self.client.images.list(filters={"label": f"{LABEL_PROJECT}={project_key}"})
        removed = 0
        for image in images:
            try:
                self.client.images.remove(image.id, force=True)
                removed += 1
            except docker.errors.APIError as exc:
                log.debug("could not remove image %s: %s", image.id, exc)
        remove_unused_deps(self.client)  # the install images no other project uses
        return removed

    def is_running(self, session: Session) -> bool:
        """The container runs, whether or not the ``up`` that owns it still does (see
        :func:`debugkit.launcher.orphaned`): status must say what really serves."""
        container = self._container(session)
        return container is not None and container.status in ("created", "running")

    def exit_reason(self, session: Session) -> str | None:
        container = self._container(session)
        if container is None:
            return None
        state = container.attrs.get("State", {})
        if state.get("OOMKilled"):
            return "OOMKilled"
        if state.get("Status") in ("exited", "dead"):
            reason = f"exit code {state.get('ExitCode')}"
            if state.get("ExitCode") == 137:  # SIGKILL, but not the memory limit's (diagnose)
                reason += f" ({NOT_OOM_KILLED})"
            if state.get("Error"):
                reason += f": {state['Error']}"
            return reason
        return None

    def logs(
        self, session: Session, tail: int | None = None, follow: bool = False
    ) -> Iterator[str]:
        container = self._container(session)
        if container is None:
            return
        stream = container.logs(stream=True, follow=follow, tail=tail if tail else "all")
        pending = b""
        for chunk in stream:
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode("utf-8", errors="replace") + "\n"
        if pending:
            yield pending.decode("utf-8", errors="replace") + "\n"

    def _container(self, session: Session) -> docker.models.containers.Container | None:
        ref = session.container_id or session.container_name
        if not ref:
            return None
        try:
            return self.client.containers.get(ref)
        except docker.errors.NotFound:
            return None


# --- pieces --------------------------------------------------------------------------------------


def container_name(project_key: str) -> str:
    return f"debugkit-{project_key}"


def container_user() -> str:
    """The invoking user's uid:gid, so that files the server writes in mounts are theirs;
    never root (a root invoker gets nobody)."""
    if not hasattr(os, "getuid") or os.getuid() == 0:
        return NOBODY
    return f"{os.getuid()}:{os.getgid()}"


def _environment(config: ProjectConfig) -> dict[str, str]:
    return {
        "AML_APP_ROOT": APP_ROOT,
        "AZUREML_MODEL_DIR": model_dir(CONTAINER_MODELS_ROOT, config.models),
        "AZUREML_ENTRY_SCRIPT": config.entry_script,
        "AZUREML_SOURCE_DIRECTORY": APP_ROOT,
        # the uid has no home in the image: libraries that cache under ~ still work
        "HOME": "/tmp",
        # azmlinfsrv settings set where 'up' runs reach the container as they reach a local
        # process (the process runtime inherits the environment): same project, same answers
        **{name: os.environ[name] for name in AZMLINFSRV_PASS_THROUGH if name in os.environ},
    }


def _mounts(config: ProjectConfig, work_dir: Path) -> tuple[list[docker.types.Mount], Path | None]:
    """Source read-only at APP_ROOT; models read-only inside a skeleton (see module doc)."""
    mounts = [docker.types.Mount(APP_ROOT, str(config.source_dir), type="bind", read_only=True)]
    if not config.models:
        return mounts, None
    mountpoint = config.source_dir / MODELS_DIR
    created: Path | None = None
    if not mountpoint.exists():
        try:
            mountpoint.mkdir()
        except OSError as exc:
            raise UserError(
                f"cannot create the models mount point {mountpoint} ({exc.strerror}); make "
                f"{config.source_dir} writable"
            ) from None
        created = mountpoint
    skeleton = work_dir / MODELS_DIR
    skeleton.mkdir(parents=True, exist_ok=True)
    skeleton.chmod(0o755)  # work_dir is 0700; the container's uid must enter the skeleton
    mounts.append(
        docker.types.Mount(CONTAINER_MODELS_ROOT, str(skeleton), type="bind", read_only=True)
    )
    for index, model in enumerate(config.models):
        target = skeleton.joinpath(*model_parts(model))
        target.parent.mkdir(parents=True, exist_ok=True)
        if model.path.is_dir():
            target.mkdir(exist_ok=True)
            inside = container_model_path(model)
            mounts.append(docker.types.Mount(inside, str(model.path), type="bind", read_only=True))
        else:
            # A file bind mount pins the file's inode: a model replaced by rename (git
            # checkout, `mv new.pkl model.pkl`) would stay stale. Its folder is mounted
            # instead and the layout entry is a symlink into it.
            folder = f"{MODEL_FILES_DIR}/{index}"
            mounts.append(
                docker.types.Mount(folder, str(model.path.parent), type="bind", read_only=True)
            )
            target.symlink_to(f"{folder}/{model.path.name}")
    return mounts, created


def _remove_container(container: docker.models.containers.Container) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        if container.status == "running":
            container.stop(timeout=_STOP_TIMEOUT_S)
    with contextlib.suppress(docker.errors.NotFound):
        container.remove(force=True, v=True)


def _remove_work(work_dir: Path | None, mountpoint: Path | None) -> None:
    if work_dir is not None:
        shutil.rmtree(work_dir, ignore_errors=True)
    if mountpoint is not None:
        with contextlib.suppress(OSError):
            mountpoint.rmdir()  # only if still empty: never the user's own files


def _label_path(container: docker.models.containers.Container, label: str) -> Path | None:
    value = (container.labels or {}).get(label)
    return Path(value) if value else None


def _short(exc: BaseException) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__

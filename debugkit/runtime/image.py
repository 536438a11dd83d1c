"""The image the scoring container runs: built once per environment, reused by content hash.

The user's code and models are mounted, not baked in, so an image depends only on
the base image, the environment's pip requirements, the host's pip settings and
debugkit's own source. Its tag is a hash of those; an image with that tag is
reused as is. ``--image IMG`` gets a thin derived image that only adds the server
(its dependencies in ``/opt/debugkit/lib``, debugkit in ``/opt/debugkit/src``).

Two stages: the pip installs run in a container with the host's pip settings mounted
and are committed (runtime/install.py: no credential in any layer); a Dockerfile on
that image then adds debugkit's source, which holds nothing secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

import debugkit
from debugkit.applayout import APP_ROOT
from debugkit.config import DEFAULT_BASE_IMAGE, ProjectConfig
from debugkit.environment import EnvironmentSpec, read_environment
from debugkit.errors import CheckFailed, UserError
from debugkit.runtime.install import (
    LABEL_LAYER,
    SCRIPT,
    build_script,
    deps_tag,
    pinned,
    remove_unused_deps,
    run_install,
)
from debugkit.runtime.pipconfig import CONTEXT_DIR, IMAGE_DIR, PipSettings, host_pip_settings
from debugkit.runtime.pipoutput import PipWatch
from debugkit.server import REQUIREMENTS as SERVER_REQUIREMENTS

log = logging.getLogger(__name__)

LIB_DIR = "/opt/debugkit/lib"
SRC_DIR = "/opt/debugkit/src"
LABEL_MANAGED = "debugkit.managed"
LABEL_PROJECT = "debugkit.project"
LABEL_INPUTS = "debugkit.inputs"
_PACKAGE_DIR = Path(debugkit.__file__).resolve().parent
_PYTHON_MARK = "debugkit-python-version"
# what to do about a base image this machine cannot pull (offline, no registry access)
UNPULLABLE_REMEDY = (
    "build on an image this machine has: --base-image IMG or DEBUGKIT_BASE_IMAGE=IMG "
    "(see 'docker images'), or pull it where the registry can be reached"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the engine colours a step's stderr


@dataclass(frozen=True)
class ImagePlan:
    """Everything that decides an image's content; ``tag`` is derived from it."""

    project_key: str
    base: str  # image the Dockerfile starts FROM
    derived: bool  # True for --image: only the server is added
    spec: EnvironmentSpec
    pip: PipSettings

    @property
    def repository(self) -> str:
        return f"debugkit-{self.project_key}"


def plan_image(config: ProjectConfig, pip: PipSettings | None = None) -> ImagePlan:
    spec = read_environment(config.environment)
    base = config.image or config.base_image
    if not config.image and config.base_image == DEFAULT_BASE_IMAGE and spec.python_version:
        # the default base follows the environment's python, as Azure ML's curated images do
        base = f"python:{spec.python_version}-slim"
    return ImagePlan(
        project_key=config.project_key,
        base=base,
        derived=config.image is not None,
        spec=spec,
        pip=pip if pip is not None else host_pip_settings(),
    )


def install_steps(plan: ImagePlan) -> list[str]:
    """The commands of the install container (runtime/install.py), in order."""
    pip = f"sh {IMAGE_DIR}/pip-install.sh"
    steps = [
        "python3 -c \"import sys; assert sys.version_info >= (3, 9), 'python3 >= 3.9 needed'; "
        f"print('{_PYTHON_MARK}', '%d.%d' % sys.version_info[:2])\"",
        f"{pip} --target {LIB_DIR} " + " ".join(f"'{p}'" for p in SERVER_REQUIREMENTS),
    ]
    if not plan.derived and plan.spec.pip_requirements:
        steps.append(f"{pip} -r {IMAGE_DIR}/requirements.txt")
    return steps


def dockerfile(plan: ImagePlan, deps: str) -> str:
    """On the committed install image ``deps``: only debugkit's source and settings, so a
    new debugkit version rebuilds in seconds."""
    lines = [
        f"FROM {deps}",
        f"COPY debugkit/ {SRC_DIR}/debugkit/",
        # keeps a PYTHONPATH the image already had (Azure ML images may set one)
        f"ENV PYTHONPATH={LIB_DIR}:{SRC_DIR}${{PYTHONPATH:+:$PYTHONPATH}} AML_APP_ROOT={APP_ROOT} PYTHONUNBUFFERED=1 "
        "PYTHONDONTWRITEBYTECODE=1",
        f"WORKDIR {APP_ROOT}",
    ]
    return "\n".join(lines) + "\n"


def _source_files() -> Iterator[Path]:
    """What runs in the container: ``debugkit/__init__.py`` and ``debugkit/server``.

    Host-side modules stay out, so editing them does not change the image tag.
    """
    yield _PACKAGE_DIR / "__init__.py"
    for path in sorted((_PACKAGE_DIR / "server").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def _fill_install(plan: ImagePlan, folder: Path, base_id: str | None) -> str:
    """Write the folder the install container mounts (pip settings, requirements, its
    script); return the fingerprint of the install image's inputs."""
    parts = [plan.base, base_id or "", repr(SERVER_REQUIREMENTS), plan.pip.write(folder)]
    pip_folder = folder / CONTEXT_DIR
    if plan.spec.pip_requirements and not plan.derived:
        text = "\n".join(plan.spec.pip_requirements) + "\n"
        (pip_folder / "requirements.txt").write_text(text)
        parts.append(text)
    steps = install_steps(plan)
    total = 1 + len(steps) + _final_steps(plan)
    script = build_script(
        [(f"Step {n}/{total} : RUN {command}", command) for n, command in enumerate(steps, 2)]
    )
    (pip_folder / SCRIPT).write_text(script)
    parts.append(script)
    return "\n".join(parts)


def _final_steps(plan: ImagePlan) -> int:
    """Steps of the final build as the classic builder counts them (a step per label)."""
    return len(dockerfile(plan, "").splitlines()) + len(_labels(plan, ""))


def _labels(plan: ImagePlan, tag: str) -> dict[str, str]:
    # LABEL_LAYER is inherited from the install image: overridden, or pruning it would
    # remove the project's image
    labels = {LABEL_MANAGED: "true", LABEL_PROJECT: plan.project_key, LABEL_INPUTS: tag}
    return labels | {LABEL_LAYER: "project"}


def _fill_context(plan: ImagePlan, context: Path, deps: str) -> str:
    """Write the final build's context (no pip settings in it); return the fingerprint
    the project image's tag is made from."""
    context.mkdir(parents=True, exist_ok=True)
    parts = [dockerfile(plan, deps), deps]
    (context / "Dockerfile").write_text(dockerfile(plan, deps))
    digest = hashlib.sha256()
    for file in _source_files():
        rel = file.relative_to(_PACKAGE_DIR)
        target = context / "debugkit" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        digest.update(str(rel).encode() + b"\0" + file.read_bytes() + b"\0")
    parts.append(digest.hexdigest())
    return "\n".join(parts)


def _local_image_id(client: docker.DockerClient, name: str) -> str | None:
    """The base image's id when present, so a rebuilt base gives a new tag."""
    try:
        return client.images.get(name).id
    except docker.errors.ImageNotFound:
        return None
    except docker.errors.APIError:
        return None


def ensure_image(client: docker.DockerClient, config: ProjectConfig, console: Console) -> str:
    """Return the tag of an image for ``config``, building it only if no image has that tag."""
    plan = plan_image(config)
    with tempfile.TemporaryDirectory(prefix="debugkit-build-") as tmp:
        install = Path(tmp) / "install"
        deps = deps_tag(_fill_install(plan, install, _local_image_id(client, plan.base)))
        context = Path(tmp) / "context"
        fingerprint = _fill_context(plan, context, deps)
        tag = f"{plan.repository}:{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"
        try:
            client.images.get(tag)
            log.debug("image %s already built; reusing it", tag)
            _warn_python(console, plan, _image_python(client, tag, plan))
            return tag
        except docker.errors.ImageNotFound:
            pass
        if plan.derived and plan.spec.pip_requirements:
            console.print(
                f"debugkit: using {plan.base} as it is: the packages of {plan.spec.source} "
                "are not installed (the image is expected to have them)"
            )
        elif not plan.derived:  # once, with the build ('debugkit doctor' repeats them)
            for warning in plan.spec.warnings:
                console.print(f"[yellow]debugkit: warning: {warning}[/yellow]", highlight=False)
        what = f"the server onto {plan.base}" if plan.derived else f"image {tag}"
        console.print(f"debugkit: building {what} (once; reused until the environment changes)")
        started = time.monotonic()
        python = _build(client, install / CONTEXT_DIR, deps, context, tag, plan, console)
        console.print(f"debugkit: built {tag} in {time.monotonic() - started:.1f} s")
    _warn_python(console, plan, python or _image_python(client, tag, plan))
    _remove_superseded(client, plan, tag)
    return tag


def _image_python(client: docker.DockerClient, image: str, plan: ImagePlan) -> str | None:
    """The image's python3 version (``3.11``), asked only when the environment pins one:
    a cached build printed nothing to read it from (about 0.5 s)."""
    if not plan.spec.python_version:
        return None
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        out = client.containers.run(image, entrypoint=["python3", "-c", code], remove=True)
    except docker.errors.DockerException as exc:
        log.debug("could not ask %s for its python version: %s", image, exc)
        return None
    return out.decode(errors="replace").strip() or None


def _warn_python(console: Console, plan: ImagePlan, python: str | None) -> None:
    """At every up, as the process runtime does: what runs is not what deploys."""
    if plan.spec.python_version and python and python != plan.spec.python_version:
        console.print(
            f"[yellow]debugkit: warning: {plan.spec.source} asks for python "
            f"{plan.spec.python_version} but {plan.base} has {python}; set base_image to an image "
            f"with python {plan.spec.python_version} to match the deployment[/yellow]",
            highlight=False,
        )


def _build(
    client: docker.DockerClient,
    pip_folder: Path,
    deps: str,
    context: Path,
    tag: str,
    plan: ImagePlan,
    console: Console,
) -> str | None:
    """Install (unless ``deps`` exists), then build ``tag`` on it, with a live display;
    raise naming the failed step and its last lines. Return the image's python version
    when the install ran."""
    # a full rebuild, e.g. to measure a cold build or to refresh unpinned packages
    no_cache = os.environ.get("DEBUGKIT_BUILD_NO_CACHE") == "1"
    progress = _Progress(console)
    python: str | None = None

    def install_line(line: str) -> None:
        nonlocal python
        if line.startswith(_PYTHON_MARK):
            python = line.split()[-1]
        progress.line(line)

    offset = 1 + len(install_steps(plan))  # the final build's steps come after these
    with progress:
        # The install image is pinned from when it is found or committed until the build on
        # it ends, so that another debugkit's prune (`down --images`) cannot remove it in
        # between (install.pinned). Twice at most: it may still go in the instant between
        # its commit and its pin, or by a forced removal; the second round installs again.
        for _ in range(2):
            progress.error = None
            with contextlib.ExitStack() as held:
                ready = not no_cache and held.enter_context(pinned(client, deps))
                if not ready:
                    progress.offset = 0
                    progress.line(f"Step 1/{offset + _final_steps(plan)} : FROM {plan.base}")
                    labels = {LABEL_MANAGED: "true", LABEL_LAYER: "deps"}
                    try:
                        code = run_install(
                            client, plan.base, pip_folder, deps, labels, install_line
                        )
                    except docker.errors.DockerException as exc:
                        progress.fail(getattr(exc, "explanation", None) or str(exc))
                    else:
                        if code:
                            progress.fail(f"The command returned a non-zero code: {code}")
                    if progress.error is not None:
                        break
                    ready = held.enter_context(pinned(client, deps))
                if not ready:
                    progress.fail(f"No such image: {deps} (removed by another process)")
                    continue
                progress.offset = offset
                _final_build(client, context, tag, plan, no_cache, progress)
                if progress.error is None or _local_image_id(client, deps) is not None:
                    break
    if progress.error is not None:
        raise _build_error(plan, progress)
    return python


def _final_build(
    client: docker.DockerClient,
    context: Path,
    tag: str,
    plan: ImagePlan,
    no_cache: bool,
    progress: _Progress,
) -> None:
    labels = _labels(plan, tag)
    try:
        stream = client.api.build(
            path=str(context),
            tag=tag,
            rm=True,
            forcerm=True,
            decode=True,
            labels=labels,
            nocache=no_cache,
        )
        for chunk in stream:
            if "error" in chunk:
                progress.fail(chunk.get("error", "").strip())
            for line in str(chunk.get("stream", "")).splitlines():
                progress.line(line)
    except docker.errors.APIError as exc:
        progress.fail(exc.explanation or str(exc))


def _build_error(plan: ImagePlan, progress: _Progress) -> UserError:
    step = progress.step or "(before the first step)"
    number, _, instruction = step.partition(" : ")
    lines = [line for line in progress.tail if line.strip()]
    tail = "\n".join(f"    {line}" for line in lines) or "    (no output)"
    error = progress.error or "unknown error"
    code = re.search(r"returned a non-zero code: (\d+)", error)
    if code:
        error = f"exit code {code.group(1)}"
    env_name = str(plan.spec.source) if plan.spec.source else "the environment"
    what, hint = "", f"check the package names and versions in {env_name}"
    if f"--target {LIB_DIR}" in instruction:
        what = "installing debugkit's server packages"
        hint = (
            f"the image {plan.base} needs python3 with pip and access to the package index "
            "(check your pip settings: index-url, cert, proxy)"
        )
        if any("No module named pip" in line for line in lines):
            hint = (
                f"the image {plan.base} has python3 but no pip, which debugkit needs to add "
                "flask, cheroot and debugpy; add pip to that image (python3 -m ensurepip, "
                "or the python3-pip package)"
            )
    elif "requirements.txt" in instruction:
        what = f"installing the packages of {env_name}"
        culprit = progress.pip.culprit()
        if culprit:
            error += f"; the package that failed: {culprit}"
    elif "sys.version_info" in instruction:
        what = "checking the image's python3"
        hint = f"the image {plan.base} needs python3 >= 3.9; use an image that has it"
    elif instruction.startswith("FROM"):
        what = "getting the base image"
        hint = f"this machine does not have {plan.base} and cannot pull it; {UNPULLABLE_REMEDY}"
    where = (
        number.lower()
        + (f" ({what})" if what else "")
        + (f": {instruction}" if instruction else "")
    )
    return CheckFailed(f"the image build failed at {where}: {error}; {hint}.\nLast lines:\n{tail}")


def _remove_superseded(client: docker.DockerClient, plan: ImagePlan, keep: str) -> None:
    """Older images of this project are garbage once a new one is built (in-use ones stay)."""
    try:
        images = client.images.list(filters={"label": f"{LABEL_PROJECT}={plan.project_key}"})
    except docker.errors.APIError:
        return
    for image in images:
        if keep in image.tags:
            continue
        try:
            client.images.remove(image.id, noprune=False)
        except docker.errors.APIError as exc:
            log.debug("kept old image %s: %s", image.id, exc)
    remove_unused_deps(client)


class _Progress:
    """Live build display: current step and the latest output line; plain lines off a TTY."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.step: str | None = None
        self.tail: deque[str] = deque(maxlen=15)
        self.error: str | None = None
        self.pip = PipWatch()  # of the current step: its failing package, its milestones
        self._live: Live | None = None
        self._last = ""
        self.offset = 0  # added to the step numbers of a build that follows the install

    def __enter__(self) -> _Progress:
        if self.console.is_terminal:
            self._live = Live(self._render(), console=self.console, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def line(self, line: str) -> None:
        line = _ANSI.sub("", line).rstrip()
        if not line.strip():
            return
        numbered = re.match(r"^Step (\d+)/(\d+) : ", line)
        if numbered:
            if self.offset:  # the build's FROM is the step after the install's last
                number, total = (int(n) + self.offset for n in numbered.groups())
                line = f"Step {number}/{total} : {line[numbered.end() :]}"
            self.step = line
            self.tail.clear()
            self.pip = PipWatch()
            if self._live is None:
                self.console.print(f"debugkit: build {line}", highlight=False, soft_wrap=True)
        elif not line.startswith(" ---> ") and not line.startswith("Removing intermediate"):
            self.tail.append(line)
            self._last = line
            # off a terminal there is no live last line: show pip's milestones instead, or
            # a long install (a resolver, a source build) looks hung
            if self.pip.feed(line) and self._live is None:
                self.console.print(f"debugkit: build   {line.strip()}", highlight=False)
        if self._live is not None:
            self._live.update(self._render())

    def fail(self, message: str) -> None:
        self.error = message or "unknown error"

    def _render(self) -> Spinner:
        text = Text(self.step or "starting the build", style="bold")
        if self._last:
            text.append("\n  " + self._last[:160], style="dim")
        return Spinner("dots", text=text)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)

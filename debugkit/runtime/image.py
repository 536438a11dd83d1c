"""The image the scoring container runs: built once per environment, reused by content hash.

The user's code and models are mounted, not baked in, so an image depends only on
the base image, the environment's pip requirements, the host's pip settings and
debugkit's own source. Its tag is a hash of those; an image with that tag is
reused as is. ``--image IMG`` gets a thin derived image that only adds the server
(its dependencies in ``/opt/debugkit/lib``, debugkit in ``/opt/debugkit/src``).
"""

from __future__ import annotations

import hashlib
import json
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
from debugkit.runtime.pipconfig import IMAGE_DIR, PipSettings, host_pip_settings
from debugkit.server import REQUIREMENTS as SERVER_REQUIREMENTS

log = logging.getLogger(__name__)

LIB_DIR = "/opt/debugkit/lib"
SRC_DIR = "/opt/debugkit/src"
LABEL_MANAGED = "debugkit.managed"
LABEL_PROJECT = "debugkit.project"
LABEL_INPUTS = "debugkit.inputs"
_PACKAGE_DIR = Path(debugkit.__file__).resolve().parent
_PYTHON_MARK = "debugkit-python-version"
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


def dockerfile(plan: ImagePlan) -> str:
    """Server dependencies first, the user's packages next, debugkit's source last:
    the layer that changes most often is the cheapest to rebuild."""
    pip = f"sh {IMAGE_DIR}/pip-install.sh"
    lines = [
        f"FROM {plan.base}",
        "COPY pip/ " + IMAGE_DIR + "/",
        "RUN python3 -c \"import sys; assert sys.version_info >= (3, 9), 'python3 >= 3.9 needed'; "
        f"print('{_PYTHON_MARK}', '%d.%d' % sys.version_info[:2])\"",
        f"RUN {pip} --target {LIB_DIR} " + " ".join(f"'{p}'" for p in SERVER_REQUIREMENTS),
    ]
    if not plan.derived and plan.spec.pip_requirements:
        lines += [
            "COPY requirements.txt " + IMAGE_DIR + "/requirements.txt",
            f"RUN {pip} -r {IMAGE_DIR}/requirements.txt",
        ]
    lines += [
        f"RUN rm -rf {IMAGE_DIR} && mkdir -p {APP_ROOT}",
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


def _fill_context(plan: ImagePlan, context: Path, base_id: str | None) -> str:
    """Write the build context; return the fingerprint the tag is made from."""
    parts = [dockerfile(plan), plan.base, base_id or ""]
    parts.append(plan.pip.write(context))
    if plan.spec.pip_requirements:
        text = "\n".join(plan.spec.pip_requirements) + "\n"
        (context / "requirements.txt").write_text(text)
        parts.append(text)
    (context / "Dockerfile").write_text(dockerfile(plan))
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
        context = Path(tmp)
        fingerprint = _fill_context(plan, context, _local_image_id(client, plan.base))
        tag = f"{plan.repository}:{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"
        try:
            client.images.get(tag)
            log.debug("image %s already built; reusing it", tag)
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
        python = _build(client, context, tag, plan, console)
        console.print(f"debugkit: built {tag} in {time.monotonic() - started:.1f} s")
    if plan.spec.python_version and python and python != plan.spec.python_version:
        console.print(
            f"[yellow]debugkit: warning: {plan.spec.source} asks for python "
            f"{plan.spec.python_version} but {plan.base} has {python}; set base_image to an image "
            f"with python {plan.spec.python_version} to match the deployment[/yellow]",
            highlight=False,
        )
    _remove_superseded(client, plan, tag)
    return tag


def _build(
    client: docker.DockerClient, context: Path, tag: str, plan: ImagePlan, console: Console
) -> str | None:
    """Run the build with a live display; raise naming the failed step and its last lines."""
    labels = {LABEL_MANAGED: "true", LABEL_PROJECT: plan.project_key, LABEL_INPUTS: tag}
    progress = _Progress(console)
    python: str | None = None
    try:
        stream = client.api.build(
            path=str(context),
            tag=tag,
            rm=True,
            forcerm=True,
            decode=True,
            labels=labels,
            buildargs=plan.pip.proxies or None,
            # a full rebuild, e.g. to measure a cold build or to refresh unpinned packages
            nocache=os.environ.get("DEBUGKIT_BUILD_NO_CACHE") == "1",
        )
        with progress:
            for chunk in stream:
                if "error" in chunk:
                    progress.fail(chunk.get("error", "").strip())
                for line in str(chunk.get("stream", "")).splitlines():
                    if line.startswith(_PYTHON_MARK):
                        python = line.split()[-1]
                    progress.line(line)
    except docker.errors.APIError as exc:
        progress.fail(exc.explanation or str(exc))
    if progress.error is not None:
        raise _build_error(plan, progress)
    return python


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
    elif "sys.version_info" in instruction:
        what = "checking the image's python3"
        hint = f"the image {plan.base} needs python3 >= 3.9; use an image that has it"
    elif instruction.startswith("FROM"):
        what = "getting the base image"
        hint = f"check the image name {plan.base}, or pull it first (docker pull)"
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


class _Progress:
    """Live build display: current step and the latest output line; plain lines off a TTY."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.step: str | None = None
        self.tail: deque[str] = deque(maxlen=15)
        self.error: str | None = None
        self._live: Live | None = None
        self._last = ""

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
        if re.match(r"^Step \d+/\d+ : ", line):
            self.step = line
            self.tail.clear()
            if self._live is None:
                self.console.print(f"debugkit: build {line}", highlight=False, soft_wrap=True)
        elif not line.startswith(" ---> ") and not line.startswith("Removing intermediate"):
            self.tail.append(line)
            self._last = line
        if self._live is not None:
            self._live.update(self._render())

    def fail(self, message: str) -> None:
        self.error = message or "unknown error"

    def _render(self) -> Spinner:
        text = Text(self.step or "starting the build", style="bold")
        if self._last:
            text.append("\n  " + self._last[:160], style="dim")
        return Spinner("dots", text=text)


def describe_inputs(config: ProjectConfig) -> str:
    """For ``doctor`` and debug output: what the image of ``config`` is made from."""
    plan = plan_image(config)
    return json.dumps(
        {"base": plan.base, "packages": list(plan.spec.pip_requirements), "derived": plan.derived}
    )


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)

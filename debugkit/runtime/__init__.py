"""Runtimes start the scoring server for a project: in a Docker container or as a local process."""

from __future__ import annotations

from debugkit.runtime.base import Runtime, UpOptions, wait_until_ready

__all__ = ["Runtime", "UpOptions", "get_runtime", "wait_until_ready"]


def get_runtime(name: str) -> Runtime:
    """``docker`` or ``process``."""
    if name == "docker":
        from debugkit.runtime.docker import DockerRuntime

        return DockerRuntime()
    if name == "process":
        from debugkit.runtime.process import ProcessRuntime

        return ProcessRuntime()
    raise ValueError(f"unknown runtime {name!r}")

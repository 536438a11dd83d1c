"""Removes a foreground ``up``'s container once that ``up`` is gone, however it ended.

SIGTERM, SIGHUP and Ctrl-C let ``up`` clean up itself; SIGKILL (``kill -9``, an editor
that crashes, the OOM killer) does not, and the container would serve on with nobody to
stop it. So a foreground ``up`` on Docker starts this beside it:
``python -m debugkit.runtime.reaper OWNER_PID PROJECT_KEY``.

It forks once more and the middle process exits, so the reaper is nobody's child (a
process-tree kill, as editors do, does not find it) and sits in its own session (a closed
terminal's SIGHUP does not reach it). It waits for the owner to exit (a pidfd: no
polling), then removes what the owner started and left running, as Ctrl-C would have.
A server that had already died is kept, with its record, for ``debugkit logs``.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time


def spawn(owner_pid: int, project_key: str) -> int:
    """Start the reaper for ``owner_pid``; return its pid (the grandchild's)."""
    read_end, write_end = os.pipe()
    middle = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "debugkit.runtime.reaper",
            str(owner_pid),
            project_key,
            str(write_end),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    # the middle process writes the reaper's pid and exits (~0.1 s of Python startup);
    # `up` goes on building meanwhile and only collects the pid when it needs it
    with os.fdopen(read_end) as pipe:
        pid = pipe.read().strip()
    threading.Thread(target=middle.wait, name="debugkit-reaper-spawn", daemon=True).start()
    return int(pid) if pid.isdigit() else 0


def wait_for_exit(pid: int) -> None:
    """Return once ``pid`` has exited."""
    try:
        fd = os.pidfd_open(pid)  # Linux >= 5.3
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not poller.poll(None):
                pass
        finally:
            os.close(fd)
        return
    from debugkit.session import pid_alive

    while pid_alive(pid):
        time.sleep(0.25)


def reap(owner_pid: int, project_key: str) -> int:
    """Remove the running containers ``owner_pid`` started for the project, and the session
    record that points at them; return how many containers were removed."""
    from debugkit import launcher
    from debugkit import session as sessions
    from debugkit.runtime.docker import DockerRuntime

    runtime = DockerRuntime()
    removed = 0
    record = sessions.load(project_key)
    if record is not None and record.owner_pid == owner_pid and runtime.is_running(record):
        launcher.stop(record)
        removed += 1
    # a container whose record was not written yet (killed while it started)
    return removed + runtime.remove_owned_containers(project_key, owner_pid)


def main(argv: list[str]) -> int:
    owner_pid, project_key, pid_fd = int(argv[0]), argv[1], int(argv[2])
    child = os.fork()
    if child:  # the middle process: tell `up` who the reaper is, and leave
        os.write(pid_fd, str(child).encode())
        os._exit(0)
    os.close(pid_fd)
    wait_for_exit(owner_pid)
    try:
        reap(owner_pid, project_key)
    except Exception:  # nothing to report to: the owner is gone; `status` tells the user
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

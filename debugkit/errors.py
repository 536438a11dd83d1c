"""User-facing errors: one sentence of cause and remedy, and an exit code.

Exit codes follow docs/interface.md: 0 success, 1 the thing checked failed,
2 usage or configuration error, 3 the engine or a port is unavailable.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class UserError(Exception):
    """A problem the user can fix; printed as one line, never as a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(UserError):
    """A configuration file is missing, unreadable or has a bad value (exit 2)."""

    exit_code = EXIT_USAGE

    def __init__(self, file: object, key: str | None, problem: str) -> None:
        where = f"{file}" + (f": key '{key}'" if key else "")
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.key = key


class UnavailableError(UserError):
    """The container engine or a port cannot be used (exit 3)."""

    exit_code = EXIT_UNAVAILABLE


class CheckFailed(UserError):
    """The thing checked failed: unhealthy service, lint findings (exit 1)."""

    exit_code = EXIT_FAILED

"""The display while ``debugkit check`` runs: a spinner with the current step on a terminal,
and each check's line as soon as it is decided."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from debugkit.check.report import result_lines
from debugkit.check.result import CheckResult


class Progress:
    """``step`` names what runs now; ``done`` prints a check's lines with ``echo`` (the text
    report; None for JSON). The spinner shares the stream of those lines (stdout for text,
    stderr for JSON) and only shows on a terminal."""

    def __init__(self, echo: Callable[[str], None] | None) -> None:
        self.echo = echo
        stream = sys.stdout if echo is not None else sys.stderr
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self._live: Live | None = None
        self._check = ""

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self._live = Live(self._render(""), console=self.console, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Without the spinner, e.g. while the image build shows its own live display."""
        live = self._live is not None
        self.__exit__()
        try:
            yield
        finally:
            if live:
                self.__enter__()

    def begin(self, check: str) -> None:
        self._check = check
        self.step("")

    def step(self, text: str) -> None:
        if self._live is not None:
            self._live.update(self._render(text))

    def done(self, result: CheckResult) -> None:
        if self.echo is None:
            return
        for line in result_lines(result):
            if self._live is not None:
                self._live.console.print(line, highlight=False, markup=False)
            else:
                self.echo(line)

    def _render(self, text: str) -> Spinner:
        label = Text(f"checking {self._check}" if self._check else "debugkit check", style="bold")
        if text:
            label.append(f": {text}", style="dim")
        return Spinner("dots", text=label)

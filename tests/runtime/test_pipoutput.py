"""debugkit.runtime.pipoutput: the failing package named from pip's own lines."""

from __future__ import annotations

from debugkit.runtime.pipoutput import PipWatch

# pip 23, an old pandas built from source on a new Python: the last lines do not name it
SOURCE_BUILD = """\
Collecting numpy==1.19.5
  Using cached numpy-1.19.5.zip (7.3 MB)
Collecting pandas==1.1.5
  Downloading pandas-1.1.5.tar.gz (5.2 MB)
     \u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501 5.2/5.2 MB 40.1 MB/s eta 0:00:00
  Installing build dependencies: started
  Getting requirements to build wheel: finished with status 'error'
  error: subprocess-exited-with-error
  ModuleNotFoundError: No module named 'pkg_resources'
  note: This error originates from a subprocess, and is likely not a problem with pip.
error: subprocess-exited-with-error
"""


def feed(text: str) -> tuple[PipWatch, list[str]]:
    watch = PipWatch()
    shown = [line.strip() for line in text.splitlines() if watch.feed(line)]
    return watch, shown


def test_a_source_build_failure_names_the_package_pip_was_working_on() -> None:
    watch, shown = feed(SOURCE_BUILD)
    assert watch.culprit() == "pandas==1.1.5 (pip was installing it when it failed)"
    assert shown == [
        "Collecting numpy==1.19.5",
        "Collecting pandas==1.1.5",
        "Installing build dependencies: started",
    ]
    assert not any("\u2501" in line for line in watch.tail)  # no progress bars in the tail


def test_pip_naming_the_package_wins() -> None:
    watch, _ = feed(SOURCE_BUILD + "Failed to build pandas\n")
    assert watch.culprit() == "pandas (building it failed)"
    watch, _ = feed(
        "Collecting nope==9\n"
        "ERROR: Could not find a version that satisfies the requirement nope==9 (from versions: none)\n"
        "ERROR: No matching distribution found for nope==9\n"
    )
    assert watch.culprit() == "nope==9 (no version of it is found)"


def test_a_resolver_conflict_is_named_as_one() -> None:
    watch, _ = feed(
        "Collecting a==1\nCollecting b==1\n"
        "ERROR: Cannot install a==1 and b==1 because these package versions have conflicting dependencies.\n"
    )
    assert watch.culprit() == (
        "conflicting requirements: Cannot install a==1 and b==1 because these package "
        "versions have conflicting dependencies."
    )

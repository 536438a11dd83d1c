"""debugkit: debug an Azure ML scoring service as easily as a script.

This package is imported both on the host (CLI, runtimes, watcher, linter) and
inside the scoring container (``debugkit.server``), so it must not import
anything beyond the standard library at the top level.
"""

__version__ = "0.1.0"

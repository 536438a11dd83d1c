"""The parts of the host-side watcher that need no server: filtering, dedupe, debounce,
classification and the host-side syntax check. :mod:`debugkit.watcher` wires them to
watchdog and to the running server."""

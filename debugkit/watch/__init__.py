"""Hot reload on the host: a save becomes a reload (or a restart) of the running server.

:mod:`~debugkit.watch.loop` is the watcher (watchdog events to reloads and restarts);
``python -m debugkit.watch`` (:mod:`~debugkit.watch.__main__`) runs it detached for
``up --detach``. Its parts need no server: filters (editor temp files), debounce,
fingerprint (identical saves), classify (reload vs restart), syntax (host-side compile)
and report (the lines it prints)."""

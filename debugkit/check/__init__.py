"""``debugkit check``: the failures a deployment would hit, found locally before deploying.

One module per check (lint, build, start, models, samples, latency, leak, cloud), the
server they share (server), the order and the one-cause-one-failure rule (runner), the
result model (result) and its output formats (report).
"""

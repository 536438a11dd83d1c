"""The scoring server that runs a user's score.py as an Azure ML deployment does.

Runs inside containers: imports only the standard library, flask, cheroot and
(lazily) debugpy. Entry point: ``python -m debugkit.server`` (see __main__.py).
"""

# What the server needs installed beside the user's environment (both runtimes install it).
# cheroot over waitress: 1.7x the throughput and 1/7 the p99 latency on this workload
# (waitress' single I/O thread adds 40-50 ms tails with a few concurrent clients).
REQUIREMENTS = ("flask>=2.2", "cheroot>=10", "debugpy>=1.8")

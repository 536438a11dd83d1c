"""The scoring server that runs a user's score.py as an Azure ML deployment does.

Runs inside containers: imports only the standard library, flask, waitress and
(lazily) debugpy. Entry point: ``python -m debugkit.server`` (see __main__.py).
"""

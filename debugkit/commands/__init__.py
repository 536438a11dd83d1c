"""CLI commands, one module per topic; each exposes ``COMMANDS``, a list of click commands."""

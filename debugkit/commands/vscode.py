"""Placeholder: filled in by the issue that owns this topic."""

COMMANDS: list = []

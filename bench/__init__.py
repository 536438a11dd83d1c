"""Benchmarks: each module runs with `python bench/<name>.py` and prints a table."""

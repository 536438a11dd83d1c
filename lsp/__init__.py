"""debugkit's score.py language server (pygls 2): diagnostics, quick fixes, model-path hover."""

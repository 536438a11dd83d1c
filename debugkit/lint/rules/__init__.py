"""One module per rule; each registers itself with :func:`debugkit.lint.registry.register`."""

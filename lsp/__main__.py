"""`python -m lsp`: the language server over stdio."""

from lsp.server import serve_stdio

serve_stdio()

"""Driving the real server through pytest-lsp's client: open/change/save, wait for diagnostics."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lsp"])
WAIT_S = 20.0  # generous: a failing test should fail, not hang; no timing is asserted


def push_capabilities(configuration: bool = False) -> types.ClientCapabilities:
    """A client without pull diagnostics, so the server pushes."""
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(configuration=configuration),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
            code_action=types.CodeActionClientCapabilities(),
        ),
        window=types.WindowClientCapabilities(),
    )


async def next_diagnostics(client: LanguageClient, uri: str) -> Sequence[types.Diagnostic]:
    """Wait for the next publishDiagnostics for ``uri``."""
    while True:
        params = await asyncio.wait_for(
            client.wait_for_notification("textDocument/publishDiagnostics"), WAIT_S
        )
        if params.uri == uri:
            return params.diagnostics


async def open_document(client: LanguageClient, uri: str, text: str) -> Sequence[types.Diagnostic]:
    waiting = asyncio.ensure_future(next_diagnostics(client, uri))
    await asyncio.sleep(0)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    return await waiting


async def change_document(
    client: LanguageClient, uri: str, version: int, text: str
) -> Sequence[types.Diagnostic]:
    waiting = asyncio.ensure_future(next_diagnostics(client, uri))
    await asyncio.sleep(0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    return await waiting


async def wait_until(predicate: Callable[[], bool]) -> None:
    """Poll until ``predicate`` holds (for state a notification may already have set)."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), WAIT_S)


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII text) the way an editor does: all against the original positions."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        return starts[position.line] + min(
            position.character, len(lines[position.line].rstrip("\r\n"))
        )

    ordered = sorted(
        edits, key=lambda e: (offset(e.range.start), offset(e.range.end)), reverse=True
    )
    for edit in ordered:
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text

"""The pygls language server: lint on open/change/save, pull diagnostics, quick fixes, hover."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from debugkit import __version__
from debugkit.lint import LintResult, lint_source
from lsp.convert import (
    SOURCE,
    ClientColumns,
    code_actions,
    merge_same_edits,
    syntax_diagnostic,
    to_diagnostic,
    to_range,
)
from lsp.hover import describe, find_call
from lsp.settings import SECTION, Settings, parse_settings

logger = logging.getLogger(__name__)
REST_CHECK_DELAY_S = 0.05
# How long a pull waits for the first workspace/configuration answer: VS Code answers in a
# few ms; a client that never answers still gets diagnostics (with the settings it has).
FIRST_CONFIGURATION_WAIT_S = 2.0


class DebugkitLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("debugkit-lsp", __version__)
        self.settings = Settings()
        self.reported: set[str] = set()  # messages already shown once
        self.pending: dict[str, asyncio.Task[None]] = {}  # uri -> debounced lint
        self.pull_diagnostics = False  # the client asks; we do not push
        # set once the first workspace/configuration answer is applied (or none will come), so
        # a pull is not answered with default settings first (a flash of ignored rules in VS
        # Code; Neovim 0.12 has no refresh, so it would keep them until the next edit)
        self.configured = asyncio.Event()

    def report_once(
        self, message: str, kind: types.MessageType = types.MessageType.Warning
    ) -> None:
        if message in self.reported:
            return
        self.reported.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"debugkit: {message}"))

    def apply_settings(self, raw: Any) -> None:
        settings, problems = parse_settings(raw)
        self.settings = settings
        for problem in problems:
            self.report_once(problem)

    def lint(
        self, doc: TextDocument, first_pass: bool = False
    ) -> tuple[list[types.Diagnostic], bool]:
        """Diagnostics, and whether the whole module was parsed.

        ``first_pass`` skips parsing functions no rule can report on, so big files get
        their findings fast; :meth:`publish` then checks the rest for syntax errors.
        """
        if not self.settings.enabled or not _is_python(doc):
            return [], True
        path = Path(doc.path) if doc.uri.startswith("file:") else None
        entry = True if path is not None and path.name in self.settings.entry_scripts else None
        result: LintResult = lint_source(
            doc.source,
            path,
            self.settings.selection,
            entry_script=entry,
            skip_quiet_chunks=first_pass,
        )
        for note in result.notes:
            self.report_once(note, types.MessageType.Info)
        columns = ClientColumns(doc.lines, doc.position_codec)
        if result.syntax_error:
            return [syntax_diagnostic(result.syntax_error, columns)], True
        return [to_diagnostic(f, columns) for f in result.findings], result.complete

    def publish(self, uri: str) -> None:
        if self.pull_diagnostics:
            return
        doc = self.workspace.get_text_document(uri)
        diagnostics, complete = self.lint(doc, first_pass=True)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=diagnostics)
        )
        if not complete:
            # later, so the publish above is written before the rest is parsed
            asyncio.get_running_loop().call_later(
                REST_CHECK_DELAY_S, self._check_rest, uri, doc.version, diagnostics
            )

    def _check_rest(self, uri: str, version: int | None, published: list[types.Diagnostic]) -> None:
        """Parse what the first pass skipped; publish again only if that changes the result."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None or doc.version != version:
            return  # closed or changed: the newer lint covers it
        diagnostics, _ = self.lint(doc)
        if diagnostics != published:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri, version=doc.version, diagnostics=diagnostics
                )
            )

    def publish_later(self, uri: str) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._debounced(uri))

    async def _debounced(self, uri: str) -> None:
        await asyncio.sleep(self.settings.debounce_ms / 1000)
        self.pending.pop(uri, None)
        self.publish(uri)

    def relint_all(self) -> None:
        if self.pull_diagnostics:
            workspace = self.client_capabilities.workspace
            if workspace and workspace.diagnostics and workspace.diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.workspace.text_documents):
            self.publish(uri)

    async def fetch_configuration(self) -> None:
        try:
            answer = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as err:  # a client that fails the request keeps the current settings
            logger.info("workspace/configuration failed: %s", err)
            return
        if answer and answer[0] is not None:
            self.apply_settings(answer[0])


def _is_python(doc: TextDocument) -> bool:
    return doc.language_id in (None, "python") or doc.uri.endswith((".py", ".pyw"))


server = DebugkitLanguageServer()


def _supports_configuration(ls: DebugkitLanguageServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


@server.feature(types.INITIALIZE)
def initialize(ls: DebugkitLanguageServer, params: types.InitializeParams) -> None:
    text = params.capabilities.text_document
    ls.pull_diagnostics = bool(text and text.diagnostic)
    if params.initialization_options is not None:
        ls.apply_settings(params.initialization_options)
    if not _supports_configuration(ls):
        ls.configured.set()


@server.feature(types.INITIALIZED)
async def initialized(ls: DebugkitLanguageServer, params: types.InitializedParams) -> None:
    if _supports_configuration(ls):
        try:
            await ls.fetch_configuration()
        finally:
            ls.configured.set()
        ls.relint_all()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: DebugkitLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    if _supports_configuration(ls):
        await ls.fetch_configuration()
    elif params.settings is not None:
        ls.apply_settings(params.settings)
    ls.relint_all()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: DebugkitLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: DebugkitLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.publish_later(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: DebugkitLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    pending = ls.pending.pop(params.text_document.uri, None)
    if pending is not None:
        pending.cancel()
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: DebugkitLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls.pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False
    ),
)
async def pull_diagnostics(
    ls: DebugkitLanguageServer, params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport:
    if not ls.configured.is_set():
        try:
            await asyncio.wait_for(ls.configured.wait(), FIRST_CONFIGURATION_WAIT_S)
        except asyncio.TimeoutError:
            ls.configured.set()  # the client did not answer: lint with what we have
    doc = ls.workspace.get_text_document(params.text_document.uri)
    return types.RelatedFullDocumentDiagnosticReport(items=ls.lint(doc)[0])


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(
    ls: DebugkitLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    lines = doc.source.splitlines()
    columns = ClientColumns(doc.lines, doc.position_codec)
    actions: list[types.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source == SOURCE:
            actions.extend(code_actions(doc.uri, lines, diagnostic, columns))
    return merge_same_edits(actions)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: DebugkitLanguageServer, params: types.HoverParams) -> Optional[types.Hover]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    if not doc.uri.startswith("file:"):
        return None
    position = doc.position_codec.position_from_client_units(doc.lines, params.position)
    call = find_call(doc.source, position.line + 1, position.character)
    if call is None:
        return None
    timeout_s = ls.settings.hover_timeout_ms / 1000
    try:
        text = await asyncio.wait_for(
            asyncio.to_thread(describe, Path(doc.path), call, timeout_s), timeout=timeout_s + 1.0
        )
    except asyncio.TimeoutError:
        text = f"**Model `{call.name}`**\n\nThe project config or the debugkit session did not answer in time."
    columns = ClientColumns(doc.lines, doc.position_codec)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=to_range(call.line, call.col, call.end_line, call.end_col, columns),
    )


def serve_stdio() -> None:
    logging.basicConfig(level=logging.WARNING)
    server.start_io()

"""End to end: the real `python -m lsp` process driven by pytest-lsp's client."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from debugkit import session as sessions
from debugkit.client import ServerClient
from debugkit.config import load_config
from debugkit.errors import UserError
from debugkit.ports import free_port
from tests.helpers import RERAISES, SWALLOWS_ERROR, SWALLOWS_ERROR_RETURN
from tests.lsp.helpers import (
    SERVER,
    WAIT_S,
    apply_edits,
    change_document,
    codes,
    next_diagnostics,
    open_document,
    push_capabilities,
    wait_until,
)

LEAKY_LINE = SWALLOWS_ERROR_RETURN
LEAKY_SOURCE = SWALLOWS_ERROR
CLEAN_SOURCE = RERAISES
DEBUGGER_SOURCE = "import debugpy\n\ndebugpy.listen(('0.0.0.0', 5678))\n\n\ndef init():\n    pass\n\n\ndef run(raw_data):\n    return raw_data\n"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=push_capabilities(), initialization_options={"debounceMs": 50}
        )
    )
    yield
    await lsp_client.shutdown_session()


def uri_in(tmp_path: Path, name: str = "score.py", text: str = "") -> str:
    path = tmp_path / name
    path.write_text(text)
    return path.as_uri()


async def test_diagnostics_on_open_carry_code_link_source_and_fix_data(
    client: LanguageClient, tmp_path: Path
):
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    diagnostics = await open_document(client, uri, LEAKY_SOURCE)
    leak = [d for d in diagnostics if d.code == "DK101"]
    assert len(leak) == 1
    diagnostic = leak[0]
    assert diagnostic.source == "debugkit"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert (diagnostic.range.start.line, diagnostic.range.start.character) == (11, 15)
    assert diagnostic.code_description is not None
    href = diagnostic.code_description.href
    assert href.startswith("file://") and href.endswith("/debugkit/lint/rule_docs/DK101.md")
    assert Path(unquote(urlparse(href).path)).is_file()
    assert diagnostic.data["fixes"][0]["title"] == "Re-raise the exception"


async def test_change_relints_after_debounce(client: LanguageClient, tmp_path: Path):
    uri = uri_in(tmp_path, text=CLEAN_SOURCE)
    assert "DK101" not in codes(await open_document(client, uri, CLEAN_SOURCE))
    after = await change_document(client, uri, 2, LEAKY_SOURCE)
    assert "DK101" in codes(after)


async def published_after(
    client: LanguageClient, tmp_path: Path, text: str, notification: str
) -> list[types.Diagnostic]:
    """Open score.py holding `text`, send `textDocument/did<notification>` about it ("save" or
    "close"), and return the diagnostics the server publishes after it (listening starts
    before the send)."""
    uri = uri_in(tmp_path, text=text)
    await open_document(client, uri, text)
    waiting = asyncio.ensure_future(next_diagnostics(client, uri))
    await asyncio.sleep(0)
    document = types.TextDocumentIdentifier(uri=uri)
    if notification == "save":
        client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=document))
    else:
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document))
    return list(await waiting)


async def test_save_publishes(client: LanguageClient, tmp_path: Path):
    assert "DK102" in codes(await published_after(client, tmp_path, DEBUGGER_SOURCE, "save"))


async def test_close_clears_diagnostics(client: LanguageClient, tmp_path: Path):
    assert await published_after(client, tmp_path, LEAKY_SOURCE, "close") == []


async def _apply_action(
    client: LanguageClient, uri: str, text: str, code: str, title_start: str
) -> str:
    diagnostics = [d for d in client.diagnostics[uri] if d.code == code]
    assert diagnostics, f"no {code} to fix"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert actions is not None
    chosen = [
        a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith(title_start)
    ]
    assert chosen, [a.title for a in actions]
    assert chosen[0].edit is not None and chosen[0].edit.changes is not None
    return apply_edits(text, chosen[0].edit.changes[uri])


@pytest.mark.parametrize(
    ("source", "code", "title"),
    [
        (LEAKY_SOURCE, "DK101", "Re-raise the exception"),
        (LEAKY_SOURCE, "DK101", "Log the exception and return a generic error"),
        (DEBUGGER_SOURCE, "DK102", "Remove the debugger call"),
        (LEAKY_SOURCE, "DK101", "Disable DK101 for this line"),
    ],
)
async def test_quick_fix_removes_the_diagnostic(
    client: LanguageClient, tmp_path: Path, source: str, code: str, title: str
):
    uri = uri_in(tmp_path, text=source)
    assert code in codes(await open_document(client, uri, source))
    fixed = await _apply_action(client, uri, source, code, title)
    compile(fixed, "score.py", "exec")  # the fix leaves valid Python
    after = await change_document(client, uri, 2, fixed)
    assert code not in codes(after)
    assert "DK000" not in codes(after)


async def test_one_preferred_quick_fix_per_edit(client: LanguageClient, tmp_path: Path):
    """DK101 and DK103 both fix `return {'error': str(e)}` by re-raising: one action, not two
    preferred ones with the same edit (VS Code's Auto Fix would show a chooser)."""
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    diagnostics = await open_document(client, uri, LEAKY_SOURCE)
    assert {"DK101", "DK103"} <= set(codes(diagnostics))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=list(diagnostics)),
        )
    )
    assert actions is not None
    actions = [a for a in actions if isinstance(a, types.CodeAction)]
    edits = [repr(a.edit) for a in actions]
    assert len(edits) == len(set(edits)), [a.title for a in actions]
    preferred = [a for a in actions if a.is_preferred]
    assert [a.title for a in preferred] == ["Re-raise the exception (DK103, DK101)"]
    assert codes(preferred[0].diagnostics or []) == ["DK101", "DK103"]


async def test_syntax_error_is_one_diagnostic_not_a_crash(client: LanguageClient, tmp_path: Path):
    broken = "def run(raw_data:\n    return 1\n"
    uri = uri_in(tmp_path, text=broken)
    assert codes(await open_document(client, uri, broken)) == ["DK000"]
    assert "DK101" in codes(await change_document(client, uri, 2, LEAKY_SOURCE))


async def test_only_scoring_scripts_get_scoring_rules(client: LanguageClient, tmp_path: Path):
    helper = LEAKY_SOURCE.replace("def run(raw_data)", "def handle(raw_data)")
    uri = uri_in(tmp_path, "helpers.py", helper)
    assert "DK101" not in codes(await open_document(client, uri, helper))


@pytest_lsp.fixture(config=SERVER)
async def ignoring_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=push_capabilities(),
            initialization_options={"lint": {"ignore": ["DK101"], "debounceMs": "soon"}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_initialization_options_select_rules_and_bad_values_are_reported_once(
    ignoring_client: LanguageClient, tmp_path: Path
):
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    diagnostics = await open_document(ignoring_client, uri, LEAKY_SOURCE)
    assert "DK101" not in codes(diagnostics)
    assert "DK103" in codes(diagnostics)  # other rules still run
    reports = [m.message for m in ignoring_client.messages if "debounceMs" in m.message]
    assert len(reports) == 1


@pytest_lsp.fixture(config=SERVER)
async def configured_client(lsp_client: LanguageClient):
    lsp_client.set_configuration({"debugkit": {"lint": {"select": ["DK101"]}}})
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=push_capabilities(configuration=True))
    )
    yield
    await lsp_client.shutdown_session()


async def test_workspace_configuration_changes_the_result(
    configured_client: LanguageClient, tmp_path: Path
):
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    client = configured_client
    # the server fetches workspace/configuration after `initialized`; wait until it lints with it
    await open_document(client, uri, LEAKY_SOURCE)
    await wait_until(lambda: codes(client.diagnostics[uri]) == ["DK101"])
    client.set_configuration({"debugkit": {"lint": {"select": ["DK103"]}}})
    waiting = asyncio.ensure_future(next_diagnostics(client, uri))
    await asyncio.sleep(0)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    assert codes(await waiting) == ["DK103"]


@pytest_lsp.fixture(config=SERVER)
async def vscode_client(lsp_client: LanguageClient):
    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False
    )
    assert capabilities.workspace is not None
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True
    )
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    yield
    await lsp_client.shutdown_session()


async def test_pull_diagnostics(vscode_client: LanguageClient, tmp_path: Path):
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    vscode_client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=LEAKY_SOURCE
            )
        )
    )
    report = await asyncio.wait_for(
        vscode_client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        ),
        WAIT_S,
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert "DK101" in codes(report.items)
    assert uri not in vscode_client.diagnostics  # pull clients are not pushed to as well
    before = vscode_client.diagnostic_refresh_count
    vscode_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={})
    )
    # new settings: the server asks the client to pull again
    await wait_until(lambda: vscode_client.diagnostic_refresh_count > before)


@pytest_lsp.fixture(config=SERVER)
async def slow_configuration_client(lsp_client: LanguageClient):
    """A pull client whose workspace/configuration answer waits until a pull has been sent."""
    lsp_client.pull_sent = asyncio.Event()
    lsp_client.set_configuration({"debugkit": {"lint": {"select": ["DK101"]}}})
    features = lsp_client.protocol.fm._features
    default = features.pop(types.WORKSPACE_CONFIGURATION)

    @lsp_client.feature(types.WORKSPACE_CONFIGURATION)
    async def configuration(client: LanguageClient, params: types.ConfigurationParams):
        await client.pull_sent.wait()
        return default(params)

    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities()
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    yield
    await lsp_client.shutdown_session()


async def test_first_pull_waits_for_the_first_configuration(
    slow_configuration_client: LanguageClient, tmp_path: Path
):
    client = slow_configuration_client
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=LEAKY_SOURCE
            )
        )
    )
    pull = asyncio.ensure_future(
        client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    )
    await asyncio.sleep(0.05)  # the request is written before the configuration is answered
    client.pull_sent.set()
    report = await asyncio.wait_for(pull, WAIT_S)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert codes(report.items) == ["DK101"]  # select from settings, not all rules


async def test_hover_on_get_model_path_shows_the_container_path(
    client: LanguageClient, tmp_path: Path
):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(b"x")
    (tmp_path / "debugkit.yaml").write_text(
        "models:\n  - {name: my-best-model, version: 3, path: model/model.pkl}\n"
    )
    source = (
        "from azureml.core.model import Model\n\n\ndef init():\n"
        "    global path\n    path = Model.get_model_path('my-best-model')\n\n\n"
        "def run(raw_data):\n    return path\n"
    )
    uri = uri_in(tmp_path, text=source)
    await open_document(client, uri, source)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=5, character=20),
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert "/var/azureml-app/azureml-models/my-best-model/3/model.pkl" in hover.contents.value
    assert "No debugkit session is running" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=9, character=5),
        )
    )
    assert nothing is None


async def test_syntax_error_in_a_function_skipped_by_the_first_pass_is_published(
    client: LanguageClient, tmp_path: Path
):
    helpers = "".join(f"\n\ndef helper_{i}(x):\n    return x + {i}\n" for i in range(20))
    source = LEAKY_SOURCE + helpers.replace("return x + 7", "return x +")
    uri = uri_in(tmp_path, text=source)
    await open_document(client, uri, source)
    await wait_until(lambda: codes(client.diagnostics.get(uri, [])) == ["DK000"])


@pytest.fixture
def running_session(tmp_path: Path):
    """A real scoring server (`python -m debugkit.server`) for tmp_path, recorded as a debugkit session."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(b"x")
    (tmp_path / "debugkit.yaml").write_text(
        "models:\n  - {name: my-best-model, version: 3, path: model/model.pkl}\n"
    )
    layout = tmp_path / "azureml-models" / "my-best-model" / "3"
    layout.mkdir(parents=True)
    (layout / "model.pkl").write_bytes(b"x")
    (tmp_path / "score.py").write_text(HOVER_SOURCE)
    port = free_port()
    env = {**os.environ, "AML_APP_ROOT": str(tmp_path)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "debugkit.server",
            "--entry-script",
            str(tmp_path / "score.py"),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = ServerClient(f"http://127.0.0.1:{port}", timeout=2)
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.health().status == 200:
                    break
            except UserError:
                pass
            assert process.poll() is None, "the scoring server exited"
            assert time.monotonic() < deadline, "the scoring server did not become healthy"
            time.sleep(0.2)
        key = load_config(tmp_path).project_key
        sessions.save(sessions.Session(key, str(tmp_path), "process", "127.0.0.1", port, None))
        yield tmp_path
        sessions.remove(key)
    finally:
        process.terminate()
        process.wait(timeout=30)


HOVER_SOURCE = (
    "from azureml.core.model import Model\n\n\ndef init():\n"
    "    global path\n    path = Model.get_model_path('my-best-model')\n\n\n"
    "def unused():\n    return Model.get_model_path('my-best-modle')\n\n\n"
    "def run(raw_data):\n    return path\n"
)


async def test_hover_asks_the_running_session(client: LanguageClient, running_session: Path):
    uri = (running_session / "score.py").as_uri()
    await open_document(client, uri, HOVER_SOURCE)

    async def hover_at(line: int) -> str:
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=20),
            )
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        return hover.contents.value

    found = await hover_at(5)
    assert "Running container" in found
    assert "azureml-models/my-best-model/3/model.pkl` exists" in found
    typo = await hover_at(9)
    assert "Not configured for this project" in typo
    assert "Did you mean `my-best-model`?" in typo


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "debugkit", "lsp"])
)
async def cli_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=push_capabilities()))
    yield
    await lsp_client.shutdown_session()


async def test_debugkit_lsp_command_serves_the_same_diagnostics(
    cli_client: LanguageClient, tmp_path: Path
):
    uri = uri_in(tmp_path, text=LEAKY_SOURCE)
    assert codes(await open_document(cli_client, uri, LEAKY_SOURCE)) == ["DK101", "DK103"]


async def test_columns_are_utf16_on_non_ascii_lines(client: LanguageClient, tmp_path: Path):
    source = LEAKY_SOURCE.replace("return {'error': str(e)}", "return {'😋': str(e)}")
    uri = uri_in(tmp_path, text=source)
    leak = next(d for d in await open_document(client, uri, source) if d.code == "DK101")
    line = source.splitlines()[leak.range.start.line]
    value = line[line.index("{") :]
    assert leak.range.start.character == line.index("{")
    assert leak.range.end.character == line.index("{") + len(value.encode("utf-16-le")) // 2
    fixed = await _apply_action(client, uri, source, "DK101", "Re-raise the exception")
    assert "        raise\n" in fixed


async def test_non_python_documents_are_left_alone(client: LanguageClient, tmp_path: Path):
    uri = uri_in(tmp_path, "notes.md", "def run(:\n")
    waiting = asyncio.ensure_future(next_diagnostics(client, uri))
    await asyncio.sleep(0)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="markdown", version=1, text="def run(:\n"
            )
        )
    )
    assert list(await waiting) == []

"""The language server driven as an editor drives it, over stdio with pygls' own client: initialize, open a
bad file, receive diagnostics with the right codes and ranges, edit it, see them go; hover; a code action's
edit; broken YAML mid-edit gives a diagnostic and the server lives on."""
import asyncio
import sys
from pathlib import Path

import pytest

from conftest import write

pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

HANDLER = """from fastapi import FastAPI

app = FastAPI()


@app.post("/payments")
async def create_payment(body: dict):
    return await payments.charge(body)
"""

KEYED = HANDLER.replace("from fastapi import FastAPI", "from fastapi import FastAPI, Header").replace(
    "body: dict)", "body: dict, idempotency_key: str = Header(...))").replace(
    "payments.charge(body)", "payments.charge_once(idempotency_key, body)")

SPEC = """openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      responses:
        "201": {description: the order}
"""


class Session:
    """A client that keeps the diagnostics the server publishes, per document."""

    def __init__(self, root: Path):
        self.root = root
        self.client = LanguageClient("test-client", "1")
        self.published: dict[str, list] = {}
        self.arrived: dict[str, asyncio.Event] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams):
            self.published[params.uri] = list(params.diagnostics)
            self.arrived.setdefault(params.uri, asyncio.Event()).set()

    async def start(self):
        await self.client.start_io(sys.executable, "-m", "replaylint", "server", cwd=str(self.root))
        await self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(self.root))))
        self.client.initialized(types.InitializedParams())

    async def diagnostics(self, uri: str, timeout: float = 20) -> list:
        event = self.arrived.setdefault(uri, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)
        event.clear()
        return self.published[uri]

    def open(self, path: Path, language: str) -> str:
        uri = from_fs_path(str(path))
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id=language, version=1, text=path.read_text(encoding="utf-8"))))
        return uri

    def change(self, uri: str, version: int, text: str) -> None:
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    async def stop(self):
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def apply_edits(text: str, edits) -> str:
    """Text edits applied as an editor applies them (positions in lines and characters; ASCII here)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position):
        return starts[position.line] + position.character if position.line < len(lines) else len(text)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def run(root: Path, scenario):
    async def main():
        session = Session(root)
        await session.start()
        try:
            await scenario(session)
        finally:
            await session.stop()
    asyncio.run(main())


def test_diagnostics_come_with_codes_and_ranges_and_go_when_the_code_is_fixed(project):
    path = write(project, "app.py", HANDLER)

    async def scenario(session):
        uri = session.open(path, "python")
        found = await session.diagnostics(uri)
        assert [(d.code, d.range.start.line, d.range.start.character) for d in found] == [("RPL301", 6, 10)]
        assert found[0].severity == types.DiagnosticSeverity.Error and found[0].source == "replaylint"
        assert found[0].code_description.href.endswith("rpl301-handler-without-intent-key") or \
            "RPL301".lower() in found[0].code_description.href.lower()

        hover = await session.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(6, 12)))
        assert "RPL301" in hover.contents.value and "Why" in hover.contents.value

        session.change(uri, 2, KEYED)  # the buffer, not the file: nothing is saved
        assert await session.diagnostics(uri) == []

    run(project, scenario)


def test_the_code_action_writes_an_exemption_that_waits_for_its_reason(project):
    path = write(project, "app.py", HANDLER)

    async def scenario(session):
        uri = session.open(path, "python")
        found = await session.diagnostics(uri)
        actions = await session.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=found[0].range,
            context=types.CodeActionContext(diagnostics=found)))
        assert [a.title for a in actions] == ["Allow RPL301 here (write the reason)"]
        edit = actions[0].edit.changes[uri][0]
        lines = HANDLER.splitlines(keepends=True)
        fixed = "".join(lines[:edit.range.start.line]) + edit.new_text + "".join(lines[edit.range.start.line:])
        session.change(uri, 2, fixed)
        # the finding is exempted, and the placeholder reason is no reason until a person writes one
        assert [d.code for d in await session.diagnostics(uri)] == ["RPL001"]
        session.change(uri, 3, fixed.replace("<why this is safe>", "the payment provider deduplicates"))
        assert await session.diagnostics(uri) == []

    run(project, scenario)


def test_a_spec_is_checked_and_broken_yaml_mid_edit_is_a_diagnostic_not_a_crash(project):
    path = write(project, "openapi.yaml", SPEC)

    async def scenario(session):
        uri = session.open(path, "yaml")
        found = await session.diagnostics(uri)
        assert ("RPL101", 4) in {(d.code, d.range.start.line) for d in found}

        session.change(uri, 2, SPEC.replace("operationId: createOrder", "operationId: [createOrder"))
        broken = await session.diagnostics(uri)
        assert broken and all(d.code is None for d in broken) and "not analysed" in broken[0].message

        session.change(uri, 3, SPEC)  # the server is still there, and sees the mended text
        assert ("RPL101", 4) in {(d.code, d.range.start.line) for d in await session.diagnostics(uri)}

        actions = await session.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=found[0].range,
            context=types.CodeActionContext(diagnostics=[d for d in found if d.code == "RPL101"])))
        assert [a.title for a in actions] == ["Fix RPL101", "Allow RPL101 here (write the reason)"]
        edit = actions[1].edit.changes[uri][0]
        assert edit.range.start.line == 5
        assert edit.new_text == '      x-replaylint-allow: [{rule: RPL101, reason: "<why this is safe>"}]\n'

        fixed = apply_edits(SPEC, actions[0].edit.changes[uri])  # the rule's fix, applied as the editor would
        session.change(uri, 4, fixed)
        assert "RPL101" not in {d.code for d in await session.diagnostics(uri)}

    run(project, scenario)


def test_a_refd_fragment_shows_its_findings_and_its_unsaved_edits_count(project):
    root = write(project, "openapi.yaml", SPEC.split("paths:")[0] + "paths:\n  /orders: {$ref: 'paths/orders.yaml'}\n")
    fragment = write(project, "paths/orders.yaml", "post:\n  operationId: createOrder\n  responses:\n"
                                                   "    '201': {description: created}\n")
    keyed = fragment.read_text(encoding="utf-8").replace(
        "  responses:", "  parameters:\n    - {name: Idempotency-Key, in: header, required: true, "
                        "schema: {type: string}}\n  responses:")

    async def scenario(session):
        root_uri = session.open(root, "yaml")
        await session.diagnostics(root_uri)
        fragment_uri = session.open(fragment, "yaml")
        found = await session.diagnostics(fragment_uri)
        while not found:  # its own check finds nothing; the root's finds the keyless operation written here
            found = await session.diagnostics(fragment_uri)
        assert ("RPL101", 0) in {(d.code, d.range.start.line) for d in found}
        session.change(fragment_uri, 2, keyed)  # unsaved: the disk still has the keyless operation
        while "RPL101" in {d.code for d in found}:
            found = await session.diagnostics(fragment_uri)
        assert "RPL101" not in {d.code for d in found}

    run(project, scenario)


def test_positions_count_utf16_units_as_lsp_does(project):
    prefix = '    requests.post("https://api.example.com/😀/orders", json=order, headers={"Idempotency-Key": '
    path = write(project, "client.py", "import uuid\n\nimport requests\n\n\ndef place(order):\n" + prefix +
                 "str(uuid.uuid4())})\n")

    async def scenario(session):
        uri = session.open(path, "python")
        found = [d for d in await session.diagnostics(uri) if d.code == "RPL201"]
        assert [(d.range.start.line, d.range.start.character) for d in found] == \
            [(6, len(prefix.encode("utf-16-le")) // 2)]  # the emoji is two UTF-16 units
        hover = await session.client.text_document_hover_async(types.HoverParams(  # the cursor just after it
            text_document=types.TextDocumentIdentifier(uri=uri), position=found[0].range.end))
        assert hover is not None and "RPL201" in hover.contents.value

    run(project, scenario)


def test_without_pygls_the_command_says_what_to_install(monkeypatch, capsys):
    from replaylint.cli import main

    monkeypatch.delitem(sys.modules, "replaylint.server", raising=False)
    monkeypatch.setitem(sys.modules, "pygls.lsp.server", None)  # what an install without the extra looks like
    assert main(["server"]) == 2
    assert "pip install 'replaylint[server]'" in capsys.readouterr().err

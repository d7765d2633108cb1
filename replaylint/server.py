"""`replaylint server`: the findings in the editor, over the Language Server Protocol (stdio).

Built on pygls and lsprotocol (kept by the Open Law Library and Microsoft's LSP type definitions): they carry
the protocol, the document store and its incremental edits, so this module only says what replaylint adds.
Each open Python file or OpenAPI spec is checked by the same engine as `replaylint check` (config discovered
from the file's folder, policy, exemptions, project index and cache), with the editor's text in place of the
file's: on open and save at once, on change after a pause (`DEBOUNCE_SECONDS`). A finding becomes a diagnostic
whose code is the rule's code, linked to its docs; hover shows the rule's why and fix; a code action writes
an exemption with a reason placeholder that keeps failing (RPL001) until a person writes the reason.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .exemptions import REASON_PLACEHOLDER

DEBOUNCE_SECONDS = 0.15
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "info": types.DiagnosticSeverity.Information}
SOURCE = "replaylint"


class ReplaylintServer(LanguageServer):
    def __init__(self):
        super().__init__("replaylint", __version__)
        self.pending: dict[str, asyncio.Task] = {}  # uri -> the debounced check waiting to run
        self.generation: dict[str, int] = {}  # uri -> how many checks were scheduled (only the last publishes)
        self.findings: dict[str, list] = {}  # uri -> the findings its last diagnostics came from
        self.found_by: dict[str, dict[str, list]] = {}  # uri -> {uri of the check: findings in this document}
        self.problems: dict[str, list] = {}  # uri -> diagnostics of what its own check could not analyse
        # checks run one at a time, off the event loop (a check changes the working folder while it runs)
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="replaylint-check")


server = ReplaylintServer()


def check_document(uri: str, texts: dict[str, str], workspace: str | None) -> tuple[dict, list[types.Diagnostic]]:
    """({absolute path: findings}, diagnostics of problems) of a check of one document, from the engine run on
    the editor's texts (`texts`: absolute path -> text of every open document, so an unsaved `$ref`'d fragment
    or helper module counts too). The findings include those in other files (an operation written in a
    `$ref`'d fragment). Runs in the server's one worker thread. Never raises: an input the tool could not
    analyse is a diagnostic too."""
    from .config import ConfigError, load_config
    from .engine import run

    path = to_fs_path(uri)
    if path is None:
        return {}, []
    absolute = os.path.abspath(path)
    source = texts.get(absolute, "")
    try:
        config = load_config(cwd=Path(absolute).parent)
        if config.source is None and workspace and _inside(absolute, workspace):
            config = load_config(cwd=Path(workspace))  # no config file: the workspace is the project
        previous = os.getcwd()
        os.chdir(config.root)  # paths are shown and cached relative to the project, as `check` run there
        try:
            result = run([absolute], config, use_cache=True, skip_unrecognised=True, force_exclude=True,
                         texts=texts)  # an excluded file stays quiet, as in pre-commit
        finally:
            os.chdir(previous)
    except ConfigError as exc:
        return {}, [_diagnostic_at_top(str(exc), types.DiagnosticSeverity.Error)]
    except Exception as exc:  # noqa: BLE001 - the server outlives any one bad check
        return {}, [_diagnostic_at_top(f"replaylint could not check this file: {type(exc).__name__}: {exc}",
                                       types.DiagnosticSeverity.Error)]
    by_path: dict[str, list] = {}
    for finding in result.findings:
        if not finding.exempted:
            by_path.setdefault(os.path.abspath(os.path.join(str(config.root), finding.span.path)), []).append(finding)
    lines = source.split("\n")
    problems = []
    for problem in result.problems:
        if os.path.abspath(os.path.join(str(config.root), problem.path)) == absolute:
            start = _utf16(lines, problem.line or 1, problem.column or 1)
            problems.append(types.Diagnostic(
                range=types.Range(start, types.Position(start.line, start.character + 1)),
                message=problem.message, severity=types.DiagnosticSeverity.Error, source=SOURCE))
    return by_path, problems


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == os.path.abspath(folder)


def _utf16(lines: list[str], line: int, column: int) -> types.Position:
    """An LSP position from a 1-based line and a 1-based column in characters (LSP counts UTF-16 units)."""
    line, column = max(line - 1, 0), max(column - 1, 0)
    text = lines[line] if line < len(lines) else ""
    return types.Position(line, len(text[:column].encode("utf-16-le")) // 2 + max(column - len(text), 0))


def _column(text: str, units: int) -> int:
    """The 0-based column in characters of an LSP character offset (UTF-16 units) on a line."""
    count = 0
    for index, char in enumerate(text):
        if count >= units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
    return len(text) + max(units - count, 0)


def _diagnostic(finding, lines: list[str]) -> types.Diagnostic:
    from .registry import REGISTRY
    from .report.docs import help_uri

    span = finding.span
    start = _utf16(lines, span.line, span.column)
    end = _utf16(lines, span.end_line, span.end_column)
    if (end.line, end.character) <= (start.line, start.character):
        end = types.Position(start.line, start.character + 1)
    rule = REGISTRY.get(finding.code)
    return types.Diagnostic(
        range=types.Range(start, end), message=f"{finding.message}\nfix: {finding.fix}",
        severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning), code=finding.code,
        code_description=types.CodeDescription(href=help_uri(rule)) if rule else None, source=SOURCE,
        data={"anchor": finding.anchor})


def _diagnostic_at_top(message: str, severity) -> types.Diagnostic:
    return types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(0, 1)), message=message,
                            severity=severity, source=SOURCE)


def open_texts(ls: ReplaylintServer) -> dict[str, str]:
    """Absolute path -> text of every open document (read on the event loop, so a snapshot)."""
    texts = {}
    for uri, document in list(ls.workspace.text_documents.items()):
        path = to_fs_path(uri)
        if path is not None:
            texts[os.path.abspath(path)] = document.source
    return texts


async def publish(ls: ReplaylintServer, uri: str) -> None:
    """Check `uri` in the worker thread (the event loop goes on answering hovers and code actions), then
    publish its diagnostics, and those its check found in other open documents (a `$ref`'d fragment) too;
    unless a newer check of it was scheduled meanwhile (then it is not even run, if it has not started)."""
    loop = asyncio.get_running_loop()
    generation = ls.generation.get(uri, 0)

    def current() -> bool:
        return ls.generation.get(uri, 0) == generation

    def check():  # in the worker: a check that a newer one has replaced while it queued is not run
        return check_document(uri, texts, ls.workspace.root_path) if current() else None

    texts = open_texts(ls)
    checked = await loop.run_in_executor(ls.worker, check)
    if checked is None or not current() or uri not in ls.workspace.text_documents:
        return  # typed on, or closed, meanwhile: the newer check (or nothing) speaks
    by_path, problems = checked
    ls.problems[uri] = problems
    for other in list(ls.workspace.text_documents):
        path = to_fs_path(other)
        found = by_path.get(os.path.abspath(path), []) if path else []
        if other == uri or found or ls.found_by.get(other, {}).get(uri):
            ls.found_by.setdefault(other, {})[uri] = found
            show(ls, other)


def show(ls: ReplaylintServer, uri: str) -> None:
    """Publish what the checks found in `uri` (its own and other documents'), each finding once."""
    findings = list({(f.code, f.span, f.message): f for found in ls.found_by.get(uri, {}).values()
                     for f in found}.values())
    ls.findings[uri] = findings
    lines = ls.workspace.get_text_document(uri).source.split("\n")
    diagnostics = [_diagnostic(f, lines) for f in findings] + ls.problems.get(uri, [])
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))


def schedule(ls: ReplaylintServer, uri: str, delay: float) -> None:
    """Check `uri` after `delay` seconds, replacing a check still waiting for it (typing goes on)."""
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()
    ls.generation[uri] = ls.generation.get(uri, 0) + 1  # a check started before this one will not publish

    async def later():
        await asyncio.sleep(delay)
        ls.pending.pop(uri, None)
        if uri in ls.workspace.text_documents:  # closed meanwhile: nothing to say
            await publish(ls, uri)

    ls.pending[uri] = asyncio.ensure_future(later())


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ReplaylintServer, params: types.DidOpenTextDocumentParams):
    """Checked at once; so are the other open documents, whose checks may report findings written in this
    one (an operation in a `$ref`'d fragment)."""
    for uri in [params.text_document.uri, *ls.workspace.text_documents]:
        if uri not in ls.pending:
            schedule(ls, uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ReplaylintServer, params: types.DidChangeTextDocumentParams):
    """The document is checked after a pause; so are the other open ones, which may read it (a `$ref`'d
    fragment, a helper module): the cache answers at once for those it does not touch."""
    for uri in list(ls.workspace.text_documents):
        schedule(ls, uri, DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ReplaylintServer, params: types.DidSaveTextDocumentParams):
    """A saved file may be a fact of the others (a helper module, a `$ref`'d fragment): every open document
    is checked again."""
    for uri in list(ls.workspace.text_documents):
        schedule(ls, uri, 0)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: ReplaylintServer, params: types.DidChangeWatchedFilesParams):
    """A file changed outside the editor (a helper module, a `$ref`'d fragment, the config): every open
    document is checked again, with the project index and cache noticing what changed."""
    for uri in list(ls.workspace.text_documents):
        schedule(ls, uri, DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ReplaylintServer, params: types.DidCloseTextDocumentParams):
    uri = params.text_document.uri
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:  # a check still waiting for a document no longer open
        waiting.cancel()
    for name in ("findings", "found_by", "problems"):
        getattr(ls, name).pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    for other, found_by in list(ls.found_by.items()):  # what its check found elsewhere goes with it
        if found_by.pop(uri, None) and other in ls.workspace.text_documents:
            show(ls, other)
    for other in list(ls.workspace.text_documents):  # they may have read its unsaved text: read the file now
        if other != uri:
            schedule(ls, other, DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: ReplaylintServer, params: types.HoverParams):
    """Over a finding: the rule's why and fix, from its docs."""
    from .registry import REGISTRY

    document = ls.workspace.get_text_document(params.text_document.uri)
    lines = document.source.split("\n")
    line = params.position.line + 1
    column = _column(lines[line - 1] if line <= len(lines) else "", params.position.character) + 1
    parts = []
    for finding in ls.findings.get(params.text_document.uri, []):
        span = finding.span
        if (span.line, span.column) <= (line, column) <= (span.end_line, max(span.end_column, span.column + 1)) \
                or span.line == line == span.end_line and span.column == span.end_column:
            rule = REGISTRY.get(finding.code)
            docs = rule.docs() if rule else {}
            parts.append(f"**{finding.code} {rule.name if rule else ''}**: {finding.message}\n\n"
                         f"*Why:* {docs.get('why', '').strip()}\n\n*Fix:* {finding.fix}")
    if not parts:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def code_actions(ls: ReplaylintServer, params: types.CodeActionParams):
    """For each replaylint diagnostic in range: write an exemption where it applies, with a reason to fill."""
    document = ls.workspace.get_text_document(params.text_document.uri)
    actions = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != SOURCE or not diagnostic.code:
            continue
        fix = quick_fix_edits(ls, document, diagnostic)
        if fix:
            actions.append(types.CodeAction(
                title=f"Fix {diagnostic.code}", kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                is_preferred=True, edit=types.WorkspaceEdit(changes={params.text_document.uri: fix})))
        edit = exemption_edit(document.source, str(document.uri), diagnostic.range.start.line, str(diagnostic.code))
        if edit is not None:
            actions.append(types.CodeAction(
                title=f"Allow {diagnostic.code} here (write the reason)", kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic], edit=types.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
    return actions


def quick_fix_edits(ls: ReplaylintServer, document, diagnostic) -> list[types.TextEdit]:
    """The rule's safe fix for the finding behind `diagnostic`, as edits of the buffer (none when the rule
    has no safe fix, or the file's shape is not one the fix edits)."""
    from .fixes import fix_edits as edits_for
    from .registry import REGISTRY

    rule = REGISTRY.get(str(diagnostic.code))
    if rule is None or rule.fixable != "safe":
        return []
    line = diagnostic.range.start.line + 1
    findings = [f for f in ls.findings.get(document.uri, []) if f.code == rule.code and f.span.line == line]
    text = document.source
    edits = edits_for(document.uri, text, findings).edits
    return [types.TextEdit(range=types.Range(_position(text, e.start), _position(text, e.end)), new_text=e.text)
            for e in edits]


def _position(text: str, offset: int) -> types.Position:
    """An LSP position (0-based line, UTF-16 character) of a text offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line, len(text[start:offset].encode("utf-16-le")) // 2)


def exemption_edit(text: str, uri: str, line: int, code: str) -> types.TextEdit | None:
    """The edit that exempts `code` at `line` (0-based): a comment above it in Python, an
    `x-replaylint-allow` entry under the operation of a YAML spec (the line the finding is on, when it opens
    an operation); None where no exemption can be written (JSON has no comments and no room for one)."""
    lines = text.split("\n")
    if line >= len(lines):
        return None
    current = lines[line]
    indent = current[:len(current) - len(current.lstrip())]
    newline = "\r\n" if current.endswith("\r") else "\n"
    if uri.endswith(".py"):
        comment = f"{indent}# replaylint: allow[{code}] -- {REASON_PLACEHOLDER}{newline}"
        return types.TextEdit(range=types.Range(types.Position(line, 0), types.Position(line, 0)), new_text=comment)
    opens_a_mapping = current.split(" #", 1)[0].rstrip().endswith(":")  # `post:  # a comment` too
    if uri.endswith((".yaml", ".yml")) and opens_a_mapping and not current.lstrip().startswith("-"):
        child = indent + "  "
        if line + 1 < len(lines) and lines[line + 1].strip():
            following = lines[line + 1]
            child = following[:len(following) - len(following.lstrip())] or child
        entry = f'{child}x-replaylint-allow: [{{rule: {code}, reason: "{REASON_PLACEHOLDER}"}}]{newline}'
        return types.TextEdit(range=types.Range(types.Position(line + 1, 0), types.Position(line + 1, 0)),
                              new_text=entry)
    return None


def main() -> int:
    server.start_io()
    return 0

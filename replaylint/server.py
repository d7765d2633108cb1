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
        self.findings: dict[str, list] = {}  # uri -> the findings its last diagnostics came from


server = ReplaylintServer()


def check_document(ls: ReplaylintServer, uri: str) -> list[types.Diagnostic]:
    """The diagnostics of one document, from the engine run on its current text (never raises: an input the
    tool could not analyse is a diagnostic too)."""
    from .config import ConfigError, load_config
    from .engine import display_path, run

    path = to_fs_path(uri)
    if path is None:
        return []
    document = ls.workspace.get_text_document(uri)
    absolute = os.path.abspath(path)
    try:
        config = load_config(cwd=Path(absolute).parent)
        workspace = ls.workspace.root_path
        if config.source is None and workspace and _inside(absolute, workspace):
            config = load_config(cwd=Path(workspace))  # no config file: the workspace is the project
        previous = os.getcwd()
        os.chdir(config.root)
        try:
            result = run([absolute], config, use_cache=True, skip_unrecognised=True, force_exclude=True,
                         texts={absolute: document.source})  # an excluded file stays quiet, as in pre-commit
        finally:
            os.chdir(previous)
    except ConfigError as exc:
        return [_diagnostic_at_top(str(exc), types.DiagnosticSeverity.Error)]
    except Exception as exc:  # noqa: BLE001 - the server outlives any one bad check
        return [_diagnostic_at_top(f"replaylint could not check this file: {type(exc).__name__}: {exc}",
                                   types.DiagnosticSeverity.Error)]
    shown = {display_path(absolute, str(config.root)), absolute}
    mine = [f for f in result.findings if not f.exempted and _same_file(f.span.path, shown, config.root)]
    ls.findings[uri] = mine
    lines = document.source.splitlines()
    diagnostics = [_diagnostic(f, lines) for f in mine]
    for problem in result.problems:
        if _same_file(problem.path, shown, config.root):
            line = max((problem.line or 1) - 1, 0)
            column = max((problem.column or 1) - 1, 0)
            diagnostics.append(types.Diagnostic(
                range=types.Range(types.Position(line, column), types.Position(line, column + 1)),
                message=problem.message, severity=types.DiagnosticSeverity.Error, source=SOURCE))
    return diagnostics


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == os.path.abspath(folder)


def _same_file(path: str, shown: set[str], root) -> bool:
    return path in shown or os.path.abspath(os.path.join(str(root), path)) in shown


def _utf16(lines: list[str], line: int, column: int) -> types.Position:
    """An LSP position from a 1-based line and a 1-based column in characters (LSP counts UTF-16 units)."""
    line, column = max(line - 1, 0), max(column - 1, 0)
    text = lines[line] if line < len(lines) else ""
    return types.Position(line, len(text[:column].encode("utf-16-le")) // 2 + max(column - len(text), 0))


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


def publish(ls: ReplaylintServer, uri: str) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=check_document(ls, uri)))


def schedule(ls: ReplaylintServer, uri: str, delay: float) -> None:
    """Check `uri` after `delay` seconds, replacing a check still waiting for it (typing goes on)."""
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()

    async def later():
        await asyncio.sleep(delay)
        ls.pending.pop(uri, None)
        if uri in ls.workspace.text_documents:  # closed meanwhile: nothing to say
            publish(ls, uri)

    ls.pending[uri] = asyncio.ensure_future(later())


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ReplaylintServer, params: types.DidOpenTextDocumentParams):
    schedule(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ReplaylintServer, params: types.DidChangeTextDocumentParams):
    schedule(ls, params.text_document.uri, DEBOUNCE_SECONDS)


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
    ls.findings.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: ReplaylintServer, params: types.HoverParams):
    """Over a finding: the rule's why and fix, from its docs."""
    from .registry import REGISTRY

    line, column = params.position.line + 1, params.position.character + 1
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
    lines = text.splitlines()
    if line >= len(lines):
        return None
    current = lines[line]
    indent = current[:len(current) - len(current.lstrip())]
    if uri.endswith(".py"):
        comment = f"{indent}# replaylint: allow[{code}] -- {REASON_PLACEHOLDER}\n"
        return types.TextEdit(range=types.Range(types.Position(line, 0), types.Position(line, 0)), new_text=comment)
    opens_a_mapping = current.split(" #", 1)[0].rstrip().endswith(":")  # `post:  # a comment` too
    if uri.endswith((".yaml", ".yml")) and opens_a_mapping and not current.lstrip().startswith("-"):
        child = indent + "  "
        if line + 1 < len(lines) and lines[line + 1].strip():
            following = lines[line + 1]
            child = following[:len(following) - len(following.lstrip())] or child
        entry = f'{child}x-replaylint-allow: [{{rule: {code}, reason: "{REASON_PLACEHOLDER}"}}]\n'
        return types.TextEdit(range=types.Range(types.Position(line + 1, 0), types.Position(line + 1, 0)),
                              new_text=entry)
    return None


def main() -> int:
    server.start_io()
    return 0

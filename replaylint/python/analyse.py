"""Analyse one Python file: prefilter the text, parse once with libcst, build the module model, run the enabled
Python rules, and compute positions only for what they report."""
from __future__ import annotations

import ast
import io
import os
import re
import tokenize
import warnings
from functools import cached_property

from .lazy import cst

from ..exemptions import REASON_PLACEHOLDER, Exemption
from ..lazy import LazyRegex
from ..crosscheck.routes import named_by_spec
from ..rule import run_checks
from ..model import FileResult, Finding, Note, Problem, Span
from ..policy import SEVERITY_BY_HARM, Harm, config_harm, default_harm, harm_evidence, word_harm
from ..vocabulary import StateVocabulary, squash
from .flow import FlowResult, analyse_function, random_helpers
from .handlers import Handler, ProjectFacts, find_handlers, is_test_module_name
from .model import FunctionInfo, ModuleModel, build_model, module_name_for

MAX_PYTHON_BYTES = 4 * 1024 * 1024  # libcst needs ~250x the source in memory: a 4 MB file is ~1 GB
GENERATED = LazyRegex(r"@generated\b")  # the marker the issue names; "DO NOT EDIT" alone is no proof
HEADER_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING}
COMMENT = LazyRegex(r"#\s*replaylint:\s*(?P<verb>allow-file|allow|harm)\s*(?:\[(?P<rules>[^\]]*)\]|=\s*(?P<level>\w+))?"
                     r"(?:\s*(?:--|:|—)\s*(?P<reason>.*\S))?")
# An allow comment written almost right: another verb (`ignore[...]`, `disable[...]`) or parentheses for brackets.
NEAR_MISS = LazyRegex(r"#\s*replaylint:\s*(?P<verb>[\w-]+)\s*[\[(](?P<rules>[^\])]*)[\])](?P<rest>.*)")
# The reason after an exemption's rules, with `--` or what people write instead (`reason:`, `because`, `-`).
STRAY_REASON = LazyRegex(r"(?i)^\s*(?:--|—|:|reason\s*[:=]|because\b|-)?\s*(?P<reason>[^#]*?)\s*(?:#.*)?$")


def is_generated(text: str) -> bool:
    """Whether the file's header carries the `@generated` marker. Only the header counts (as for ESLint and
    Phabricator): the word in a function's docstring or in code says nothing about the file."""
    return GENERATED.search(_header(text)) is not None


def _header(text: str) -> str:
    """The leading comments and the module docstring (where generators write their marker, mypy-protobuf in
    the docstring), up to the first code."""
    parts, docstring = [], False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text.removeprefix("\ufeff")).readline):
            if token.type == tokenize.STRING and not docstring:
                docstring = True
            elif token.type not in HEADER_TOKENS:
                break
            parts.append(token.string)
    except (tokenize.TokenError, SyntaxError):  # a broken file: its header is what came before the break
        pass
    return "".join(parts)


class PythonAnalysis:
    """What Python rules receive: the module model, its handlers and key flows, the policy, and `report`."""

    def __init__(self, model: ModuleModel, config, text: str, facts: ProjectFacts, harm_notes):
        self.model = model
        self.config = config
        self.text = text
        self.facts = facts
        self.reports: list[tuple] = []
        self.extra_keys = frozenset(squash(k) for k in [*config.key_headers, *config.key_fields])
        self.states = StateVocabulary(config.states)
        self._harm_notes = harm_notes  # def line -> Exemption (harm=...)
        self._flows: dict[int, FlowResult] = {}
        self._reads_key: dict[int, bool] = {}
        self.memo: dict = {}  # what several rules derive the same way (the mutating handlers), kept once

    def reads_key(self, handler) -> bool:
        """Whether the handler reads an intent key (`handlers.reads_key`), once per function: RPL301, the
        audit's inventory and the cross-check's route summary all ask."""
        from .handlers import reads_key

        node = handler.info.node if handler.info else None
        if id(node) not in self._reads_key:
            self._reads_key[id(node)] = reads_key(self.model, handler, self.extra_keys,
                                                  self.facts.key_models if self.facts else frozenset())
        return self._reads_key[id(node)]

    @cached_property
    def handlers(self) -> list[Handler]:
        return find_handlers(self.model, self.facts.routes_in(self.model.name) if self.facts else None)

    @cached_property
    def helpers(self) -> dict:
        return random_helpers(self.model, frozenset(self.config.random_factories))

    @cached_property
    def is_server_module(self) -> bool:
        return bool(self.handlers) or bool(re.search(r"^\s*(from|import)\s+(fastapi|flask|django|starlette|litestar|"
                                                     r"aiohttp\.web|rest_framework|sanic|falcon|tornado)",
                                                     self.text, re.M))

    def flow(self, info: FunctionInfo) -> FlowResult:
        key = id(info.node)  # the module node stands for module-level code
        if key not in self._flows:
            self._flows[key] = analyse_function(self.model, info, self.helpers, frozenset(self.config.random_factories),
                                                frozenset(self.config.key_factories), self.extra_keys)
        return self._flows[key]

    def harm(self, qualname: str, name: str, handler: Handler | None = None, def_line: int | None = None) -> Harm:
        note = self._harm_notes(def_line) if def_line is not None else None
        if note is not None:
            note.used = True
            return Harm(note.selector, note.reason, "annotation")
        route = f"{sorted(handler.methods)[0]} {handler.path}" if handler and handler.path else ""
        configured = config_harm(self.config, route, qualname)
        if configured is not None:
            return configured
        literal = [s for s in (handler.path.split("/") if handler and handler.path else [])
                   if s and not s.startswith(("{", "<", ":"))]
        segment = literal[-1] if literal else ""  # `/password-recovery/{email}`: the parameter is no verb
        return word_harm(name, segment) or default_harm(self.config)

    def severity_for(self, harm: Harm) -> str:
        return SEVERITY_BY_HARM[harm.level]

    def report(self, rule, node, message: str, fix: str, anchor: str, detail: str = "", severity=None,
               harm: Harm | None = None, handler=None) -> None:
        """`handler`: the routed handler the finding is about, so reports can name its method and route."""
        self.reports.append((rule, node, message, fix, anchor, detail, severity, harm, handler))

    def position(self, node):
        return self.positions.of(node)


class AstAnalysis:
    """What rules that only need Python's own `ast` receive (`parser = "ast"`): they run without libcst, which
    is ten times slower to parse (RPL304 reads class and field declarations only)."""

    def __init__(self, tree: ast.Module, config, text: str, module_name: str):
        self.tree = tree
        self.config = config
        self.module_name = module_name
        self.states = StateVocabulary(config.states)
        self.reports: list[tuple] = []
        self._lines = source_lines(text)

    def report(self, rule, node, message: str, fix: str, anchor: str, detail: str = "", severity=None,
               harm: Harm | None = None, handler=None) -> None:
        self.reports.append((rule, node, message, fix, anchor, detail, severity, harm, handler))

    def position(self, node) -> tuple[tuple[int, int], tuple[int, int]]:
        """ast columns are UTF-8 byte offsets; findings use code points, like libcst's."""
        def column(line: int, offset: int) -> int:
            text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
            return len(text.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

        line, end_line = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        return (line, column(line, node.col_offset)), (end_line, column(end_line, node.end_col_offset or 0))


def analyse_python(path: str, text: str, config, rules, facts: ProjectFacts, shown: str,
                   name: str | None = None, index=None) -> FileResult:
    """Prefilter, check the syntax with `ast`, run the `ast` rules, then parse with libcst only if a libcst rule
    can still match. What the project index was asked (`index`: the modules this one imports) becomes the
    result's `consulted` files."""
    result = FileResult(shown)
    if index is not None:
        index.begin()
    try:
        return _analyse_python(result, path, text, config, rules, facts, shown, name, index)
    finally:
        if index is not None:
            own = os.path.realpath(path)
            result.consulted = sorted(p for p in index.consulted if p != own)
            result.summaries, index.made = index.made, {}


def _analyse_python(result: FileResult, path: str, text: str, config, rules, facts: ProjectFacts, shown: str,
                    name: str | None, index) -> FileResult:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PYTHON_BYTES:
        return _not_analysed(result, f"larger than {MAX_PYTHON_BYTES // (1024 * 1024)} MB (the size cap for Python "
                                     f"files)")
    if is_generated(text):
        result.notes.append(Note(shown, "skipped: marked as generated code"))
        return result
    module_name = module_name_for(shown) if name is None else name
    memo: dict = {}
    routed = facts is not None and facts.routes_declared_for(module_name, text)  # routes declared elsewhere
    named = config.crosscheck and named_by_spec(module_name, config.spec_handlers)
    in_tests = is_test_module_name(module_name)
    wanted = [rule for rule in rules if (rule.in_test_code or not in_tests)
              and (routed or _prefilter(rule, text, config, memo))]
    exemptions = _comment_exemptions(text, shown)
    syntax, tree = ast_check(text)
    if syntax == "deep":
        return _not_analysed(result, "code nested too deeply to parse safely")
    reports = []
    if syntax == "ok":
        ast_ctx = AstAnalysis(tree, config, text, module_name)
        run_checks([r for r in wanted if r.parser == "ast"], ast_ctx, result)
        reports.extend((ast_ctx, report) for report in ast_ctx.reports)
    cst_rules = [r for r in wanted if r.parser != "ast"]
    routes_wanted = config.crosscheck and not in_tests and (named or routed or _declares_routes(text, config, memo))
    if cst_rules or routes_wanted or syntax != "ok":
        try:
            module = parse(text)
        except cst.ParserSyntaxError as exc:
            message, line, column = _syntax_error(text, exc)
            result.problems.append(Problem(shown, f"not analysed: Python syntax error: {message}", line, column))
            result.analysed = False
            return result
        except RecursionError:
            return _not_analysed(result, "nested too deeply to parse")
        if cst_rules or routes_wanted:
            model = build_model(module, module_name)
            model.path, model.index = os.path.abspath(path), index
            model.ast_tree = tree if syntax == "ok" else None
            harm_notes = [e for e in exemptions if e.kind == "harm" and not e.problems]
            ctx = PythonAnalysis(model, config, text, facts,
                                 lambda line: next((e for e in harm_notes if line in e.scope[1]), None))
            ctx.positions = _Positions(module)
            run_checks(cst_rules, ctx, result)
            reports.extend((ctx, report) for report in ctx.reports)
            if routes_wanted:
                from ..crosscheck.routes import python_routes

                result.routes = python_routes(ctx, shown, named)
            if config.inventory:
                from ..audit.inventory import python_inventory

                result.inventory = python_inventory(ctx, shown)
    if config.crosscheck and syntax == "ok" and ("urlpatterns" in text or ".register(" in text):
        from ..crosscheck.django_urls import urls_table

        urls = urls_table(tree, module_name, path.endswith("__init__.py"))
        if urls:
            result.routes = {**(result.routes or {"file": shown, "module": module_name}), "urls": urls}
    if config.crosscheck and syntax == "ok" and ("include_router" in text or "register_blueprint" in text):
        from ..crosscheck.mounts import mounts_table

        mounts = mounts_table(tree, module_name, path.endswith("__init__.py"))
        if mounts:
            result.routes = {**(result.routes or {"file": shown, "module": module_name}), "mounts": mounts}
    if config.crosscheck and syntax == "ok" and not in_tests and "class " in text and STATUS_TEXT.search(text):
        from ..crosscheck.status import module_status_types

        types = module_status_types(tree, module_name, path.endswith("__init__.py"))
        if types:
            result.routes = {**(result.routes or {"file": shown, "module": module_name}), "status_types": types}
    seen = set()
    for ctx, (rule, node, message, fix, anchor, detail, severity, harm, handler) in reports:
        start, end = ctx.position(node)
        span = Span(shown, start[0], start[1], end[0], end[1])
        if (rule.code, span.line, span.column, anchor) not in seen:
            seen.add((rule.code, span.line, span.column, anchor))
            result.findings.append(Finding(rule.code, severity or rule.severity, message, fix, span, anchor, detail,
                                           harm=harm.level if harm else "",
                                           harm_reason=harm_evidence(harm) if harm else "",
                                           **_handler_fields(handler)))
    result.exemptions = [e for e in exemptions if not e.problems]
    for exemption in exemptions:
        for problem in exemption.problems:
            result.notes.append(Note(shown, problem, exemption.span.line, exemption.span.column))
    return result


# A status-named field (`status: OrderStatus`) or class (`class OrderStatus(str, Enum)`), or any Enum or
# Choices class (`class Lifecycle(str, Enum)`, which a model elsewhere may type its status with).
STATUS_TEXT = LazyRegex(r"(?i)(?:status|state|phase|stage|outcome|result)(?:es|s)?\s*[:(]|Enum\)|Choices\)")


def _handler_fields(handler) -> dict:
    """The method, route and qualified name of the handler a finding is about (for JSON and baselines)."""
    if handler is None:
        return {}
    from ..openapi.model import MUTATING

    mutating = handler.methods & MUTATING
    return {"method": "/".join(sorted(mutating or handler.methods)), "route": handler.path or "",
            "operation_id": handler.qualname}


def _declares_routes(text: str, config, memo: dict) -> bool:
    """Whether the module may declare a route handler: the prefilter of the handler rule (RPL301), asked
    even when that rule is not selected (`--select RPL4` still needs the routes)."""
    from ..registry import REGISTRY

    return _prefilter(REGISTRY.get("RPL301"), text, config, memo)


def _not_analysed(result: FileResult, reason: str) -> FileResult:
    result.problems.append(Problem(result.path, f"not analysed: {reason}"))
    result.analysed = False
    return result


def parse(text: str):
    """The one place Python source is parsed with libcst."""
    return cst.parse_module(text)


def ast_check(text: str) -> tuple[str, ast.Module | None]:
    """Parse with `ast` (no code runs): ("ok", tree), ("syntax", None) (ask libcst, whose grammar is newer than
    the running interpreter's, before calling the file broken) or ("deep", None) (nesting that CPython's parser
    refuses and that would overflow libcst's native parser: never hand it over)."""
    try:
        with warnings.catch_warnings():  # the linted code's own warnings (invalid escapes) are not ours to print
            warnings.simplefilter("ignore")
            return "ok", ast.parse(text)
    except (RecursionError, MemoryError):
        return "deep", None
    except SyntaxError as exc:
        deep = "too many nested" in str(exc.msg) or "too complex" in str(exc.msg)
        return ("deep" if deep else "syntax"), None
    except ValueError:
        return "syntax", None


def _prefilter(rule, text: str, config, memo: dict | None = None) -> bool:
    """Semgrep's trick: a rule whose literal needles (or regex, or own `prefilter`) are absent from the text
    cannot fire, so the file need not be parsed for it. Rules sharing a prefilter share its answer (`memo`)."""
    test = getattr(rule, "prefilter", None)
    key = getattr(test, "__func__", test) if test is not None else getattr(rule, "needles", ())
    if memo is not None and key in memo:
        return memo[key]
    answer = _prefilter_uncached(rule, text, config)
    if memo is not None:
        memo[key] = answer
    return answer


def _prefilter_uncached(rule, text: str, config) -> bool:
    if hasattr(rule, "prefilter"):
        extra = [*config.key_headers, *config.key_fields, *config.random_factories]
        return rule.prefilter(text) or any(word in text for word in extra)
    needles = getattr(rule, "needles", ())
    if not needles:
        return True
    extra = [*config.key_headers, *config.key_fields, *config.random_factories]
    if any(word in text for word in extra):
        return True
    if hasattr(needles, "search"):  # a pattern
        return needles.search(text) is not None
    return any(needle in text for needle in needles)


def _syntax_error(text: str, exc: cst.ParserSyntaxError) -> tuple[str, int, int]:
    """Python's own message and position when it agrees the code is broken (clearer than libcst's)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as error:
        return (error.msg or "invalid syntax"), error.lineno or 1, error.offset or 1
    except (ValueError, RecursionError, MemoryError):
        pass
    lines = exc.message.strip().splitlines()
    return (lines[0] if lines else "invalid syntax"), exc.raw_line, exc.raw_column + 1


def source_lines(text: str) -> list[str]:
    """Lines as the parsers count them: `str.splitlines` also breaks at form feeds and other separators."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def covered_lines(lines: list[str], number: int) -> frozenset:
    """Lines an exemption comment on line `number` (1-based) covers: its own, the next, and the `def`/`class`
    line below a run of decorators, so a comment above `@app.post(...)` reaches the handler."""
    covered = {number, number + 1}
    index, depth = number - 1, 0
    if not lines[index].lstrip().startswith(("@", "#")):
        return frozenset(covered)
    index += 1 if lines[index].lstrip().startswith("#") else 0
    while index < len(lines) and index < number + 40:
        stripped = lines[index].lstrip()
        if depth == 0 and stripped.startswith(("def ", "async def ", "class ")):
            covered.add(index + 1)
            break
        if depth == 0 and stripped and not stripped.startswith(("@", "#")):
            break
        depth = max(0, depth + sum(stripped.count(c) for c in "([{") - sum(stripped.count(c) for c in ")]}"))
        index += 1
    return frozenset(covered)


def _comment_exemptions(text: str, shown: str) -> list[Exemption]:
    found: list[Exemption] = []
    if "replaylint:" not in text:
        return found
    lines = source_lines(text)
    for number, line in enumerate(lines, start=1):
        if "replaylint:" not in line or "#" not in line:
            continue
        match = COMMENT.search(line)
        if match is None or (match.group("verb") != "harm" and not match.group("rules")):
            near = _near_miss(line, shown, number)
            if near is not None:
                found.append(near)
                continue
        if match is None:
            continue
        column = match.start() + 1
        span = Span(shown, number, column, number, len(line) + 1)
        reason = (match.group("reason") or "").strip()
        verb = match.group("verb")
        if verb == "harm":
            level = (match.group("level") or "").lower()
            exemption = Exemption("harm", level, reason, span, ("lines", covered_lines(lines, number)),
                                  reason_hint=_reason_hint(f"harm={level}", line[match.end():]))
            if level not in ("none", "measurable", "high"):
                exemption.problems.append(f"replaylint: harm must be none, measurable or high, got {level!r}")
            found.append(exemption)
            continue
        selectors = [s.strip() for s in (match.group("rules") or "").split(",") if s.strip()]
        if not selectors:
            exemption = Exemption("allow", "", reason, span, ("file",) if verb == "allow-file" else ("lines", frozenset()))
            exemption.problems.append(f"replaylint: {verb} needs rules in brackets, e.g. {verb}[RPL201]")
            found.append(exemption)
            continue
        hint = _reason_hint(f"{verb}[{match.group('rules').strip()}]", line[match.end():])
        for selector in selectors:
            scope = ("file",) if verb == "allow-file" else ("lines", covered_lines(lines, number))
            found.append(Exemption("allow", selector, reason, span, scope, reason_hint=hint))
    return found


def _near_miss(line: str, shown: str, number: int) -> Exemption | None:
    """An allow comment written almost right (`ignore[RPL201] reason: cheap`): not applied, and its note says
    what was meant, since a silently ignored exemption looks like one that works."""
    near = NEAR_MISS.search(line)
    if near is None or near.group("verb").lower() == "harm":
        return None
    verb = "allow-file" if near.group("verb").lower().endswith("-file") else "allow"
    reason = _stray_reason(near.group("rest")) or REASON_PLACEHOLDER
    meant = f"# replaylint: {verb}[{near.group('rules').strip()}] -- {reason}"
    span = Span(shown, number, near.start() + 1, number, len(line) + 1)
    return Exemption("allow", "", "", span, ("lines", frozenset()),
                     problems=[f"replaylint does not read this exemption: did you mean `{meant}`?"])


def _reason_hint(directive: str, after: str) -> str:
    """RPL001's fix for a comment exemption with no reason, in Python's syntax: the comment with the reason
    after `--` (the words written after it in another way, such as `reason: cheap`, when there are some)."""
    stray = _stray_reason(after)
    if stray:
        return f"did you mean `# replaylint: {directive} -- {stray}`?"
    return f"write why repeating it is harmless after `--`: `# replaylint: {directive} -- {REASON_PLACEHOLDER}`"


def _stray_reason(after: str) -> str:
    """The reason written after an exemption's rules without `--` (`reason: cheap`, `because cheap`)."""
    match = STRAY_REASON.match(after)
    return match.group("reason") if match else ""


class _Positions:
    """Positions of reported nodes, computed once per file and only when something was reported."""

    def __init__(self, module: cst.Module):
        self.module = module
        self._map = None

    def of(self, node) -> tuple[tuple[int, int], tuple[int, int]]:
        if self._map is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self._map = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        code_range = self._map.get(node)
        if code_range is None:
            return (1, 1), (1, 1)
        return (code_range.start.line, code_range.start.column + 1), (code_range.end.line, code_range.end.column + 1)

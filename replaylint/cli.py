"""Command line: `replaylint check`, `replaylint audit`, `replaylint rules`, `replaylint rule CODE`.

Exit codes: 0 nothing at or above fail-on; 1 failing findings; 2 usage error, bad config, or an input that
could not be analysed. Nothing raised inside reaches the user as a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .model import Note

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CHECK_FORMATS = ("text", "full", "concise", "json", "sarif", "github", "junit", "gitlab")
MACHINE_FORMATS = ("json", "sarif", "junit", "gitlab")
AUDIT_FORMATS = ("markdown", "html", "json")  # problems go inside the report, not to stderr


class UsageError(Exception):
    pass


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, given its width as argparse would find it ($COLUMNS, else the terminal, else 80)
    without the `shutil` import it makes for that: 2 ms of every run, help shown or not."""

    def __init__(self, prog):
        try:
            columns = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (AttributeError, ValueError, OSError):
                columns = 0
        super().__init__(prog, width=(columns or 80) - 2)  # a terminal of no size (`script` in CI): 80


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # one line, not a usage dump
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="replaylint", description="Lint APIs for replayability: intent keys, read-back and "
                                                     "terminal states, in OpenAPI specs and Python code.")
    parser.add_argument("--version", action="version", version=f"replaylint {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = commands.add_parser("check", help="lint files and folders (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files and folders to lint, or `-` for stdin (default: .)")
    check.add_argument("--output-format", choices=CHECK_FORMATS, default=None,
                       help="default: $REPLAYLINT_OUTPUT_FORMAT, else text")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--select", type=_comma_list,
                       help="rules to run: codes, prefixes or names, comma-separated (default: the config's "
                            "select, else ALL)")
    check.add_argument("--extend-select", type=_comma_list, default=[],
                       help="rules to add to the selection (default: none)")
    check.add_argument("--ignore", type=_comma_list, default=[], help="rules to leave out (default: none)")
    check.add_argument("--fail-on", choices=("error", "warning", "info", "never"),
                       help="the lowest severity that fails the run (default: the config's fail-on, else warning)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail (2 still means an input was not analysed)")
    check.add_argument("--config", metavar="FILE",
                       help="use this config file for every file (default: the config file nearest to each file)")
    check.add_argument("--statistics", action="store_true",
                       help="print counts by rule and a total instead of findings (as JSON with --output-format json)")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes (RPL101, RPL202, RPL001), then report what is left")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: also the unsafe ones (RPL102; RPL202's split of a retried function)")
    check.add_argument("--diff", action="store_true", help="show the fixes as a diff and change nothing")
    check.add_argument("--show-exempted", action="store_true", help="also print exempted findings")
    check.add_argument("--validate", action="store_true", default=None,
                       help="also validate specs with openapi-spec-validator (slow on big specs)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text output (default: auto: on a terminal, unless NO_COLOR is set)")
    check.add_argument("--baseline", metavar="FILE",
                       help="report only findings that are not in this baseline (default: the config's baseline)")
    check.add_argument("--diff-base", metavar="REF",
                       help="report only findings that are new since this git ref (default: all findings)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write .replaylint_cache")
    check.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="worker processes (default: the number of cores)")
    check.add_argument("--allow-remote-refs", action="store_true", default=None,
                       help="fetch http(s) $refs (never done otherwise)")
    check.add_argument("--skip-unrecognised", action="store_true",
                       help="silently skip named files that are not OpenAPI or Python (for pre-commit)")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply exclude settings to files named on the command line too (for pre-commit)")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="with `-` as the path: lint stdin as the file PATH (its config and rules apply; it "
                            "need not exist). Default: stdin.py, or stdin.yaml/.json for a spec")
    check.add_argument("--sarif-output", metavar="FILE",
                       help="also write a SARIF report of every finding to FILE, before --baseline or --diff-base "
                            "narrow the report to new ones (code scanning does its own diffing)")
    check.add_argument("--show-settings", metavar="FILE",
                       help="print the config file, rules and harm policy that apply to FILE, and lint nothing")
    check.add_argument("--show-files", action="store_true",
                       help="print each file that would be linted and the config file that applies to it")

    baseline = commands.add_parser("baseline", help="record today's findings so only new ones are reported")
    baseline.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to record (default: .)")
    baseline.add_argument("-o", "--output", metavar="FILE", default=None,
                          help="baseline file to write (default: the configured baseline, or replaylint-baseline.json)")
    baseline.add_argument("--prune", action="store_true", help="only remove entries that no longer match")
    baseline.add_argument("--config", metavar="FILE",
                          help="use this config file instead of discovering one (default: discovered)")
    baseline.add_argument("--no-cache", action="store_true", help="do not read or write .replaylint_cache")

    audit = commands.add_parser("audit", help="report how replay-safe an API is: inventory, score, hotspots")
    audit.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to audit (default: .)")
    audit.add_argument("--format", "--output-format", dest="format", choices=AUDIT_FORMATS, default=None,
                       help="default: from the -o file's extension, else markdown")
    audit.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    audit.add_argument("--baseline", metavar="FILE", help="show the change since this baseline file (default: none)")
    audit.add_argument("--diff-base", metavar="REF", help="show the change since this git ref (default: none)")
    audit.add_argument("--min-score", type=float, metavar="N",
                       help="exit 1 when the overall score is below N (default: no gate)")
    audit.add_argument("--config", metavar="FILE",
                       help="use this config file instead of discovering one (default: discovered)")
    audit.add_argument("--no-cache", action="store_true", help="do not read or write .replaylint_cache")
    audit.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="worker processes (default: the number of cores)")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--output-format", choices=("text", "json", "markdown"), default="text",
                       help="default: text")
    rule = commands.add_parser("rule", help="explain one rule")
    rule.add_argument("rule", metavar="CODE|NAME", help="a rule's code (RPL101) or name")
    rule.add_argument("--output-format", choices=("text", "json"), default="text", help="default: text")
    commands.add_parser("server", help="run the language server on stdio (for editors; needs replaylint[server])")
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_ERROR
        return {"check": _check, "rules": _rules, "rule": _rule, "baseline": _baseline,
                "audit": _audit, "server": _server}[args.command](args)
    except UsageError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("replaylint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, never a traceback
        return _fail(f"internal error: {type(exc).__name__}: {exc} (please report this)")


def _server(args) -> int:
    try:
        from .server import main as serve
    except ImportError as exc:  # pygls is an optional dependency: the editor's log says what to install
        return _fail(f"the language server needs pygls ({exc.name} is not installed): "
                     "pip install 'replaylint[server]'")
    return serve()


def _fail(message: str) -> int:
    from .report.escape import terminal_safe

    print(f"replaylint: error: {terminal_safe(message)}", file=sys.stderr)
    return EXIT_ERROR


def _check(args) -> int:
    from .config import ConfigError, load_config
    from .engine import run
    from .registry import REGISTRY
    from .report import ReportContext, render
    from .report.escape import terminal_safe
    from .report.text import use_color

    if args.output_format is None:
        args.output_format = os.environ.get("REPLAYLINT_OUTPUT_FORMAT", "text")
        if args.output_format not in CHECK_FORMATS:
            return _fail(f"REPLAYLINT_OUTPUT_FORMAT: {args.output_format!r} is not one of {', '.join(CHECK_FORMATS)}")
    for option in ("select", "extend_select", "ignore"):
        for selector in getattr(args, option) or []:
            if not REGISTRY.matches(selector):
                return _fail(f"--{option.replace('_', '-')}: {selector!r} names no rule")
    if args.jobs < 1:
        return _fail("-j/--jobs: expected a number of processes of at least 1")
    if args.sarif_output == "-" and (args.output in (None, "-")):
        raise UsageError("--sarif-output -: the report goes to stdout already (give -o FILE or a file name)")
    if args.diff_base is not None and not args.diff_base.strip():
        return _fail("--diff-base: expected a git ref (a branch, tag or commit), got an empty value")
    texts = _stdin_input(args)
    try:  # the hierarchy gives a file read from stdin the config of the path it stands for
        config = _with_options(load_config(args.config), args)
    except ConfigError as exc:
        return _fail(str(exc))
    configs = _hierarchy(args, config, lambda found: _with_options(found, args))
    if args.show_settings is not None:
        try:
            return _show_settings(args.show_settings, config, configs, args)
        except ConfigError as exc:
            return _fail(str(exc))
    try:
        result = run(args.paths, config, select=args.select, ignore=args.ignore, use_cache=not args.no_cache,
                     skip_unrecognised=args.skip_unrecognised, force_exclude=args.force_exclude, jobs=args.jobs,
                     texts=texts, configs=configs)
    except ConfigError as exc:  # a service's config file below the working directory
        return _fail(str(exc))
    if args.show_files:
        return _show_files(result, config, configs)
    if args.sarif_output:  # code scanning does its own diffing: every finding, before a baseline narrows them
        _write(render("sarif", result, ReportContext()), args.sarif_output)
    baseline_file = args.baseline or _configured_baseline(config)
    if baseline_file:
        from .baseline import BaselineError, apply_baseline, read_baseline
        from .fingerprint import project_root

        try:
            root = project_root()
            match = apply_baseline(result.findings, read_baseline(baseline_file), root, _covered(result, root))
        except BaselineError as exc:
            return _fail(str(exc))
        result.findings = match.kept
        if match.matched:  # a clean report should not read as a clean project
            result.notes.append(Note(baseline_file, f"{match.matched} finding{'s are' if match.matched != 1 else ' is'}"
                                     " in the baseline (not reported)"))
        if match.stale:
            result.notes.append(Note(baseline_file, f"{len(match.stale)} baseline entr"
                                     f"{'y no longer matches' if len(match.stale) == 1 else 'ies no longer match'}"
                                     f" (remove with `replaylint baseline --prune -o {baseline_file}`)"))
    if args.diff_base:
        from .baseline import apply_baseline
        from .diffbase import DiffBaseError, base_keys
        from .fingerprint import project_root

        try:
            keys = base_keys(args.diff_base, args.paths, config, select=args.select, ignore=args.ignore,
                             configs=configs)
        except DiffBaseError as exc:
            return _fail(str(exc))
        result.findings = apply_baseline(result.findings, keys, project_root()).kept

    if args.fix or args.diff:
        outcome = _apply_fixes(args, result)
        if outcome is not None:
            return outcome

    to_file = bool(args.output)
    color = args.color == "always" or (args.color == "auto" and not to_file and use_color())
    context = ReportContext(color=color and args.output_format in ("text", "full", "concise"),
                            show_exempted=args.show_exempted, fail_on=config.fail_on)
    report = _statistics(args.output_format, result, context) if args.statistics else \
        render(args.output_format, result, context)
    _write(report, args.output)
    if not result.files_analysed and not result.problems and not args.skip_unrecognised:
        shown = ", ".join(terminal_safe(path) for path in args.paths) or "."  # a wrong CI path must not pass silently
        print(f"replaylint: warning: no OpenAPI spec or Python file found to lint in {shown}", file=sys.stderr)
    if args.output_format not in MACHINE_FORMATS or args.output:
        for problem in result.problems:
            where = f":{problem.line}:{problem.column or 1}" if problem.line else ""
            print(f"{terminal_safe(problem.path)}{where}: {terminal_safe(problem.message)}", file=sys.stderr)
        for note in result.notes:
            where = f":{note.line}" if note.line else ""
            print(f"{terminal_safe(note.path)}{where}: note: {terminal_safe(note.message)}", file=sys.stderr)
    return exit_code(result, config.fail_on, args.exit_zero)


def _hierarchy(args, config, adjust):
    """The config finder of a run (each file takes its nearest config file, adjusted by `adjust`), or None
    when `--config` names one file for everything."""
    from .hierarchy import ConfigFinder

    return None if args.config else ConfigFinder(config, adjust=adjust)


def _with_inventory(config):
    """`audit` and `baseline` record each operation's replay shape, under every config of the hierarchy."""
    config.inventory = True
    return config


def _with_options(config, args):
    """The command line's options on top of a config file's settings (for every config of the hierarchy)."""
    if args.fail_on:
        config.fail_on = args.fail_on
    if args.validate is not None:
        config.validate = args.validate
    if args.allow_remote_refs is not None:
        config.allow_remote_refs = args.allow_remote_refs
    config.extend_select = [*config.extend_select, *args.extend_select]
    return config


STDIN_NAMES = {"spec": "stdin.yaml", "json": "stdin.json", "python": "stdin.py"}


def _stdin_input(args) -> dict[str, str] | None:
    """`check -`: the text on stdin, linted as the file `--stdin-filename` names (its config, its rules, its
    path in the report; it need not exist). Without a name, a spec or a Python file by its content."""
    if "-" not in args.paths:
        if args.stdin_filename:
            raise UsageError("--stdin-filename: only with `-` as the path (read the file from stdin)")
        return None
    if args.paths != ["-"]:
        raise UsageError("`-` (stdin) must be the only path")
    if args.fix or args.diff:
        raise UsageError("--fix and --diff work on files, not on stdin")
    data = sys.stdin.buffer.read() if sys.stdin is not None else b""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    name = args.stdin_filename or _stdin_name(text)
    args.paths = [name]
    return {os.path.abspath(name): text}


def _stdin_name(text: str) -> str:
    from .discovery import text_looks_like_spec

    sample = text.encode("utf-8")
    if text.lstrip().startswith("{") and text_looks_like_spec(sample, is_json=True):
        return STDIN_NAMES["json"]
    return STDIN_NAMES["spec"] if text_looks_like_spec(sample, is_json=False) else STDIN_NAMES["python"]


def _show_settings(path: str, config, configs, args) -> int:
    """`--show-settings FILE`: the config file, harm policy and rules that apply to FILE (Ruff's flag)."""
    from .engine import enabled_rules

    roots = _roots_of_fragment(path, config)  # a fragment is linted through its spec, under the spec's config
    settings = configs.config_for(roots[0] if roots else path) if configs is not None else config
    codes = [rule.code for rule in enabled_rules(settings, args.select, args.ignore)]
    harm = [f"{p.level}: {p.pattern}" + (f" -- {p.reason}" if p.reason else "") for p in settings.harm_patterns]
    lines = [
        f"file: {path}" + (f" (a $ref'd fragment, linted through {', '.join(roots)})" if roots else ""),
        f"config: {settings.source or '(none: defaults)'}",
        f"root: {settings.root}",
        f"rules: {', '.join(codes)}",
        f"fail-on: {settings.fail_on}",
        f"baseline: {settings.baseline or '(none)'}",
        f"harm default: {settings.harm_default}",
        f"harm patterns: {'; '.join(harm) if harm else '(none)'}",
        f"per-file-ignores: {settings.per_file_ignores or '(none)'}",
        f"exclude: {', '.join([*settings.exclude, *settings.extend_exclude])}",
        f"key headers: {', '.join(settings.key_headers) or '(built-in)'}",
        f"key fields: {', '.join(settings.key_fields) or '(built-in)'}",
        f"states: {settings.states or '(built-in)'}",
        f"severity: {settings.severity or '(as each rule says)'}",
        f"deprecated: {settings.deprecated}",
    ]
    from .report.escape import terminal_safe

    _write("".join(terminal_safe(line) + "\n" for line in lines), args.output)
    return EXIT_CLEAN


def _roots_of_fragment(path: str, config) -> list[str]:
    """The specs that `$ref` `path` when it is a YAML/JSON file that is no spec itself."""
    from .discovery import SPEC_SUFFIXES, Ignorer, looks_like_spec

    if not path.lower().endswith(SPEC_SUFFIXES) or not os.path.isfile(path) or looks_like_spec(path):
        return []
    from .fragments import RootFinder

    return RootFinder(Ignorer(config)).roots_of(path)


def _show_files(result, config, configs) -> int:
    """`--show-files`: each file the run analysed and the config file that applied to it."""
    from .report.escape import terminal_safe

    lines = []
    for path in sorted(result.analysed):
        settings = configs.config_for(path) if configs is not None else config
        lines.append(f"{terminal_safe(path)}  ({terminal_safe(settings.source or 'defaults')})")
    _write("\n".join(lines) + ("\n" if lines else ""), None)
    for problem in result.problems:
        print(f"{terminal_safe(problem.path)}: {terminal_safe(problem.message)}", file=sys.stderr)
    return EXIT_ERROR if result.problems else EXIT_CLEAN


def _statistics(fmt: str, result, context) -> str:
    from .report.statistics import render_json, render_text

    return render_json(result, context) if fmt == "json" else render_text(result, context)  # as Ruff


def _apply_fixes(args, result) -> int | None:
    """`--diff`: print what the safe fixes would change and exit (1 when there is something to change).
    `--fix`: write them, then check again and report what is left (None: go on and report)."""
    from .atomic import write_atomically
    from .fixes import fixed_texts, unified_diff

    changes = fixed_texts(result.findings, unsafe=args.unsafe_fixes)
    if args.diff:
        for path, (before, after, _) in changes.items():
            sys.stdout.write(unified_diff(path, before, after))
        count = sum(n for _, _, n in changes.values())
        print(f"Would fix {count} finding{'s' if count != 1 else ''} in {len(changes)} "
              f"file{'s' if len(changes) != 1 else ''}.", file=sys.stderr)
        return 1 if changes else 0
    for path, (_, after, _) in changes.items():
        write_atomically(path, after)
    if not changes:
        return None
    count = sum(n for _, _, n in changes.values())
    print(f"Fixed {count} finding{'s' if count != 1 else ''} in {len(changes)} file"
          f"{'s' if len(changes) != 1 else ''}.", file=sys.stderr)
    args.fix = False
    return _check(args)


def _audit(args) -> int:
    """`replaylint audit`: the same discovery, config, policy, exemptions and cache as `check`, reported as
    an inventory and a score (replaylint/audit)."""
    from .config import ConfigError, load_config
    from .engine import run
    from .fingerprint import project_root
    from .report.escape import terminal_safe

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(str(exc))
    if args.baseline and args.diff_base:
        return _fail("--baseline and --diff-base: give one of them")
    if args.jobs < 1:
        return _fail("-j/--jobs: expected a number of processes of at least 1")
    if args.min_score is not None and not 0 <= args.min_score <= 100:
        return _fail("--min-score: expected a number from 0 to 100")
    fmt = args.format or {"html": "html", "htm": "html", "json": "json"}.get(
        (args.output or "").rsplit(".", 1)[-1].lower(), "markdown")
    config.inventory = True
    configs = _hierarchy(args, config, _with_inventory)
    try:
        result = run(args.paths, config, use_cache=not args.no_cache, jobs=args.jobs, configs=configs)
    except ConfigError as exc:  # a service's config file below the working directory
        return _fail(str(exc))
    root = project_root()
    from .audit.data import audit_data
    from .audit.score import before_from_baseline, before_from_ref, build_audit

    before = None
    if args.baseline:
        from .baseline import BaselineError, read_baseline_document

        try:
            before = before_from_baseline(args.baseline, *read_baseline_document(args.baseline))
        except BaselineError as exc:
            return _fail(str(exc))
    elif args.diff_base:
        from .diffbase import DiffBaseError, base_state

        try:
            _, findings, operations = base_state(args.diff_base, args.paths, config, inventory=True,
                                                 configs=configs)
        except DiffBaseError as exc:
            return _fail(str(exc))
        before = before_from_ref(args.diff_base, findings, operations)
    data = audit_data(build_audit(result, root, before))
    if fmt == "json":
        report = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from .report import ReportContext
        from .report.audit_html import render_audit_html

        report = render_audit_html(data, ReportContext().source_line)
    else:
        from .report.audit_markdown import render_audit_markdown

        report = render_audit_markdown(data)
    _write(report, args.output)
    for problem in result.problems:
        where = f":{problem.line}" if problem.line else ""
        print(f"{terminal_safe(problem.path)}{where}: {terminal_safe(problem.message)}", file=sys.stderr)
    if result.problems:
        return EXIT_ERROR
    overall = data["overall"]["score"]
    if args.min_score is not None and overall is None:
        print("replaylint: --min-score: nothing to score (no mutating operation of measurable or high harm"
              " was found), so the gate cannot pass", file=sys.stderr)
        return EXIT_ERROR
    if args.min_score is not None and overall < args.min_score:
        print(f"replaylint: score {overall:.1f} is below --min-score {args.min_score:g}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _baseline(args) -> int:
    from .baseline import BaselineError, apply_baseline, file_judged, judged, write_baseline
    from .config import ConfigError, load_config
    from .engine import run
    from .fingerprint import project_root, relative_path

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(str(exc))
    output = args.output or _configured_baseline(config) or "replaylint-baseline.json"
    if output == "-":
        return _fail("baseline -o -: a baseline is a file (give its name)")
    config.inventory = True  # the operations of the day, so `audit --baseline` can tell new ones from clean ones
    try:
        result = run(args.paths, config, use_cache=not args.no_cache,
                     configs=_hierarchy(args, config, _with_inventory))
    except ConfigError as exc:
        return _fail(str(exc))
    root = project_root()
    covered = _covered(result, root)
    try:
        existing, old_operations = _previous_baseline(output, strict=args.prune)
        others = [key for key in existing if not judged(key, covered, root)]  # files this run did not analyse
        operations = {(relative_path(e["file"], root), e["anchor"]) for e in result.inventory} | \
            {(file, anchor) for file, anchor in old_operations or () if not file_judged(file, covered, root)}
        if args.prune:
            match = apply_baseline(result.findings, existing, root, covered)
            count = write_baseline(output, result.findings, root, keep_only=match.matched_keys, others=others,
                                   operations=operations)
            print(f"{output}: removed {len(match.stale)} stale entr{'y' if len(match.stale) == 1 else 'ies'}, "
                  f"{count} kept")
        else:
            count = write_baseline(output, result.findings, root, others=others, operations=operations) - \
                len(set(others))
            print(f"{output}: recorded {count} finding{'s' if count != 1 else ''}"
                  f"{f' (and kept {len(set(others))} of files not analysed now)' if others else ''}")
    except BaselineError as exc:
        return _fail(str(exc))
    from .report.escape import terminal_safe

    for problem in result.problems:
        print(f"{terminal_safe(problem.path)}: {terminal_safe(problem.message)}", file=sys.stderr)
    return EXIT_ERROR if result.problems else EXIT_CLEAN


def _previous_baseline(path: str, strict: bool) -> tuple[list[str], set | None]:
    """The entries and operations of the baseline a new one replaces; none when there is none, or (unless
    `strict`: `--prune` needs one) it is not one: a new baseline may always overwrite a broken file."""
    from .baseline import BaselineError, baseline_keys, read_baseline_document

    try:
        entries, operations = read_baseline_document(path)
    except BaselineError:
        if strict:
            raise
        return [], None
    return baseline_keys(entries), operations


def _covered(result, root) -> set[str]:
    """The root-relative files a run analysed: only their baseline entries can be judged stale."""
    from .fingerprint import relative_path

    return {relative_path(path, root) for path in result.covered}


def exit_code(result, fail_on: str, exit_zero: bool = False) -> int:
    """2 when an input could not be analysed, whatever else (as Ruff's --exit-zero still exits 2 on errors):
    an advisory job must still learn that the tool could not do its job."""
    if result.problems:
        return EXIT_ERROR
    if exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(result.fails(f, fail_on) for f in result.findings) else EXIT_CLEAN


def _configured_baseline(config) -> str | None:
    """The config's `baseline`, relative to the folder of the config file that names it (as shown: relative
    to the working directory when below it)."""
    if not config.baseline:
        return None
    from .engine import display_path

    return display_path(os.path.join(config.root, config.baseline))


def _write(text: str, output: str | None) -> None:
    """Write to stdout (no file, or `-`), or atomically to a file, making its folder (an interrupted run
    leaves no half-written report)."""
    if not output or output == "-":
        _require_stdout()
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from .atomic import write_atomically

    try:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        write_atomically(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _require_stdout() -> None:
    if sys.stdout is None:
        raise UsageError("cannot write: standard output is closed (`check` can write to a file with --output)")


def _rules(args) -> int:
    from .registry import REGISTRY

    _require_stdout()

    if args.output_format == "json":
        print(json.dumps([_rule_dict(rule) for rule in REGISTRY], indent=2))
        return EXIT_CLEAN
    if args.output_format == "markdown":
        from .report.docs import catalog_markdown

        sys.stdout.write(catalog_markdown(list(REGISTRY)))
        return EXIT_CLEAN
    for rule in REGISTRY:
        print(f"{rule.code}  {rule.name:<36} {rule.severity:<8} {('fix: ' + rule.fixable) if rule.fixable else '':<12}"
              f"{rule.summary}")
    return EXIT_CLEAN


def _rule(args) -> int:
    from .registry import REGISTRY
    from .rule import SECTION_TITLES, _dedent

    rule = REGISTRY.get(args.rule)
    if rule is None:
        return _fail(f"no rule named {args.rule!r}; `replaylint rules` lists them")
    _require_stdout()
    if args.output_format == "json":
        print(json.dumps(_rule_dict(rule), indent=2))
        return EXIT_CLEAN
    docs = rule.docs()
    print(f"{rule.code} {rule.name} ({rule.severity})\n\n{rule.summary}\n")
    if rule.fixable:
        print(f"Fix: {rule.fixable} ({FIX_COMMANDS[rule.fixable]})\n")
    for section in ("what", "why", "bad", "fix", "good", "exempt", "references"):
        print(f"## {SECTION_TITLES[section]}")
        if section in ("bad", "good"):
            examples = getattr(rule, section)
            print(_indent(_dedent(examples[0].text)) if examples else "(none)")
        else:
            print(docs[section])
        print()
    return EXIT_CLEAN


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


FIX_COMMANDS = {"safe": "`replaylint check --fix`", "unsafe": "`replaylint check --fix --unsafe-fixes`"}


def _rule_dict(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "fix": rule.fixable or None,
        "summary": rule.summary,
        **rule.docs(),
        "bad_examples": [example.text.strip("\n") for example in rule.bad],
        "good_examples": [example.text.strip("\n") for example in rule.good],
    }

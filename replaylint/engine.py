"""The run: load -> analyse -> filter -> (report). Each input file is analysed independently (and cached by
content), so the analysis can run in worker processes."""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache import Cache, FileStates, Listings, digest
from .config import Config, relative_to_root
from .discovery import discover
from .documents import DocumentError, MultiDocumentError, parse_document, read_text
from .filtering import apply_filters
from .fingerprint import project_root as key_root  # the root of semantic keys and module names
from .model import SEVERITY_RANK, FileResult, Finding, Note, Problem
from .openapi.analyse import analyse_spec
from .openapi.model import spec_version, why_not_a_spec
from .openapi.refs import MAX_FILE_BYTES
from .registry import REGISTRY

ROOT_MARKERS = (".git", "pyproject.toml", "replaylint.toml", ".replaylint.yaml", ".replaylint.yml")
MAX_READ_BYTES = 8 * 1024 * 1024  # Python files above the analysis cap are still read to be named


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files_analysed: int = 0
    analysed: list[str] = field(default_factory=list)  # the input files analysed, as shown (for JUnit's passing cases)
    covered: set[str] = field(default_factory=set)  # files analysed, and the files their `$ref`s read
    inventory: list = field(default_factory=list)  # the audit's operations (when config.inventory is on)
    exemptions: list = field(default_factory=list)  # (file, Exemption) after the filter stage marked them used
    crosscheck: dict = field(default_factory=dict)  # the APIs whose spec and code were matched, and how many
    fail_on: dict[str, str] = field(default_factory=dict)  # file -> its config's fail-on, where a nested config set it

    def fails(self, finding: Finding, fail_on: str) -> bool:
        """Whether `finding` fails the run: not exempted, and at or above the fail-on of the config that
        applied to its file (`fail_on`, the run's, where no nested config did)."""
        level = self.fail_on.get(finding.path, fail_on)
        return not finding.exempted and level != "never" and SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[level]


def display_path(path: str, cwd: str | None = None) -> str:
    """Paths as the user should see them: relative to the working directory (`cwd` when the caller knows it)
    when below it."""
    cwd = cwd or os.getcwd()
    absolute = os.path.normpath(os.path.join(cwd, path))
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return absolute[len(prefix):] if absolute.startswith(prefix) else absolute


def ref_root(path: str) -> Path:
    """The folder `$ref`s may not leave: the repository holding the file (so a monorepo's services can share
    specs), else the nearest folder with a project or config file, else the working directory."""
    start = Path(os.path.abspath(path)).parent
    for markers in ((".git",), ROOT_MARKERS):
        for directory in [start, *start.parents]:
            if any((directory / marker).exists() for marker in markers):
                return directory
    cwd = Path.cwd()
    return cwd if start.is_relative_to(cwd) else start


def enabled_rules(config: Config, select=None, ignore=None) -> list:
    codes = REGISTRY.selected(select or config.select, config.extend_select, [*config.ignore, *(ignore or [])])
    return [rule for rule in REGISTRY if rule.code in codes]


def _not_analysed(shown: str, exc: DocumentError) -> FileResult:
    return FileResult(shown, problems=[Problem(shown, f"not analysed: {exc.message}", exc.line, exc.column)],
                      analysed=False)


@contextmanager
def gc_paused():
    """The cyclic collector off while one spec is parsed and analysed: a big spec is millions of acyclic
    containers, and collections triggered by allocating them would walk the whole tree again and again
    (a tenth of the run on the GitHub spec). Cycles made meanwhile are collected once it is back on. The switch
    is process-wide: used as a library, other threads run without the collector for that long too."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyse_spec_file(path: str, text: str, config: Config, rules, explicit: bool = True,
                      named_only: bool = False):
    """Analyse one spec file; every failure becomes a Problem naming the file. None: not a spec after all.
    `named_only`: met while walking, a spec by its name alone (`openapi.yaml`): if it is not one (a Helm
    template, a swagger-ui config), a note says so, and the run does not fail for it."""
    with gc_paused():
        result = _analyse_spec_file(path, text, config, rules, explicit or named_only)
    if named_only and result is not None and not result.analysed:
        return FileResult(result.path, notes=[Note(p.path, p.message.replace(
            "not analysed: ", "not analysed (a spec by its name only): ", 1), p.line, p.column)
            for p in result.problems], analysed=False)
    return result


def _analyse_spec_file(path: str, text: str, config: Config, rules, explicit: bool):
    shown = display_path(path)
    absolute = os.path.abspath(path)
    try:
        doc = parse_document(absolute, text)
    except MultiDocumentError as exc:
        return _not_analysed(shown, DocumentError(f"not an OpenAPI document: {exc.message}")) if explicit else None
    except DocumentError as exc:
        return _not_analysed(shown, exc)
    if spec_version(doc.data) is None:
        if not explicit:
            return None  # a YAML/JSON file met while walking that is not a spec: not an input
        return FileResult(shown, problems=[Problem(shown, f"not analysed: not an OpenAPI document "
                                                          f"({why_not_a_spec(doc.data)})")], analysed=False)
    spec_rules = [rule for rule in rules if rule.target == "openapi"]
    result = analyse_spec(doc, config, spec_rules, ref_root(path), display_path)
    if config.validate:
        from .openapi.validate import validation_notes

        result.notes.extend(validation_notes(doc, shown))
    return result


def analyse_python_file(path: str, text: str, config: Config, rules, facts, index=None):
    from .python.analyse import analyse_python  # libcst and the Python analysis load only for Python inputs

    return analyse_python(path, text, config, rules, facts, display_path(path), module_name(path, config), index)


def module_name(path: str, config: Config) -> str:
    """Dotted module name from the path below the repository root, so anchors (and baselines and harm
    patterns on qualified names) do not depend on the working directory."""
    from .python.model import module_name_for

    return module_name_for(relative_to_root(path, key_root(Path(config.root))))


def _guarded(analyse, path, *args):
    """A bug or a resource limit hit while analysing one file is reported for that file; the run goes on."""
    try:
        return analyse(path, *args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except RecursionError:
        message = "not analysed: nested too deeply to analyse"
    except MemoryError:
        message = "not analysed: out of memory while analysing"
    except Exception as exc:  # noqa: BLE001 - the error model: name the file, never a traceback
        message = f"not analysed: internal error: {type(exc).__name__}: {exc} (please report this)"
    shown = display_path(path)
    return FileResult(shown, problems=[Problem(shown, message)], analysed=False)


def _project_facts(paths: list[str], files, config: Config):
    """Middleware and key models found across the Python inputs (None when there are none)."""
    if not paths:
        return None
    from .python.handlers import ProjectFacts

    texts, packages = {}, set()
    for path in paths:
        if path in files.digests and files.fact_source[path] and (text := files.text(path)) is not None:
            texts[name := module_name(path, config)] = text
            if os.path.basename(path) == "__init__.py":
                packages.add(name)
    return ProjectFacts.from_texts(texts, frozenset(packages))


def _fact_paths(python: list[str], files, states) -> list[str]:
    """The Python inputs, and the project's other fact sources that earlier runs recorded and that still
    exist (a pre-commit run on one view still knows the `urls.py` that routes it); sorted, so the facts'
    fingerprint does not depend on the order of the inputs."""
    if not python or states is None:
        return python
    given = {os.path.abspath(path) for path in python}
    others = [path for path in states.fact_sources() if os.path.abspath(path) not in given]
    files.prepare(others, MAX_READ_BYTES, facts=True)  # not inputs: one that is gone is not a problem
    return sorted({*python, *(path for path in others if path in files.digests and files.fact_source[path])})


def _facts_fingerprint(paths: list[str], files, config: Config, states):
    """(facts or None, their fingerprint) for the Python cache key. A warm run whose fact files are unchanged
    reuses the fingerprint the last run found for them, and the facts themselves wait until a file is
    analysed."""
    if states is None:
        facts = _project_facts(paths, files, config)
        return facts, facts.fingerprint() if facts else ""
    sources = digest("\n".join(f"{path}\0{files.digests[path]}" for path in paths
                                if path in files.digests and files.fact_source[path]))
    known = states.facts_fingerprint(sources)
    if known is not None:
        return None, known
    facts = _project_facts(paths, files, config)
    fingerprint = facts.fingerprint() if facts else ""
    states.remember_facts(sources, fingerprint)
    return facts, fingerprint


def _may_hold_facts(text: str) -> bool:
    """Middleware and key models name a key, route tables call a registration, models with unique fields say
    `unique`, serializers name their model, refusals of a repeat say so: other texts hold no fact."""
    from .python.handlers import may_refuse, registers_routes  # only runs for Python inputs
    from .python.sources import mentions_key_name
    from .python.unique_models import SERIALIZER_HINT, UNIQUE_HINT

    return mentions_key_name(text) or registers_routes(text) or \
        ("nique" in text and bool(UNIQUE_HINT.search(text))) or \
        ("model" in text and bool(SERIALIZER_HINT.search(text))) or may_refuse(text)


class _Files:
    """The inputs' contents: read once, and on a warm run not at all when size and mtime say unchanged."""

    def __init__(self, states: FileStates | None, texts: dict[str, str] | None = None):
        self.states = states
        self.overrides = texts or {}  # absolute path -> text (an editor's buffer)
        self.digests: dict[str, str] = {}
        self.fact_source: dict[str, bool] = {}
        self._texts: dict[str, str | None] = {}
        self._limits: dict[str, int] = {}

    def prepare(self, paths: list[str], max_bytes: int, facts: bool) -> list[FileResult]:
        failed = []
        for path in paths:
            self._limits[path] = max_bytes
            stat = None
            override = self.overrides.get(os.path.abspath(path))
            if override is not None:  # the cache is keyed by content: a buffer equal to a known text hits it
                self._texts[path] = override
                self.digests[path] = digest(override)
                self.fact_source[path] = facts and _may_hold_facts(override)
                continue
            if self.states is not None:
                try:
                    stat = os.stat(path)
                except OSError:
                    stat = None
                known = self.states.lookup(path, stat) if stat is not None else None
                if known is not None:
                    self.digests[path], self.fact_source[path] = known
                    continue
            try:
                text = read_text(os.path.abspath(path), max_bytes)
            except DocumentError as exc:
                failed.append(_not_analysed(display_path(path), exc))
                continue
            self._texts[path] = text
            self.digests[path] = digest(text) if self.states is not None else ""
            self.fact_source[path] = facts and _may_hold_facts(text)
            if self.states is not None and stat is not None:
                self.states.record(path, stat, self.digests[path], self.fact_source[path])
        return failed

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            try:
                self._texts[path] = read_text(os.path.abspath(path), self._limits.get(path, MAX_READ_BYTES))
            except DocumentError:
                self._texts[path] = None
        return self._texts[path]

    def failure(self, path: str) -> FileResult:
        try:
            read_text(os.path.abspath(path), self._limits.get(path, MAX_READ_BYTES))
            message = DocumentError("cannot read file")
        except DocumentError as exc:
            message = exc
        return _not_analysed(display_path(path), message)


PARALLEL_MIN_FILES = 24  # below this, starting worker processes costs more than it saves
_WORKER: dict = {}  # per-process state of the analysis workers (set by _start_worker)


def _start_worker(config: Config, codes: list[str], facts, use_cache: bool = False) -> None:
    rules = [REGISTRY.rules[code] for code in codes]
    _WORKER.update(config=config, rules=rules, python_rules=[r for r in rules if r.target == "python"], facts=facts,
                   use_cache=use_cache, index=None)


def project_index(config: Config, use_cache: bool):
    """This process's project index (module summaries on demand), persisted in the cache when it is on.
    REPLAYLINT_NO_INDEX=1 turns it off, so the benchmark can show what it costs."""
    from .python.index import ProjectIndex, SummaryStore

    if os.environ.get("REPLAYLINT_NO_INDEX") == "1":
        return None
    root = key_root(Path(config.root))
    return ProjectIndex(str(root), config, SummaryStore(config.root) if use_cache else None)


def _analyse_task(task) -> FileResult | None:
    """One input, in whichever process runs it: ("spec", path, text, explicit) or ("python", path, text)."""
    kind, path, text, *explicit = task
    w = _WORKER
    if kind == "spec":
        return _guarded(analyse_spec_file, path, text, w["config"], w["rules"], *explicit)
    if w["index"] is None:  # made on the first Python input: spec-only runs never load the Python analysis
        w["index"] = project_index(w["config"], w["use_cache"])
    return _guarded(analyse_python_file, path, text, w["config"], w["python_rules"], w["facts"], w["index"])


def _analyse_all(tasks: list, config: Config, rules, facts, jobs: int, use_cache: bool = False) -> list:
    """Every task's result, in task order (so output never depends on scheduling), in `jobs` processes."""
    setup = (config, [rule.code for rule in rules], facts, use_cache)
    if jobs <= 1 or len(tasks) < PARALLEL_MIN_FILES:
        _start_worker(*setup)
        return [_analyse_task(task) for task in tasks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=setup) as pool:
        return list(pool.map(_analyse_task, tasks, chunksize=max(1, len(tasks) // (jobs * 8))))


def _cacheable(result: FileResult | None) -> bool:
    """Broken or remote `$ref`s are looked at again next time; files that were not analysed too."""
    return result is not None and result.analysed and not result.problems and \
        not any("://" in dependency for dependency in result.dependencies)


def run(paths: list[str], config: Config, select=None, ignore=None, use_cache: bool = False,
        skip_unrecognised: bool = False, force_exclude: bool = False, jobs: int = 1,
        texts: dict[str, str] | None = None, configs=None) -> RunResult:
    """Load, analyse, filter. `texts` maps absolute paths to the text to analyse instead of what is on disk
    (an editor's unsaved buffer), also where they are read as a `$ref` target or a helper module; the cache
    knows them by their content, as it knows every file. `configs` (a hierarchy.ConfigFinder): each input is
    analysed with the config file nearest to it; without it `config` applies to every input."""
    from .documents import editor_buffers

    with editor_buffers({os.path.abspath(path): text for path, text in (texts or {}).items()}):
        options = (select, ignore, use_cache, jobs, texts)
        listings = Listings(config.root) if use_cache else None
        # a service's config may turn Python rules on that the top one leaves off (unless --select decides)
        want_python = _wants_python(config, select, ignore) or (configs is not None and select is None)
        inputs = discover(paths or ["."], config, want_python=want_python,
                          skip_unrecognised=skip_unrecognised, force_exclude=force_exclude, listings=listings)
        groups = None
        if configs is not None:
            from .hierarchy import group_inputs

            groups = group_inputs(inputs.specs, inputs.python, config, configs)
        result = _run(inputs, config, *options) if groups is None or len(groups) == 1 else \
            _run_groups(groups, inputs, paths, options, force_exclude, config)
        if listings is not None:
            listings.save()
        return result


def _wants_python(config: Config, select=None, ignore=None) -> bool:
    return any(rule.target in ("python", "project") for rule in enabled_rules(config, select, ignore))


def _run_groups(groups, inputs, paths: list[str], options, force_exclude: bool, top: Config) -> RunResult:
    """One analysis per config of the hierarchy, cross-checked together under the top config (a spec at the
    root and a service's code are still matched), each filtered by its own config. A walked file its own
    config excludes is left out; a named one too with `force_exclude` (pre-commit), as in a single run."""
    from .discovery import Ignorer, Inputs

    named = {os.path.realpath(path) for path in paths}
    parts = []
    for group in groups:
        ignorer = Ignorer(group.config)
        kept = set()
        for path in [*group.specs, *group.python]:
            real = os.path.realpath(path)
            if (real in named and not force_exclude) or not ignorer.excluded_with_parents(real):
                kept.add(path)
        specs = [p for p in group.specs if p in kept]
        subset = Inputs(specs=specs, python=[p for p in group.python if p in kept],
                        explicit=inputs.explicit & set(specs), named_only=inputs.named_only & set(specs))
        if subset.specs or subset.python:
            parts.append(_analyse(subset, group.config, *options))
    out = _finish(parts, top, [rule for rule in enabled_rules(top, *options[:2]) if rule.target == "project"],
                  inputs)
    out.problems = sorted([*inputs.problems, *out.problems], key=Problem.sort_key)
    return out


@dataclass
class _Part:
    """The analysis of the inputs under one config, before the cross-check and the filter stage."""

    out: RunResult
    results: list
    config: Config
    rules: list


def _run(inputs, config, select, ignore, use_cache, jobs, texts) -> RunResult:
    part = _analyse(inputs, config, select, ignore, use_cache, jobs, texts)
    return _finish([part], part.config, [rule for rule in part.rules if rule.target == "project"], inputs)


def _analyse(inputs, config, select, ignore, use_cache, jobs, texts) -> _Part:
    rules = enabled_rules(config, select, ignore)
    project_rules = [rule for rule in rules if rule.target == "project"]
    if config.crosscheck and not project_rules:
        config = replace(config, crosscheck=False)  # route summaries only for a cross-check
    if not any(rule.target in ("python", "project") for rule in rules):
        inputs.python = []
    out = RunResult(problems=list(inputs.problems))
    states = FileStates(config.root) if use_cache else None
    files = _Files(states, texts)
    failed = files.prepare(inputs.specs, MAX_FILE_BYTES, facts=False) + \
        files.prepare(inputs.python, MAX_READ_BYTES, facts=True)
    if config.crosscheck and inputs.python and inputs.specs:
        from .crosscheck.routes import spec_named_modules

        config = replace(config, spec_handlers=spec_named_modules(inputs.specs, files.text))
    fact_paths = _fact_paths(inputs.python, files, states)
    facts, facts_fingerprint = _facts_fingerprint(fact_paths, files, config, states)
    tasks = [("spec", path, None, path in inputs.explicit, path in inputs.named_only) for path in inputs.specs
             if path in files.digests]
    tasks += [("python", path, None) for path in inputs.python if path in files.digests]
    caches = {"spec": Cache(config.root, config, rules), "python": Cache(config.root, config, rules,
                                                                        extra=facts_fingerprint)} \
        if use_cache else {}
    results: list = [None] * len(tasks)
    keys: list = [None] * len(tasks)
    pending = []
    cwd = os.getcwd()
    for index, task in enumerate(tasks):
        cache = caches.get(task[0])
        if cache is not None:
            keys[index] = cache.key(task[0], display_path(task[1], cwd), files.digests[task[1]])
            results[index] = cache.load(keys[index])
        if results[index] is None:
            text = files.text(task[1])
            if text is None:  # unreadable since the last run
                results[index] = files.failure(task[1])
            else:
                tasks[index] = (task[0], task[1], text, *task[3:])
                pending.append(index)
    if facts is None and any(tasks[index][0] == "python" for index in pending):
        facts = _project_facts(fact_paths, files, config)
    summaries = {}
    for index, result in zip(pending, _analyse_all([tasks[i] for i in pending], config, rules, facts, jobs,
                                                   use_cache)):
        results[index] = result
        if result is not None:
            summaries.update(result.summaries)
        if use_cache and _cacheable(result):
            caches[tasks[index][0]].store(keys[index], result, result.dependencies)
    for cache in caches.values():
        cache.flush()
    if use_cache and summaries:
        from .python.index import SummaryStore

        store = SummaryStore(config.root)
        store.add(summaries)
        store.save()
    if states is not None:
        states.save()
    results = [result for result in results if result is not None] + failed
    for result in results:
        out.files_analysed += result.analysed
        out.problems.extend(result.problems)
        out.notes.extend(result.notes)
        if result.analysed:
            out.analysed.append(result.path)
    return _Part(out, results, config, rules)


def _finish(parts: list[_Part], config: Config, project_rules: list, inputs) -> RunResult:
    """The filter stage: specs cross-checked against code over every part (under `config`, whose `apis` say
    which spec serves which code), then each part's findings filtered by its own config; merged. A spec
    linted only because a fragment it `$ref`s was named (pre-commit) reports what is written in the
    fragment, as a run on a changed Python file reports that file."""
    cross = None
    if config.crosscheck and project_rules:
        from .crosscheck.check import cross_check

        cross = cross_check([result for part in parts for result in part.results], project_rules, config)
    out = RunResult()
    if config.crosscheck and project_rules:
        from .crosscheck.check import statistics

        out.crosscheck = statistics(cross)
        for name in cross.unused_apis if cross else ():
            out.notes.append(Note(config.source or "config", f"apis.{name}: its `spec` or `code` names no file "
                                                             "of this run, so nothing was cross-checked for it"))
    for part in parts:
        enabled = {rule.code for rule in part.rules}
        if cross is None:  # no spec and code to compare: an exemption of a cross-check rule is not unused
            enabled -= {rule.code for rule in project_rules}
        scoped, others = [], part.results
        if inputs.through_fragments:  # resolved only then: a path each is a tenth of a warm run on a big tree
            scoped = [r for r in part.results if os.path.realpath(r.path) in inputs.through_fragments]
            others = [r for r in part.results if os.path.realpath(r.path) not in inputs.through_fragments]
        findings = apply_filters(others, part.config, enabled) + \
            [f for f in apply_filters(scoped, part.config, enabled) if os.path.realpath(f.path) in inputs.fragments]
        for result in others:  # the files whose baseline entries this run can judge
            if result.analysed:
                out.covered.update([result.path, *result.dependencies])
        for result in scoped:
            out.covered.update(path for path in [result.path, *result.dependencies]
                               if os.path.realpath(path) in inputs.fragments)
        out.findings.extend(findings)
        out.fail_on.update((finding.path, part.config.fail_on) for finding in findings)
        for result in part.results:
            out.inventory.extend(result.inventory)
            out.exemptions.extend((result.path, exemption) for exemption in result.exemptions)
        for name in ("problems", "notes", "analysed"):
            getattr(out, name).extend(getattr(part.out, name))
        out.files_analysed += part.out.files_analysed
    out.findings.sort(key=Finding.sort_key)
    out.problems.sort(key=Problem.sort_key)
    return out

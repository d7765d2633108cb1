"""The run: load -> analyse -> filter -> (report). Each input file is analysed independently."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .discovery import discover
from .documents import DocumentError, read_text
from .filtering import apply_filters
from .model import FileResult, Finding, Note, Problem
from .openapi.analyse import analyse_spec
from .openapi.model import spec_version
from .openapi.refs import read_document
from .python.analyse import analyse_python
from .python.handlers import ProjectFacts
from .python.model import module_name_for
from .registry import REGISTRY

MAX_READ_BYTES = 8 * 1024 * 1024  # Python files above the analysis cap are still read to be named

ROOT_MARKERS = (".git", "pyproject.toml", "replaylint.toml", ".replaylint.yaml", ".replaylint.yml")


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files_analysed: int = 0


def display_path(path: str) -> str:
    """Paths as the user should see them: relative to the working directory when below it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


def project_root(path: str) -> Path:
    """The folder `$ref`s may not leave: the nearest repository or project folder above the file."""
    start = Path(os.path.abspath(path)).parent
    for directory in [start, *start.parents]:
        if any((directory / marker).exists() for marker in ROOT_MARKERS):
            return directory
    cwd = Path.cwd()
    return cwd if start.is_relative_to(cwd) else start


def enabled_rules(config: Config, select=None, ignore=None) -> list:
    codes = REGISTRY.selected(select or config.select, config.extend_select, [*config.ignore, *(ignore or [])])
    return [rule for rule in REGISTRY if rule.code in codes]


def analyse_file(path: str, config: Config, rules, explicit: bool = True) -> FileResult | None:
    """Analyse one spec file; every failure becomes a Problem naming the file."""
    shown = display_path(path)
    try:
        doc = read_document(os.path.abspath(path))
    except DocumentError as exc:
        return FileResult(shown, problems=[Problem(shown, f"not analysed: {exc.message}", exc.line, exc.column)],
                          analysed=False)
    if spec_version(doc.data) is None:
        if not explicit:
            return None  # a YAML/JSON file met while walking that is not a spec: not an input
        return FileResult(shown, problems=[Problem(shown, "not analysed: not an OpenAPI document "
                                                          "(no top-level openapi or swagger key)")], analysed=False)
    spec_rules = [rule for rule in rules if rule.target == "openapi"]
    result = analyse_spec(doc, config, spec_rules, project_root(path), display_path)
    if config.validate:
        from .openapi.validate import validation_notes

        result.notes.extend(validation_notes(doc, shown))
    return result


def read_python(paths: list[str]) -> tuple[dict[str, str], list[FileResult]]:
    """Texts of the Python inputs, and a not-analysed result for each one that cannot be read."""
    texts, failed = {}, []
    for path in paths:
        shown = display_path(path)
        try:
            texts[path] = read_text(path, MAX_READ_BYTES)
        except DocumentError as exc:
            failed.append(FileResult(shown, problems=[Problem(shown, f"not analysed: {exc.message}")],
                                     analysed=False))
    return texts, failed


def run(paths: list[str], config: Config, select=None, ignore=None) -> RunResult:
    rules = enabled_rules(config, select, ignore)
    python_rules = [rule for rule in rules if rule.target == "python"]
    inputs = discover(paths or ["."], config, want_python=bool(python_rules))
    out = RunResult(problems=list(inputs.problems))
    results = [analyse_file(path, config, rules, path in inputs.explicit) for path in inputs.specs]
    texts, failed = read_python(inputs.python)
    results.extend(failed)
    facts = ProjectFacts.from_texts({module_name_for(display_path(path)): text for path, text in texts.items()
                                     if "dempoten" in text})
    for path, text in texts.items():
        results.append(analyse_python(path, text, config, python_rules, facts, display_path(path)))
    results = [result for result in results if result is not None]
    for result in results:
        out.files_analysed += result.analysed
        out.problems.extend(result.problems)
        out.notes.extend(result.notes)
    out.findings = apply_filters(results, config, {rule.code for rule in rules})
    out.problems.sort(key=Problem.sort_key)
    return out

"""Find the inputs under the given paths: OpenAPI specs (by content) and Python files.

Honours `exclude`/`extend-exclude` globs and `.gitignore` files. A path the user names explicitly is always an
input (and reported if it cannot be analysed); files found by walking are inputs only when they look like
something replaylint reads.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Problem

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
PYTHON_SUFFIXES = (".py", ".pyi")
_SPEC_MARKER = re.compile(rb'^[{\s]*["\']?(?:openapi|swagger)["\']?\s*:', re.M)
_JSON_MARKER = re.compile(rb'"(?:openapi|swagger)"\s*:')  # minified JSON keeps every key on one line


@dataclass
class Inputs:
    specs: list[str] = field(default_factory=list)
    python: list[str] = field(default_factory=list)
    explicit: set[str] = field(default_factory=set)  # named on the command line: must be analysed or reported
    problems: list[Problem] = field(default_factory=list)


def looks_like_spec(path: str) -> bool:
    """Cheap content sniff before parsing: an `openapi`/`swagger` key starting a line (top-level keys may
    come last, as in Stripe's spec, so the whole file is searched; parsing confirms it is top-level)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except OSError:
        return True  # let the loader report why it cannot be read
    marker = _JSON_MARKER if path.lower().endswith(".json") else _SPEC_MARKER
    return bool(marker.search(text))


class Ignorer:
    """exclude globs (Ruff-style: matched against the name and the root-relative path) and .gitignore files.
    Paths are plain absolute strings: this runs for every file of a walk."""

    def __init__(self, config):
        self.root = os.path.realpath(config.root)
        globs = [glob.rstrip("/") for glob in [*config.exclude, *config.extend_exclude] if glob.strip("/")]
        # one compiled pattern for every glob: a name, a root-relative path, or anything below it
        self._excluded = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs)) if globs else None
        self._below = re.compile("|".join(f"(?:{fnmatch.translate(g + '/*')})" for g in globs)) if globs else None
        self._paths = any("/" in g for g in globs)  # only then do root-relative paths need matching
        self.gitignore = config.respect_gitignore
        self._git_rules: dict[str, list] = {}
        self._dirs: dict[str, list[str]] = {}
        self._active: dict[str, list] = {}
        self._listed: dict[str, tuple[bool, bool]] = {}  # folder -> (has .gitignore, has .git), from the walk

    def note_listing(self, directory: str, names) -> None:
        """What a folder the walk listed holds: spares a failed open of `.gitignore` and a stat of `.git` in
        each of a big tree's folders."""
        if self.gitignore:
            self._listed[directory] = (".gitignore" in names, ".git" in names)

    def excluded(self, path: str, is_dir: bool) -> bool:
        name = os.path.basename(path)
        if self._excluded is not None:
            if self._excluded.match(name):
                return True
            if self._paths:
                rel = _relative(path, self.root)
                if self._excluded.match(rel) or self._below.match(rel):
                    return True
        return self.gitignore and self._git_ignored(path, name, is_dir)

    def excluded_with_parents(self, path: str) -> bool:
        """For a named file: excluded itself, or inside an excluded folder below the project root."""
        if self.excluded(path, False):
            return True
        directory = os.path.dirname(path)
        while directory.startswith(self.root + os.sep):
            if self.excluded(directory, True):
                return True
            directory = os.path.dirname(directory)
        return False

    def _git_ignored(self, path: str, name: str, is_dir: bool) -> bool:
        """.gitignore files of the repository holding `path` (from its top down), as git applies them; never
        those above the repository."""
        ignored = False
        for directory, rules in self._active_rules(os.path.dirname(path)):
            rel = _relative(path, directory)
            for negate, dir_only, anchored, regex in rules:
                if dir_only and not is_dir:
                    continue
                if regex.fullmatch(rel if anchored else name) or (not anchored and regex.fullmatch(rel)):
                    ignored = not negate
        return ignored

    def _active_rules(self, directory: str) -> list[tuple[str, list]]:
        """(folder, rules) of the .gitignore files that apply in `directory`, top down; cached per folder."""
        cached = self._active.get(directory)
        if cached is None:
            cached = [(d, rules) for d in self._gitignore_dirs(directory) if (rules := self._rules_in(d))]
            self._active[directory] = cached
        return cached

    def _gitignore_dirs(self, directory: str) -> list[str]:
        cached = self._dirs.get(directory)
        if cached is None:
            parent = os.path.dirname(directory)
            listed = self._listed.get(directory)
            has_git = listed[1] if listed is not None else os.path.exists(os.path.join(directory, ".git"))
            if has_git or parent == directory:
                cached = [directory]
            elif directory == self.root and not _inside_repository(parent):
                cached = [directory]  # no repository: the project root is the top
            else:
                cached = [*self._gitignore_dirs(parent), directory]
            self._dirs[directory] = cached
        return cached

    def _rules_in(self, directory: str) -> list:
        if directory not in self._git_rules:
            rules = []
            text = ""
            listed = self._listed.get(directory)
            if listed is None or listed[0]:
                try:
                    with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
                        text = handle.read()
                except OSError:
                    pass
            for line in text.splitlines():
                line = line.rstrip()
                if not line or line.startswith("#"):
                    continue
                negate = line.startswith("!")
                line = line[1:] if negate else line
                dir_only = line.endswith("/")
                line = line.rstrip("/")
                anchored = "/" in line
                rules.append((negate, dir_only, anchored, re.compile(_glob_to_regex(line.lstrip("/")))))
            self._git_rules[directory] = rules
        return self._git_rules[directory]


def _inside_repository(directory: str) -> bool:
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return True
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent


def _glob_to_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def _relative(path: str, root: str) -> str:
    if path.startswith(root + os.sep):
        return path[len(root) + 1:].replace(os.sep, "/")
    return path.replace(os.sep, "/")


def discover(paths: list[str], config, want_python: bool = True, skip_unrecognised: bool = False,
             force_exclude: bool = False) -> Inputs:
    """Inputs under `paths`. Files named on the command line are inputs even when excluded (as in Ruff), unless
    `force_exclude` (pre-commit passes every changed file); with `skip_unrecognised` named files that are
    neither Python nor OpenAPI are skipped silently."""
    inputs = Inputs()
    ignorer = Ignorer(config)
    seen: set[str] = set()

    def add(path: str, explicit: bool, real: str | None = None) -> None:
        real = real or (os.path.abspath(path) if not explicit else os.path.realpath(path))
        if real in seen:
            return
        seen.add(real)
        lower = path.lower()
        if lower.endswith(PYTHON_SUFFIXES):
            if want_python:
                inputs.python.append(path)
        elif lower.endswith(SPEC_SUFFIXES):
            if explicit:  # named: read and parsed, so the reason it is not a spec can be precise
                inputs.specs.append(path)
                inputs.explicit.add(path)
            elif looks_like_spec(path):
                inputs.specs.append(path)
        elif explicit:
            inputs.problems.append(Problem(path, "not analysed: not a file replaylint reads "
                                                 "(expected .py, .yaml, .yml or .json)"))

    for given in paths:
        path = Path(given)
        if not os.path.lexists(given):
            inputs.problems.append(Problem(given, "not analysed: no such file or directory"))
            continue
        if path.is_file():
            if force_exclude and ignorer.excluded_with_parents(os.path.realpath(given)):
                continue
            add(given, explicit=not skip_unrecognised)
            continue
        if not path.is_dir():
            inputs.problems.append(Problem(given, "not analysed: broken symbolic link or not a regular file"))
            continue
        _walk(path, ignorer, add, inputs)
    inputs.specs.sort()
    inputs.python.sort()
    return inputs


def _walk(top: Path, ignorer: Ignorer, add, inputs: Inputs) -> None:
    """Depth-first over `top`. Entries come from os.scandir (no extra stat per file). Symbolic links are
    resolved only where they are met: a link to a folder inside the walked tree is skipped (walked already, or
    a loop), and below a link every folder is resolved to stop loops. Order does not matter: inputs are
    sorted afterwards."""
    start = os.path.abspath(top)
    real_start = os.path.realpath(start)
    relative_to = os.getcwd() + os.sep
    visited: set[str] = set()
    stack = [(start, False)]
    suffixes = (*SPEC_SUFFIXES, *PYTHON_SUFFIXES)
    while stack:
        directory, via_link = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            inputs.problems.append(Problem(_shown(directory, relative_to), f"not analysed: cannot list directory: "
                                                                          f"{exc.strerror or exc}"))
            continue
        ignorer.note_listing(directory, {entry.name for entry in entries})
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # a symlink loop
                is_dir = False
            if not is_dir and not entry.name.lower().endswith(suffixes):
                continue  # most entries of a big tree: decided from the listing alone
            symlink = entry.is_symlink()  # never follows the link, never fails
            try:
                is_file = not is_dir and entry.is_file()
            except OSError:
                is_file = False
            target = os.path.realpath(entry.path) if symlink or via_link else entry.path
            if ignorer.excluded(target, is_dir):
                continue
            if is_dir:
                if symlink or via_link:
                    if target == real_start or target.startswith(real_start + os.sep) or target in visited:
                        continue  # inside the tree (walked anyway), or a loop
                    visited.add(target)
                stack.append((entry.path, via_link or symlink))
            elif is_file:
                add(_shown(entry.path, relative_to), explicit=False, real=target)  # absolute already
            elif symlink:
                inputs.problems.append(Problem(_shown(entry.path, relative_to), "not analysed: broken symbolic link"))


def _shown(path: str, relative_to: str) -> str:
    """Walked paths as the user gave them: relative to the working directory when below it."""
    return path[len(relative_to):] if path.startswith(relative_to) else path

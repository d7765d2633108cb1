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
_SPEC_MARKER = re.compile(rb'^(?:\xef\xbb\xbf)?[{\s]*["\']?(?:openapi|swagger)["\']?\s*:', re.M)
_JSON_MARKER = re.compile(rb'"(?:openapi|swagger)"\s*:')  # minified JSON keeps every key on one line


@dataclass
class Inputs:
    specs: list[str] = field(default_factory=list)
    python: list[str] = field(default_factory=list)
    explicit: set[str] = field(default_factory=set)  # named on the command line: must be analysed or reported
    named_only: set[str] = field(default_factory=set)  # walked, a spec by its file name only (`openapi.yaml`)
    problems: list[Problem] = field(default_factory=list)
    fragments: set[str] = field(default_factory=set)  # real paths of named `$ref`'d fragments linted via a spec
    through_fragments: set[str] = field(default_factory=set)  # real paths of the specs linted only for them


def looks_like_spec(path: str) -> bool:
    """Cheap content sniff before parsing: an `openapi`/`swagger` key starting a line (top-level keys may
    come last, as in Stripe's spec, so the whole file is searched; parsing confirms it is top-level)."""
    text = _sniff_text(path)
    if text is None:
        return True  # let the loader report why it cannot be read
    return text_looks_like_spec(text, path.lower().endswith(".json"))


def text_looks_like_spec(text: bytes, is_json: bool) -> bool:
    """The sniff on a text already read (stdin, an editor's buffer)."""
    return bool(_JSON_MARKER.search(text)) if is_json else _yaml_marked(text)


def _yaml_marked(text: bytes) -> bool:
    """`_SPEC_MARKER.search(text)`, found from the words it needs: scanning every line start of a big spec for
    the marker costs 30 ms (Stripe's), these words occur a few times. A match that starts lines above a word
    also matches from the start of the word's own line (only `{` and blanks come between)."""
    for word in (b"openapi", b"swagger"):
        at, checked = text.find(word), 0
        while at != -1:
            line_break = text.rfind(b"\n", checked, at)  # none: on the line checked last (or the first)
            if line_break != -1 or checked == 0:
                start = line_break + 1
                if _SPEC_MARKER.match(text, start):
                    return True
                checked = at
            at = text.find(word, at + len(word))
    return False


def _sniff_named(path: str) -> tuple[bool, bool]:
    """(looks like a spec, may be a `$ref`'d fragment) of a file named on the command line, from one read. A
    YAML file whose text holds the JSON marker is no fragment: a minified JSON spec named `.yaml` may be one
    (parsing tells)."""
    text = _sniff_text(path)
    if text is None:
        return True, False  # let the loader report why it cannot be read
    is_json = path.lower().endswith(".json")
    if text_looks_like_spec(text, is_json):
        return True, False
    return False, is_json or not _JSON_MARKER.search(text)


def _sniff_text(path: str) -> bytes | None:
    from .documents import buffer_for

    buffered = buffer_for(path)  # an editor's unsaved text
    if buffered is not None:
        return buffered.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _named_as_spec(path: str) -> bool:
    """`openapi.yaml`, `swagger.json`: a file that says by its name it is a spec, whatever it holds."""
    stem = os.path.basename(path).lower().rsplit(".", 1)[0]
    return stem in ("openapi", "swagger")


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
        self._active: dict[str, list] = {}
        self._listed: dict[str, tuple[bool, bool]] = {}  # folder -> (has .gitignore, has .git), from the walk

    def note_listing(self, directory: str, has_gitignore: bool, has_git: bool) -> None:
        """What a folder the walk listed holds: spares a failed open of `.gitignore` and a stat of `.git` in
        each of a big tree's folders."""
        if self.gitignore:
            self._listed[directory] = (has_gitignore, has_git)

    def excluded(self, path: str, is_dir: bool) -> bool:
        return self.excluded_entry(os.path.dirname(path), os.path.basename(path), path, is_dir)

    def excluded_entry(self, directory: str, name: str, path: str, is_dir: bool) -> bool:
        """`excluded` for an entry whose folder and name the walk knows already."""
        if self._excluded is not None:
            if self._excluded.match(name):
                return True
            if self._paths:
                rel = _relative(path, self.root)
                if self._excluded.match(rel) or self._below.match(rel):
                    return True
        if not self.gitignore:
            return False
        active = self._active_rules(directory)
        return bool(active) and self._git_ignored(active, path, name, is_dir)

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

    @staticmethod
    def _git_ignored(active: list[tuple[str, list]], path: str, name: str, is_dir: bool) -> bool:
        """The `active` .gitignore files of the repository holding `path` (from its top down), as git applies
        them; never those above the repository."""
        ignored = False
        for directory, rules in active:
            rel = _relative(path, directory)
            for negate, dir_only, anchored, regex in rules:
                if dir_only and not is_dir:
                    continue
                if regex.fullmatch(rel if anchored else name) or (not anchored and regex.fullmatch(rel)):
                    ignored = not negate
        return ignored

    def _active_rules(self, directory: str) -> list[tuple[str, list]]:
        """(folder, rules) of the .gitignore files that apply in `directory`, top down: its parent's, then its
        own; cached per folder. The chain stops at the repository's top (a `.git` entry), else at the project
        root when it is in no repository."""
        cached = self._active.get(directory)
        if cached is None:
            parent = os.path.dirname(directory)
            listed = self._listed.get(directory)
            has_git = listed[1] if listed is not None else os.path.exists(os.path.join(directory, ".git"))
            top = has_git or parent == directory or (directory == self.root and not _inside_repository(parent))
            cached = [] if top else self._active_rules(parent)
            rules = self._rules_in(directory)
            if rules:
                cached = [*cached, (directory, rules)]
            self._active[directory] = cached
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
             force_exclude: bool = False, listings=None) -> Inputs:
    """Inputs under `paths`. Files named on the command line are inputs even when excluded (as in Ruff), unless
    `force_exclude` (pre-commit passes every changed file); with `skip_unrecognised` named files that are
    neither Python nor OpenAPI are skipped silently. `listings` (a cache.Listings) spares listing the folders
    that have not changed since the last walk."""
    inputs = Inputs()
    ignorer = Ignorer(config)
    seen: set[str] = set()
    finder = None  # the specs that `$ref` a named fragment: the project is walked for them once a run

    direct: set[str] = set()  # inputs named or walked, not only reached through a named fragment

    def add(path: str, explicit: bool, real: str | None = None, sniffed: bool | None = None,
            via_fragment: bool = False) -> None:
        """`sniffed`: what looks_like_spec said already (a named file is sniffed once)."""
        real = real or (os.path.abspath(path) if not explicit else os.path.realpath(path))
        if not via_fragment:
            direct.add(real)
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
            elif sniffed if sniffed is not None else looks_like_spec(path):
                inputs.specs.append(path)
            elif _named_as_spec(path):  # `openapi.yaml` is meant as a spec: analysed, or a note says why not
                inputs.specs.append(path)
                inputs.named_only.add(path)
        elif explicit:
            inputs.problems.append(Problem(path, "not analysed: not a file replaylint reads "
                                                 "(expected .py, .yaml, .yml or .json)"))

    def add_fragment(given: str) -> bool:
        """A named YAML/JSON file that is no spec: the specs that `$ref` it are the inputs in its place (each
        once, also when named itself). False when none does: it is an input as any named file is, unless it
        parses to no spec, when the problem says that no spec reads it either."""
        nonlocal finder
        if finder is None:
            from .fragments import RootFinder

            finder = RootFinder(ignorer, listings)
        roots = finder.roots_of(given)
        if roots:
            inputs.fragments.add(os.path.realpath(given))
            inputs.through_fragments.update(os.path.realpath(root) for root in roots)
        for root in roots:
            real, absolute = os.path.realpath(root), os.path.abspath(root)
            if real not in seen and absolute not in seen:  # a walk marks its files by their absolute path
                add(root, explicit=True, real=real, via_fragment=True)
                seen.add(absolute)
        if roots or skip_unrecognised:
            return bool(roots)
        why = _why_file_is_no_spec(given)
        if why is None:
            return False  # unreadable, unparsable or a spec after all: the analysis says which
        real = os.path.realpath(given)
        if real not in seen:
            seen.add(real)
            inputs.problems.append(Problem(given, f"not analysed: not an OpenAPI document ({why}), and no "
                                                  f"OpenAPI spec of the project $refs it"))
        return True

    from .documents import buffer_for

    for given in paths:
        path = Path(given)
        unsaved = buffer_for(given) is not None  # text from stdin or an editor: the file need not exist
        if not unsaved and not os.path.lexists(given):
            inputs.problems.append(Problem(given, "not analysed: no such file or directory"))
            continue
        if unsaved or path.is_file():
            if force_exclude and ignorer.excluded_with_parents(os.path.realpath(given)):
                continue
            sniffed, fragment = _sniff_named(given) if given.lower().endswith(SPEC_SUFFIXES) else (None, False)
            if fragment and add_fragment(given):
                continue
            add(given, explicit=not skip_unrecognised, sniffed=sniffed)
            continue
        if not path.is_dir():
            inputs.problems.append(Problem(given, "not analysed: broken symbolic link or not a regular file"))
            continue
        _walk(path, ignorer, add, inputs, listings)
    if inputs.through_fragments:  # a spec named or walked too is linted whole (resolved only in this case)
        inputs.through_fragments -= {os.path.realpath(path) for path in direct}
    inputs.specs.sort()
    inputs.python.sort()
    return inputs


def _why_file_is_no_spec(path: str) -> str | None:
    """Why a named file that parses is no OpenAPI document; None when it is one, or cannot be read or parsed
    (the analysis reports that, with the position)."""
    from .documents import DocumentError
    from .openapi.model import spec_version, why_not_a_spec as why
    from .openapi.refs import read_document

    try:
        data = read_document(os.path.abspath(path)).data
    except DocumentError:
        return None
    return why(data) if spec_version(data) is None else None


class Listing:
    """The entries of one folder that matter to a walk. (A plain class: `typing` costs a warm run 2 ms.)"""

    __slots__ = ("subdirectories", "files", "has_gitignore", "has_git", "links", "holds_links")

    def __init__(self, subdirectories, files, has_gitignore: bool, has_git: bool, links=(), holds_links=False):
        self.subdirectories = subdirectories
        self.files = files  # regular files named like an input
        self.has_gitignore = has_gitignore
        self.has_git = has_git
        self.links = links  # (path, resolved target, "dir" | "file" | "broken"): resolved on every walk
        self.holds_links = holds_links  # any link, even one named like no input: its target may become a folder


def _walk(top: Path, ignorer: Ignorer, add, inputs: Inputs, listings=None) -> None:
    """Depth-first over `top`. Entries come from os.scandir (no extra stat per file), or from `listings` for a
    folder unchanged since the last walk. Symbolic links are resolved only where they are met: a link to a
    folder inside the walked tree is skipped (walked already, or a loop), and below a link every folder is
    resolved to stop loops. Order does not matter: inputs are sorted afterwards."""
    start = os.path.abspath(top)
    real_start = os.path.realpath(start)
    relative_to = os.getcwd() + os.sep
    visited: set[str] = set()
    stack = [(start, False)]
    if listings is not None:
        listings.walking(start)
    while stack:
        directory, via_link = stack.pop()
        known, stamp = listings.lookup(directory) if listings is not None and not via_link else (None, None)
        listing = Listing(*known) if known is not None else _list(directory, via_link, inputs, relative_to)
        if listing is None:
            continue
        if known is None and listings is not None and not listing.holds_links and not via_link:
            listings.record(directory, stamp, listing.subdirectories, listing.files, listing.has_gitignore,
                            listing.has_git)
        ignorer.note_listing(directory, listing.has_gitignore, listing.has_git)
        prefix = directory if directory.endswith(os.sep) else directory + os.sep
        for name in listing.subdirectories:
            if not ignorer.excluded_entry(directory, name, prefix + name, True):
                stack.append((prefix + name, False))
        for name in listing.files:
            if not ignorer.excluded_entry(directory, name, prefix + name, False):
                add(_shown(prefix + name, relative_to), explicit=False, real=prefix + name)  # absolute already
        for path, target, kind in listing.links:
            if ignorer.excluded(target, kind == "dir"):
                continue
            if kind == "file":
                add(_shown(path, relative_to), explicit=False, real=target)
            elif kind == "broken":
                inputs.problems.append(Problem(_shown(path, relative_to), "not analysed: broken symbolic link"))
            elif not (target == real_start or target.startswith(real_start + os.sep) or target in visited):
                visited.add(target)  # outside the tree and not seen yet (inside: walked anyway)
                stack.append((path, True))


def _list(directory: str, via_link: bool, inputs: Inputs, relative_to: str) -> Listing | None:
    """One folder's entries that matter, from os.scandir. Below a link, every entry is treated as a link (its
    resolved target decides exclusion and stops loops). An unlistable folder is reported."""
    try:
        entries = list(os.scandir(directory))
    except OSError as exc:
        inputs.problems.append(Problem(_shown(directory, relative_to), f"not analysed: cannot list directory: "
                                                                      f"{exc.strerror or exc}"))
        return None
    subdirectories, files, links = [], [], []
    suffixes = (*SPEC_SUFFIXES, *PYTHON_SUFFIXES)
    holds_links = False
    for entry in entries:
        holds_links = holds_links or entry.is_symlink()
        try:
            is_dir = entry.is_dir()
        except OSError:  # a symlink loop
            is_dir = False
        if not is_dir and not entry.name.lower().endswith(suffixes):
            continue  # most entries of a big tree: decided from the listing alone
        try:
            is_file = not is_dir and entry.is_file()
        except OSError:
            is_file = False
        if entry.is_symlink() or via_link:  # is_symlink never follows the link, never fails
            kind = "dir" if is_dir else "file" if is_file else "broken" if entry.is_symlink() else None
            if kind is not None:
                links.append((entry.path, os.path.realpath(entry.path), kind))
        elif is_dir:
            subdirectories.append(entry.name)
        elif is_file:
            files.append(entry.name)
    names = {entry.name for entry in entries}
    return Listing(subdirectories, files, ".gitignore" in names, ".git" in names, links, holds_links)


def _shown(path: str, relative_to: str) -> str:
    """Walked paths as the user gave them: relative to the working directory when below it."""
    return path[len(relative_to):] if path.startswith(relative_to) else path

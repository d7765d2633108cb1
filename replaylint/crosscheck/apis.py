"""Which spec serves which Python code: the APIs of a run.

Configured APIs (`[tool.replaylint.apis.NAME]`, `spec` and `code` as globs or folders relative to the config
root) come first. Of the specs left over, only those with an operation that some handler of the project
serves are contracts (a vendored third-party spec is not). A module is served by the fewest specs that
describe its matched routes (the one describing most of them first, the nearest on a tie, all on a full tie); a module none of
whose routes is in a spec, by the nearest contract: the spec whose folder shares the most of the module's path
(`svc/openapi.yaml` serves `svc/app/views.py`; in a monorepo each service's spec serves its own code), all of
them on a tie.
"""
from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .match import match_routes


@dataclass
class Api:
    name: str
    specs: list[dict]
    modules: list[dict]
    configured: bool = False
    matches: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)  # (module, handler) that no operation of the API matched


def group_apis(specs: list[dict], modules: list[dict], configured: dict | None = None,
               relative=lambda path: path) -> list[Api]:
    """The APIs of a run, each with its specs and modules (`relative` maps a shown path to the config root's
    view of it, which is what configured globs are written against)."""
    apis = []
    specs_left, modules_left = list(specs), list(modules)
    for name, entry in sorted((configured or {}).items()):
        chosen_specs = [s for s in specs_left if _listed(relative(s["file"]), entry["spec"])]
        chosen_modules = [m for m in modules_left if _listed(relative(m["file"]), entry["code"])]
        if chosen_specs and chosen_modules:  # else the entry names nothing here (said by the engine)
            specs_left = [s for s in specs_left if s not in chosen_specs]
            modules_left = [m for m in modules_left if m not in chosen_modules]
            apis.append(Api(name, chosen_specs, chosen_modules, configured=True))
    serves: dict[int, set[tuple]] = {}  # spec -> (module, handler, method) that serve one of its operations
    for spec in specs_left:
        matched = {(id(m.module), id(m.handler), m.method) for m in match_routes([spec], modules_left)[0]}
        if matched:
            serves[id(spec)] = matched
    serving = [spec for spec in specs_left if id(spec) in serves]
    by_specs: dict[tuple, Api] = {}
    for module in sorted(modules_left, key=lambda m: m["file"]):
        served_by = _fewest(module, serving, serves) or _nearest(PurePosixPath(module["file"]), serving)
        if served_by:
            files = tuple(spec["file"] for spec in served_by)
            by_specs.setdefault(files, Api(_common_folder(files), served_by, [])).modules.append(module)
    return apis + [by_specs[files] for files in sorted(by_specs)]


def _fewest(module: dict, specs: list[dict], serves: dict) -> list[dict]:
    """The fewest specs that describe the module's matched routes: the one that describes most of them (the
    nearest on a tie), then one for what is left, and so on. A route whose path shape happens to be in an
    unrelated spec of the repository does not pull the module into that spec's API."""
    left = {route for spec in specs for route in serves[id(spec)] if route[0] == id(module)}
    chosen = []
    place = PurePosixPath(module["file"]).parent
    while left:
        score = {id(spec): (len(serves[id(spec)] & left), _shared(place, PurePosixPath(spec["file"]).parent))
                 for spec in specs}
        best = max(score.values())
        for spec in specs:  # copies of one spec (a bundled and a source file) are all chosen
            if score[id(spec)] == best:
                chosen.append(spec)
                left -= serves[id(spec)]
    return sorted(chosen, key=lambda spec: spec["file"])


def _nearest(module: PurePosixPath, specs: list[dict]) -> list[dict]:
    """The specs whose folder shares the longest stretch of path with the module's (all of them on a tie)."""
    depth = {id(spec): _shared(module.parent, PurePosixPath(spec["file"]).parent) for spec in specs}
    best = max(depth.values(), default=-1)
    return [spec for spec in specs if depth[id(spec)] == best]


def _shared(a: PurePosixPath, b: PurePosixPath) -> int:
    """How many leading folders two folders have in common."""
    try:
        return len(PurePosixPath(posixpath.commonpath([a, b])).parts)
    except ValueError:  # one absolute, one relative: nothing in common
        return 0


def _common_folder(files: tuple) -> str:
    try:
        return posixpath.commonpath([posixpath.dirname(file) for file in files]) or "."
    except ValueError:
        return "."


def _listed(path: str, patterns: list[str]) -> bool:
    """A path named by a glob, or lying under a named folder."""
    for pattern in patterns:
        pattern = pattern.removeprefix("./").strip("/") or "."
        if pattern == "." or fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern + "/"):
            return True
    return False

"""Which spec serves which Python code: the APIs of a run.

Configured APIs (`[tool.replaylint.apis.NAME]`, `spec` and `code` as globs or folders relative to the config
root) come first. Every spec and module left over is grouped by where it lives: a module is served by the
specs under the nearest folder above it that holds any (`svc/openapi.yaml` serves `svc/app/views.py`; in a
monorepo each service's spec serves its own code). A pair no configuration named counts as one API only when
at least one operation matched a handler: a vendored third-party spec beside the code is not its contract.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import PurePosixPath


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
        chosen_specs = [s for s in specs_left if _named(relative(s["file"]), entry["spec"])]
        chosen_modules = [m for m in modules_left if _named(relative(m["file"]), entry["code"])]
        specs_left = [s for s in specs_left if s not in chosen_specs]
        modules_left = [m for m in modules_left if m not in chosen_modules]
        if chosen_specs and chosen_modules:
            apis.append(Api(name, chosen_specs, chosen_modules, configured=True))
    by_home: dict[str, Api] = {}
    spec_folders = [(PurePosixPath(s["file"]).parent, s) for s in specs_left]
    for module in sorted(modules_left, key=lambda m: m["file"]):
        home, served_by = _nearest_specs(PurePosixPath(module["file"]), spec_folders)
        if served_by:
            api = by_home.setdefault(home, Api(home, served_by, []))
            api.modules.append(module)
    return apis + [by_home[home] for home in sorted(by_home)]


def _nearest_specs(module: PurePosixPath, spec_folders) -> tuple[str, list[dict]]:
    """The folder nearest above `module` that holds specs (at any depth), and those specs."""
    for folder in module.parents:
        found = [spec for spec_folder, spec in spec_folders if _within(spec_folder, folder)]
        if found:
            return folder.as_posix(), found
    return "", []


def _within(path: PurePosixPath, folder: PurePosixPath) -> bool:
    return path == folder or folder in path.parents


def _named(path: str, patterns: list[str]) -> bool:
    """A path named by a glob, or lying under a named folder."""
    for pattern in patterns:
        pattern = pattern.strip("/") or "."
        if pattern == "." or fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern + "/"):
            return True
    return False

"""The one place that knows every rule: codes, names and selection.

Rules live in the top-level `rules/` folder of the source tree, installed as the `replaylint.rules` package.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from .rule import Rule


def _rules_package():
    try:
        return importlib.import_module("replaylint.rules")
    except ModuleNotFoundError:
        # Running from a source checkout that was not installed: load the top-level rules/ folder under its
        # installed name, so imports and names are the same either way.
        folder = Path(__file__).resolve().parent.parent / "rules"
        spec = importlib.util.spec_from_file_location(
            "replaylint.rules", folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or not folder.is_dir():
            raise
        module = importlib.util.module_from_spec(spec)
        sys.modules["replaylint.rules"] = module
        spec.loader.exec_module(module)
        return module


def rules_folders() -> tuple[str, ...]:
    """Where the rule modules are read from: inside the package once installed, `rules/` in a checkout."""
    return tuple(os.path.abspath(path) for path in _rules_package().__path__)


def _module_names(folders) -> list[str]:
    """The rule modules: every `.py` file of the package's folders, sorted. pkgutil would import `typing` (2 ms
    of a warm run), so it is asked only when the folders hold no source (a zip or a `.pyc`-only install)."""
    names = set()
    for folder in folders:
        try:
            names.update(entry[:-3] for entry in os.listdir(folder)
                         if entry.endswith(".py") and entry[:-3].isidentifier() and entry != "__init__.py")
        except OSError:
            continue
    if not names:
        import pkgutil

        names = {info.name for info in pkgutil.iter_modules(folders)}
    return sorted(names)


class Registry:
    def __init__(self):
        self._rules: dict[str, Rule] | None = None

    @property
    def rules(self) -> dict[str, Rule]:
        if self._rules is None:
            self._rules = self._load()
        return self._rules

    def _load(self) -> dict[str, Rule]:
        package = _rules_package()
        found: dict[str, Rule] = {}
        for name in _module_names(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                    if value.__module__ != module.__name__:
                        continue
                    if value.code in found:
                        raise RuntimeError(f"rule code {value.code} is defined twice")
                    found[value.code] = value()
        if not found:  # a broken install must not pass as a clean project
            raise RuntimeError(f"no rules found in {', '.join(package.__path__)}")
        return dict(sorted(found.items()))

    def __iter__(self):
        return iter(self.rules.values())

    def get(self, code_or_name: str) -> Rule | None:
        wanted = code_or_name.strip()
        rule = self.rules.get(wanted.upper())
        if rule is not None:
            return rule
        for rule in self.rules.values():
            if rule.name == wanted.lower():
                return rule
        return None

    def matches(self, selector: str) -> bool:
        return bool(self.expand(selector))

    def expand(self, selector: str) -> set[str]:
        """Codes named by a selector: ALL, an exact code, a code prefix (RPL1) or a rule name."""
        selector = selector.strip()
        if selector.upper() == "ALL":
            return set(self.rules)
        rule = self.get(selector)
        if rule is not None:
            return {rule.code}
        return {code for code in self.rules if code.startswith(selector.upper())} if selector else set()

    def selected(self, select, extend_select=(), ignore=()) -> set[str]:
        """Ruff semantics: the most specific selector wins between select and ignore."""
        chosen: dict[str, tuple[int, bool]] = {}
        for enabled, selectors in ((True, [*select, *extend_select]), (False, list(ignore))):
            for selector in selectors:
                specificity = _specificity(selector)
                for code in self.expand(selector):
                    current = chosen.get(code)
                    if current is None or specificity >= current[0]:
                        chosen[code] = (specificity, enabled)
        return {code for code, (_, enabled) in chosen.items() if enabled}


def _specificity(selector: str) -> int:
    """ALL < RPL < RPL1 < RPL101 == mutation-without-intent-key."""
    if selector.upper() == "ALL":
        return 0
    return len("RPL000") if "-" in selector else len(selector)


REGISTRY = Registry()

"""Monorepos: the nearest config file of each linted file applies, as in Ruff's hierarchy.

A run discovers its inputs with the working directory's config, then groups them by the config file nearest to
each (a service's `replaylint.toml` below the root applies to the service's files, from the root and in a
pre-commit run alike). Each group is analysed with its own settings, the command line's options on top, and
the results are merged. `--config FILE` turns the hierarchy off: that file applies to everything.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, config_file_in, load_config


@dataclass
class Group:
    config: Config
    specs: list[str] = field(default_factory=list)
    python: list[str] = field(default_factory=list)


class ConfigFinder:
    """The config file nearest to a folder, each folder looked at once per run."""

    def __init__(self, top: Config, adjust=None):
        self.adjust = adjust or (lambda config: config)  # the command line's options, applied to each config
        self._nearest: dict[str, str | None] = {}
        self._by_folder: dict[str, Config] = {}  # a folder as the paths name it -> its settings
        self._loaded: dict[str | None, Config] = {None: top}  # no config file above: the run's own settings
        if top.source is not None:
            self._loaded[os.path.realpath(top.source)] = top

    def nearest(self, directory: str) -> str | None:
        """The resolved path of the config file nearest to `directory`, None when there is none."""
        found = self._nearest.get(directory, False)
        if found is not False:
            return found
        own = config_file_in(Path(directory))
        found = os.path.realpath(own) if own is not None else None
        if found is None:
            parent = os.path.dirname(directory)
            found = self.nearest(parent) if parent != directory else None
        self._nearest[directory] = found
        return found

    def config_for(self, path: str) -> Config:
        """The settings of the file at `path` (raises ConfigError for a broken config file)."""
        folder = os.path.dirname(path)
        known = self._by_folder.get(folder)
        if known is not None:  # the files of a folder: one lookup
            return known
        self._by_folder[folder] = config = self._config_of(os.path.dirname(os.path.abspath(path)))
        return config

    def _config_of(self, directory: str) -> Config:
        source = self.nearest(directory)  # resolved: one key per config file
        if source not in self._loaded:
            self._loaded[source] = self.adjust(load_config(source))
        return self._loaded[source]


def group_inputs(specs: list[str], python: list[str], top: Config, finder: ConfigFinder) -> list[Group]:
    """The inputs grouped by the config that applies to each; the top config's group first."""
    groups: list[Group] = [Group(top)]
    for kind, paths in (("specs", specs), ("python", python)):
        for path in paths:
            config = finder.config_for(path)
            group = next((g for g in groups if g.config is config), None)
            if group is None:
                group = Group(config)
                groups.append(group)
            getattr(group, kind).append(path)
    return groups

"""libcst, imported the first time it is used, so runs that parse no Python start fast."""
from __future__ import annotations

import importlib


class _LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)  # later lookups skip __getattr__
        return value


cst = _LazyModule("libcst")


class Visitor:
    """Base of the read-only visitors that `walk.fast_visit` drives (`visit_<Node>` / `leave_<Node>`)."""

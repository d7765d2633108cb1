"""Things made on first use, so a run that does not need them (a warm run reads results from the cache) does
not pay for them at start-up: a heavy module (libcst), or a compiled regular expression (compiling the
analysis patterns costs milliseconds that a warm run would spend on nothing)."""
from __future__ import annotations

import importlib
import re


class LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)  # later lookups skip __getattr__
        return value


class LazyRegex:
    """`re.compile(pattern, flags)` on first use; then its methods are plain attributes of this object."""

    def __init__(self, pattern, flags: int = 0):
        self._source = (pattern, flags)

    def __getattr__(self, attr: str):
        if attr.startswith("_"):  # hooks that copy and pickle probe for, and `_source` itself: not the pattern's
            raise AttributeError(attr)
        value = getattr(re.compile(*self._source), attr)
        setattr(self, attr, value)
        return value

    def __reduce__(self):
        return LazyRegex, self._source

    def __repr__(self) -> str:
        return f"LazyRegex({self._source[0]!r})"

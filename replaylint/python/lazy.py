"""libcst, imported the first time it is used, so runs that parse no Python start fast."""
from __future__ import annotations

from ..lazy import LazyModule

cst = LazyModule("libcst")


class Visitor:
    """Base of the read-only visitors that `walk.fast_visit` drives (`visit_<Node>` / `leave_<Node>`)."""

"""Plain data that flows between the stages: findings, problems and positions.

Everything here is immutable and picklable, so files can be analysed in worker processes and cached by content.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}
HARM_LEVELS = ("none", "measurable", "high")


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region of one file."""

    path: str
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation of one rule at one place.

    `anchor` names what the finding is about independently of lines ("POST /orders", or a Python qualified
    name); `detail` is the normalised thing inside it (a parameter, a schema pointer) so baselines can match
    findings by meaning.
    """

    code: str
    severity: str
    message: str
    fix: str
    span: Span
    anchor: str = ""
    detail: str = ""
    exempted: bool = False
    reason: str = ""
    harm: str = ""  # the operation's or handler's harm level (none | measurable | high), "" when not judged
    harm_reason: str = ""  # the evidence that set it ("it calls stripe.Charge.create()", "config pattern ...")
    method: str = ""  # the operation's or handler's HTTP method(s) ("POST", "PATCH/POST"), "" when not about one
    route: str = ""  # its path ("/orders/{id}"); a Python handler's route when it is known
    operation_id: str = ""  # the spec's operationId, or the Python handler's qualified name

    @property
    def identity(self) -> str:
        """What the finding is about, for baselines and diffs: a handler's route when known (renaming the
        function does not make its finding new), else the anchor."""
        return f"{self.method} {self.route}" if self.route and self.method else self.anchor

    @property
    def path(self) -> str:
        return self.span.path

    def sort_key(self):
        s = self.span
        return (s.path, s.line, s.column, self.code, self.anchor, self.detail, self.message)

    def with_(self, **changes) -> "Finding":
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Problem:
    """An input, or part of one, that could not be analysed (always reported, never skipped silently)."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def sort_key(self):
        return (self.path, self.line or 0, self.column or 0, self.message)


@dataclass(frozen=True, slots=True)
class Note:
    """Something worth telling the user that does not stop analysis (e.g. an invalid spec structure)."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(slots=True)
class FileResult:
    """What analysing one input produced."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    exemptions: list = field(default_factory=list)
    analysed: bool = True
    dependencies: list = field(default_factory=list)  # other files read to analyse this one ($ref targets)
    consulted: list = field(default_factory=list)  # files read only for facts (imported modules): none reported
    summaries: dict = field(default_factory=dict)  # project-index summaries made meanwhile, for its store
    inventory: list = field(default_factory=list)  # the audit's operations and handlers (only when asked)
    routes: dict | None = None  # the spec's operations or the module's handlers, for the cross-check

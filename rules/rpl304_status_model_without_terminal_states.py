from __future__ import annotations

import ast

from replaylint.lazy import LazyRegex
from replaylint.rule import Example, Rule
from replaylint.openapi.schemas import described_values
from replaylint.vocabulary import TERMINAL_EXAMPLES, is_status_name, read_as

ENUM_BASES = ("enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "Enum", "StrEnum", "IntEnum",
              "django.db.models.TextChoices", "django.db.models.IntegerChoices", "django.db.models.Choices",
              "models.TextChoices", "models.IntegerChoices", "TextChoices", "IntegerChoices")


class StatusModelWithoutTerminalStates(Rule):
    code = "RPL304"
    name = "status-model-without-terminal-states"
    severity = "warning"
    target = "python"
    parser = "ast"  # declarations only: no need for libcst
    needles = ("Literal[", "Enum", "Choices")
    summary = "A Python Enum, Literal or Django choices used as a status lacks success or failure states"
    what = """
        Flags a Python `Enum` / `StrEnum` / `IntEnum`, a Django `TextChoices` / `IntegerChoices`, or a
        `Literal[...]` annotation or alias, whose name (or the field it types, as in `status: Lifecycle`)
        says status, state, phase, stage or outcome, whose values are lifecycle words, and which has no
        success state or no failure-or-cancel state. Resource states whose only success is a resting word
        (`active`) are not flagged, nor an enum whose docstring (or the string under the field) says it is
        the sub-state of something still running (`Detailed state of ... RUNNING`, `breakdown of`): the
        parent status carries the outcome. Nor a status field whose class has a field that tells the
        outcome beside it (`error`, `failure_reason`, `failed_result_count`, `result`), a filter over
        states (`[pending, running, all]`), or a service that rests (`running` beside `paused`, `stopped`,
        `idle`: up when it runs). A terminal word
        that says neither success nor failure (`ended`, `closed`) leaves the outcome unknown and is
        flagged; domain success words (`chargeable`, `consumed`, `redeemed`, `won`, `verified`) count as
        success. The vocabulary is the spec rules' (RPL109), extended by `[states]` in config.
    """
    why = """
        A caller that comes back to ask how its work went needs an answer that ends the question; a status
        that cannot say "failed" leaves it polling forever or assuming success.
    """
    fix = """
        Add the missing terminal members, e.g. `SUCCEEDED`, `FAILED`, `CANCELLED`.
    """
    exempt = """
        `# replaylint: allow[RPL304] -- reason` on the class or annotation line, or map your words in config.
    """
    references = """
        - Azure REST guidelines: Succeeded, Failed, Canceled are the terminal states
        - Google AIP-216 (states)
    """
    bad = (
        Example("""
import enum


class ExportStatus(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
""", filename="example.py"),
        Example("""
from typing import Literal

from pydantic import BaseModel


class Job(BaseModel):
    id: str
    state: Literal["queued", "running", "failed"]
""", filename="example.py"),
        Example("""
from typing import Literal, Optional

from pydantic import BaseModel

Lifecycle = Literal["queued", "running", "completed"]


class Export(BaseModel):
    status: Optional[Lifecycle] = None
""", filename="example.py"),
    )
    good = (
        Example("""
import enum
from typing import Literal

from django.db import models


class ExportStatus(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MembershipState(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"


class Priority(enum.Enum):
    LOW = 1
    HIGH = 2


JobPhase = Literal["queued", "running", "completed", "error"]
""", filename="example.py"),
    )

    def check(self, ctx):
        meanings: dict[int, dict] = {}  # a declaration's values described in its docstring
        for node, name, values, anchor in _status_declarations(ctx.tree.body, ctx.module_name, meanings):
            self._judge(ctx, node, name, values, anchor, meanings.get(id(node), {}))

    def _judge(self, ctx, node, name, values, anchor, texts):
        classified = ctx.states.classify(values, texts)
        if not ctx.states.is_lifecycle(classified, values) or ctx.states.is_resource_state(classified, values):
            return
        missing = ctx.states.missing_terminals(classified)
        if missing:
            ctx.report(
                self, node,
                f"status `{name}` ({', '.join(map(str, values))}) has no {' and no '.join(missing)} state: a caller "
                f"cannot tell when the work is over ({read_as(classified)})",
                f"add {' and '.join(TERMINAL_EXAMPLES[m] for m in missing)} to `{name}`",
                anchor, detail=name,
            )


def _status_declarations(body, scope: str, meanings: dict):
    """(node to report, name, values, anchor) for Enum/Choices classes and Literal declarations that are
    named like a status, or that type a status-named field (`status: JobPhase`, `state: Lifecycle | None`),
    at module level and in class bodies; each once."""
    named: dict[str, list] = {}  # Enum/Choices classes and Literal aliases of the module, by (bare) name
    fields: list[tuple] = []  # (declaration, its annotation or value) of status-named fields and aliases
    told: set[str] = set()  # types of status fields whose class has an outcome field beside them
    _collect(body, scope, named, fields, told, meanings)
    reported = set()
    for declaration, name, expr, anchor in fields:
        values = _literal_values(expr)
        if values:
            yield declaration, name, values, anchor
            continue
        for typed in named.get(_typed_name(expr), ()):  # every class of that name: which one is meant, the
            if id(typed) not in reported:               # names alone cannot say
                reported.add(id(typed))
                yield typed
    for typed in (typed for same_name in named.values() for typed in same_name):
        if id(typed) not in reported and is_status_name(typed[1]) and typed[1] not in told:  # told: by the field
            reported.add(id(typed))
            yield typed


def _collect(body, scope: str, named: dict, fields: list, told: set, meanings: dict) -> None:
    for position, statement in enumerate(body):
        if isinstance(statement, ast.ClassDef):
            qualname = f"{scope}.{statement.name}" if scope else statement.name
            if any(_is_enum_base(base) for base in statement.bases) and \
                    not describes_a_sub_state(ast.get_docstring(statement)):
                node = _name_node(statement)
                named.setdefault(statement.name, []).append((node, statement.name, _enum_values(statement), qualname))
                meanings[id(node)] = _meanings(ast.get_docstring(statement))
            _collect(statement.body, qualname, named, fields, told, meanings)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if is_status_name(statement.target.id) and scope and _outcome_beside(body, statement.target.id):
                told.add(_typed_name(statement.annotation))  # `failed_result_count`, `error`, `result` beside
                continue                                      # it say how the work went
            doc = _field_docstring(body, position)
            if is_status_name(statement.target.id) and not describes_a_sub_state(doc):
                fields.append((statement.target, statement.target.id, statement.annotation, scope or "<module>"))
                meanings[id(statement.target)] = _meanings(doc)  # "`ended` means it completed successfully"
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                isinstance(statement.targets[0], ast.Name):
            target = statement.targets[0]
            values = _literal_values(statement.value)
            if values and not is_status_name(target.id):
                named.setdefault(target.id, []).append((target, target.id, values, scope or "<module>"))  # alias
            elif is_status_name(target.id):
                fields.append((target, target.id, statement.value, scope or "<module>"))


SUB_STATE = LazyRegex(
    r"(?i)\bsub-?(state|status)(es)?\b|\bwhile (it|the \w+) (is|are) (still )?(running|in[- ]progress|processing)\b|"
    r"\b(that|which) is (still )?(in \S*)?(running|in[- ]progress)\b|\bbreakdown of\b|"
    r"\bdetailed (state|status|stage|phase)\b")


# Fields that tell how the work ended: `error`, `last_error`, `failure_reason`, `failed_result_count`,
# `result`; not `retry_on_error` (a setting).
OUTCOME_FIELDS = LazyRegex(r"(?i)^(last_|first_)?(error|errors|exception|failure|failures|result|outcome|conclusion)"
                           r"(_(message|code|reason|detail|details|info))?$|^fail(ed|ure)_\w*(count|reason|code)$")


def _outcome_beside(body, field: str) -> bool:
    """Another field of the same class that carries the outcome, as a spec's sibling `error` property does."""
    return any(isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and
               statement.target.id != field and OUTCOME_FIELDS.match(statement.target.id)
               for statement in body)


def describes_a_sub_state(doc) -> bool:
    """A docstring that says the enum details a state that is itself in progress (which step a running
    activity is in): its values are not a lifecycle, the parent status carries the outcome."""
    return isinstance(doc, str) and bool(SUB_STATE.search(doc))


def _meanings(doc) -> dict:
    """What a docstring says each value means (`in_progress` means ..., `FAILED: ...`), read as a spec's
    description is."""
    return described_values(doc) if isinstance(doc, str) else {}


def _field_docstring(body, position: int):
    """The string under a field (`status: Literal[...]` then `\"\"\"The status of ...\"\"\"`), as generated
    SDK models document their fields."""
    following = body[position + 1] if position + 1 < len(body) else None
    if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) and \
            isinstance(following.value.value, str):
        return following.value.value
    return None


def _typed_name(expr) -> str:
    """The one name an annotation refers to: `JobPhase`, `Optional[JobPhase]`, `JobPhase | None`,
    `Annotated[JobPhase, ...]`, `models.JobPhase`."""
    if isinstance(expr, ast.Subscript) and _dotted(expr.value).rsplit(".", 1)[-1] in ("Optional", "Annotated"):
        inner = expr.slice
        return _typed_name(inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner)
    if isinstance(expr, ast.BinOp):
        left, right = _typed_name(expr.left), _typed_name(expr.right)
        return left if right in ("", "None") else right if left in ("", "None") else ""
    if isinstance(expr, ast.Constant) and expr.value is None:
        return "None"
    return _dotted(expr).rsplit(".", 1)[-1]


def _dotted(expr) -> str:
    if isinstance(expr, ast.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr}"
    return expr.id if isinstance(expr, ast.Name) else ""


def _is_enum_base(base) -> bool:
    name = _dotted(base)
    return name in ENUM_BASES or name.endswith((".Enum", ".StrEnum", ".IntEnum", "Choices"))


def _name_node(node: ast.ClassDef):
    """The class name's position (ast gives the `class` keyword's line; the name follows on it)."""
    class _Name:
        lineno = end_lineno = node.lineno
        col_offset = node.col_offset + len("class ")
        end_col_offset = col_offset + len(node.name.encode("utf-8"))
    return _Name


def _enum_values(node: ast.ClassDef) -> list:
    values = []
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            value = statement.value
            if isinstance(value, ast.Tuple) and value.elts:
                value = value.elts[0]  # Django: VALUE = "value", "Label"
            text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            values.append(text if text is not None else statement.targets[0].id)
    return values


def _literal_values(expr) -> list:
    """`Literal["a", "b"]`, also inside `Optional[...]`, `Annotated[...]` and `... | None`."""
    if isinstance(expr, ast.Subscript):
        base = _dotted(expr.value).rsplit(".", 1)[-1]
        inner = expr.slice
        if base == "Literal":
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if base in ("Optional", "Annotated"):
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return _literal_values(first)
    if isinstance(expr, ast.BinOp):  # Literal[...] | None
        return _literal_values(expr.left) or _literal_values(expr.right)
    return []

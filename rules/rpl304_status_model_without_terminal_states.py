import re

import libcst as cst

from replaylint.python.walk import fast_visit

from replaylint.python.model import string_value
from replaylint.rule import Example, Rule
from replaylint.vocabulary import is_status_name

ENUM_BASES = ("enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "Enum", "StrEnum", "IntEnum",
              "django.db.models.TextChoices", "django.db.models.IntegerChoices", "django.db.models.Choices",
              "models.TextChoices", "models.IntegerChoices", "TextChoices", "IntegerChoices")
MISSING = {"success": "a success state (succeeded)", "failure": "failure states (failed, cancelled)"}


class StatusModelWithoutTerminalStates(Rule):
    code = "RPL304"
    name = "status-model-without-terminal-states"
    severity = "warning"
    target = "python"
    needles = re.compile(r"class\s+\w*(status|state|phase|stage|outcome)\w*\s*\(|"
                         r"(status|state|phase|stage|outcome)\w*\s*[:=][^\n]*Literal\[", re.I)
    summary = "A Python Enum, Literal or Django choices used as a status lacks success or failure states"
    what = """
        Flags a Python `Enum` / `StrEnum` / `IntEnum`, a Django `TextChoices` / `IntegerChoices`, or a
        `Literal[...]` annotation, whose name (or the field it types) says status, state, phase, stage or
        outcome, whose values are lifecycle words, and which has no success state or no failure-or-cancel
        state. Resource states whose only success is a resting word (`active`) are not flagged. The vocabulary
        is the spec rules' (RPL109), extended by `[states]` in config.
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
        for cls in ctx.model.classes.values():
            if not any(base in ENUM_BASES or base.endswith((".Enum", ".StrEnum", ".IntEnum", "Choices"))
                       for base in cls.bases) or not is_status_name(cls.name):
                continue
            self._judge(ctx, cls.node.name, cls.name, _enum_values(cls.node), cls.qualname)
        finder = _Literals()
        fast_visit(ctx.model.module, finder)
        for node, name, values in finder.found:
            self._judge(ctx, node, name, values, ctx.model.name or "<module>")

    def _judge(self, ctx, node, name, values, anchor):
        classified = ctx.states.classify(values)
        if not ctx.states.is_lifecycle(classified) or ctx.states.is_resource_state(classified):
            return
        missing = [label for kinds, label in ((("succeeded",), "success"), (("failed", "cancelled"), "failure"))
                   if not any(kind in classified for kind in kinds)]
        if missing:
            ctx.report(
                self, node,
                f"status `{name}` ({', '.join(map(str, values))}) has no {' and no '.join(missing)} state: a caller "
                "cannot tell when the work is over",
                f"add {' and '.join(MISSING[m] for m in missing)} to `{name}`",
                anchor, detail=name,
            )


def _enum_values(node: cst.ClassDef) -> list:
    values = []
    for line in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if isinstance(statement, cst.Assign) and isinstance(statement.targets[0].target, cst.Name):
                member = statement.targets[0].target.value
                value = statement.value
                if isinstance(value, cst.Tuple) and value.elements:
                    value = value.elements[0].value  # Django: VALUE = "value", "Label"
                text = string_value(value)
                values.append(text if text is not None else member)
    return values


class _Literals(cst.CSTVisitor):
    """`state: Literal[...]` fields and parameters, and `JobState = Literal[...]` aliases, with status names."""

    def __init__(self):
        self.found = []

    def visit_AnnAssign(self, node):
        if isinstance(node.target, cst.Name) and is_status_name(node.target.value):
            values = _literal_values(node.annotation.annotation)
            if values:
                self.found.append((node.target, node.target.value, values))

    def visit_Assign(self, node):
        target = node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(target, cst.Name) and is_status_name(target.value):
            values = _literal_values(node.value)
            if values:
                self.found.append((target, target.value, values))


def _literal_values(expr) -> list:
    if isinstance(expr, cst.Subscript):
        base = expr.value.attr.value if isinstance(expr.value, cst.Attribute) else \
            (expr.value.value if isinstance(expr.value, cst.Name) else "")
        if base == "Literal":
            return [text for element in expr.slice if isinstance(element.slice, cst.Index)
                    and (text := string_value(element.slice.value)) is not None]
        if base in ("Optional", "Annotated") and expr.slice and isinstance(expr.slice[0].slice, cst.Index):
            return _literal_values(expr.slice[0].slice.value)
    if isinstance(expr, cst.BinaryOperation):  # Literal[...] | None
        return _literal_values(expr.left) or _literal_values(expr.right)
    return []

"""What a rule is: one small class that carries its code, its documentation and its examples.

The examples are executed by the tests (every bad example raises exactly its rule, every good one nothing), so
the documentation cannot drift from behaviour.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DOC_SECTIONS = ("what", "why", "fix", "exempt", "references")
SECTION_TITLES = {
    "what": "What it does",
    "why": "Why it breaks replay",
    "bad": "Bad example",
    "good": "Good example",
    "fix": "Fix",
    "exempt": "How to exempt",
    "references": "References",
}


@dataclass(frozen=True)
class Example:
    """Input for one example. OpenAPI examples may omit the `openapi`/`info` header: it is added when run."""

    text: str
    filename: str = "openapi.yaml"
    config: str = ""  # optional replaylint.toml text for this example
    others: tuple[tuple[str, str], ...] = ()  # (filename, text) written beside it: the other side of a pair


class Rule:
    """Base class: subclasses set the class attributes below and implement the hook of their target.

    - `target = "openapi"`: `check(spec)` receives an `openapi.model.Spec` and yields reports through it.
    - `target = "python"`: see the Python analysis.
    - `target = "meta"`: implemented by the exemption stage (RPL001, RPL002).
    - `target = "project"`: `check(cross)` receives a `crosscheck.check.CrossCheck` (spec operations matched to
      the handlers that serve them) once per run, after every file is analysed.
    """

    code: str = ""
    name: str = ""
    severity: str = "warning"  # error | warning | info | by-harm
    fixable: str = ""  # "safe" (`check --fix`), "unsafe" (only with `--unsafe-fixes`), or "" (no fix)
    target: str = "openapi"
    parser: str = "libcst"  # Python rules: "libcst", or "ast" for rules that read declarations only
    in_test_code: bool = True  # Python rules: False when test code (tests/, test_*.py) is not theirs to judge
    summary: str = ""
    what: str = ""
    why: str = ""
    fix: str = ""
    exempt: str = ""
    references: str = ""
    bad: tuple[Example, ...] = ()
    good: tuple[Example, ...] = ()

    def docs(self) -> dict[str, str]:
        return {section: _dedent(getattr(self, section)) for section in DOC_SECTIONS}


def run_checks(rules, ctx, result) -> None:
    """Run each rule's `check(ctx)`; a rule that fails is reported for this file (file, rule) and the others
    still run: one rule's bug never takes the run down."""
    from .model import Problem

    for rule in rules:
        try:
            rule.check(ctx)
        except RecursionError:
            result.problems.append(Problem(result.path, f"not analysed by {rule.code}: input nested too deeply"))
        except Exception as exc:  # noqa: BLE001 - the error model: name the file and the rule
            result.problems.append(Problem(result.path, f"internal error in rule {rule.code}: "
                                                        f"{type(exc).__name__}: {exc}"))


def _dedent(text: str) -> str:
    lines = text.strip("\n").splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] for line in lines).strip()


def kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

"""Fixes: the edits that make a finding go away, leaving every other byte of the file as it was.

A fix is a list of text edits, computed by the module for the file's kind (`spec` for OpenAPI documents,
`python` for Python source) on the text with `\\n` line ends and no byte-order mark; `fix_edits` maps them back
onto the file as it is (CRLF line ends and a BOM kept), so the command line (`check --fix`) and the language
server apply the same edits. A rule says whether it has a fix and whether it is safe (`Rule.fixable`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    start: int  # text offsets; an insertion has start == end
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    edits: list  # [Edit], on the file's own text
    fixed: int  # how many findings the edits fix


def apply(text: str, edits: list[Edit]) -> str:
    """The text with the edits made (an edit overlapping an earlier one is dropped); linear in the text, so
    hundreds of edits of a 4 MB spec cost one copy."""
    pieces, at = [], 0
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end, e.text)):
        if edit.start < at:
            continue
        pieces += [text[at:edit.start], edit.text]
        at = edit.end
    pieces.append(text[at:])
    return "".join(pieces)


def fixable_codes() -> dict[str, str]:
    """code -> "safe" | "unsafe", from the rules themselves (`Rule.fixable`)."""
    from ..registry import REGISTRY

    return {rule.code: rule.fixable for rule in REGISTRY if rule.fixable}


def fix_edits(path: str, text: str, findings, unsafe: bool = False) -> Fix:
    """The edits (on `text` as it is) that fix those of `findings` a fix exists for."""
    from . import python, spec

    bom = 1 if text.startswith("\ufeff") else 0
    body = text[bom:]
    crlf = "\r\n" in body and body.count("\r\n") == body.count("\n")
    if crlf:
        body = body.replace("\r\n", "\n")
    if path.endswith((".py", ".pyi")):
        edits, fixed = python.edits(body, findings, unsafe)
    else:
        edits, fixed = spec.edits(body, body.lstrip().startswith("{"), findings, unsafe)
    if not edits:
        return Fix([], 0)
    if not bom and not crlf:
        return Fix(edits, fixed)
    line_starts = _line_starts(body)

    def at(offset: int) -> int:  # each line before the offset is one character longer with CRLF
        return offset + bom + (_line_of(line_starts, offset) if crlf else 0)

    return Fix([Edit(at(e.start), at(e.end), e.text.replace("\n", "\r\n") if crlf else e.text) for e in edits],
               fixed)


def _line_starts(text: str) -> list[int]:
    starts, at = [0], text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset) - 1


def fixed_texts(findings, unsafe: bool = False) -> dict[str, tuple[str, str, int]]:
    """{path: (text now, text fixed, findings it fixes)} for the files whose fixable findings have an edit.
    Files that are not UTF-8 (a Python file in latin-1) are left as they are: writing them back would change
    their encoding."""
    fixable = fixable_codes()
    by_path: dict[str, list] = {}
    for finding in findings:
        level = fixable.get(finding.code)
        if level and not finding.exempted and (level == "safe" or unsafe):
            by_path.setdefault(finding.span.path, []).append(finding)
    out = {}
    for path, found in sorted(by_path.items()):
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        fix = fix_edits(path, text, found, unsafe)
        fixed = apply(text, fix.edits)
        if fixed != text:
            out[path] = (text, fixed, fix.fixed)
    return out


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))

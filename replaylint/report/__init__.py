"""Reporters: one module per output format. Each takes a RunResult and returns the text to write."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

# format -> (module, function); a run imports only the reporter it writes with
FORMATS = {
    "text": ("text", "render_full"),
    "full": ("text", "render_full"),
    "concise": ("text", "render_concise"),
    "json": ("json_format", "render"),
    "sarif": ("sarif", "render"),
    "github": ("github", "render"),
    "junit": ("junit", "render"),
    "gitlab": ("gitlab", "render"),
}


def render(fmt: str, result, context) -> str:
    module, function = FORMATS[fmt]
    return getattr(import_module(f"{__name__}.{module}"), function)(result, context)


class ReportContext:
    """What reporters need besides the result: styling, exempted visibility and source lines."""

    def __init__(self, color: bool = False, show_exempted: bool = False, root: Path | None = None,
                 fail_on: str = "warning"):
        from ..fingerprint import project_root
        from .text import Style

        self.root = root or project_root()
        self.fail_on = fail_on  # JUnit: findings below it are passing cases
        self.style = Style(color)
        self.show_exempted = show_exempted
        self._lines: dict[str, list[str] | None] = {}

    def visible(self, findings):
        return [f for f in findings if self.show_exempted or not f.exempted]

    def source_line(self, path: str, line: int) -> str | None:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
                    text = handle.read()
                self._lines[path] = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            except OSError:
                self._lines[path] = None
        lines = self._lines[path]
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

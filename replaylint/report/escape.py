"""Make text taken from linted files safe to print: no terminal control sequences, no raw newlines."""
from __future__ import annotations

from ..lazy import LazyRegex

_UNSAFE = LazyRegex(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, keep_newlines: bool = False) -> str:
    text = _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                       f"\\u{ord(m.group()):04x}", text)
    return text if keep_newlines else text.replace("\n", "\\n")


_MARKDOWN_SPECIAL = LazyRegex(r"([\\`*_\[\]|~])")
# What GitHub turns into a mention, an issue link or an autolink: a zero-width space after `@`, `#` or
# `:` (before `//`) or in `www.` keeps the text as it reads and inert, as Dependabot writes `@&#8203;user`.
_MARKDOWN_LIVE = LazyRegex(r"(@(?=\w)|#(?=\d)|:(?=//)|(?i:www)(?=\.))")


def markdown_safe(text: str) -> str:
    """Text from an input as literal Markdown (a table cell, a list item): no emphasis, code, links, table
    breaks, HTML, mentions, issue references or autolinks, on one line. GitHub renders `&lt;script&gt;` as
    text."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", terminal_safe(str(text)))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_LIVE.sub(r"\1&#8203;", text)

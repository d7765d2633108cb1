"""Run a rule's examples: what the catalog tests (and anyone writing a rule) use."""
from __future__ import annotations

import tempfile
from pathlib import Path

from .config import Config, config_from_mapping
from .engine import run
from .rule import Example, _dedent

SPEC_HEADER = 'openapi: 3.0.3\ninfo: {title: Example, version: "1"}\n'


def example_source(example: Example) -> str:
    text = _dedent(example.text) + "\n"
    if example.filename.endswith((".yaml", ".yml")) and not any(
        line.startswith(("openapi:", "swagger:")) for line in text.splitlines()
    ):
        text = SPEC_HEADER + text
    return text


def run_example(example: Example, select=None):
    """Lint one example in a scratch folder; returns the RunResult."""
    import tomllib

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".git").mkdir()  # the scratch folder is its own project root
        (root / example.filename).write_text(example_source(example), encoding="utf-8")
        for name, text in example.others:
            (root / name).write_text(example_source(Example(text, name)), encoding="utf-8")
        config = config_from_mapping(tomllib.loads(example.config), root=root) if example.config else Config(root=root)
        import os

        previous = os.getcwd()
        os.chdir(root)
        try:
            return run([example.filename, *(name for name, _ in example.others)], config, select=select)
        finally:
            os.chdir(previous)

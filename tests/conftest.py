import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project folder (its own root for `$ref`s) that is also the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_in(folder: Path):
    """The engine run on `.` from inside `folder`, with `folder` as the project root (paths shown relative)."""
    from replaylint.config import Config
    from replaylint.engine import run

    previous = os.getcwd()
    os.chdir(folder)
    try:
        return run(["."], Config(root=folder))
    finally:
        os.chdir(previous)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def expected_marks(path: Path) -> set[tuple[str, int, str]]:
    """(file name, line, code) for every `# expect: CODE` comment in a fixture."""
    marks = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for code in match.group(1).replace(",", " ").split():
                marks.add((path.name, number, code))
    return marks

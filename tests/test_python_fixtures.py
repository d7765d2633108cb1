"""Annotated Python fixtures, one per framework and theme: every `# expect: CODE` mark is reported on its
line, and every finding has a mark (traps.py has none: everything in it must stay silent)."""
import os

import pytest

from conftest import FIXTURES, expected_marks, run_in

PYTHON = FIXTURES / "python"
FILES = sorted(p.name for p in PYTHON.glob("*.py"))


@pytest.fixture(scope="module")
def findings():
    result = run_in(PYTHON)
    assert not result.problems, [p.message for p in result.problems]
    return {(os.path.basename(f.path), f.span.line, f.code) for f in result.findings if not f.exempted}


@pytest.mark.parametrize("name", FILES)
def test_fixture_marks_match_findings(findings, name):
    expected = expected_marks(PYTHON / name)
    found = {f for f in findings if f[0] == name}
    assert sorted(found - expected) == [], "findings without a mark"
    assert sorted(expected - found) == [], "marks without a finding"


def test_every_python_rule_is_exercised_by_a_fixture(findings):
    from replaylint.registry import REGISTRY

    python_rules = {rule.code for rule in REGISTRY if rule.target == "python"}
    assert python_rules <= {code for _, _, code in findings}

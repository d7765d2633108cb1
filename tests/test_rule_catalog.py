"""Every rule carries complete docs and examples, and every example behaves as documented."""
import pytest

from replaylint.registry import REGISTRY
from replaylint.rule import DOC_SECTIONS
from replaylint.testing import run_example

RULES = list(REGISTRY)
EXAMPLES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{index}")
    for rule in RULES
    for kind in ("bad", "good")
    for index, example in enumerate(getattr(rule, kind))
]


def test_catalog_has_every_product_rule():
    expected = {"RPL001", "RPL002", *(f"RPL1{n:02d}" for n in range(1, 11))}
    assert expected <= {rule.code for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    assert rule.code.startswith("RPL") and len(rule.code) == 6
    assert rule.name and rule.name == rule.name.lower() and " " not in rule.name
    assert rule.severity in ("error", "warning", "info", "by-harm")
    assert rule.summary
    docs = rule.docs()
    missing = [section for section in DOC_SECTIONS if not docs[section]]
    assert not missing, f"{rule.code} lacks sections {missing}"
    assert rule.bad, f"{rule.code} has no bad example"
    assert rule.good, f"{rule.code} has no good example"


def test_codes_and_names_are_unique():
    assert len({rule.code for rule in RULES}) == len(RULES)
    assert len({rule.name for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule,kind,example", EXAMPLES)
def test_example(rule, kind, example):
    result = run_example(example)
    assert not result.problems, [p.message for p in result.problems]
    codes = sorted({f.code for f in result.findings if not f.exempted})
    if kind == "bad":
        assert codes == [rule.code], f"bad example of {rule.code} raised {codes}"
    else:
        assert codes == [], f"good example of {rule.code} raised {codes}"

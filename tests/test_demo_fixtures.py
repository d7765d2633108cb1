"""The demo API the README lints: every `# expect:` mark is reported, and nothing else is."""
import os

from conftest import FIXTURES, expected_marks
from replaylint.config import Config
from replaylint.engine import run

DEMO = FIXTURES / "demo"
# JSON has no comments: its expectations are listed here (file, line, code).
JSON_EXPECTED = {
    ("payments.json", 12, "RPL102"),
    ("payments.json", 38, "RPL001"),
    ("payments.json", 54, "RPL109"),
}


def test_demo_findings_match_the_marks(monkeypatch):
    monkeypatch.chdir(DEMO)
    result = run(["."], Config(root=DEMO))
    found = {(os.path.basename(f.path), f.span.line, f.code) for f in result.findings if not f.exempted}
    expected = set(JSON_EXPECTED)
    for name in os.listdir(DEMO):
        if name.endswith((".yaml", ".yml", ".py")):
            expected |= expected_marks(DEMO / name)
    assert found == expected
    assert result.files_analysed == 5 and not result.problems


def test_demo_exemptions_are_kept_with_their_reasons(monkeypatch):
    monkeypatch.chdir(DEMO)
    exempted = {(f.anchor, f.code, f.reason) for f in run(["."], Config(root=DEMO)).findings if f.exempted}
    assert exempted == {
        ("POST /payouts", "RPL101",
         "payouts are created by the nightly batch only, which dedupes by settlement date"),
        ("POST /payment-links", "RPL101", ""),
    }

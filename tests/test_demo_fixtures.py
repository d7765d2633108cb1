"""The demo API the README lints: every expected finding is reported, and nothing else is."""
import os

from conftest import FIXTURES
from replaylint.config import Config
from replaylint.engine import run

DEMO = FIXTURES / "demo"
# (file, line, code) of every finding. Kept here, not as marks in the demo files, so that the demo's output
# (the README shows it) has no test marks in its source lines.
EXPECTED = {
    ("common.yaml", 27, "RPL110"),
    ("legacy-swagger.yaml", 7, "RPL101"),
    ("legacy-swagger.yaml", 18, "RPL107"),
    ("legacy-swagger.yaml", 38, "RPL108"),
    ("payments.json", 12, "RPL102"),
    ("payments.json", 38, "RPL001"),
    ("payments.json", 54, "RPL109"),
    ("shop.yaml", 40, "RPL101"),
    ("shop.yaml", 52, "RPL108"),
    ("shop.yaml", 83, "RPL104"),
    ("shop_client.py", 15, "RPL201"),
    ("shop_client.py", 26, "RPL203"),
    ("shop_server.py", 16, "RPL301"),
    ("shop_server.py", 22, "RPL305"),
    ("shop_server.py", 32, "RPL403"),
    ("shop_server.py", 33, "RPL302"),
}


def test_demo_findings_are_the_expected_ones(monkeypatch):
    monkeypatch.chdir(DEMO)
    result = run(["."], Config(root=DEMO))
    found = {(os.path.basename(f.path), f.span.line, f.code) for f in result.findings if not f.exempted}
    assert found == EXPECTED
    assert result.files_analysed == 5 and not result.problems


def test_demo_exemptions_are_kept_with_their_reasons(monkeypatch):
    monkeypatch.chdir(DEMO)
    exempted = {(f.anchor, f.code, f.reason) for f in run(["."], Config(root=DEMO)).findings if f.exempted}
    assert exempted == {
        ("POST /payouts", "RPL101",
         "payouts are created by the nightly batch only, which dedupes by settlement date"),
        ("POST /payment-links", "RPL101", ""),
    }

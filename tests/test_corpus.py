"""Real public specs (../shared/corpus): no crash, every spec analysed, findings where we read them."""
import pytest

from conftest import CORPUS
from replaylint.config import Config
from replaylint.engine import run

SPECS = CORPUS / "openapi"
pytestmark = pytest.mark.skipif(not SPECS.is_dir(), reason="../shared/corpus is not present")


def lint(name, **settings):
    result = run([str(SPECS / name)], Config(**settings))
    assert result.files_analysed == 1 and not result.problems, [p.message for p in result.problems]
    return result.findings


def by_anchor(findings, code):
    return {f.anchor for f in findings if f.code == code}


def test_github():
    findings = lint("github-api.json")
    rpl101 = by_anchor(findings, "RPL101")
    assert "POST /repos/{owner}/{repo}/issues" in rpl101
    assert "POST /gists" in rpl101
    assert "POST /markdown" not in rpl101  # renders: a read behind a POST
    assert "POST /applications/{client_id}/token" not in rpl101  # checks a token
    assert not any(anchor.startswith(("GET ", "PUT ", "DELETE ")) for anchor in rpl101)


def test_stripe_with_and_without_its_implicit_key():
    findings = lint("stripe-spec3.yaml")
    assert "POST /v1/payment_intents" in by_anchor(findings, "RPL101")
    assert any(f.code == "RPL101" and f.severity == "error" and f.anchor == "POST /v1/refunds" for f in findings)
    keyed = lint("stripe-spec3.yaml", implicit_keys=["Idempotency-Key"])
    assert not by_anchor(keyed, "RPL101")


def test_kubernetes_creates_name_their_objects():
    findings = lint("kubernetes-swagger.json")
    assert "POST /api/v1/namespaces/{namespace}/pods" not in by_anchor(findings, "RPL101")


def test_twilio_recognises_its_body_idempotency_key():
    findings = lint("twilio-api-v2010.yaml")
    rpl101 = by_anchor(findings, "RPL101")
    assert "POST /2010-04-01/Accounts/{AccountSid}/Messages.json" in rpl101
    assert "POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Payments.json" not in rpl101

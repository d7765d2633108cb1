"""`replaylint audit`: the inventory, the score as docs/audit.md defines it, hotspots, the ledger, the change
since a baseline, the --min-score gate, and the three formats (JSON against its schema, Markdown snapshot,
HTML that keeps hostile input as text)."""
import json
import os
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, write
from replaylint.cli import main

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "openapi"
SNAPSHOT = Path(__file__).parent / "snapshots" / "audit-demo.md"

KEY = {"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"},
       "description": "A repeat with the same key returns the original response."}


def spec(paths, title="Shop"):
    return json.dumps({"openapi": "3.0.3", "info": {"title": title, "version": "1"}, "paths": paths})


def ok(code="201"):
    return {code: {"description": "done"}}


SHOP = {
    "/orders": {"post": {"operationId": "createOrder", "parameters": [KEY], "responses": ok()}},
    "/refunds": {"post": {"operationId": "createRefund", "responses": ok()}},
    "/audit-log": {"post": {"operationId": "appendAuditLine", "responses": ok("204"),
                            "x-replaylint": {"harm": "none", "reason": "a duplicate log line is harmless"}}},
    "/widgets/{id}": {"put": {"operationId": "putWidget", "responses": ok("200"),
                              "parameters": [{"name": "id", "in": "path", "required": True,
                                              "schema": {"type": "string"}}]},
                      "get": {"operationId": "getWidget", "responses": ok("200")}},
}


def audit(*args) -> tuple[int, str]:
    out = Path("audit-out.txt")
    code = main(["audit", *args, "--no-cache", "-o", str(out)])
    return code, out.read_text(encoding="utf-8") if out.exists() else ""


def audit_json(*args) -> tuple[int, dict]:
    code, text = audit(*args, "--format", "json")
    return code, json.loads(text)


def by_anchor(data) -> dict:
    return {op["anchor"]: op for op in data["operations"]}


def test_inventory_lists_mutations_with_harm_key_lookup_and_parts(project):
    write(project, "api.json", spec(SHOP))
    code, data = audit_json("api.json")
    assert code == 0
    ops = by_anchor(data)
    assert sorted(ops) == ["POST /audit-log", "POST /orders", "POST /refunds", "PUT /widgets/{id}"]
    orders, refunds = ops["POST /orders"], ops["POST /refunds"]
    assert orders["harm"]["level"] == "high" and orders["harm"]["source"] == "words"
    assert orders["key"] == {"name": "Idempotency-Key", "in": "header", "required": True}
    assert orders["lookup"] == "documented replay" and orders["replay_shaped"]
    assert refunds["key"] is None and refunds["parts"] == {"key": "no", "lookup": "no", "states": "yes"}
    assert [f["code"] for f in refunds["findings"]] == ["RPL101"]
    assert ops["POST /audit-log"]["weight"] == 0 and ops["POST /audit-log"]["harm"]["source"] == "annotation"
    assert ops["PUT /widgets/{id}"]["key_by_method"] and ops["PUT /widgets/{id}"]["replay_shaped"]


def test_score_is_the_harm_weighted_share_of_replay_shaped_operations(project):
    write(project, "api.json", spec(SHOP))
    _, data = audit_json("api.json")
    weights = {op["anchor"]: op["weight"] for op in data["operations"]}
    assert weights == {"POST /orders": 3, "POST /refunds": 3, "POST /audit-log": 0, "PUT /widgets/{id}": 1}
    # orders (3) and widgets (1) are replay-shaped, refunds (3) is not; the log line is not scored
    assert data["overall"]["score"] == round(100 * 4 / 7, 1)
    assert data["overall"]["key"] == round(100 * 4 / 7, 1) and data["overall"]["states"] == 100.0
    assert (data["overall"]["scored"], data["overall"]["replay_shaped"]) == (3, 2)
    assert [spot["anchor"] for spot in data["hotspots"]] == ["POST /refunds"]
    again = audit_json("api.json")[1]
    assert again == data  # the same input always gives the same report


def test_each_spec_is_its_own_api_and_python_apps_are_grouped_by_package(project):
    write(project, "shop.json", spec(SHOP))
    write(project, "billing.json", spec({"/invoices": {"post": {"responses": ok()}}}, title="Billing"))
    write(project, "svc/app.py", """
from fastapi import FastAPI, Header

app = FastAPI()


@app.post("/payments")
def create_payment(body: dict):
    return charge(body)


@app.post("/transfers")
def create_transfer(body: dict, idempotency_key: str = Header(...)):
    return transfer(body, idempotency_key)
""")
    write(project, "shop/views.py", """
from django.views.decorators.http import require_POST

from .models import Order


@require_POST
def place_order(request):
    return Order.objects.create(user=request.user)
""")
    _, data = audit_json(".")
    apis = {api["name"]: api for api in data["apis"]}
    assert set(apis) == {"Billing", "Shop", "svc (fastapi)", "shop (django)"}
    ops = by_anchor(data)
    assert ops["svc.app.create_payment"]["parts"]["key"] == "no"
    assert ops["svc.app.create_transfer"]["replay_shaped"]
    assert ops["shop.views.place_order"]["label"] == "POST place_order"
    assert apis["svc (fastapi)"]["score"] == 50.0


def test_exemptions_ledger_lists_reasons_and_flags_the_ones_without(project):
    paths = {"/payouts": {"post": {"responses": ok(), "x-replaylint-allow": [{"rule": "RPL101"}]}},
             "/payments": {"post": {"responses": ok(), "x-replaylint-allow": [
                 {"rule": "RPL101", "reason": "the batch dedupes by settlement date"}]}}}
    write(project, "api.json", spec(paths))
    _, data = audit_json("api.json")
    rows = {(row["scope"], row["reason"], row["issue"]) for row in data["exemptions"]}
    assert ("POST /payments", "the batch dedupes by settlement date", "") in rows
    assert ("POST /payouts", "", "no reason") in rows
    assert by_anchor(data)["POST /payments"]["parts"]["key"] == "exempt"


def test_change_since_a_baseline(project):
    write(project, "api.json", spec(SHOP))
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    fixed = json.loads(spec(SHOP))
    fixed["paths"]["/refunds"]["post"]["parameters"] = [KEY]
    write(project, "api.json", json.dumps(fixed))
    _, data = audit_json("api.json", "--baseline", "base.json")
    assert data["overall"]["before"]["score"] == round(100 * 4 / 7, 1)
    assert data["overall"]["score"] == 100.0
    assert [row["anchor"] for row in data["change"]["better"]] == ["POST /refunds"]
    assert data["change"]["worse"] == []


def test_operations_new_since_the_baseline_are_neither_before_nor_worse(project):
    write(project, "api.json", spec({"/orders": SHOP["/orders"]}))
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    write(project, "api.json", spec({"/orders": SHOP["/orders"], "/refunds": SHOP["/refunds"]}))
    _, data = audit_json("api.json", "--baseline", "base.json")
    assert by_anchor(data)["POST /refunds"]["before"] is None
    assert data["overall"]["before"]["score"] == 100.0 and data["overall"]["score"] == 50.0
    assert data["change"]["worse"] == [] and data["change"]["better"] == []


def test_diff_base_judges_the_ref_with_its_own_operations(project):
    import subprocess

    (project / ".git").rmdir()
    for args in (["init", "-q"], ["config", "user.email", "t@example.com"], ["config", "user.name", "t"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    write(project, "api.json", spec({"/orders": SHOP["/orders"], "/refunds": SHOP["/refunds"]}))
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "base"], cwd=project, check=True, capture_output=True)
    fixed = json.loads(spec({"/orders": SHOP["/orders"], "/refunds": SHOP["/refunds"],
                             "/payouts": {"post": {"operationId": "createPayout", "responses": ok()}}}))
    fixed["paths"]["/refunds"]["post"]["parameters"] = [KEY]
    write(project, "api.json", json.dumps(fixed))
    _, data = audit_json("api.json", "--diff-base", "HEAD")
    ops = by_anchor(data)
    assert ops["POST /payouts"]["before"] is None and ops["POST /refunds"]["before"]["key"] == "no"
    assert [row["anchor"] for row in data["change"]["better"]] == ["POST /refunds"]
    assert data["change"]["worse"] == []


def test_a_baseline_of_the_same_tree_shows_no_change(project):
    paths = {**SHOP, "/payouts": {"post": {"responses": ok(), "x-replaylint-allow": [{"rule": "RPL101"}]}}}
    write(project, "api.json", spec(paths))
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    _, data = audit_json("api.json", "--baseline", "base.json")
    assert data["overall"]["before"] == {key: data["overall"][key] for key in data["overall"]["before"]}
    assert data["change"]["better"] == [] and data["change"]["worse"] == []


def test_a_baseline_entry_whose_path_holds_a_bar_still_counts(project):
    paths = {"/a|b": {"post": {"operationId": "pipe", "responses": ok()}}}
    write(project, "x|y.json", spec(paths))
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    _, data = audit_json("x|y.json", "--baseline", "base.json")
    assert by_anchor(data)["POST /a|b"]["before"]["key"] == "no"


def test_an_exemption_without_a_reason_is_not_a_sign_off(project):
    paths = {"/payouts": {"post": {"responses": ok(), "x-replaylint-allow": [{"rule": "RPL101"}]}}}
    write(project, "api.json", spec(paths))
    _, data = audit_json("api.json")
    assert by_anchor(data)["POST /payouts"]["parts"]["key"] == "no"
    assert data["overall"]["score"] == 0.0


def test_a_spec_not_analysed_is_left_out_of_the_score(project):
    write(project, "good.json", spec(SHOP, title="Good"))
    broken = json.loads(spec(SHOP, title="Broken"))
    broken["paths"]["/refunds"]["post"]["requestBody"] = {
        "content": {"application/json": {"schema": {"$ref": "missing.json#/Refund"}}}}
    write(project, "broken.json", json.dumps(broken))
    code, data = audit_json(".")
    assert code == 2
    assert [api["name"] for api in data["apis"]] == ["Good"]
    assert [api["name"] for api in data["not_scored"]] in ([], ["Broken"])
    assert data["overall"]["score"] == round(100 * 4 / 7, 1)
    assert [p["file"] for p in data["not_analysed"]] == ["broken.json"]


def test_min_score_with_nothing_to_score_cannot_pass(project, capsys):
    write(project, "api.json", spec({"/audit-log": SHOP["/audit-log"]}))
    assert audit("api.json", "--min-score", "10")[0] == 2
    assert "nothing to score" in capsys.readouterr().err
    assert audit("api.json")[0] == 0


def test_min_score_gates_and_broken_inputs_still_exit_2(project):
    write(project, "api.json", spec(SHOP))
    assert audit("api.json", "--min-score", "50")[0] == 0
    assert audit("api.json", "--min-score", "60")[0] == 1
    write(project, "broken.yaml", "openapi: 3.0.3\npaths: [\n")
    code, text = audit(".", "--min-score", "0")
    assert code == 2 and "not analysed" in text.lower()


def test_json_matches_its_documented_schema(project):
    jsonschema = pytest.importorskip("jsonschema")
    from replaylint.audit import SCHEMA_PATH

    write(project, "api.json", spec(SHOP))
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    _, data = audit_json(".", "--baseline", "base.json")
    jsonschema.validate(data, json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8")))


def test_markdown_snapshot_of_the_demo(monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    code = main(["audit", "fixtures/demo", "--no-cache", "-j", "1", "-o", os.devnull])
    assert code == 0
    from replaylint.config import Config
    from replaylint.engine import run
    from replaylint.fingerprint import project_root
    from replaylint.audit.data import audit_data
    from replaylint.audit.score import build_audit
    from replaylint.report.audit_markdown import render_audit_markdown

    config = Config(root=FIXTURES.parent)
    config.inventory = True
    text = render_audit_markdown(audit_data(build_audit(run(["fixtures/demo"], config), project_root())))
    if os.environ.get("REPLAYLINT_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), "set REPLAYLINT_UPDATE_SNAPSHOTS=1 to accept a change"


def test_the_readme_example_is_the_demo_as_it_is():
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Audit an existing API", 1)[1].split("\n## ", 1)[0]
    example = section.split("On the bundled demo:", 1)[1].split("```")[1].strip("\n")
    assert example and example in SNAPSHOT.read_text(encoding="utf-8"), \
        "the README's audit example differs from tests/snapshots/audit-demo.md: copy it from there"


def test_html_is_self_contained_and_keeps_hostile_strings_as_text(project):
    hostile = {"/orders": {"post": {"operationId": "<script>alert(1)</script>", "responses": ok(),
                                    "summary": "<img src=x onerror=alert(2)>"}}}
    write(project, "api.json", spec(hostile, title="<b onmouseover=alert(3)>Shop</b>"))
    code, html = audit("api.json", "--format", "html")
    assert code == 0
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b onmouseover" not in html and "&lt;b onmouseover=alert(3)&gt;" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    assert html.count("<script>") == 1  # the page's own sorter, nothing from the input


@pytest.mark.skipif(not (SHARED / "github-api.json").exists(), reason="../shared/corpus is not here")
def test_corpus_specs_are_inventoried_and_scored(monkeypatch):
    monkeypatch.chdir(SHARED)
    for name in sorted(os.listdir(SHARED)):
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"replaylint-audit-{os.getpid()}.json"
        code = main(["audit", name, "--no-cache", "--format", "json", "-o", str(out)])
        data = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
        assert code == 0, name
        assert data["overall"]["scored"] > 0 and 0 <= data["overall"]["score"] <= 100, name
        assert all(op["parts"]["key"] in ("yes", "no", "exempt") for op in data["operations"])


def test_a_spec_operation_and_the_handler_serving_it_are_one_row(project):
    import shutil

    shutil.copytree(FIXTURES / "projects" / "crosscheck" / "fastapi_shop", project, dirs_exist_ok=True)
    _, data = audit_json(".")
    rows = {op["label"]: op for op in data["operations"]}
    create = rows["POST /shop/orders (createOrder, served by create_order)"]
    assert create["served_by"] == {"file": "app/orders.py", "line": 9, "name": "create_order"}
    assert create["parts"]["key"] == "no"  # RPL401 at the handler counts against the operation
    assert any(f["code"] == "RPL401" for f in create["findings"])
    checkout = rows["POST /shop/carts/{cartId}/checkout (checkout, served by checkout)"]
    assert checkout["parts"]["states"] == "no"  # RPL404
    handlers = [op for op in data["operations"] if op["kind"] == "handler"]
    assert [op["name"] for op in handlers] == ["create_payout"]  # the one route no operation describes
    jsonschema = pytest.importorskip("jsonschema")
    from replaylint.audit import SCHEMA_PATH

    jsonschema.validate(data, json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8")))

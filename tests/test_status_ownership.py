"""A status enum is judged on the operation whose answer or monitor it describes (issue 11, shape 7): not on
an operation that merely embeds another resource, and a 202 whose monitor sits beside an action path is
still followed to that monitor."""
import json

from conftest import write
from replaylint.config import Config
from replaylint.engine import run


def status_findings(project, paths):
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    write(project, "api.json", json.dumps(spec))
    result = run(["api.json"], Config())
    assert not result.problems
    return sorted((f.code, f.anchor, f.detail) for f in result.findings if f.code in ("RPL108", "RPL109", "RPL110"))


def answer(schema, code="201"):
    return {"responses": {code: {"description": "x", "content": {"application/json": {"schema": schema}}}}}


def status(*values):
    return {"type": "string", "enum": list(values)}


CUSTOMER = {"type": "object", "properties": {"id": {"type": "string"},
                                             "status": status("pending", "processing")}}


def test_a_nested_resource_status_is_not_the_operation_s(project):
    order = {"type": "object", "properties": {"id": {"type": "string"}, "customer": CUSTOMER,
                                              "status": status("pending", "paid", "failed")}}
    post = {**answer(order), "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                             "schema": {"type": "string"}}]}
    assert status_findings(project, {"/orders": {"post": post}}) == []


def test_the_same_status_is_judged_where_its_resource_is_the_answer(project):
    found = status_findings(project, {"/customers": {"post": answer(CUSTOMER)}})
    assert [(code, anchor) for code, anchor, _ in found] == [("RPL109", "POST /customers")]


def test_a_wrapper_property_is_the_operation_s_own_answer(project):
    wrapped = {"type": "object", "properties": {"data": {"type": "object", "properties": {
        "status": status("queued", "running", "completed")}}}}
    found = status_findings(project, {"/exports": {"post": answer(wrapped)}})
    assert [(code, anchor) for code, anchor, _ in found] == [("RPL109", "POST /exports")]


def test_a_202_action_is_followed_to_the_monitor_beside_it(project):
    job = {"type": "object", "properties": {"id": {"type": "string"},
                                            "status": status("queued", "running", "done")}}
    paths = {"/reports/generate": {"post": answer({"type": "object", "properties": {"id": {"type": "string"}}},
                                                  "202")},
             "/reports/{report_id}": {"get": answer(job, "200")}}
    found = status_findings(project, paths)
    assert ("RPL109", "GET /reports/{report_id}") in [(code, anchor) for code, anchor, _ in found]

"""Loading specs: positions (also through `$ref` into other files, YAML and JSON), versions, broken refs."""
import json

import pytest

from conftest import write
from replaylint.config import Config
from replaylint.documents import DocumentError, parse_document
from replaylint.engine import run

KEYLESS_POST = {"post": {"operationId": "createThing", "responses": {"201": {"description": "created"}}}}


def findings(paths, **config):
    result = run(paths, Config(**config))
    return result, [(f.code, f.path, f.span.line, f.span.column) for f in result.findings if not f.exempted]


def test_yaml_positions_are_one_based_key_positions():
    doc = parse_document("x.yaml", "a:\n  b:\n    - c: 1\n    - d: 2\n")
    assert doc.position(("a",)) == (1, 1, 1, 2)
    assert doc.position(("a", "b")) == (2, 3, 2, 4)
    assert doc.position(("a", "b", 1))[:2] == (4, 5)  # the item's dash
    assert doc.position(("a", "b", 1, "d"))[:2] == (4, 7)


def test_json_positions_are_found_lazily_and_exactly():
    text = '{\n  "a": {"b": [1, {"c": "x"}]},\n  "z": 2\n}\n'
    doc = parse_document("x.json", text)
    assert doc.position(("a",))[:2] == (2, 3)
    assert doc.position(("a", "b", 1, "c"))[:2] == (2, 19)
    assert doc.position(("z",))[:2] == (3, 3)
    assert doc.position(("missing",))[:2] == (1, 1)  # falls back to the nearest enclosing value


def test_yaml_int_keys_and_merge_keys_are_located():
    doc = parse_document("x.yaml", "base: &b\n  k: 1\nresponses:\n  200: ok\nitem:\n  <<: *b\n")
    assert doc.position(("responses", 200))[:2] == (4, 3)
    assert doc.position(("item", "k"))[:2] == (2, 3)


@pytest.mark.parametrize("text,reason", [
    ("a: [1, 2\n", "invalid YAML"),
    ("a: 1\n a: 2\n", "invalid YAML"),
])
def test_invalid_yaml_has_a_position(text, reason):
    with pytest.raises(DocumentError) as error:
        parse_document("x.yaml", text)
    assert reason in error.value.message and error.value.line


def test_invalid_json_has_a_position():
    with pytest.raises(DocumentError) as error:
        parse_document("x.json", '{"a": 1,,}')
    assert error.value.line == 1 and error.value.column == 9


@pytest.mark.parametrize("header", [
    'swagger: "2.0"\ninfo: {title: t, version: "1"}\n',
    'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n',
    'openapi: 3.1.0\ninfo: {title: t, version: "1"}\n',
])
def test_every_version_is_analysed(project, header):
    write(project, "api.yaml", header + "paths:\n  /things:\n    post:\n      responses:\n        '201': {description: ok}\n")
    result, found = findings(["api.yaml"])
    assert found == [("RPL101", "api.yaml", 5, 5)]
    assert result.files_analysed == 1


def test_finding_in_referenced_yaml_file_points_into_that_file(project):
    write(project, "api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n'
                               '  /things:\n    $ref: "./paths/things.yaml"\n')
    write(project, "paths/things.yaml", "# the things\npost:\n  operationId: createThing\n"
                                        "  responses:\n    '201': {description: ok}\n")
    _, found = findings(["api.yaml"])
    assert found == [("RPL101", "paths/things.yaml", 2, 1)]


def test_finding_in_referenced_json_file_points_into_that_file(project):
    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                           "paths": {"/things": {"$ref": "defs.json#/pathItems/things"}}}))
    write(project, "defs.json", '{\n  "pathItems": {\n    "things": {\n      "post": {"responses": {}}\n    }\n  }\n}\n')
    _, found = findings(["api.json"])
    assert found == [("RPL101", "defs.json", 4, 7)]


def test_shared_key_parameter_through_ref_counts(project):
    write(project, "api.yaml", """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      parameters: [{$ref: "#/components/parameters/Key"}]
      responses: {'201': {description: ok}, '409': {description: in flight}}
components:
  parameters:
    Key: {name: x_idempotency_key, in: header, description: a repeat returns the original response}
""")
    _, found = findings(["api.yaml"])
    assert found == []


def test_same_relative_ref_in_two_folders_resolves_in_each_folder(project):
    """Resolved `$ref`s are cached: the cache must key on the file the `$ref` is written in, not the string."""
    write(project, "api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n'
                               '  /a:\n    $ref: "./a/item.yaml"\n  /b:\n    $ref: "./b/item.yaml"\n')
    item = ("post:\n  parameters: [{$ref: './params.yaml#/Key'}]\n"
            "  responses: {'201': {description: ok}, '409': {description: in flight}}\n")
    write(project, "a/item.yaml", item)
    write(project, "b/item.yaml", item)
    write(project, "a/params.yaml", "Key: {name: Idempotency-Key, in: header, required: true}\n")
    write(project, "b/params.yaml", "Key: {name: X-Trace-Note, in: header}\n")
    _, found = findings(["api.yaml"])
    # a/ takes its own Idempotency-Key (so only the lookup is missing); b/ has no key at all
    assert sorted(found) == [("RPL101", "b/item.yaml", 1, 1), ("RPL105", "a/item.yaml", 1, 1)]


def test_ref_cycles_terminate_and_are_reported(project):
    write(project, "api.yaml", """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a: {$ref: "#/paths/~1b"}
  /b: {$ref: "#/paths/~1a"}
  /tree:
    post:
      parameters: [{name: Idempotency-Key, in: header, required: true, description: returns the original response}]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}
        '409': {description: in flight}
components:
  schemas:
    Node: {type: object, properties: {child: {$ref: "#/components/schemas/Node"}, status: {type: string, enum: [running, done, failed]}}}
""")
    result, found = findings(["api.yaml"])
    assert found == []
    assert any("cycle" in p.message for p in result.problems)


@pytest.mark.parametrize("ref,reason", [
    ("./missing.yaml#/X", "cannot be read"),
    ("#/components/parameters/Nope", "points to nothing"),
    ("../outside.yaml#/X", "leaves the project root"),
    ("https://example.com/common.yaml#/X", "remote $ref"),
])
def test_broken_refs_are_named_and_the_operation_not_guessed(project, ref, reason):
    write(project.parent, "outside.yaml", "X: {name: Idempotency-Key, in: header}\n")
    write(project, "api.yaml", f"""openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /things:
    post:
      parameters: [{{$ref: "{ref}"}}]
      responses: {{'201': {{description: ok}}}}
""")
    result, found = findings(["api.yaml"])
    assert found == []  # the parameter behind the broken ref is unknown: no RPL101 guessed
    assert [(p.path, p.line) for p in result.problems] == [("api.yaml", 6)]
    assert reason in result.problems[0].message


@pytest.mark.parametrize("body", [
    # Swagger 2.0 body parameter
    """swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /payments:
    post:
      parameters: [{name: body, in: body, schema: {$ref: "#/definitions/Missing"}}]
      responses: {'200': {description: ok}}
definitions: {}
""",
    # a property nested in the body, and a combiner branch in another file
    """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /payments:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {item: {$ref: "#/components/schemas/Missing"}}}
      responses: {'200': {description: ok}}
  /refunds:
    post:
      requestBody:
        content:
          application/json:
            schema: {allOf: [{$ref: "./missing.yaml#/Base"}]}
      responses: {'200': {description: ok}}
""",
])
def test_broken_refs_inside_a_body_leave_the_key_unknown(project, body):
    """The key may be the field behind the broken reference: no RPL101 guessed, the reference named."""
    write(project, "api.yaml", body)
    result, found = findings(["api.yaml"])
    assert found == [] and result.problems
    assert all(p.path == "api.yaml" and "$ref" in p.message for p in result.problems)


def test_walk_finds_specs_by_content_and_skips_fragments(project):
    write(project, "specs/api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /t:\n    post: {responses: {}}\n')
    write(project, "specs/fragment.yaml", "components: {}\n")
    write(project, "config.json", '{"name": "not a spec"}')
    write(project, "ignored/api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /t:\n    post: {}\n')
    write(project, ".gitignore", "ignored/\n")
    result, found = findings(["."])
    assert [f[1] for f in found] == ["specs/api.yaml"]
    assert result.files_analysed == 1 and not result.problems


def test_exclude_globs_apply(project):
    write(project, "vendor/api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /t:\n    post: {}\n')
    result, found = findings(["."], root=project, exclude=["vendor"])
    assert found == [] and result.files_analysed == 0


def test_explicit_non_spec_file_is_reported(project):
    write(project, "notes.yaml", "hello: world\n")
    result, _ = findings(["notes.yaml"])
    assert [p.path for p in result.problems] == ["notes.yaml"]
    assert "not an OpenAPI document" in result.problems[0].message


def test_validation_is_opt_in_and_reports_notes_not_errors(project):
    write(project, "api.yaml", 'openapi: 3.0.3\ninfo: {title: t}\npaths:\n  /t:\n    post:\n'
                               '      parameters: [{name: x}]\n      responses: {}\n')
    result, found = findings(["api.yaml"])
    assert result.notes == [] and found == [("RPL101", "api.yaml", 5, 5)]
    result, found = findings(["api.yaml"], validate=True)
    assert found == [("RPL101", "api.yaml", 5, 5)] and not result.problems
    assert [(n.line, "invalid OpenAPI 3.0" in n.message) for n in result.notes] == [(2, True), (6, True), (7, True)]


def test_a_crashing_rule_is_reported_and_the_rest_runs(project, monkeypatch):
    from replaylint.registry import REGISTRY

    def explode(spec):
        raise ValueError("boom")

    monkeypatch.setattr(REGISTRY.get("RPL109"), "check", explode)
    write(project, "api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /t:\n    post: {}\n')
    result, found = findings(["api.yaml"])
    assert found == [("RPL101", "api.yaml", 5, 5)]
    assert [p.message for p in result.problems] == ["internal error in rule RPL109: ValueError: boom"]


def test_an_analysed_spec_is_freed_as_soon_as_its_analysis_ends(project, monkeypatch):
    """The document must not sit in a reference cycle: the garbage collector is paused while a spec is
    analysed, and a big tree left to it would be walked again and again after."""
    import gc
    import weakref

    from replaylint import engine

    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                           "paths": {"/things": KEYLESS_POST},
                                           "components": {"schemas": {"T": {"type": "object"}}}}))
    parsed = []
    real_parse = engine.parse_document

    def parse_and_watch(path, text):
        doc = real_parse(path, text)
        parsed.append(weakref.ref(doc))
        return doc

    monkeypatch.setattr(engine, "parse_document", parse_and_watch)
    gc.disable()
    try:
        _, found = findings(["api.json"])
        assert [code for code, *_ in found] == ["RPL101"]
        assert parsed and parsed[0]() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("operation_id, flagged", [
    ("setLfsPreference", False),  # an assignment: the same value set twice is the same state
    ("set-default-branch", False),
    ("followUser", False),  # putting a thing into a state (followed, enabled) is an assignment too
    ("enable-feature", False),
    ("setExpressCheckout", True),  # a name is only a hint: high harm (a checkout) still needs a key
    ("setUpAccount", True),  # phrasal verbs create or move things
    ("set-off-debt", True),
    ("setAndChargeCard", True),  # ... and so does a mutating verb after `set`
    ("createFollowUp", True),  # a state verb's noun: `follow-ups` are made
    ("LinkCustomerToGiftCard", False),
    ("removeFunds", True),  # `remove` may take an amount away: not a deletion
    ("PostLinkAccountSessions", True),  # `link_account_sessions` are made
    ("BulkDeleteCustomers", False),  # deleting again leaves them deleted, as DELETE does
    ("deleteAndRefundOrder", True),
])
def test_operations_named_as_setting_a_value(project, operation_id, flagged):
    op = {"post": {"operationId": operation_id, "responses": {"200": {"description": "done"}}}}
    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                           "paths": {"/things/{id}/action": op}}))
    _, found = findings(["api.json"], select=["RPL101"])
    assert bool(found) is flagged


@pytest.mark.parametrize("path, operation_id, flagged", [
    ("/getAccountHolder", "post-getAccountHolder", False),  # RPC-style reads over POST (Adyen)
    ("/listTransactions", "", False),
    ("/accounts/search", "searchAccounts", False),
    ("/accounts", "post-createAccount", True),
    ("/onboarding/get-started", "", True),  # kebab-case `get-` is a noun phrase, not an RPC read
    ("/marketplace/list-product", "", True),
    ("/us_zip_lookups", "", False),  # a read verb's plural noun names a collection of reads
    ("/audio/translations", "", False),
    ("/responses/input_tokens?beta=true", "", False),  # a variant marked with a query: the same route
    ("/institutions/get_by_id", "", False),
    ("/payments/decode", "", False),
    ("/lists", "createList", True),  # a read verb's plural is not a read noun
    ("/filters", "createFilter", True),
    ("/v1/predictions", "createPrediction", True),
    ("/create-estimates", "", True),
    ("/invoices/{id}/send-previews", "", True),
    ("/payments/sync", "", True),  # syncing may take a payment (Adyen Terminal)
    ("/conversations.list", "", False),  # Slack-style RPC: the method follows the last dot
    ("/chat.postMessage", "", True),
    ("/auth/customer/{provider}/callback", "", False),  # signing in
    ("/checkout/sessions", "", True),  # a session that is not a sign-in
])
def test_read_style_posts(project, path, operation_id, flagged):
    op = {"post": {"responses": {"200": {"description": "done"}}}}
    if operation_id:
        op["post"]["operationId"] = operation_id
    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                           "paths": {path: op}}))
    _, found = findings(["api.json"], select=["RPL101"])
    assert bool(found) is flagged


@pytest.mark.parametrize("values, missing", [
    (["submitted", "expired", "lost", "won"], []),  # a dispute: won and lost end it
    (["received", "Authorised", "Refused"], []),  # a payment (Adyen)
    (["pending", "valid", "invalid"], []),
    (["submitted", "processing", "expired"], ["success"]),
])
def test_status_vocabulary_terminals(values, missing):
    from replaylint.vocabulary import StateVocabulary

    states = StateVocabulary()
    assert states.missing_terminals(states.classify(values)) == missing


def test_deprecated_status_fields_are_not_judged(project):
    status = {"type": "string", "enum": ["queued", "running"]}
    response = {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "status": status, "legacy_state": {**status, "deprecated": True}}}}}}
    op = {"post": {"operationId": "startExport", "parameters": [{"name": "Idempotency-Key", "in": "header",
                                                                  "required": True}],
                   "responses": {"200": {"description": "started", **response}}}}
    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                           "paths": {"/exports": op}}))
    _, found = findings(["api.json"], select=["RPL109"])
    assert len(found) == 1


@pytest.mark.parametrize("segment, flagged", [("follow", False), ("follow-ups", True), ("watch-lists", True),
                                              ("unfollow", False)])
def test_state_verbs_in_paths(project, segment, flagged):
    op = {"post": {"responses": {"200": {"description": "done"}}}}
    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                           "paths": {f"/users/{{id}}/{segment}": op}}))
    _, found = findings(["api.json"], select=["RPL101"])
    assert bool(found) is flagged


@pytest.mark.parametrize("values, missing", [
    (["IN_PROGRESS", "COMPLETED", "ACTION_FAILED"], []),  # compounds say their state in a word
    (["pending", "provisioning", "provisioned", "provisioning-failed"], []),
    (["QUEUED", "RUNNING", "INTERNAL_ERROR"], ["success"]),
    (["pending-registration", "registered", "registration-failure"], []),
])
def test_compound_status_values(values, missing):
    from replaylint.vocabulary import StateVocabulary

    states = StateVocabulary()
    assert states.missing_terminals(states.classify(values)) == missing


def test_an_id_wrapped_in_the_accepted_body_is_a_way_to_follow_the_work(project):
    """DigitalOcean answers 202 with `{"firewall": {"id": ...}}` and serves GET /firewalls/{id}."""
    wrapped = {"type": "object", "properties": {"firewall": {"type": "object", "properties": {
        "id": {"type": "string"}, "status": {"type": "string"}}}}}
    accepted = {"202": {"description": "accepted", "content": {"application/json": {"schema": wrapped}}}}
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/firewalls": {"post": {"operationId": "createFirewall", "responses": accepted}},
        "/firewalls/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL108"])
    assert found == []
    del spec["paths"]["/firewalls/{id}"]
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL108"])
    assert [f[0] for f in found] == ["RPL108"]


def test_a_key_header_name_used_as_a_body_field_is_a_key(project):
    """Azure SMS sends `repeatabilityRequestId` in the body: the Repeatability-Request-ID header's name."""
    body = {"type": "object", "properties": {"message": {"type": "string"},
                                             "repeatabilityRequestId": {"type": "string"}}}
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/sms": {"post": {
        "operationId": "sendSms", "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {"200": {"description": "sent"}}}}}}
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL101", "RPL102"])
    assert [f[0] for f in found] == ["RPL102"]  # a key, if optional


def test_a_boolean_named_like_a_key_is_not_a_key(project):
    """Plaid's `is_idempotent: true` says something of the request; it names no intent."""
    body = {"type": "object", "properties": {"is_idempotent": {"type": "boolean"}, "amount": {"type": "integer"}}}
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/transfers": {"post": {
        "operationId": "createTransfer", "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {"200": {"description": "done"}}}}}}
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL101", "RPL102", "RPL106"])
    assert [f[0] for f in found] == ["RPL101"]


@pytest.mark.parametrize("value, kind", [
    ("ready_for_review", None), ("partially_paid", None), ("pending_review", "not-started"),
    ("failed_retryable", "failed"), ("not_paid", None),
])
def test_compound_values_on_the_way_are_not_terminal(value, kind):
    from replaylint.vocabulary import StateVocabulary

    found = StateVocabulary().classify([value])
    assert (next(iter(found)) if found else None) == kind


def test_a_put_that_says_it_replaces_the_collection_creates_nothing(project):
    created = {"201": {"description": "created"}}
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/issues/{n}/labels": {"put": {"summary": "Replace all labels for an issue", "responses": created}},
        "/issues/{n}/labels/{name}": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/issues/{n}/comments": {"put": {"summary": "Add a comment", "responses": created}},
        "/issues/{n}/comments/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL107"])
    assert [f[0] for f in found] == ["RPL107"] and len(found) == 1


@pytest.mark.parametrize("description, keyed", [
    ("Unique identifier of the event. It is crucial for ensuring idempotency.", True),
    ("Used to deduplicate events sent twice.", True),
    ("The id of the event. Creating events is not idempotent.", False),
    ("The order. See https://docs.example.com/idempotency for retries.", False),
])
def test_an_id_field_described_as_deduplicating_is_a_key(project, description, keyed):
    body = {"type": "object", "required": ["transaction_id"], "properties": {
        "transaction_id": {"type": "string", "description": description}, "code": {"type": "string"}}}
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/events": {"post": {
        "operationId": "createEvent", "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {"200": {"description": "done"}}}}}}
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL101"])
    assert (found == []) is keyed


def test_put_with_the_member_id_in_the_body_and_ids_in_a_wrapped_list(project):
    """PUT /pets with a required `id` that addresses /pets/{id} is client-named (no RPL107); a 202 whose body
    wraps a list of items with ids, readable by GET /statements/{id}, can be followed (no RPL108)."""
    pet = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    listed = {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"id": {"type": "string"}}}}}}
    ok = {"200": {"description": "ok"}}
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/pets": {"put": {"requestBody": {"content": {"application/json": {"schema": pet}}},
                          "responses": {"201": {"description": "created"}}}},
        "/pets/{id}": {"get": {"responses": ok}},
        "/statements": {"post": {"operationId": "createStatements", "parameters": [
            {"name": "Idempotency-Key", "in": "header", "required": True}], "responses": {
            "202": {"description": "accepted", "content": {"application/json": {"schema": listed}}}}}},
        "/statements/{id}": {"get": {"responses": ok}}}}
    write(project, "api.json", json.dumps(spec))
    _, found = findings(["api.json"], select=["RPL107", "RPL108"])
    assert found == []

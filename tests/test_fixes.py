"""Safe fixes: after `--fix` the file re-checks clean for the rule and differs from before only by what the fix
adds (comments, order, quoting and indentation kept), in YAML and JSON alike; `--diff` changes nothing."""
import difflib
import json
import shutil

import pytest
import yaml

from conftest import CORPUS, FIXTURES, write
from replaylint.cli import main
from replaylint.registry import REGISTRY
from replaylint.testing import example_source


def codes(path, *select) -> list[str]:
    from replaylint.config import Config
    from replaylint.engine import run

    result = run([str(path)], Config(root=path.parent), select=list(select) or None)
    assert not result.problems, [p.message for p in result.problems]
    return [f.code for f in result.findings if not f.exempted]


def only_added(before: str, after: str) -> bool:
    """`after` is `before` with text added (no character of `before` changed, moved or removed): `before` is
    a subsequence of `after`, which one greedy pass decides (linear, so a 2 MB spec is quick)."""
    position = 0
    for char in after:
        if position < len(before) and char == before[position]:
            position += 1
    return position == len(before) and len(after) > len(before)


@pytest.mark.parametrize("index", range(len(REGISTRY.get("RPL101").bad)))
def test_rpl101_fix_on_each_bad_example(project, index):
    example = REGISTRY.get("RPL101").bad[index]
    path = write(project, example.filename, example_source(example))
    before = path.read_text(encoding="utf-8")
    assert "RPL101" in codes(path)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", example.filename]) == 0
    after = path.read_text(encoding="utf-8")
    assert "RPL101" not in codes(path)
    assert only_added(before, after)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", example.filename]) == 0  # a second run: no change
    assert path.read_text(encoding="utf-8") == after


JSON_SPEC = {"openapi": "3.0.3", "info": {"title": "Shop", "version": "1"},
             "paths": {"/orders": {"post": {"operationId": "createOrder",
                                            "responses": {"201": {"description": "the order"}}}},
                       "/refunds": {"post": {"operationId": "createRefund",
                                             "parameters": [{"name": "x-tenant", "in": "header",
                                                             "schema": {"type": "string"}}],
                                             "responses": {"201": {"description": "the refund"}}}}},
             "components": {"schemas": {"Order": {"type": "object"}}}}


@pytest.mark.parametrize("indent", [2, 4, None])
def test_rpl101_fix_in_json_keeps_the_file_as_written(project, indent):
    path = write(project, "api.json", json.dumps(JSON_SPEC, indent=indent) + "\n")
    before = path.read_text(encoding="utf-8")
    assert codes(path).count("RPL101") == 2
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "api.json"]) == 0
    after = path.read_text(encoding="utf-8")
    data = json.loads(after)  # still JSON
    assert "RPL101" not in codes(path)
    assert only_added(before, after)
    assert data["components"]["parameters"]["IdempotencyKey"]["name"] == "Idempotency-Key"
    assert data["paths"]["/refunds"]["post"]["parameters"][1] == {"$ref": "#/components/parameters/IdempotencyKey"}


def test_the_demo_specs_are_fixed_in_place_and_an_existing_parameter_is_reused(project):
    for name in ("shop.yaml", "legacy-swagger.yaml", "common.yaml"):
        shutil.copy(FIXTURES / "demo" / name, project / name)
    before = {name: (project / name).read_text(encoding="utf-8") for name in ("shop.yaml", "legacy-swagger.yaml")}
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "."]) == 0
    for name, text in before.items():
        after = (project / name).read_text(encoding="utf-8")
        assert only_added(text, after) and yaml.safe_load(after)
        assert "RPL101" not in codes(project / name)
    swagger = yaml.safe_load((project / "legacy-swagger.yaml").read_text(encoding="utf-8"))
    assert swagger["parameters"]["IdempotencyKey"]["type"] == "string"  # Swagger 2.0: root parameters


def test_diff_shows_and_changes_nothing(project, capsys):
    example = REGISTRY.get("RPL101").bad[0]
    path = write(project, example.filename, example_source(example))
    before = path.read_text(encoding="utf-8")
    assert main(["check", "--no-cache", "--diff", example.filename]) == 1
    out = capsys.readouterr().out
    assert "+        - $ref: \"#/components/parameters/IdempotencyKey\"" in out or "$ref" in out
    assert path.read_text(encoding="utf-8") == before


def test_an_optional_key_is_made_required_only_with_unsafe_fixes(project):
    shutil.copy(FIXTURES / "demo" / "payments.json", project / "payments.json")
    path = project / "payments.json"
    before = path.read_text(encoding="utf-8")
    assert "RPL102" in codes(path)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "--select", "RPL102", "payments.json"]) == 0
    assert path.read_text(encoding="utf-8") == before  # unsafe: not without --unsafe-fixes
    assert main(["check", "--no-cache", "--fix", "--unsafe-fixes", "--exit-zero", "--select", "RPL102",
                 "payments.json"]) == 0
    after = path.read_text(encoding="utf-8")
    assert "RPL102" not in codes(path)
    assert [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[0] in "+-"] == \
        ['-             "required": false,', '+             "required": true,']


def test_a_comment_exemption_gets_a_reason_placeholder_that_still_fails(project):
    path = write(project, "app.py", """from fastapi import FastAPI

app = FastAPI()


# replaylint: allow[RPL301]
@app.post("/payments")
async def create_payment(body: dict):
    return await payments.charge(body)
""")
    assert "RPL001" in codes(path)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "app.py"]) == 0
    assert "# replaylint: allow[RPL301] -- <why this is safe>\n" in path.read_text(encoding="utf-8")
    assert "RPL001" in codes(path)  # until a person writes the reason


@pytest.mark.parametrize("name", ["twilio-api-v2010.yaml", "stripe-spec3.yaml", "github-api.json",
                                  "kubernetes-swagger.json"])
def test_a_corpus_spec_is_fixed_by_additions_only(project, name):
    if not (CORPUS / "openapi" / name).exists():
        pytest.skip("../shared/corpus is absent")
    shutil.copy(CORPUS / "openapi" / name, project / name)
    path = project / name
    path.chmod(0o644)
    before = path.read_text(encoding="utf-8")
    assert "RPL101" in codes(path, "RPL101")
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "--select", "RPL101", name]) == 0
    after = path.read_text(encoding="utf-8")
    assert codes(path, "RPL101") == []
    assert only_added(before, after)
    load = json.loads if name.endswith(".json") else (lambda text: yaml.load(text, Loader=LOADER))
    assert only_the_key_added(load(before), load(after))


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def only_the_key_added(old, new, key: str = "") -> bool:
    """`new` is `old` plus a `$ref` to the key parameter in parameter lists, the key parameter's definition
    and the mappings that hold it: the data of a spec RPL101's fix changed and nothing else."""
    def is_key_ref(item):
        return isinstance(item, dict) and set(item) == {"$ref"} and item["$ref"].endswith("/IdempotencyKey")

    def is_addition(name, value):
        if name == "IdempotencyKey":
            return isinstance(value, dict) and value.get("name") == "Idempotency-Key"
        if name == "parameters" and isinstance(value, list):
            return all(is_key_ref(item) for item in value)
        if name in ("parameters", "components") and isinstance(value, dict):
            return all(is_addition(k, v) for k, v in value.items())
        return False

    if isinstance(old, dict):
        return isinstance(new, dict) and old.keys() <= new.keys() and \
            all(only_the_key_added(old[k], new[k], k) for k in old) and \
            all(is_addition(k, new[k]) for k in new.keys() - old.keys())
    if isinstance(old, list):
        extra = new[len(old):] if isinstance(new, list) else None
        return extra is not None and all(only_the_key_added(a, b) for a, b in zip(old, new)) and \
            all(is_key_ref(item) for item in extra) and (not extra or key == "parameters")
    return old == new


HEADER = 'openapi: 3.0.3\ninfo: {title: Shop, version: "1"}\n'


@pytest.mark.parametrize("paths", [
    # the file ends with an alias of an operation written earlier
    """paths:
  /orders:
    post: &create
      operationId: createOrder
      responses:
        "201": {description: created}
  /orders2:
    post: *create
""",
    # the last parameter ends with a block scalar
    """paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - name: x
          in: query
          description: |
            some text
      responses:
        "201": {description: created}
""",
])
def test_rpl101_fix_keeps_every_path_where_it_was(project, paths):
    path = write(project, "openapi.yaml", HEADER + paths)
    text = path.read_text(encoding="utf-8")
    before = yaml.safe_load(text)
    main(["check", "--no-cache", "--fix", "--exit-zero", "openapi.yaml"])
    after = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(after["paths"]) == set(before["paths"])
    if "&create" in paths:  # one operation written once and reached twice: left to a person
        assert path.read_text(encoding="utf-8") == text
    else:
        assert "RPL101" not in codes(path)


def test_no_fix_into_a_list_an_alias_shares_with_another_operation(project):
    path = write(project, "openapi.yaml", HEADER + """paths:
  /payouts:
    get:
      operationId: listPayouts
      parameters: &paging
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "200": {description: payouts}
    post:
      operationId: createPayout
      parameters: *paging
      responses:
        "201": {description: created}
""")
    text = path.read_text(encoding="utf-8")
    assert "RPL101" in codes(path)
    main(["check", "--no-cache", "--fix", "--exit-zero", "openapi.yaml"])
    assert path.read_text(encoding="utf-8") == text  # else GET /payouts would require a key too


def test_no_fix_where_the_operation_lives_in_another_file(project):
    write(project, "openapi.yaml", HEADER + "paths:\n  /orders: {$ref: 'paths/orders.yaml'}\n")
    fragment = write(project, "paths/orders.yaml", "post:\n  operationId: createOrder\n  responses:\n"
                                                   "    '201': {description: created}\n")
    before = (project / "openapi.yaml").read_text(encoding="utf-8"), fragment.read_text(encoding="utf-8")
    main(["check", "--no-cache", "--fix", "--exit-zero", "openapi.yaml"])
    assert ((project / "openapi.yaml").read_text(encoding="utf-8"), fragment.read_text(encoding="utf-8")) == before


def test_rpl102_fix_writes_into_the_parameter_defined_in_components(project):
    path = write(project, "openapi.yaml", HEADER + """paths:
  /payments:
    post:
      operationId: createPayment
      summary: Charge a card
      parameters:
        - $ref: "#/components/parameters/Key"
      responses:
        "201": {description: created}
components:
  parameters:
    Key:
      name: Idempotency-Key
      in: header
      schema: {type: string}
""")
    assert "RPL102" in codes(path)
    main(["check", "--no-cache", "--fix", "--unsafe-fixes", "--exit-zero", "openapi.yaml"])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["components"]["parameters"]["Key"]["required"] is True
    assert "RPL102" not in codes(path)
    assert "required" not in data["components"]["parameters"]


def test_rpl101_fix_writes_in_the_files_own_indentation(project):
    tabs = write(project, "tabs.json", json.dumps(JSON_SPEC, indent="\t") + "\n")
    four = write(project, "four.yaml", """openapi: 3.0.3
info:
    title: Shop
    version: "1"
paths:
    /orders:
        post:
            operationId: createOrder
            responses:
                "201":
                    description: created
""")
    before = {path: path.read_text(encoding="utf-8") for path in (tabs, four)}
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "."]) == 0
    for path, text in before.items():
        after = path.read_text(encoding="utf-8")
        assert only_added(text, after) and "RPL101" not in codes(path)
        added = [line for line in difflib.ndiff(text.splitlines(), after.splitlines()) if line.startswith("+ ")]
        indents = {line[2:len(line) - len(line[2:].lstrip())] for line in added}
        if path is tabs:
            assert indents <= {"\t" * n for n in range(1, 8)} and "\t\t\t\"IdempotencyKey\": {" in after
        else:
            assert indents <= {" " * 4 * n for n in range(0, 5)}
            assert "components:\n    parameters:\n        IdempotencyKey:\n            name: Idempotency-Key\n" in after
            assert "            parameters:\n                - $ref: " in after  # no list to copy: one level in


@pytest.mark.parametrize("encoded", ["crlf", "bom"])
def test_rpl101_fix_keeps_line_ends_and_the_byte_order_mark(project, encoded):
    text = HEADER + "paths:\n  /orders:\n    post:\n      operationId: createOrder\n      responses:\n" \
                    "        \"201\": {description: created}\n"
    raw = text.replace("\n", "\r\n").encode() if encoded == "crlf" else b"\xef\xbb\xbf" + text.encode()
    path = project / "openapi.yaml"
    path.write_bytes(raw)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "openapi.yaml"]) == 0
    fixed = path.read_bytes()
    assert "RPL101" not in codes(path) and len(fixed) > len(raw)
    if encoded == "crlf":
        assert fixed.count(b"\r\n") == fixed.count(b"\n")
    else:
        assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\xef\xbb\xbf") == 1

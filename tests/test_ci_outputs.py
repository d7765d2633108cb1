"""CI outputs: SARIF against the official schema, GitHub annotations, JUnit, GitLab Code Quality."""
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import write
from replaylint.cli import main

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
SPEC = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      responses: {'201': {description: ok}}
  /metrics:
    post:
      operationId: "record,Metric:%"
      x-replaylint-allow: [{rule: RPL101, reason: "a sample, <noise> & more"}]
      responses: {'204': {description: ok}}
"""


def report(capsys, fmt, *paths):
    code = main(["check", "--output-format", fmt, "--no-cache", *paths])
    out, err = capsys.readouterr()
    return code, out, err


def test_sarif_validates_and_carries_what_github_needs(project, capsys):
    write(project, "api.yaml", SPEC)
    code, out, _ = report(capsys, "sarif", "api.yaml", "missing.yaml")
    document = json.loads(out)
    assert list(jsonschema.Draft4Validator(SCHEMA).iter_errors(document)) == []
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
               and r["helpUri"].startswith("https://") for r in rules)
    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("RPL101", 5), ("RPL101", 9)]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "api.yaml"
    assert rules[results[0]["ruleIndex"]]["id"] == "RPL101"
    assert "suppressions" not in results[0]
    assert results[1]["suppressions"] == [{"kind": "inSource", "justification": "a sample, <noise> & more"}]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notifications] == ["not analysed: no such file or directory"]
    assert code == 2


def test_sarif_fingerprints_survive_line_shifts(project, capsys):
    write(project, "api.yaml", SPEC)
    first = json.loads(report(capsys, "sarif", "api.yaml")[1])["runs"][0]["results"][0]["partialFingerprints"]
    write(project, "api.yaml", SPEC.replace("paths:\n", "# a comment\n\npaths:\n"))
    shifted = json.loads(report(capsys, "sarif", "api.yaml")[1])["runs"][0]["results"]
    assert shifted[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert shifted[0]["partialFingerprints"] == first


def test_github_annotations_escape_properties_and_data(project, capsys):
    write(project, "api.yaml", SPEC.replace("createOrder", '"create,Order:50%"'))
    code, out, _ = report(capsys, "github", "api.yaml")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 1  # the exempted finding does not annotate
    assert lines[0].startswith("::error file=api.yaml,line=5,col=5,endLine=5,endColumn=9,"
                               "title=RPL101 mutation-without-intent-key::")
    assert "create,Order:50%25" in lines[0] and "\n" not in lines[0]


def test_junit_is_wellformed_xml_with_a_failure_per_finding(project, capsys):
    write(project, "api.yaml", SPEC.replace("createOrder", '"create<Order>&\\u0001"'))
    _, out, _ = report(capsys, "junit", "api.yaml")
    root = ET.fromstring(out.split("\n", 1)[1])
    cases = root.findall(".//testcase")
    assert len(cases) == 1 and cases[0].find("failure").get("type") == "RPL101"
    assert "create<Order>&" in cases[0].find("failure").get("message")


def test_gitlab_code_quality(project, capsys):
    write(project, "api.yaml", SPEC)
    _, out, _ = report(capsys, "gitlab", "api.yaml")
    issues = json.loads(out)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("RPL101 mutation-without-intent-key", "major", {"path": "api.yaml", "lines": {"begin": 5, "end": 5}})]
    assert len(issues[0]["fingerprint"]) == 32


def test_statistics(project, capsys):
    write(project, "api.yaml", SPEC + "  /more:\n    post: {responses: {}}\n")
    code, out, _ = report(capsys, "text", "api.yaml", "--statistics")
    assert out.split() [:6] == ["1", "RPL101", "mutation-without-intent-key", "[error]", "1", "RPL101"] or \
        sorted(line.split()[0] for line in out.splitlines()) == ["1", "1"]


def test_rules_markdown_matches_docs_folder(capsys):
    main(["rules", "--output-format", "markdown"])
    out, _ = capsys.readouterr()
    docs = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert out == docs.read_text(encoding="utf-8"), "regenerate: replaylint rules --output-format markdown > docs/rules.md"


def test_action_passes_inputs_through_the_environment_only():
    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parent.parent / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')} pastes an expression into its script"


def test_github_and_sarif_outputs_are_safe_with_hostile_names(project, capsys):
    """An ESC sequence from a linted file must not reach GitHub's log viewer; a `#` in a file name must not
    turn the rest of a SARIF URI into a fragment."""
    write(project, "v2 #1.yaml", SPEC.replace("operationId: createOrder", 'operationId: "create\\e[31mOrder\\a"'))
    _, out, _ = report(capsys, "github", "v2 #1.yaml")
    assert "\x1b" not in out and "\x07" not in out and "create\\x1b[31mOrder\\x07" in out
    _, out, _ = report(capsys, "sarif", "v2 #1.yaml")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert uris == {"v2%20%231.yaml"}

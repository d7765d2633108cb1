"""Configuration: discovery, every key, and a one-line error for every kind of mistake."""
from pathlib import Path

import pytest

from conftest import write
from replaylint.config import ConfigError, config_from_mapping, find_config_file, load_config
from replaylint.engine import run

SPEC = """openapi: 3.0.3
info: {title: t, version: "1"}
tags: [{name: billing}]
paths:
  /logs:
    post: {operationId: appendLog, responses: {'204': {description: ok}}}
  /payments:
    post: {operationId: createPayment, tags: [billing], responses: {'201': {description: ok}}}
  /notes:
    post: {operationId: createNote, responses: {'201': {description: ok}}}
"""


def codes(result):
    return sorted((f.code, f.anchor, f.severity) for f in result.findings if not f.exempted)


def test_discovery_prefers_the_nearest_file(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.replaylint]\nfail-on = 'error'\n")
    write(tmp_path, "sub/replaylint.toml", "fail-on = 'info'\n")
    write(tmp_path, "sub/deeper/pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.replaylint]: skipped
    assert find_config_file(tmp_path / "sub" / "deeper") == tmp_path / "sub" / "replaylint.toml"
    assert load_config(cwd=tmp_path).fail_on == "error"
    assert load_config(cwd=tmp_path / "sub" / "deeper").fail_on == "info"


def test_yaml_config_and_explicit_file(tmp_path):
    write(tmp_path, ".replaylint.yaml", "fail-on: never\nselect: [RPL1]\n")
    config = load_config(cwd=tmp_path)
    assert config.fail_on == "never" and config.select == ["RPL1"]
    other = write(tmp_path, "ci.toml", "fail-on = 'error'\n")
    assert load_config(str(other), cwd=tmp_path).fail_on == "error"
    assert load_config(str(other)).root == tmp_path.resolve()


def test_select_ignore_and_names(project):
    write(project, "api.yaml", SPEC)
    config = config_from_mapping({"select": ["RPL1"], "ignore": ["mutation-without-intent-key"]}, root=project)
    assert codes(run(["api.yaml"], config)) == []
    config = config_from_mapping({"select": ["RPL101"], "ignore": ["RPL1"]}, root=project)
    assert len(codes(run(["api.yaml"], config))) == 3  # the more specific selector wins, as in Ruff


def test_extend_select_and_per_file_ignores(project):
    write(project, "api.yaml", SPEC)
    write(project, "legacy/api.yaml", SPEC)
    config = config_from_mapping({"select": ["RPL105"], "extend-select": ["RPL101"],
                                  "per-file-ignores": {"legacy/*": ["RPL101"]}}, root=project)
    assert {f.path for f in run(["."], config).findings} == {"api.yaml"}


def test_harm_patterns_reasons_and_severity(project):
    write(project, "api.yaml", SPEC)
    config = config_from_mapping({
        "harm": {"none": {"POST /logs": "one log line; duplicates are harmless"},
                 "high": ["tag:billing", "createNote"], "default": "measurable"},
        "severity": {"RPL101": "info"},
    }, root=project)
    assert codes(run(["api.yaml"], config)) == [("RPL101", "POST /notes", "info"),
                                                ("RPL101", "POST /payments", "info")]
    config = config_from_mapping({"harm": {"high": ["createNote"]}}, root=project)
    assert ("RPL101", "POST /notes", "error") in codes(run(["api.yaml"], config))
    assert ("RPL101", "POST /logs", "warning") in codes(run(["api.yaml"], config))


def test_most_specific_harm_pattern_wins(project):
    write(project, "api.yaml", SPEC)
    config = config_from_mapping({"harm": {"high": ["POST /*"], "measurable": ["POST /notes"]}}, root=project)
    result = dict(((a, s) for _, a, s in codes(run(["api.yaml"], config))))
    assert result["POST /notes"] == "warning" and result["POST /logs"] == "error"


def test_keys_headers_fields_and_implicit(project):
    write(project, "api.yaml", SPEC.replace("post: {operationId: createNote,",
                                            "post: {operationId: createNote, parameters: [{name: X-Dedupe, in: header}],"))
    config = config_from_mapping({"keys": {"headers": ["X-Dedupe"]}, "select": ["RPL101"]}, root=project)
    assert "POST /notes" not in {a for _, a, _ in codes(run(["api.yaml"], config))}
    config = config_from_mapping({"keys": {"implicit": ["Idempotency-Key"]}, "select": ["RPL1"]}, root=project)
    assert codes(run(["api.yaml"], config)) == []


def test_states_extend_the_vocabulary(project):
    write(project, "api.yaml", """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /jobs/{id}:
    put:
      parameters: [{name: id, in: path, required: true}]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {properties: {status: {enum: [queued, running, finished, kaput]}}}}}
    get: {parameters: [{name: id, in: path, required: true}], responses: {'200': {description: ok}}}
""")
    assert [c for c, _, _ in codes(run(["api.yaml"], config_from_mapping({}, root=project)))] == ["RPL109"]
    config = config_from_mapping({"states": {"failed": ["kaput"]}}, root=project)
    assert codes(run(["api.yaml"], config)) == []


@pytest.mark.parametrize("settings,message", [
    ({"selct": ["RPL1"]}, "selct: unknown setting"),
    ({"select": "RPL999"}, "select: 'RPL999' names no rule"),
    ({"select": [1]}, "select: expected a list of strings"),
    ({"fail-on": "sometimes"}, "fail-on: 'sometimes' is not one of: error, warning, info, never"),
    ({"respect-gitignore": "yes"}, "respect-gitignore: expected true or false"),
    ({"per-file-ignores": ["x"]}, "per-file-ignores: expected a table"),
    ({"per-file-ignores": {"a/*": ["nope"]}}, "per-file-ignores.a/*: 'nope' names no rule"),
    ({"harm": {"none": ["POST /logs"]}}, "harm.none: every entry needs a pattern and a reason"),
    ({"harm": {"none": {"POST /logs": ""}}}, "harm.none.POST /logs: setting harm none needs a reason"),
    ({"harm": {"default": "low"}}, "harm.default: 'low' is not one of: measurable, high"),
    ({"harm": {"extreme": []}}, "harm.extreme: unknown setting"),
    ({"keys": {"header": []}}, "keys.header: unknown setting"),
    ({"states": {"finished": ["x"]}}, "states.finished: unknown state"),
    ({"severity": {"RPL101": "fatal"}}, "severity.RPL101: 'fatal' is not one of: error, warning, info"),
    ({"severity": {"RPL777": "error"}}, "severity: 'RPL777' names no rule"),
    ({"baseline": 3}, "baseline: expected a string"),
])
def test_bad_settings_name_file_key_and_accepted_values(settings, message):
    with pytest.raises(ConfigError) as error:
        config_from_mapping(settings, source="replaylint.toml")
    text = str(error.value)
    assert text.startswith("replaylint.toml: ") and message in text and "\n" not in text


@pytest.mark.parametrize("name,text", [
    ("replaylint.toml", "select = [\n"),
    (".replaylint.yaml", "select: [\n"),
    (".replaylint.yaml", "- just a list\n"),
])
def test_unreadable_config_files_are_one_line_errors(tmp_path, name, text):
    write(tmp_path, name, text)
    with pytest.raises(ConfigError) as error:
        load_config(cwd=tmp_path)
    assert str(error.value).startswith(str(Path(tmp_path / name))) and "\n" not in str(error.value)


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "nope.toml"))

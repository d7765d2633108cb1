"""The command line: formats, exit codes, options, rule docs. Assertions are about codes and places."""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import FIXTURES, write
from replaylint.cli import main

BAD = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      responses: {'201': {description: ok}}
  /things:
    post:
      operationId: createThing
      responses: {'201': {description: ok}}
"""
GOOD = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /search:
    post: {operationId: search, responses: {'200': {description: ok}}}
"""


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_format_shows_location_code_source_caret_and_fix(project, capsys):
    write(project, "api.yaml", BAD)
    code, out, _ = cli(capsys, "check", "api.yaml")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("api.yaml:5:5: RPL101 [error] POST /orders (createOrder)")
    assert lines[2] == "5 |     post:"
    assert lines[3] == "  |     ^^^^"
    assert lines[4].startswith("  = fix: ")
    assert out.rstrip().endswith("Found 2 findings (1 error, 1 warning) in 1 file.")


def test_concise_format(project, capsys):
    write(project, "api.yaml", BAD)
    code, out, _ = cli(capsys, "check", "--output-format", "concise", "api.yaml")
    assert code == 1
    assert out.splitlines()[:2] == [
        "api.yaml:5:5: RPL101 [error] " + out.splitlines()[0].split("[error] ", 1)[1],
        "api.yaml:9:5: RPL101 [warning] " + out.splitlines()[1].split("[warning] ", 1)[1],
    ]


def test_json_format_is_the_documented_interface(project, capsys):
    write(project, "api.yaml", BAD)
    code, out, _ = cli(capsys, "check", "--output-format", "json", "api.yaml", "missing.yaml")
    assert code == 2  # an input could not be analysed
    data = json.loads(out)
    assert set(data) >= {"version", "findings", "errors", "summary"}
    first = data["findings"][0]
    assert set(first) == {"code", "name", "severity", "message", "fix", "path", "line", "column", "end_line",
                          "end_column", "anchor", "method", "route", "operation_id", "harm", "harm_reason",
                          "exempted", "reason"}
    assert (first["harm"], first["harm_reason"]) == ("high", "its name mentions 'order'")
    assert (first["code"], first["name"], first["path"], first["line"], first["column"], first["anchor"]) == (
        "RPL101", "mutation-without-intent-key", "api.yaml", 5, 5, "POST /orders")
    assert data["errors"] == [{"path": "missing.yaml", "message": "not analysed: no such file or directory"}]
    assert data["summary"]["by_code"] == {"RPL101": 2} and data["summary"]["files_analysed"] == 1


def test_exit_codes(project, capsys):
    write(project, "good.yaml", GOOD)
    write(project, "bad.yaml", BAD)
    assert cli(capsys, "check", "good.yaml")[0] == 0
    assert cli(capsys, "check", "bad.yaml")[0] == 1
    assert cli(capsys, "check", "bad.yaml", "--exit-zero")[0] == 0
    assert cli(capsys, "check", "bad.yaml", "--fail-on", "error")[0] == 1
    assert cli(capsys, "check", "bad.yaml", "--fail-on", "never")[0] == 0
    assert cli(capsys, "check", "bad.yaml", "--ignore", "RPL101")[0] == 0
    assert cli(capsys, "check", "bad.yaml", "--select", "RPL108,RPL109")[0] == 0
    assert cli(capsys, "check", "nope.yaml")[0] == 2
    assert cli(capsys, "check", "nope.yaml", "--exit-zero")[0] == 2  # the tool could not do its job


def test_fail_on_error_passes_warnings(project, capsys):
    write(project, "api.yaml", BAD.replace("/orders", "/notes").replace("createOrder", "createNote"))
    assert cli(capsys, "check", "api.yaml", "--fail-on", "error")[0] == 0
    assert cli(capsys, "check", "api.yaml")[0] == 1


def test_config_option_and_bad_config(project, capsys):
    write(project, "api.yaml", BAD)
    write(project, "strict.toml", "fail-on = 'never'\n")
    assert cli(capsys, "check", "--config", "strict.toml", "api.yaml")[0] == 0
    write(project, "broken.toml", "fail-on = 'often'\n")
    code, out, err = cli(capsys, "check", "--config", "broken.toml", "api.yaml")
    assert code == 2 and out == ""
    assert err == "replaylint: error: broken.toml: fail-on: 'often' is not one of: error, warning, info, never\n"


@pytest.mark.parametrize("args", [
    ["check", "--output-format", "xml"],
    ["check", "--select", "RPL999"],
    ["check", "--frobnicate"],
    ["explode"],
])
def test_bad_arguments_are_one_line_errors(project, capsys, args):
    code, out, err = cli(capsys, *args)
    assert code == 2 and err.startswith("replaylint: error: ") and err.count("\n") == 1


def test_output_file_and_statistics(project, capsys):
    write(project, "api.yaml", BAD)
    code, out, _ = cli(capsys, "check", "api.yaml", "-o", "report.json", "--output-format", "json")
    assert code == 1 and out == ""
    assert len(json.loads((project / "report.json").read_text())["findings"]) == 2
    code, out, _ = cli(capsys, "check", "api.yaml", "--statistics")
    assert "RPL101" in out and out.split()[0] in ("1",)


def test_exempted_findings_are_kept_marked_and_not_failing(project, capsys):
    write(project, "api.yaml", GOOD + """  /metrics:
    post:
      x-replaylint-allow: [{rule: RPL101, reason: a sample; duplicates are noise}]
      responses: {'204': {description: ok}}
""")
    code, out, _ = cli(capsys, "check", "api.yaml", "--output-format", "json")
    data = json.loads(out)
    assert code == 0
    assert [(f["code"], f["exempted"], f["reason"]) for f in data["findings"]] == [
        ("RPL101", True, "a sample; duplicates are noise")]
    code, out, _ = cli(capsys, "check", "api.yaml")
    assert "RPL101" not in out and "1 exempted" in out


def test_rules_and_rule_commands(capsys):
    code, out, _ = cli(capsys, "rules")
    assert code == 0 and "RPL101  mutation-without-intent-key" in out
    code, out, _ = cli(capsys, "rule", "RPL101")
    assert code == 0
    for title in ("What it does", "Why it breaks replay", "Bad example", "Fix", "How to exempt", "References"):
        assert f"## {title}" in out
    assert cli(capsys, "rule", "mutation-without-intent-key")[1] == out
    data = json.loads(cli(capsys, "rule", "rpl105", "--output-format", "json")[1])
    assert data["code"] == "RPL105" and data["bad_examples"]
    assert cli(capsys, "rule", "RPL999")[0] == 2


def test_control_characters_from_specs_are_escaped(project, capsys):
    write(project, "api.yaml", BAD.replace("createOrder", '"create\\x1b[31mOrder"'))
    _, out, _ = cli(capsys, "check", "api.yaml", "--color", "never")
    assert "\x1b" not in out and "\\x1b[31m" in out


def test_python_module_entry_point_on_the_demo():
    result = subprocess.run([sys.executable, "-m", "replaylint", "check", str(FIXTURES / "demo"),
                             "--output-format", "concise"], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "RPL101" in result.stdout and "Traceback" not in result.stderr


def test_a_reader_that_is_gone_gets_no_traceback(tmp_path):
    """`replaylint check api.json | head -1` where the reader has already left: writing the report meets a
    closed pipe, which is one more way the tool cannot do its job (2), said without a traceback."""
    paths = {f"/things{i}": {"post": {"operationId": f"createThing{i}", "responses": {"201": {"description": "ok"}}}}
             for i in range(300)}
    (tmp_path / "api.json").write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                                   "paths": paths}))
    reader = subprocess.Popen([sys.executable, "-m", "replaylint", "check", "api.json", "--no-cache"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # gone before the report is written
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 2
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


@pytest.mark.parametrize("command", [["check", str(FIXTURES / "demo")], ["rules"], ["rule", "RPL101"]])
def test_closed_stdout_is_one_line_error(command):
    result = subprocess.run([sys.executable, "-m", "replaylint", *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "standard output is closed" in result.stderr


def test_python_api(project):
    import replaylint

    write(project, "api.yaml", BAD)
    found = replaylint.check(["api.yaml"], config={"select": ["RPL101"]})
    assert [(f.code, f.span.line) for f in found] == [("RPL101", 5), ("RPL101", 9)]


def test_help_on_a_terminal_of_no_width_wraps_at_80(monkeypatch, capsys):
    """`script` in CI gives a terminal of zero columns; shutil would fall back to 80, and so do we."""
    def help_at(columns: str) -> str:
        monkeypatch.setenv("COLUMNS", columns)
        with pytest.raises(SystemExit):
            main(["check", "--help"])
        return capsys.readouterr().out

    assert help_at("0") == help_at("80") != help_at("200")


def test_rule_modules_are_found_in_a_zip_too(tmp_path):
    """Outside a folder install (a zip, a .pyc-only install) the registry asks pkgutil."""
    import zipfile

    from replaylint.registry import _module_names

    archive = tmp_path / "rules.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("rules/__init__.py", "")
        zipped.writestr("rules/rpl999_example.py", "")
    assert _module_names([str(archive / "rules")]) == ["rpl999_example"]


def test_lazy_patterns_behave_like_compiled_ones():
    import pickle

    from replaylint.lazy import LazyRegex

    lazy = LazyRegex(r"(?P<verb>post|patch)\(", re.I)
    assert lazy.search("app.POST(").group("verb") == "POST"
    assert lazy.groupindex["verb"] == 1 and lazy.pattern == r"(?P<verb>post|patch)\("
    assert pickle.loads(pickle.dumps(lazy)).findall("post( patch(") == ["post", "patch"]

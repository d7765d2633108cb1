"""The paths CI and editors take through the CLI: per-file config in monorepos, stdin, statistics, JUnit,
JSON fields, and a handler's identity in baselines."""
from __future__ import annotations

import io
import json
import sys
import xml.etree.ElementTree as ET

from conftest import write
from replaylint.cli import main

SPEC = """openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /orders:
    post: {operationId: createOrder, responses: {'201': {description: made}}}
  /exports:
    post: {operationId: startExport, responses: {'202': {description: started}}}
"""
HANDLER = """from fastapi import FastAPI

app = FastAPI()


@app.post("/payments")
def {name}(amount: int):
    return charge(amount)
"""


def cli(capsys, *args, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    code = main([*args[:1], "--no-cache", *args[1:]] if args and args[0] == "check" else list(args))
    out, err = capsys.readouterr()
    return code, out, err


def codes(out: str) -> list[tuple[str, str, int]]:
    return sorted((f["path"], f["code"], f["line"]) for f in json.loads(out)["findings"] if not f["exempted"])


# --- monorepos: the nearest config of each file applies -------------------------------------------------


def _monorepo(project):
    write(project, "services/shop/openapi.yaml", SPEC)
    write(project, "services/shop/replaylint.toml", 'ignore = ["RPL108"]\n')
    write(project, "services/ledger/openapi.yaml", SPEC)
    write(project, "services/ledger/pyproject.toml", '[tool.replaylint]\nselect = ["RPL108"]\nfail-on = "error"\n')
    write(project, "openapi.yaml", SPEC)


def test_each_file_takes_the_config_nearest_to_it(project, capsys):
    _monorepo(project)
    code, out, _ = cli(capsys, "check", "--output-format", "json")
    assert codes(out) == [("openapi.yaml", "RPL101", 5), ("openapi.yaml", "RPL101", 7), ("openapi.yaml", "RPL108", 7),
                          ("services/ledger/openapi.yaml", "RPL108", 7),  # select = RPL108
                          ("services/shop/openapi.yaml", "RPL101", 5), ("services/shop/openapi.yaml", "RPL101", 7)]
    assert code == 1


def test_a_service_config_applies_when_its_files_are_named_from_the_root(project, capsys):
    """A pre-commit run passes file names from the repository root."""
    _monorepo(project)
    _, out, _ = cli(capsys, "check", "--output-format", "json", "services/shop/openapi.yaml",
                    "services/ledger/openapi.yaml")
    assert codes(out) == [("services/ledger/openapi.yaml", "RPL108", 7), ("services/shop/openapi.yaml", "RPL101", 5),
                          ("services/shop/openapi.yaml", "RPL101", 7)]


def test_a_nested_fail_on_decides_the_exit_code_of_its_files(project, capsys):
    _monorepo(project)
    code, _, _ = cli(capsys, "check", "services/ledger")
    assert code == 0  # its only finding is a warning, and its config fails on errors
    code, _, _ = cli(capsys, "check", "services/ledger", "--fail-on", "warning")
    assert code == 1  # the command line still wins


def test_config_option_turns_the_hierarchy_off(project, capsys):
    _monorepo(project)
    write(project, "all.toml", 'select = ["RPL101"]\n')
    _, out, _ = cli(capsys, "check", "--config", "all.toml", "--output-format", "json")
    assert {code for _, code, _ in codes(out)} == {"RPL101"} and len(codes(out)) == 6


def test_a_broken_service_config_is_one_error_line(project, capsys):
    _monorepo(project)
    write(project, "services/shop/replaylint.toml", "select = 3\n")
    code, out, err = cli(capsys, "check")
    assert code == 2 and err.count("\n") == 1 and "services/shop/replaylint.toml" in err


def test_show_settings_and_show_files_name_the_config_that_applies(project, capsys):
    _monorepo(project)
    code, out, _ = cli(capsys, "check", "--show-settings", "services/ledger/openapi.yaml")
    settings = dict(line.split(": ", 1) for line in out.splitlines())
    assert code == 0 and settings["config"].endswith("services/ledger/pyproject.toml")
    assert settings["rules"] == "RPL108" and settings["fail-on"] == "error"
    code, out, _ = cli(capsys, "check", "--show-files")
    shown = dict(line.split("  ", 1) for line in out.splitlines())
    assert shown["openapi.yaml"] == "(defaults)"
    assert shown["services/shop/openapi.yaml"].endswith("services/shop/replaylint.toml)")


# --- stdin ----------------------------------------------------------------------------------------------


def test_stdin_is_linted_as_the_file_it_stands_for(project, capsys, monkeypatch):
    _monorepo(project)
    code, out, _ = cli(capsys, "check", "-", "--stdin-filename", "services/shop/new.yaml", "--output-format",
                       "json", stdin=SPEC, monkeypatch=monkeypatch)
    assert code == 1 and codes(out) == [("services/shop/new.yaml", "RPL101", 5),
                                        ("services/shop/new.yaml", "RPL101", 7)]  # shop's config: no RPL108


def test_stdin_without_a_name_is_told_apart_by_content(project, capsys, monkeypatch):
    code, out, _ = cli(capsys, "check", "-", "--output-format", "json", stdin=HANDLER.replace("{name}", "pay"),
                       monkeypatch=monkeypatch)
    assert code == 1 and codes(out) == [("stdin.py", "RPL301", 7)]
    _, out, _ = cli(capsys, "check", "-", "--output-format", "json", stdin=SPEC, monkeypatch=monkeypatch)
    assert {path for path, _, _ in codes(out)} == {"stdin.yaml"} and len(codes(out)) == 3


def test_stdin_filename_needs_the_dash(project, capsys):
    write(project, "openapi.yaml", SPEC)
    code, _, err = cli(capsys, "check", "openapi.yaml", "--stdin-filename", "x.yaml")
    assert code == 2 and err.count("\n") == 1


# --- statistics, JUnit, JSON ------------------------------------------------------------------------------


def test_statistics_rows_total_and_json(project, capsys):
    write(project, "openapi.yaml", SPEC)
    code, out, _ = cli(capsys, "check", "--statistics")
    rows = [line.split() for line in out.splitlines()]
    assert code == 1 and sorted((row[1], row[0], row[3]) for row in rows[:-1]) == [
        ("RPL101", "1", "[error]"), ("RPL101", "1", "[warning]"), ("RPL108", "1", "[warning]")]
    assert rows[-1][:2] == ["3", "findings"]
    code, out, _ = cli(capsys, "check", "--statistics", "--output-format", "json")
    data = json.loads(out)
    assert sorted((row["code"], row["severity"], row["count"]) for row in data["rules"]) == [
        ("RPL101", "error", 1), ("RPL101", "warning", 1), ("RPL108", "warning", 1)]
    assert data["total"] == 3 and data["files_analysed"] == 1


def test_statistics_with_no_findings(project, capsys):
    write(project, "openapi.yaml", SPEC)
    code, out, _ = cli(capsys, "check", "--statistics", "--select", "RPL107")
    assert code == 0 and out.split()[:2] == ["0", "findings"]
    _, out, _ = cli(capsys, "check", "--statistics", "--select", "RPL107", "--output-format", "json")
    assert json.loads(out)["total"] == 0 and json.loads(out)["rules"] == []


def test_junit_honours_fail_on_and_lists_passing_files(project, capsys):
    write(project, "openapi.yaml", SPEC)
    write(project, "clean.yaml", SPEC.replace("    post: {operationId: createOrder", "    get: {operationId: list")
          .replace("  /exports:\n    post: {operationId: startExport, responses: {'202': {description: started}}}\n",
                   ""))
    _, out, _ = cli(capsys, "check", "--output-format", "junit", "--fail-on", "error")
    suites = {suite.get("name"): suite for suite in ET.fromstring(out)}
    assert set(suites) == {"openapi.yaml", "clean.yaml"}
    assert [case.find("failure") is not None for case in suites["openapi.yaml"]] == [True, False, False]  # warnings pass
    assert len(suites["clean.yaml"]) == 1 and suites["clean.yaml"][0].find("failure") is None
    assert ET.fromstring(out).get("failures") == "1"


def test_json_findings_name_method_route_and_operation(project, capsys):
    write(project, "openapi.yaml", SPEC)
    write(project, "app.py", HANDLER.replace("{name}", "pay"))
    _, out, _ = cli(capsys, "check", "--output-format", "json")
    found = {(f["code"], f["method"], f["route"], f["operation_id"]) for f in json.loads(out)["findings"]}
    assert {("RPL101", "POST", "/orders", "createOrder"), ("RPL301", "POST", "/payments", "app.pay")} <= found
    handler = next(f for f in json.loads(out)["findings"] if f["code"] == "RPL301")
    assert handler["harm"] and handler["harm_reason"]


def test_a_renamed_handler_keeps_its_baseline_entry(project, capsys):
    write(project, "app.py", HANDLER.replace("{name}", "pay"))
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    capsys.readouterr()
    write(project, "app.py", HANDLER.replace("{name}", "make_payment"))
    code, out, err = cli(capsys, "check", "--baseline", "base.json", "--output-format", "json")
    assert code == 0 and codes(out) == [] and "no longer match" not in err


def test_no_files_found_is_a_warning(project, capsys):
    (project / "empty").mkdir()
    code, _, err = cli(capsys, "check", "empty")
    assert code == 0 and "warning" in err and "empty" in err


def test_an_empty_diff_base_is_a_usage_error(project, capsys):
    write(project, "openapi.yaml", SPEC)
    code, _, err = cli(capsys, "check", "--diff-base", "")
    assert code == 2 and err.count("\n") == 1


def test_readme_names_this_release_wherever_it_pins_one():
    """pre-commit, the GitHub Action and the GitLab install all name the tag of the version being released."""
    import re

    from conftest import ROOT
    from replaylint import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pins = re.findall(r"rev: (\S+)|replaylint/replaylint@(\S+?)[\"\s]", readme)
    assert len(pins) >= 3 and {a or b for a, b in pins} == {f"v{__version__}"}


def test_help_describes_every_option_and_its_default():
    import argparse

    from replaylint.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            where = f"replaylint {name} {'/'.join(action.option_strings) or action.metavar}"
            assert action.help, f"{where} has no help"
            if action.default not in (None, False, []) or action.option_strings in (["--select"], ["--fail-on"]):
                assert "default" in action.help, f"{where} does not say its default"


def test_baseline_and_audit_follow_the_hierarchy_too(project, capsys):
    _monorepo(project)
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    entries = json.loads((project / "base.json").read_text())["entries"]
    assert sorted((e["path"], e["code"]) for e in entries if e["path"].startswith("services/ledger")) == [
        ("services/ledger/openapi.yaml", "RPL108")]
    capsys.readouterr()
    assert main(["audit", "--no-cache", "--format", "json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert audit["overall"]["score"] is not None


# --- what the review found: old baselines, diffs, excludes and JUnit under the hierarchy --------------------


def test_a_baseline_keyed_by_function_name_still_matches_and_survives_a_prune(project, capsys):
    """Entries written before handlers were keyed by route: matched by anchor, and kept (under today's key)."""
    write(project, "app.py", HANDLER.replace("{name}", "pay"))
    entry = {"code": "RPL301", "path": "app.py", "anchor": "app.pay", "detail": "", "occurrence": 0}
    write(project, "old.json", json.dumps({"format": "replaylint-baseline/1", "entries": [entry]}))
    code, _, _ = cli(capsys, "check", "--baseline", "old.json")
    assert code == 0
    assert main(["baseline", "--no-cache", "--prune", "-o", "old.json"]) == 0
    capsys.readouterr()
    entries = json.loads((project / "old.json").read_text())["entries"]
    assert [(e["code"], e["anchor"]) for e in entries] == [("RPL301", "POST /payments")]
    code, _, _ = cli(capsys, "check", "--baseline", "old.json")
    assert code == 0


def _commit(project, message="state"):
    import subprocess

    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)


def test_diff_base_analyses_the_ref_with_each_file_s_config(project, capsys):
    write(project, "replaylint.toml", 'ignore = ["RPL3"]\n')
    write(project, "services/a/app.py", HANDLER.replace("{name}", "pay"))
    write(project, "services/a/replaylint.toml", 'fail-on = "warning"\n')
    _commit(project)
    code, out, _ = cli(capsys, "check", "--diff-base", "HEAD", "--output-format", "json")
    assert code == 0 and codes(out) == []  # nothing changed: nothing is new


def test_force_exclude_applies_a_service_s_own_excludes(project, capsys):
    write(project, "services/a/replaylint.toml", 'extend-exclude = ["legacy"]\n')
    write(project, "services/a/legacy/old.py", HANDLER.replace("{name}", "pay"))
    write(project, "openapi.yaml", SPEC)
    code, out, _ = cli(capsys, "check", "--force-exclude", "services/a/legacy/old.py", "--output-format", "json")
    assert code == 0 and codes(out) == []
    code, out, _ = cli(capsys, "check", "services/a/legacy/old.py", "--output-format", "json")
    assert code == 1 and [c for _, c, _ in codes(out)] == ["RPL301"]  # named without it: linted, as in Ruff


def test_junit_fails_a_file_by_the_fail_on_of_its_own_config(project, capsys):
    write(project, "services/a/replaylint.toml", 'fail-on = "never"\n')
    write(project, "services/a/openapi.yaml", SPEC)
    write(project, "openapi.yaml", SPEC)
    code, out, _ = cli(capsys, "check", "--output-format", "junit")
    suites = {suite.get("name"): suite for suite in ET.fromstring(out)}
    assert suites["services/a/openapi.yaml"].get("failures") == "0" and suites["openapi.yaml"].get("failures") == "3"
    assert code == 1


def test_a_service_config_does_not_stop_the_cross_check(project, capsys):
    spec = SPEC.replace("  /orders:", "  /payments:\n    post: {operationId: pay, responses: {'201': {description: ok}}}\n"
                        "  /orders:")
    write(project, "api/openapi.yaml", spec)
    write(project, "services/a/app.py", HANDLER.replace("{name}", "pay"))
    _, before, _ = cli(capsys, "check", "--output-format", "json")
    write(project, "services/a/replaylint.toml", 'fail-on = "error"\n')
    _, after, _ = cli(capsys, "check", "--output-format", "json")
    assert json.loads(after)["summary"]["apis"] == json.loads(before)["summary"]["apis"] != []
    assert codes(after) == codes(before)


def test_show_settings_with_a_broken_service_config_is_one_error_line(project, capsys):
    write(project, "services/a/replaylint.toml", "select = 3\n")
    write(project, "services/a/openapi.yaml", SPEC)
    code, _, err = cli(capsys, "check", "--show-settings", "services/a/openapi.yaml")
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err


def test_statistics_prints_text_whatever_the_environment_format(project, capsys, monkeypatch):
    write(project, "openapi.yaml", SPEC)
    monkeypatch.setenv("REPLAYLINT_OUTPUT_FORMAT", "github")
    code, out, _ = cli(capsys, "check", "--statistics")
    assert code == 1 and out.splitlines()[-1].split()[:2] == ["3", "findings"]


def test_diff_base_export_keeps_links_inside_the_tree(tmp_path):
    """A link that resolves out of the export through another link is dropped; links inside are kept."""
    import os
    import subprocess

    from replaylint.diffbase import _export

    repo, target = tmp_path / "repo", tmp_path / "out" / "export"
    write(repo, "d/e/f.yaml", "a: 1\n")
    os.symlink("..", repo / "d" / "e" / "up")
    os.symlink("up/../../../outside.yaml", repo / "d" / "e" / "x.yaml")
    os.symlink("f.yaml", repo / "d" / "e" / "same.yaml")
    write(tmp_path / "out", "outside.yaml", "secret: 1\n")
    _commit(repo)
    target.mkdir(parents=True)
    _export(repo, "HEAD", target.resolve())
    assert not (target / "d" / "e" / "x.yaml").exists() and not os.path.islink(target / "d" / "e" / "x.yaml")
    assert (target / "d" / "e" / "same.yaml").read_text() == "a: 1\n"


# --- what a newcomer hit -------------------------------------------------------------------------------------


def test_a_configured_baseline_is_found_from_a_subfolder(project, capsys, monkeypatch):
    write(project, "replaylint.toml", 'baseline = "replaylint-baseline.json"\n')
    write(project, "api/openapi.yaml", SPEC)
    assert main(["baseline", "--no-cache"]) == 0 and (project / "replaylint-baseline.json").is_file()
    capsys.readouterr()
    monkeypatch.chdir(project / "api")
    code, _, err = cli(capsys, "check")
    assert code == 0 and "3 findings are in the baseline" in err


def test_a_report_goes_to_a_new_folder_or_to_stdout_with_a_dash(project, capsys):
    write(project, "openapi.yaml", SPEC)
    code, out, _ = cli(capsys, "check", "--output-format", "sarif", "-o", "reports/ci/replaylint.sarif")
    assert code == 1 and out == "" and json.loads((project / "reports/ci/replaylint.sarif").read_text())["runs"]
    code, out, _ = cli(capsys, "check", "--output-format", "concise", "-o", "report.txt", "--sarif-output", "-")
    assert '"version": "2.1.0"' in out and not (project / "-").exists() and (project / "report.txt").is_file()
    code, _, err = cli(capsys, "check", "--sarif-output", "-")  # two reports on stdout: refused
    assert code == 2 and err.count("\n") == 1


def test_a_misspelt_setting_gets_a_suggestion(project, capsys):
    write(project, "replaylint.toml", 'fail_on = "error"\n')
    code, _, err = cli(capsys, "check")
    assert code == 2 and "`fail-on`" in err


def test_show_settings_of_a_fragment_names_its_spec_and_the_spec_s_config(project, capsys):
    write(project, "openapi.yaml", SPEC.replace("  /orders:\n    post: {operationId: createOrder, responses: "
                                                "{'201': {description: made}}}\n", "  /orders: {$ref: 'paths/orders.yaml'}\n"))
    write(project, "paths/orders.yaml", "post: {operationId: createOrder, responses: {'201': {description: made}}}\n")
    write(project, "paths/replaylint.toml", 'ignore = ["RPL101"]\n')  # not the spec's: it does not apply
    _, out, _ = cli(capsys, "check", "--show-settings", "paths/orders.yaml")
    settings = dict(line.split(": ", 1) for line in out.splitlines())
    assert "openapi.yaml" in settings["file"] and "RPL101" in settings["rules"]
    code, out, _ = cli(capsys, "check", "--skip-unrecognised", "--force-exclude", "paths/orders.yaml",
                       "--output-format", "json")
    assert code == 1 and codes(out) == [("paths/orders.yaml", "RPL101", 1)]


def test_a_report_writes_a_pipe_in_place_and_never_follows_a_link(project, capsys):
    """`-o /dev/null` once replaced the device with a file: devices and pipes are written in place; a link
    is replaced, so a checked-out repository cannot point a report at a file outside it."""
    import os
    import stat
    import threading

    write(project, "openapi.yaml", SPEC)
    os.mkfifo(project / "pipe")
    received = []
    reader = threading.Thread(target=lambda: received.append((project / "pipe").read_text()), daemon=True)
    reader.start()
    assert main(["check", "--no-cache", "--output-format", "json", "-o", "pipe"]) == 1
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.lstat(project / "pipe").st_mode) and json.loads(received[0])["findings"]
    write(project.parent, "outside.txt", "keep")  # a repository's `latest.json -> ../outside.txt`
    os.symlink("../outside.txt", project / "latest.json")
    assert main(["check", "--no-cache", "--output-format", "json", "-o", "latest.json"]) == 1
    assert not os.path.islink(project / "latest.json") and json.loads((project / "latest.json").read_text())
    assert (project.parent / "outside.txt").read_text() == "keep"  # the link is replaced, never followed


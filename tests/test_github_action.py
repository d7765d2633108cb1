"""action.yml's Lint step, run as GitHub runs it (bash -eo pipefail) under a fake GITHUB_* environment: push,
pull request and fork pull request events, one replaylint run each."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ACTION = Path(__file__).resolve().parent.parent / "action.yml"
OLD = """openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /orders:
    post: {operationId: createOrder, responses: {'201': {description: made}}}
"""
NEW = OLD + """  /payments:
    post: {operationId: createPayment, responses: {'201': {description: made}}}
"""

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                                reason="needs git and bash")


def _step(name: str) -> dict:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return next(step for step in action["runs"]["steps"] if step.get("name") == name)


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.fixture
def checkout(tmp_path):
    """A clone of a repository whose main has one finding; the clone's branch adds a second."""
    origin, work = tmp_path / "origin", tmp_path / "work"
    (origin).mkdir()
    _git(origin, "init", "-q", "-b", "main")
    (origin / "my specs").mkdir()
    (origin / "my specs" / "api.yaml").write_text(OLD)
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "base")
    _git(tmp_path, "clone", "-q", "--depth=1", "file://" + str(origin), "work")
    _git(work, "checkout", "-q", "-b", "feature")
    (work / "my specs" / "api.yaml").write_text(NEW)
    _git(work, "commit", "-q", "-am", "new operation")
    return work


def run_lint(work: Path, event: str, inputs: dict | None = None, head_repo: str = "me/shop"):
    """(exit status, stdout, stderr, the step's outputs) of the Lint step for `event`."""
    step = _step("Lint")
    values = {"paths": '"my specs"', "args": "--no-cache", "sarif-file": "replaylint.sarif",
              "diff-on-pull-request": "true", "upload-sarif": "true", **(inputs or {})}
    env = {key: values[expr.split("inputs.", 1)[1].rstrip("} ")] for key, expr in step["env"].items()}
    event_file, outputs = work.parent / "event.json", work.parent / "outputs"
    outputs.write_text("")
    payload = {"pull_request": {"head": {"repo": {"full_name": head_repo}}}} if event == "pull_request" else {}
    event_file.write_text(json.dumps(payload))
    github = {"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_file), "GITHUB_OUTPUT": str(outputs),
              "GITHUB_REPOSITORY": "me/shop", "GITHUB_BASE_REF": "main" if event == "pull_request" else ""}
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work,
                          capture_output=True, text=True, env={**os.environ, **env, **github, "PATH": path})
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done.returncode, done.stdout, done.stderr, values


def _sarif_rules(work: Path) -> list[str]:
    results = json.loads((work / "replaylint.sarif").read_text())["runs"][0]["results"]
    return sorted(r["ruleId"] + " " + r["message"]["text"].split(" accepts")[0] for r in results)


def test_push_annotates_every_finding_and_writes_the_full_sarif(checkout):
    status, out, _, outputs = run_lint(checkout, "push")
    assert status == 0 and outputs == {"exit-code": "1", "upload-sarif": "true"}
    assert out.count("::error") == 2  # no base to diff against: the whole project
    assert len(_sarif_rules(checkout)) == 2


def test_pull_request_annotates_new_findings_and_uploads_all(checkout):
    status, out, _, outputs = run_lint(checkout, "pull_request")
    assert status == 0 and outputs == {"exit-code": "1", "upload-sarif": "true"}
    assert out.count("::error") == 1 and "/payments" in out and "/orders" not in out
    assert len(_sarif_rules(checkout)) == 2  # code scanning gets every finding, not only the new ones


def test_fork_pull_request_skips_the_upload(checkout):
    _, _, _, outputs = run_lint(checkout, "pull_request", head_repo="stranger/shop")
    assert outputs == {"exit-code": "1", "upload-sarif": "false"}


def test_a_config_error_fails_once(checkout):
    (checkout / "replaylint.toml").write_text("fail-on = 'sometimes'\n")
    _, out, err, outputs = run_lint(checkout, "pull_request")
    assert outputs["exit-code"] == "2" and outputs["upload-sarif"] == "false"
    assert err.count("replaylint: error:") == 1 and "replaylint.toml" in err
    assert out.count("::error title=replaylint::replaylint: error:") == 1  # an annotation, not only a log line


def test_an_unbalanced_quote_in_an_input_is_an_error_not_a_run_on_everything(checkout):
    _, out, _, outputs = run_lint(checkout, "push", {"paths": '"my specs'})
    assert outputs == {"exit-code": "2"} and "::error" in out


def test_fail_step_exits_with_the_lint_code():
    script = _step("Fail on findings")["run"]
    for code in ("0", "1", "2"):
        assert subprocess.run(["bash", "-c", script], env={**os.environ, "RL_EXIT": code}).returncode == int(code)
    assert subprocess.run(["bash", "-c", script], env={**os.environ, "RL_EXIT": ""}).returncode == 2

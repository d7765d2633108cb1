"""Baselines keyed by meaning, diff gating against a git ref, and the content cache."""
import json
import subprocess

import pytest

from conftest import write
from replaylint.cli import main

SPEC = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders:
    post: {operationId: createOrder, responses: {'201': {description: ok}}}
  /notes:
    post: {operationId: createNote, responses: {'201': {description: ok}}}
"""
CLIENT = '''import uuid

import requests


def pay(invoice):
    return requests.post("u", headers={"Idempotency-Key": str(uuid.uuid4())})


def refund(payment):
    return requests.post("u", headers={"Idempotency-Key": str(uuid.uuid4())})
'''


def check(capsys, *args):
    code = main(["check", "--output-format", "json", "--no-cache", *args])
    out, err = capsys.readouterr()
    data = json.loads(out)
    return code, sorted((f["code"], f["anchor"]) for f in data["findings"] if not f["exempted"]), data


def make_baseline(capsys, *paths):
    assert main(["baseline", "--no-cache", "-o", "baseline.json", *paths]) == 0
    return capsys.readouterr().out


def test_baseline_hides_known_findings_across_inserted_lines_and_reordering(project, capsys):
    write(project, "api.yaml", SPEC)
    write(project, "client.py", CLIENT)
    assert "recorded 4 findings" in make_baseline(capsys, ".")
    assert check(capsys, ".", "--baseline", "baseline.json")[:2] == (0, [])
    reordered = SPEC.split("  /orders:")[0] + "  /notes:" + SPEC.split("  /notes:")[1] + \
        "  /orders:" + SPEC.split("  /orders:")[1].split("  /notes:")[0]
    write(project, "api.yaml", "# new header comment\n\n" + reordered)
    moved = CLIENT.split("def pay")[0] + "def refund" + CLIENT.split("def refund")[1] + "\n\ndef pay" + \
        CLIENT.split("def pay")[1].split("def refund")[0]
    write(project, "client.py", "'''docstring'''\n" + moved)
    assert check(capsys, ".", "--baseline", "baseline.json")[:2] == (0, [])


def test_new_violation_of_the_same_rule_in_the_same_file_is_reported(project, capsys):
    write(project, "api.yaml", SPEC)
    make_baseline(capsys, "api.yaml")
    write(project, "api.yaml", SPEC + "  /invoices:\n    post: {operationId: createInvoice, responses: {}}\n")
    code, found, _ = check(capsys, "api.yaml", "--baseline", "baseline.json")
    assert code == 1 and found == [("RPL101", "POST /invoices")]


def test_a_second_identical_finding_in_the_same_function_is_new(project, capsys):
    write(project, "client.py", CLIENT)
    make_baseline(capsys, "client.py")
    write(project, "client.py", CLIENT.replace('    return requests.post("u", headers={"Idempotency-Key": str(uuid.uuid4())})\n\n\ndef refund',
                                               '    requests.post("u", headers={"Idempotency-Key": str(uuid.uuid4())})\n'
                                               '    return requests.post("u", headers={"Idempotency-Key": str(uuid.uuid4())})\n\n\ndef refund'))
    assert check(capsys, "client.py", "--baseline", "baseline.json")[1] == [("RPL201", "client.pay")]


def test_stale_entries_are_reported_and_pruned(project, capsys):
    write(project, "api.yaml", SPEC)
    make_baseline(capsys, "api.yaml")
    write(project, "api.yaml", SPEC.replace("createNote, responses", "createNote, parameters: "
                                            "[{name: Idempotency-Key, in: header, required: true, description: "
                                            "returns the original response}], responses").replace(
        "'201': {description: ok}}}\n", "'201': {description: ok}, '409': {description: x}}}\n", 1)
        .replace("/notes:\n    post: {operationId: createNote, parameters", "/notes:\n    post: {operationId: createNote, parameters"))
    code = main(["check", "--no-cache", "api.yaml", "--baseline", "baseline.json"])
    _, err = capsys.readouterr()
    assert "1 baseline entry no longer matches" in err
    assert main(["baseline", "--no-cache", "--prune", "-o", "baseline.json", "api.yaml"]) == 0
    assert "removed 1 stale entry, 1 kept" in capsys.readouterr().out
    assert [e["anchor"] for e in json.loads((project / "baseline.json").read_text())["entries"]] == ["POST /orders"]


def test_a_run_on_some_files_judges_only_their_entries(project, capsys):
    """pre-commit passes the changed files: the other files' entries are neither stale nor pruned, and a
    baseline written for some files keeps the others' entries."""
    write(project, "api.yaml", SPEC)
    write(project, "client.py", CLIENT)
    make_baseline(capsys, "api.yaml", "client.py")
    code, found, _ = check(capsys, "client.py", "--baseline", "baseline.json")
    assert (code, found) == (0, [])
    main(["check", "--no-cache", "client.py", "--baseline", "baseline.json"])
    assert "no longer match" not in capsys.readouterr().err
    assert main(["baseline", "--no-cache", "--prune", "-o", "baseline.json", "client.py"]) == 0
    assert "removed 0 stale entries, 4 kept" in capsys.readouterr().out
    assert main(["baseline", "--no-cache", "-o", "baseline.json", "client.py"]) == 0
    assert "kept 2 of files not analysed now" in capsys.readouterr().out
    paths = sorted({e["path"] for e in json.loads((project / "baseline.json").read_text())["entries"]})
    assert paths == ["api.yaml", "client.py"]
    (project / "api.yaml").unlink()  # a deleted file's entries can be judged: they are stale
    main(["check", "--no-cache", "client.py", "--baseline", "baseline.json"])
    assert "2 baseline entries no longer match" in capsys.readouterr().err


def test_bad_baseline_file_is_a_one_line_error(project, capsys):
    write(project, "api.yaml", SPEC)
    write(project, "baseline.json", "{not json")
    assert main(["check", "api.yaml", "--baseline", "baseline.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("replaylint: error: baseline.json: not a readable baseline file") and err.count("\n") == 1


def git(project, *args):
    subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)


@pytest.fixture
def repo(project):
    (project / ".git").rmdir()
    git(project, "init", "-q")
    git(project, "config", "user.email", "t@example.com")
    git(project, "config", "user.name", "t")
    return project


def test_diff_base_reports_only_what_is_new_since_the_ref(repo, capsys):
    write(repo, "specs/api.yaml", SPEC)
    write(repo, "client.py", CLIENT)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, "specs/api.yaml", "# moved down\n" + SPEC + "  /refunds:\n    post: {operationId: createRefund, responses: {}}\n")
    write(repo, "new_client.py", CLIENT)
    code, found, _ = check(capsys, ".", "--diff-base", "HEAD")
    assert code == 1
    assert found == [("RPL101", "POST /refunds"), ("RPL201", "new_client.pay"), ("RPL201", "new_client.refund")]


def test_diff_base_with_an_unknown_ref(repo, capsys):
    write(repo, "api.yaml", SPEC)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    assert main(["check", "api.yaml", "--diff-base", "no-such-ref"]) == 2
    assert capsys.readouterr().err.startswith("replaylint: error: --diff-base no-such-ref: ")


def test_cache_is_used_and_invalidated_by_content_and_refs(project, capsys, monkeypatch):
    from replaylint import engine

    write(project, "api.yaml", SPEC.replace("responses: {'201'", "parameters: [{$ref: 'common.yaml#/Key'}], "
                                                               "responses: {'201'", 1))
    write(project, "common.yaml", "Key: {name: X-Request-Id, in: header}\n")
    first = main(["check", "api.yaml", "--output-format", "json"])
    first_out = capsys.readouterr().out
    assert (project / ".replaylint_cache" / ".gitignore").read_text().strip().endswith("*")
    analysed = []
    original = engine.analyse_spec
    monkeypatch.setattr(engine, "analyse_spec", lambda *a, **k: analysed.append(1) or original(*a, **k))
    assert main(["check", "api.yaml", "--output-format", "json"]) == first
    assert capsys.readouterr().out == first_out and analysed == []  # warm: nothing re-analysed
    write(project, "common.yaml", "Key: {name: Idempotency-Key, in: header, required: true}\n")
    main(["check", "api.yaml", "--output-format", "json"])
    capsys.readouterr()
    assert analysed == [1]  # a $ref'd file changed
    main(["check", "api.yaml", "--no-cache"])
    capsys.readouterr()
    assert analysed == [1, 1]


def test_a_changed_tool_never_reads_an_older_tools_cache(project, capsys, monkeypatch):
    """Same version number, different code (an edited checkout, a reinstall): a new cache generation, and the
    old one is removed."""
    from replaylint import cache, engine

    write(project, "api.yaml", SPEC)
    main(["check", "api.yaml"])
    capsys.readouterr()
    first = cache.generation()
    assert [p.name for p in (project / ".replaylint_cache").iterdir() if p.is_dir()] == [first]
    analysed = []
    original = engine.analyse_spec
    monkeypatch.setattr(engine, "analyse_spec", lambda *a, **k: analysed.append(1) or original(*a, **k))
    monkeypatch.setattr(cache, "generation", lambda: first + "-edited")
    main(["check", "api.yaml"])
    capsys.readouterr()
    assert analysed == [1]
    assert [p.name for p in (project / ".replaylint_cache").iterdir() if p.is_dir()] == [first + "-edited"]


def test_cache_generation_follows_the_tools_own_code(tmp_path, monkeypatch):
    """Edited code (even of the same size) is a new generation; the same code installed again is not."""
    import os

    from replaylint import cache

    package = tmp_path / "replaylint"
    package.mkdir()
    module = package / "cache.py"
    module.write_text("# one\n")
    monkeypatch.setattr(cache, "__file__", str(module))

    def fresh_generation():
        cache.generation.cache_clear()
        return cache.generation()

    try:
        before = fresh_generation()
        assert before.startswith(cache.__version__ + "-")
        os.utime(module, (1, 1))  # reinstalled: new file times, same code
        assert fresh_generation() == before
        module.write_text("# two\n")
        assert fresh_generation() != before
    finally:
        cache.generation.cache_clear()


def test_corrupt_cache_entries_are_ignored(project, capsys):
    write(project, "api.yaml", SPEC)
    main(["check", "api.yaml"])
    expected = capsys.readouterr().out
    for entry in (project / ".replaylint_cache").rglob("*.json"):
        entry.write_text("{half")
    main(["check", "api.yaml"])
    assert capsys.readouterr().out == expected


def test_a_one_file_run_reads_the_full_runs_cache(project, capsys, monkeypatch):
    """pre-commit passes the changed files only: their results must come from the cache the full run wrote."""
    from replaylint import engine

    write(project, "shop/orders.py", "import uuid\n\nimport requests\n\n\ndef pay():\n"
                                     "    requests.post('/p', headers={'Idempotency-Key': str(uuid.uuid4())})\n")
    write(project, "shop/other.py", "def helper():\n    return 1\n")
    main(["check", "."])
    capsys.readouterr()
    analysed = []
    original = engine.analyse_python_file
    monkeypatch.setattr(engine, "analyse_python_file", lambda *a, **k: analysed.append(1) or original(*a, **k))
    main(["check", "shop/other.py"])
    main(["check", "shop/orders.py"])
    assert analysed == []


def test_a_warm_run_reuses_the_facts_and_a_changed_fact_file_renews_them(project, capsys, monkeypatch):
    from replaylint import engine

    write(project, "settings.py", "MIDDLEWARE = []\nIDEMPOTENCY_KEY_HEADER = 'x'\n")
    write(project, "views.py", "from django.views.decorators.http import require_POST\n\n\n@require_POST\n"
                               "def create_order(request):\n    return None\n")
    assert main(["check", "."]) == 1
    capsys.readouterr()
    found = []
    original = engine._project_facts
    monkeypatch.setattr(engine, "_project_facts", lambda *a: found.append(1) or original(*a))
    assert main(["check", "."]) == 1
    assert found == []  # warm: nothing read again, not even the fact files
    write(project, "settings.py", "MIDDLEWARE = ['idempotency_key.middleware.IdempotencyKeyMiddleware']\n")
    assert main(["check", "."]) == 0  # the middleware now covers the view
    assert found


def test_a_new_baseline_replaces_a_broken_file(project, capsys):
    write(project, "api.yaml", SPEC)
    (project / "baseline.json").write_text("{half")
    assert "recorded 2 findings" in make_baseline(capsys, "api.yaml")

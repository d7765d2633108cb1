"""A `$ref`'d fragment named on the command line (the pre-commit hook passes the changed files) is linted
through the OpenAPI specs of the project that reference it, directly or through other fragments."""
import json
import shutil

import pytest

from conftest import FIXTURES
from replaylint.cli import main

HOOK = ["--skip-unrecognised", "--force-exclude"]


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """A copy of fixtures/projects/fragments (its own repository) as the working directory."""
    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "projects" / "fragments", project)
    (project / ".git").mkdir()
    # YAML that no spec references; written here, not kept in the fixture, as test_project_index names every
    # YAML file of each fixture project and expects each to be analysed
    (project / "config").mkdir()
    (project / "config" / "app.yaml").write_text("server:\n  port: 8080\n", encoding="utf-8")
    monkeypatch.chdir(project)
    return project


def check(capsys, *args):
    """(exit code, findings as (code, path, line), errors as paths) of `replaylint check ARGS`."""
    code = main(["check", "--no-cache", "-j", "1", "--output-format", "json", *args])
    data = json.loads(capsys.readouterr().out)
    findings = [(f["code"], f["path"], f["line"]) for f in data["findings"]]
    return code, findings, [error["path"] for error in data["errors"]]


def test_a_fragment_is_linted_through_its_root(shop, capsys):
    _, whole, _ = check(capsys)
    assert ("RPL101", "paths/orders.yaml", 6) in whole
    code, findings, errors = check(capsys, *HOOK, "paths/orders.yaml")
    assert code == 1
    assert ("RPL101", "paths/orders.yaml", 6) in findings
    # the root is analysed whole; what is written in the named fragment is reported, as for a changed .py
    assert sorted(findings) == sorted(f for f in whole if f[1] == "paths/orders.yaml")
    assert errors == []


def test_a_fragment_of_a_fragment_leads_to_the_root(shop, capsys):
    code, findings, errors = check(capsys, *HOOK, "schemas/order.yaml")
    assert code == 1
    assert findings == [("RPL109", "schemas/order.yaml", 5)]  # not the findings of the fragment between
    assert errors == []


def test_a_yaml_file_no_spec_references(shop, capsys):
    """Skipped in the hook as before; named without --skip-unrecognised, it is still a problem (exit 2)."""
    assert check(capsys, *HOOK, "config/app.yaml") == (0, [], [])
    code, findings, errors = check(capsys, "config/app.yaml")
    assert (code, findings, errors) == (2, [], ["config/app.yaml"])


def test_fragments_of_one_root_analyse_it_once(shop, capsys):
    _, whole, _ = check(capsys)
    code, findings, _ = check(capsys, *HOOK, "paths/orders.yaml", "paths/payments.yaml", "schemas/order.yaml")
    assert code == 1
    assert len(findings) == len(set(findings))
    assert sorted(findings) == sorted(whole)


@pytest.mark.parametrize("order", [["openapi.yaml", "paths/orders.yaml"], ["paths/orders.yaml", "openapi.yaml"]])
@pytest.mark.parametrize("hook", [HOOK, []])
def test_the_root_named_with_its_fragment_is_analysed_once(shop, capsys, order, hook):
    _, whole, _ = check(capsys)
    code, findings, errors = check(capsys, *hook, *order)
    assert code == 1
    assert sorted(findings) == sorted(whole)
    assert errors == []


def test_a_fragment_without_the_hook_flags_is_linted_through_its_root(shop, capsys):
    code, findings, errors = check(capsys, "paths/payments.yaml")
    assert code == 1
    assert ("RPL101", "paths/payments.yaml", 2) in findings
    assert errors == []


def test_an_ignored_root_is_not_searched(shop, capsys):
    """The search walks the project as discovery does: a spec that .gitignore hides is not a root."""
    (shop / ".gitignore").write_text("openapi.yaml\n", encoding="utf-8")
    assert check(capsys, *HOOK, "paths/orders.yaml") == (0, [], [])


def test_a_root_outside_the_project_is_not_followed(tmp_path, monkeypatch, capsys):
    """The search stays in the repository holding the fragment: a spec beside it, outside, is not read."""
    outer = tmp_path / "outer"
    shutil.copytree(FIXTURES / "projects" / "fragments", outer)
    (outer / "paths" / ".git").mkdir()  # paths/ is a repository of its own
    monkeypatch.chdir(outer / "paths")
    assert check(capsys, *HOOK, "orders.yaml") == (0, [], [])


def test_a_json_fragment_named_by_a_ref_with_a_pointer(shop, capsys):
    code = main(["check", "--no-cache", "--output-format", "json", *HOOK, "schemas/payment.json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["errors"] == [] and data["findings"] == []  # nothing written in it is wrong
    assert data["summary"]["files_analysed"] == 1  # its spec was analysed


def test_a_warm_run_finds_the_root_too(shop, capsys):
    """The hook runs with the cache: the walk for roots may use the listings kept from the last walk."""
    assert main(["check", "--output-format", "json", "--exit-zero"]) == 0
    capsys.readouterr()
    for _ in range(2):
        assert main(["check", "--output-format", "json", *HOOK, "schemas/order.yaml"]) == 1
        data = json.loads(capsys.readouterr().out)
        assert ("RPL109", "schemas/order.yaml", 5) in {(f["code"], f["path"], f["line"]) for f in data["findings"]}


@pytest.mark.parametrize("text", [b"openapi: 3.1.0\n", b"x: 1\n\n  openapi: 3\n", b"{\n \n 'swagger' : 2}",
                                  b"\xef\xbb\xbfopenapi: 3", b"a: openapi\nb: swagger:", b"a: b openapi: 3",
                                  b"info: {title: openapi}\nopenapi: 3", b"- openapi: 3", b"#openapi: 3", b""])
def test_the_yaml_sniff_finds_what_its_pattern_finds(text):
    from replaylint.discovery import _SPEC_MARKER, _yaml_marked

    assert _yaml_marked(text) == bool(_SPEC_MARKER.search(text))


def test_a_spec_walked_beside_a_named_fragment_is_reported_whole(shop, capsys):
    """`check . paths/orders.yaml`: the spec is an input by the walk too, so all its findings are reported."""
    _, whole, _ = check(capsys)
    for args in ([".", "paths/orders.yaml"], ["paths/orders.yaml", "."]):
        code, findings, _ = check(capsys, *args)
        assert code == 1 and sorted(findings) == sorted(whole)

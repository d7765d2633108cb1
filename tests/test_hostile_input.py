"""Hostile and broken input: every file is analysed or named with a reason (`path: not analysed: reason`),
exit code 2, nothing crashes, nothing escapes the project, and the other files are still analysed."""
import http.server
import json
import os
import threading

import pytest

from conftest import write
from replaylint.cli import main

GOOD_SPEC = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /orders:\n    post: {responses: {}}\n'


def check(capsys, *args):
    code = main(["check", "--no-cache", "--output-format", "concise", *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_named(code, out, err, path, reason, line=None):
    """Exit 2, one line naming the file and the reason, and the good spec still analysed."""
    assert code == 2
    where = f"{path}:{line}:" if line else f"{path}:"
    lines = [l for l in err.splitlines() if l.startswith(where)]
    assert len(lines) == 1 and "not analysed: " in lines[0] and reason in lines[0], err
    assert "Traceback" not in err
    assert "good.yaml:5:5: RPL101" in out


@pytest.mark.parametrize("name,content,reason,line", [
    ("bad.yaml", b"openapi: 3.0.0\npaths: [\n", "invalid YAML", None),
    ("bad.json", b'{"openapi": "3.0.0",\n "paths": {,}}', "invalid JSON", 2),
    ("bad.yaml", b"openapi: 3.0.0\ninfo: \xff\xfe\n", "not UTF-8", None),
    ("bad.json", b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"openapi": ', "not UTF-8", None),
    ("bad.yaml", b"openapi: 3.0.0\x00\n", "null bytes", None),
    ("bad.yaml", b"", "not an OpenAPI document", None),
    ("bad.json", b"   \n", "invalid JSON", None),
])
def test_broken_specs_named_explicitly(project, capsys, name, content, reason, line):
    write(project, "good.yaml", GOOD_SPEC)
    (project / name).write_bytes(content)
    assert_named(*check(capsys, "good.yaml", name), name, reason, line)


def test_broken_spec_found_by_walking(project, capsys):
    write(project, "good.yaml", GOOD_SPEC)
    write(project, "specs/bad.yaml", "openapi: 3.0.0\npaths: {a: [}\n")
    assert_named(*check(capsys, "."), "specs/bad.yaml", "invalid YAML")


def test_yaml_alias_bomb_is_refused_quickly(project, capsys):
    lines = ['openapi: 3.0.0', 'x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    write(project, "bomb.yaml", "\n".join(lines) + "\n")
    write(project, "good.yaml", GOOD_SPEC)
    assert_named(*check(capsys, "."), "bomb.yaml", "alias bomb")


@pytest.mark.parametrize("name,text", [
    ("deep.yaml", "openapi: 3.0.0\nx: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("deep.json", '{"openapi": "3.0.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("deep.yaml", "openapi: 3.0.0\n" + "".join(" " * i + f"k{i}:\n" for i in range(0, 4000, 2))),
])
def test_deep_nesting_is_refused(project, capsys, name, text):
    write(project, name, text)
    write(project, "good.yaml", GOOD_SPEC)
    assert_named(*check(capsys, "."), name, "deep")


@pytest.mark.parametrize("source", [
    "x = " + "[" * 3000 + "]" * 3000 + "\n",
    "x = " + "+".join(["a"] * 100_000) + "\n",
    "x = " + "not " * 50_000 + "a\n",
    "f(" * 3000 + ")" * 3000 + "\n",
])
def test_deeply_nested_python_is_refused_not_crashed(project, capsys, source):
    write(project, "deep.py", "import requests  # Idempotency-Key\n" + source)
    write(project, "good.yaml", GOOD_SPEC)
    assert_named(*check(capsys, "."), "deep.py", "nested too deeply")


def test_spec_over_the_size_cap(project, capsys, monkeypatch):
    from replaylint.openapi import refs
    import replaylint.engine as engine

    monkeypatch.setattr(engine, "MAX_FILE_BYTES", 1000)
    write(project, "big.yaml", GOOD_SPEC + "# padding\n" * 200)
    write(project, "good.yaml", GOOD_SPEC)
    assert_named(*check(capsys, "big.yaml", "good.yaml"), "big.yaml", "size cap")
    del refs


def test_remote_ref_is_fetched_only_on_request(project, capsys):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"Key: {name: Idempotency-Key, in: header, required: true}\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/common.yaml#/Key"
        write(project, "api.yaml", GOOD_SPEC.replace("post: {responses: {}}",
                                                     f"post: {{parameters: [{{$ref: '{url}'}}], responses: "
                                                     "{'409': {description: x}}}"))
        code, out, err = check(capsys, "api.yaml")
        assert code == 2 and "not fetched (pass --allow-remote-refs" in err
        assert "RPL101" not in out  # what the operation accepts is unknown: no guess
        code, out, err = check(capsys, "api.yaml", "--allow-remote-refs")
        assert "RPL101" not in out and "not fetched" not in err
    finally:
        server.shutdown()


def test_symlink_loops_and_broken_links_in_the_walk(project, capsys):
    write(project, "specs/good.yaml", GOOD_SPEC)
    os.symlink(project / "specs", project / "specs" / "loop")
    os.symlink(project / "nowhere.yaml", project / "specs" / "broken.yaml")
    code, out, err = check(capsys, ".")
    assert code == 2 and out.count("RPL101") == 1
    assert "specs/broken.yaml: not analysed: broken symbolic link" in err


def test_missing_path_and_unreadable_file(project, capsys, monkeypatch):
    write(project, "good.yaml", GOOD_SPEC)
    write(project, "secret.yaml", GOOD_SPEC)
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    code, out, err = check(capsys, "good.yaml", "secret.yaml", "missing.yaml")
    assert code == 2
    assert "missing.yaml: not analysed: no such file or directory" in err
    assert "secret.yaml: not analysed: cannot read file: Permission denied" in err
    assert "good.yaml:5:5: RPL101" in out


def test_internal_error_in_a_loader_names_the_file_and_the_run_goes_on(project, capsys, monkeypatch):
    import replaylint.engine as engine

    original = engine.parse_document

    def flaky(path, text):
        if path.endswith("bad.yaml"):
            raise ValueError("boom")
        return original(path, text)

    monkeypatch.setattr(engine, "parse_document", flaky)
    write(project, "bad.yaml", GOOD_SPEC)
    write(project, "good.yaml", GOOD_SPEC)
    assert_named(*check(capsys, "."), "bad.yaml", "internal error: ValueError: boom")


def test_interrupted_run_leaves_no_half_written_output(project, capsys, monkeypatch):
    import replaylint.engine as engine

    write(project, "good.yaml", GOOD_SPEC)
    monkeypatch.setattr(engine, "apply_filters", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    code = main(["check", ".", "-o", "report.json", "--output-format", "json"])
    assert code == 130 and "interrupted" in capsys.readouterr().err
    assert not (project / "report.json").exists()
    leftovers = [p for p in project.rglob("*.tmp")]
    assert leftovers == []


def test_report_files_get_the_mode_open_would_give(project):
    write(project, "good.yaml", GOOD_SPEC)
    umask = os.umask(0o022)
    try:
        main(["check", ".", "-o", "report.json", "--output-format", "json", "--no-cache"])
        assert (project / "report.json").stat().st_mode & 0o777 == 0o644
        (project / "report.json").chmod(0o640)
        main(["check", ".", "-o", "report.json", "--output-format", "json", "--no-cache"])
        assert (project / "report.json").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


@pytest.mark.parametrize("text, live", [
    ("ping @octocat", "@octocat"), ("fixes #123", "#123"), ("see https://evil.example/x", "https://"),
    ("www.evil.example", "www."), ("[x](javascript:alert(1))", "[x](")])
def test_markdown_keeps_mentions_issue_refs_and_links_inert(text, live):
    from replaylint.report.escape import markdown_safe

    safe = markdown_safe(text)
    assert live not in safe
    assert safe.replace("&#8203;", "").replace("\\", "") == text


def test_output_is_deterministic(project, capsys):
    write(project, "a.yaml", GOOD_SPEC)
    write(project, "b/c.json", json.dumps({"openapi": "3.1.0", "paths": {"/x": {"patch": {}}, "/y": {"post": {}}}}))
    write(project, "d.py", "import uuid, requests\ndef f():\n    requests.post('u', headers={'Idempotency-Key': str(uuid.uuid4())})\n")
    first = check(capsys, ".", "--output-format", "json")
    second = check(capsys, ".", "--output-format", "json")
    assert first == second


def test_minified_spec_text_report_stays_small(project, capsys):
    """A minified spec is one line of megabytes: the text report shows a window of it around each finding
    (whole lines under thousands of findings would be gigabytes), with the caret still under the finding."""
    import json

    paths = {f"/things{i}": {"post": {"operationId": f"createThing{i}", "responses": {"201": {"description": "ok"}}}}
             for i in range(2000)}
    text = json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths},
                      separators=(",", ":"))
    (project / "min.json").write_text(text)
    assert main(["check", "min.json", "--no-cache", "--select", "RPL101", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert out.count("RPL101") == 2000 and len(out) < 2000 * 1200
    last = out.split("\n\nFound")[0].split("\n\n")[-1].splitlines()
    source, caret = last[2], last[3]
    column = int(last[0].split(":")[2])
    at = caret.index("^")
    assert "…" in source and source[at:at + 12] == text[column - 1:column + 11]


def test_source_window_clamps_a_column_past_the_line_end():
    from replaylint.report.text import source_window

    assert source_window("x" * 400, 1000)[1] <= 162
    assert source_window("short", 40) == ("short", 6)


def test_a_spec_starting_with_a_byte_order_mark_is_found_by_walking(project, capsys):
    (project / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + GOOD_SPEC.encode())
    code, out, _ = check(capsys, ".")
    assert code == 1 and "bom.yaml:5:5: RPL101" in out


@pytest.mark.parametrize("cookie,body,analysed,reason", [
    (b"# -*- coding: latin-1 -*-\n", b'NAME = "caf\xe9"\n', True, None),
    (b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n", b'NAME = "\x80"\n', True, None),
    (b"# coding: no-such-codec\n", b'NAME = "caf\xe9"\n', False, "unknown encoding 'no-such-codec'"),
    (b"", b'NAME = "caf\xe9"\n', False, "not UTF-8"),
    (b"\n\n# coding: latin-1\n", b'NAME = "caf\xe9"\n', False, "not UTF-8"),  # only the first two lines count
])
def test_python_files_are_read_in_the_encoding_they_declare(project, capsys, cookie, body, analysed, reason):
    (project / "legacy.py").write_bytes(cookie + body)
    code, out, err = check(capsys, "legacy.py")
    assert "Traceback" not in err
    if analysed:
        assert code == 0 and not err
    else:
        assert code == 2 and "legacy.py: not analysed: " in err and reason in err


@pytest.mark.parametrize("name, content, reason", [
    ("openapi.json", b"[1, 2]", "the top level is a list"),
    ("swagger.yaml", b"", "the file is empty"),
    ("openapi.yml", b'"just text"\n', "the top level is a scalar"),
])
def test_a_file_named_as_a_spec_is_analysed_or_noted_when_walking(project, capsys, name, content, reason):
    """Never skipped in silence; but a file that is a spec by its name alone (a Helm template, a swagger-ui
    config) does not fail the run: a note names it. Named on the command line, it is an error as ever."""
    write(project, "good.yaml", GOOD_SPEC)
    write(project, "settings.yaml", "debug: true\n")  # any other YAML met while walking is not an input
    (project / name).write_bytes(content)
    code, out, err = check(capsys, ".")
    assert code == 1 and "good.yaml:5:5: RPL101" in out and "settings.yaml" not in err
    notes = [line for line in err.splitlines() if line.startswith(f"{name}:")]
    assert len(notes) == 1 and "note: not analysed (a spec by its name only)" in notes[0] and reason in notes[0]
    assert_named(*check(capsys, "good.yaml", name), name, reason)


@pytest.mark.parametrize("use_rust_loader", [True, False])
def test_a_duplicate_yaml_key_is_named_with_its_line(project, capsys, monkeypatch, use_rust_loader):
    from replaylint import yaml_documents

    if not use_rust_loader:
        monkeypatch.setattr(yaml_documents, "yaml_rs", None)
    write(project, "good.yaml", GOOD_SPEC)
    write(project, "dup.yaml", GOOD_SPEC + "  /orders:\n    get: {responses: {}}\n")
    assert_named(*check(capsys, "good.yaml", "dup.yaml"), "dup.yaml", "duplicate mapping key: '/orders'", line=6)

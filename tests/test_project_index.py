"""The project index: facts of other modules (helpers that mint keys, keys kept on a base class, key-reading
helpers, view bases) reach the module that imports them, whatever the order files are visited in, in a
one-file run, and through the cache."""
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, EXPECT, run_in, write

PROJECTS = FIXTURES / "projects"
NAMES = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())


def marks(folder: Path) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in match.group(1).replace(",", " ").split():
                    found.add((path.relative_to(folder).as_posix(), number, code))
    return found


def findings_of(result) -> set[tuple[str, int, str]]:
    assert not result.problems, [p.message for p in result.problems]
    return {(Path(f.span.path).as_posix(), f.span.line, f.code) for f in result.findings if not f.exempted}


def run_files(folder: Path, paths: list[str], jobs: int = 1, use_cache: bool = False):
    from replaylint.config import Config
    from replaylint.engine import run

    previous = os.getcwd()
    os.chdir(folder)
    try:
        return run(paths, Config(root=folder), jobs=jobs, use_cache=use_cache)
    finally:
        os.chdir(previous)


@pytest.mark.parametrize("name", NAMES)
def test_project_marks_match_findings(name):
    folder = PROJECTS / name
    expected = marks(folder)
    assert expected, "a fixture project without marks proves nothing"
    assert sorted(findings_of(run_in(folder)) ^ expected) == []


@pytest.mark.parametrize("name", ["keyhelpers", "drf_bases"])
def test_one_file_run_sees_the_modules_it_imports(name):
    folder = PROJECTS / name
    for path in sorted({path for path, _, _ in marks(folder)}):
        expected = {m for m in marks(folder) if m[0] == path}
        assert findings_of(run_files(folder, [path])) == expected, path


@pytest.mark.parametrize("name", NAMES)
def test_findings_do_not_depend_on_the_order_files_are_visited(name):
    folder = PROJECTS / name
    files = sorted(p.relative_to(folder).as_posix() for pattern in ("*.py", "*.yaml", "*.yml", "*.json")
                   for p in folder.rglob(pattern))
    forward = findings_of(run_files(folder, files))
    backward = findings_of(run_files(folder, list(reversed(files))))
    assert forward == backward == marks(folder)


def test_a_warm_run_notices_a_changed_helper_in_another_module(tmp_path):
    project = tmp_path / "keyhelpers"
    shutil.copytree(PROJECTS / "keyhelpers", project)
    (project / ".git").mkdir()
    first = findings_of(run_files(project, ["shop/payments/client.py"], use_cache=True))
    assert ("shop/payments/client.py", 12, "RPL201") in first
    ids = project / "shop" / "common" / "ids.py"
    ids.write_text(ids.read_text().replace("return uuid.uuid4().hex", "return 'fixed-for-this-process'"))
    second = findings_of(run_files(project, ["shop/payments/client.py"], use_cache=True))
    assert ("shop/payments/client.py", 12, "RPL201") not in second
    assert ("shop/payments/client.py", 19, "RPL201") not in second  # fresh_key() calls it
    assert ("shop/payments/client.py", 30, "RPL201") in second  # the base class still mints its own


def test_summaries_persist_and_a_damaged_store_is_ignored(tmp_path):
    project = tmp_path / "keyhelpers"
    shutil.copytree(PROJECTS / "keyhelpers", project)
    (project / ".git").mkdir()
    expected = findings_of(run_files(project, ["shop/payments/client.py"], use_cache=True))
    stores = list(project.glob(".replaylint_cache/*/index.json"))
    assert len(stores) == 1 and "new_request_id" in stores[0].read_text()
    stores[0].write_text('{"' + str(project / "shop/common/ids.py") + '": [1, 2]}')
    (project / "shop/payments/client.py").write_text((project / "shop/payments/client.py").read_text() + "\n")
    assert findings_of(run_files(project, ["shop/payments/client.py"], use_cache=True)) == expected


def test_imports_never_leave_the_project_root(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "keys.py", "import uuid\n\ndef new_key():\n    return str(uuid.uuid4())\n")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    os.symlink(outside, project / "keys_link")
    write(project, "client.py", "import requests\nfrom keys_link.keys import new_key\nfrom ..outside.keys import "
                                "new_key as other\n\n\ndef pay():\n    requests.post('https://x', headers="
                                "{'Idempotency-Key': new_key()})\n    requests.post('https://x', headers="
                                "{'Idempotency-Key': other()})\n")
    assert findings_of(run_files(project, ["client.py"])) == set()


def test_a_symlinked_package_inside_the_project_is_followed(tmp_path):
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    write(project, "libs/ids/__init__.py", "import uuid\n\ndef new_key():\n    return str(uuid.uuid4())\n")
    (project / "svc").mkdir()
    os.symlink(project / "libs" / "ids", project / "svc" / "ids")
    write(project, "svc/client.py", "import requests\nfrom ids import new_key\n\n\ndef pay():\n    requests.post("
                                    "'https://x', headers={'Idempotency-Key': new_key()})\n")
    assert findings_of(run_files(project, ["svc/client.py"])) == {("svc/client.py", 6, "RPL201")}


def test_import_cycles_end(tmp_path):
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    write(project, "a.py", "from b import g\n\ndef f():\n    return g()\n")
    write(project, "b.py", "from a import f\n\ndef g():\n    return f()\n")
    write(project, "c.py", "import requests\nfrom a import f\n\n\ndef pay():\n    requests.post('https://x', "
                           "headers={'Idempotency-Key': f()})\n")
    assert findings_of(run_files(project, ["c.py", "a.py", "b.py"])) == set()


def test_a_one_file_run_after_a_project_run_knows_the_routes_registered_elsewhere(tmp_path):
    """Pre-commit names only the changed view; the route table that registers it was recorded by an earlier
    run, so the view is judged as in the whole run (and its cached result is reused), and a change to the
    route table is still seen."""
    project = tmp_path / "aiohttp_routes"
    shutil.copytree(PROJECTS / "aiohttp_routes", project)
    whole = findings_of(run_files(project, ["."], use_cache=True))
    views = {f for f in whole if f[0] == "service/views.py"}
    assert views, "the fixture's views are routed by service/routes.py"
    assert findings_of(run_files(project, ["service/views.py"], use_cache=True)) == views
    routes = project / "service" / "routes.py"
    routes.write_text(routes.read_text(encoding="utf-8").replace(
        'app.router.add_post("/tickets", create_ticket)', 'app.router.add_get("/tickets", create_ticket)'),
        encoding="utf-8")
    os.utime(routes, ns=(1, 1))  # a different mtime whatever the clock's resolution
    after = findings_of(run_files(project, ["service/views.py"], use_cache=True))
    assert ("service/views.py", 6, "RPL301") in views and ("service/views.py", 6, "RPL301") not in after

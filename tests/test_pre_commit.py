"""The pre-commit hooks, run by the real `pre-commit` tool (`pre-commit try-repo`) in a scratch git repo."""
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, write

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None and
                                subprocess.run([sys.executable, "-m", "pre_commit", "--version"],
                                               capture_output=True).returncode != 0,
                                reason="pre-commit is not installed (pip install '.[test]')")

BAD = '''import uuid

import requests


def pay(invoice):
    return requests.post("https://api.example.com/pay", headers={"Idempotency-Key": str(uuid.uuid4())})
'''
GOOD = '''import requests


def pay(invoice, key):
    return requests.post("https://api.example.com/pay", headers={"Idempotency-Key": key})
'''


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A committed copy of this project, as pre-commit would clone it (the working tree may be dirty)."""
    source = tmp_path_factory.mktemp("replaylint-hooks")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("replaylint", "rules"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@example.com", "-c", "user.name=t",
                                                  "commit", "-qm", "hooks"]):
        subprocess.run(["git", *args], cwd=source, check=True, capture_output=True)
    return source


def run_hook(hook_repo, repo, hook, *files):
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--files", *files]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("hooked")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    write(repo, "bad.py", BAD)
    write(repo, "good.py", GOOD)
    write(repo, "compose.yaml", "services: {web: {image: nginx}}\n")  # not a spec: skipped, not an error
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo


def test_hook_fails_on_a_bad_file(hook_repo, repo):
    result = run_hook(hook_repo, repo, "replaylint", "bad.py", "compose.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "RPL201" in result.stdout


def test_hook_passes_on_a_good_file(hook_repo, repo):
    result = run_hook(hook_repo, repo, "replaylint", "good.py", "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_gitlab_install_from_a_git_tag_works(hook_repo, tmp_path):
    """GitLab's job installs `replaylint @ git+URL@TAG` before the package is on PyPI: the form pip accepts."""
    from replaylint import __version__

    tag = f"v{__version__}"
    subprocess.run(["git", "tag", "-f", tag], cwd=hook_repo, check=True, capture_output=True)
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), f"replaylint @ git+file://localhost{hook_repo}@{tag}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (target / "replaylint" / "cli.py").is_file() and (target / "replaylint" / "rules").is_dir()


ROOT_SPEC = """openapi: 3.0.3
info: {title: shop, version: '1'}
paths:
  /orders:
    $ref: paths/orders.yaml
"""
FRAGMENT = """post:
  operationId: createOrder
  responses:
    '201': {description: made}
"""


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory):
    """A spec split into a root and a path fragment, and a service whose own config turns RPL201 off."""
    repo = tmp_path_factory.mktemp("monorepo")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    write(repo, "api/openapi.yaml", ROOT_SPEC)
    write(repo, "api/paths/orders.yaml", FRAGMENT)
    write(repo, "services/billing/pay.py", BAD)
    write(repo, "services/billing/replaylint.toml", 'ignore = ["RPL201"]\n')
    write(repo, "pay.py", BAD)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo


def test_hook_on_a_changed_fragment_lints_the_spec_that_reads_it(hook_repo, monorepo):
    result = run_hook(hook_repo, monorepo, "replaylint", "api/paths/orders.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "api/paths/orders.yaml:1:1: RPL101" in result.stdout


def test_hook_applies_a_service_config_to_its_files(hook_repo, monorepo):
    result = run_hook(hook_repo, monorepo, "replaylint", "services/billing/pay.py")
    assert result.returncode == 0, result.stdout + result.stderr  # the service's config ignores RPL201
    result = run_hook(hook_repo, monorepo, "replaylint", "pay.py", "services/billing/pay.py")
    assert result.returncode == 1 and "pay.py:" in result.stdout and "services/billing/pay.py:" not in result.stdout

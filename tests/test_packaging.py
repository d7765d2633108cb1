"""The wheel ships the rule catalog as replaylint.rules (never a top-level `rules` package)."""
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")  # build from a copy: setuptools writes build/ next to the sources
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("replaylint", "rules"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(out), str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed: {result.stderr[-2000:]}")
    return next(out.glob("replaylint-*.whl"))


def test_wheel_maps_rules_into_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "replaylint/rules/rpl101_mutation_without_intent_key.py" in names
    assert not any(name.startswith("rules/") for name in names)


def test_installed_copy_finds_every_rule(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    source_rules = sorted(p.stem.split("_")[0].upper() for p in (ROOT / "rules").glob("rpl*.py"))
    script = ("import replaylint.rules, replaylint.registry as r; "
              "print(replaylint.rules.__file__); print(' '.join(r.REGISTRY.rules))")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(site), "PATH": ""})
    assert result.returncode == 0, result.stderr
    location, codes = result.stdout.splitlines()
    assert location.startswith(str(site))
    assert codes.split() == source_rules

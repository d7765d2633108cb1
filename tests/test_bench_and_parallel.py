"""The benchmark script runs (smoke mode), and findings are identical cold, warm, serial and parallel."""
import json
import os
import shutil
import subprocess
import sys

from conftest import FIXTURES, ROOT
from replaylint.cli import main


def test_bench_smoke(tmp_path):
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "-o", str(out)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    table = out.read_text()
    assert "| replaylint |" in table and "| tool | wall s (median) |" in table


def test_cold_warm_serial_and_parallel_runs_agree(tmp_path, monkeypatch, capsys):
    import replaylint.engine as engine

    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    (project / ".git").mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)  # make the fixtures big enough to fan out

    def findings(*args):
        main(["check", ".", "--output-format", "json", "--exit-zero", *args])
        data = json.loads(capsys.readouterr().out)
        return data["findings"], data["errors"]

    serial = findings("-j", "1", "--no-cache")
    parallel = findings("-j", "2", "--no-cache")
    cold = findings("-j", "2")
    warm = findings("-j", "2")
    assert serial == parallel == cold == warm
    assert len(serial[0]) > 100  # the fixtures have plenty of findings

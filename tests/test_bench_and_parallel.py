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


def _bench_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scale_summary_tells_linear_from_quadratic():
    bench = _bench_module()

    def cases(walls):
        made = []
        for files, wall in walls:
            case = bench.Case(f"replaylint, {files} files, cold", "scale", [], None)
            case.walls, case.peaks = [wall], [100.0]
            made.append(case)
        return made

    linear = bench.scale_summary({"scale: tree": cases([(1000, 1.0), (4000, 4.0), (16000, 16.0)])})
    quadratic = bench.scale_summary({"scale: tree": cases([(1000, 1.0), (4000, 16.0), (16000, 256.0)])})
    assert "growth exponent 1.00" in linear[2] and "flat or falling" in linear[2]
    assert "growth exponent 2.00" in quadratic[2] and "rising" in quadratic[2]


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

"""Fuzzing: mutated specs and Python files never crash replaylint, always follow the error model, and give
the same output twice. Bounded for CI; REPLAYLINT_FUZZ_EXAMPLES=5000 runs a longer campaign."""
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run_in

EXAMPLES = int(os.environ.get("REPLAYLINT_FUZZ_EXAMPLES", "40"))
SEEDS = {
    "shop.yaml": (FIXTURES / "demo" / "shop.yaml").read_bytes(),
    "payments.json": (FIXTURES / "demo" / "payments.json").read_bytes(),
    "legacy.yaml": (FIXTURES / "demo" / "legacy-swagger.yaml").read_bytes(),
    "server.py": (FIXTURES / "demo" / "shop_server.py").read_bytes(),
    "client.py": (FIXTURES / "python" / "client_requests.py").read_bytes(),
    "views.py": (FIXTURES / "python" / "drf_views.py").read_bytes(),
}
INTERESTING = [b"\x00", b"\xff", b"{", b"[", b"}", b"]", b":", b"&a", b"*a", b"$ref: '#/x'", b"\n  ", b"\t",
               b"'", b'"', b"(", b")", b"def ", b"@app.post('/x')\n", b"uuid.uuid4()", b"\\", b"\x1b[31m",
               b"# replaylint: allow[RPL201]", b"<<: *a", b"\r\n", b"\xe2\x80\xae", b"%", b"- ", b"!!python/object:os.system"]


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "replace", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(INTERESTING), st.binary(min_size=1, max_size=20)))
        elif kind == "duplicate":
            length = draw(st.integers(1, 300))
            data[at:at] = data[at:at + length]
        elif kind == "replace":
            data[at:at + 1] = draw(st.sampled_from(INTERESTING))
        else:
            del data[at:]
    return name, bytes(data)


def lint(folder: Path):
    result = run_in(folder)
    return ([(f.code, f.path, f.span.line, f.span.column, f.message, f.exempted) for f in result.findings],
            [(p.path, p.message, p.line) for p in result.problems], result.files_analysed)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_inputs_never_crash_and_are_deterministic(case):
    name, data = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".git").mkdir()
        (root / name).write_bytes(data)
        if name.endswith((".yaml", ".json")):
            (root / "common.yaml").write_bytes((FIXTURES / "demo" / "common.yaml").read_bytes())
        first = lint(root)
        second = lint(root)
    assert first == second
    findings, problems, analysed = first
    for path, message, _ in problems:
        assert message.startswith("not analysed: "), message
        assert "internal error" not in message, message
    assert analysed + len({p[0] for p in problems}) >= 1 or not findings
    assert findings == sorted(findings, key=lambda f: (f[1], f[2], f[3], f[0]))

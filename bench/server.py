"""The language server's latency: from a change sent to its diagnostics received, over stdio with pygls'
client, on a large Python file and a large spec (medians of N edits; the debounce pause is not counted).

    python bench/server.py [PY_FILE] [SPEC] [--runs N]
    # defaults: the Stripe SDK's terminal/_reader.py (2,464 lines that the key rules parse; from the corpus
    # recipe, ../shared/corpus/get-python-trees.sh) and the Twilio spec (1.7 MB)

Target (issue 14): within 300 ms of the change on this machine.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
CORPUS = HERE.parents[1] / "shared" / "corpus" / "openapi"
DEFAULT_PY = Path.home() / ".cache" / "replaylint-corpus" / "python" / "stripe" / "stripe" / "terminal" / "_reader.py"
DEFAULT_SPEC = CORPUS / "twilio-api-v2010.yaml"


async def measure(source: Path, language: str, runs: int) -> list[float]:
    import shutil
    import tempfile

    from test_server import Session  # the client the tests drive the server with

    from replaylint.server import DEBOUNCE_SECONDS

    folder = Path(tempfile.mkdtemp(prefix="replaylint-server-bench-"))  # the cache is written here, not
    path = folder / source.name                                        # beside the corpus
    shutil.copyfile(source, path)
    session = Session(folder)
    await session.start()
    try:
        uri = session.open(path, language)
        await session.diagnostics(uri, timeout=120)  # the first check builds the caches
        text = path.read_text(encoding="utf-8")
        times = []
        for version in range(2, runs + 2):
            edited = text + "\n# edit %d\n" % version  # a comment line: the same in Python and YAML
            start = time.perf_counter()
            session.change(uri, version, edited)
            await session.diagnostics(uri, timeout=120)
            times.append(time.perf_counter() - start - DEBOUNCE_SECONDS)
        return times
    finally:
        await session.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("python", nargs="?", default=str(DEFAULT_PY))
    parser.add_argument("spec", nargs="?", default=str(DEFAULT_SPEC))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for path, language in ((Path(args.python), "python"), (Path(args.spec), "yaml")):
        if not path.exists():
            print(f"{path}: not found (see ../shared/corpus/README.md)", file=sys.stderr)
            return 2
        times = asyncio.run(measure(path, language, args.runs))
        lines = path.read_text(encoding="utf-8").count("\n")
        print(f"{path.name} ({lines} lines, {path.stat().st_size / 1e6:.1f} MB): median "
              f"{statistics.median(times) * 1000:.0f} ms after the debounce, max {max(times) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

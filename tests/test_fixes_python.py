"""RPL202's fix: the key is made once, before the retry. After `--fix` the file re-checks without RPL202, the
fixed code sends one key on every attempt (run here on stub clients), and where a move could change more than
the key the file is left as it was."""
import textwrap

import pytest

from conftest import write
from replaylint.cli import main
from replaylint.registry import REGISTRY
from replaylint.testing import example_source
from test_fixes import codes


def fix(project, source: str, *options: str, name: str = "client.py") -> tuple[str, str]:
    path = write(project, name, textwrap.dedent(source).lstrip("\n"))
    before = path.read_text(encoding="utf-8")
    assert "RPL202" in codes(path), "the example should be flagged before the fix"
    assert main(["check", "--no-cache", "--fix", "--exit-zero", *options, name]) == 0
    return before, path.read_text(encoding="utf-8")


def keys_sent(source: str, call: str, failures: int = 2) -> list[str]:
    """Run fixed code on a stub client that times out `failures` times: the keys each attempt sent."""
    import uuid

    sent = []

    class Requests:
        class Timeout(Exception):
            pass

        @staticmethod
        def post(url, json=None, headers=None, timeout=None):
            sent.append(headers["Idempotency-Key"])
            if len(sent) <= failures:
                raise Requests.Timeout()
            return "ok"

    scope = {"requests": Requests, "uuid": uuid, "__name__": "client"}
    exec(compile(source.replace("import requests\n", ""), "client.py", "exec"), scope)
    assert eval(call, scope) == "ok"
    return sent


@pytest.mark.parametrize("index, options", [(0, []), (1, ["--unsafe-fixes"])])
def test_rpl202_fix_on_the_rule_examples(project, index, options):
    example = REGISTRY.get("RPL202").bad[index]
    path = write(project, example.filename, example_source(example))
    assert "RPL202" in codes(path)
    if options:  # the split of a retried function is unsafe: not without --unsafe-fixes
        before = path.read_text(encoding="utf-8")
        main(["check", "--no-cache", "--fix", "--exit-zero", example.filename])
        assert path.read_text(encoding="utf-8") == before
    assert main(["check", "--no-cache", "--fix", "--exit-zero", *options, example.filename]) == 0
    assert "RPL202" not in codes(path)


def test_the_attempt_counter_key_is_left_to_a_person(project):
    example = REGISTRY.get("RPL202").bad[2]  # f"{invoice.id}-{attempt}": no key without the counter to move
    path = write(project, example.filename, example_source(example))
    before = path.read_text(encoding="utf-8")
    main(["check", "--no-cache", "--fix", "--exit-zero", example.filename])
    assert path.read_text(encoding="utf-8") == before


LOOP = '''
import uuid

import requests


def send_payout(payout):
    # up to three tries
    for attempt in range(3):
        key = uuid.uuid4().hex  # a fresh key
        try:
            return requests.post("https://api.example.com/payouts", json=payout,
                                 headers={"Idempotency-Key": key}, timeout=10)
        except requests.Timeout:
            continue
'''


def test_a_key_made_in_a_retry_loop_moves_before_the_loop_and_its_comment(project):
    before, after = fix(project, LOOP)
    assert after == before.replace(
        "    # up to three tries\n", "    key = uuid.uuid4().hex  # a fresh key\n    # up to three tries\n").replace(
        "        key = uuid.uuid4().hex  # a fresh key\n", "")
    assert "RPL202" not in codes(project / "client.py")
    sent = keys_sent(before, "send_payout({})")
    assert len(set(sent)) == 3  # the bug: every attempt a new key
    sent = keys_sent(after, "send_payout({})")
    assert len(sent) == 3 and len(set(sent)) == 1


def test_keys_made_where_they_are_sent_get_names_of_their_own(project):
    before, after = fix(project, '''
        import uuid

        import requests


        def send_payout(payout, idempotency_key=None):
            for attempt in range(3):
                try:
                    requests.post("https://api.example.com/payouts", json=payout,
                                  headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
                    return requests.post("https://api.example.com/refunds", json=payout,
                                         headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=10)
                except requests.Timeout:
                    continue
    ''')
    assert "    idempotency_key_2 = str(uuid.uuid4())\n    idempotency_key_3 = uuid.uuid4().hex\n" \
           "    for attempt in range(3):\n" in after  # the parameter's name is taken; two keys, two names
    assert 'headers={"Idempotency-Key": idempotency_key_2}' in after
    assert 'headers={"Idempotency-Key": idempotency_key_3}' in after


RETRIED = '''
import uuid

import requests
from tenacity import retry, stop_after_attempt

'''


def fake_tenacity(monkeypatch):
    """A stand-in for tenacity's `retry(stop=stop_after_attempt(n))`, enough to run the fixed code."""
    import sys
    import types

    module = types.ModuleType("tenacity")

    def stop_after_attempt(times):
        return times

    def retry(stop):
        def decorate(function):
            def attempt(*args, **kwargs):
                for n in range(stop):
                    try:
                        return function(*args, **kwargs)
                    except Exception:
                        if n == stop - 1:
                            raise
            return attempt
        return decorate

    module.retry, module.stop_after_attempt = retry, stop_after_attempt
    monkeypatch.setitem(sys.modules, "tenacity", module)


def test_a_retried_function_is_split_so_its_callers_do_not_change(project, monkeypatch):
    fake_tenacity(monkeypatch)
    before, after = fix(project, RETRIED + '''

@retry(stop=stop_after_attempt(3))
def send_payout(payout, *, region="eu", **options):
    """Send one payout."""
    # a fresh key
    key = str(uuid.uuid4())
    return requests.post(f"https://{region}.example.com/payouts", json=payout,
                         headers={"Idempotency-Key": key}, timeout=10)
''', "--unsafe-fixes")
    assert '''
def send_payout(payout, *, region="eu", **options):
    """Send one payout."""
    # a fresh key
    key = str(uuid.uuid4())
    return _send_payout_attempt(payout, region=region, key=key, **options)


@retry(stop=stop_after_attempt(3))
def _send_payout_attempt(payout, *, region="eu", key, **options):
    return requests.post(''' in after
    assert "RPL202" not in codes(project / "client.py")
    assert len(set(keys_sent(before, "send_payout({})"))) == 3
    sent = keys_sent(after, "send_payout({}, region='us')")
    assert len(sent) == 3 and len(set(sent)) == 1


def test_a_split_signature_one_parameter_per_line_keeps_its_style(project):
    before, after = fix(project, RETRIED + '''

@retry(stop=stop_after_attempt(3))
async def send(
    client,
    payout,
):
    return await client.post("/payouts", json=payout, headers={"Idempotency-Key": uuid.uuid4().hex})
''', "--unsafe-fixes")
    assert '''
async def send(
    client,
    payout,
):
    idempotency_key = uuid.uuid4().hex
    return await _send_attempt(client, payout, idempotency_key=idempotency_key)


@retry(stop=stop_after_attempt(3))
async def _send_attempt(
    client,
    payout,
    *,
    idempotency_key,
):
    return await client.post("/payouts", json=payout, headers={"Idempotency-Key": idempotency_key})
''' in after


@pytest.mark.parametrize("source", [
    # the key reads what the loop computes
    '''
    import uuid

    import requests


    def send_payout(payout):
        for attempt in range(3):
            stamp = uuid.uuid4().hex
            key = f"{payout['id']}-{stamp}"
            try:
                return requests.post("https://api.example.com/payouts", json=payout,
                                     headers={"Idempotency-Key": key}, timeout=10)
            except requests.Timeout:
                continue
    ''',
    # another loop (over intents) between the key and the retry
    RETRIED + textwrap.dedent('''

    @retry(times=3)
    def send_payouts(payouts):
        for payout in payouts:
            requests.post("https://api.example.com/payouts", json=payout,
                          headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
    '''),
    # a retried function with another decorator
    RETRIED + textwrap.dedent('''

    @some.register
    @retry(stop=stop_after_attempt(3))
    def send_payout(payout):
        return requests.post("https://api.example.com/payouts", json=payout,
                             headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
    '''),
    # a `while` loop with a `try` may drain a queue of different jobs: one key for all would lose jobs
    '''
    import uuid

    import requests


    def drain():
        while True:
            job = jobs.get()
            if job is None:
                break
            try:
                requests.post("https://api.example.com/jobs", json=job,
                              headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
            except requests.Timeout:
                continue
    ''',
    # the key reads data a guard is there for
    '''
    import uuid

    import requests


    def send_payout(payout):
        for attempt in range(3):
            if payout is None:
                return None
            try:
                return requests.post("https://api.example.com/payouts", json=payout,
                                     headers={"Idempotency-Key": f"{payout['id']}-{uuid.uuid4()}"}, timeout=10)
            except requests.Timeout:
                continue
    ''',
    # the split's name is taken
    RETRIED + textwrap.dedent('''

    @retry(stop=stop_after_attempt(3))
    def send_payout(payout):
        return requests.post("https://api.example.com/payouts", json=payout,
                             headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)


    def _send_payout_attempt(payout):
        return None
    '''),
    # a retried method: a subclass's `_send_attempt` would take over the split
    RETRIED + textwrap.dedent('''

    class Payouts:
        @retry(stop=stop_after_attempt(3))
        def send(self, payout):
            return self.client.post("/payouts", json=payout, headers={"Idempotency-Key": uuid.uuid4().hex})
    '''),
])
def test_no_fix_where_moving_the_key_could_change_more_than_the_key(project, source):
    path = write(project, "client.py", textwrap.dedent(source).lstrip("\n"))
    before = path.read_text(encoding="utf-8")
    if "RPL202" not in codes(path):
        pytest.fail("the case should be flagged, or it tests nothing")
    main(["check", "--no-cache", "--fix", "--unsafe-fixes", "--exit-zero", "client.py"])
    assert path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("encoded", ["crlf", "bom"])
def test_line_ends_and_the_byte_order_mark_are_kept(project, encoded):
    text = textwrap.dedent(LOOP).lstrip("\n")
    raw = text.replace("\n", "\r\n").encode("utf-8") if encoded == "crlf" else b"\xef\xbb\xbf" + text.encode("utf-8")
    path = project / "client.py"
    path.write_bytes(raw)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", "client.py"]) == 0
    fixed = path.read_bytes()
    assert "RPL202" not in codes(path)
    if encoded == "crlf":
        assert fixed.count(b"\r\n") == fixed.count(b"\n") == raw.count(b"\n")
        assert b"    key = uuid.uuid4().hex  # a fresh key\r\n    # up to three tries\r\n" in fixed
    else:
        assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\xef\xbb\xbf") == 1

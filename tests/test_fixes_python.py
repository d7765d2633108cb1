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


def fix(project, source: str, name: str = "client.py") -> tuple[str, str]:
    path = write(project, name, textwrap.dedent(source).lstrip("\n"))
    before = path.read_text(encoding="utf-8")
    assert "RPL202" in codes(path), "the example should be flagged before the fix"
    assert main(["check", "--no-cache", "--fix", "--exit-zero", name]) == 0
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


@pytest.mark.parametrize("index", [0, 1])
def test_rpl202_fix_on_the_rule_examples(project, index):
    example = REGISTRY.get("RPL202").bad[index]
    path = write(project, example.filename, example_source(example))
    assert "RPL202" in codes(path)
    assert main(["check", "--no-cache", "--fix", "--exit-zero", example.filename]) == 0
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


def test_a_key_made_where_it_is_sent_gets_a_name_before_the_loop(project):
    before, after = fix(project, '''
        import uuid

        import requests


        def send_payout(payout, idempotency_key=None):
            while True:
                try:
                    return requests.post("https://api.example.com/payouts", json=payout,
                                         headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
                except requests.Timeout:
                    continue
    ''')
    assert "    idempotency_key_2 = str(uuid.uuid4())\n    while True:\n" in after  # the parameter's name is taken
    assert 'headers={"Idempotency-Key": idempotency_key_2}' in after
    sent = keys_sent(after, "send_payout({})")
    assert len(sent) == 3 and len(set(sent)) == 1


RETRIED = '''
import uuid

import requests


def retry(times):
    def decorate(function):
        def attempt(*args, **kwargs):
            for n in range(times):
                try:
                    return function(*args, **kwargs)
                except requests.Timeout:
                    if n == times - 1:
                        raise
        return attempt
    return decorate

'''


def test_a_retried_function_is_split_so_its_callers_do_not_change(project):
    before, after = fix(project, RETRIED + '''

@retry(times=3)
def send_payout(payout, *, region="eu", **options):
    """Send one payout."""
    key = str(uuid.uuid4())
    return requests.post(f"https://{region}.example.com/payouts", json=payout,
                         headers={"Idempotency-Key": key}, timeout=10)
''')
    assert '''
def send_payout(payout, *, region="eu", **options):
    """Send one payout."""
    key = str(uuid.uuid4())
    return _send_payout_attempt(payout, region=region, key=key, **options)


@retry(times=3)
def _send_payout_attempt(payout, *, region="eu", key, **options):
    return requests.post(''' in after
    assert "RPL202" not in codes(project / "client.py")
    assert len(set(keys_sent(before, "send_payout({})"))) == 3
    sent = keys_sent(after, "send_payout({}, region='us')")
    assert len(sent) == 3 and len(set(sent)) == 1


def test_a_retried_method_with_one_parameter_per_line_keeps_its_style(project):
    before, after = fix(project, RETRIED + '''

class Payouts:
    @retry(times=3)
    async def send(
        self,
        payout,
    ):
        return await self.client.post("/payouts", json=payout,
                                      headers={"Idempotency-Key": uuid.uuid4().hex})
''')
    assert '''
class Payouts:
    async def send(
        self,
        payout,
    ):
        idempotency_key = uuid.uuid4().hex
        return await self._send_attempt(payout, idempotency_key=idempotency_key)

    @retry(times=3)
    async def _send_attempt(
        self,
        payout,
        *,
        idempotency_key,
    ):
        return await self.client.post("/payouts", json=payout,
                                      headers={"Idempotency-Key": idempotency_key})
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
    RETRIED + '''

    @retry(times=3)
    def send_payouts(payouts):
        for payout in payouts:
            requests.post("https://api.example.com/payouts", json=payout,
                          headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
    ''',
    # a retried function with another decorator
    RETRIED + '''

    @some.register
    @retry(times=3)
    def send_payout(payout):
        return requests.post("https://api.example.com/payouts", json=payout,
                             headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
    ''',
])
def test_no_fix_where_moving_the_key_could_change_more_than_the_key(project, source):
    path = write(project, "client.py", textwrap.dedent(source).lstrip("\n"))
    before = path.read_text(encoding="utf-8")
    if "RPL202" not in codes(path):
        pytest.fail("the case should be flagged, or it tests nothing")
    main(["check", "--no-cache", "--fix", "--exit-zero", "client.py"])
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

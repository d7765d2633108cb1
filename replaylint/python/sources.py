"""Where key values come from and where they go: the source, sink and library vocabularies of the Python
analysis (domain-notes §5 and §6). All matching is on qualified names, never on bare names."""
from __future__ import annotations

from ..lazy import LazyRegex
from ..vocabulary import is_intent_field, is_intent_header, is_tracing_name, squash

# Calls whose value is new on every call: a key made from them names the attempt, not the intent.
RANDOM_SOURCES = frozenset("""
    uuid.uuid1 uuid.uuid4 uuid.uuid6 uuid.uuid7 uuid.uuid8 uuid_utils.uuid1 uuid_utils.uuid4 uuid_utils.uuid6
    uuid_utils.uuid7 uuid6.uuid6 uuid6.uuid7 uuid6.uuid8
    os.urandom os.getrandom secrets.token_hex secrets.token_urlsafe secrets.token_bytes secrets.randbits
    secrets.choice secrets.randbelow secrets.SystemRandom
    random.random random.randint random.randrange random.choice random.choices random.sample random.getrandbits
    random.randbytes random.uniform random.shuffle random.SystemRandom random.Random
    numpy.random.rand numpy.random.randint numpy.random.random numpy.random.bytes
    ulid.ULID ulid.new ulid.ulid ulid.generate ulid.from_timestamp ulid.monotonic.new python_ulid.ULID
    nanoid.generate nanoid.non_secure_generate shortuuid.uuid shortuuid.random shortuuid.ShortUUID
    ksuid.Ksuid ksuid.ksuid bson.ObjectId bson.objectid.ObjectId cuid.cuid cuid2.cuid_wrapper
    django.utils.crypto.get_random_string
""".split())
CLOCK_SOURCES = frozenset("""
    time.time time.time_ns time.monotonic time.monotonic_ns time.perf_counter time.perf_counter_ns
    datetime.datetime.now datetime.datetime.utcnow datetime.datetime.today
    django.utils.timezone.now arrow.now arrow.utcnow pendulum.now
""".split())
# The distinctive names of the sources above: a module holding none of them cannot mint a value itself (the
# project index then outlines it with `ast` instead of parsing it with libcst). Kept next to the sources.
FRESH_TOKENS = LazyRegex(r"\b(?:uuid[1-8]|secrets|random|rand\w*|urandom|getrandom|ULID|ulid|nanoid|shortuuid|ksuid|"
                         r"Ksuid|ObjectId|cuid\w*|get_random_string|time\.time\w*|monotonic\w*|perf_counter\w*|"
                         r"now|utcnow|today)\b")

# A calendar day names an intent ("the payout of April 24th"); only finer clock readings name an attempt.
# `date.today()` is therefore no source, and `.date()` / a date-only `strftime` of a clock reading is stable.
DAY_METHODS = frozenset({"date", "isocalendar", "toordinal", "weekday", "isoweekday"})
TIME_FORMAT = ("%H", "%I", "%M", "%S", "%f", "%X", "%c", "%T", "%s", "%p")

# Derivations (uuid5, hashes, str, format, ...) are not listed: any call that takes a tainted argument keeps
# the taint (uuid5 over a random string is still random), any call over stable values is stable.

# Methods that persist a value: a random key handed to one of them before it is sent can be found again.
PERSIST_VERBS = frozenset("""
    save store persist insert put set add write commit create update upsert record remember cache execute
    executemany dump hset setex setnx set_many bulk_create add_all merge flush put_item put_object
    write_text write_bytes
""".split())

RETRY_DECORATORS = frozenset("""
    tenacity.retry tenacity.Retrying backoff.on_exception backoff.on_predicate stamina.retry retrying.retry
    retry.retry retry.api.retry google.api_core.retry.Retry google.api_core.retry_async.AsyncRetry
    tenacity.asyncio.retry
""".split())

# Keyword names that carry a key into an SDK call besides the intent-key field names (Temporal, SFN).
KEYWORD_SINKS_BY_METHOD = {"start_workflow": "id", "execute_workflow": "id", "start_execution": "name"}
CALL_SINKS = frozenset({"add_header", "putheader", "setdefault", "add_unredirected_header"})
CLIENT_FACTORIES = LazyRegex(r"(^|\.)(Session|Client|AsyncClient|ClientSession|OpenAI|AsyncOpenAI|Anthropic|"
                              r"StripeClient|HTTPConnectionPool|PoolManager)$")

TRACING_ATTRIBUTES = frozenset({"traceid", "correlationid", "traceparent", "spanid"})
REQUEST_LIKE = frozenset({"request", "req", "g", "ctx", "context", "span", "state", "scope", "event"})


# Squashed stems (lower case, no `-` or `_`) of every built-in intent-key name: `X-Client-Token`,
# `client_token` and `CLIENTTOKEN` all hold `clienttoken`. A test checks each name of the vocabulary holds one.
KEY_NAME_STEMS = ("idempoten", "dedup", "clienttoken", "requesttoken", "creationtoken", "paypalrequestid",
                  "repeatabilityrequest", "uniquetransaction", "uniquerequest", "operationid", "callerreference",
                  "clientorderid")
_last_answer: tuple = (None, False)  # the text asked about last, and the answer (one tuple: read at once)


def mentions_key_name(text: str) -> bool:
    """Whether a file may name an intent key, in any spelling: the cheap text test the key rules run before
    parsing (a file that names none cannot read, send or invent one). Every key rule asks about the same file
    in turn, so the answer for the last text is kept."""
    global _last_answer
    last_text, last = _last_answer
    if text is last_text:
        return last
    squashed = text.lower().replace("_", "").replace("-", "")
    answer = any(stem in squashed for stem in KEY_NAME_STEMS)
    _last_answer = (text, answer)
    return answer


def is_key_name(name: str, extra=frozenset()) -> bool:
    """An intent key as a header, field or keyword name (`Idempotency-Key`, `idempotency_key`, `ClientToken`)."""
    if is_tracing_name(name):
        return False
    key = squash(name)
    if "replay" in key or key.endswith(NAMING_SUFFIXES):
        return False  # `Idempotent-Replayed` answers; `idempotency_header_key=` names the header, it is no key
    if key == "operationid" and "-" not in name:
        return False  # Azure's `Operation-Id` header is a key; an `operationId` field names an operation
    return is_intent_header(name, extra) or is_intent_field(name, extra)


NAMING_SUFFIXES = ("header", "headerkey", "headername", "keyname", "fieldname", "ttl", "expiry", "expires",
                   "enabled", "required", "length", "prefix", "store", "storage", "cache", "backend",
                   "deduplication", "scope", "window", "mode", "policy", "strategy", "seconds",  # settings
                   "idempotence", "idempotent")  # `enable.idempotence` (Kafka), `idempotent=True`: flags


def header_name(text: str) -> str:
    """`HTTP_IDEMPOTENCY_KEY` (Django's META) -> `IDEMPOTENCY_KEY`."""
    return text[5:] if text.upper().startswith("HTTP_") else text


def is_tracing_header(text: str) -> bool:
    return is_tracing_name(header_name(text))


def is_tracing_attribute(base: str | None, attr: str) -> bool:
    key = squash(attr)
    if key in TRACING_ATTRIBUTES or "correlation" in key:
        return True
    return key == "requestid" and (base or "").split(".")[-1].lower() in REQUEST_LIKE


# boto3 operations whose model has an idempotency token, and the token's parameter.
BOTO3_TOKENS = {
    "ec2": {"run_instances": "ClientToken", "create_fleet": "ClientToken", "create_launch_template": "ClientToken",
            "create_nat_gateway": "ClientToken", "create_vpc_endpoint": "ClientToken",
            "request_spot_instances": "ClientToken", "create_capacity_reservation": "ClientToken",
            "allocate_hosts": "ClientToken", "copy_image": "ClientToken", "create_network_interface": "ClientToken",
            "create_volume": "ClientToken", "create_instances": "ClientToken"},
    "ecs": {"create_service": "clientToken", "run_task": "clientToken"},
    "cloudformation": {"create_stack": "ClientRequestToken", "update_stack": "ClientRequestToken",
                       "delete_stack": "ClientRequestToken", "execute_change_set": "ClientRequestToken"},
    "dynamodb": {"transact_write_items": "ClientRequestToken"},
    "acm": {"request_certificate": "IdempotencyToken"},
    "acm-pca": {"issue_certificate": "IdempotencyToken", "create_certificate_authority": "IdempotencyToken"},
    "stepfunctions": {"start_execution": "name"},
    "efs": {"create_file_system": "CreationToken"},
    "emr-containers": {"start_job_run": "clientToken"},
}
# The calls whose token botocore does not fill in when it is left out (no `idempotencyToken` trait in the
# service model, botocore 1.44): without it, AWS cannot tell a repeat at all.
BOTO3_MANUAL_TOKENS = frozenset({
    ("ec2", "create_vpc_endpoint"), ("ec2", "request_spot_instances"), ("ec2", "create_capacity_reservation"),
    ("ec2", "allocate_hosts"), ("ecs", "create_service"), ("cloudformation", "create_stack"),
    ("cloudformation", "update_stack"), ("cloudformation", "delete_stack"), ("cloudformation", "execute_change_set"),
    ("acm", "request_certificate"), ("acm-pca", "issue_certificate"), ("acm-pca", "create_certificate_authority"),
    ("stepfunctions", "start_execution"),
})
# Stripe objects whose duplicate is clutter, not harm: catalogue and setup records (a second `Price` or
# `Customer` moves no money and sends nothing), as class names and as `StripeClient` service names.
STRIPE_LOW_HARM = frozenset("""Product Price Coupon PromotionCode PaymentMethod TaxRate TaxId WebhookEndpoint
    SetupIntent Customer File FileLink EphemeralKey products prices coupons promotion_codes payment_methods tax_rates
    tax_ids webhook_endpoints setup_intents customers files file_links ephemeral_keys""".split())
# Stripe calls that create, move money or send, per object method name.
STRIPE_MUTATIONS = frozenset("""create confirm capture refund pay cancel finalize_invoice send_invoice void_invoice
    increment_authorization apply_customer_balance reverse verify_microdeposits attach detach""".split())

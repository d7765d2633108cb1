"""What an operation does, as far as replay cares: reads behind a POST, webhook receivers, creating PUTs,
async work and its monitors, and evidence that a new caller can read an outcome back.

These are the false-positive traps of domain-notes §8: each predicate is deliberately narrow.
"""
from __future__ import annotations

import re

from ..lazy import LazyRegex
from ..vocabulary import is_status_name, singular_of, squash, words
from .model import Operation, is_param_segment, normalise_path, path_segments
from .schemas import properties

# A POST whose last path segment, `:customVerb` or operationId verb is one of these reads or checks something.
READ_VERBS = frozenset(
    """search query queries find lookup filter count list get fetch retrieve read graphql validate validation
    preview previews estimate estimates calculate calculation simulate simulation dryrun render markdown
    compare diff lint introspect autocomplete suggest suggestions match matches batchget
    login logout signin signout authenticate authorize token tokens introspection userinfo
    classify detect analyze analyse tokenize detokenize embed embeddings moderate moderations transcribe
    transcriptions translate summarize summarise recognize parse rerank infer inference predict extract completions
    completion generations speech inputtokens counttokens compact ask textgen autocompletion translation
    transcription translations classification detection decode download verify scan convert
    conversion ping echo healthcheck""".split()
)
# Nouns that end a segment naming a collection of reads: `/us_zip_lookups`, `/tax_calculations`.
READ_NOUNS = frozenset("""lookups searches queries estimates calculations simulations validations previews
    translations transcriptions classifications detections suggestions autocompletions verifications validation
    verification""".split())
# Verbs that, anywhere after a read verb, make the operation a write (`validate-and-charge`).
MUTATING_VERBS = frozenset("create charge pay send submit place book capture refund transfer update delete apply "
                           "confirm execute cancel approve publish import upload add remove set".split())
# Leading words that do not change what the verb after them does: `bulk-retrieve`, `batchGet`, `execute_read`.
VERB_PREFIXES = frozenset("batch bulk multi execute run perform post".split())  # `post-getAccountHolder`
AUTH_SEGMENTS = frozenset("oauth oauth2 auth authentication openid connect".split())
AUTH_NAMES = frozenset("revoke clientsecrets clientsecret authorizationcode accesstoken accesstokens".split())
# Under an auth segment only (`/auth/session`, `/auth/customer/{provider}/callback`; not `/checkout/sessions`).
AUTH_ONLY_NAMES = frozenset("callback session sessions refresh".split())
READ_DESCRIPTION = LazyRegex(r"\bGET with (a |the )?(payload|body|request body)\b|\bread-only (operation|request|"
                              r"endpoint)\b", re.I)
IDEMPOTENT_DESCRIPTION = LazyRegex(r"\b(is|are|operation is|call is|request is|endpoint is|method is)\s+"
                                    r"(fully |always )?idempotent\b|\bidempotently\b", re.I)
NOT_IDEMPOTENT = LazyRegex(r"\b(not|non|isn't|is not)[- ]idempotent", re.I)
# Segments under which a POST is received from another system rather than sent by a client.
INBOUND_SEGMENTS = frozenset("webhook webhooks callback callbacks incoming inbound notify".split())
MONITOR_HEADERS = frozenset(
    squash(h) for h in ("Location", "Operation-Location", "Azure-AsyncOperation", "Content-Location", "Link",
                        "Monitor", "Status-Location", "Operation-Id", "Retry-After-Location")
)
REPLAY_HEADERS = LazyRegex(r"idempoten.*(replay|hit)|replay|original-request", re.I)
REPLAY_TEXT = LazyRegex(
    r"(same|original|previous|prior|stored|cached|first)\s+(\w+\s+){0,3}(response|result|outcome)"
    r"|(replay|replays|replayed)\b|return(s|ed)?\s+the\s+(existing|original)",
    re.I,
)
REPLACES_TEXT = LazyRegex(r"\b(replace|replaces|overwrite|overwrites)\b", re.I)
# Routes that only report on work (their whole answer is about it), and those that may follow it: jobs and
# tasks are resources too, which embed others.
REPORT_SEGMENTS = frozenset("operations operation operationresults operationstatuses status statuses".split())
MONITOR_SEGMENTS = REPORT_SEGMENTS | {"jobs", "job", "tasks", "task"}
ID_PROPERTY = LazyRegex(r"^(id|name|uuid|key|href|url|self|links?|location|monitor|operation)$|(id|ids|url|uri)$",
                         re.I)


def custom_verb(op: Operation) -> str:
    """Google-style `:verb` at the end of the path (`/v1/things:search`)."""
    tail = op.path.rstrip("/").rsplit("/", 1)[-1]
    return tail.rsplit(":", 1)[1] if ":" in tail and not is_param_segment(tail) else ""


def is_read_like(op: Operation) -> bool:
    """POST used to search, query, validate, render, preview or log in: repeating it changes nothing."""
    if op.method != "POST":
        return False
    verb = custom_verb(op)
    if verb:
        return squash(verb) in READ_VERBS or _leading_verb(words(verb)) in READ_VERBS
    if READ_DESCRIPTION.search(op.text):
        return True
    segments = {squash(s) for s in op.literal_segments}
    segment = _last_segment(op)  # the verb only counts at the end
    op_words = _operation_words(op)
    if squash(segment) in AUTH_NAMES and (segments & AUTH_SEGMENTS or squash(segment) != "revoke"):
        return True  # issuing or revoking credentials
    if squash(segment) in AUTH_ONLY_NAMES and segments & AUTH_SEGMENTS and \
            _leading_verb(op_words) not in MUTATING_VERBS:
        return True  # signing in: a second session or token is no harm (not `createAccountSession`)
    segment_words = words(segment)
    leading = _leading_verb(segment_words)
    if MUTATING_VERBS & set(segment_words[1:]):
        return False  # `/validate-and-charge` charges
    if len(segment_words) > 1 and segment_words[-1] in READ_NOUNS and leading not in MUTATING_VERBS and \
            _leading_verb(op_words) not in MUTATING_VERBS:
        return True  # `/us_zip_lookups`, `/tax/calculations`; not `/create-estimates` nor `createPrediction`
    if segment_words and (squash(segment) in READ_VERBS or leading in READ_VERBS):
        # `/search`, `/search-users`, `/bulk-retrieve`, `/token`, RPC-style `/getAccountHolder`; not
        # `/get-started`, `/list-product` or `/matches-...`
        rpc_style = not any(c in segment for c in "-_")
        if len(segment_words) == 1 or leading not in ("get", "list", "match") or (rpc_style and leading != "match"):
            return True
        if leading == "get" and segment_words[segment_words.index("get") + 1:][:1] not in (("started",), ("up",)):
            return True  # `/get-dynamic-service-rates`; not `/get-started`
    leading = _leading_verb(op_words)
    return leading in READ_VERBS and leading != "match"


QUERY_VERBS = frozenset("list search query find filter count lookup".split())  # not `getPaymentLink`


def _queries(op: Operation) -> bool:
    """Named as finding what exists (`/transfer/sweep/list`, `searchPayments`), not computing something new."""
    return any(_leading_verb(name) in QUERY_VERBS for name in (words(_last_segment(op)), _operation_words(op)))


def _operation_words(op: Operation) -> tuple[str, ...]:
    """The words of the operationId's last part (`repos/create-release` -> create, release)."""
    return words(op.operation_id.rsplit("/", 1)[-1].rsplit(".", 1)[-1])


FORMAT_SUFFIXES = frozenset("json xml yaml yml csv txt html pdf".split())


def _last_segment(op: Operation) -> str:
    """The path's last literal segment, where a verb names what a POST does: `search` in `/orders/search`,
    `orders` in `/orders:batchGet`, and the method of Slack-style RPC paths (`delete` in `/chat.delete`,
    `setPresence` in `/users.setPresence`); empty when the path ends in a parameter."""
    tail = path_segments(op.path)[-1:] or [""]
    if is_param_segment(tail[0]):
        return ""
    segment = tail[0].split(":")[0]
    head, dot, method = segment.rpartition(".")
    return method if dot and head and method and method.lower() not in FORMAT_SUFFIXES else segment


def _leading_verb(name_words: tuple[str, ...]) -> str:
    """The first word that is not `batch`, `bulk`, `execute`, ... (`BulkRetrieveBookings` -> `retrieve`)."""
    for word in name_words:
        if word not in VERB_PREFIXES:
            return word
    return ""


def documents_idempotent(op: Operation) -> bool:
    """The operation says in words, or with `x-idempotent: true`, that repeating it changes nothing."""
    if op.extension("x-idempotent") is True:
        return True
    text = op.text
    if "idempoten" not in text.lower():  # the cheap text prefilter: most operations never say the word
        return False
    return bool(IDEMPOTENT_DESCRIPTION.search(text)) and not NOT_IDEMPOTENT.search(text)


def is_webhook_receiver(op: Operation) -> bool:
    """A POST that receives events pushed by another system; it dedupes by the sender's event id instead."""
    if op.method != "POST":
        return False
    segments = {squash(s) for s in op.literal_segments}
    if not segments & INBOUND_SEGMENTS:
        return False
    if re.search(r"\b(receiv\w*|incoming|inbound|sent by|delivered to|handle[sd]?)\b", op.text, re.I):
        return True
    for schema in op.body_schemas:
        names = {squash(name) for name, _, _ in properties(schema)}
        if names & {"type", "event", "eventtype"} and names & {"data", "payload", "object", "resource"}:
            return True
    return False


def creates_with_server_id(op: Operation) -> bool:
    """A PUT to a collection that creates a member (201) the server names: each repeat makes another one."""
    if op.method != "PUT":
        return False
    segments = path_segments(op.path)
    if not segments or is_param_segment(segments[-1]) or "201" not in op.responses:
        return False
    if REPLACES_TEXT.search(op.text):
        return False  # "Replace all labels for an issue": the whole collection, set again to the same list
    item_params = op.spec.item_params.get(normalise_path(op.path), set())
    if any(required and squash(name) in item_params for schema in op.body_schemas
           for name, _, required in properties(schema)):
        return False  # the body names the member (`{"id": ...}` addressing /pets/{id}): the client chose it
    return any(route.startswith(normalise_path(op.path) + "/{}") for route in op.spec.routes)


# `set off` a debt, `set aside` funds, `set up` an account: not assignments.
PHRASAL_PARTICLES = frozenset("up off aside out apart forth about".split())


# Verbs that put a thing into a state (on a list, on or off): doing it again leaves the same state.
STATE_VERBS = frozenset("""follow unfollow like unlike star unstar pin unpin mute unmute block unblock watch
    unwatch favorite unfavorite favourite unfavourite enable disable archive unarchive link unlink attach detach
    assign unassign""".split())
# Verbs that remove: done again, the things are gone all the same (as DELETE is idempotent), even in bulk.
DELETION_VERBS = frozenset("delete destroy purge erase".split())  # not `remove`: remove-funds, remove-fee


def is_deletion(name_words: tuple[str, ...]) -> bool:
    """Named as removing things and nothing else (`delete-customers`, `BulkDeleteCustomers`; not
    `delete-and-refund`): done again, the things are gone all the same."""
    verb = _leading_verb(name_words)
    if verb not in DELETION_VERBS:
        return False
    return not (MUTATING_VERBS - DELETION_VERBS) & set(name_words[name_words.index(verb) + 1:])


def sets_a_state(name_words: tuple[str, ...]) -> bool:
    """`set-lfs-preference`, `setLanguage`, `follow_user`, `/unfollow`: an assignment, which leaves the same
    state however often it is repeated (like a PUT). Not a phrasal verb (`set up`, `follow-ups`), not
    `set-and-charge`, and a state verb only alone or before a singular object (`watch-lists` are things made).
    A deletion too, even in bulk: done again, the things are gone all the same (as DELETE is idempotent)."""
    if _leading_verb(name_words) in DELETION_VERBS:  # `delete-customers`, `BulkDeleteCustomers`
        return is_deletion(name_words)
    if not name_words or MUTATING_VERBS & set(name_words[1:]) or \
            (len(name_words) >= 2 and name_words[1] in PHRASAL_PARTICLES | {"ups"}):
        return False
    if name_words[0] in STATE_VERBS:  # `link-customer-to-gift-card`; not `watch-lists` nor `link-account-
        # sessions`: a plural names things made
        return len(name_words) == 1 or not (name_words[1].endswith("s") or name_words[-1].endswith("s"))
    return len(name_words) >= 2 and name_words[0] == "set"


def is_assignment(op: Operation) -> bool:
    """The operation is named as setting a value: by its operationId, its `:verb` or its last path segment,
    and none of them says it makes something (`/follow-up` with `createFollowUp` makes a follow-up)."""
    if op.method not in ("POST", "PATCH"):
        return False
    segment = _last_segment(op)
    names = [name_words for name_words in (_operation_words(op), words(custom_verb(op)), words(segment))
             if name_words]
    if any(_leading_verb(n) in MUTATING_VERBS - {"set"} - DELETION_VERBS for n in names):
        return False
    return any(sets_a_state(n) for n in names)


def needs_key(op: Operation) -> bool:
    """Would repeating this operation do something twice? POST and PATCH, and PUTs that create by server id;
    not POSTs that only read, nor webhook receivers. (Assignments are decided with the harm: see
    SpecAnalysis.needs_key.)"""
    if documents_idempotent(op):
        return False
    if op.method == "PATCH":
        return not is_merge_patch(op) and patches_relatively(op)
    if op.method == "POST":
        if is_read_like(op) and (_queries(op) or not moves_money_or_sends(op)):
            return False  # an `amount` in a list's or a search's body is a filter
        named = set(words(op.operation_id)) - {w for s in path_segments(op.path)[:-1] if not is_param_segment(s)
                                               for w in words(s)}  # `transferCancel` of /transfer/cancel: a noun
        if _sets_membership(words(_last_segment(op))):
            named -= {"add"}  # `add_server_to_placement_group`
        if (updates_addressed_item(op) or changes_state_of_addressed(op)) and not moves_money_or_sends(op) and \
                not RELATIVE_VERBS & named:
            return False
        literal = op.literal_segments
        if is_deletion(tuple(words(literal[-1] if literal else ""))) or is_deletion(tuple(words(op.operation_id))):
            return False  # `/bulk-delete`, `deleteObjects`: done again, the things are gone all the same
        if len(literal) >= 2 and squash(literal[-2]) == "relationships":
            return False  # JSON:API `POST /users/{id}/relationships/scopes` adds members a set already holds
        if refuses_duplicates(op):
            return False  # "409: a user with this username already exists": the repeat is refused
        return not is_webhook_receiver(op)
    return creates_with_server_id(op)


# Verbs that make a PATCH relative to what is stored: done twice, it adds, moves or sends twice.
RELATIVE_VERBS = frozenset("""add append increment incr decrement increase decrease adjust push insert create send
    charge pay transfer refund capture redeem book place submit top topup deposit withdraw credit debit""".split())


# Request fields that move an amount of money (not `amount_off` of a coupon nor a price's `unit_amount`).
MONEY_AMOUNTS = frozenset("""amount amountcents amountincents amountmoney fundingamount transferamount paymentamount
    chargeamount refundamount payoutamount withdrawalamount depositamount""".split())


def money_field(op: Operation) -> str | None:
    """The request field that names an amount of money to move, if any."""
    from .schemas import properties

    for schema in op.body_schemas:
        for name, _, _ in properties(schema):
            if squash(name) in MONEY_AMOUNTS:
                return name
    return None


# Path words of a credential asked for: the auth segments and names above, and tokens and logins.
CREDENTIAL_WORDS = AUTH_SEGMENTS | AUTH_ONLY_NAMES | frozenset("token tokens login logout signin signout".split())
# A summary that starts with one of these makes, sends or moves something ("Send an SMS", "Create a ...").
MAKING_OR_SENDING = frozenset("create send charge pay transfer refund capture submit place book publish".split())


def moves_money_or_sends(op: Operation) -> bool:
    """A read verb is no read when the request names an amount (`POST /wallets/{id}/convert` with `amount`)
    or the summary says it sends or makes something ("Send an SMS verification code")."""
    if money_field(op):
        return True
    literal = [w for s in op.literal_segments for w in words(s)]
    if set(literal) & CREDENTIAL_WORDS:
        return False  # "Create an access token": a credential asked for, not work done
    summary = op.node.value.get("summary")
    first = _stem(re.findall(r"[a-z]+", summary.lower())[0]) if isinstance(summary, str) and \
        re.findall(r"[a-z]+", summary.lower()) else ""
    return first in MAKING_OR_SENDING


def _stem(word: str) -> str:
    """The verb a summary's word is a form of (`adds` add, `charged` charge, `added` add), else the word."""
    for candidate in (word, word[:-1], word[:-2], word[:-3]):
        if candidate in RELATIVE_VERBS or candidate in MUTATING_VERBS:
            if candidate == word or word.endswith(("s", "es", "ed", "d", "ded")):
                return candidate
    return word


# Action verbs that move an existing thing into a state: a repeat finds it there (`/{id}/cancel`,
# `/servers/{id}/actions/poweron`, `/transfer/cancel` with the transfer's id in the body).
STATE_CHANGE_ACTIONS = frozenset("""cancel void close reopen resume pause suspend unsuspend activate deactivate
    archive unarchive lock unlock expire revoke reject decline dismiss resolve poweron poweroff power reboot reset
    shutdown restart start stop rebuild resize enable disable protect unprotect rollback attach detach
    remove approve connect disconnect configure complete finalize rotate retry""".split())  # not `confirm`: a payment
ASSIGNING_ACTIONS = frozenset("change update set rename".split())  # `/{id}/actions/change_protection`
# The actions trusted when the target is named only in the body (`/transfer/cancel` with a `transfer_id`): ones
# that end or stop something; not `/checkout/complete`, `/subscriptions/start`, `/loans/approve`.
BODY_ADDRESSED_ACTIONS = frozenset("""cancel void close revoke reject decline archive unarchive pause resume suspend
    unsuspend deactivate disable expire remove detach dismiss lock unlock""".split())
# Body fields that name the caller, not the thing acted on.
CALLER_IDS = frozenset("clientid secret apikey accountid userid".split())


def updates_addressed_item(op: Operation) -> bool:
    """`POST /cards/{card_id}` where the same path is read or deleted: an update of the addressed thing
    (Stripe's and Lob's style), which assigns its fields."""
    segments = path_segments(op.path)
    if not segments or not is_param_segment(segments[-1]):
        return False
    routes = op.spec.routes.get(normalise_path(op.path), {})
    return bool({"GET", "DELETE"} & set(routes))


def changes_state_of_addressed(op: Operation) -> bool:
    """`POST /invoices/{id}/cancel`, `/servers/{id}/actions/poweron`, `/signature_request/cancel/{id}`,
    `/transfer/cancel` with a required `transfer_id`, `/{id}/actions/change_type`: a state change or an
    assignment of an existing thing. `add_to_*`/`remove_from_*` set a membership."""
    segments = path_segments(op.path)
    if len(segments) < 2:
        return False
    if is_param_segment(segments[-1]):  # `/signature_request/cancel/{id}`
        action, addressed = words(segments[-2]), not is_param_segment(segments[-2])
    else:
        before = segments[-3] if squash(segments[-2]) == "actions" and len(segments) >= 3 else segments[-2]
        action = words(segments[-1])
        addressed = is_param_segment(before) or (action[:1] and action[0] in BODY_ADDRESSED_ACTIONS and
                                                  _body_names_its_target(op))
    if not addressed or not action or (MUTATING_VERBS - ASSIGNING_ACTIONS - {"remove"}) & set(action[1:]):
        return False  # `/{id}/cancel-and-refund`
    if _sets_membership(action):
        return True
    return action[0] in STATE_CHANGE_ACTIONS or action[0] in ASSIGNING_ACTIONS


UNIQUE_PROSE = re.compile(r"\b(must|has to|needs to) be unique\b|(?<!not )(?<!n't )\bunique (per|within|in|across|"
                          r"for|among)\b|(?<!not )\bis unique\b", re.I)


def natural_key_field(op: Operation) -> str | None:
    """A required request field the client chooses and the spec says is unique ("Name of the Server. Must be
    unique per Project."): a repeat is refused as a duplicate, so the field names the intent."""
    from .schemas import properties

    for schema in op.body_schemas:
        for name, prop, required in properties(schema):
            if not required or not prop.is_map() or prop.value.get("readOnly") is True or \
                    name.endswith(("_id", "Id")):
                continue  # `customer_id`: a reference to another thing, unique as that thing is
            text = prop.value.get("description")
            if isinstance(text, str) and UNIQUE_PROSE.search(text):
                return name
    return None


DUPLICATE_PROSE = re.compile(r"\balready (exists?|taken|registered|been (created|registered|taken))\b|"
                             r"\bduplicate\b", re.I)  # not "already in use by another transfer"


def refuses_duplicates(op: Operation) -> bool:
    """A documented 409 (or 422) that says the thing already exists: the API refuses the repeat itself."""
    for code, response in op.responses.items():
        if code in ("409", "422"):
            text = response.value.get("description")
            if isinstance(text, str) and DUPLICATE_PROSE.search(text):
                return True
    return False


def _sets_membership(action: tuple) -> bool:
    """`add_to_placement_group`, `remove_from_group`: a membership, set or unset."""
    return action[:1] in (("add",), ("remove",)) and action[1:2] in (("to",), ("from",))


def _body_names_its_target(op: Operation) -> bool:
    """A required request field naming one existing thing (`transfer_id`): RPC-style APIs address by body."""
    from .schemas import properties

    for schema in op.body_schemas:
        for name, _, required in properties(schema):
            named = squash(name)
            if required and named.endswith("id") and named not in CALLER_IDS and \
                    (named == "id" or name.endswith(("_id", "Id"))):
                return True
    return False


def patches_relatively(op: Operation) -> bool:
    """A PATCH that does more than assign fields: named as adding, sending or moving money (`addOrderItems`,
    "Add quantity to the items", `/balance/credit`), or taking a JSON Patch (RFC 6902), whose `add` to an
    array appends. A PATCH that assigns leaves the same state however often it is repeated, as a PUT does."""
    if any(t == "application/json-patch+json" for t in _request_types(op)):
        return True
    literal = op.literal_segments
    texts = [op.node.value.get("summary")]  # not the description: its prose mentions what else happens
    named = [*words(op.operation_id), *(words(literal[-1]) if literal else []),
             *(_stem(w) for t in texts if isinstance(t, str) for w in re.findall(r"[a-z]+", t.lower()))]
    return bool(RELATIVE_VERBS & set(named))


def _request_types(op: Operation) -> list[str]:
    body = op.node.get("requestBody")
    content = body.get("content") if body is not None and body.is_map() else None
    types = [str(t).split(";")[0].strip().lower() for t in content.value] if content and content.is_map() else []
    if not types:
        consumes = op.node.value.get("consumes") or op.spec.root.value.get("consumes")  # Swagger 2.0
        types = [str(t).lower() for t in consumes] if isinstance(consumes, list) else []
    return types


def is_merge_patch(op: Operation) -> bool:
    """A PATCH that only takes JSON Merge Patch (RFC 7396): applying it twice gives the same result."""
    types = _request_types(op)
    return bool(types) and all(t == "application/merge-patch+json" for t in types)


def accepted_responses(op: Operation):
    return [(code, response) for code, response in op.responses.items() if code == "202"]


def has_monitor(op: Operation, response, keys=()) -> bool:
    """202 with a way to follow the work: a monitor header, Azure's LRO extension, the addressed resource
    itself (a GET on the same item path, on the same one thing, or on the client-chosen id), a status route
    of the work, or an id in the body (also in the object it wraps) plus a GET."""
    if op.extension("x-ms-long-running-operation") is True:
        return True
    if {squash(h) for h in op.response_headers(response)} & MONITOR_HEADERS:
        return True
    segments = path_segments(op.path)
    if segments and is_param_segment(segments[-1]) and op.spec.has_get(op.path):
        return True  # the addressed resource shows the outcome
    if len(segments) >= 2 and is_param_segment(segments[-2]) and singular_of(segments[-1]) == segments[-1] and \
            op.spec.has_get(op.path):
        return True  # `POST /attachments/{id}/service_key` read back by the GET of the same one thing
    if _status_route_beside(op):
        return True  # `DELETE .../destroy_with_associated_resources/selective` and `GET .../status`
    if len(segments) >= 2 and is_param_segment(segments[-2]) and \
            _shows_a_state(op.spec.routes.get(normalise_path("/" + "/".join(segments[:-1])), {}).get("GET")):
        return True  # an action on a resource (`/runs/{id}/cancel`): the resource's state shows the outcome
    if any(key.kind == "client-id" for key in keys) and _has_item_get(op):
        return True
    for schema in op.response_schemas(response):
        fields = properties(schema)
        names = [name for name, _, _ in fields]
        noun = squash(singular_of(op.literal_segments[-1])) if op.literal_segments else ""
        for name, wrapped, _ in fields:
            if len(fields) == 1 or squash(name) == noun:
                # the object (or list) the body wraps the work in: `{"firewall": {"id"}}`, also beside others
                # (`{"dedicated_inference": {"id"}, "token": ...}` of `/dedicated-inferences`)
                items = wrapped.get("items") if wrapped.is_map() and wrapped.value.get("type") == "array" else None
                names += [inner for inner, _, _ in properties(items if items is not None else wrapped)]
        if any(ID_PROPERTY.search(name) for name in names) and (_has_related_get(op) or _has_list_get_by_id(op)):
            return True
    return False


def _status_route_beside(op: Operation) -> bool:
    """A GET `status` (or `operations`) route below the operation's path, or beside it under a process the
    path names (`/droplets/{id}/destroy_with_associated_resources/status` for `.../selective`); not the
    status of the thing a parameter addresses (`/accounts/{id}/status` says nothing of `/accounts/{id}/payouts`)."""
    base = normalise_path(op.path)
    parent = base.rsplit("/", 1)[0]
    if "{}" not in parent:
        return False  # beside a top-level collection: a status of something else
    roots = (base,) if parent.endswith("/{}") else (base, parent)  # `/accounts/{}/status` is the account's
    return any("GET" in op.spec.routes.get(f"{root}/{segment}", {}) for root in roots for segment in REPORT_SEGMENTS)


def _shows_a_state(get: Operation | None) -> bool:
    """A GET whose answer has a status-like field: it can say how work on the resource went (the GET of a
    policy that a 202 `/apply` starts to cascade cannot)."""
    if get is None:
        return False
    from .status import own_objects, resource_words  # the answer as the status rules read it

    own = resource_words(get)
    for code, response in get.responses.items():
        if code.startswith("2"):
            for schema in get.response_schemas(response):
                for obj in own_objects(schema, own):  # also `data.attributes.state`, `{run: {status}}`
                    if any(is_status_name(name) for name, _, _ in properties(obj)):
                        return True
    return False


def _has_list_get_by_id(op: Operation) -> bool:
    """The collection's GET filters by the id of what was made (`GET /messages?messageId=`)."""
    route = normalise_path(op.path)
    nouns = [w for s in op.literal_segments for w in words(s)][-1:]
    wanted = {"id", *(squash(singular_of(noun)) + "id" for noun in nouns)}
    return any(route in op.spec.get_filters.get(name, ()) for name in wanted)

def _has_item_get(op: Operation) -> bool:
    return "GET" in op.spec.routes.get(normalise_path(op.path) + "/{}", {})


def _has_related_get(op: Operation) -> bool:
    """A GET that could read the work back: under this path, or an operations/jobs/status route of the same
    area of the API (`/v1/batches/...`) or a global one (`/operations/{id}`), not one of another resource."""
    base = normalise_path(op.path)
    area = _area(base)
    segments = base.split("/")
    noun = segments[-1]
    owner = singular_of(segments[-3]) if len(segments) >= 3 and segments[-2] == "{}" else ""
    joined = {f"{owner}_{noun}", f"{owner}-{noun}"} if owner and owner != "{}" else set()
    for route, methods in op.spec.routes.items():
        if "GET" not in methods:
            continue
        if route.startswith(base + "/{}") or route.startswith(base.rsplit("/", 1)[0] + "/{}"):
            return True
        if route.endswith("/{}") and route[:-3].rsplit("/", 1)[-1] in joined:
            return True  # `POST /vpcs/{id}/peerings` read back by `GET /vpc_peerings/{id}`
        if {s.lower() for s in path_segments(route)} & MONITOR_SEGMENTS and \
                (_area(route) == area or _area(route).lower() in MONITOR_SEGMENTS):
            return True
    return False


VERSION_SEGMENT = re.compile(r"^v\d+(\.\d+)*(alpha\d*|beta\d*)?$|^api$", re.I)


def _area(route: str) -> str:
    """The first literal segment after any `api`/version prefix: `batches` of `/v1/batches/{}/cancel`."""
    return next((s for s in route.split("/") if s and s != "{}" and not VERSION_SEGMENT.match(s)), "")


def documents_replay(op: Operation, key_nodes) -> bool:
    """The spec says a repeat with the same key returns the stored outcome (Stripe style), in a response
    header (`Idempotent-Replayed`) or in the words of the key's or the operation's description."""
    for response in op.responses.values():
        if any(REPLAY_HEADERS.search(name) for name in op.response_headers(response)):
            return True
    texts = [op.text]
    for node in key_nodes:
        if node is not None and node.is_map() and isinstance(node.value.get("description"), str):
            texts.append(node.value["description"])
    return any(REPLAY_TEXT.search(text) for text in texts)


def can_read_back(op: Operation, keys) -> bool:
    """Evidence that a caller who forgot can learn the outcome: replay, GET by key or client id, a monitor."""
    return read_back_evidence(op, keys) is not None


def read_back_evidence(op: Operation, keys) -> str | None:
    """How a caller who forgot learns the outcome (what the audit shows), or None."""
    if documents_replay(op, [key.node for key in keys]):
        return "documented replay"
    for key in keys:
        if key.kind == "client-id" and key.location == "path":
            # the resource itself, or the collection that lists it (PUT /teams/{t}/members/{user})
            if op.spec.has_get(op.path) or op.spec.has_get(op.path.rstrip("/").rsplit("/", 1)[0]):
                return "GET of the resource"
        if key.kind == "client-id" and key.location in ("query", "body") and _has_item_get(op):
            return f"GET by {key.name}"
        if key.location in ("query", "body", "header") and _get_filters_by(op, key.name):
            return f"GET filtered by {key.name}"
    if any(has_monitor(op, response, keys) for _, response in accepted_responses(op)):
        return "status monitor"
    return None


def _get_filters_by(op: Operation, name: str) -> bool:
    """A GET on the same collection that takes the key as a query parameter (Increase's `?idempotency_key=`)."""
    base = normalise_path(op.path)
    for route in op.spec.get_filters.get(squash(name), ()):
        if route == base or route.startswith(base + "/") or base.startswith(route + "/"):
            return True
    return False

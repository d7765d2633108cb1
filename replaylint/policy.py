"""The measurable-harm policy: how much a repeated call would hurt, for each mutating operation or handler.

Order of precedence (first that speaks wins): an annotation on the operation or handler, one on its path item,
the most specific config pattern, an annotation at the spec root, the built-in "money and messages" words
(high), then the configured default (measurable).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from .vocabulary import words

# Repeating these costs money or trust: key findings on them are errors. Nouns count anywhere in the
# operationId, the last literal path segment or a tag; verbs only as the first word of the operationId or segment
# (so `POST /user/emails` that stores an address is not "sending email").
HIGH_HARM_NOUNS = frozenset(
    """payment payments charge charges capture captures refund refunds payout payouts transfer transfers
    withdrawal withdrawals order orders checkout checkouts invoice invoices subscription subscriptions booking
    bookings reservation reservations purchase purchases disbursement disbursements remittance remittances
    sms message messages call calls fax faxes""".split()
)
# Words that make a harm noun plumbing: a webhook or event `subscription` bills nobody, a `message` queue or
# `call` back delivers to a machine, not a person.
PLUMBING_WORDS = frozenset("webhook webhooks event events notification notifications topic topics hook hooks "
                           "queue queues callback callbacks".split())
PLUMBING_NOUNS = frozenset("subscription subscriptions message messages call calls".split())
HIGH_HARM_VERBS = frozenset("pay charge capture refund transfer withdraw send notify email text dispatch "
                            "purchase book reserve order checkout disburse remit".split())


@dataclass(frozen=True)
class Harm:
    level: str  # none | measurable | high
    reason: str = ""
    source: str = "default"  # default | words | code (what a handler's body calls) | config | annotation


def pattern_matches(pattern: str, anchor: str, operation_id: str = "", tags: tuple = ()) -> bool:
    """`tag:NAME`, `METHOD /path` glob (`*` for any method), or an operationId / qualified-name glob."""
    pattern = pattern.strip()
    if pattern.lower().startswith("tag:"):
        wanted = pattern[4:].strip().lower()
        return any(fnmatch.fnmatchcase(tag.lower(), wanted) for tag in tags)
    method, _, path = pattern.partition(" ")
    if path and anchor and " " in anchor:
        op_method, _, op_path = anchor.partition(" ")
        return (method == "*" or method.upper() == op_method) and fnmatch.fnmatchcase(op_path, path.strip())
    return bool(operation_id) and fnmatch.fnmatchcase(operation_id.lower(), pattern.lower())


def specificity(pattern: str) -> tuple[int, int]:
    return (-sum(pattern.count(c) for c in "*?["), len(pattern))


def config_harm(config, anchor: str, operation_id: str = "", tags: tuple = ()) -> Harm | None:
    """The level set by the most specific matching config pattern, if any."""
    matching = [p for p in config.harm_patterns if pattern_matches(p.pattern, anchor, operation_id, tags)]
    if not matching:
        return None
    best = max(matching, key=lambda p: specificity(p.pattern))
    return Harm(best.level, best.reason or f"config pattern {best.pattern!r}", "config")


def word_harm(operation_id: str, segment: str, tags=()) -> Harm | None:
    """High when the operation's names talk about money or messages to people."""
    op_words = words(operation_id.rsplit("/", 1)[-1])
    segment_words = words(segment)
    for name_words in (op_words, segment_words, *(words(tag) for tag in tags)):
        hits = HIGH_HARM_NOUNS.intersection(name_words)
        if PLUMBING_WORDS.intersection(name_words):  # in the same name: `CreateWebhookSubscription`
            hits -= PLUMBING_NOUNS
        if hits:
            return Harm("high", f"its name mentions {sorted(hits)[0]!r}", "words")
    for name_words in (op_words, segment_words):
        if name_words and name_words[0] in HIGH_HARM_VERBS:
            return Harm("high", f"its name starts with {name_words[0]!r}", "words")
    return None


def default_harm(config) -> Harm:
    return Harm(config.harm_default, "", "default")


SEVERITY_BY_HARM = {"high": "error", "measurable": "warning", "none": "info"}


def deprecated_severity(config, severity: str) -> str | None:
    """The severity of a finding on a deprecated operation or handler: `info` by default (it is on its way
    out; new callers should not use it), unchanged with `deprecated = "same"`, None (not reported) with
    `deprecated = "ignore"`."""
    if config.deprecated == "same":
        return severity
    return None if config.deprecated == "ignore" else "info"


def harm_evidence(harm: Harm) -> str:
    """What set a harm level, said for a reader: the reason, else where the level came from."""
    if harm.reason:
        return harm.reason
    return {"default": "the configured default", "annotation": "an annotation"}.get(harm.source, harm.source)

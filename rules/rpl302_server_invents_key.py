from __future__ import annotations

from replaylint.lazy import LazyRegex
from replaylint.python.lazy import Visitor, cst

from replaylint.python.walk import fast_visit

from replaylint.python.model import string_value
from replaylint.python.sources import header_name, is_key_name, mentions_key_name
from replaylint.rule import Example, Rule

from ._python_server import key_string_in, mentions_random

RANDOM_TEXT = LazyRegex(r"uuid|secrets|random|urandom|ulid|nanoid|token_hex|token_urlsafe|time\(|now\(|"
                         r"default_factory")


class ServerInventsKey(Rule):
    code = "RPL302"
    name = "server-invents-key"
    severity = "error"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    def prefilter(self, text: str) -> bool:
        """A key name and something random to fill it with."""
        return mentions_key_name(text) and bool(RANDOM_TEXT.search(text))
    summary = "A handler or request model fills a missing key itself"
    what = """
        Flags server code that makes up an intent key when the client sent none:
        `request.headers.get("Idempotency-Key") or str(uuid4())`, `.get("Idempotency-Key", uuid4().hex)`,
        `Header(default_factory=uuid4)`, and request-model fields named like a key with a random
        `default_factory` or default (`idempotency_key: str = Field(default_factory=lambda: str(uuid4()))`).
        Random defaults of resource ids are fine: only fields recognised as intent keys are flagged.
    """
    why = """
        A key the server invents is new on every request, so a repeat is never recognised: the endpoint looks
        replay-safe in review and dedupes nothing. A missing key should be an error (400), or mean "no
        deduplication", said plainly.
    """
    fix = """
        Treat a missing key as a client error (400) on operations that need it, or skip the lookup when it is
        absent; never synthesise one.
    """
    exempt = """
        `# replaylint: allow[RPL302] -- reason` on the line or the line above.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header: a missing key SHOULD get 400
    """
    bad = (
        Example("""
import uuid

from flask import Flask, request

app = Flask(__name__)


@app.post("/payments")
def create_payment():
    key = request.headers.get("Idempotency-Key") or str(uuid.uuid4())
    return payments.create_once(key, request.json)
""", filename="example.py"),
        Example("""
from uuid import uuid4

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class PaymentRequest(BaseModel):
    amount: int
    idempotency_key: str = Field(default_factory=lambda: str(uuid4()))


@app.post("/payments")
def create_payment(payment: PaymentRequest):
    return payments.create_once(payment.idempotency_key, payment)
""", filename="example.py"),
    )
    good = (
        Example("""
from uuid import uuid4

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


class Payment(BaseModel):
    id: str = Field(default_factory=lambda: str(uuid4()))
    amount: int


@app.post("/payments")
def create_payment(payment: Payment, idempotency_key: str | None = Header(default=None)):
    if idempotency_key is None:
        raise HTTPException(400, "Idempotency-Key is required")
    return payments.create_once(idempotency_key, payment)
""", filename="example.py"),
    )

    def check(self, ctx):
        visitor = _Inventions(ctx)
        fast_visit(ctx.model.module, visitor)
        for node, source, key, scope in visitor.found:
            ctx.report(
                self, node,
                f"a missing `{key}` is replaced by {source}: the server invents a new key per request, so repeats "
                "are never recognised",
                f"answer 400 when `{key}` is missing (or skip deduplication), never make one up",
                scope, detail=key,
            )


def _calls_in(expr) -> list:
    """The expression itself if it is a call, and the calls inside an `Annotated[...]` subscript."""
    if isinstance(expr, cst.Call):
        return [expr]
    if isinstance(expr, cst.Subscript):
        return [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index) and
                isinstance(e.slice.value, cst.Call)]
    return []


class _Inventions(Visitor):
    def __init__(self, ctx):
        self.ctx = ctx
        self.found = []
        self.scope = [ctx.model.name or "<module>"]

    def visit_FunctionDef(self, node):
        self.scope.append(f"{self.scope[-1]}.{node.name.value}")
        for param in [*node.params.params, *node.params.kwonly_params]:
            named = param.name.value if is_key_name(param.name.value, self.ctx.extra_keys) else None
            # the default itself, or FastAPI's Annotated[str, Header(default_factory=...)] metadata
            for where in (param.default, param.annotation.annotation if param.annotation else None):
                if where is None:
                    continue
                for call in _calls_in(where):
                    key = key_string_in(call, self.ctx.extra_keys) or named
                    source = self._random_default(call)
                    if key and source:
                        self.found.append((call, source, key, self.scope[-1]))

    def leave_FunctionDef(self, original_node):
        self.scope.pop()

    def visit_ClassDef(self, node):
        self.scope.append(f"{self.scope[-1]}.{node.name.value}")

    def leave_ClassDef(self, original_node):
        self.scope.pop()

    def visit_AnnAssign(self, node):
        if isinstance(node.target, cst.Name) and node.value is not None and \
                is_key_name(node.target.value, self.ctx.extra_keys) and self.ctx.is_server_module:
            source = self._random_default(node.value)
            if source:
                self.found.append((node.value, source, node.target.value, self.scope[-1]))

    def visit_BooleanOperation(self, node):
        if isinstance(node.operator, cst.Or):
            key = key_string_in(node.left, self.ctx.extra_keys)
            if key is None and isinstance(node.left, cst.Name) and is_key_name(node.left.value, self.ctx.extra_keys) \
                    and self.ctx.is_server_module:
                key = node.left.value  # `idempotency_key or str(uuid4())` on a key parameter; in a client
                # library the same line is the SDK's fallback for callers (RPL201's and RPL203's business)
            source = mentions_random(self.ctx, node.right)
            if key and source:
                self.found.append((node.right, f"{source}()", key, self.scope[-1]))

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and len(node.args) >= 2:
            key = string_value(node.args[0].value)
            if key and is_key_name(header_name(key), self.ctx.extra_keys):
                source = mentions_random(self.ctx, node.args[1].value)
                if source:
                    self.found.append((node.args[1].value, f"{source}()", key, self.scope[-1]))

    def _random_default(self, value) -> str | None:
        """`Field(default_factory=uuid4)`, `Header(default_factory=...)`, `field(default_factory=...)`, `uuid4()`."""
        if isinstance(value, cst.Call):
            for arg in value.args:
                if arg.keyword is not None and arg.keyword.value in ("default_factory", "default"):
                    source = mentions_random(self.ctx, arg.value)
                    if source:
                        return f"{source}()"
            qualified = self.ctx.model.qualify(value.func) or ""
            if mentions_random(self.ctx, value.func) and qualified:
                return f"{qualified}()"
        return None

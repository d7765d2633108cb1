from __future__ import annotations

from replaylint.python.lazy import Visitor, cst

from replaylint.python.walk import fast_visit

from replaylint.python.sources import is_key_name, mentions_key_name
from replaylint.rule import Example, Rule

from ._python_server import ROUTE_NEEDLES, is_logging, key_string_in, mutating_handlers


class KeyReadButUnused(Rule):
    code = "RPL303"
    name = "key-read-but-unused"
    severity = "warning"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    def prefilter(self, text: str) -> bool:
        """A key name in a file that declares routes."""
        return mentions_key_name(text) and bool(ROUTE_NEEDLES.search(text))
    summary = "A handler reads the key and never uses it"
    what = """
        Flags a mutating handler that binds an intent key (a `Header` parameter, a variable read from
        `request.headers` or `request.META`) and then never uses it: it is not looked up, stored or forwarded.
        Logging it, or only checking that it is present, does not count as a use.
    """
    why = """
        Declaring the key documents a promise ("repeats are safe") that the code does not keep: a repeat with
        the same key does the work again. Clients that trust the promise retry freely and create duplicates.
    """
    fix = """
        Look the key up before doing the work and store the outcome under it (or forward it to the downstream
        API that does), or adopt an idempotency library.
    """
    exempt = """
        `# replaylint: allow[RPL303] -- reason` on the line or the line above.
    """
    references = """
        - Stripe, "Idempotent requests": the server saves the first result for the key
    """
    bad = (
        Example("""
import logging

from fastapi import FastAPI, Header

app = FastAPI()
log = logging.getLogger(__name__)


@app.post("/orders")
async def create_order(order: dict, idempotency_key: str = Header(...)):
    log.info("creating order with key %s", idempotency_key)
    return await orders.create(order)
""", filename="example.py"),
    )
    good = (
        Example("""
from fastapi import FastAPI, Header

app = FastAPI()


@app.post("/orders")
async def create_order(order: dict, idempotency_key: str = Header(...)):
    existing = await orders.find_by_key(idempotency_key)
    if existing is not None:
        return existing
    return await orders.create(order, idempotency_key=idempotency_key)
""", filename="example.py"),
    )

    def check(self, ctx):
        for handler, _ in mutating_handlers(ctx):
            if handler.info is None:
                continue
            for name, node in _key_bindings(ctx, handler.info):
                counter = _Uses(ctx, name)
                fast_visit(handler.info.node.body, counter)
                if counter.uses == 0:
                    ctx.report(
                        self, node,
                        f"the intent key `{name}` is read but never used: no lookup, no store, not forwarded, so a "
                        "repeat with the same key does the work again",
                        f"look `{name}` up before doing the work and store the outcome under it",
                        handler.qualname, detail=name, handler=handler,
                    )


def _key_bindings(ctx, info):
    for param in info.params:
        name = param.name.value
        declared = is_key_name(name, ctx.extra_keys) or (
            param.default is not None and key_string_in(param.default, ctx.extra_keys)) or (
            param.annotation is not None and key_string_in(param.annotation, ctx.extra_keys))
        if declared:
            yield name, param.name
    finder = _Assignments(ctx)
    fast_visit(info.node.body, finder)
    yield from finder.found


class _Assignments(Visitor):
    def __init__(self, ctx):
        self.ctx = ctx
        self.found = []

    def visit_FunctionDef(self, node):
        return False

    def visit_Assign(self, node):
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and \
                isinstance(node.value, (cst.Call, cst.Subscript)) and key_string_in(node.value, self.ctx.extra_keys):
            self.found.append((node.targets[0].target.value, node.targets[0].target))


TRACING_METHODS = frozenset({"set_attribute", "set_attributes", "set_tag", "set_tags", "add_event", "bind",
                             "set_context", "set_extra", "add_breadcrumb", "capture_message", "bind_contextvars"})


class _Uses(Visitor):
    """References to `name` other than its own binding, logging or tracing calls, presence checks and
    echoes in the response."""

    def __init__(self, ctx, name):
        self.ctx = ctx
        self.name = name
        self.uses = 0
        self.in_return = 0

    def visit_FunctionDef(self, node):
        return True

    def visit_Call(self, node):
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        return not is_logging(self.ctx, node) and method not in TRACING_METHODS

    def visit_Return(self, node):
        self.in_return += 1

    def leave_Return(self, original_node):
        self.in_return -= 1

    def visit_DictElement(self, node):
        if self.in_return and isinstance(node.value, cst.Name):
            return False  # echoing the key back in the response is not a lookup
        return True

    def visit_Assign(self, node):
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == self.name:
                fast_visit(node.value, self)
                return False
        return True

    def visit_If(self, node):
        if _presence_check(node.test, self.name):
            fast_visit(node.body, self)
            if node.orelse is not None:
                fast_visit(node.orelse, self)
            return False
        return True

    def visit_Name(self, node):
        if node.value == self.name:
            self.uses += 1


def _presence_check(test, name) -> bool:
    """`if not key`, `if key is None`, `if key`, `if key is not None`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    if isinstance(test, cst.Name):
        return test.value == name
    if isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == name:
        return all(isinstance(c.comparator, cst.Name) and c.comparator.value == "None" for c in test.comparisons)
    return False

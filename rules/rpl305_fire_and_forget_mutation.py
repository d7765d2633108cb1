from __future__ import annotations

from replaylint.lazy import LazyRegex
from replaylint.python.lazy import Visitor, cst

from replaylint.python.walk import fast_visit

from replaylint.rule import Example, Rule

from ._python_server import ROUTE_NEEDLES, handler_label, mutating_handlers

ENQUEUE_METHODS = frozenset({"delay", "apply_async", "add_task", "create_task", "ensure_future", "enqueue",
                             "enqueue_call", "send_task", "run_in_executor", "spawn", "send_message", "submit"})
ID_TEXT = LazyRegex(r"\b(id|\w+_id|\w+Id|task|job|operation|location|Location|status_url|href|url|uri)\b")


class FireAndForgetMutation(Rule):
    code = "RPL305"
    name = "fire-and-forget-mutation"
    severity = "warning"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    needles = ("delay(", "apply_async", "add_task", "create_task", "ensure_future", "enqueue", "send_task")

    def prefilter(self, text: str) -> bool:
        """Background work started in a file that declares routes."""
        return any(n in text for n in self.needles) and bool(ROUTE_NEEDLES.search(text))
    summary = "A handler enqueues work and returns neither an id nor a status route"
    what = """
        Flags a mutating route handler that hands work to the background (Celery `.delay()` / `.apply_async()`,
        FastAPI `BackgroundTasks.add_task`, `asyncio.create_task`, RQ `enqueue`, `send_task`) and whose
        responses carry no id or status location for that work (nothing like `id`, `task_id`, `job_id`,
        `Location` or `status_url` in what it returns).
    """
    why = """
        The caller is told "accepted" and nothing else. If it is interrupted, or a new caller picks the task up,
        there is nothing to ask: the only way to learn whether the work happened is to send it again.
    """
    fix = """
        Return the job's id and a status route (`202` with `Location: /jobs/{id}`), and accept an intent key so
        enqueueing the same intent twice returns the same job.
    """
    exempt = """
        `# replaylint: harm=none -- reason` above the handler, or `# replaylint: allow[RPL305] -- reason`.
    """
    references = """
        - RFC 9110 §15.3.3 (202 Accepted)
        - Celery: `AsyncResult(task_id)` reads a task's state back
    """
    bad = (
        Example("""
from fastapi import BackgroundTasks, FastAPI, Header

app = FastAPI()


@app.post("/reports", status_code=202)
async def build_report(params: dict, background: BackgroundTasks, idempotency_key: str = Header(...)):
    background.add_task(reports.build, params, idempotency_key)
    return {"accepted": True}
""", filename="example.py"),
    )
    good = (
        Example("""
from fastapi import FastAPI, Header

app = FastAPI()


@app.post("/reports", status_code=202)
async def build_report(params: dict, idempotency_key: str = Header(...)):
    task = build.apply_async((params,), task_id=idempotency_key)
    return {"task_id": task.id, "status_url": f"/reports/{task.id}"}
""", filename="example.py"),
    )

    def check(self, ctx):
        for handler, _ in mutating_handlers(ctx):
            if handler.info is None:
                continue
            visitor = _Body()
            fast_visit(handler.info.node.body, visitor)
            if visitor.enqueue is None or any(ID_TEXT.search(text) for text in visitor.returns(ctx)):
                continue
            ctx.report(
                self, visitor.enqueue,
                f"`{handler_label(handler)}` starts background work and returns no id or status "
                "route for it: a caller who is interrupted can only send it again",
                "return the job id and a status URL (202 + Location), and key the job by the intent key",
                handler.qualname, handler=handler,
            )


class _Body(Visitor):
    def __init__(self):
        self.enqueue = None
        self.return_nodes = []
        self.assigned: dict[str, list] = {}

    def visit_FunctionDef(self, node):
        return False

    def visit_Call(self, node):
        if self.enqueue is None and isinstance(node.func, cst.Attribute) and node.func.attr.value in ENQUEUE_METHODS:
            self.enqueue = node

    def visit_Return(self, node):
        self.return_nodes.append(node)

    def visit_Assign(self, node):
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned.setdefault(target.target.value, []).append(node.value)

    def returns(self, ctx):
        """The code of what the handler returns, and of the values assigned to names it returns."""
        texts = []
        for node in self.return_nodes:
            if node.value is None:
                continue
            texts.append(ctx.model.module.code_for_node(node))
            for name in _names(node.value):
                texts.extend(ctx.model.module.code_for_node(value) for value in self.assigned.get(name, []))
        return texts


def _names(expr) -> set:
    found = set()

    class _Names(Visitor):
        def visit_Name(self, node):
            found.add(node.value)

    fast_visit(expr, _Names())
    return found

"""Python fixes, made as libcst transforms so that every line they do not touch is kept byte for byte.

- RPL001 (safe): ` -- <why this is safe>` after the rule list of an exemption comment with no reason; it still
  fails until a person writes one.
- RPL202: a key made inside the retry that resends it is made once, before the retry.
  - Safe: in a loop that plainly retries (`for attempt in range(3)`, tenacity's `Retrying`), the statement
    that makes the key (`key = uuid.uuid4().hex`, with the comments above it) moves to just before the loop; a
    key made where it is sent becomes `idempotency_key = <expression>` there, and the send uses it.
  - Unsafe (`--unsafe-fixes`): a module-level function that tenacity, backoff or stamina retries is split. Its
    name goes to a new, undecorated function that makes the key once and calls the retried one, renamed
    `_<name>_attempt` and given the key as a keyword-only parameter. Callers' calls keep working, but what
    the retry library hangs on the function (`send.retry.statistics`) moves to `_send_attempt`.
  The key is moved only when it reads nothing but imported modules and builtins (`uuid.uuid4().hex`): made
  earlier it is the same kind of value and cannot fail where a guard or a `try` was there for it. Anything
  else (a `while` loop, a key built from the order, another loop or a comprehension between key and retry)
  is left to a person.
"""
from __future__ import annotations

import re

from ..exemptions import REASON_PLACEHOLDER
from ..python.lazy import cst
from ..python.model import dotted
from ..python.walk import names_read
from . import Edit

KEY_NAME = "idempotency_key"


def edits(text: str, findings, unsafe: bool = False) -> tuple[list[Edit], int]:
    """The edits that fix the fixable `findings` of one Python file, and how many findings they fix (the
    split of a retried function only with `unsafe`)."""
    fixed_text, fixed = _reason_placeholders(text, findings)
    regenerated = [f for f in findings if f.code == "RPL202"]
    if regenerated:
        moved_text, moved = _moved_keys(fixed_text, regenerated, unsafe)
        if moved:
            fixed_text, fixed = moved_text, fixed + moved
    if fixed_text == text:
        return [], 0
    return [_one_edit(text, fixed_text)], fixed


def _one_edit(before: str, after: str) -> Edit:
    """The single edit that turns `before` into `after` (their common start and end kept)."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[len(before) - 1 - end] == after[len(after) - 1 - end]:
        end += 1
    return Edit(start, len(before) - end, after[start:len(after) - end])


def _reason_placeholders(text: str, findings) -> tuple[str, int]:
    """RPL001: ` -- <why this is safe>` after the rule list of a comment exemption with no reason. Edits stay
    within their line, so the positions of other findings hold. Words after the rule list (`reason: cheap`)
    are left to a person: behind the placeholder they would pass for a reason nobody wrote."""
    lines = text.split("\n")
    fixed = 0
    for finding in findings:
        if finding.code != "RPL001" or finding.span.line > len(lines):
            continue
        line = lines[finding.span.line - 1]
        marker = line.find("# replaylint:")
        close = line.find("]", marker) if marker != -1 else -1
        after = line[close + 1:].strip()
        if close != -1 and (not after or after.startswith("#")):
            lines[finding.span.line - 1] = f"{line[:close + 1]} -- {REASON_PLACEHOLDER}{line[close + 1:]}"
            fixed += 1
    return "\n".join(lines), fixed


# --- RPL202: make the key once, before the retry ---------------------------------------------------------------


def _moved_keys(text: str, findings, unsafe: bool) -> tuple[str, int]:
    from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

    from ..python.model import build_model

    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - libcst's syntax errors: a file that does not parse gets no fix
        return text, 0
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    tree = _Tree(wrapper.resolve(PositionProvider), wrapper.resolve(ParentNodeProvider), build_model(module, ""),
                 text)
    plan = _Plan()
    fixed = 0
    for finding in findings:
        node = tree.expression_at(finding.span)
        split = unsafe and "retried by @" in finding.message  # the rule says a decorator retries it
        if node is not None and tree.plan_move(node, plan, split):
            fixed += 1
    if not fixed:
        return text, 0
    try:
        moved = module.visit(_Mover(plan, module)).code
        cst.parse_module(moved)
    except Exception:  # noqa: BLE001 - a transform libcst refuses, or a result that does not parse: no fix
        return text, 0
    return moved, fixed


class _Plan:
    """What to change, keyed by the original nodes: statements to drop, expressions to replace by a name,
    statements to put before a loop, functions to split."""

    def __init__(self):
        self.drop: set = set()
        self.replace: dict = {}  # expression -> name
        self.before: dict = {}  # loop -> [statement]
        self.split: dict = {}  # function -> (key name, statement that makes the key)
        self.names: set = set()  # names given to keys so far (two keys in one scope get two names)


class _Tree:
    def __init__(self, positions, parents, model, text: str):
        self.positions = positions
        self.parents = parents
        self.model = model
        self.text = text

    def expression_at(self, span):
        """The outermost expression written exactly where the finding points."""
        start, end = (span.line, span.column - 1), (span.end_line, span.end_column - 1)
        found = None
        for node, where in self.positions.items():
            if isinstance(node, cst.BaseExpression) and (where.start.line, where.start.column) == start and \
                    (where.end.line, where.end.column) == end:
                if found is None or self._is_inside(found, node):
                    found = node
        return found

    def _is_inside(self, node, ancestor) -> bool:
        return any(parent is ancestor for parent in self.ancestors(node))

    def ancestors(self, node):
        while node in self.parents:
            node = self.parents[node]
            yield node

    def plan_move(self, node, plan: _Plan, split: bool) -> bool:
        between = []  # the nodes from the key up to its function (or module)
        for parent in self.ancestors(node):
            if isinstance(parent, (cst.FunctionDef, cst.Module)):
                scope = parent
                break
            between.append(parent)
        else:
            return False
        if any(isinstance(n, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.ClassDef))
               for n in between):
            return False
        statement, expression = node, node
        if isinstance(node, cst.Name):
            made = self._single_assignment(scope, node.value)
            if made is None:
                return False
            statement, expression = made
        if _contains(expression, (cst.Yield, cst.Await, cst.Lambda)) or not self._independent(expression, scope):
            return False
        loops = [n for n in self.ancestors(statement) if isinstance(n, (cst.For, cst.While))]
        loops = [n for n in loops if self._is_inside(n, scope)]
        if loops:
            return self._plan_before_loop(node, statement, expression, loops[0], scope, plan)
        if split and isinstance(scope, cst.FunctionDef):
            return self._plan_split(node, statement, expression, scope, plan)
        return False

    def _independent(self, expression, scope) -> bool:
        """The key reads only imported modules and builtins (`uuid.uuid4().hex`, `str(time.time())`): made
        earlier it is the same kind of value, and it cannot fail on data a guard, a `try` or the loop was
        there for (`f"{order.id}-{uuid4()}"` after `if order is None: return` is left alone)."""
        import builtins

        bound = _Bindings()
        (scope.body if isinstance(scope, cst.FunctionDef) else scope).visit(bound)
        if isinstance(scope, cst.FunctionDef):
            scope.params.visit(bound)
        for name in names_read(expression):
            if name in bound.names:
                return False
            if name not in self.model.imports and not hasattr(builtins, name):
                return False
        return True

    def _single_assignment(self, scope, name: str):
        """(statement, value) of the one `name = value` in the scope, on a line of its own; None when the name
        is bound any other way or more than once."""
        bound = _Bindings()
        body = scope.body if isinstance(scope, cst.FunctionDef) else scope
        if isinstance(scope, cst.FunctionDef):
            scope.params.visit(bound)
        body.visit(bound)
        if bound.names.get(name) != 1:
            return None
        for assign in bound.assignments:
            if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) and \
                    assign.targets[0].target.value == name:
                line = self.parents.get(assign)
                if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and self._one_line(line) and \
                        self._has_siblings(line):
                    return line, assign.value
        return None

    def _one_line(self, node) -> bool:
        where = self.positions[node]
        return where.start.line == where.end.line

    def _has_siblings(self, statement) -> bool:
        block = self.parents.get(statement)
        return isinstance(block, (cst.IndentedBlock, cst.Module)) and len(block.body) > 1

    def _clearly_retries(self, loop) -> bool:
        """`for attempt in range(3)` (an attempt-named counter over a fixed count), or tenacity's and
        stamina's retrying iterators. The rule reads more loops as retries (`while` with `try`); moving a key
        out of one of those could give different jobs one key, so their fix is left to a person."""
        from ..python.flow import ATTEMPT_WORDS, RETRY_ITERATORS
        from ..vocabulary import words

        if not isinstance(loop, cst.For) or not isinstance(loop.iter, cst.Call):
            return False
        if (self.model.qualify(loop.iter.func) or "") in RETRY_ITERATORS:
            return True
        counted = dotted(loop.iter.func) == "range" and loop.iter.args and \
            all(isinstance(arg.value, cst.Integer) for arg in loop.iter.args)
        return bool(counted) and isinstance(loop.target, cst.Name) and \
            bool(ATTEMPT_WORDS & set(words(loop.target.value)) or loop.target.value == "_")

    def _plan_before_loop(self, node, statement, expression, loop, scope, plan: _Plan) -> bool:
        if not self._clearly_retries(loop) or not isinstance(self.parents.get(loop), (cst.IndentedBlock, cst.Module)):
            return False
        bound = _Bindings()
        loop.visit(bound)
        if names_read(expression) & set(bound.names):
            return False  # made from the attempt counter or from something the loop computes
        if statement is expression:  # made where it is sent
            if not self._one_line(expression):
                return False
            name = _free_name(scope, plan.names)
            plan.replace[expression] = name
            made = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(name))], expression)])
        else:
            if statement in plan.drop:
                return True  # another send of the same key: already moved
            plan.drop.add(statement)
            made = statement  # with the comments above it
        plan.before.setdefault(loop, []).append(made)
        return True

    def _plan_split(self, node, statement, expression, function, plan: _Plan) -> bool:
        """Only a module-level function (a method's `_attempt` could be overridden by a subclass's), with the
        retry as its only decorator, a block body, no `yield`, and a free `_<name>_attempt` name."""
        if function in plan.split or len(function.decorators) != 1 or not self._retries(function.decorators[0]):
            return False
        if getattr(function, "type_parameters", None) is not None or \
                not isinstance(function.body, cst.IndentedBlock) or not isinstance(self.parents.get(function), cst.Module):
            return False
        if _contains(function.body, (cst.Yield,)) or \
                re.search(rf"\b{re.escape(_attempt_name(function.name.value))}\b", self.text):
            return False
        if statement is expression:
            if not self._one_line(expression):
                return False
            name = _free_name(function, plan.names)
            plan.replace[expression] = name
            made = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(name))], expression)])
        else:
            name = node.value
            plan.drop.add(statement)
            made = statement
        plan.split[function] = (name, made)
        return True

    def _retries(self, decorator) -> bool:
        from ..python.sources import RETRY_DECORATORS

        expression = decorator.decorator
        qualified = self.model.qualify(expression.func if isinstance(expression, cst.Call) else expression) or ""
        return qualified in RETRY_DECORATORS  # tenacity, backoff, stamina...: not a decorator merely named so


class _Mover(cst.CSTTransformer):
    def __init__(self, plan: _Plan, module):
        self.plan = plan
        self.module = module

    def leave_SimpleStatementLine(self, original_node, updated_node):
        return cst.RemoveFromParent() if original_node in self.plan.drop else updated_node

    def on_leave(self, original_node, updated_node):
        if original_node in self.plan.replace:
            return updated_node.with_changes(value=self.plan.replace[original_node]) \
                if isinstance(updated_node, cst.Name) else cst.Name(self.plan.replace[original_node])
        if original_node in self.plan.before:  # the key goes above the comment lines that open the loop
            made = self.plan.before[original_node]
            lines = list(updated_node.leading_lines)
            split = len(lines)
            while split and lines[split - 1].comment is not None:
                split -= 1
            return cst.FlattenSentinel([made[0].with_changes(leading_lines=[*lines[:split], *made[0].leading_lines]),
                                        *made[1:], updated_node.with_changes(leading_lines=lines[split:])])
        if original_node in self.plan.split:
            return self._split(original_node, updated_node)
        return super().on_leave(original_node, updated_node)

    def _split(self, original, updated):
        key, made = self.plan.split[original]
        name = original.name.value
        attempt = _attempt_name(name)
        params = original.params
        arguments = [cst.Arg(cst.Name(p.name.value)) for p in (*params.posonly_params, *params.params)]
        if isinstance(params.star_arg, cst.Param):
            arguments.append(cst.Arg(cst.Name(params.star_arg.name.value), star="*"))
        arguments += [_keyword(p.name.value) for p in params.kwonly_params]
        arguments.append(_keyword(key))
        if params.star_kwarg is not None:
            arguments.append(cst.Arg(cst.Name(params.star_kwarg.name.value), star="**"))
        call: cst.BaseExpression = cst.Call(cst.Name(attempt), arguments)
        if original.asynchronous is not None:
            call = cst.Await(call)
        body = list(updated.body.body)
        docstring = []
        if body and _is_docstring(body[0]):
            docstring, body = [body[0]], body[1:]
        outer = original.with_changes(  # the signature as written, without the retry (the def line's comment
            decorators=(), lines_after_decorators=(),  # and the body's last comments stay with the retried one)
            body=cst.IndentedBlock([*docstring, made, cst.SimpleStatementLine([cst.Return(call)])],
                                   indent=original.body.indent))
        inner = updated.with_changes(
            name=cst.Name(attempt), params=_with_keyword_only(updated, key),
            body=updated.body.with_changes(body=body), leading_lines=[cst.EmptyLine(indent=False)] * 2)
        return cst.FlattenSentinel([outer, inner])


def _attempt_name(name: str) -> str:
    return f"{name}_attempt" if name.startswith("_") else f"_{name}_attempt"


def _keyword(name: str):
    """`name=name`, written as people write keyword arguments."""
    tight = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    return cst.Arg(cst.Name(name), keyword=cst.Name(name), equal=tight)


def _with_keyword_only(function, name: str):
    """The function's parameters with `name` as the last keyword-only one (after a `*` when there is none),
    in the signature's own style: one per line with a trailing comma when the parameters are written so."""
    params = function.params
    written = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param):
        written.append(params.star_arg)
    written += params.kwonly_params
    last = params.star_kwarg or (written[-1] if written else None)
    one_per_line = last is not None and isinstance(last.comma, cst.Comma) and \
        isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace) and \
        isinstance(function.whitespace_before_params, cst.ParenthesizedWhitespace)
    if not one_per_line:
        new = cst.Param(cst.Name(name))
        star = cst.ParamStar() if params.star_arg is cst.MaybeSentinel.DEFAULT else params.star_arg
        return params.with_changes(star_arg=star, kwonly_params=[*params.kwonly_params, new])
    separator = cst.Comma(whitespace_after=function.whitespace_before_params)
    if params.star_kwarg is None:  # the new last one takes the trailing comma and the closing line
        new = cst.Param(cst.Name(name), comma=last.comma)
        params = _replace_param(params, last, last.with_changes(comma=separator))
    else:  # `name` goes before `**kwargs`, which keeps its trailing comma
        new = cst.Param(cst.Name(name), comma=separator)
    star = cst.ParamStar(comma=separator) if params.star_arg is cst.MaybeSentinel.DEFAULT else params.star_arg
    return params.with_changes(star_arg=star, kwonly_params=[*params.kwonly_params, new])


def _replace_param(params, old, new):
    def swap(items):
        return [new if item is old else item for item in items]

    return params.with_changes(posonly_params=swap(params.posonly_params), params=swap(params.params),
                               star_arg=new if params.star_arg is old else params.star_arg,
                               kwonly_params=swap(params.kwonly_params))


def _is_docstring(statement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
        isinstance(statement.body[0], cst.Expr) and \
        isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _free_name(scope, taken: set) -> str:
    """`idempotency_key`, or `idempotency_key_2`… when the scope already uses that name or another key of
    this fix was given it."""
    used = names_read(scope) | taken
    bound = _Bindings()
    scope.visit(bound)
    used |= set(bound.names)
    name, n = KEY_NAME, 1
    while name in used:
        n += 1
        name = f"{KEY_NAME}_{n}"
    taken.add(name)
    return name


class _Bindings(cst.CSTVisitor):
    """How often each name is bound in a block (assigned, a loop or `with`/`except` target, a walrus, an
    import, a parameter, deleted, declared global), nested functions and classes counted by their names only."""

    def __init__(self):
        self.names: dict[str, int] = {}
        self.assignments: list = []

    def _bind(self, target) -> None:
        if isinstance(target, cst.Name):
            self.names[target.value] = self.names.get(target.value, 0) + 1
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value)

    def visit_Assign(self, node) -> None:
        self.assignments.append(node)
        for target in node.targets:
            self._bind(target.target)

    def visit_AnnAssign(self, node) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node) -> None:
        self._bind(node.target)

    def visit_For(self, node) -> None:
        self._bind(node.target)

    def visit_AsName(self, node) -> None:
        self._bind(node.name)

    def visit_NamedExpr(self, node) -> None:
        self._bind(node.target)

    def visit_Del(self, node) -> None:
        self._bind(node.target)

    def visit_Param(self, node) -> None:
        self._bind(node.name)

    def visit_ImportAlias(self, node) -> None:
        if node.asname is None:
            head = node.name
            while isinstance(head, cst.Attribute):
                head = head.value
            self._bind(head)

    def visit_Global(self, node) -> None:
        for item in node.names:
            self._bind(item.name)

    def visit_Nonlocal(self, node) -> None:
        for item in node.names:
            self._bind(item.name)

    def visit_FunctionDef(self, node) -> bool:
        self._bind(node.name)
        return False

    def visit_ClassDef(self, node) -> bool:
        self._bind(node.name)
        return False

    def visit_Lambda(self, node) -> bool:
        return False




def _contains(node, kinds) -> bool:
    class Finder(cst.CSTVisitor):
        found = False

        def on_visit(self, inner) -> bool:
            if isinstance(inner, kinds):
                self.found = True
            return not self.found and not isinstance(inner, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) \
                or inner is node

    finder = Finder()
    node.visit(finder)
    return finder.found

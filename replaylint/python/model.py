"""A light model of one Python module, built in one libcst pass: imports, classes, functions, constants.

Names are resolved through the module's own imports (`import uuid as u`, `from uuid import uuid4 as new_id`),
which is all the qualified-name resolution the rules need; libcst's scope providers cost more than parsing.
The linted code is never imported or run.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache

from ..vocabulary import words
from .lazy import Visitor, cst

from .walk import fast_visit

def dotted(expr) -> str | None:
    """`a.b.c` for a chain of names and attributes, None for anything else."""
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def is_constructor_call(expr) -> bool:
    """`Order(...)`, `models.Order(...)`: a call of a capitalised name, which by convention builds an object."""
    return isinstance(expr, cst.Call) and (dotted(expr.func) or "").rsplit(".", 1)[-1][:1].isupper()


def call_name(call) -> str:
    """The name a call is made by: `save` of `order.save()`, `uuid4` of `uuid4()`, "" for anything else."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def call_verb(call) -> str:
    """The first word of a call's name, which says what it does: `create` of `create_order(...)`, of
    `orders.createOrder(...)`; "" for a call with no name."""
    return (words(call_name(call)) or ("",))[0]


@lru_cache(maxsize=1)
def _blank_module():
    return cst.Module([])  # made when first asked: libcst is imported lazily


def code_of(node) -> str:
    """The source text of a node, as written (for the text tests recognisers make: "already exists")."""
    return _blank_module().code_for_node(node)


def string_value(expr) -> str | None:
    """The value of a plain (non-f) string literal, or None."""
    if isinstance(expr, cst.SimpleString):
        try:
            with warnings.catch_warnings():  # `"\d"` in linted code: its warning, not ours
                warnings.simplefilter("ignore")
                value = expr.evaluated_value
        except Exception:  # noqa: BLE001 - malformed escapes: not a usable literal
            return None
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)
        return left + right if left is not None and right is not None else None
    return None


@dataclass
class ClassInfo:
    node: cst.ClassDef
    name: str
    qualname: str
    bases: list[str]  # qualified where the module's imports allow, else as written
    binds_forms: bool | None = None  # memo of `handlers.binds_forms`: read once per class, not per handler


@dataclass
class FunctionInfo:
    node: cst.FunctionDef | cst.Module  # the module itself for module-level code
    name: str
    qualname: str
    cls: ClassInfo | None
    decorators: list[tuple[str, cst.Decorator]]  # (qualified name, node)
    parent: "FunctionInfo | None" = None

    @property
    def params(self) -> list[cst.Param]:
        if isinstance(self.node, cst.Module):
            return []
        p = self.node.params
        return [*p.posonly_params, *p.params, *p.kwonly_params]


@dataclass
class ModuleModel:
    module: cst.Module
    name: str  # dotted module name, for qualified names of functions
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    classes: dict[str, ClassInfo] = field(default_factory=dict)  # local class name -> info (last wins)
    functions: list[FunctionInfo] = field(default_factory=list)
    constants: dict[str, cst.BaseExpression] = field(default_factory=dict)  # module-level NAME = value
    path: str = ""  # the file, where the project index resolves this module's imports from
    index: object = None  # the project index (python/index.py) that answers for imported names; None: not asked
    instances: dict | None = None  # name -> class of the instance bound to it (handlers.py, made when asked)
    refusers: list | None = None  # this module's classes and functions that refuse a repeat (index.refusers)
    ast_tree: object = None  # the `ast` tree the analysis parsed first, for questions asked with `ast`

    def qualify(self, expr) -> str | None:
        """The qualified name an expression refers to through the imports (`u.uuid4` -> `uuid.uuid4`)."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.imports:
            base = self.imports[head]
            return f"{base}.{rest}" if rest else base
        return name

    @property
    def scopes(self) -> list[FunctionInfo]:
        """Module-level code (as a pseudo-function named `<module>`) and every function."""
        top = FunctionInfo(self.module, "<module>", self.name or "<module>", None, [])
        return [top, *self.functions]

    def module_functions(self) -> dict[str, FunctionInfo]:
        return {f.name: f for f in self.functions if f.cls is None and f.parent is None}


class _Collector(Visitor):
    def __init__(self, model: ModuleModel):
        self.model = model
        self.scopes: list[ClassInfo | FunctionInfo] = []  # enclosing classes and functions, outermost first

    # imports, anywhere in the module
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.model.imports[alias.asname.name.value] = name
            else:
                self.model.imports[name.split(".")[0]] = name.split(".")[0]

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = (dotted(node.module) if node.module is not None else "") or ""
        prefix = "." * len(node.relative)
        base = prefix + module
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.model.imports[local] = f"{base}.{name}" if module else base + name

    def _qualname(self, name: str) -> str:
        return ".".join([*([self.model.name] if self.model.name else []), *(s.name for s in self.scopes), name])

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [self.model.qualify(arg.value) or "" for arg in node.bases]
        info = ClassInfo(node, node.name.value, self._qualname(node.name.value), bases)
        if not any(isinstance(s, FunctionInfo) for s in self.scopes):
            self.model.classes[node.name.value] = info
        self.scopes.append(info)
        fast_visit(node.body, self)  # statements only: bases and decorators hold no definitions
        self.scopes.pop()
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        innermost = self.scopes[-1] if self.scopes else None
        decorators = []
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            decorators.append((self.model.qualify(target) or "", decorator))
        parent = next((s for s in reversed(self.scopes) if isinstance(s, FunctionInfo)), None)
        info = FunctionInfo(node, node.name.value, self._qualname(node.name.value),
                            innermost if isinstance(innermost, ClassInfo) else None, decorators, parent)
        self.model.functions.append(info)
        self.scopes.append(info)
        fast_visit(node.body, self)
        self.scopes.pop()
        return False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        """Imports anywhere, constants at module level; never descend into expressions (the costly part)."""
        for statement in node.body:
            if isinstance(statement, cst.Import):
                self.visit_Import(statement)
            elif isinstance(statement, cst.ImportFrom):
                self.visit_ImportFrom(statement)
            elif self.scopes:
                continue
            elif isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                target = statement.targets[0].target
                if isinstance(target, cst.Name):
                    self.model.constants[target.value] = statement.value
            elif isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name) and statement.value:
                self.model.constants[statement.target.value] = statement.value
        return False


def build_model(module: cst.Module, module_name: str) -> ModuleModel:
    model = ModuleModel(module, module_name)
    fast_visit(module, _Collector(model))
    return model


def module_name_for(path: str) -> str:
    """`src/shop/api/orders.py` -> `shop.api.orders` (best effort: drop leading src/ and __init__)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and parts[-1].endswith((".py", ".pyi")):
        parts[-1] = parts[-1].rsplit(".", 1)[0]
    if parts and parts[-1] == "__init__":
        parts.pop()
    while parts and parts[0] in ("src", "lib"):
        parts.pop(0)
    return ".".join(parts)

"""The project index: what the other modules of a project say about the names a module imports.

A key is often minted in a helper of another module (`from app.utils import new_key`, re-exported through a
package's `__init__`), a handler reads its key through an imported helper or dependency, and a view extends a
base class written elsewhere. The index answers those questions by reading the imported module itself: the
import is resolved to a file of the project (relative imports from the importing file's folder, absolute ones
from the nearest folder above it that holds the package, never outside the project root), and that module is
summarised once from its own content.

A summary depends only on the module's text and on the summaries of the modules it imports, so a file's
findings never depend on the order files are visited, and a one-file run sees the same facts as a whole-project
run. Summaries are made on demand (only the modules a question reaches are read), kept in memory for the run,
and persisted by content in the cache, so a pre-commit run on one file reads no other module's code twice. The
files a result consulted are recorded as its dependencies: its cache entry is used only while they are
unchanged.
"""
from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

from ..atomic import write_atomically
from .model import dotted
from ..cache import FOLDER, ensure_folder, file_digest, generation, read_object

MAX_DEPTH = 6  # re-exports and helpers of helpers followed this far
SUMMARY_FIELDS = ("functions", "methods", "attributes", "imports", "classes", "key_readers", "key_models", "makes",
                  "refusers", "instances")


class ProjectIndex:
    """Per process: module summaries by file, the store they persist in, and what the current file consulted."""

    def __init__(self, root: str, config, store: "SummaryStore | None" = None):
        self.root = os.path.realpath(root)
        self.config = config
        self.store = store
        self._summaries: dict[str, dict] = {}  # real path -> summary (with its own dependencies)
        self._located: dict[tuple, tuple | None] = {}
        self.consulted: set[str] = set()  # files read for the file being analysed
        self.made: dict[str, list] = {}  # summaries made by this process: path -> [content digest, summary]

    def begin(self) -> None:
        self.consulted = set()

    # --- finding modules -------------------------------------------------------------------------------

    def locate(self, importer: str, qualified: str) -> tuple[str, list[str]] | None:
        """(file of the module, the names after it) for a name an import gives (`app.utils.new_key`,
        `.utils.new_key`) as seen from the file `importer`; None when no file of the project holds it."""
        key = (os.path.dirname(importer), qualified)
        if key not in self._located:
            self._located[key] = self._locate(importer, qualified)
        return self._located[key]

    def _locate(self, importer: str, qualified: str) -> tuple[str, list[str]] | None:
        dots = len(qualified) - len(qualified.lstrip("."))
        parts = [p for p in qualified[dots:].split(".") if p]
        folder = os.path.dirname(os.path.realpath(importer))
        if dots:
            for _ in range(dots - 1):
                folder = os.path.dirname(folder)
            bases = [folder]
        else:
            bases = []
            while folder == self.root or folder.startswith(self.root + os.sep):
                bases.append(folder)
                folder = os.path.dirname(folder)
            bases += [os.path.join(self.root, extra) for extra in ("src", "lib")]
        for base in bases:
            for length in range(len(parts), -1 if dots else 0, -1):  # `.` alone is the package itself
                stem = os.path.join(base, *parts[:length])
                candidates = (stem + ".py", os.path.join(stem, "__init__.py")) if length else \
                    (os.path.join(base, "__init__.py"),)
                for candidate in candidates:
                    if self._inside(candidate) and os.path.isfile(candidate):
                        return candidate, parts[length:]
        return None

    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real.startswith(self.root + os.sep)

    # --- questions -------------------------------------------------------------------------------------

    def lookup(self, importer: str, qualified: str, depth: int = 0) -> tuple[dict, str, list[str]] | None:
        """(summary of the module that defines a name, that module's file, the name's parts in it), following
        re-exports (`from .utils import new_key` in a package's `__init__`)."""
        if depth > MAX_DEPTH:
            return None
        found = self.locate(importer, qualified)
        if found is None:
            return None
        path, names = found
        if not names:
            return None
        summary = self.summary(path)
        head = names[0]
        if head in summary["instances"] and len(names) > 1:  # `customer = CustomerService()`: its methods
            names = [summary["instances"][head], *names[1:]]
            head = names[0]
        if head in summary["imports"] and head not in summary["functions"] and head not in summary["classes"]:
            target = summary["imports"][head]
            rest = ".".join(names[1:])
            return self.lookup(path, f"{target}.{rest}" if rest else target, depth + 1)
        return summary, path, names

    def call_kind(self, importer: str, qualified: str, seen: frozenset = frozenset()) -> str | None:
        """"random" or "clock" when an imported function (or a class's static method) returns a new value on
        every call; a helper that returns another module's helper is followed (`seen`: no cycle twice)."""
        found = self.lookup(importer, qualified)
        if found is None:
            return None
        summary, path, names = found
        if (path, ".".join(names)) in seen or len(seen) > MAX_DEPTH:
            return None  # an import cycle, or a chain too long to follow
        kind = summary["functions"].get(names[0]) if len(names) == 1 else \
            summary["methods"].get(".".join(names)) if len(names) == 2 else None
        return self.resolve_kind(path, kind, seen | {(path, ".".join(names))})

    def resolve_kind(self, path: str, kind: str | None, seen: frozenset = frozenset()) -> str | None:
        """A summary's kind as it is: "random", "clock", or a reference (`ref:app.ids.new_id`) to a helper the
        module imports, followed now, so that a summary never depends on another module's."""
        if kind is None or not kind.startswith(REF):
            return kind
        return self.call_kind(path, kind[len(REF):], seen)

    def reads_key(self, importer: str, qualified: str) -> bool:
        """An imported function (a helper, a dependency, a decorator) whose code reads an intent key."""
        found = self.lookup(importer, qualified)
        return found is not None and ".".join(found[2]) in found[0]["key_readers"]

    def rows_made_by(self, importer: str, qualified: str) -> list:
        """[class, fields] of the objects an imported function (or a class's method) builds from its own
        required parameters (`Role(name=name)` in `def create(name, ...)`); [] when unknown."""
        found = self.lookup(importer, qualified)
        return found[0]["makes"].get(".".join(found[2]), []) if found is not None else []

    def refuses_repeats(self, importer: str, qualified: str) -> bool:
        """An imported class whose validators, or a function or method that, refuse a thing that already
        exists (see `refusers`)."""
        found = self.lookup(importer, qualified)
        return found is not None and ".".join(found[2]) in found[0]["refusers"]

    def is_key_model(self, importer: str, qualified: str) -> bool:
        found = self.lookup(importer, qualified)
        return found is not None and ".".join(found[2]) in found[0]["key_models"]

    def ancestors(self, importer: str, qualified: str):
        """(file, summary, class name, its bases as written) for an imported class and every class it extends
        in modules of the project, nearest first (bases of the same module, then of the modules they come from)."""
        found = self.lookup(importer, qualified)
        if found is None or len(found[2]) != 1 or found[2][0] not in found[0]["classes"]:
            return
        queue, seen = [(found[1], found[0], found[2][0])], set()
        while queue and len(seen) <= 4 * MAX_DEPTH:
            path, summary, cls = queue.pop(0)
            if (path, cls) in seen:
                continue
            seen.add((path, cls))
            bases = summary["classes"].get(cls, [])
            yield path, summary, cls, bases
            for base in bases:
                if base in summary["classes"]:
                    queue.append((path, summary, base))
                elif (more := self.lookup(path, base)) is not None and len(more[2]) == 1 and \
                        more[2][0] in more[0]["classes"]:
                    queue.append((more[1], more[0], more[2][0]))

    def attribute(self, importer: str, qualified: str, name: str) -> list | None:
        """[kind, origin] when an imported class (or one of its bases) keeps a random value in `self.<name>`."""
        for path, summary, cls, _ in self.ancestors(importer, qualified):
            if f"{cls}.{name}" not in summary["attributes"]:
                continue
            origin = summary["attributes"][f"{cls}.{name}"]  # None: set from something stable there
            if origin is not None:
                kind = self.resolve_kind(path, origin[0])
                return [kind, origin[1]] if kind in ("random", "clock") else None
            return None
        return None

    # --- summaries -------------------------------------------------------------------------------------

    def summary(self, path: str) -> dict:
        real = os.path.realpath(path)
        if real not in self._summaries:
            self._summaries[real] = self._summarise(real)
        self.consulted.add(real)
        return self._summaries[real]

    def _summarise(self, real: str) -> dict:
        content = file_digest(real)
        if content is None:
            return empty_summary()
        stored = self.store.get(real, content) if self.store is not None else None
        if stored is not None:
            return stored
        summary = summarise(real, self.config)
        self.made[real] = [content, summary]
        return summary


def imported_kind(model, expr, qualified: str) -> str | None:
    """"random" or "clock" when `expr` names a function another module of the project defines to return a new
    value on every call (`from app.utils import new_key`, re-exports followed); None without an index."""
    head = (dotted(expr) or "").split(".")[0]
    if model.index is None or not qualified or head not in model.imports:
        return None
    return model.index.call_kind(model.path, qualified)


REF = "ref:"  # a summary's kind that names another module's helper, resolved when asked


class DeferredIndex:
    """What a module's own summary asks about its imports: never another module's summary (that would make a
    summary depend on the order modules are read), only a reference that `ProjectIndex` follows when asked."""

    def call_kind(self, importer: str, qualified: str) -> str:
        return REF + qualified

    def attribute(self, importer: str, qualified: str, name: str) -> None:
        return None


def empty_summary() -> dict:
    return {name: {} for name in SUMMARY_FIELDS} | {"key_readers": [], "key_models": [], "refusers": []}


def summarise(path: str, config) -> dict:
    """What one module offers its importers. Files the analysis would not parse (too big, generated, broken)
    offer nothing: they are named when they are linted themselves."""
    from .analyse import MAX_PYTHON_BYTES, ast_check, is_generated, parse
    from .flow import random_helpers
    from .handlers import class_has_key_field, function_reads_key
    from .model import build_model
    from .sources import FRESH_TOKENS, mentions_key_name
    from ..documents import DocumentError, read_text

    summary = empty_summary()
    try:
        text = read_text(path, MAX_PYTHON_BYTES)
    except DocumentError:
        return summary
    if is_generated(text):
        return summary
    syntax, tree = ast_check(text)
    if syntax != "ok":
        return summary
    if not (FRESH_TOKENS.search(text) or mentions_key_name(text) or
            any(name.rsplit(".", 1)[-1] in text for name in config.random_factories)):
        return outline(tree, summary)  # nothing random or key-like here: imports and classes are all it offers
    try:
        model = build_model(parse(text), "")
    except Exception:  # noqa: BLE001 - a fact not found costs a finding, never the run
        return summary
    model.path, model.index = path, DeferredIndex()
    helpers = random_helpers(model, frozenset(config.random_factories))
    for name, value in helpers.items():
        if isinstance(name, tuple):  # ("self", class, attribute): a value kept on the instance (None: stable)
            summary["attributes"][f"{name[1]}.{name[2]}"] = list(value) if value is not None else None
        elif "." in name and not name.startswith("."):
            summary["methods"][name] = value
        elif not name.startswith("."):
            summary["functions"][name] = value
    summary["imports"] = {local: qualified for local, qualified in model.imports.items()}
    summary["classes"] = {name: cls.bases for name, cls in model.classes.items()}
    summary["key_models"] = sorted(name for name, cls in model.classes.items() if class_has_key_field(cls))
    summary["key_readers"] = sorted(
        f"{info.cls.name}.{info.name}" if info.cls else info.name for info in model.functions
        if info.parent is None and function_reads_key(info))
    summary["makes"] = made_rows(tree)
    summary["refusers"] = refusers(tree)
    summary["instances"] = instances(tree)
    return summary


def outline(tree, summary: dict) -> dict:
    """Imports (local name -> qualified, relative dots kept) and classes with their bases, as the libcst model
    records them, from an `ast` tree."""
    imports = summary["imports"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    imports[alias.asname or alias.name] = f"{base}.{alias.name}" if node.module else base + alias.name
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            summary["classes"][node.name] = [_qualified(base, imports) for base in node.bases]
    summary["makes"] = made_rows(tree)
    summary["refusers"] = refusers(tree)
    summary["instances"] = instances(tree)
    return summary


def instances(tree) -> dict:
    """Module-level objects of the module's own classes (`customer = CustomerService()`): a service used as a
    singleton, whose methods importers call as `customer_service.create(...)`."""
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    return {target.id: node.value.func.id for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
            and node.value.func.id in defined for target in node.targets if isinstance(target, ast.Name)}


# What a raise says when it refuses a repeat ("Project already exists", "That name is taken").
REPEAT_WORDS = re.compile(r"\balready\b|(?<!not )(?<!n't )\bexists\b|\bduplicate\b|\btaken\b|\bin use\b", re.I)


def refusers(tree) -> list:
    """Classes whose validators (`validate*`, `clean*`) and functions or methods that raise an error saying
    the thing already exists: a form, serializer or service that refuses the repeat of what it makes
    (`ProjectForm.validate_id`, `CustomerService.create`). Class names, and `Class.method` / function names."""
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _raises_a_repeat(node):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for method in node.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                validator = method.name.startswith(("validate", "clean"))
                if _raises_a_repeat(method) or (validator and _says_a_repeat(method)):
                    found.add(f"{node.name}.{method.name}")
                    if validator:
                        found.add(node.name)  # a form's or serializer's own check (WTForms appends the error)
    return sorted(found)


# An error named for a repeat: `InvoiceAlreadyExists`, `AppAlreadyInstalledError`, `DuplicateOrder`.
REPEAT_ERROR = re.compile(r"Already[A-Z]|Duplicate|(?<!Not)Exists(?:Error|Exception)?$")


def _raises_a_repeat(function) -> bool:
    """Raises, and says in its strings that the thing already exists (the message is often built first), or
    raises an error named so."""
    raised = [node.exc for node in ast.walk(function) if isinstance(node, ast.Raise) and node.exc is not None]
    if not raised:
        return False
    return any(REPEAT_ERROR.search(_error_name(exc)) for exc in raised) or _says_a_repeat(function)


def _says_a_repeat(function) -> bool:
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str) and REPEAT_WORDS.search(node.value)
               for node in ast.walk(function))


def _error_name(exc) -> str:
    """`InvoiceAlreadyExists` of `raise InvoiceAlreadyExists(invoice)` or of `raise errors.InvoiceAlreadyExists`."""
    exc = exc.func if isinstance(exc, ast.Call) else exc
    return exc.attr if isinstance(exc, ast.Attribute) else exc.id if isinstance(exc, ast.Name) else ""


def made_rows(tree) -> dict:
    """Function (or `Class.method`) -> [class, fields] of each object it builds with a keyword taken from one
    of its own required parameters: `def create(name, description=None): role = Role(name=name, ...)` gives
    `{"create": [["Role", ["name"]]]}`. What a service makes from what its caller passes."""
    made = {}
    functions = [(node.name, node) for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    functions += [(f"{cls.name}.{node.name}", node) for cls in tree.body if isinstance(cls, ast.ClassDef)
                  for node in cls.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for name, function in functions:
        positional = [*function.args.posonlyargs, *function.args.args]
        required = {a.arg for a in positional[:len(positional) - len(function.args.defaults)]} - {"self", "cls"}
        rows = []
        for call in ast.walk(function):
            called = call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else \
                call.func.id if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) else ""
            if called[:1].isupper():
                fields = [k.arg for k in call.keywords if isinstance(k.value, ast.Name) and k.value.id in required]
                rows.append([called, fields])
        if rows:
            made[name] = rows
    return made


def _qualified(expr, imports: dict) -> str:
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return ""
    head, rest = expr.id, ".".join(reversed(parts))
    head = imports.get(head, head)
    return f"{head}.{rest}" if rest else head


class SummaryStore:
    """Summaries persisted by file and content in the cache folder (JSON, never pickle: the folder lives in the
    linted project), each used only while its file is unchanged."""

    def __init__(self, root):
        self.file = os.path.join(str(root), FOLDER, generation(), "index.json")
        self._entries: dict | None = None
        self._new: dict[str, list] = {}

    def get(self, path: str, content: str) -> dict | None:
        if self._entries is None:
            self._entries = read_object(self.file)
        entry = self._entries.get(path)
        try:
            stored_digest, summary = entry
            if stored_digest != content or not all(isinstance(summary.get(name), (dict, list))
                                                   for name in SUMMARY_FIELDS):
                return None
            return summary
        except (TypeError, ValueError, AttributeError):
            return None

    def add(self, made: dict) -> None:
        self._new.update(made)

    def save(self) -> None:
        if not self._new:
            return
        entries = {**read_object(self.file), **self._new}
        try:
            ensure_folder(Path(self.file).parent)
            write_atomically(self.file, json.dumps(entries, separators=(",", ":")))
        except OSError:
            pass  # a cache that cannot be written only costs time
        self._new = {}

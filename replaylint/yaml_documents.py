"""YAML specs: loaded by yaml-rs when it is installed and the document needs nothing it lacks (merge keys,
several documents), else by PyYAML's C loader; shape limits first, so no recursive parser meets hostile nesting.
Imported only when a YAML file is read."""
from __future__ import annotations

import re

import yaml

from .documents import Document, DocumentError, MultiDocumentError
from .lazy import LazyRegex
from .positions import SourceMap

try:  # Rust YAML loader: several times faster than libyaml's, safe (no tags to objects), bounded aliases
    import yaml_rs
except ImportError:  # pragma: no cover - optional speed-up
    yaml_rs = None

try:  # libyaml bindings: same safe semantics, several times faster
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on the platform
    from yaml import SafeLoader as _SafeLoader

MAX_DEPTH = 200

# --- YAML -------------------------------------------------------------------------------------------------


MAX_FLOW_DEPTH = 1000  # libyaml composes recursively: far deeper input would overflow the C stack
MAX_INDENT = 2000
MAX_EXPANDED_NODES = 5_000_000  # what aliases may expand to (billion laughs)


def _check_yaml_shape(text: str) -> None:
    """Refuse, before libyaml sees them, inputs nested deep enough to crash a recursive parser."""
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH:
        depth = deepest = 0
        for ch in re.findall(r"[\[\]{}]", text):
            depth = depth + 1 if ch in "[{" else max(0, depth - 1)
            if depth > deepest:
                deepest = depth
                if deepest > MAX_FLOW_DEPTH:
                    raise DocumentError(f"nested deeper than {MAX_FLOW_DEPTH} levels")
    if re.search(r"^ {%d}" % (MAX_INDENT + 1), text, re.M):
        raise DocumentError(f"indented deeper than {MAX_INDENT} columns")


_NEEDS_PYYAML = LazyRegex(r"<<\s*:|^(?:---|\.\.\.)(?:\s|$)", re.M)  # merge keys; several documents


def parse_yaml(path: str, text: str) -> Document:
    _check_yaml_shape(text)
    if yaml_rs is not None and not _NEEDS_PYYAML.search(text, 1):
        try:
            data = _load_yaml_rs(text)
        except DocumentError as exc:
            if exc.line is None and "duplicate" in exc.message:
                return _parse_yaml_pyyaml(path, text)  # raises the same error, with the key's line
            raise
        return Document(path, text, data, SourceMap(text, _YamlNodeLocator(text).locate))
    return _parse_yaml_pyyaml(path, text)


def _load_yaml_rs(text: str):
    try:
        return yaml_rs.loads(text, parse_datetime=True,
                             alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=MAX_EXPANDED_NODES))
    except RecursionError:
        raise DocumentError("YAML nested too deeply to read") from None
    except Exception as exc:  # yaml_rs.YAMLDecodeError: "YAML parse error at line L, column C\n ... \nreason"
        message = str(exc)
        if "alias" in message and "limit" in message:
            raise DocumentError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?)") \
                from None
        where = re.search(r"line (\d+), column (\d+)", message)
        lines = [line for line in message.splitlines() if line.strip() and "|" not in line[:8]]
        reason = lines[-1].strip() if lines else "invalid YAML"
        if where and "parse error" in reason:
            reason = "invalid YAML"
        if "recursion" in message or "depth" in message:
            raise DocumentError("YAML nested too deeply to read") from None
        raise DocumentError(f"invalid YAML: {reason}", int(where.group(1)) if where else None,
                            int(where.group(2)) if where else None) from None


def _parse_yaml_pyyaml(path: str, text: str) -> Document:
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        else:
            _check_depth(node)
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = (exc.problem or exc.context or "invalid YAML").splitlines()[0]
        if "another document" in reason:
            raise MultiDocumentError("several YAML documents in one file (an OpenAPI document is one)") from None
        raise DocumentError(
            f"invalid YAML: {reason}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DocumentError("YAML nested too deeply to read") from None
    finally:
        loader.dispose()
    return Document(path, text, data, SourceMap(text, _YamlSourceMap(node).locate))


def _check_depth(root) -> None:
    """Refuse documents nested deeper than MAX_DEPTH, or whose aliases expand to more than MAX_EXPANDED_NODES
    nodes (a "billion laughs" bomb), before anything that walks the data touches them."""
    sizes: dict[int, int] = {}
    stack = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            raise DocumentError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            children = [value for pair in node.value for value in pair]
            if not done:
                _refuse_duplicate_keys(node)
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            sizes[id(node)] = 1
            continue
        if done:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise DocumentError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?)")
            continue
        if id(node) in sizes:
            continue
        sizes[id(node)] = 1  # in progress: a recursive alias counts once
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _refuse_duplicate_keys(node) -> None:
    """YAML keys are unique (as the Rust loader enforces): a second `/orders:` is an error named where it
    is, never a silent choice of which one counts. Merge keys (`<<`) may repeat what they merge."""
    seen = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            if (key.tag, key.value) in seen:  # `200:` and `"200":` are two keys (an int and a string)
                raise DocumentError(f"invalid YAML: duplicate mapping key: {key.value!r}", key.start_mark.line + 1,
                                    key.start_mark.column + 1)
            seen.add((key.tag, key.value))


class _YamlSourceMap:
    """Offsets from a composed PyYAML node tree."""

    def __init__(self, root):
        self.root = root

    def locate(self, pointer: tuple):
        node = self.root
        mark_node = node
        if node is None:
            return None
        for part in pointer:
            if isinstance(node, yaml.MappingNode):
                found = _mapping_lookup(node, str(part))
                if found is None:
                    return None
                mark_node, node = found
            elif isinstance(node, yaml.SequenceNode):
                if not isinstance(part, int) or part >= len(node.value):
                    return None
                node = mark_node = node.value[part]
            else:
                return None
        return mark_node.start_mark.index, mark_node.end_mark.index


class _YamlNodeLocator:
    """PyYAML's node tree for a document loaded by another loader, composed only if a position needs it."""

    def __init__(self, text: str):
        self.text = text
        self._map: _YamlSourceMap | None = None

    def locate(self, pointer: tuple):
        if self._map is None:
            loader = _SafeLoader(self.text)
            try:
                self._map = _YamlSourceMap(loader.get_single_node())
            except yaml.YAMLError:
                self._map = _YamlSourceMap(None)
            finally:
                loader.dispose()
        return self._map.locate(pointer)


def _mapping_lookup(node, key: str):
    merges = []
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            merges.append(value_node)
        elif isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    for merged in merges:  # `<<: *anchor` merge keys
        candidates = merged.value if isinstance(merged, yaml.SequenceNode) else [merged]
        for candidate in candidates:
            if isinstance(candidate, yaml.MappingNode):
                found = _mapping_lookup(candidate, key)
                if found:
                    return found
    return None

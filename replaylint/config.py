"""Configuration: discovery, validation and the settings object every stage reads.

Vocabulary follows Ruff (`select`, `ignore`, `per-file-ignores`, `exclude`, ...). Any unknown key or bad value
is a ConfigError naming the file, the key and what is accepted; the CLI turns it into one line and exit 2.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path


FAIL_ON = ("error", "warning", "info", "never")
STATE_KINDS = ("not-started", "in-progress", "succeeded", "failed", "cancelled")
CONFIG_FILES = ("replaylint.toml", ".replaylint.yaml", ".replaylint.yml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".replaylint_cache", "site-packages", "build", "dist", "_build",
    "__pypackages__", ".eggs", ".direnv",
)


class ConfigError(Exception):
    """A configuration problem, already phrased for the user (file: key: reason)."""


@dataclass(frozen=True)
class HarmPattern:
    pattern: str
    level: str
    reason: str = ""


@dataclass
class Config:
    root: Path = field(default_factory=Path.cwd)
    source: str | None = None  # the file it came from, for messages
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    fail_on: str = "warning"
    baseline: str | None = None
    validate: bool = False
    allow_remote_refs: bool = False
    inventory: bool = False  # set by `audit`, never by a file: record each operation's replay shape
    crosscheck: bool = True  # match spec operations to handlers (RPL401–RPL404); `cross-check = false` turns off
    apis: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # name -> {"spec": globs, "code": globs}
    spec_handlers: frozenset = frozenset()  # set per run: modules a spec names handlers in (connexion operationIds)
    harm_default: str = "measurable"
    harm_patterns: list[HarmPattern] = field(default_factory=list)
    key_headers: list[str] = field(default_factory=list)
    key_fields: list[str] = field(default_factory=list)
    key_factories: list[str] = field(default_factory=list)
    random_factories: list[str] = field(default_factory=list)
    implicit_keys: list[str] = field(default_factory=list)
    states: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    deprecated: str = "info"  # findings on deprecated operations: "info", "same" (as others) or "ignore"

    def fingerprint(self) -> str:
        """A stable text of every setting that changes findings (for the cache)."""
        return repr(sorted((k, repr(v)) for k, v in vars(self).items() if k not in ("root", "source")))


# --- discovery --------------------------------------------------------------------------------------------


def find_config_file(start: Path) -> Path | None:
    """The nearest config file at or above `start`."""
    return next((found for directory in [start, *start.parents] if (found := config_file_in(directory))), None)


def config_file_in(directory: Path) -> Path | None:
    """The config file of one folder, if it has one; pyproject.toml counts only with a [tool.replaylint] table."""
    for name in CONFIG_FILES:
        candidate = directory / name
        if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
            return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    import tomllib

    try:
        with open(path, "rb") as handle:
            return "replaylint" in tomllib.load(handle).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False


def load_config(config_file: str | None = None, cwd: Path | None = None) -> Config:
    cwd = cwd or Path.cwd()
    path = Path(config_file) if config_file else find_config_file(cwd)
    if path is None:
        return Config(root=cwd)
    raw = _read_raw(path)
    return config_from_mapping(raw, root=path.resolve().parent, source=str(path))


def _read_raw(path: Path) -> dict:
    import tomllib

    import yaml

    try:
        if path.suffix in (".yaml", ".yml"):
            with open(path, encoding="utf-8") as handle:
                raw = yaml.safe_load(handle) or {}
        else:
            with open(path, "rb") as handle:
                raw = tomllib.load(handle)
            if path.name == "pyproject.toml" or (set(raw) == {"tool"} and isinstance(raw["tool"], dict) and
                                                 "replaylint" in raw["tool"]):
                raw = raw.get("tool", {}).get("replaylint", {})  # also a pyproject-style file under another name
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)  # yaml's, 0-based; tomllib's message says "(at line N, ...)"
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else f"{path}"
        reason = getattr(exc, "problem", None) or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise ConfigError(f"{where}: invalid config file: {reason}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a table of settings")
    return raw


# --- validation -------------------------------------------------------------------------------------------


def config_from_mapping(raw: dict, root: Path | None = None, source: str | None = None) -> Config:
    """Build a Config from already-parsed settings, checking every key and value."""
    check = _Checker(source or "<config>")
    cfg = Config(root=root or Path.cwd(), source=source)
    simple = {
        "select": ("select", check.strings),
        "extend-select": ("extend_select", check.strings),
        "ignore": ("ignore", check.strings),
        "exclude": ("exclude", check.strings),
        "extend-exclude": ("extend_exclude", check.strings),
        "respect-gitignore": ("respect_gitignore", check.boolean),
        "validate": ("validate", check.boolean),
        "allow-remote-refs": ("allow_remote_refs", check.boolean),
        "fail-on": ("fail_on", lambda key, value: check.choice(key, value, FAIL_ON)),
        "baseline": ("baseline", check.string),
        "cross-check": ("crosscheck", check.boolean),
        "deprecated": ("deprecated", lambda key, value: check.choice(key, value, ("info", "same", "ignore"))),
    }
    tables = {
        "per-file-ignores": _per_file_ignores,
        "harm": _harm,
        "keys": _keys,
        "states": _states,
        "severity": _severity,
        "apis": _apis,
    }
    for key, value in raw.items():
        if not isinstance(key, str):
            check.fail(str(key), "setting names must be strings")
        if key in simple:
            attr, validate = simple[key]
            setattr(cfg, attr, validate(key, value))
        elif key in tables:
            tables[key](check, cfg, value)
        else:
            check.fail(key, "unknown setting" + _did_you_mean(key, [*simple, *tables]) + "; accepted: " +
                       ", ".join(sorted([*simple, *tables])))
    _check_rule_selectors(check, cfg)
    return cfg


def _did_you_mean(key: str, accepted) -> str:
    """` (did you mean `fail-on`?)` for a near miss such as `fail_on` or `failon`."""
    import difflib

    normal = {name.replace("-", ""): name for name in accepted}
    close = difflib.get_close_matches(key.replace("_", "").replace("-", "").lower(), list(normal), n=1, cutoff=0.75)
    return f" (did you mean `{normal[close[0]]}`?)" if close else ""


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, reason: str):
        raise ConfigError(f"{self.source}: {key}: {reason}")

    def strings(self, key, value) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(key, f"expected a list of strings, got {_describe(value)}")
        return list(value)

    def string(self, key, value) -> str:
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_describe(value)}")
        return value

    def boolean(self, key, value) -> bool:
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_describe(value)}")
        return value

    def choice(self, key, value, accepted) -> str:
        if not isinstance(value, str) or value.lower() not in accepted:
            self.fail(key, f"{value!r} is not one of: {', '.join(accepted)}")
        return value.lower()

    def table(self, key, value) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_describe(value)}")
        for name in value:
            if not isinstance(name, str):
                self.fail(f"{key}.{name}", "keys must be strings")
        return value


def _describe(value) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _per_file_ignores(check: _Checker, cfg: Config, value) -> None:
    for glob, codes in check.table("per-file-ignores", value).items():
        cfg.per_file_ignores[glob] = check.strings(f"per-file-ignores.{glob}", codes)


def _harm(check: _Checker, cfg: Config, value) -> None:
    for key, item in check.table("harm", value).items():
        if key == "default":
            cfg.harm_default = check.choice("harm.default", item, ("measurable", "high"))
        elif key in ("high", "measurable"):
            for pattern in check.strings(f"harm.{key}", item):
                cfg.harm_patterns.append(HarmPattern(pattern, key))
        elif key == "none":
            cfg.harm_patterns.extend(_none_patterns(check, item))
        else:
            check.fail(f"harm.{key}", "unknown setting; accepted: default, high, measurable, none")


def _none_patterns(check: _Checker, item) -> list[HarmPattern]:
    """`none` needs a reason: {"POST /logs" = "why"} or [{pattern = "POST /logs", reason = "why"}]."""
    hint = 'write none = {"POST /logs" = "why repeating it is harmless"}'
    if isinstance(item, dict):
        pairs = list(item.items())
    elif isinstance(item, list):
        pairs = []
        for entry in item:
            if not isinstance(entry, dict) or set(entry) - {"pattern", "reason"} or "pattern" not in entry:
                check.fail("harm.none", f"every entry needs a pattern and a reason; {hint}")
            pairs.append((entry["pattern"], entry.get("reason", "")))
    else:
        check.fail("harm.none", f"expected a table of pattern = reason; {hint}")
    patterns = []
    for pattern, reason in pairs:
        if not isinstance(pattern, str) or not isinstance(reason, str) or not reason.strip():
            check.fail(f"harm.none.{pattern}", f"setting harm none needs a reason; {hint}")
        patterns.append(HarmPattern(pattern, "none", reason.strip()))
    return patterns


def _keys(check: _Checker, cfg: Config, value) -> None:
    fields = {
        "headers": "key_headers",
        "fields": "key_fields",
        "factories": "key_factories",
        "random-factories": "random_factories",
        "implicit": "implicit_keys",
    }
    for key, item in check.table("keys", value).items():
        if key not in fields:
            check.fail(f"keys.{key}", "unknown setting; accepted: " + ", ".join(fields))
        setattr(cfg, fields[key], check.strings(f"keys.{key}", item))


def _states(check: _Checker, cfg: Config, value) -> None:
    for key, item in check.table("states", value).items():
        kind = key.replace("_", "-").lower()
        if kind == "canceled":
            kind = "cancelled"
        if kind not in STATE_KINDS:
            check.fail(f"states.{key}", "unknown state; accepted: " + ", ".join(STATE_KINDS))
        cfg.states[kind] = check.strings(f"states.{key}", item)


def _severity(check: _Checker, cfg: Config, value) -> None:
    for key, item in check.table("severity", value).items():
        cfg.severity[key] = check.choice(f"severity.{key}", item, ("error", "warning", "info"))


def _apis(check: _Checker, cfg: Config, value) -> None:
    """`[apis.shop] spec = "api/openapi.yaml", code = ["shop/"]`: which spec serves which code (globs or
    folders, relative to the config file)."""
    for name, entry in check.table("apis", value).items():
        entry = check.table(f"apis.{name}", entry)
        for key in entry:
            if key not in ("spec", "code"):
                check.fail(f"apis.{name}.{key}", "unknown setting; accepted: spec, code")
        for key in ("spec", "code"):
            if key not in entry:
                check.fail(f"apis.{name}", f"missing `{key}` (a path or glob, or a list of them)")
        cfg.apis[name] = {key: check.strings(f"apis.{name}.{key}", entry[key]) for key in ("spec", "code")}
        for key in ("spec", "code"):
            if not cfg.apis[name][key]:
                check.fail(f"apis.{name}.{key}", "expected at least one path or glob")


def _check_rule_selectors(check: _Checker, cfg: Config) -> None:
    from .registry import REGISTRY

    for key, selectors in (
        ("select", cfg.select),
        ("extend-select", cfg.extend_select),
        ("ignore", cfg.ignore),
        ("severity", list(cfg.severity)),
        *((f"per-file-ignores.{glob}", codes) for glob, codes in cfg.per_file_ignores.items()),
    ):
        for selector in selectors:
            if not REGISTRY.matches(selector):
                check.fail(key, f"{selector!r} names no rule; accepted: ALL, a code (RPL101), a prefix (RPL1) "
                           "or a rule name (mutation-without-intent-key)")


@functools.lru_cache(maxsize=16)
def _resolved(root: Path) -> Path:
    """The root with its links resolved, once per run rather than once per file."""
    return root.resolve()


def relative_to_root(path: str, root: Path) -> str:
    """A POSIX path relative to the config root when the file is under it (for globs)."""
    resolved = _resolved(root)
    try:  # both sides resolved: a root reached through a symbolic link names the same files
        return Path(os.path.realpath(path)).relative_to(resolved).as_posix()
    except ValueError:
        try:
            return Path(os.path.abspath(path)).relative_to(resolved).as_posix()
        except ValueError:
            return Path(path).as_posix()

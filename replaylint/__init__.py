"""replaylint: a linter for API replayability (intent keys, read-back, terminal states).

Python API: `replaylint.check(paths, config=None)` returns the findings of a run.
"""
from __future__ import annotations

__version__ = "0.1.0"


def check(paths, config=None):
    """Lint `paths` (files or folders) and return the findings, exempted ones included (marked).

    `config` may be a Config, a mapping of settings (as in `[tool.replaylint]`), or None to discover the
    nearest config file.
    """
    from .config import Config, config_from_mapping, load_config
    from .engine import run

    if config is None:
        config = load_config()
    elif not isinstance(config, Config):
        config = config_from_mapping(dict(config))
    if isinstance(paths, str):
        paths = [paths]
    return run([str(p) for p in paths], config).findings

"""Pitfall lint over sets of RocketMQ property files, grouped by the host each runs on.

Pure: works on hand-written files as well as on what rmqlab renders.
"""

from __future__ import annotations

import importlib

# Names load on first use, so importing one module of this package (the pitfall catalogue, for the CLI's
# help) does not load every rule.
_WHERE = {
    "rmqlab.lint.findings": ("ERROR", "INFO", "WARNING", "Finding"),
    "rmqlab.lint.inputs": ("ConfigFile", "Host"),
    "rmqlab.lint.report": ("RULES", "LintReport", "lint_hosts"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}
__all__ = ["ConfigFile", "Host", "Finding", "LintReport", "lint_hosts", "ERROR", "WARNING", "INFO"]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'rmqlab.lint' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

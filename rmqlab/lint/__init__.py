"""Pitfall lint over sets of RocketMQ property files, grouped by the host each runs on.

Pure: works on hand-written files as well as on what rmqlab renders.
"""

from __future__ import annotations

from rmqlab.lazy import lazy_names

# Names load on first use, so importing one module of this package (the pitfall catalogue, for the CLI's
# help) does not load every rule.
_WHERE = {
    "rmqlab.lint.findings": ("ERROR", "INFO", "WARNING", "Finding"),
    "rmqlab.lint.inputs": ("ConfigFile", "Host"),
    "rmqlab.lint.report": ("RULES", "LintReport", "lint_hosts"),
}
__all__ = ["ConfigFile", "Host", "Finding", "LintReport", "lint_hosts", "ERROR", "WARNING", "INFO"]
__getattr__ = lazy_names(__name__, globals(), _WHERE)


def __dir__() -> list[str]:
    return sorted(__all__)

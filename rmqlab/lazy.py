"""Package names that load their module on first use: `rmqlab --help` imports a package, not its library."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_names(package: str, namespace: dict, where: dict[str, tuple[str, ...]]) -> Callable[[str], object]:
    """The package's module-level __getattr__: each name in `where` (module -> names) imports its module once."""
    module_of = {name: module for module, names in where.items() for name in names}

    def load(name: str):
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value = getattr(importlib.import_module(module), name)
        return value

    return load

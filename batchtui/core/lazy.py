"""Package namespaces whose names load on first use.

A package re-exports its main names (``from batchtui.api import BatchService``) without
importing their modules up front: ``batchtui --help`` must not pay for ``openai`` (about a
second), nor the browser for the validator or aiohttp. Each such package lists where its names
live and sets ``__getattr__ = lazy_exports(__name__, WHERE)``; a ``TYPE_CHECKING`` block
imports the same names for the type checker.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``where`` maps each name to the module that
    defines it (absolute, or relative to ``package`` when it starts with a dot). A name
    loaded once is kept in the package, so the next lookup is an ordinary attribute."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

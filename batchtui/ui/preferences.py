"""The settings the TUI reads, checked against what Textual and the app know: the theme,
key bindings by binding id (Textual's keymap), notifications, the download directory.

The settings model (:mod:`batchtui.core.settings`) cannot know Textual's themes or the app's
binding ids (core imports nothing above it), so those two are checked here, by the app when
it applies them and by ``batchtui config``.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterable
from typing import TYPE_CHECKING

from batchtui.core.errors import UserError

if TYPE_CHECKING:
    from batchtui.core.settings import Settings


def bindings() -> dict[str, tuple[str, str]]:
    """Every binding of the app's screens and widgets: ``id -> (keys, description)`` (their
    modules are imported to find them)."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    import batchtui.ui

    for info in pkgutil.walk_packages(batchtui.ui.__path__, "batchtui.ui."):
        importlib.import_module(info.name)
    found: dict[str, tuple[str, str]] = {}
    stack: list[type] = [DOMNode]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("batchtui.ui"):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = (binding.key, binding.description)
    return dict(sorted(found.items()))


def theme_names() -> list[str]:
    from textual.theme import BUILTIN_THEMES

    return sorted(BUILTIN_THEMES)


def problems(settings: Settings, known_ids: Iterable[str] | None = None) -> dict[str, str]:
    """A theme Textual does not have, binding ids the app does not have: ``{key: one-line
    message}`` naming the source and the nearest name."""
    out: dict[str, str] = {}
    if settings.theme is not None:
        names = theme_names()
        if settings.theme not in names:
            out["theme"] = f"{settings.source('theme')}: unknown theme {settings.theme!r}" + _hint(
                settings.theme, names, "themes"
            )
    if settings.keys:
        ids = sorted(bindings() if known_ids is None else known_ids)
        for binding_id in settings.keys:
            if binding_id not in ids:
                key = f"keys.{binding_id}"
                out[key] = f"{settings.source(key)}: unknown binding id '{key}'" + _hint(
                    binding_id, ids, "bindings"
                )
    return out


def check(settings: Settings, known_ids: Iterable[str] | None = None) -> None:
    """Raise UserError with the first of :func:`problems`."""
    found = problems(settings, known_ids)
    if found:
        raise UserError(next(iter(found.values())))


def _hint(word: str, known: list[str], what: str) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (`batchtui config --{what}` lists them)"

"""Errors that carry a message meant for the user (shown without a traceback).

Defined in :mod:`batchtui.core.errors` (the neutral base raises it too); this is the name
every layer imports.
"""

from __future__ import annotations

from batchtui.core.errors import UserError

__all__ = ["UserError"]

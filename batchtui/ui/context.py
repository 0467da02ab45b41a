"""What the app's screens share, typed (it was a dict of ``Any``): the API service and the
clocks. Tests and the demo pass their own; a real run makes the service on first use.

The service's module imports ``openai`` (about a second), so its types are imported for the
type checker only, and :func:`tui` gives a screen its app as the :class:`BatchTUI` it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from batchtui.api.service import BatchService
    from batchtui.ui.app import BatchTUI


@dataclass
class AppContext:
    # The API service: given (tests, the demo's emulator), else made by the app on first use
    # (``BatchTUI.get_service``), off the UI thread.
    service: BatchService | None = None
    # Batch timestamps are read on this clock (the demo's emulator runs faster than time).
    clock: Callable[[], float] = time.time
    # Poll timing: real time, even in the demo; tests pin both clocks.
    wall_clock: Callable[[], float] = time.time


def tui(node: DOMNode) -> BatchTUI:
    """``node.app``, typed as the batchtui app (every screen and widget runs inside one)."""
    return cast("BatchTUI", node.app)

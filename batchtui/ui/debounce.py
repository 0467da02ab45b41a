"""Run a redraw once input rests: cursor keys move at once, heavy panes follow when idle."""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer

# Seconds the cursor must rest before a detail pane is redrawn (a held key repeats faster).
DETAIL_DELAY = 0.08


class Debouncer:
    """``poke()`` (re)starts the wait; ``flush()`` runs a pending callback now."""

    def __init__(
        self, owner: MessagePump, callback: Callable[[], None], delay: float = DETAIL_DELAY
    ) -> None:
        self.owner = owner
        self.callback = callback
        self.delay = delay
        self._timer: Timer | None = None

    def poke(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.owner.set_timer(self.delay, self.flush)

    def flush(self) -> None:
        """Run a pending redraw now; nothing when none is pending (the pane is current)."""
        if self._timer is None:
            return
        self._timer.stop()
        self._timer = None
        self.callback()

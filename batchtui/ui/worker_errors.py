"""What a screen says when one of its workers fails unexpectedly.

Workers run with ``exit_on_error=False`` so one failure never takes the app down; without a
handler that also means the failure is silent (polling stopped for good, validation "running"
forever). Each screen has one ``on_worker_state_changed`` that calls :func:`failure_message`
and then puts its own state right.
"""

from __future__ import annotations

import traceback
from typing import Any

from textual.worker import Worker, WorkerState

from batchtui.core.errors import UserError
from batchtui.core.text import safe

MAX_MESSAGE = 200


def failure_message(node: Any, event: Worker.StateChanged) -> str | None:
    """One safe line describing a worker's failure, or None if it did not fail.

    A :class:`UserError` is expected and says what to do; anything else is a bug, so its
    traceback goes to the app log (``textual console``) while the user gets one line.
    """
    if event.state is not WorkerState.ERROR:
        return None
    error = event.worker.error
    if isinstance(error, UserError):
        text = error.message
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if error is not None:
            trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            node.log.error(f"worker {event.worker.name!r} ({event.worker.group}) failed:\n{trace}")
    text = safe(" ".join(text.split()))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"

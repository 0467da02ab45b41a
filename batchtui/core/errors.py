"""Errors that carry a message meant for the user (shown without a traceback).

The class lives in the neutral base: every layer (``core`` itself included) raises it, and
the CLI and the TUI show its message on one line.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake or condition the user can fix; the CLI prints it on one line.

    ``exit_code`` follows the project convention: 2 for usage and I/O errors.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

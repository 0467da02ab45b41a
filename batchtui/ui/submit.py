"""Submitting the open file from the TUI: validate first, confirm, upload, create."""

from __future__ import annotations

from typing import Any


def start_submit(app: Any) -> None:
    app.notify("Submitting needs the validation engine (coming in this build).", severity="warning")

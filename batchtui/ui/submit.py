"""Submitting the open file from the TUI: validate first, confirm, then upload and create.

A batch with a bad line fails as a whole after upload, so the file's validation report is the
gate: errors refuse the submission unless the user insists. So is the queue: a file its
model's enqueued-token queue has no room for fails with ``token_limit_exceeded`` minutes after
the upload, so that too is said first and needs the user to insist. The dialog shows what the
batch will cost (tokens, batch price, standard price, the saving) and whether it fits. The
dialogs are the TUI's; the submission itself is the one submit path of the CLI
(:func:`batchtui.api.submit.submit_file`): metadata checked before any upload, the exact bytes
uploaded validated (the screen's report is used only when its digest matches them), the queue
checked again right before the upload, and no orphan file left when creating fails.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.api.queue import QueueSettings
from batchtui.api.submit import FORCED, QueueCheck, ValidatedReport, check_queue, submit_file
from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.ui.estimate import (
    EstimateState,
    exact_estimate,
    submit_facts,
)
from batchtui.ui.format import human_size
from batchtui.ui.screens.dialogs import ConfirmDialog, SubmitDialog

if TYPE_CHECKING:
    from batchtui.ui.app import BatchTUI
    from batchtui.ui.screens.file import FileScreen
    from batchtui.validation.report import ReportSnapshot

# How long to wait for a running validation before giving up on a submission.
VALIDATION_WAIT_SECONDS = 600


async def _validated(app: BatchTUI, screen: FileScreen) -> ReportSnapshot | None:
    """The finished validation report of the open file, waiting for a running one; None
    (and the user told why) when validation fails or does not finish."""
    if screen.validator is None and not screen.validation_running:
        screen.start_validation()
    if screen.validation_running or screen.validation_snapshot is None:
        app.notify("Validating the file before submitting it…", timeout=3)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + VALIDATION_WAIT_SECONDS
    while screen.validation_running or screen.validation_snapshot is None:
        if screen.validation_error is not None:
            break  # the validation worker failed: its handler has told the user why
        if loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    snapshot = screen.validation_snapshot
    if screen.validation_error is not None or snapshot is None or not snapshot.done:
        reason = screen.validation_error or "validation did not finish"
        app.notify(f"Not submitted: {safe(reason)}", severity="error", timeout=10)
        return None
    return snapshot


async def queue_settings(app: BatchTUI) -> QueueSettings:
    """Where the queue limits come from: the settings' admin key and project, and the config
    file's ``[queue]`` table."""
    return QueueSettings.from_settings(await app.get_settings())


async def _cost(app: BatchTUI, screen: FileScreen, path: str) -> EstimateState | None:
    """The file's exact estimate (:func:`batchtui.ui.estimate.exact_estimate`), with a word
    when it must be counted now."""
    state = screen.estimate_state
    if state is not None and state.exact:
        return state
    app.notify("Counting the file's tokens…", timeout=3)
    return await asyncio.to_thread(exact_estimate, app, path)


async def queue_check(
    app: BatchTUI, tokens: dict[str, int]
) -> tuple[QueueCheck | None, str | None]:
    """The queue check, or why it could not be made (no key, the server down)."""
    if not tokens:
        return None, None
    try:
        api = await app.get_api()
        settings = await queue_settings(app)
        return await api.run(check_queue(api.service, tokens, settings)), None
    except UserError as exc:
        return None, exc.message


async def submit_flow(app: BatchTUI) -> None:
    screen = app.file_screen
    if screen is None or screen.index is None:
        app.notify("Open a file first: batchtui FILE.jsonl, then press u.", severity="warning")
        return
    path = screen.index.path
    snapshot = await _validated(app, screen)
    if snapshot is None:
        return
    warning = None
    if snapshot.errors:
        codes = ", ".join(g.code for g in snapshot.groups if g.severity.value == "error")
        insist = await app.push_screen_wait(
            ConfirmDialog(
                f"{snapshot.errors:,} errors in this file",
                f"The Batch API rejects the whole batch for one bad line ({codes}). Press v in "
                "the File view to see them. Submit anyway?",
                confirm="Submit anyway",
            )
        )
        if not insist:
            return
        warning = f"Submitting despite {snapshot.errors:,} validation errors."
    cost = await _cost(app, screen, path)
    tokens = dict(cost.tokens) if cost is not None else {}
    checked, unchecked = await queue_check(app, tokens)
    full_queue = checked is not None and not checked.ok
    if full_queue:
        assert checked is not None
        full = [f.message() for f in checked.fits if f.fits is False]
        insist = await app.push_screen_wait(
            ConfirmDialog(
                "The queue has no room for this file",
                "\n".join(full) + "\n\nOpenAI would accept the upload, then fail the batch with "
                "token_limit_exceeded. Submit anyway?",
                confirm="Submit anyway",
            )
        )
        if not insist:
            return
        too_big = any(f.fits_when_empty is False for f in checked.fits)
        note = (
            "Submitting a file bigger than the whole queue: OpenAI will fail it."
            if too_big
            else "Submitting although the queue has no room: it fails unless room frees first."
        )
        warning = f"{warning} {note}" if warning else note
    facts = [
        ("file", path),
        ("endpoint", snapshot.endpoint or "?"),
        ("model", snapshot.model or "?"),
        ("lines", f"{snapshot.lines_checked:,}"),
        ("size", human_size(Path(path).stat().st_size)),
        ("findings", f"{snapshot.errors:,} errors, {snapshot.warnings:,} warnings"),
    ]
    if cost is not None:
        facts += submit_facts(cost)
    if checked is not None:
        facts += [("queue", line) for line in checked.lines()]
    elif unchecked is not None:
        facts.append(("queue", f"not checked: {unchecked}"))
    description = await app.push_screen_wait(SubmitDialog(facts, warning))
    if description is None:
        return
    app.notify("Submitting: checking the bytes to upload, then uploading…", timeout=4)
    try:
        api = await app.get_api()
        submission = await api.run(
            submit_file(
                api.service,
                path,
                metadata={"description": description} if description else None,
                force=bool(snapshot.errors) or full_queue,  # the user insisted above
                # Used only if its digest matches the bytes uploaded; so are the tokens,
                # counted from the same file.
                report=ValidatedReport.of(snapshot, tokens or None),
                queue=await queue_settings(app),
                processes=1,  # no worker processes forked from the TUI's threads
            )
        )
    except UserError as exc:
        app.notify(safe(exc.message), severity="error", timeout=15)
        return
    batch = submission.batch
    app.notify(f"Submitted {safe(batch.id)} ({batch.display_status}).", timeout=8)
    for note in submission.warnings:
        if not note.startswith(FORCED):  # the user chose that in the dialog
            app.notify(safe(note), severity="warning", timeout=10)
    await app.action_mode("batches")
    from batchtui.ui.screens.batches import BatchesScreen  # loaded: the mode is shown

    batches = app.screen
    if isinstance(batches, BatchesScreen):
        batches.select_batch(batch.id)
        batches.poll_now()

"""What the TUI does to a job, from the Jobs view or the dashboard's job row: resume it in
the background, cancel it, open its merged results. The work is :mod:`batchtui.jobs`'s
(the same functions as ``batchtui job resume --detach``, ``job cancel`` and ``job results``);
here it runs off the UI thread and its outcome becomes a toast."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.ui.context import tui

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.widget import Widget


def runner_setup(node: DOMNode) -> tuple[dict[str, Any], dict[str, str]]:
    """The connection options and environment a runner started from the TUI gets: the
    TUI's own key, organization and project (the server is the job's own)."""
    service = tui(node).context.service
    if service is None:
        return {}, {}
    settings = service.settings
    connection = {"organization": settings.organization, "project": settings.project}
    env = {"OPENAI_API_KEY": settings.api_key} if settings.api_key else {}
    return connection, env


def _resume(name: str, connection: dict[str, Any], env: dict[str, str]) -> str:
    from batchtui.jobs import control
    from batchtui.jobs.store import RUNNING, JobStore

    with JobStore.open(name) as store:
        state = store.job().state
        left = any(not p.terminal for p in store.parts())
    # A cancelled job may still have parts to download (as `job cancel` says): those resume.
    if state != RUNNING and not left:
        raise UserError(f"job {name} is {state}: there is nothing left to run")
    detached = control.resume_detached(name, connection, env=env)
    return (
        f"Job {name} runs in the background (pid {detached.pid}); closing batchtui does not "
        f"stop it. Its log: {detached.log_path}"
    )


async def resume(node: Widget, name: str) -> bool:
    """Start a background runner for job ``name`` (refused, and said, when one runs)."""
    try:
        await tui(node).get_service()  # the runner needs a key: said here, not in its log
        message = await asyncio.to_thread(_resume, name, *runner_setup(node))
    except UserError as exc:
        node.notify(exc.message, severity="warning", timeout=10)
        return False
    node.notify(message, timeout=8)
    return True


def confirm_cancel(node: Widget, name: str, after: object = None) -> None:
    """Ask, then cancel job ``name``; ``after()`` once it is done."""
    from batchtui.ui.screens.dialogs import ConfirmDialog

    def done(confirmed: bool | None) -> None:
        if confirmed:
            node.run_worker(_cancel(node, name, after), group="job-cancel", exit_on_error=False)

    node.app.push_screen(
        ConfirmDialog(
            f"Cancel job {name}?",
            "Nothing new is submitted and every active part is cancelled. Requests already "
            "answered stay in the results (and are billed).",
            confirm="Cancel job",
        ),
        done,
    )


async def _cancel(node: Widget, name: str, after: object) -> None:
    from batchtui.jobs.control import cancel_active, request_cancel

    try:
        outcome = await asyncio.to_thread(request_cancel, name)
        if outcome is None:  # no runner at it: cancel its active batches from here
            api = await tui(node).get_api()
            outcome = await api.run(cancel_active(name, api.service))
    except UserError as exc:
        node.notify(exc.message, severity="error", timeout=10)
        return
    if outcome.already is not None:
        node.notify(f"Job {name} is {outcome.already} already: nothing to cancel.")
    elif outcome.asked_runner is not None:
        node.notify(f"Job {name}: its runner is cancelling every active part.")
    else:
        node.notify(f"Job {name} cancelled ({outcome.cancelled} active batch(es) cancelled).")
    if callable(after):
        after()


def _merged(name: str) -> tuple[str, str | None, str | None, list[str]]:
    from batchtui.jobs.merge import job_results

    merged = job_results(name)
    # merge_results says itself when parts have no results yet (one toast, not two).
    return merged.input, merged.output, merged.errors, list(merged.notes)


async def open_results(node: Widget, name: str) -> None:
    """Merge the job's outputs and errors (as ``batchtui job results NAME``) in a thread and
    show them joined to its input in the Results view."""
    node.notify(f"Merging the results of job {name}…", timeout=3)
    try:
        input_path, output, errors, notes = await asyncio.to_thread(_merged, name)
    except UserError as exc:
        node.notify(exc.message, severity="error", timeout=10)
        return
    for note in notes:
        node.notify(safe(note), severity="warning", timeout=8)
    if output is None and errors is None:
        node.notify(f"Job {name} has no results yet.", severity="warning")
        return
    await tui(node).open_results(input_path=input_path, output_path=output, error_path=errors)

"""What the dashboard's keys do to a batch: cancel, download, open its results, open its
input at a line, copy its id. Every API call runs on the TUI's API loop (``screen.api``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message
from textual.widgets import ProgressBar

from batchtui.api.models import BatchView
from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.ui.context import tui

if TYPE_CHECKING:
    from batchtui.ui.screens.batches import BatchesScreen


class DownloadProgress(Message):
    """Bytes of a download so far; posted from the API loop's thread (post_message is
    thread-safe), a newer one replaces one still queued."""

    def __init__(self, done: int, total: int | None) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DownloadProgress)


class BatchActions:
    def __init__(self, screen: BatchesScreen) -> None:
        self.screen = screen

    def notify_error(self, exc: UserError) -> None:
        self.screen.notify(safe(exc.message), severity="error", timeout=8)

    def copy_id(self, batch: BatchView) -> None:
        self.screen.app.copy_to_clipboard(batch.id)
        self.screen.notify(f"Copied {safe(batch.id)}")

    def cancel(self, batch: BatchView) -> None:
        """Ask, then cancel (a finished batch has nothing to cancel)."""
        screen = self.screen
        if batch.is_terminal:
            screen.notify(
                f"{safe(batch.id)} is {batch.display_status}: nothing to cancel.",
                severity="warning",
            )
            return
        from batchtui.ui.screens.dialogs import ConfirmDialog

        def done(confirmed: bool | None) -> None:
            if confirmed:
                screen.run_worker(self._cancel(batch.id), group="actions", exit_on_error=False)

        screen.app.push_screen(
            ConfirmDialog(
                f"Cancel batch {batch.id}?",
                "Requests already finished stay in the output file (and are billed); the rest "
                "are cancelled. Cancelling takes up to 10 minutes.",
                confirm="Cancel batch",
            ),
            done,
        )

    async def _cancel(self, batch_id: str) -> None:
        api = self.screen.api
        assert api is not None
        try:
            view = await api.run(api.service.cancel(batch_id))
        except UserError as exc:
            self.notify_error(exc)
            return
        self.screen.notify(f"{safe(batch_id)}: {view.display_status}")
        self.screen.poll_now()

    def download(self, batch: BatchView, directory: Path) -> None:
        if not batch.result_file_ids:
            self.screen.notify(
                f"{safe(batch.id)} has no output or error file yet.", severity="warning"
            )
            return
        self._start_download(batch, directory, open_after=False)

    def open_results(self, batch: BatchView) -> None:
        """Bring the batch's files into its cache folder (which ``batchtui results BATCH_ID``
        shares), then show them joined."""
        if not batch.result_file_ids:
            self.screen.notify(
                f"{safe(batch.id)} has no results yet ({batch.display_status}).",
                severity="warning",
            )
            return
        self._start_download(batch, None, open_after=True)

    def _start_download(self, batch: BatchView, directory: Path | None, open_after: bool) -> None:
        self.screen.run_worker(
            self._download(batch, directory, open_after),
            group="download",
            exclusive=True,
            exit_on_error=False,
        )

    async def _download(self, batch: BatchView, directory: Path | None, open_after: bool) -> None:
        """The result files into ``directory`` (None: the batch's cache folder), and the
        input too when they are opened and this machine has no unchanged copy of its own."""
        from batchtui.api.batch_files import RESULTS, fetch_batch_files

        screen = self.screen
        api = screen.api
        assert api is not None
        bar = screen.query_one("#download-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)

        def progress(kind: str, done: int, total: int | None) -> None:
            screen.post_message(DownloadProgress(done, total))  # from the API loop's thread

        local = self.local_input(batch) if open_after else None
        kinds = ("input", *RESULTS) if open_after and local is None else RESULTS
        try:
            files = await api.run(
                fetch_batch_files(api.service, batch, directory, kinds=kinds, progress=progress)
            )
        except UserError as exc:
            self.notify_error(exc)
            return
        finally:
            bar.display = False
        if not open_after:
            names = ", ".join(safe(p.name) for p in files.paths.values())
            where = safe(files.folder.resolve())
            screen.notify(f"Saved {names} in {where}", title="Downloaded", timeout=10)
            return
        app = tui(screen)
        await app.open_results(
            input_path=local or (str(files.input) if files.input else None),
            output_path=str(files.output) if files.output else None,
            error_path=str(files.errors) if files.errors else None,
            batch=batch,
        )

    def local_input(self, batch: BatchView) -> str | None:
        """The file this machine submitted as the batch's input, if it is unchanged."""
        record = self.screen.local_record(batch.id)
        if record is not None and record.local_file_state() == "same":
            return str(record.input_path)
        return None

    async def input_path(self, batch: BatchView) -> str | None:
        """The batch's input: the local file this machine submitted, else the copy in the
        batch's cache folder (downloaded if missing)."""
        local = self.local_input(batch)
        api = self.screen.api
        if local is not None or api is None:
            return local
        from batchtui.api.batch_files import fetch_batch_files

        files = await api.run(fetch_batch_files(api.service, batch, kinds=("input",)))
        return str(files.input) if files.input else None

    def open_input(self, batch: BatchView, line: int | None) -> None:
        self.screen.run_worker(
            self._open_input(batch, line), group="open-input", exclusive=True, exit_on_error=False
        )

    async def _open_input(self, batch: BatchView, line: int | None) -> None:
        try:
            path = await self.input_path(batch)
        except UserError as exc:
            self.notify_error(exc)
            return
        if path is None:
            self.screen.notify("The batch's input file is not available.", severity="warning")
            return
        app = tui(self.screen)
        await app.open_file(path, line)

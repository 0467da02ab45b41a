"""What the dashboard's keys do to a batch: cancel, download, open its results, open its
input at a line, copy its id. Every API call runs on the TUI's API loop (``screen.api``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.widgets import ProgressBar

from batchtui.api.models import BatchView
from batchtui.core.errors import UserError
from batchtui.core.text import safe

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
        """Download the result files into the state directory, then show them joined."""
        if not batch.result_file_ids:
            self.screen.notify(
                f"{safe(batch.id)} has no results yet ({batch.display_status}).",
                severity="warning",
            )
            return
        from batchtui.api.records import state_dir
        from batchtui.core.paths import inside, safe_filename

        try:
            folder = inside(state_dir() / "results", safe_filename(batch.id))
        except UserError as exc:
            self.notify_error(exc)
            return
        self._start_download(batch, folder, open_after=True)

    def _start_download(self, batch: BatchView, directory: Path, open_after: bool) -> None:
        self.screen.run_worker(
            self._download(batch, directory, open_after),
            group="download",
            exclusive=True,
            exit_on_error=False,
        )

    async def _download(self, batch: BatchView, directory: Path, open_after: bool) -> None:
        screen = self.screen
        api = screen.api
        assert api is not None
        bar = screen.query_one("#download-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)

        def progress(kind: str, done: int, total: int | None) -> None:
            screen.post_message(DownloadProgress(done, total))  # from the API loop's thread

        try:
            results = await api.run(
                api.service.download_results(batch, directory, progress=progress)
            )
            input_path = await self.input_path(batch) if open_after else None
        except UserError as exc:
            self.notify_error(exc)
            return
        finally:
            bar.display = False
        paths = {kind: str(r.path) for kind, r in results.items()}
        if not open_after:
            names = ", ".join(safe(Path(p).name) for p in paths.values())
            where = safe(directory.resolve())
            screen.notify(f"Saved {names} in {where}", title="Downloaded", timeout=10)
            return
        app: Any = screen.app
        await app.open_results(
            input_path=input_path,
            output_path=paths.get("output"),
            error_path=paths.get("error"),
            batch=batch,
        )

    async def input_path(self, batch: BatchView) -> str | None:
        """The batch's input: the local file this machine submitted, else a downloaded copy."""
        record = self.screen.local_record(batch.id)
        if record is not None and record.local_file_state() == "same":
            return str(record.input_path)
        api = self.screen.api
        if not batch.input_file_id or api is None:
            return None
        from batchtui.api.records import state_dir
        from batchtui.core.paths import inside, safe_filename

        # The id comes from the server: reduced to a plain name inside the state directory.
        dest = inside(state_dir() / "inputs", f"{safe_filename(batch.input_file_id)}.jsonl")
        if not dest.exists():
            await api.run(api.service.download_file(batch.input_file_id, dest))
        return str(dest)

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
        app: Any = self.screen.app
        await app.open_file(path, line)

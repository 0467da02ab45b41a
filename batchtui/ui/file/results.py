"""From an output or error file in the File view to its results (o), joined with the input
found beside it when the user agrees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from batchtui.core.text import safe
from batchtui.jsonl.kinds import Kind
from batchtui.ui.context import tui
from batchtui.ui.file.base import FileScreenBase

if TYPE_CHECKING:
    from batchtui.results.pairing import Companions


class FileResults(FileScreenBase):
    """Open the results view of this output or error file."""

    def action_open_results(self) -> None:
        """o: the results view of this output or error file; its input (and the other result
        file) joined when one is found beside it and the user agrees."""
        if self.index is None:
            return
        kind = self.kind
        judged = kind.judged_as if kind is not None else None
        if judged is None or not judged.results:
            what = kind.kind.title if kind is not None else "a file of unknown kind"
            self.notify(
                f"o opens the results of an OpenAI batch output or error file; this is {what}."
                + (
                    " Its batch's results: press 2 for Batches, then o on the batch."
                    if judged is Kind.INPUT
                    else ""
                ),
                severity="warning",
            )
            return
        from batchtui.jsonl.spool import STDIN_NAME

        copy_of = self.index.copy_of
        where = None if copy_of == STDIN_NAME else (copy_of or self.index.path)
        self._find_companions(self.index.path, where, judged)

    @work(thread=True, exclusive=True, group="companions", exit_on_error=False)
    def _find_companions(self, path: str, where: str | None, kind: Kind) -> None:
        from batchtui.results.pairing import Companions, find_companions

        found = Companions()
        if where is not None:
            found = find_companions(_uncompressed_name(where), kind, _recorded_inputs())
        self.app.call_from_thread(self._offer_join, path, kind, found)

    def _offer_join(self, path: str, kind: Kind, found: Companions) -> None:
        from batchtui.ui.screens.dialogs import ConfirmDialog

        output = path if kind is Kind.OUTPUT else (found.output and str(found.output.path))
        errors = path if kind is Kind.ERRORS else (found.errors and str(found.errors.path))
        other = found.errors if kind is Kind.OUTPUT else found.output
        if other is not None:
            label = "error" if kind is Kind.OUTPUT else "output"
            self.notify(f"With its {label} file {safe(other.path.name)} ({other.reason}).")

        def open_with(input_path: str | None) -> None:
            app = tui(self)
            app.run_worker(
                app.open_results(input_path=input_path, output_path=output, error_path=errors),
                group="open-results",
            )

        if found.input is None:
            open_with(None)
            return
        body = (
            f"{found.input.path} ({found.input.reason}) looks like this batch's input.\n\n"
            "Joined, each request shows beside its answer, requests that got no answer are "
            "counted, and a retry file can be written. Alone: counts, failures, the histogram "
            "and usage."
        )
        self.app.push_screen(
            ConfirmDialog("Join the results with their input?", body, "Join", "Results alone"),
            lambda yes: open_with(str(found.input.path) if yes else None),
        )


def _recorded_inputs() -> dict[str, str]:
    """batch id -> the input file this machine submitted it from (empty when unreadable)."""
    try:
        from batchtui.api.records import RecordStore

        return {bid: r.input_path for bid, r in RecordStore().by_batch_id().items()}
    except Exception:  # the records are a hint; a broken state directory is no reason to fail
        return {}


def _uncompressed_name(path: str) -> str:
    for suffix in (".gz", ".zst", ".bz2", ".xz"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path

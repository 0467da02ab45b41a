"""The Results view's files: the retry file (x, S submits it) and the export of the results
as JSONL or CSV (E), asked for by name in the prompt."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.ui.context import tui
from batchtui.ui.format import human_size
from batchtui.ui.results.base import ResultsScreenBase
from batchtui.ui.widgets.prompt import PromptBar

if TYPE_CHECKING:
    from batchtui.results.export import ExportReport


def _unusable_name(path: str) -> str | None:
    """Why the OS cannot take a typed file name (os.path calls would raise), else None."""
    if "\x00" in path:
        return "a file name cannot hold a NUL character"
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        return "a lone surrogate has no spelling in a file name"
    return None


def default_export_path(input_path: str, suffix: str) -> str:
    """``<input stem><suffix>`` next to the input, or in the working directory when the
    input's directory is not writable (a package's example files, a read-only mount)."""
    p = Path(input_path)
    stem = p.stem if p.suffix.lower() in (".jsonl", ".json", ".ndjson") else p.name
    directory = p.parent
    if not os.access(directory if str(directory) else ".", os.W_OK):
        return os.path.join(os.getcwd(), stem + suffix)
    return str(directory / (stem + suffix))


class ResultsExport(ResultsScreenBase):
    """x, S and E: write the retry file or the results, then maybe submit."""

    @dataclass(eq=False)
    class ExportFinished(Message):
        kind: str
        report: ExportReport | None
        error: str | None = None
        then_submit: bool = False

    def action_export_retry(self, then_submit: bool = False) -> None:
        if self.result is None:
            return
        if self.input_path is None:
            self.notify(
                "A retry file is made of the input's lines: open the results with the batch's "
                "input to write one.",
                severity="warning",
            )
            return
        rows, label = self.retry_selection()
        if not rows:
            self.notify(f"Nothing to retry: no {label} requests.", severity="warning")
            return
        self._pending = {"rows": rows, "label": label, "then_submit": then_submit}
        default = self.retry_path or default_export_path(self.input_path, ".retry.jsonl")
        self._ask(
            "retry",
            f"{len(rows):,} to retry ({label}) · Enter writes, Esc cancels",
            default,
        )

    def action_export_results(self) -> None:
        named = self.input_path or self.output_path or self.error_path
        if self.result is None or named is None:
            return
        self._pending = {}
        self._ask(
            "results",
            f"Export {self.result.row_count:,} results as .jsonl or .csv · Enter writes, Esc cancels",
            default_export_path(named, ".results.jsonl"),
        )

    def _ask(self, kind: str, what: str, default: str) -> None:
        self._pending["what"] = what
        prompt = self.query_one(PromptBar)
        prompt.ask(kind, what, default, select=False)  # a path: edited, not retyped
        self.update_status()

    @on(PromptBar.Submitted)
    def _on_prompt(self, event: PromptBar.Submitted) -> None:
        self._pending.pop("what", None)
        self.results_list.focus()
        self.update_status()
        if not event.value or self.result is None:
            return
        if event.kind in self.FIND_KINDS:
            self._find(event.kind, event.value)
            return
        path = os.path.expanduser(event.value)
        problem = _unusable_name(path)
        if problem is not None:
            self.notify(f"{path}: {problem}", severity="error")
            return
        if event.kind == "results":
            from batchtui.results.export import format_for

            try:
                format_for(path)
            except UserError as exc:
                self.notify(safe(exc.message), severity="error")
                return
        if self._reads(path):
            self.notify(
                f"{safe(path)} is a file these results were read from; choose another name.",
                severity="error",
            )
            return
        pending = dict(self._pending)
        if os.path.exists(path):
            from batchtui.ui.screens.dialogs import ConfirmDialog

            def answer(yes: bool | None) -> None:
                if yes:
                    self._start_export(event.kind, path, pending)

            self.app.push_screen(
                ConfirmDialog(f"Overwrite {path}?", "The file exists.", confirm="Overwrite"),
                answer,
            )
            return
        self._start_export(event.kind, path, pending)

    @on(PromptBar.Cancelled)
    def _on_prompt_cancelled(self) -> None:
        self._pending = {}
        self.results_list.focus()
        self.update_status()

    def _reads(self, path: str) -> bool:
        for source in (self.input_path, self.output_path, self.error_path):
            if not source:
                continue
            try:
                if os.path.samefile(path, source):
                    return True
            except OSError:
                continue
        return False

    def _start_export(self, kind: str, path: str, pending: dict[str, Any]) -> None:
        self.notify(f"Writing {safe(path)}…", timeout=2)
        self._export(kind, path, pending.get("rows"), bool(pending.get("then_submit")))

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, kind: str, path: str, rows: list[int] | None, then_submit: bool) -> None:
        from batchtui.results import JoinCancelled, export_results, export_retry

        worker = get_current_worker()
        result = self.result
        assert result is not None
        try:
            if kind == "retry":
                report = export_retry(
                    result, path, rows=rows, cancelled=lambda: worker.is_cancelled
                )
            else:
                report = export_results(result, path, cancelled=lambda: worker.is_cancelled)
        except JoinCancelled:
            self.post_message(self.ExportFinished(kind, None, "export cancelled"))
        except UserError as exc:
            self.post_message(self.ExportFinished(kind, None, exc.message))
        except OSError as exc:
            self.post_message(self.ExportFinished(kind, None, f"{path}: {exc.strerror or exc}"))
        else:
            self.post_message(self.ExportFinished(kind, report, then_submit=then_submit))

    @on(ExportFinished)
    async def _on_export_finished(self, event: ExportFinished) -> None:
        if event.report is None:
            self.notify(safe(event.error), severity="error", timeout=8)
            return
        report = event.report
        if event.kind == "retry":
            self.retry_path = report.path
            self.notify(
                f"Wrote {report.rows:,} request(s) to retry to {safe(report.path)} "
                f"({human_size(report.bytes)}). S submits it.",
                timeout=8,
            )
            if event.then_submit:
                await self.submit_file(report.path)
        else:
            self.notify(
                f"Wrote {report.rows:,} result record(s) to {safe(report.path)} "
                f"({human_size(report.bytes)}).",
                timeout=8,
            )

    async def action_submit_retry(self) -> None:
        if self.result is None:
            return
        if self.retry_path and os.path.exists(self.retry_path):
            await self.submit_file(self.retry_path)
        else:
            self.action_export_retry(then_submit=True)

    async def submit_file(self, path: str) -> None:
        """Open ``path`` in the File mode and start the dashboard's submit on it."""
        app = tui(self)
        await app.open_file(path, 1)
        app.action_submit_file()

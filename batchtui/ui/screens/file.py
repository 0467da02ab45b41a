"""The File screen: the line browser, the detail pane, search, go-to and file watching."""

from __future__ import annotations

import threading
import time
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher
from textual.worker import Worker, WorkerState, get_current_worker

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.jsonl import Change, LineIndex
from batchtui.jsonl.kinds import Kind, Layout, Sniff, runner_name, sniff_index
from batchtui.ui import messages as msg
from batchtui.ui.context import tui
from batchtui.ui.debounce import Debouncer
from batchtui.ui.file.edit import FileEdit
from batchtui.ui.file.filter import FileFilter, FilterState
from batchtui.ui.file.results import FileResults
from batchtui.ui.file.search import QUERY_HELP, FileSearch
from batchtui.ui.format import human_size, limits_text, plural, severity_name, summary_text
from batchtui.ui.widgets.bars import KeyHints, ModeBar, StatusBar
from batchtui.ui.widgets.detail import DetailView
from batchtui.ui.widgets.line_list import LineList
from batchtui.ui.worker_errors import failure_message

if TYPE_CHECKING:  # the validator loads in its thread, never before the first frame
    from batchtui.jsonl import Span
    from batchtui.query.expr import Query
    from batchtui.ui.estimate import EstimateState
    from batchtui.ui.widgets.prompt import PromptBar
    from batchtui.ui.widgets.report import ReportView
    from batchtui.validation.engine import RunStatus, Validator
    from batchtui.validation.findings import Finding
    from batchtui.validation.providers import LimitNote, Provider
    from batchtui.validation.report import ReportSnapshot

# Bytes indexed synchronously before the first frame (a few screenfuls of typical lines).
HEAD_BYTES = 256 * 1024
# The key line at the bottom, most useful first (it is cut to the terminal's width).
KEY_HINTS = [
    ("?", "Keys"),
    (":", "Go to"),
    ("/", "Search"),
    ("&", "Filter"),
    ("v", "Report"),
    ("]", "Next finding"),
    ("i", "custom_id"),
    ("e", "Edit"),
    ("u", "Submit"),
    ("J", "Job"),
    ("s", "Rows"),
    ("r", "Raw"),
    ("c", "Copy"),
    ("f", "Follow"),
    ("2", "Batches"),
    ("q", "Quit"),
]
# Seconds after the first frame before indexing, validation and the hidden panes start.
AFTER_FIRST_FRAME = 0.1
# The key line of an output or error file: its results are one key away, submitting it is not.
RESULT_KEY_HINTS = [("?", "Keys"), ("o", "Results")] + [
    hint for hint in KEY_HINTS[1:] if hint[0] not in ("u", "J", "e")
]
# Below this width the status bar leaves out the file's size.
STATUS_SIZE_WIDTH = 100
# Seconds the validation thread sleeps between chunks (10-30 ms of work each).
VALIDATION_YIELD = 0.003
# How often the file is checked for appends, rewrites and replacement (one stat call).
WATCH_INTERVAL = 1.0
# Largest line copied to the clipboard (OSC 52 payloads this big already strain terminals).
COPY_CAP = 1024 * 1024


class FileScreen(FileSearch, FileFilter, FileEdit, FileResults):
    """Browse one JSONL file of any size (its prompts, filter, editing and results are in
    ui/file/)."""

    help_title = "File"

    BINDINGS = [
        Binding("colon", "prompt('goto')", "Go to line", id="file.goto"),
        Binding("slash", "prompt('search')", "Search", id="file.search"),
        Binding("ampersand", "prompt('filter')", "Filter: only matching lines", id="file.filter"),
        Binding(
            "F", "filter_findings", "Filter: lines with errors, findings", id="file.filter_findings"
        ),
        Binding("E", "export_filtered", "Export the filtered lines", id="file.export"),
        Binding("n", "search_next(1)", "Next match", show=False, id="file.search_next"),
        Binding("N", "search_next(-1)", "Previous match", show=False, id="file.search_previous"),
        Binding("i", "prompt('custom_id')", "Jump to custom_id", id="file.custom_id"),
        Binding("r", "toggle_raw", "Raw/pretty", id="file.raw"),
        Binding("s", "toggle_summary", "Rows: summary/raw", id="file.summary"),
        Binding("c", "copy_line", "Copy line", id="file.copy"),
        Binding("f", "toggle_follow", "Follow", id="file.follow"),
        Binding("v", "toggle_report", "Report/detail", id="file.report"),
        Binding("right_square_bracket", "next_finding(1)", "Next finding", id="file.next_finding"),
        Binding(
            "left_square_bracket",
            "next_finding(-1)",
            "Previous finding",
            id="file.previous_finding",
        ),
        Binding("e", "edit", "Edit in $EDITOR", id="file.edit"),
        Binding("u", "submit", "Submit as batch", id="file.submit"),
        Binding("J", "start_job", "Start as a job (split, queue, watch)", id="file.start_job"),
        Binding("o", "open_results", "Results of this output file", id="file.results"),
        Binding("p", "split", "Split to fit limits", show=False, id="file.split"),
        Binding("tab", "switch_pane", "Switch pane", show=False, id="file.switch_pane"),
        Binding("escape", "cancel", "Cancel", show=False, id="file.cancel"),
    ]

    def __init__(
        self,
        index: LineIndex | None,
        *,
        start_line: int | None = None,
        follow: bool = False,
        provider: Provider | None = None,
        filter_lines: array | None = None,
        filter_label: str = "",
    ) -> None:
        super().__init__()
        self.index = index
        self._start_line = start_line
        # A filter to show once the index is complete (from the Results view: "these requests").
        self._pending_filter = (filter_lines, filter_label) if filter_lines is not None else None
        self.filter: FilterState | None = None
        self._filter_done_pct = 0
        self._search_query: Query | None = None  # the last / query
        self._follow_at_start = follow
        self._scan_done = threading.Event()
        self._search_text = ""
        self._search_status = ""
        self._notice = ""
        self._scan_worker: Worker[None] | None = None
        self._detail = Debouncer(self, self._draw_detail)
        self._visible_marks: tuple[str | None, ...] = ()
        self.validator: Validator | None = None  # made in the validation thread
        self.validation_snapshot: ReportSnapshot | None = None
        self.validation_running = False
        self.validation_status: RunStatus | None = None
        self.provider = provider  # the service whose limits and rules apply (None: OpenAI's)
        self.sniffed: Sniff | None = None  # what the file is, from its head at open
        self.limits: list[LimitNote] = []  # file-level limits known from size and line count
        self._painted = False  # the first frame is out (the limits wait for it)
        self.validation_error: str | None = None  # why the last validation failed, if it did
        self._validate_again = False  # the file grew while a validation ran
        # Hidden until asked for, so mounted after the first frame (with their imports).
        self._report: ReportView | None = None
        self._prompt: PromptBar | None = None
        self.estimate_state: EstimateState | None = None  # of this index, in the background
        self._line_counting: tuple[int, int] | None = None  # the line being counted

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        title = self.index.name if self.index else "no file open"
        yield ModeBar("file", safe(title), id="mode-bar")
        with Vertical(id="file-body"):
            if self.index is not None:
                yield LineList(self.index, id="lines")
                with ContentSwitcher(initial="detail", id="bottom"):
                    yield DetailView(id="detail")
        yield StatusBar(id="status")
        yield KeyHints(KEY_HINTS, id="key-hints")

    async def _mount_hidden(self) -> None:
        """The report pane and the prompt: nothing shows them before a key asks, so they (and
        the Tree and Input they are made of) are not paid for before the first frame."""
        from batchtui.ui.widgets.prompt import PromptBar
        from batchtui.ui.widgets.report import ReportView

        prompt = PromptBar(id="prompt")
        report = ReportView(id="report")
        await self.mount(prompt, before=self.query_one(KeyHints))
        if self.index is not None:
            await self.query_one("#bottom", ContentSwitcher).add_content(report)
            # What happened meanwhile: the validator, a first report, limits.
            report.reset(self.validator)
            report.set_limits(self.limits)
            if self.validation_snapshot is not None:
                report.pending = (self.validation_snapshot, self.validation_running)
            if self.estimate_state is not None:
                from batchtui.ui.estimate import estimate_text

                report.set_estimate(estimate_text(self.estimate_state))
            self._report = report
        self._prompt = prompt

    @property
    def line_list(self) -> LineList:
        return self.query_one(LineList)

    @property
    def detail(self) -> DetailView:
        return self.query_one(DetailView)

    def on_mount(self) -> None:
        if self.index is None:
            self.query_one("#file-body").mount(
                DetailView(id="detail"),
            )
            self.detail.clear(
                "No file open. Run `batchtui FILE.jsonl`, or press 2 for your batches."
            )
            self.update_status()
            self.call_after_refresh(self._mount_hidden)
            return
        lines = self.line_list
        lines.follow = self._follow_at_start
        lines.focus()
        # The first screenful comes from a tiny synchronous scan of the head and a backwards
        # read of the tail; the full scan starts once that first frame is on screen.
        self.index.scan(until=HEAD_BYTES)
        self._sniff()
        lines.load_tail(max(self.size.height, 40) * 2)
        lines.index_changed()
        # The background work waits a moment after the first frame: started at once, on two
        # cores it delayed the frame reaching the terminal by tens of milliseconds.
        if AFTER_FIRST_FRAME > 0:
            self.call_after_refresh(self.set_timer, AFTER_FIRST_FRAME, self._after_first_paint)
        else:  # (the tests' setting: no wait they would have to wait out)
            self.call_after_refresh(self._after_first_paint)
        self.update_status()

    def _sniff(self) -> None:
        """What the file is, from its head (read anyway for the first screenful; well under
        a millisecond for ordinary lines): the status bar names it, the keys follow it."""
        assert self.index is not None
        try:
            self.sniffed = sniff_index(self.index)
        except (OSError, UserError):
            self.sniffed = None
        kind = self.sniffed.judged_as if self.sniffed is not None else None
        hints = RESULT_KEY_HINTS if kind is not None and kind.results else KEY_HINTS
        self.query_one(KeyHints).set_bindings(hints)
        self.detail.source = self.index.name if self.index.copy_of is None else None

    @property
    def kind(self) -> Sniff | None:
        """What the file is: settled over the lines validated so far, else its head's sniff."""
        snap = self.validation_snapshot
        if snap is not None and snap.kind is not None:
            return snap.kind
        return self.sniffed

    async def _after_first_paint(self) -> None:
        self._painted = True
        self.update_status()  # with the limits the size already breaks
        self.start_scan()
        # Validation starts beside the scan: its worker processes index the file themselves.
        if getattr(self.app, "validate", True):
            self.start_validation()
        self.set_interval(WATCH_INTERVAL, self.check_file, name="file-watch")
        await self._mount_hidden()

    # -- indexing ----------------------------------------------------------------------

    def start_scan(self) -> None:
        self._scan_done.clear()
        self._scan_worker = self._scan(self.index)

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _scan(self, index: LineIndex | None) -> None:
        if index is None:
            return
        worker = get_current_worker()
        done = index.scan(
            progress=lambda scanned, lines: self.post_message(
                msg.ScanProgress(index, scanned, lines)
            ),
            cancelled=lambda: worker.is_cancelled,
        )
        if done:
            self.post_message(msg.ScanFinished(index))
        elif index.changed_on_disk and not worker.is_cancelled:
            self.app.call_from_thread(self.check_file)  # shrank mid-scan: re-open it now

    @on(msg.ScanProgress)
    def _on_scan_progress(self, event: msg.ScanProgress) -> None:
        if event.index is self.index:
            self.line_list.index_changed()
            self.update_status()

    @on(msg.ScanFinished)
    def _on_scan_finished(self, event: msg.ScanFinished) -> None:
        if event.index is not self.index:
            return
        self._scan_done.set()
        self.line_list.index_changed()
        if getattr(self.app, "validate", True):
            if self.validation_running:
                self._validate_again = True  # lines may have come after the run's last look
            else:
                self.start_validation()
            self.start_estimate()
        if self._start_line is not None:
            self.go_to_line(self._start_line)
            self._start_line = None
        if self._pending_filter is not None:
            lines, label = self._pending_filter
            self._pending_filter = None
            self.show_filter(FilterState(label, lines, kind="results"))
        elif (
            self.filter is not None
            and self.filter.query is not None
            and self.filter.done
            and not self.filter.stopped
            and self.filter.scanned < event.index.size
        ):
            self._run_filter(self.filter)  # the file grew: filter what was appended
        self.update_status()

    def check_file(self) -> None:
        """Poll the file: continue the index after appends, re-open after rewrites (also
        while the first scan runs: a file truncated or rewritten then is re-opened at once)."""
        index = self.index
        if index is None:
            return
        change = index.check()
        if change is Change.APPENDED:
            self.start_scan()
        elif change in (Change.REWRITTEN, Change.REPLACED):
            self.reopen(
                "File changed on disk: reloaded."
                if change is Change.REWRITTEN
                else "File was replaced on disk: reloaded."
            )
        elif change is Change.MISSING and not self._notice:
            self._notice = "file deleted on disk"
            self.notify("The file was deleted or moved; showing what was read.", severity="warning")
            self.update_status()
        elif change is Change.UNCHANGED and self._notice == "file deleted on disk":
            self._notice = ""

    def reopen(self, notice: str) -> None:
        assert self.index is not None
        try:
            fresh = LineIndex(self.index.path, copy_of=self.index.copy_of)
        except UserError as exc:
            self._notice = exc.message
            self.notify(exc.message, severity="error")
            self.update_status()
            return
        self.workers.cancel_group(self, "scan")
        self.workers.cancel_group(self, "search")
        self.workers.cancel_group(self, "filter")
        old_filter = self.filter
        self.filter = None
        old = self.index
        self.index = fresh
        old.close()
        self._scan_done.clear()
        self.line_list.set_index(fresh)
        self.line_list.load_tail(max(self.size.height, 40) * 2)
        self._sniff()
        self.notify(notice, severity="warning")
        self.workers.cancel_group(self, "validate")
        self.workers.cancel_group(self, "estimate")
        self.validation_running = False  # the cancelled run's last word is about the old file
        self.validator = None
        self.validation_snapshot = None
        self.estimate_state = None
        if self._report is not None:
            self._report.reset(None)
            self._report.set_estimate(None)
        self.start_scan()
        if old_filter is not None and old_filter.query is not None:
            # The same filter over the file as it is now, once it is indexed.
            self.start_filter(old_filter.query, old_filter.label)
        elif old_filter is not None:
            self.notify("The filter was cleared: the file changed.", severity="warning")
        self.update_status()

    # -- workers -----------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place an unexpected worker failure surfaces, and the screen recovers."""
        message = failure_message(self, event)
        if message is None:
            return
        group = event.worker.group
        if group == "validate":
            # Not "running" any more: the status bar and a waiting submit must know.
            self.validation_running = False
            self.validation_error = message
            self.notify(f"Validation failed: {message}", severity="error", timeout=10)
            self._draw_detail()  # the line's token count waited for the validation
        elif group == "search":
            self._search_status = ""
            self.notify(f"Search failed: {message}", severity="error", timeout=8)
        elif group == "filter":
            if self.filter is not None:
                self.filter.done = self.filter.stopped = True
            self.notify(f"Filter failed: {message}", severity="error", timeout=8)
        elif group == "export":
            self.notify(f"Export failed: {message}", severity="error", timeout=10)
        elif group == "scan":
            self.notify(f"Indexing stopped: {message}", severity="error", timeout=10)
        elif group == "line-tokens":
            return  # a token count in the detail title is not worth a toast
        else:
            self.notify(message, severity="error", timeout=8)
        self.update_status()

    # -- cursor and detail -------------------------------------------------------------

    @on(LineList.CursorMoved)
    def _on_cursor(self, event: LineList.CursorMoved) -> None:
        # The list and status bar follow each key at once; the detail pane (a relayout of a
        # whole transcript) waits until the cursor rests, so a held key never queues work.
        self.update_status()
        self._detail.poke()

    def flush_pending(self) -> None:
        """Draw what the cursor moves postponed (tests call this instead of waiting)."""
        self._detail.flush()

    def _draw_detail(self) -> None:
        if self.index is not None:
            self.show_detail()

    def show_detail(self, force: bool = False) -> None:
        lines = self.line_list
        row = lines.cursor
        line = lines.row_line(row)
        if lines.row_count == 0 and self.filter is not None:
            self.detail.clear(
                "No line matches the filter so far."
                if not self.filter.done
                else "No line matches the filter. Esc shows every line again."
            )
            return
        if lines.row_count == 0 and lines.index.complete:
            self.detail.clear(
                "The file is empty: there is no line to show. A batch file needs one request "
                "per line."
            )
            return
        span = lines.row_span(row)
        self.detail.show_line(lines.index, span, line, force=force, findings=self.findings_at(line))
        key = None if span is None else (id(lines.index), span.start)
        if key is None or key in (self.detail.tokens_for, self._line_counting):
            return
        from batchtui.ui.estimate import line_counter_ready

        # The first count loads the tokenizer (~0.3 s of CPU): not while the validation's
        # worker processes need every core. Its last report shows the line again (force).
        if line_counter_ready():
            self._line_counting = key
            self._count_line(lines.index, span)
        elif not self.validation_pending:
            self._line_counting = key
            self._first_count(lines.index, span)

    # -- cost ----------------------------------------------------------------------------

    # Not exclusive: a count takes milliseconds (the first loads the tokenizer), and the
    # detail pane asks only when the cursor rests; a stale answer is dropped on arrival.
    @work(thread=True, group="line-tokens", exit_on_error=False)
    def _count_line(self, index: LineIndex, span: Span) -> None:
        self._count_now(index, span)

    def _count_now(self, index: LineIndex, span: Span) -> None:
        from batchtui.ui.estimate import LINE_CAP, count_line

        if span.length > LINE_CAP:
            return
        tokens = count_line(index.read(span, LINE_CAP))
        if tokens is not None:
            self.post_message(msg.LineTokensCounted(index, span.start, tokens))

    @work(thread=True, exclusive=True, group="line-tokens-first", exit_on_error=False)
    def _first_count(self, index: LineIndex, span: Span) -> None:
        """The first count loads the tokenizer, which holds the interpreter for ~0.15 s
        (tiktoken builds its encoder without letting go): wait until the keys rest, so no
        key press waits behind it. A newer line's count cancels this one."""
        from batchtui.ui.estimate import INPUT_IDLE, wait_until

        worker = get_current_worker()
        app = tui(self)
        if wait_until(lambda: app.input_idle(INPUT_IDLE), lambda: worker.is_cancelled):
            self._count_now(index, span)

    @on(msg.LineTokensCounted)
    def _on_line_tokens(self, event: msg.LineTokensCounted) -> None:
        lines = self.line_list if self.index is not None else None
        if lines is None or event.index is not self.index:
            return
        span = lines.row_span(lines.cursor)
        if span is not None and span.start == event.start:
            self.detail.set_tokens(event.index, event.start, event.tokens.label())

    def start_estimate(self) -> None:
        """The whole file's cost for the report header, in the background: a sample, then
        (once validation is done) the exact count."""
        if self.index is None:
            return
        self._estimate(self.index)

    @work(thread=True, exclusive=True, group="estimate", exit_on_error=False)
    def _estimate(self, index: LineIndex) -> None:
        from batchtui.ui.estimate import (
            INPUT_IDLE,
            line_counter_ready,
            price_book,
            run_estimate,
            wait_until,
        )

        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled

        # After the validation: the prices, the tokenizer's load and the sample (~0.6 s of
        # CPU on a big file) beside it took a core from its worker processes.
        if not wait_until(lambda: not self.validation_pending, cancelled):
            return
        # Its first step loads the tokenizer (see _first_count): when the keys rest.
        app = tui(self)
        if not wait_until(lambda: line_counter_ready() or app.input_idle(INPUT_IDLE), cancelled):
            return
        run_estimate(
            index.path,
            lambda state: self.post_message(msg.EstimateProgress(index, state)),
            cancelled=cancelled,
            book=price_book(self.app),
            exact_after=lambda: not self.validation_running,
        )

    @on(msg.EstimateProgress)
    def _on_estimate(self, event: msg.EstimateProgress) -> None:
        from batchtui.ui.estimate import estimate_text

        if event.index is not self.index:
            return
        self.estimate_state = event.state
        if self._report is not None:  # else it is drawn when the report is mounted
            self._report.set_estimate(estimate_text(event.state))

    def findings_at(self, line: int | None) -> list[Finding]:
        """Findings of 0-based ``line`` (re-derived, so only once the validator is idle)."""
        v = self.validator
        if v is None or line is None or self.validation_running:
            return []
        if self.validation_snapshot is None or _mark(v, line) is None:
            return []
        return v.findings_at(line + 1)

    # -- validation --------------------------------------------------------------------

    @property
    def validation_pending(self) -> bool:
        """A validation runs, or starts after the first frame (the file's first one)."""
        return self.validation_running or (
            getattr(self.app, "validate", True)
            and self.index is not None
            and self.validation_snapshot is None
            and self.validation_error is None
        )

    def start_validation(self) -> None:
        if self.index is None:
            return
        self.validation_running = True
        self.validation_error = None
        self._validate_again = False
        self._validate(self.index)

    @work(thread=True, exclusive=True, group="validate", exit_on_error=False)
    def _validate(self, index: LineIndex) -> None:
        # Workers the command line forked for this validation start now, beside this thread.
        app = tui(self)
        head, app.validation_head = app.validation_head, None
        if head is not None:
            head.go()
        # Imported here: the validator and its SDK facts load off the UI thread.
        from batchtui.validation.engine import Validator
        from batchtui.validation.parallel import default_processes, run_parallel
        from batchtui.validation.providers import OPENAI

        worker = get_current_worker()
        validator = self.validator
        if validator is None or validator.index is not index:
            validator = Validator(index, provider=self.provider or OPENAI)
            self.post_message(msg.ValidatorReady(index, validator))

        def progress(_p: object) -> None:
            self.post_message(msg.ValidationProgress(index, validator.report.snapshot(), False))
            # Between chunks, step aside: the UI thread gets the interpreter at once instead
            # of waiting out a switch interval, so keys stay responsive while validating.
            time.sleep(VALIDATION_YIELD)

        # On every core, as `batchtui validate` does: worker processes check pieces of a big
        # file; this thread checks from the start only until they run, then merges their
        # pieces, so the UI thread keeps the interpreter for keys. (A re-run after an append
        # checks only the new lines, here.)
        status = run_parallel(
            validator,
            workers=default_processes(),
            on_progress=progress,
            cancelled=lambda: worker.is_cancelled,
            caller_yields=True,
            head=head,  # workers the command line started before the app (if for this file)
        )
        self.post_message(msg.ValidationProgress(index, validator.report.snapshot(), True, status))

    @on(msg.ValidatorReady)
    def _on_validator_ready(self, event: msg.ValidatorReady) -> None:
        if event.index is not self.index:
            return
        self.validator = event.validator
        if self._report is not None:
            self._report.reset(event.validator)
        validator = event.validator
        self.line_list.set_mark_source(lambda line: _mark(validator, line))

    @on(msg.ValidationProgress)
    def _on_validation_progress(self, event: msg.ValidationProgress) -> None:
        if event.index is not self.index:
            return
        self.validation_snapshot = event.snapshot
        if event.final:
            self.validation_running = False
            self.validation_status = event.status
            if getattr(event.status, "value", None) == "file_changed":
                self.check_file()  # re-open (and re-validate) the file as it is now
            elif self._validate_again and self.validator is not None:
                if self.validator.next_line < event.index.line_count:
                    self.start_validation()  # the lines appended while it ran
                self._validate_again = False
        report = self._report
        if report is None:
            pass  # mounted later, with the latest snapshot
        elif event.final or self.query_one("#bottom", ContentSwitcher).current == "report":
            report.update_snapshot(event.snapshot, not event.final)
        else:
            report.pending = (event.snapshot, not event.final)  # drawn when it is shown
        self._refresh_marks(force=event.final)
        if event.final:
            self.show_detail(force=True)
        self.update_status()

    def _refresh_marks(self, force: bool = False) -> None:
        """Redraw the list only if the gutter marks of the visible rows changed (or at the end,
        so rows cached off screen are drawn afresh too)."""
        v = self.validator
        lines = self.line_list
        if v is None:
            return
        marks = tuple(
            _mark(v, row) for row in lines.visible_rows() if lines.row_line(row) is not None
        )
        if force or marks != self._visible_marks:
            self._visible_marks = marks
            lines.clear_cache()
            lines.refresh()

    def on_report_view_jump_to(self, event: ReportView.JumpTo) -> None:
        if event.finding.line is None:
            self.notify(safe(event.finding.message), title=event.finding.code)
            return
        self.query_one("#bottom", ContentSwitcher).current = "detail"
        self.go_to_line(event.finding.line)
        self.line_list.focus()

    def action_toggle_report(self) -> None:
        report = self._report
        if report is None:
            return  # before the first frame is on screen
        switcher = self.query_one("#bottom", ContentSwitcher)
        if switcher.current == "report":
            switcher.current = "detail"
            self.line_list.focus()
        else:
            switcher.current = "report"
            if report.pending is not None:
                report.update_snapshot(*report.pending)
            report.findings.focus()

    def action_next_finding(self, direction: int) -> None:
        v = self.validator
        lines = self.line_list
        line = lines.row_line(lines.cursor)
        if v is None or line is None:
            return
        if self.filter is not None:
            target = _next_marked_row(
                v.report.marks(), self.filter.rows, lines.row_count, lines.cursor, direction
            )
            if target is None:
                self.notify("No more findings in this filter.")
            else:
                lines.go_to_row(target)
                self.call_after_refresh(self.flush_pending)
            return
        target = v.report.next_marked(line + 1, forward=direction > 0)
        if target is None:
            self.notify(
                "No more findings." if self.validation_snapshot else "Validation has not run yet."
            )
            return
        self.go_to_line(target)

    def action_submit(self) -> None:
        tui(self).action_submit_file()

    def action_start_job(self) -> None:
        """A job of this file: split and estimate first (``ui/jobs/start.py``)."""
        from batchtui.ui.jobs.start import start_job_flow

        self.app.run_worker(
            start_job_flow(tui(self)), group="job-start", exclusive=True, exit_on_error=False
        )

    def go_to_line(self, line_number: int) -> None:
        """Select 1-based ``line_number`` (clamped to the file); in a filter, its row, or the
        next row after it when the filter leaves it out."""
        lines = self.line_list
        line = max(0, line_number - 1)
        row = lines.row_of_line(line)
        if lines.filtered:
            if row >= lines.row_count:
                row = max(0, lines.row_count - 1)
            if lines.row_line(row) != line:
                self.notify(
                    f"Line {line_number:,} is not in this filter; showing the nearest that is "
                    "(Esc shows every line)."
                )
        lines.go_to_row(row)
        self.call_after_refresh(self.flush_pending)  # a jump is not a held key: show it now

    def _restore_hints(self) -> None:
        self.query_one(KeyHints).show(KEY_HINTS)

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The query syntax, below the keys in the help (?)."""
        return [("Query syntax", QUERY_HELP)]

    def action_cancel(self) -> None:
        state = self.filter
        if self._search_status:
            self.workers.cancel_group(self, "search")
            self._search_status = ""
            self.notify("Search cancelled.")
            self.update_status()
        elif state is not None and not state.done:
            self.workers.cancel_group(self, "filter")
            state.done = state.stopped = True
            self.notify(
                f"Filter stopped: {plural(len(state.rows), 'line')} so far. "
                "Esc again shows every line."
            )
            self.update_status()
        elif state is not None:
            self.leave_filter()
        elif self.index is not None and not self._scan_done.is_set():
            self.workers.cancel_group(self, "scan")
            self.notify(
                "Indexing paused: lines past this point are not numbered. Press f to resume."
            )
        elif self._search_text:
            self._search_text = ""
            self._search_query = None
            self.line_list.set_highlight("")

    # -- other actions -----------------------------------------------------------------

    def action_toggle_raw(self) -> None:
        detail = self.detail
        detail.pretty = not detail.pretty
        lines = self.line_list
        detail.show_line(
            lines.index, lines.row_span(lines.cursor), lines.row_line(lines.cursor), force=True
        )

    def action_toggle_summary(self) -> None:
        self.line_list.toggle_summary()

    def action_copy_line(self) -> None:
        lines = self.line_list
        span = lines.row_span(lines.cursor)
        if span is None:
            return
        data = lines.index.read(span, COPY_CAP)
        self.app.copy_to_clipboard(data.decode("utf-8", errors="replace"))
        note = (
            ""
            if span.length <= COPY_CAP
            else f" (first {human_size(COPY_CAP)} of {human_size(span.length)})"
        )
        self.notify(f"Copied line {lines.cursor + 1:,} to the clipboard{note}.")

    def action_toggle_follow(self) -> None:
        lines = self.line_list
        if (
            self.index is not None
            and not self._scan_done.is_set()
            and (self._scan_worker is None or self._scan_worker.state is not WorkerState.RUNNING)
        ):
            self.start_scan()  # resume after Escape paused it
        lines.follow = not lines.follow
        if lines.follow:
            lines.action_last()
            lines.follow = True
        self.update_status()

    def action_switch_pane(self) -> None:
        """Tab: between the list and the pane below it (the detail or the report)."""
        if self.focused is not self.line_list:
            self.line_list.focus()
        elif (
            self._report is not None
            and self.query_one("#bottom", ContentSwitcher).current == "report"
        ):
            self._report.findings.focus()
        else:
            self.detail.focus()

    # -- status ------------------------------------------------------------------------

    def update_status(self) -> None:
        status = self.query_one(StatusBar)
        index = self.index
        if index is None:
            status.set(Text(" no file"), Text(""))
            return
        left = Text(" ")
        left.append(safe(Path(index.name).name), style="bold")  # <stdin> stays
        # Narrow terminals: the file's kind and its findings matter more than its size.
        wide = self.size.width >= STATUS_SIZE_WIDTH
        left.append(f"  {human_size(index.size)}  " if wide else "  ")
        self.check_limits()
        state = self.filter
        if state is not None:
            shown = self.line_list.row_count
            left.append(f"{shown:,} of {plural(index.line_count, 'line')}", style="bold")
            left.append(f"  ▼ {safe(state.label)[:50]}", style="cyan")
            if not state.done:
                left.append(f"  filtering {self._filter_done_pct}% (Esc stops)", style="yellow")
            elif state.stopped:
                left.append("  (stopped)", style="yellow")
        elif self._scan_done.is_set() or index.complete:
            left.append(plural(index.line_count, "line"))
        else:
            pct = 100 * index.scanned_bytes // max(1, index.size)
            left.append(f"indexing {pct}%: {index.line_count:,} lines", style="yellow")
        kind = self.kind
        if kind is not None:
            left.append("  ")
            left.append_text(kind_text(kind))
        extra = self.status_extra()
        if extra:
            left.append("  ")
            left.append_text(extra)
        if self._search_status:
            left.append(f"  {self._search_status}", style="cyan")
        if self._notice:
            left.append(f"  {safe(self._notice)}", style="bold red")  # it may name the file
        lines = self.line_list
        line = lines.row_line(lines.cursor)
        total = f"{index.line_count:,}" if self._scan_done.is_set() else f"~{lines.row_count:,}"
        where = f"Ln {line + 1:,}/{total}" if line is not None else f"Ln ?/{total}"
        right = Text(where + (" FOLLOW" if lines.follow else "") + " ")
        status.set(left, right)

    def status_extra(self) -> Text | None:
        snap = self.validation_snapshot
        text = Text()
        if self.limits and (snap is None or not snap.done):
            text.append_text(limits_text(self.limits, short=True))
        if snap is not None:
            text.append_text(summary_text(snap, self.validation_running))
        elif self.validation_running:
            text.append(" validating…", style="italic")  # before its first progress report
        return text if text else None

    def check_limits(self) -> None:
        """File-level limits the size and the line count so far already break: said at
        once (a toast the first time), not when validation reaches the end of the file."""
        index = self.index
        if index is None or not self._painted:
            return
        # Imported here, after the first frame: it does not wait for the profiles (they
        # load the SDK snapshot), and never for the validator.
        from batchtui.validation.providers import file_limits

        lines_final = self._scan_done.is_set() or index.complete
        notes = file_limits(index.size, index.line_count, self.provider, lines_final=lines_final)
        if notes == self.limits:
            return  # the common case: called with every status update
        told = {n.code for n in self.limits}
        new = [n for n in notes if n.code not in told]
        if new:
            self.notify(
                "; ".join(f"{n.code}: {n.message}" for n in new)
                + ". The Batch API will refuse this file; p splits it into parts that fit.",
                severity="error",
                timeout=12,
            )
        self.limits = notes
        if self._report is not None:
            self._report.set_limits(notes)

    def on_unmount(self) -> None:
        if self.index is not None:
            self.index.close()


_STATUS_LABELS = {
    Kind.ERRORS: "batch errors",
    Kind.ANTHROPIC_REQUESTS: "Anthropic requests",
    Kind.ANTHROPIC_RESULTS: "Anthropic results",
    Kind.GEMINI_REQUESTS: "Gemini requests",
    Kind.GEMINI_RESULTS: "Gemini results",
    Kind.FINETUNE_CHAT: "fine-tuning chat",
}


_LAYOUT_LABELS = {
    Layout.EMPTY: "empty file",
    Layout.BINARY: "binary bytes",
    Layout.LFS_POINTER: "Git LFS pointer",
    Layout.CONCATENATED: "concatenated",
    Layout.PRETTY: "pretty-printed",
}


def kind_text(kind: Sniff) -> Text:
    """The file's kind for the status bar, short: "batch output · vLLM", "batch errors ·
    Azure", "Anthropic requests", "mixed kinds"."""
    text = _STATUS_LABELS.get(kind.kind, kind.kind.label)
    if kind.kind.results and kind.runner not in (None, "openai"):
        text += " · " + ("Azure" if kind.runner == "azure" else runner_name(kind.runner) or "")
    if kind.mixed:
        text = "mixed kinds"
    layout = _LAYOUT_LABELS.get(kind.layout)
    if layout is not None:
        text = layout if kind.kind is Kind.UNKNOWN else f"{text} ({layout})"
    style = "dim" if kind.kind is Kind.INPUT else "cyan" if kind.kind.results else "yellow"
    return Text(safe(text), style=style)


def _mark(validator: Validator, line: int) -> str | None:
    severity = validator.report.severity_at(line + 1)
    return None if severity is None else severity_name(severity)


def _next_marked_row(
    marks: bytes, rows: array, count: int, cursor: int, direction: int
) -> int | None:
    """The next (or previous) row of a filter whose line has a finding."""
    order = range(cursor + 1, count) if direction > 0 else range(cursor - 1, -1, -1)
    n = len(marks)
    for row in order:
        line = rows[row]
        if line < n and marks[line]:
            return row
    return None

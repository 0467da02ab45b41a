"""The Results screen: a batch's input joined to its output and error files by custom_id.

The join runs in a thread worker (progress in bytes, Escape cancels). Then: a summary of
counts per class, the failure histogram (Enter on a group filters the list), the virtual
list of requests, and the selected request beside its answer or error. ``]``/``[`` step
through failures from anywhere on the screen; ``x`` writes the retry file, ``S`` submits it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Footer, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.results.model import SOFT_FLAGS, Flag, RequestClass, Source
from batchtui.ui.context import tui
from batchtui.ui.format import human_size
from batchtui.ui.results.export import ResultsExport
from batchtui.ui.results.find import ResultsFind
from batchtui.ui.results.problems import ProblemsScreen
from batchtui.ui.widgets.bars import ModeBar, StatusBar
from batchtui.ui.widgets.key_list import KeyList
from batchtui.ui.widgets.prompt import PromptBar
from batchtui.ui.widgets.results_detail import ResultDetail
from batchtui.ui.widgets.results_list import ResultList
from batchtui.ui.widgets.results_summary import ResultsSummary, group_label

if TYPE_CHECKING:
    from batchtui.results.result import JoinResult

# Below this width the detail panes stack; below this height the summary is two lines.
WIDE_AT = 120
TALL_AT = 32

_FAILED = (RequestClass.FAILED_HTTP, RequestClass.FAILED, RequestClass.CANCELLED)
_OTHER_SOFT = int(Flag.CONTENT_FILTER | Flag.REFUSAL | Flag.EMPTY)


@dataclass(frozen=True, slots=True)
class ViewFilter:
    key: str
    label: str
    rows: Callable[[JoinResult], array]
    retry_scope: bool  # x writes the rows shown (else the usual retry set)


FILTERS = (
    ViewFilter("all", "all requests", lambda r: r.rows(), False),
    ViewFilter("problems", "all problems", lambda r: r.problem_rows(), False),
    ViewFilter("failed", "failed", lambda r: r.rows(_FAILED), True),
    ViewFilter("expired", "expired", lambda r: r.rows([RequestClass.EXPIRED]), True),
    ViewFilter("missing", "missing", lambda r: r.rows([RequestClass.MISSING]), True),
    ViewFilter("truncated", "truncated", lambda r: r.rows(flags=int(Flag.TRUNCATED)), True),
    ViewFilter(
        "flagged",
        "flagged answers",
        lambda r: r.rows([RequestClass.SUCCEEDED], flags=int(SOFT_FLAGS)),
        True,
    ),
    ViewFilter("unexpected", "unexpected", lambda r: r.rows([RequestClass.UNEXPECTED]), False),
    ViewFilter(
        "duplicates",
        "answered twice",
        lambda r: r.rows(flags=int(Flag.DUPLICATE | Flag.DUPLICATE_INPUT)),
        False,
    ),
    ViewFilter("succeeded", "succeeded", lambda r: r.rows([RequestClass.SUCCEEDED]), False),
)
FILTER_BY_KEY = {f.key: f for f in FILTERS}


class ResultsScreen(ResultsFind, ResultsExport):
    """Step through a batch's failures, next to the requests that caused them (finding a
    request and the exports are in ui/results/)."""

    help_title = "Results"
    CSS_PATH = "../results.tcss"  # loaded when the screen is first shown

    BINDINGS = [
        Binding(
            "right_square_bracket", "step_failure(1)", "Next failure", id="results.next_failure"
        ),
        Binding(
            "left_square_bracket",
            "step_failure(-1)",
            "Prev failure",
            id="results.previous_failure",
        ),
        Binding("f", "cycle_filter(1)", "Filter", id="results.filter"),
        Binding("F", "cycle_filter(-1)", "Filter (back)", show=False, id="results.filter_back"),
        Binding("h", "focus_histogram", "Failure groups", show=False, id="results.histogram"),
        Binding("slash", "find('search')", "Search", id="results.search"),
        Binding("n", "search_next(1)", "Next match", show=False, id="results.search_next"),
        Binding("N", "search_next(-1)", "Previous match", show=False, id="results.search_previous"),
        Binding("i", "find('custom_id')", "custom_id", id="results.custom_id"),
        Binding("colon", "find('goto')", "Go to line", id="results.goto"),
        Binding("enter,l", "open_request", "Open line", id="results.open_line"),
        Binding(
            "b",
            "browse_rows",
            "Browse these requests in the input (a filter)",
            show=False,
            id="results.browse_rows",
        ),
        Binding("x", "export_retry", "Retry file", id="results.export_retry"),
        Binding("S", "submit_retry", "Submit retry", id="results.submit_retry"),
        Binding("E", "export_results", "Export", id="results.export_results"),
        Binding("r", "toggle_json", "JSON/transcript", show=False, id="results.json"),
        Binding("p", "show_problems", "Broken lines", show=False, id="results.problems"),
        Binding("y", "copy_id", "Copy custom_id", show=False, id="results.copy_id"),
        Binding("R", "rejoin", "Join again", show=False, id="results.rejoin"),
        Binding("escape", "escape", "Cancel / clear filter", show=False, id="results.escape"),
    ]

    # Actions that need a finished join; hidden from the footer until there is one.
    NEEDS_RESULT = frozenset(
        {
            "step_failure",
            "cycle_filter",
            "focus_histogram",
            "open_request",
            "browse_rows",
            "export_retry",
            "submit_retry",
            "export_results",
            "toggle_json",
            "show_problems",
            "copy_id",
            "find",
            "search_next",
        }
    )

    # -- messages from the workers -----------------------------------------------------

    @dataclass(eq=False)
    class JoinProgress(Message):
        generation: int
        phase: str
        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ResultsScreen.JoinProgress)

    @dataclass(eq=False)
    class JoinFinished(Message):
        generation: int
        result: JoinResult | None
        error: str | None = None
        cancelled: bool = False

    @dataclass(eq=False)
    class CostsReady(Message):
        """What the joined requests cost (priced in a worker: genai-prices loads slowly)."""

        generation: int
        costs: Any

    # -- setup ---------------------------------------------------------------------------

    def __init__(
        self,
        input_path: str | None = None,
        output_path: str | None = None,
        error_path: str | None = None,
        batch: Any = None,
        batch_id: str | None = None,
    ) -> None:
        super().__init__()
        self.input_path = input_path or None
        self.output_path = output_path or None
        self.error_path = error_path or None
        self.batch_view = batch  # not "batch": that is Textual's Widget.batch()
        self.batch_id = batch_id or (getattr(batch, "id", None) if batch is not None else None)
        self.result: JoinResult | None = None
        self.filter_key = "all"
        self.group_id: int | None = None
        self.retry_path: str | None = None
        self.joining = False
        self._generation = 0
        self._pending: dict[str, Any] = {}
        self._problem_views: dict[tuple[str, int | None], array] = {}
        self._search_text = ""  # the last search, for n and N
        self._search_status = ""

    def compose(self) -> ComposeResult:
        yield ModeBar("results", self._title(), id="mode-bar")
        yield Static("", id="results-empty", markup=False)
        with Vertical(id="results-wait"):
            yield Static("", id="results-message", markup=False)
            with Center():
                yield ProgressBar(id="join-progress", show_eta=False)
        with Vertical(id="results-main"):
            with Vertical(id="results-top"):
                yield ResultsSummary(id="results-summary")
                yield KeyList(
                    help_title="Failure groups",
                    enter_help="Show only this group (Enter again: all requests)",
                    id="histogram",
                )
            yield ResultList(id="results-list")
            yield ResultDetail(id="results-detail")
        yield StatusBar(id="results-status")
        yield PromptBar(id="results-prompt")
        yield Footer()

    def _title(self) -> str:
        parts = []
        if self.batch_id:
            parts.append(self.batch_id)
        first = self.input_path or self.output_path or self.error_path
        if first:
            parts.append(first)
        return safe(" · ".join(parts))

    @property
    def has_files(self) -> bool:
        return bool(self.input_path or self.output_path or self.error_path)

    @property
    def results_list(self) -> ResultList:
        return self.query_one(ResultList)

    @property
    def detail(self) -> ResultDetail:
        return self.query_one(ResultDetail)

    @property
    def histogram(self) -> OptionList:
        return self.query_one("#histogram", OptionList)

    def on_mount(self) -> None:
        self.query_one("#histogram").border_title = "Failures by code · Enter filters"
        self._apply_size(self.size.width, self.size.height)
        self.query_one("#results-main").display = False
        self.query_one("#results-wait").display = False
        if not self.has_files:
            self._show_empty(
                "No results open.\n\n"
                "In Batches (2), press o on a finished batch to download its files and open "
                "them here; in the File view, o on an output or error file; or run:\n\n"
                "  batchtui results --input IN.jsonl --output OUT.jsonl --errors ERR.jsonl"
            )
            return
        self.query_one("#results-empty").display = False
        self.start_join()

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "join")
        if self.result is not None:
            self.result.close()
            self.result = None

    def on_resize(self, event: Any) -> None:
        self._apply_size(event.size.width, event.size.height)
        self.call_after_refresh(self._mark_histogram)

    def _apply_size(self, width: int, height: int) -> None:
        narrow = width < WIDE_AT
        compact = narrow or height < TALL_AT
        self.set_class(narrow, "-narrow")
        self.set_class(not narrow, "-wide")
        self.set_class(compact, "-compact")
        self.set_class(not compact, "-roomy")
        self.query_one(ResultsSummary).set_compact(compact)
        self.detail.set_narrow(narrow)

    def _show_empty(self, message: str) -> None:
        empty = self.query_one("#results-empty", Static)
        empty.update(Text(message))
        empty.display = True
        self.refresh_bindings()
        self.query_one("#results-main").display = False
        self.query_one("#results-wait").display = False
        self.update_status()

    # -- the join ------------------------------------------------------------------------

    def start_join(self) -> None:
        if not self.has_files:
            return
        self._generation += 1
        self.joining = True
        if self.result is not None:  # joining again: the old files may have changed
            self.results_list.set_result(None)
            self.result.close()
            self.result = None
        self.query_one("#results-empty").display = False
        self.query_one("#results-main").display = False
        self.query_one("#results-wait").display = True
        self.query_one("#join-progress", ProgressBar).update(total=None, progress=0)
        self._set_wait_message("starting", 0, 0)
        self.refresh_bindings()
        self._join(self._generation, self.input_path, self.output_path, self.error_path)

    @work(thread=True, exclusive=True, group="join", exit_on_error=False)
    def _join(self, generation: int, inp: str | None, out: str | None, err: str | None) -> None:
        from batchtui.results import JoinCancelled, join

        worker = get_current_worker()
        try:
            result = join(
                inp,
                out,
                err,
                progress=lambda p: self.post_message(
                    self.JoinProgress(generation, p.phase, p.done, p.total)
                ),
                cancelled=lambda: worker.is_cancelled,
            )
        except JoinCancelled:
            self.post_message(self.JoinFinished(generation, None, cancelled=True))
            return
        except UserError as exc:
            self.post_message(self.JoinFinished(generation, None, error=exc.message))
            return
        if worker.is_cancelled:
            result.close()
            self.post_message(self.JoinFinished(generation, None, cancelled=True))
            return
        self.post_message(self.JoinFinished(generation, result))

    def _set_wait_message(self, phase: str, done: int, total: int) -> None:
        names = [Path(p).name for p in (self.input_path, self.output_path, self.error_path) if p]
        text = Text("Joining ", style="bold")
        text.append(safe(", ".join(names)))
        text.append(" by custom_id\n")
        text.append(safe(phase), style="cyan")
        if total:
            text.append(f" · {human_size(done)} of {human_size(total)}")
        text.append("   Esc cancels", style="dim")
        self.query_one("#results-message", Static).update(text)

    @on(JoinProgress)
    def _on_join_progress(self, event: JoinProgress) -> None:
        if event.generation != self._generation:
            return
        self.query_one("#join-progress", ProgressBar).update(
            total=max(1, event.total), progress=event.done
        )
        self._set_wait_message(event.phase, event.done, event.total)

    @on(JoinFinished)
    def _on_join_finished(self, event: JoinFinished) -> None:
        if event.generation != self._generation:
            if event.result is not None:
                event.result.close()
            return
        self.joining = False
        if event.result is None:
            if event.cancelled:
                self._show_empty("Join cancelled. Press R to run it again.")
            else:
                self._show_empty(
                    f"Could not join the files:\n\n{safe(event.error)}\n\nPress R to try again."
                )
            return
        if self.result is not None:
            self.result.close()
        self.result = event.result
        self._problem_views.clear()
        self.query_one("#results-wait").display = False
        self.query_one("#results-main").display = True
        self.results_list.set_result(self.result)
        self.filter_key, self.group_id = "all", None
        self._fill_histogram()
        self._apply_view(first=True)
        self.results_list.focus()
        self.refresh_bindings()
        self._price(self._generation, self.result)

    @work(thread=True, exclusive=True, group="costs", exit_on_error=False)
    def _price(self, generation: int, result: JoinResult) -> None:
        from batchtui.ui.costs import model_of, result_costs
        from batchtui.ui.estimate import price_book

        try:
            costs = result_costs(result, model_of(result, self.batch_view), price_book(self.app))
        except (OSError, ValueError):  # joined again meanwhile: its files were closed
            return
        self.post_message(self.CostsReady(generation, costs))

    @on(CostsReady)
    def _on_costs(self, event: CostsReady) -> None:
        if event.generation == self._generation and self.result is not None:
            self.query_one(ResultsSummary).set_costs(event.costs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.NEEDS_RESULT and self.result is None:
            return False
        return not (action == "rejoin" and (not self.has_files or self.joining))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place unexpected worker failures surface (never a traceback)."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        message = (
            error.message if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        )
        if event.worker.group == "join":
            self.joining = False
            self._show_empty(
                f"Could not join the files:\n\n{safe(message)}\n\nPress R to try again."
            )
        else:
            self.notify(safe(message), severity="error", timeout=8)

    def action_rejoin(self) -> None:
        if not self.has_files:
            return
        if any(w.group == "export" and w.is_running for w in self.workers):
            self.notify("An export is being written; join again when it is done.")
            return
        self.start_join()

    def action_escape(self) -> None:
        if self._search_status:
            self.workers.cancel_group(self, "search")
            self._search_status = ""
            self.notify("Search cancelled.")
            self.update_status()
        elif self.joining:
            self.workers.cancel_group(self, "join")
            self.notify("Cancelling the join…")
        elif self.group_id is not None or self.filter_key != "all":
            self.filter_key, self.group_id = "all", None
            self._apply_view()
            self.results_list.focus()

    # -- the view: filter, histogram, list -----------------------------------------------

    def current_rows(self) -> array:
        assert self.result is not None
        if self.group_id is not None:
            return self.result.rows(group=self.group_id)
        return FILTER_BY_KEY[self.filter_key].rows(self.result)

    def view_label(self) -> str:
        if self.group_id is not None and self.result is not None:
            return f"failure group {self.result.group(self.group_id).code}"
        return FILTER_BY_KEY[self.filter_key].label

    def _apply_view(self, first: bool = False) -> None:
        if self.result is None:
            return
        lst = self.results_list
        keep = None if first else lst.current_row
        lst.set_rows(self.current_rows(), keep)
        # The label may hold an error code from the error file: Text, never markup.
        lst.border_title = Text(f"Requests · {safe(self.view_label())} · {len(lst.rows):,}")
        self.query_one(ResultsSummary).show(
            self.result, self.filter_key if self.group_id is None else ""
        )
        self._mark_histogram()
        self.update_status()

    def _fill_histogram(self) -> None:
        hist = self.histogram
        hist.clear_options()
        groups = self.result.histogram() if self.result is not None else []
        hist.display = bool(groups)
        if not groups:
            return
        biggest = groups[0].count
        width = self._histogram_width()
        hist.add_options(
            Option(group_label(g, biggest, g.id == self.group_id, width), id=str(g.id))
            for g in groups
        )
        # The real width is known once laid out; labels are cut to it, never wrapped.
        self.call_after_refresh(self._mark_histogram)

    def _histogram_width(self) -> int:
        hist = self.histogram
        width = hist.scrollable_content_region.width
        return (width if width > 0 else self.size.width) - 1

    def _mark_histogram(self) -> None:
        hist = self.histogram
        if self.result is None or not hist.option_count:
            return
        highlighted = hist.highlighted
        groups = self.result.histogram()
        biggest = groups[0].count if groups else 1
        width = self._histogram_width()
        for i, g in enumerate(groups):
            hist.replace_option_prompt_at_index(
                i, group_label(g, biggest, g.id == self.group_id, width)
            )
        if highlighted is not None:
            hist.highlighted = highlighted

    @on(OptionList.OptionSelected, "#histogram")
    def _on_group_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        gid = int(event.option.id)
        self.select_group(None if gid == self.group_id else gid)
        # The filtered list is what comes next (j/k, Enter opens a request); leaving focus
        # here made a second Enter clear the filter again.
        self.results_list.focus()

    def select_group(self, gid: int | None) -> None:
        """Filter the list to one failure group (None: back to all requests)."""
        self.group_id = gid
        self.filter_key = "all"
        self._apply_view(first=gid is not None)

    def action_focus_histogram(self) -> None:
        hist = self.histogram
        if self.result is None or not hist.option_count:
            self.notify("No failures to group.")
            return
        hist.focus()
        active = next(
            (
                i
                for i in range(hist.option_count)
                if hist.get_option_at_index(i).id == str(self.group_id)
            ),
            None,
        )
        if active is not None:
            hist.highlighted = active
        elif hist.highlighted is None:
            hist.highlighted = 0

    def action_cycle_filter(self, direction: int) -> None:
        if self.result is None:
            return
        keys = [f.key for f in FILTERS if f.key == "all" or f.rows(self.result)]
        current = self.filter_key if self.group_id is None else "all"
        pos = keys.index(current) if current in keys else 0
        self.filter_key = keys[(pos + direction) % len(keys)]
        self.group_id = None
        self._apply_view()

    def set_filter(self, key: str) -> None:
        self.filter_key = key
        self.group_id = None
        self._apply_view()

    @on(ResultList.CursorMoved)
    def _on_cursor(self, event: ResultList.CursorMoved) -> None:
        if self.result is None:
            return
        if event.row is None:
            self.detail.clear("No request matches this filter. f changes it, Esc clears it.")
        else:
            self.detail.show(self.result, event.row)
        self.update_status()

    # -- stepping through failures -------------------------------------------------------

    def _stops_on_flagged(self) -> bool:
        """Whether ``]`` stops on flagged successes (truncated, refused, filtered, empty):
        only in a view the user chose. In the whole list it stops on failures alone."""
        return self.group_id is not None or self.filter_key != "all"

    def _view_problems(self) -> array | None:
        """Problem rows in the current view (None: the view is everything)."""
        assert self.result is not None
        if self.group_id is None and self.filter_key in ("all", "problems"):
            return None
        key = (self.filter_key, self.group_id)
        cached = self._problem_views.get(key)
        if cached is None:
            result = self.result
            cached = array("i", (r for r in self.current_rows() if result.is_problem(r)))
            self._problem_views[key] = cached
        return cached

    def action_step_failure(self, direction: int) -> None:
        result = self.result
        if result is None:
            return
        lst = self.results_list
        current = lst.current_row
        within = self._view_problems()
        if within is not None and not within:
            if not result.problem_rows(soft=False):
                self.notify(self._no_failures())
                return
            self.notify(f"No failures among {self.view_label()}: showing all requests.")
            self.filter_key, self.group_id = "all", None
            self._apply_view()
            within = None
        target = result.next_failure(
            current, backward=direction < 0, within=within, soft=self._stops_on_flagged()
        )
        if target is None:
            self.notify(self._no_failures())
            return
        if current is not None and (
            (direction > 0 and target <= current) or (direction < 0 and target >= current)
        ):
            self.notify("Wrapped around." if target != current else "This is the only failure.")
        lst.select_row(target)

    def _no_failures(self) -> str:
        assert self.result is not None
        flagged = len(self.result.problem_rows()) - len(self.result.problem_rows(soft=False))
        if not flagged:
            return "No failures: every request got a clean answer."
        return (
            f"No failures. {flagged:,} answer(s) are flagged (truncated, refused, filtered or "
            "empty): f shows them, and ] walks them there."
        )

    # -- opening the request in the browser ----------------------------------------------

    async def action_open_request(self) -> None:
        result = self.result
        row = self.results_list.current_row if result is not None else None
        if result is None or row is None:
            return
        line = result.input_line(row)
        path = result.path(Source.INPUT)
        if line is None:
            answer = result.result_answer(row)
            if answer is None:
                return
            path = result.path(answer.source) or path
            line = answer.line
        if path is None:
            return
        app = tui(self)
        await app.open_file(path, line + 1)

    async def action_browse_rows(self) -> None:
        """b: the input file in the browser, showing only the requests of this list (the
        failed ones, a failure group ...): fix them, or export exactly that subset."""
        from array import array

        result = self.result
        if result is None:
            return
        if result.input_index is None:
            self.notify("These results were opened without their input file.")
            return
        lines = sorted(
            {ln for r in self.current_rows() if (ln := result.input_line(r)) is not None}
        )
        if not lines:
            self.notify("No request of this list is in the input file.")
            return
        app: Any = self.app
        await app.open_file(
            result.input_index.path,
            lines[0] + 1,
            filter_lines=array("q", lines),
            filter_label=f"{self.view_label()} (results)",
        )

    # -- exports -------------------------------------------------------------------------
    def retry_selection(self) -> tuple[list[int], str]:
        """Rows ``x`` writes and how to say it: the rows shown when the view is a kind of
        failure (or one failure group), else every failed, expired and missing request."""
        assert self.result is not None
        result = self.result
        scoped = self.group_id is not None or FILTER_BY_KEY[self.filter_key].retry_scope
        if scoped:
            rows = [r for r in self.current_rows() if result.input_line(r) is not None]
            return rows, self.view_label()
        from batchtui.results import retry_rows

        return retry_rows(result), "failed, expired, cancelled, missing"

    # -- small actions -------------------------------------------------------------------

    def action_toggle_json(self) -> None:
        detail = self.detail
        detail.json_mode = not detail.json_mode
        row = self.results_list.current_row
        if self.result is not None and row is not None:
            detail.show(self.result, row, force=True)

    def action_copy_id(self) -> None:
        row = self.results_list.current_row
        if self.result is None or row is None:
            return
        cid = self.result.custom_id(row)
        self.app.copy_to_clipboard(cid)
        self.notify(f"Copied {safe(cid)[:80]}")

    def action_show_problems(self) -> None:
        result = self.result
        if result is None:
            return
        if not result.problems:
            self.notify("No broken lines: every line of the three files was read.")
            return

        async def done(choice: tuple[str, int] | None) -> None:
            if choice is not None:
                app = tui(self)
                await app.open_file(choice[0], choice[1] + 1)

        self.app.push_screen(ProblemsScreen(result), done)

    # -- status --------------------------------------------------------------------------

    def update_status(self) -> None:
        status = self.query_one(StatusBar)
        what = self._pending.get("what")
        if what:
            status.set(Text(f" {safe(what)}", style="bold"), Text(""))  # a group code is data
            return
        result = self.result
        if result is None:
            status.set(Text(" no results" if not self.joining else " joining…"), Text(""))
            return
        lst = self.results_list
        left = Text(" ")
        left.append(safe(self.view_label()), style="bold")
        left.append(f" · {len(lst.rows):,} of {result.row_count:,}")
        if self.filter_key != "all" or self.group_id is not None:
            left.append(" · Esc shows all", style="dim")
        if self.retry_path:
            left.append(" · retry file ", style="dim")
            left.append(safe(Path(self.retry_path).name), style="cyan")
        if self._search_status:
            left.append(f" · {self._search_status}", style="cyan")
        row = lst.current_row
        right = Text("")
        if row is not None:
            line = result.input_line(row)
            answer = result.result_answer(row)
            if line is not None:
                where = f"input line {line + 1:,}"
            elif result.input_index is None and answer is not None:
                where = f"{answer.source.label} line {answer.line + 1:,}"
            else:
                where = "not in input"
            right = Text(f"{lst.cursor + 1:,}/{len(lst.rows):,} · {where} ")
        status.set(left, right)

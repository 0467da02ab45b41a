"""The detail of one joined request: the request as a transcript beside its answer or error.

Wide screens put the two panes side by side, each scrolling on its own; narrow ones stack
them (answer first, the request below) in one scrolling column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, VerticalScroll
from textual.widgets import Static

from batchtui.core.text import safe
from batchtui.cost.receipt import tokens_text
from batchtui.jsonl import bodies
from batchtui.jsonl.kinds import LineKind
from batchtui.results.model import Flag, RequestClass, Source, flag_names
from batchtui.ui.cells import drawable
from batchtui.ui.format import human_size
from batchtui.ui.transcript import (
    DETAIL_PARSE_CAP,
    DETAIL_RAW_CAP,
    multiline,
    part_turns,
    pretty_json,
    transcript,
)
from batchtui.ui.widgets.results_list import MARKS, row_kind
from batchtui.ui.widgets.results_summary import KIND_STYLES

if TYPE_CHECKING:
    from batchtui.jsonl import LineIndex
    from batchtui.results.model import Answer, Outcome, RowDetail
    from batchtui.results.result import JoinResult


def _index_of(result: JoinResult, source: Source) -> LineIndex | None:
    return {
        Source.INPUT: result.input_index,
        Source.OUTPUT: result.output_index,
        Source.ERRORS: result.errors_index,
    }.get(source)


def _multiline(text: str, style: str = "") -> Text:
    return Text(multiline(text), style=style)


def _parse(data: bytes | None, full_length: int) -> tuple[Any, RenderableType | None]:
    """(object, None) when ``data`` parses; otherwise (None, something to show instead)."""
    if data is None:
        return None, None
    if full_length > len(data):
        shown = drawable(safe(data[:DETAIL_RAW_CAP]))
        return None, Group(
            Text(f"Line is {human_size(full_length)}: too long to show parsed.", style="yellow"),
            Text(shown),
            Text(
                f"… {full_length - min(len(data), DETAIL_RAW_CAP):,} more bytes",
                style="dim italic",
            ),
        )
    try:
        return orjson.loads(data.removeprefix(b"\xef\xbb\xbf")), None
    except orjson.JSONDecodeError as exc:
        shown = drawable(safe(data[:DETAIL_RAW_CAP]))
        return None, Group(Text(f"Not valid JSON: {exc}", style="bold red"), Text(shown))


def outcome_table(detail: RowDetail, outcome: Outcome | None) -> Table:
    """The facts about an answer: class, status, error code and message, finish, usage."""
    kind = row_kind(detail.klass, detail.flags)
    t = Table.grid(padding=(0, 1))
    t.add_column(style="dim", no_wrap=True)
    t.add_column()
    label = detail.klass.label
    head = Text(f"{MARKS[kind][0]} {label}", style=f"bold {KIND_STYLES[kind]}")
    if outcome is not None and outcome.status_code:
        head.append(f" · HTTP {outcome.status_code}", style="bold")
    t.add_row("outcome", head)
    flags = [n for n in flag_names(detail.flags)]
    if flags:
        t.add_row("flags", Text(", ".join(flags), style="yellow"))
    error = outcome.error if outcome is not None else None
    if error is not None:
        t.add_row("code", Text(safe(error.code), style="bold red"))
        if error.type:
            t.add_row("type", Text(safe(error.type)))
        if error.param:
            t.add_row("param", Text(safe(error.param)))
        t.add_row("message", _multiline(error.message, "red"))
    if outcome is not None:
        if outcome.finish_reason:
            style = "yellow" if detail.flags & (Flag.TRUNCATED | Flag.CONTENT_FILTER) else ""
            t.add_row("finish", Text(safe(outcome.finish_reason), style=style))
        u = outcome.usage
        if u.total_tokens:
            t.add_row("tokens", tokens_text(u))
    return t


def _where(source: Source, line: int) -> str:
    return f"{source.label} line {line + 1:,}"


class ResultDetail(ScrollableContainer, can_focus=False):
    """Two panes: ``#request-pane`` and ``#response-pane``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.json_mode = False
        self.narrow = False
        self._request = VerticalScroll(Static("", markup=False), id="request-pane")
        self._response = VerticalScroll(Static("", markup=False), id="response-pane")
        self._shown: tuple[int, bool] | None = None

    def compose(self) -> ComposeResult:
        self._request.add_class("detail-pane")
        self._response.add_class("detail-pane")
        yield self._request
        yield self._response

    def set_narrow(self, narrow: bool) -> None:
        """Stacked (answer first, one scroll) or side by side (request left)."""
        if narrow == self.narrow or not self.is_mounted:
            self.narrow = narrow
            return
        self.narrow = narrow
        if narrow:
            self.move_child(self._response, before=self._request)
        else:
            self.move_child(self._request, before=self._response)
        self._apply_focusability()

    def on_mount(self) -> None:
        if self.narrow:
            self.move_child(self._response, before=self._request)
        self._apply_focusability()

    def _apply_focusability(self) -> None:
        self.can_focus = self.narrow
        self._request.can_focus = not self.narrow
        self._response.can_focus = not self.narrow

    def clear(self, message: str = "") -> None:
        self._shown = None
        self._request.border_title = "Request"
        self._response.border_title = "Answer"
        self._body(self._request).update(Text(message, style="dim italic"))
        self._body(self._response).update("")

    @staticmethod
    def _body(pane: VerticalScroll) -> Static:
        return pane.query_one(Static)

    def show(self, result: JoinResult, row: int, force: bool = False) -> None:
        key = (row, self.json_mode)
        if key == self._shown and not force:
            return
        self._shown = key
        detail = result.detail(row, cap=DETAIL_PARSE_CAP)
        self._show_request(result, detail)
        self._show_response(result, detail)
        for pane in (self._request, self._response):
            pane.scroll_home(animate=False)
        self.scroll_home(animate=False)

    def _show_request(self, result: JoinResult, detail: RowDetail) -> None:
        pane = self._request
        if detail.input_line is None or result.input_index is None:
            pane.border_title = "Request"
            cid = Text("custom_id ", style="dim")
            cid.append(drawable(safe(detail.custom_id)), style="bold")
            why = (
                "No input file: the request is not shown. Open the results with the batch's "
                "input (batchtui results --input IN --output OUT) to see each request beside "
                "its answer, the requests that got none, and a retry file."
                if result.input_index is None
                else "Not in the input file: this answer's custom_id matches no request."
            )
            self._body(pane).update(Group(cid, Text(why, style="italic cyan")))
            return
        ix = result.input_index
        assert ix is not None  # an input line comes from an input file
        full = ix.span(detail.input_line).length
        pane.border_title = f"Request · input line {detail.input_line + 1:,}"
        obj, fallback = _parse(detail.input_bytes, full)
        parts: list[RenderableType] = []
        cid = Text("custom_id ", style="dim")
        cid.append(drawable(safe(detail.custom_id)), style="bold")
        if detail.flags & Flag.DUPLICATE_INPUT:
            cid.append("  (repeated in the input)", style="yellow")
        parts.append(cid)
        if fallback is not None:
            parts.append(fallback)
        elif self.json_mode:
            parts.append(pretty_json(obj))
        else:
            if isinstance(obj, dict):
                target = " ".join(safe(str(obj[k])) for k in ("method", "url") if obj.get(k))
                model = (
                    obj.get("body", {}).get("model") if isinstance(obj.get("body"), dict) else None
                )
                if model:
                    target += f" · {safe(str(model))}"
                if target:
                    parts.append(Text(target, style="dim"))
            turns = transcript(obj)
            parts.append(Group(*turns) if turns else pretty_json(obj))
        self._body(pane).update(Group(*parts))

    def _show_response(self, result: JoinResult, detail: RowDetail) -> None:
        pane = self._response
        answer = detail.result
        if answer is None:
            pane.border_title = "Answer"
            body = Group(
                outcome_table(detail, None),
                Text(""),
                Text(
                    "No answer: this request is in neither the output nor the error file. "
                    "It goes in the retry file (x).",
                    style="italic",
                ),
            )
            self._body(pane).update(body)
            return
        title = "Error" if detail.klass not in (RequestClass.SUCCEEDED,) else "Answer"
        if detail.klass == RequestClass.UNEXPECTED:
            title = "Answer"
        pane.border_title = f"{title} · {_where(answer.source, answer.line)}"
        ix = _index_of(result, answer.source)
        full = ix.span(answer.line).length if ix is not None else 0
        obj, fallback = _parse(detail.result_bytes, full)
        parts: list[RenderableType] = [outcome_table(detail, detail.outcome)]
        if fallback is not None:
            parts.extend((Text(""), fallback))
        elif self.json_mode:
            parts.extend((Text(""), pretty_json(obj)))
        elif detail.klass == RequestClass.SUCCEEDED or detail.klass == RequestClass.UNEXPECTED:
            turns = _answer_turns(obj)
            if turns:
                parts.append(Text(""))
                parts.extend(turns)
        if detail.other_answers:
            parts.append(Text(""))
            parts.append(Text(_others(detail.other_answers), style="yellow"))
        parts.append(Text(""))
        parts.append(Text("r: JSON / transcript", style="dim italic"))
        self._body(pane).update(Group(*parts))


def _answer_turns(obj: Any) -> list[Text]:
    """The answer's parts, without the status, usage and finish lines the outcome table
    already shows."""
    result = bodies.read_result(obj, LineKind.OUTPUT) if isinstance(obj, dict) else None
    return part_turns(result.parts) if result is not None else []


def _others(answers: tuple[Answer, ...]) -> str:
    where = ", ".join(_where(a.source, a.line) for a in answers[:10])
    more = f" and {len(answers) - 10:,} more" if len(answers) > 10 else ""
    return f"Also answered at {where}{more}."

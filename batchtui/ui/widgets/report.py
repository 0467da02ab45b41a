"""The validation report pane: progress, counts by severity, findings grouped by rule."""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from batchtui.core.text import safe
from batchtui.ui.format import (  # (the status bar's helpers, here for the report's own use)
    SEVERITY_LOOK,
    limits_text,
    severity_name,
    summary_text,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from batchtui.validation.engine import Validator
    from batchtui.validation.findings import Finding
    from batchtui.validation.providers import LimitNote
    from batchtui.validation.report import Group, ReportSnapshot

# Findings listed under a rule at a time; "more" loads the next page by re-checking lines.
PAGE = 200


def finding_label(f: Finding, with_code: bool = False) -> Text:
    symbol, style = SEVERITY_LOOK.get(severity_name(f.severity), ("•", ""))
    text = Text()
    text.append(f"line {f.line:,}  " if f.line is not None else "file  ", style="bold")
    if with_code:
        text.append(f"{symbol} {f.code}  ", style=style)
    if f.path:
        text.append(safe(f.path) + "  ", style="cyan")
    text.append(safe(f.message))
    return text


class FindingsTree(Tree[Any]):
    help_title = "Report"  # the keys help names the area so


class ReportView(Vertical, can_focus=False):
    """Groups are tree nodes; Enter on a finding asks the screen to jump to its line, F to
    show only the lines of its rule."""

    BINDINGS = [
        Binding("F", "filter_rule", "Only this rule's lines", id="report.filter_rule"),
    ]

    class JumpTo(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    class FilterRule(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def action_filter_rule(self) -> None:
        node = self.findings.cursor_node
        data = node.data if node is not None else None
        code = data[1] if isinstance(data, tuple) else getattr(data, "code", None)
        if code:
            self.post_message(self.FilterRule(code))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.validator: Validator | None = None
        self.snapshot: ReportSnapshot | None = None
        self.running = False
        self._groups: dict[str, TreeNode[Any]] = {}
        self._shown: dict[str, int] = {}  # findings listed per code
        self.pending: tuple[ReportSnapshot, bool] | None = None  # not drawn while hidden
        self.limits: list[LimitNote] = []
        self.estimate: Text | None = None  # the cost lines (batchtui.ui.estimate)

    def compose(self) -> ComposeResult:
        yield Static(summary_text(None, False), id="report-summary", markup=False)
        tree = FindingsTree("findings", id="report-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree

    @property
    def findings(self) -> Tree[Any]:
        return self.query_one("#report-tree", Tree)

    def reset(self, validator: Validator | None) -> None:
        self.validator = validator
        self.snapshot = None
        self.pending = None
        self._groups.clear()
        self._shown.clear()
        self.findings.clear()
        self.set_limits(self.limits)

    def update_snapshot(self, snap: ReportSnapshot, running: bool) -> None:
        self.pending = None
        self.snapshot = snap
        self.running = running
        self._draw_summary()
        tree = self.findings
        seen = set()
        for group in snap.groups:
            seen.add(group.code)
            node = self._groups.get(group.code)
            if node is None:
                node = tree.root.add(self._group_label(group), data=("group", group.code))
                self._groups[group.code] = node
                self._shown[group.code] = 0
            else:
                node.set_label(self._group_label(group))
            if self._shown[group.code] < len(group.examples) and not node.is_expanded:
                self._fill(node, group)
        for code in list(self._groups):
            if code not in seen:  # e.g. a rule that no longer fires after an edit
                self._groups.pop(code).remove()
                self._shown.pop(code, None)

    def set_limits(self, notes: Sequence[LimitNote]) -> None:
        """File-level limits known before validation ends (shown until its own findings)."""
        self.limits = list(notes)
        self._draw_summary()

    def set_estimate(self, text: Text | None) -> None:
        """The cost lines under the counts (filled in the background)."""
        self.estimate = text
        self._draw_summary()

    def _draw_summary(self) -> None:
        snap = self.snapshot
        summary = self._header(snap, self.running) if snap else summary_text(None, False)
        if snap is None and self.limits:
            summary = Text.assemble(summary, "\n", limits_text(self.limits, short=False))
        if self.estimate is not None:
            summary = Text.assemble(summary, "\n", self.estimate)
        self.query_one("#report-summary", Static).update(summary)

    def _header(self, snap: ReportSnapshot, running: bool) -> Text:
        text = summary_text(snap, running)
        if not snap.done and self.limits:
            text.append("\n")
            text.append_text(limits_text(self.limits, short=False))
        if snap.endpoint or snap.model:
            text.append(
                f"\n {safe(snap.endpoint or '?')} · {safe(snap.model or '?')}",
                style="dim",
            )
        return text

    @staticmethod
    def _group_label(group: Group) -> Text:
        symbol, style = SEVERITY_LOOK.get(severity_name(group.severity), ("•", ""))
        text = Text(f"{symbol} ", style=style)
        text.append(group.code, style=style)
        text.append(f"  {group.count:,}", style="bold")
        if group.lines and group.lines != group.count:
            text.append(f" on {group.lines:,} lines", style="dim")
        text.append(f"  {safe(group.title)}", style="dim")
        return text

    def _fill(self, node: TreeNode[Any], group: Group) -> None:
        """List the report's examples of a group (bounded), plus a 'more' node if needed."""
        node.remove_children()
        for f in group.examples:
            node.add_leaf(finding_label(f), data=f)
        self._shown[group.code] = len(group.examples)
        self._add_more(node, group.code, group.count)

    def _add_more(self, node: TreeNode[Any], code: str, count: int) -> None:
        rest = count - self._shown[code]
        if rest > 0:
            node.add_leaf(
                Text(f"… {rest:,} more (Enter lists {min(rest, PAGE):,})", style="dim italic"),
                data=("more", code),
            )

    def _load_more(self, more: TreeNode[Any], code: str) -> None:
        """Re-derive the next page of one rule's findings from the file (no findings list is
        kept in memory, however many there are)."""
        if self.validator is None or more.parent is None:
            return
        parent = more.parent
        more.remove()
        shown = self._shown[code]
        # The rule's children: a page of findings, then a ("more", code) node.
        listed: list[Finding] = [
            c.data for c in parent.children if c.data is not None and not isinstance(c.data, tuple)
        ]
        last = listed[-1].line if listed and listed[-1].line is not None else 0
        # Resume after the last listed line instead of re-deriving everything before it.
        page = list(islice(self.validator.iter_findings(code, start_line=last + 1), PAGE))
        for f in page:
            parent.add_leaf(finding_label(f), data=f)
        self._shown[code] = shown + len(page)
        group = next(
            (g for g in (self.snapshot.groups if self.snapshot else ()) if g.code == code), None
        )
        if group is not None and page:
            self._add_more(parent, code, group.count)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Any]) -> None:
        event.stop()
        data = event.node.data
        if isinstance(data, tuple) and data[0] == "more":
            self._load_more(event.node, data[1])
        elif isinstance(data, tuple) and data[0] == "group":
            pass  # the tree expands or collapses it by itself
        elif data is not None:
            self.post_message(self.JumpTo(data))

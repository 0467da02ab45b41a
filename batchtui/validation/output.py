"""Headless output of findings: compiler-style text, JSON, GitHub workflow annotations.

Writers receive findings as the validator streams them, so text and GitHub output appear while
a large file is still being checked, and memory stays bounded: the JSON writer spools its
findings to a temporary file (in memory up to a few MB) until the summary is known.
Control characters from the file's data never reach the terminal: every line of text is
passed through :func:`batchtui.core.text.safe`, and JSON is written by
:func:`batchtui.core.text.safe_json` (C1, bidi and lone surrogates escaped too).
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

from batchtui.core.text import safe, safe_json
from batchtui.validation.findings import Finding, Severity
from batchtui.validation.report import ReportSnapshot

SPOOL_BYTES = 4 * 1024 * 1024
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def summary_line(snap: ReportSnapshot, shown: int, total: int) -> str:
    """``a.jsonl: 1,204 lines, batch input (/v1/chat/completions, gpt-4o-mini): 3 errors,
    1 warning, 0 info`` (the kind is left out when the caller chose the rules)."""
    what = ", ".join(x for x in (snap.endpoint, snap.model) if x)
    head = f"{safe(snap.path)}: {_plural(snap.lines_checked, 'line')}"
    if snap.kind is not None:
        head += f", {snap.kind.label()}"
    if what:
        head += f" ({safe(what)})"
    if snap.total == 0:
        return head + ": no problems found"
    counts = (
        f"{_plural(snap.errors, 'error')}, {_plural(snap.warnings, 'warning')}, {snap.infos:,} info"
    )
    if shown < total:
        counts += f" ({total - shown:,} not shown)"
    return f"{head}: {counts}"


class Writer:
    """Base: counts what it shows, up to ``max_findings`` per file."""

    def __init__(self, out: IO[str], max_findings: int | None = None) -> None:
        self.out = out
        self.max_findings = max_findings
        self.shown = 0
        self.total = 0
        self.provider: str | None = None  # the profile the files are checked against

    def begin(self, path: str) -> None:
        self.path = path
        self.shown = 0
        self.total = 0

    def findings(self, batch: list[Finding]) -> None:
        for finding in batch:
            self.total += 1
            if self.max_findings is None or self.shown < self.max_findings:
                self.shown += 1
                self.write_finding(finding)

    def write_finding(self, finding: Finding) -> None:
        raise NotImplementedError

    def end(self, snap: ReportSnapshot) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class TextWriter(Writer):
    def write_finding(self, finding: Finding) -> None:
        where = safe(self.path)
        if finding.line is not None:
            where += f":{finding.line}"
        text = f"{where}: {finding.severity.value}[{finding.code}]: {finding.message}"
        if finding.hint:
            text += f" (hint: {finding.hint})"
        self.out.write(safe(text) + "\n")

    def end(self, snap: ReportSnapshot) -> None:
        self.out.write(summary_line(snap, self.shown, self.total) + "\n")
        self.out.flush()


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubWriter(Writer):
    """``::error file=a.jsonl,line=3,title=invalid_url::message`` (GitHub Actions)."""

    def write_finding(self, finding: Finding) -> None:
        props = f"file={_gh_property(safe(self.path))}"
        if finding.line is not None:
            props += f",line={finding.line}"
        props += f",title={_gh_property(finding.code)}"
        message = finding.message + (f" Hint: {finding.hint}" if finding.hint else "")
        level = _GITHUB_LEVEL[finding.severity]
        self.out.write(f"::{level} {props}::{_gh_data(safe(message))}\n")

    def end(self, snap: ReportSnapshot) -> None:
        self.out.write(summary_line(snap, self.shown, self.total) + "\n")
        self.out.flush()


class JsonWriter(Writer):
    """One object per file; a JSON list when ``several`` files are written."""

    def __init__(self, out: IO[str], max_findings: int | None = None, several: bool = False):
        super().__init__(out, max_findings)
        self.several = several
        self.count = 0
        self._spool: Any = None
        if several:
            out.write("[")

    def begin(self, path: str) -> None:
        super().begin(path)
        # Closed in end(), once the findings are copied out.
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+")  # noqa: SIM115

    def write_finding(self, finding: Finding) -> None:
        item = {
            "line": finding.line,
            "severity": finding.severity.value,
            "code": finding.code,
            "message": finding.message,
            "path": finding.path,
            "hint": finding.hint,
        }
        if self.shown > 1:
            self._spool.write(",")
        self._spool.write(safe_json(item))

    def end(self, snap: ReportSnapshot) -> None:
        kind = snap.kind.to_dict() if snap.kind is not None else None
        head = {
            "file": self.path,
            "kind": kind.pop("kind") if kind is not None else None,
            "kind_detail": kind,
            "lines": snap.lines_checked,
            "bytes": snap.total_bytes,
            "endpoint": snap.endpoint,
            "model": snap.model,
            "provider": self.provider,
            "summary": {"errors": snap.errors, "warnings": snap.warnings, "info": snap.infos},
            "findings_total": self.total,
            "truncated": self.shown < self.total,
        }
        text = safe_json(head)
        out = self.out
        if self.several and self.count:
            out.write(",")
        out.write(text[:-1] + ', "findings": [')
        spool = self._spool
        spool.seek(0)
        while chunk := spool.read(1 << 16):
            out.write(chunk)
        spool.close()
        out.write("]}")
        if not self.several:
            out.write("\n")
        self.count += 1
        out.flush()

    def close(self) -> None:
        if self.several:
            self.out.write("]\n")
            self.out.flush()

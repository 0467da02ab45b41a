"""Validation of Batch API input files: rules, findings, the report, the streaming validator.

No Textual, no Rich, and no ``openai`` import at validate time (the SDK's facts come from
``sdk_snapshot.json``). Typical use::

    index = LineIndex(path)
    validator = Validator(index)
    validator.run(on_findings=..., on_progress=..., cancelled=...)   # in a worker thread
    validator.report.snapshot()                                        # counts, groups

The validator is split by job (see :mod:`batchtui.validation.engine`): ``engine`` runs,
``syntax`` judges what a line is, ``ruleset`` is the seam where the rules of a kind of file
plug in (``Validator(index, rules=...)``), ``tally`` is the state across lines.

Also: :func:`batchtui.validation.parallel.validate_parallel` (headless, several processes),
:func:`batchtui.validation.split.split_file` (parts that fit the limits),
:func:`batchtui.validation.rules.reference` (the rules reference), and
:mod:`batchtui.validation.providers` (every service's limits, the one source of them).

The names below load on first use: importing a light module of this package (the provider
profiles, which the browser reads at open) must not load the validator (~50 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchtui.core.lazy import lazy_exports

if TYPE_CHECKING:
    from batchtui.validation.engine import Progress, RunStatus, Validator
    from batchtui.validation.findings import Finding, Severity
    from batchtui.validation.report import Group, Report, ReportSnapshot
    from batchtui.validation.rules import RULES, Rule
    from batchtui.validation.run import validate_path

_WHERE = {
    "Progress": ".engine",
    "RunStatus": ".engine",
    "Validator": ".engine",
    "Finding": ".findings",
    "Severity": ".findings",
    "Group": ".report",
    "Report": ".report",
    "ReportSnapshot": ".report",
    "RULES": ".rules",
    "Rule": ".rules",
    "validate_path": ".run",
}

__all__ = [
    "RULES",
    "Finding",
    "Group",
    "Progress",
    "Report",
    "ReportSnapshot",
    "Rule",
    "RunStatus",
    "Severity",
    "Validator",
    "validate_path",
]

__getattr__ = lazy_exports(__name__, _WHERE)

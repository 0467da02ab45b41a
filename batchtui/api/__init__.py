"""The OpenAI Batch API layer: service, tolerant models, polling schedule, local records.

Importing the package is cheap. ``models``, ``schedule``, ``records``, ``config`` and
``errors`` use only the standard library; ``service`` (and so ``BatchService``) imports
``openai`` and is loaded on first use of those names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchtui.core.lazy import lazy_exports

if TYPE_CHECKING:
    from batchtui.api.batch_files import BatchFiles, fetch_batch_files
    from batchtui.api.config import ClientSettings
    from batchtui.api.errors import ApiError
    from batchtui.api.models import BatchView, FileView, RequestCounts
    from batchtui.api.poller import BatchPoller, Change, PollResult
    from batchtui.api.records import RecordStore, SubmissionRecord
    from batchtui.api.schedule import PollPolicy, PollSchedule
    from batchtui.api.service import BatchService, DownloadResult, Submission

_LAZY = {
    "ApiError": "batchtui.api.errors",
    "BatchFiles": "batchtui.api.batch_files",
    "BatchPoller": "batchtui.api.poller",
    "BatchService": "batchtui.api.service",
    "BatchView": "batchtui.api.models",
    "Change": "batchtui.api.poller",
    "ClientSettings": "batchtui.api.config",
    "DownloadResult": "batchtui.api.service",
    "FileView": "batchtui.api.models",
    "fetch_batch_files": "batchtui.api.batch_files",
    "PollPolicy": "batchtui.api.schedule",
    "PollResult": "batchtui.api.poller",
    "PollSchedule": "batchtui.api.schedule",
    "RecordStore": "batchtui.api.records",
    "RequestCounts": "batchtui.api.models",
    "Submission": "batchtui.api.service",
    "SubmissionRecord": "batchtui.api.records",
}
__all__ = [
    "ApiError",
    "BatchFiles",
    "BatchPoller",
    "BatchService",
    "BatchView",
    "Change",
    "ClientSettings",
    "DownloadResult",
    "FileView",
    "PollPolicy",
    "PollResult",
    "PollSchedule",
    "RecordStore",
    "RequestCounts",
    "Submission",
    "SubmissionRecord",
    "fetch_batch_files",
]


__getattr__ = lazy_exports(__name__, _LAZY)

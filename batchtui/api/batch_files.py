"""A batch's files on disk: the one download-and-cache path of the CLI and the TUI.

``batchtui results BATCH_ID``, ``batchtui batches download``, and the dashboard's ``o``
(open the results), ``d`` (download) and Enter on a line error (open the input) all come
here. Unless told another folder (``--dir``, ``--cache-dir``, the TUI's download directory),
a batch's files live in one folder of their own, ``$BATCHTUI_STATE_DIR/batches/<batch id>/``,
so the CLI and the dashboard never keep the same batch in two places.

A file already there with the size the API reports is not downloaded again: a batch's files
never change once written, and a download only ever replaces the target when it is complete
(:meth:`BatchService.download_file`). Names come from server ids: each is reduced to a plain
name inside the folder (a server may answer with ``/etc/x`` or ``../x`` as an id).

Only the standard library at import; the service (``openai``) is passed in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView
from batchtui.api.records import state_dir
from batchtui.core.paths import inside, safe_filename

if TYPE_CHECKING:
    from batchtui.api.service import BatchService, DownloadResult

# (which file: "input" | "output" | "error", bytes done, total bytes or None)
FilesProgress = Callable[[str, int, "int | None"], None]

RESULTS = ("output", "error")
EVERY_FILE = ("input", *RESULTS)


@dataclass(frozen=True)
class BatchFiles:
    """Local copies of one batch's files (a kind not asked for, or that the batch does not
    have, is absent from ``paths``)."""

    batch: BatchView
    folder: Path
    paths: dict[str, Path]
    downloaded: dict[str, DownloadResult] = field(default_factory=dict)  # fetched by this call

    @property
    def input(self) -> Path | None:
        return self.paths.get("input")

    @property
    def output(self) -> Path | None:
        return self.paths.get("output")

    @property
    def errors(self) -> Path | None:
        return self.paths.get("error")


def cache_root() -> Path:
    return state_dir() / "batches"


def batch_folder(batch_id: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of one batch's files (default root: :func:`cache_root`)."""
    return inside(Path(root) if root is not None else cache_root(), safe_filename(batch_id))


def file_path(folder: str | os.PathLike[str], batch_id: str, kind: str) -> Path:
    """``<folder>/<batch id>_<kind>.jsonl``."""
    return inside(folder, f"{safe_filename(batch_id)}_{kind}.jsonl")


async def fetch_batch_files(
    service: BatchService,
    batch: BatchView | str,
    folder: str | os.PathLike[str] | None = None,
    *,
    kinds: Sequence[str] = EVERY_FILE,
    progress: FilesProgress | None = None,
    max_attempts: int | None = None,
    retry_delay: float = 0.5,
) -> BatchFiles:
    """Bring the ``kinds`` of ``batch``'s files into ``folder`` (default: the batch's own
    cache folder, :func:`batch_folder`), downloading only what is missing.

    Asking for results (``"output"``/``"error"``) of a batch that has neither yet (running,
    or failed validation) is an :class:`ApiError` (``not_found``); a batch without an input
    file id just has no ``input`` path.
    """
    view = batch if isinstance(batch, BatchView) else await service.retrieve(batch)
    results = view.result_file_ids
    if not results and any(kind in RESULTS for kind in kinds):
        raise ApiError(
            f"batch {view.id} has no output or error file yet (status {view.display_status})",
            kind="not_found",
        )
    ids = {"input": view.input_file_id, **results}
    wanted = [(kind, ids[kind]) for kind in kinds if ids.get(kind)]
    target = Path(folder) if folder is not None else batch_folder(view.id)
    paths: dict[str, Path] = {}
    downloaded: dict[str, DownloadResult] = {}
    for kind, file_id in wanted:
        assert file_id is not None  # filtered above
        dest = file_path(target, view.id, kind)
        if dest.is_file():
            info = await service.get_file(file_id)
            if info.bytes is not None and info.bytes == dest.stat().st_size:
                paths[kind] = dest
                continue

        def report(done: int, total: int | None, kind: str = kind) -> None:
            if progress is not None:
                progress(kind, done, total)

        result = await service.download_file(
            file_id, dest, progress=report, max_attempts=max_attempts, retry_delay=retry_delay
        )
        paths[kind] = result.path
        downloaded[kind] = result
    return BatchFiles(view, target, paths, downloaded)

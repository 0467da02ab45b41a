"""Getting a batch's three files onto disk so they can be joined (``results BATCH_ID``).

The API layer is imported inside the functions: importing it imports ``openai`` (about a
second), and the engine must stay usable without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchtui.core.errors import UserError
from batchtui.core.paths import inside, safe_filename

# (which file: "input" | "output" | "error", bytes done, total bytes or None)
FetchProgress = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class BatchFiles:
    """Local copies of one batch's files (None: the batch has no such file)."""

    batch_id: str
    status: str
    input: Path
    output: Path | None
    errors: Path | None


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("batchtui")) / "batches"


async def fetch_batch_files(
    service: Any,
    batch_id: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    progress: FetchProgress | None = None,
) -> BatchFiles:
    """Download the input, output and error files of ``batch_id`` into ``directory``
    (default: the user cache, one folder per batch) through a ``BatchService``.

    A file already there with the size the API reports is not downloaded again: batch files
    never change once written. A batch that has neither output nor error file yet (still
    running, or failed validation) is a :class:`UserError`.
    """
    if not batch_id.strip():
        raise UserError(f"not a valid batch id: {batch_id!r}")
    # Ids become file names: reduced to plain names inside the folder (a server may answer
    # with "/etc/x" or "../x" as an id).
    folder = Path(directory) if directory else inside(default_cache_dir(), safe_filename(batch_id))
    view = await service.retrieve(batch_id)
    if not view.input_file_id:
        raise UserError(f"batch {view.id} has no input file id")
    results = view.result_file_ids
    if not results:
        raise UserError(
            f"batch {view.id} has no output or error file yet (status {view.display_status})"
        )
    wanted = [("input", view.input_file_id), *results.items()]
    paths: dict[str, Path] = {}
    for kind, file_id in wanted:
        dest = inside(folder, f"{safe_filename(view.id)}_{kind}.jsonl")
        if dest.is_file():
            info = await service.get_file(file_id)
            if info.bytes is not None and info.bytes == dest.stat().st_size:
                paths[kind] = dest
                continue

        def report(done: int, total: int | None, kind: str = kind) -> None:
            if progress is not None:
                progress(kind, done, total)

        paths[kind] = (await service.download_file(file_id, dest, progress=report)).path
    return BatchFiles(
        view.id, view.display_status, paths["input"], paths.get("output"), paths.get("error")
    )


def download_batch(
    batch_id: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    base_url: str | None = None,
    progress: FetchProgress | None = None,
) -> BatchFiles:
    """Synchronous :func:`fetch_batch_files` with settings from the environment (for the CLI)."""
    import asyncio

    from batchtui.api.config import ClientSettings
    from batchtui.api.service import BatchService

    async def go() -> BatchFiles:
        settings = ClientSettings.from_env(base_url=base_url)
        async with BatchService(settings) as service:
            return await fetch_batch_files(service, batch_id, directory, progress=progress)

    return asyncio.run(go())

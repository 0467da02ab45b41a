"""Changing the file from the File view: $EDITOR at the current line (e) and splitting it
into parts that fit the Batch API's limits (p)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.jsonl import LineIndex
from batchtui.jsonl.index import FileChanged
from batchtui.ui.file.base import FileScreenBase
from batchtui.ui.format import human_size, plural

if TYPE_CHECKING:
    pass


class FileEdit(FileScreenBase):
    """Open the file in the editor, and split it into parts."""

    def action_edit(self) -> None:
        """Open $EDITOR at the current line; the watcher picks up the change on return."""
        if self.index is None:
            return
        if self.index.copy_of is not None:
            self.notify(
                f"{safe(self.index.name)} was read into a private copy; there is no file to edit.",
                severity="warning",
            )
            return
        line = (self.line_list.row_line(self.line_list.cursor) or 0) + 1
        command = editor_command(self.index.path, line)
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except Exception as exc:
            self.notify(f"Could not run the editor {safe(command[0])}: {exc}", severity="error")
            return
        self.check_file()

    def action_split(self) -> None:
        """p: work out the parts first; a file that fits is left alone, otherwise ask."""
        if self.index is None:
            return
        self._plan_split(self.index.path, self.index.copy_of)

    @work(thread=True, exclusive=True, group="split", exit_on_error=False)
    def _plan_split(self, path: str, copy_of: str | None = None) -> None:
        from batchtui.validation.providers import OPENAI
        from batchtui.validation.split import part_paths, plan

        max_requests, max_bytes = (self.provider or OPENAI).part_limits()
        try:
            with LineIndex(path, copy_of=copy_of) as index:
                if not index.scan():
                    raise FileChanged(index.name)  # shrank meanwhile: a plan would miss lines
                ranges = plan(index, max_requests, max_bytes)
                lines, size = index.line_count, index.size
        except UserError as exc:
            self.app.call_from_thread(self.notify, safe(exc.message), severity="error")
            return
        if len(ranges) <= 1:
            self.app.call_from_thread(
                self.notify,
                f"This file already fits in one batch ({plural(lines, 'request')}, "
                f"{human_size(size)}): nothing to split.",
            )
            return
        paths = part_paths(Path(path), len(ranges), _parts_dir(path, copy_of))
        self.app.call_from_thread(
            self._ask_split, path, len(ranges), paths, max_requests, max_bytes, copy_of
        )

    def _ask_split(
        self,
        path: str,
        count: int,
        paths: list[Path],
        max_requests: int,
        max_bytes: int,
        copy_of: str | None = None,
    ) -> None:
        from batchtui.ui.screens.dialogs import ConfirmDialog
        from batchtui.validation.split import existing_parts

        # Every part of an earlier split goes, not only those this one overwrites: a glob
        # must not pick up a stale part004 after a split into three.
        existing = existing_parts(Path(path), paths[0].parent)
        body = (
            f"Writes {safe(paths[0].name)} … {safe(paths[-1].name)} in "
            f"{safe(str(paths[0].parent))}, each at most {max_requests:,} requests "
            f"and {human_size(max_bytes)}. This file is not changed."
        )
        if existing:
            body += f" {plural(len(existing), 'part')} from an earlier split will be replaced."

        def answer(yes: bool | None) -> None:
            if yes:
                self._split(
                    path, max_requests, max_bytes, overwrite=bool(existing), copy_of=copy_of
                )

        self.app.push_screen(
            ConfirmDialog(f"Split into {count:,} parts?", body, confirm="Split"), answer
        )

    @work(thread=True, exclusive=True, group="split", exit_on_error=False)
    def _split(
        self,
        path: str,
        max_requests: int,
        max_bytes: int,
        overwrite: bool,
        copy_of: str | None = None,
    ) -> None:
        from batchtui.validation.split import split_file

        try:
            parts = split_file(
                path,
                max_requests=max_requests,
                max_bytes=max_bytes,
                overwrite=overwrite,
                out_dir=_parts_dir(path, copy_of),
                copy_of=copy_of,
            )
        except UserError as exc:
            self.app.call_from_thread(self.notify, safe(exc.message), severity="error")
            return
        names = ", ".join(Path(p.path).name for p in parts[:3]) + (" …" if len(parts) > 3 else "")
        self.app.call_from_thread(
            self.notify,
            f"Wrote {plural(len(parts), 'part')} that fit the limits: {safe(names)}",
            timeout=10,
        )


def _parts_dir(path: str, copy_of: str | None) -> Path:
    """Where ``p`` writes parts: beside the file; for a private copy (deleted at exit), the
    current directory (standard input) or beside the compressed file."""
    from batchtui.jsonl.spool import STDIN_NAME

    if copy_of is None:
        return Path(path).parent
    return Path.cwd() if copy_of == STDIN_NAME else Path(copy_of).parent


def editor_command(path: str, line: int) -> list[str]:
    """``$VISUAL``/``$EDITOR`` (default vi) with the right "open at line" spelling."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = shlex.split(editor)
    name = Path(argv[0]).name
    if name in ("code", "code-insiders", "codium", "cursor"):
        return [*argv, "--goto", f"{path}:{line}"]
    if name in ("subl", "zed", "hx", "helix"):
        return [*argv, f"{path}:{line}"]
    return [*argv, f"+{line}", path]

"""Starting the app from the command line: open the file first so mistakes fail fast."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from batchtui.jsonl import LineIndex

if TYPE_CHECKING:
    from batchtui.ui.app import BatchTUI


def launch(args: argparse.Namespace) -> int:
    app = build_app(args)
    app.run()
    return app.return_code or 0


def build_app(args: argparse.Namespace) -> BatchTUI:
    # Open before Textual starts: a missing file or a directory is a one-line error (exit 2).
    index = LineIndex(args.file) if args.file else None
    from batchtui.ui.app import BatchTUI

    return BatchTUI(
        index,
        start_line=args.line,
        follow=args.follow,
        validate=not args.no_validate,
        download_dir=args.download_dir,
        notify_desktop=args.notify_desktop,
        notify_cmd=args.notify_cmd,
    )

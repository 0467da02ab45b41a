"""Starting the app from the command line: open the file first so mistakes fail fast.

``batchtui -`` and ``cat f | batchtui`` (no file, standard input not a terminal: what ``less``
does) read standard input; a gzip file is decompressed. Both go into a private spool file
(:mod:`batchtui.jsonl.spool`), shown under their own name. With standard input used up by
the data, the app reads keys from the terminal (``/dev/tty``) instead.
"""

from __future__ import annotations

import argparse
import gc
import os
from typing import TYPE_CHECKING

from batchtui.cli.provider import chosen_provider
from batchtui.core.errors import UserError
from batchtui.jsonl.spool import STDIN, note_to_stderr, open_input, stdin_has_data

if TYPE_CHECKING:
    from batchtui.ui.app import BatchTUI


def launch(args: argparse.Namespace) -> int:
    # Start-up allocates hundreds of thousands of long-lived objects (Textual's classes, the
    # styles): collecting while they pile up found no garbage and cost a large share of the
    # time to the first frame. The app collects once, and freezes the survivors, once the
    # first frame is out (ui.app.quiet_gc, which turns the collector back on).
    gc.disable()
    if args.file is None and stdin_has_data():
        args.file = STDIN  # `cat f | batchtui`: browse the stream, as less does
    app = build_app(args)
    if args.file == STDIN:
        reattach_terminal()
    app.run()
    return app.return_code or 0


def build_app(args: argparse.Namespace) -> BatchTUI:
    # Open before Textual starts: a missing file or a directory is a one-line error (exit 2).
    index = open_input(args.file, note=note_to_stderr).index() if args.file else None
    provider = chosen_provider(args) if index is not None else None
    head = None
    if index is not None and not args.no_validate:
        # The validation's worker processes are forked now, while this process has one
        # thread and little memory; they wait until the File screen's validation starts
        # (after the first frame), then check the file on every core while it merges.
        from batchtui.validation.pieces import head_start

        head = head_start(index, provider=provider)  # the rules the app's validator applies
    from batchtui.ui.app import BatchTUI

    return BatchTUI(
        index,
        provider=provider,
        start_line=args.line,
        follow=args.follow,
        validate=not args.no_validate,
        download_dir=args.download_dir,
        notify_desktop=args.notify_desktop,
        notify_cmd=args.notify_cmd,
        validation_head=head,
    )


def reattach_terminal(tty: str = "/dev/tty") -> None:
    """Standard input held the data; give the app the terminal to read keys from."""
    try:
        fd = os.open(tty, os.O_RDWR)
    except OSError:
        raise UserError(
            "standard input was the data, and there is no terminal to read keys from; "
            "to check a stream without the browser: batchtui validate -"
        ) from None
    os.dup2(fd, 0)
    os.close(fd)

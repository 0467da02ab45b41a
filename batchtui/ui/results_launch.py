"""Starting the app in the Results mode from ``batchtui results`` (after any download)."""

from __future__ import annotations

import argparse


def launch_results(args: argparse.Namespace) -> int:
    """Open the results view for ``args.input`` / ``args.output`` / ``args.errors``.

    The paths were checked by the caller (a missing file is a one-line error before the
    terminal is taken over); the join itself runs inside the app, in a worker.
    """
    from batchtui.ui.app import BatchTUI

    app = BatchTUI(None, initial_mode="results")
    app.results_args = {
        "input_path": args.input,
        "output_path": getattr(args, "output", None) or None,
        "error_path": getattr(args, "errors", None) or None,
        "batch_id": getattr(args, "batch_id", None) or None,
    }
    app.run()
    return app.return_code or 0

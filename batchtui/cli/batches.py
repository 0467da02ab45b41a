"""``batchtui batches list|show|submit|cancel|download``: the Batch API without the TUI.

Only ``argparse``, the standard library and ``batchtui.core`` (the one way to print data) at
module level: ``openai`` is imported inside the handlers, so ``batchtui --help`` and browsing a file stay fast.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Coroutine
from typing import Any

from batchtui.cli.args import Subparsers, add_format, seconds
from batchtui.cli.progress import FileMeters, Meter, StatusLine, run_api
from batchtui.core.console import echo, echo_json, echo_table
from batchtui.core.errors import UserError
from batchtui.core.text import safe


def register(subparsers: Subparsers) -> None:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection (defaults come from the environment)")
    group.add_argument(
        "--base-url", default=None, metavar="URL", help="API base URL (OPENAI_BASE_URL)"
    )
    group.add_argument(
        "--organization", default=None, metavar="ORG", help="organization id (OPENAI_ORG_ID)"
    )
    group.add_argument(
        "--project", default=None, metavar="PROJ", help="project id (OPENAI_PROJECT_ID)"
    )
    group.add_argument(
        "--timeout",
        type=seconds,
        default=None,
        metavar="S",
        help="give up on an API call after S seconds, retries included "
        "(default 60, BATCHTUI_TIMEOUT)",
    )
    group.add_argument(
        "--connect-timeout",
        type=seconds,
        default=None,
        metavar="S",
        help="give up on connecting after S seconds (default 10, BATCHTUI_CONNECT_TIMEOUT)",
    )

    batches = subparsers.add_parser(
        "batches",
        help="list, submit, cancel and download batches",
        description=(
            "Work with the OpenAI Batch API from the command line. The API key comes from "
            "OPENAI_API_KEY; OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID are honoured."
        ),
    )
    sub = batches.add_subparsers(dest="batches_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", parents=[common], help="list every batch, newest first")
    add_format(p)
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the newest N")
    p.set_defaults(handler=_list)

    p = sub.add_parser("show", parents=[common], help="show one batch in full")
    p.add_argument("batch_id", metavar="ID")
    add_format(p)
    p.set_defaults(handler=_show)

    p = sub.add_parser(
        "submit",
        parents=[common],
        help="validate a JSONL file, upload it and create a batch",
        description=(
            "Validate FILE (refused on errors unless --force), check the metadata against the "
            "Batch API limits, count its input tokens and check that they fit the model's "
            "enqueued-token limit (refused when the queue has no room, unless --force: OpenAI "
            "would fail the batch with token_limit_exceeded), then upload exactly the bytes "
            "that were validated and create the batch. If creating the batch fails, the "
            "uploaded file is deleted again. Queue limits come from the Admin API when "
            "OPENAI_ADMIN_KEY is set (project --project or OPENAI_PROJECT_ID), else from "
            "--queue-limit or the config file's [queue] table."
        ),
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--endpoint",
        default=None,
        help="batch endpoint (default: the url of the file's first line)",
    )
    p.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="attach metadata (repeatable; at most 16 pairs)",
    )
    p.add_argument("--description", default=None, help="shorthand for --metadata description=...")
    p.add_argument("--completion-window", default="24h", help="completion window (24h)")
    p.add_argument(
        "--force",
        action="store_true",
        help="submit even if validation finds errors (the Batch API fails the whole batch "
        "for one bad line) or the model's queue has no room for the file",
    )
    _queue_options(p)
    add_format(p)
    p.set_defaults(handler=_submit)

    p = sub.add_parser(
        "queue",
        parents=[common],
        help="the enqueued-token queue per model: its limit and what is in it",
        description=(
            "For each model: the enqueued-token limit (from the Admin API when "
            "OPENAI_ADMIN_KEY is set, else --queue-limit or the config file's [queue]) and "
            "the input tokens of the "
            "account's validating, in-progress and finalizing batches (exact for batches "
            "submitted from here, else counted from their downloaded input: marked ≈)."
        ),
    )
    _queue_options(p)
    add_format(p)
    p.set_defaults(handler=_queue)

    p = sub.add_parser("cancel", parents=[common], help="cancel a batch")
    p.add_argument("batch_id", metavar="ID")
    p.set_defaults(handler=_cancel)

    p = sub.add_parser(
        "download", parents=[common], help="download a batch's output and error files"
    )
    p.add_argument("batch_id", metavar="ID")
    p.add_argument("--dir", default=".", metavar="DIR", help="where to write (default: here)")
    p.set_defaults(handler=_download)


def _queue_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--queue-limit",
        action="append",
        default=[],
        metavar="MODEL=TOKENS",
        help="the enqueued-token limit of MODEL ('*': every model) when the Admin API does "
        "not say it (repeatable)",
    )
    p.add_argument(
        "--no-count-others",
        action="store_true",
        help="do not download the input files of batches submitted elsewhere to count what "
        "they hold in the queue (they are then named as not counted)",
    )


def _queue_settings(args: argparse.Namespace) -> Any:
    from dataclasses import replace

    from batchtui.api.queue import QueueSettings
    from batchtui.cli.emulator import parse_queue_limits

    limits, any_model = parse_queue_limits(args.queue_limit, option="--queue-limit")
    if any_model is not None:
        limits["*"] = any_model
    settings = QueueSettings.from_env(config_limits=limits, count_others=not args.no_count_others)
    if args.project:  # the project whose limits the Admin API reports
        settings = replace(settings, project_id=args.project)
    return settings


# --------------------------------------------------------------------- helpers


def _settings(args: argparse.Namespace) -> Any:
    from batchtui.api.config import ClientSettings

    return ClientSettings.from_env(
        base_url=args.base_url,
        organization=args.organization,
        project=args.project,
        timeout=args.timeout,
        connect_timeout=args.connect_timeout,
    )


def _run(
    args: argparse.Namespace,
    work: Callable[[Any], Coroutine[Any, Any, Any]],
    status: StatusLine | None = None,
) -> Any:
    return run_api(_settings(args), work, status)


def _warn(message: str) -> None:
    echo(f"batchtui: warning: {message}", err=True)


def _when(ts: int | None, invalid: bool = False) -> str:
    """A local time; "?" for a value the server sent that is no time (see BatchView.invalid)."""
    if ts is None:
        return "?" if invalid else "-"
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
    except (OverflowError, ValueError, OSError):
        return "?"


def _progress_text(view: Any) -> str:
    counts = view.request_counts
    if "request_counts" in view.invalid:
        return "?"
    if not counts.total and not counts.done:
        return "-"  # validating, or failed validation: nothing counted yet
    text = f"{counts.done}/{counts.total if counts.total is not None else '?'}"
    if counts.fraction is not None:
        text += f" {counts.fraction * 100:.0f}%"
    if counts.failed:
        text += f" ({counts.failed} failed)"
    return text


def _raw(value: object) -> str:
    """A server's value as it came, short (for "?" marks)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _records() -> Any:
    from batchtui.api.records import RecordStore

    store = RecordStore()
    records = store.by_batch_id()
    for problem in store.problems:
        _warn(problem)
    return records


# -------------------------------------------------------------------- handlers


def _list(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be 1 or more")
    batches = _run(args, lambda s: s.list_batches(max_items=args.limit))
    records = _records()
    if args.format == "json":
        out = []
        for b in batches:
            entry = b.to_dict()
            rec = records.get(b.id)
            entry["local_input"] = rec.input_path if rec else None
            out.append(entry)
        echo_json(out)
        return 0
    if not batches:
        echo("no batches")
        return 0
    rows = [["ID", "STATUS", "PROGRESS", "ENDPOINT", "MODEL", "CREATED", "DESCRIPTION"]]
    for b in batches:
        rec = records.get(b.id)
        description = b.description or ""
        if rec is not None:
            description = (description + " " if description else "") + f"[{rec.input_path}]"
        rows.append(
            [
                b.id,
                b.display_status,
                _progress_text(b),
                b.endpoint or "-",
                b.model or "-",
                _when(b.created_at, "created_at" in b.invalid),
                description,
            ]
        )
    echo_table(rows)
    return 0


def _receipt(view: Any, rec: Any) -> Any:
    """What the batch cost (batchtui.cost.receipt), None before it reports usage."""
    if view.usage is None:
        return None
    from batchtui.core.settings import load_settings
    from batchtui.cost.prices import PriceBook
    from batchtui.cost.receipt import receipt

    model = view.model
    if not model and rec is not None and rec.input_tokens and len(rec.input_tokens) == 1:
        model = next(iter(rec.input_tokens))  # older servers send no model: the file says it
    try:
        book = PriceBook(load_settings().price_overrides())  # the config's [prices]
    except ValueError as exc:
        raise UserError(f"[prices]: {exc}") from None
    return receipt(model, view.usage, book)


def _show(args: argparse.Namespace) -> int:
    from batchtui.api.models import TIMESTAMPS

    view = _run(args, lambda s: s.retrieve(args.batch_id))
    rec = _records().get(view.id)
    bill = _receipt(view, rec)
    if args.format == "json":
        entry = view.to_dict()
        entry["local_input"] = rec.input_path if rec else None
        entry["receipt"] = bill.to_json() if bill is not None else None
        echo_json(entry)
        return 0
    fields = [
        ("id", view.id),
        ("status", view.display_status),
        ("endpoint", view.endpoint or "-"),
        ("model", view.model or "-"),
        ("requests", _progress_text(view)),
        ("input file", view.input_file_id or "-"),
        ("output file", view.output_file_id or "-"),
        ("error file", view.error_file_id or "-"),
        ("local input", rec.input_path if rec else "-"),
    ]
    for name in TIMESTAMPS:
        value = getattr(view, name)
        label = name.replace("_at", "").replace("_", " ")
        if value is not None:
            fields.append((label, _when(value)))
        elif name in view.invalid:
            fields.append((label, f"? (the server sent {_raw(view.raw.get(name))})"))
    if view.usage is not None:
        u = view.usage
        fields.append(
            (
                "usage",
                f"{u.input_tokens:,} in ({u.cached_tokens:,} cached), {u.output_tokens:,} out "
                f"({u.reasoning_tokens:,} reasoning)",
            )
        )
    if bill is not None:
        # A running batch reports the usage of the requests done so far.
        fields.append(("cost" if view.is_terminal else "cost so far", bill.cost_line()))
        fields.extend(("cost note", note) for note in bill.notes if note != bill.cost_line())
        if bill.known and bill.price is not None:
            fields.append(("prices", bill.price.source))
    for key, value in view.metadata.items():
        fields.append((f"metadata {safe(key)}", value))
    if "metadata" in view.invalid:
        fields.append(("metadata", f"? (not an object: {_raw(view.raw.get('metadata'))})"))
    if "request_counts" in view.invalid:
        fields.append(
            ("request counts", f"? (the server sent {_raw(view.raw.get('request_counts'))})")
        )
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        echo(f"{name.ljust(width)}  {value}")
    for e in view.errors:
        where = f"line {e.line}" if e.line is not None else "file"
        echo(f"error  {where}: {e.code or '-'}: {e.message or ''}")
    return 0


def _parse_metadata(pairs: list[str], description: str | None) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--metadata expects KEY=VALUE, got {pair!r}")
        metadata[key.strip()] = value
    if description is not None:
        metadata["description"] = description
    return metadata  # the limits are checked by the one submit path (api/submit.py)


def _submit(args: argparse.Namespace) -> int:
    from batchtui.api.submit import submit_file

    metadata = _parse_metadata(args.metadata, args.description)
    queue = _queue_settings(args)
    status = StatusLine()
    meter = Meter(f"uploading {args.file}", status, unit="bytes")

    def stage(name: str, fraction: float | None) -> None:
        status.activity()  # local work is not "waiting for the server"
        if name == "validating" and fraction is not None:
            status.show(f"validating {args.file}: {fraction:.0%}")
        elif name == "counting":
            status.show(f"counting the tokens of {args.file}", force=True)
        elif name == "queue":
            status.show("checking the queue (limits and active batches)", force=True)

    result = _run(
        args,
        lambda s: submit_file(
            s,
            args.file,
            endpoint=args.endpoint,
            metadata=metadata or None,
            completion_window=args.completion_window,
            force=args.force,
            progress=meter,
            on_stage=stage,
            queue=queue,
        ),
        status,
    )
    if result.warning:
        _warn(result.warning)
    if args.format == "json":
        entry = result.batch.to_dict()
        entry["local_input"] = result.record.input_path
        entry["queue"] = result.queue.to_json() if result.queue is not None else None
        echo_json(entry)
        return 0
    echo(
        f"submitted {result.batch.id} ({result.batch.display_status}): {args.file} "
        f"as {result.file.id}, endpoint {result.batch.endpoint or args.endpoint}"
    )
    if result.queue is not None:
        for line in result.queue.lines():
            echo(f"queue: {line}")
    return 0


def _queue(args: argparse.Namespace) -> int:
    from batchtui.api.queue import queue_state
    from batchtui.cost.queue import meters, short_tokens

    settings = _queue_settings(args)
    status = StatusLine()

    def progress(text: str) -> None:
        status.activity()
        status.show(text, force=True)

    state = _run(args, lambda s: queue_state(s, settings, progress=progress), status)
    shown = meters(state.queues, state.limits)
    if args.format == "json":
        echo_json(
            {
                "limits_source": state.limits.source or None,
                "models": [
                    {
                        "model": m.model,
                        "enqueued": m.tokens,
                        "limit": m.limit,
                        "free": None if m.limit is None else max(0, m.limit - m.tokens),
                        "fraction": m.fraction,
                        "batches": m.batches,
                        "estimated": m.estimated,
                        "not_counted": m.unknown,
                    }
                    for m in shown
                ],
                "batches": [
                    {
                        "id": b.id,
                        "model": b.model or None,
                        "status": b.status,
                        "input_tokens": b.input_tokens,
                        "exact": b.exact,
                    }
                    for b in state.batches
                ],
                "notes": state.notes,
            }
        )
        return 0
    if not shown:
        echo("nothing in the queue, and no limit known (set OPENAI_ADMIN_KEY or --queue-limit)")
    rows = [["MODEL", "ENQUEUED", "LIMIT", "FREE", "USED", "BATCHES"]]
    for m in shown:
        rows.append(
            [
                m.model,
                ("≈" if m.estimated else "") + short_tokens(m.tokens),
                short_tokens(m.limit) if m.limit is not None else "?",
                short_tokens(max(0, m.limit - m.tokens)) if m.limit is not None else "?",
                f"{100 * m.fraction:.0f}%" if m.fraction is not None else "-",
                f"{m.batches}" + (f" ({m.unknown} not counted)" if m.unknown else ""),
            ]
        )
    if shown:
        echo_table(rows)
    echo(f"limits: {state.limits.source}" if state.limits.source else "limits: unknown")
    for note in state.notes:
        _warn(note)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    view = _run(args, lambda s: s.cancel(args.batch_id))
    echo(f"{view.id}: {view.display_status}")
    return 0


def _download(args: argparse.Namespace) -> int:
    from batchtui.api.batch_files import RESULTS, fetch_batch_files

    status = StatusLine()
    progress = FileMeters(status)
    files = _run(
        args,
        lambda s: fetch_batch_files(s, args.batch_id, args.dir, kinds=RESULTS, progress=progress),
        status,
    )
    for kind, path in files.paths.items():
        echo(f"{kind}: {path} ({path.stat().st_size:,} bytes)")
    return 0

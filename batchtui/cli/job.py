"""``batchtui job start|resume|status|cancel|list|results``: a file bigger than one batch.

Only ``argparse``, the standard library and ``batchtui.core`` at module level: the job
machinery (``batchtui.jobs``, which loads ``openai``) is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import Any

from batchtui.cli.args import Subparsers, add_format, nonnegative_int, positive_int, seconds
from batchtui.cli.results import add_output_options
from batchtui.core.console import echo, echo_json, echo_table
from batchtui.core.errors import UserError

DESCRIPTION = """\
Run a JSONL file of any size as one job: it is validated once, cut into parts that fit a
batch (and the model's enqueued-token queue), and each part is uploaded and submitted only
when the queue has room for it, tagged with the job and part in its metadata. The runner
polls, downloads every part's results, resubmits what the service left undone (a full
queue, an expired or cancelled batch; with --retry-failed N, requests that failed with 429
or 5xx), and keeps its state in a database under the state directory, so `batchtui job
resume NAME` carries on after a stop, a crash or a reboot without submitting anything twice.
The input file is never modified, and parts are read straight from it (no copies)."""

EPILOG = """\
examples:
  batchtui job start big.jsonl --name nightly
  batchtui job start big.jsonl --max-requests 20000 --retry-failed 2 --detach
  batchtui job status nightly --format json
  batchtui job results nightly --summary
  batchtui job results nightly --export-retry retry.jsonl

exit codes: 0 the job completed, 1 it failed or was cancelled (or the file has errors),
2 usage or I/O errors, 130 stopped (resume it later)."""


def _size(text: str) -> int:
    from batchtui.validation.split import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    return positive_int(text.replace(",", "").replace("_", ""))


def register(subparsers: Subparsers) -> None:
    connection = argparse.ArgumentParser(add_help=False)
    group = connection.add_argument_group("connection (defaults come from the environment)")
    group.add_argument("--base-url", default=None, metavar="URL", help="API base URL")
    group.add_argument("--organization", default=None, metavar="ORG", help="OPENAI_ORG_ID")
    group.add_argument("--project", default=None, metavar="PROJ", help="OPENAI_PROJECT_ID")
    group.add_argument(
        "--timeout",
        type=seconds,
        default=None,
        metavar="S",
        help="give up on one API call after S seconds (default 60); the job goes on",
    )
    running = argparse.ArgumentParser(add_help=False)
    add_format(
        running,
        "progress as lines of text, or one JSON object per event (default: text)",
    )
    running.add_argument(
        "--detach",
        action="store_true",
        help="run in the background (the log goes to the job's runner.log)",
    )

    job = subparsers.add_parser(
        "job",
        help="run a file bigger than one batch as one job: split, queue, watch, merge",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = job.add_subparsers(dest="job_command", metavar="ACTION", required=True)

    p = sub.add_parser(
        "start",
        parents=[connection, running],
        help="validate FILE, plan its parts and run them",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", metavar="NAME", help="the job's name (default: from FILE's name)")
    p.add_argument(
        "--max-requests",
        type=_positive,
        metavar="N",
        help="requests per part at most (default: the provider's limit, 50,000 on OpenAI)",
    )
    p.add_argument(
        "--max-bytes",
        type=_size,
        metavar="SIZE",
        help="bytes per part at most, K/M/G powers of 1024 (default: the provider's, 200MB)",
    )
    p.add_argument(
        "--max-tokens",
        type=_positive,
        metavar="N",
        help="input tokens per part at most (default: the model's queue limit when known)",
    )
    p.add_argument(
        "--retry-failed",
        type=nonnegative_int,
        default=0,
        metavar="N",
        help="resubmit requests that failed with 429 or a 5xx, up to N rounds (default 0)",
    )
    p.add_argument(
        "--max-active",
        type=_positive,
        metavar="N",
        help="batches of the job in flight at once, at most (default: as the queue allows)",
    )
    p.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metadata for every batch of the job (repeatable; the job adds its own tags)",
    )
    p.add_argument(
        "--queue-limit",
        action="append",
        default=[],
        metavar="MODEL=TOKENS",
        help="the enqueued-token limit of MODEL ('*': every model) when the Admin API "
        "(OPENAI_ADMIN_KEY) does not say it (repeatable; the config's [queue] too)",
    )
    p.add_argument(
        "--count-tokens",
        choices=("exact", "sample", "none"),
        default=None,
        help="how parts' input tokens are counted (default: exact when a queue limit is "
        "known, else estimated from a sample)",
    )
    p.add_argument(
        "--provider",
        choices=("openai", "azure", "groq", "together"),
        default=None,
        help="whose rules and limits apply (default: from OPENAI_BASE_URL)",
    )
    p.add_argument(
        "--poll",
        type=seconds,
        default=60.0,
        metavar="S",
        help="longest wait between two looks at the batches (default 60)",
    )
    p.add_argument(
        "--backoff",
        type=seconds,
        default=60.0,
        metavar="S",
        help="first wait before resubmitting a part the full queue turned away; doubles up "
        "to 30 minutes, shorter when one of the job's batches ends (default 60)",
    )
    p.set_defaults(handler=_start)

    p = sub.add_parser(
        "resume",
        parents=[connection, running],
        help="carry on with a job after a stop, a crash or a reboot",
        description=(
            "Reconcile the job with the account (batches created just before a crash are "
            "adopted through their metadata tags, unverified uploads deleted), then run it "
            "to its end. A second runner on the same job is refused."
        ),
    )
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_resume)

    p = sub.add_parser("status", help="the job's state and its parts (no network)")
    p.add_argument("name", metavar="NAME")
    add_format(p)
    p.set_defaults(handler=_status)

    p = sub.add_parser(
        "cancel",
        parents=[connection],
        help="cancel every active part of the job; nothing new is submitted",
    )
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_cancel)

    p = sub.add_parser("list", help="every job on this machine")
    add_format(p)
    p.set_defaults(handler=_list)

    p = sub.add_parser(
        "results",
        help="all parts' outputs and errors joined to the input (as `batchtui results`)",
        description=(
            "Join the job's input with every part's output and error files by custom_id "
            "(each custom_id answered once: by the last batch that ran it). Opens the results "
            "view, or with --summary / --export-* works without a terminal UI."
        ),
    )
    p.add_argument("name", metavar="NAME")
    add_output_options(p)
    p.set_defaults(handler=_results)


# ------------------------------------------------------------------------ helpers


def _client_settings(args: argparse.Namespace, base_url: str | None = None) -> Any:
    from batchtui.api.config import ClientSettings

    return ClientSettings.from_env(
        base_url=getattr(args, "base_url", None) or base_url,
        organization=getattr(args, "organization", None),
        project=getattr(args, "project", None),
        timeout=getattr(args, "timeout", None),
    )


PROGRESS_EVERY = 30.0  # seconds between two overall progress lines (text)


def _note(message: str) -> None:
    echo(f"batchtui: {message}", err=True)


class _Progress:
    """The runner's events as lines: text on stdout (the one status line on a terminal while
    the file is validated and planned), or one JSON object per event."""

    def __init__(self, fmt: str) -> None:
        from batchtui.cli.progress import StatusLine

        self.fmt = fmt
        self.status = StatusLine()
        self._total = 0
        self._done: dict[str, int] = {}
        self._last_progress = -PROGRESS_EVERY

    def stage(self, name: str, fraction: float | None) -> None:
        if self.fmt == "json":
            return
        self.status.activity()
        text = f"{name} the file" + (f": {fraction:.0%}" if fraction is not None else "")
        self.status.show(text, force=fraction is None or fraction >= 1.0)

    def clear(self) -> None:
        self.status.clear()

    def line(self, data: dict[str, Any], text: str) -> None:
        self.clear()
        if self.fmt == "json":
            echo_json(data, indent=None)
        else:
            echo(f"{time.strftime('%H:%M:%S')} {text}")
        sys.stdout.flush()

    def __call__(self, event: Any) -> None:
        if self.fmt == "json":
            self.line(event.to_json(), event.message)
            return
        if event.kind == "started":
            self._total = int(event.data.get("requests") or 0)
        if event.kind in ("status", "progress") and event.part is not None:
            counts = event.data.get("counts") or {}
            self._done[event.part] = (counts.get("completed") or 0) + (counts.get("failed") or 0)
        if event.kind == "progress":
            # Counts move at every look: one overall line now and then is enough.
            now = time.monotonic()
            if now - self._last_progress < PROGRESS_EVERY:
                return
            self._last_progress = now
            done = sum(self._done.values())
            of = f"/{self._total:,}" if self._total else ""
            self.line({}, f"progress: {done:,}{of} requests done")
            return
        self.line(event.to_json(), event.message)


def _queue_limits(args: argparse.Namespace) -> dict[str, int]:
    from batchtui.cli.emulator import parse_queue_limits

    limits, any_model = parse_queue_limits(args.queue_limit, option="--queue-limit")
    if any_model is not None:
        limits["*"] = any_model
    return limits


def _exit_code(state: str) -> int:
    return 0 if state == "completed" else 1


def _run(name: str, args: argparse.Namespace, progress: _Progress) -> int:
    """Run (or resume) the job ``name`` in this process until it ends or is stopped."""
    import asyncio

    from batchtui.api.service import BatchService
    from batchtui.jobs.runner import Runner
    from batchtui.jobs.store import JobStore

    with JobStore.open(name) as store:
        job = store.job()
        settings = _client_settings(args, job.base_url)

        async def go() -> Any:
            async with BatchService(settings) as service:
                runner = Runner(store, service, on_event=progress)
                loop = asyncio.get_running_loop()
                signals = []
                wanted = [(signal.SIGTERM, runner.stop)]
                if hasattr(signal, "SIGUSR1"):  # `job cancel` wakes a runner with it (POSIX)
                    wanted.append((signal.SIGUSR1, runner.wake))
                for sig, action in wanted:
                    try:
                        loop.add_signal_handler(sig, action)
                        signals.append(sig)
                    except (NotImplementedError, RuntimeError, AttributeError, ValueError):
                        pass
                try:
                    return await runner.run()
                finally:
                    for sig in signals:
                        loop.remove_signal_handler(sig)

        try:
            final = asyncio.run(go())
        except KeyboardInterrupt:
            progress.clear()
            _note(f"stopped; `batchtui job resume {name}` carries on where it left off")
            return 130
        if final.state == "running":
            return 130  # stopped by SIGTERM
        if progress.fmt == "text":
            _summary(store)
        return _exit_code(final.state)


def _summary(store: Any) -> None:
    from batchtui.jobs.status import job_status

    data = job_status(store)
    done = sum(1 for p in data["parts"] if p["state"] == "done")
    echo(
        f"job {data['name']} {data['state']}: {done}/{len(data['parts'])} part(s) done; "
        f"`batchtui job results {data['name']}` for the merged results"
    )


def _detach(name: str, directory: Any, args: argparse.Namespace) -> int:
    """Run ``job resume NAME`` in a new session, its output in the job's runner.log (the
    connection options given here go with it; the server's URL is the job's own)."""
    from batchtui.jobs.control import CONNECTION_OPTIONS, spawn_runner

    connection = {option: getattr(args, option, None) for option in CONNECTION_OPTIONS}
    detached = spawn_runner(name, directory, connection)
    echo(
        f"job {name} runs in the background (pid {detached.pid}, log {detached.log_path}); "
        f"`batchtui job status {name}` shows its progress"
    )
    return 0


# ------------------------------------------------------------------------ handlers


def _start(args: argparse.Namespace) -> int:
    import asyncio

    from batchtui.jobs.prepare import (
        check_job_metadata,
        create_job,
        default_limits,
        prepare_isolated,
    )
    from batchtui.jobs.store import JobStore, check_name, name_from_path
    from batchtui.validation import providers

    path = args.file
    if path == "-":
        raise UserError("a job needs a file it can read again (to resume): not standard input")
    if path.endswith(".gz"):
        raise UserError(f"{path}: decompress it first (a job reads its parts from the file)")
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    name = check_name(args.name) if args.name else name_from_path(path)
    if (JobStore.path_for(name) / "job.sqlite").exists():
        raise UserError(
            f"a job named {name!r} exists already: `batchtui job resume {name}` continues it, "
            "or choose another --name"
        )
    metadata = {}
    for pair in args.metadata:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--metadata expects KEY=VALUE, got {pair!r}")
        metadata[key.strip()] = value
    check_job_metadata(metadata)  # before the file is read: it takes a while
    settings = _client_settings(args)
    provider = (
        providers.get(args.provider) if args.provider else providers.detect(settings.base_url)[0]
    )
    limits = default_limits(
        provider,
        max_requests=args.max_requests,
        max_bytes=args.max_bytes,
        max_tokens=args.max_tokens,
    )
    queue_limits = _queue_limits(args)
    progress = _Progress(args.format)

    # The queue limits (Admin API, --queue-limit, the config's [queue]) size the parts.
    from batchtui.api.queue import QueueSettings, load_limits
    from batchtui.api.service import BatchService

    queue = QueueSettings.from_env(config_limits=queue_limits)

    async def read_limits() -> Any:
        async with BatchService(settings) as service:
            return await load_limits(service, queue)

    token_limits: dict[str, int] = dict(queue.config_limits)
    if queue.admin_key:
        found = asyncio.run(read_limits())
        token_limits = dict(found.limits)
        for problem in found.problems:
            _note(problem)
    try:
        prepared = prepare_isolated(
            path,
            limits,
            provider=provider,
            token_limits=token_limits,
            tokens=args.count_tokens,
            on_stage=progress.stage,
        )
    finally:
        progress.clear()
    for note in prepared.notes:
        _note(note)
    options = prepared.options(
        retry_failed=args.retry_failed,
        metadata=metadata,
        max_active=args.max_active,
        poll_seconds=args.poll,
        poll_fast=min(5.0, args.poll),
        backoff_seconds=args.backoff,
        retry_seconds=min(5.0, args.poll),
        queue_limits=queue_limits,
    )
    # The job belongs to the server its batches live on: a resume talks to the same one.
    store = create_job(name, prepared, options, base_url=settings.effective_base_url)
    plan = prepared.plan
    tokens = plan.tokens()
    about = " ≈" if plan.tokens_mode == "sample" else " "
    token_text = (
        ", ".join(f"{about.strip()}{n:,} {m} tokens" for m, n in tokens.items()) if tokens else ""
    )
    progress.line(
        {
            "event": "planned",
            "job": name,
            "parts": len(plan.parts),
            "requests": plan.requests,
            "input_tokens": tokens,
            "tokens": plan.tokens_mode,
            "directory": str(store.directory),
        },
        f"job {name}: {plan.requests:,} requests in {len(plan.parts)} part(s)"
        + (f" ({token_text})" if token_text else ""),
    )
    directory = store.directory
    store.close()
    if args.detach:
        return _detach(name, directory, args)
    return _run(name, args, progress)


def _resume(args: argparse.Namespace) -> int:
    if args.detach:
        from batchtui.jobs.control import CONNECTION_OPTIONS, resume_detached

        connection = {option: getattr(args, option, None) for option in CONNECTION_OPTIONS}
        detached = resume_detached(args.name, connection)
        echo(
            f"job {args.name} runs in the background (pid {detached.pid}, log "
            f"{detached.log_path}); `batchtui job status {args.name}` shows its progress"
        )
        return 0
    from batchtui.jobs.store import JobStore

    with JobStore.open(args.name):
        pass  # no such job: said before the runner starts
    return _run(args.name, args, _Progress(args.format))


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _status(args: argparse.Namespace) -> int:
    from batchtui.jobs.status import job_status
    from batchtui.jobs.store import JobStore

    with JobStore.open(args.name) as store:
        data = job_status(store)
    if args.format == "json":
        echo_json(data)
        return 0
    runner = data["runner"]
    if runner["running"]:
        who = f"runner pid {runner['pid']}" if runner["pid"] else "a runner is at it"
    elif data["state"] == "running":
        who = f"no runner: `batchtui job resume {data['name']}`"
    else:
        who = f"finished {_when(data['finished_at'])}"
    echo(f"job {data['name']} ({data['job_id']}): {data['state']}, {who}")
    echo(f"input {data['input']} ({data['requests']:,} requests, {data['parts_planned']} parts)")
    echo(f"endpoint {data['endpoint']}, model {data['model'] or '?'}")
    if data["message"]:
        echo(f"note {data['message']}")
    states = ", ".join(f"{n} {s}" for s, n in sorted(data["part_states"].items()))
    echo(f"parts {states}")
    rows = [["PART", "LINES", "REQUESTS", "STATE", "BATCH", "STATUS", "DONE", "NOTE"]]
    for p in data["parts"]:
        counts = p["counts"] or {}
        done = (counts.get("completed") or 0) + (counts.get("failed") or 0)
        progress = f"{done:,}/{counts.get('total') or p['requests']:,}" if counts else "-"
        note = p["message"] or ""
        if p["waiting_seconds"]:
            note = f"next try in {p['waiting_seconds']:.0f} s" + (f"; {note}" if note else "")
        lines = p["lines"]
        rows.append(
            [
                p["part"],
                f"{lines[0]:,}-{lines[1]:,}" if p["reason"] == "split" else f"({p['reason']})",
                f"{p['requests']:,}",
                p["state"],
                p["batch_id"] or "-",
                p["status"] or "-",
                progress,
                note,
            ]
        )
    echo_table(rows)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    import asyncio

    from batchtui.api.service import BatchService
    from batchtui.jobs.control import cancel_active, request_cancel
    from batchtui.jobs.store import JobStore

    with JobStore.open(args.name) as store:
        base_url = store.job().base_url
    outcome = request_cancel(args.name)
    if outcome is None:  # no runner at it: cancel its active batches from here
        settings = _client_settings(args, base_url)

        async def go() -> Any:
            async with BatchService(settings) as service:
                return await cancel_active(args.name, service)

        outcome = asyncio.run(go())
    if outcome.already is not None:
        echo(f"job {outcome.name} is {outcome.already} already; nothing to cancel")
    elif outcome.asked_runner is not None:
        pid = outcome.asked_runner
        echo(
            f"job {outcome.name}: asked its runner (pid {pid if pid > 0 else '?'}) to cancel "
            "every active part; their partial results are still downloaded"
        )
    else:
        echo(
            f"job {outcome.name} cancelled: {outcome.cancelled} active batch(es) cancelled, "
            f"nothing new will be submitted; `batchtui job resume {outcome.name}` downloads "
            "what they finished"
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    from batchtui.jobs.status import list_jobs

    jobs = list_jobs()
    if args.format == "json":
        echo_json(jobs)
        return 0
    if not jobs:
        echo("no jobs (start one with `batchtui job start FILE`)")
        return 0
    rows = [["NAME", "STATE", "PARTS", "REQUESTS", "CREATED", "RUNNER", "INPUT"]]
    for j in jobs:
        if j.get("error"):
            rows.append([j["name"], "?", "", "", "", "", j["error"]])
            continue
        rows.append(
            [
                j["name"],
                j["state"],
                f"{j['parts_done']}/{j['parts']}",
                f"{j['requests']:,}",
                _when(j["created_at"]),
                str(j["runner_pid"] or "-"),
                j["input"],
            ]
        )
    echo_table(rows)
    return 0


def _results(args: argparse.Namespace) -> int:
    from batchtui.cli import results as results_cli
    from batchtui.jobs.merge import job_results

    if args.retry_truncated and not args.export_retry:
        raise UserError("--retry-truncated needs --export-retry FILE")
    merged = job_results(args.name)
    for note in merged.notes:
        _note(note)
    joined = argparse.Namespace(
        batch_id=None,
        input=merged.input,
        output=merged.output,
        errors=merged.errors,
        summary=args.summary,
        format=args.format,
        export_retry=args.export_retry,
        retry_truncated=args.retry_truncated,
        export_results=args.export_results,
        cache_dir=None,
        base_url=None,
    )
    return int(results_cli.run(joined) or 0)

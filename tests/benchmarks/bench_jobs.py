"""Jobs benchmark: a job of 1,000,000 requests (~1 GB) run against the emulator at high speed.

Run by hand (pytest ignores tests/benchmarks), when the machine is quiet (`uptime` load < 1):

    .venv/bin/python tests/benchmarks/bench_jobs.py [--requests 1000000] [--gb 1.0]
    .venv/bin/python tests/benchmarks/bench_jobs.py --sigkill 200     # crash trials instead

Method:
1. A chat batch file of ``--requests`` lines and about ``--gb`` GB is generated (or reused)
   with tests/benchmarks/_datagen.py (mixed English, CJK and emoji prompts), every line then
   asking one model (a batch takes one).
2. The emulator runs in this process, at ``--speed`` (default 100,000: a batch's emulated
   lifecycle takes milliseconds, so what remains is its real work: validating each part with
   batchtui's validator and token counter, and writing its output file). Its CPU time is this
   process's CPU time during the run (``resource.getrusage(RUSAGE_SELF)``), which is the
   "emulator's own processing time" printed beside the runner's.
3. The runner is the real command, ``batchtui job start FILE --poll P`` in a subprocess (its
   own state directory), which validates and plans (in a child process for a file this big),
   then feeds the parts to the emulator and downloads, settles and merges them. While it runs,
   a sampler reads its ``/proc/PID/status`` (VmHWM: the process's peak RSS, not counting the
   planning child) and ``/proc/PID/stat`` (its own CPU time) every 0.2 s.
4. API calls are counted from the emulator's request log, per method and route.
5. ``batchtui job results NAME --summary --format json`` then checks every custom_id is
   answered exactly once (missing = duplicates = 0), and is timed on its own (merge + join).

Figures (2026-11-30, x86_64, 2 CPUs shared with other work: load 0.95 at the start, 4.6 at
the end, so the walls are pessimistic), 1,000,000 requests, 1.02 GB, 20 parts:

    runner wall 128.4 s: validating + planning 17.7 s (its child: 17.1 s CPU), the parts
      (upload, queue, poll, download, settle) 110.5 s, beside 89.8 s of the emulator's own
      CPU in the same run (validating each part, counting its tokens, writing its output)
    runner peak RSS 131 MB (target <= 200 MB); runner CPU 21.9 s, 1.09 s a part
    API calls 14.2 a part: 1 upload, 1 create, 1 download, 11.1 list calls (--poll 0.5)
    every custom_id answered once; `job results --summary` (merge + join) 17.3 s

``--sigkill N`` runs N trials of tests/jobs/test_sigkill.py's crash test instead: a
subprocess runner killed with SIGKILL at seeded-random points and resumed, checked after each
trial for parts submitted twice and custom_ids answered other than exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "jobs"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

API_KEY = "sk-bench-jobs"
TICK = os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Sampler:
    """Peak RSS (VmHWM) and CPU seconds of one process, read from /proc while it lives."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.cpu = 0.0

    def sample(self) -> None:
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            self.cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        except (OSError, IndexError, ValueError):
            pass

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.2)


MODELS = (b'"gpt-4.1-nano"', b'"gpt-4o"', b'"gpt-4.1-mini"')


def one_model(src: Path, dest: Path) -> None:
    """The generated file asks four models; a batch takes one: every line asks gpt-4o-mini."""
    tmp = dest.with_name(dest.name + ".tmp")
    with open(src, "rb") as f, open(tmp, "wb") as out:
        while block := f.readlines(16 * 1024 * 1024):
            data = b"".join(block)
            for name in MODELS:
                data = data.replace(b'"model":' + name, b'"model":"gpt-4o-mini"')
            out.write(data)
    tmp.replace(dest)


def cpu_self() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def cpu_children() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


async def bench(args: argparse.Namespace) -> int:
    from _datagen import ensure_batch_file

    from batchtui.emulator.options import EmulatorOptions
    from batchtui.emulator.server import EmulatorServer

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-jobs-"))
    work.mkdir(parents=True, exist_ok=True)
    data = Path(args.data or os.environ.get("BATCHTUI_BENCH_DIR", "/tmp/batchtui-bench"))
    mixed = data / f"jobs-mixed-{args.requests}.jsonl"
    path = data / f"jobs-{args.requests}.jsonl"
    t = time.perf_counter()
    _info, reused = ensure_batch_file(mixed, int(args.gb * 1e9), lines=args.requests)
    if not reused or not path.exists():
        one_model(mixed, path)
    made = time.perf_counter() - t
    size = path.stat().st_size
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"load before: {load()}")
    print(
        f"input: {path} ({size / 1e9:.2f} GB, {args.requests:,} requests; "
        f"{'reused' if reused else f'written in {made:.1f} s'})"
    )
    state = work / "state"
    options = EmulatorOptions(
        port=0, speed=args.speed, seed=5, data_dir=work / "emulator", start_time=None
    )
    async with EmulatorServer(options) as emu:
        env = dict(os.environ)
        env.update(
            {
                "BATCHTUI_STATE_DIR": str(state),
                "OPENAI_BASE_URL": emu.base_url,
                "OPENAI_API_KEY": API_KEY,
                "PYTHONPATH": str(ROOT),
            }
        )
        env.pop("OPENAI_ADMIN_KEY", None)
        cpu0, kids0 = cpu_self(), cpu_children()
        wall0, epoch0 = time.perf_counter(), time.time()
        log = open(work / "runner.jsonl", "wb")  # noqa: SIM115 - closed below
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "batchtui",
            "job",
            "start",
            str(path),
            "--name",
            "bench",
            "--poll",
            str(args.poll),
            "--format",
            "json",
            stdout=log,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        sampler = Sampler(proc.pid)
        watch = asyncio.ensure_future(sampler.run())
        _, err = await proc.communicate()
        watch.cancel()
        wall = time.perf_counter() - wall0
        log.close()
        emulator_cpu = cpu_self() - cpu0
        total_child_cpu = cpu_children() - kids0
        if proc.returncode != 0:
            print(err.decode(errors="replace"))
            print(f"the runner exited with {proc.returncode}")
            return 1
        events = [json.loads(x) for x in (work / "runner.jsonl").read_bytes().splitlines()]
        parts = next(e for e in events if e["event"] == "planned")["parts"]
        started_at = next(e for e in events if e["event"] == "started")["at"]
        finished_at = next(e for e in events if e["event"] == "finished")["at"]
        calls = Counter()
        for r in emu.requests:
            route = r.path
            for prefix in ("/v1/files/", "/v1/batches/"):
                if route.startswith(prefix) and route != prefix:
                    rest = route[len(prefix) :].split("/", 1)
                    route = prefix + "{id}" + ("/" + rest[1] if len(rest) > 1 else "")
            calls[f"{r.method} {route}"] += 1
        batches = list(emu.state.batches.values())
        runner_cpu = sampler.cpu
        prepare_cpu = max(0.0, total_child_cpu - runner_cpu)

    t = time.perf_counter()
    res = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "batchtui",
        "job",
        "results",
        "bench",
        "--summary",
        "--format",
        "json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, _ = await res.communicate()
    results_wall = time.perf_counter() - t
    summary = json.loads(out)
    counts = summary["counts"]

    print(f"load after: {load()}")
    print(f"parts: {parts} (batches made: {len(batches)})")
    print(
        f"runner: {wall:.1f} s wall in all: validating and planning {started_at - epoch0:.1f} s, "
        f"running the parts (upload, queue, poll, download, settle) "
        f"{finished_at - started_at:.1f} s"
    )
    print(f"runner peak RSS (VmHWM of the runner process): {sampler.peak_kb / 1024:.0f} MB")
    print(
        f"runner CPU: {runner_cpu:.1f} s ({runner_cpu / parts:.2f} s a part); "
        f"validating and planning in its child process: {prepare_cpu:.1f} s"
    )
    print(f"emulator CPU (its own processing, same run): {emulator_cpu:.1f} s")
    total_calls = sum(calls.values())
    print(f"API calls: {total_calls} ({total_calls / parts:.1f} a part)")
    for route, n in sorted(calls.items(), key=lambda kv: -kv[1]):
        print(f"  {n:6d}  {route}  ({n / parts:.1f} a part)")
    print(
        f"results: {counts['total']:,} requests, {counts['succeeded']:,} succeeded, "
        f"{counts['failed']:,} failed, missing {counts['missing']}, duplicates "
        f"{counts['duplicates']}; `job results --summary` took {results_wall:.1f} s"
    )
    ok = counts["missing"] == 0 and counts["duplicates"] == 0 and counts["total"] == args.requests
    print("exactly once: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


async def sigkill(args: argparse.Namespace) -> int:
    from jobs_helpers import API_KEY as KEY
    from jobs_helpers import make_options, write_chat
    from sigkill import EMULATOR, REQUESTS, sigkill_trial, subprocess_env

    from batchtui.emulator.server import EmulatorServer

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-sigkill-"))
    os.environ["BATCHTUI_STATE_DIR"] = str(work / "state")
    print(f"load before: {load()}")
    kills = runs = 0
    aims: Counter[str] = Counter()
    adopted = reconciled = 0
    t = time.perf_counter()
    async with EmulatorServer(make_options(work, **EMULATOR)) as emu:
        inp = write_chat(work / "in.jsonl", REQUESTS)
        for n in range(args.sigkill):
            trial = await sigkill_trial(
                emu, inp, n, max_kills=4, env=subprocess_env(emu, KEY), log=work / "runner.log"
            )
            kills += trial.kills
            runs += trial.runs
            aims.update(a.split("#")[0] for a in trial.aims)
            adopted += trial.seen.get("adopted", 0)
            reconciled += trial.seen.get("reconciled", 0)
            print(f"trial {n}: {trial.kills} kills ({', '.join(trial.aims)}), ok")
    print(
        f"{args.sigkill} trials, {kills} kills, {runs} runs in {time.perf_counter() - t:.0f} s: "
        f"every part submitted once, every custom_id answered once"
    )
    print(
        f"kills after: {dict(aims)}; batches adopted after a kill: {adopted}; "
        f"reconciliations with something to settle: {reconciled}"
    )
    return 0


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--requests", type=int, default=1_000_000)
    p.add_argument("--gb", type=float, default=1.0)
    p.add_argument("--speed", type=float, default=100_000.0)
    p.add_argument("--poll", type=float, default=0.5, help="the runner's --poll (seconds)")
    p.add_argument("--workdir", help="where the state and the emulator's files go")
    p.add_argument("--data", help="where the generated input is kept (default /tmp/batchtui-bench)")
    p.add_argument("--sigkill", type=int, default=0, metavar="N", help="N crash trials instead")
    args = p.parse_args()
    if args.sigkill:
        return asyncio.run(sigkill(args))
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())

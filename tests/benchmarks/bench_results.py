"""Benchmark: the results join against a plain orjson pass over the same three files.

Run by hand (not collected by pytest)::

    .venv/bin/python tests/benchmarks/bench_results.py [--dir DIR] [--repeats N] [--json]

What it does:

1. Generates (once; reused from ``--dir`` when present) a realistic batch: 50,000 chat
   requests with long prompts (~200 MB), an output file with ~47,500 answers in shuffled order
   (~75 MB; some truncated, filtered, refused) and an error file (~2,000 lines: batch_expired,
   429, 400, 500); ~500 requests are missing.
2. Time, interleaved so drift hits both alike, ``--repeats`` times each:
   * reference: one thread reading the three files line by line and ``orjson.loads`` on every
     line (the cheapest "parse everything" pass there is);
   * join: ``batchtui.results.joiner`` from file paths (line indexes built from scratch) to a
     complete ``summary()``.
   Files are in the page cache for both (a warm-up pass runs first).
3. Memory, each in a fresh subprocess: the tracemalloc peak of the join minus the line
   indexes' own arrays, what stays allocated afterwards, and the peak growth of anonymous
   resident memory (``RssAnon``: excludes the memory-mapped file pages, which are page cache).

Targets (issue #6): join <= 1.5x the reference; memory <= 100 MB beyond the line indexes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

N_REQUESTS = 50_000
SEED = 20_240_415
# English, CJK, Korean and accented words: the mix a multilingual batch carries.
_VOCABULARY = (
    "the quick brown fox jumps over a lazy dog while the batch keeps running data model "
    "token request answer summary 東京 大阪 数据 处理 요약 번역 résumé façade naïve"
)
WORDS = tuple(_VOCABULARY.split())


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def generate(folder: Path) -> tuple[Path, Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    inp, out, err = folder / "input.jsonl", folder / "output.jsonl", folder / "errors.jsonl"
    marker = folder / ".complete"
    if marker.exists():
        return inp, out, err
    rng = random.Random(SEED)
    with open(inp, "wb") as f:
        for i in range(N_REQUESTS):
            body = {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "You are a careful analyst. " + _text(rng, 20)},
                    {"role": "user", "content": _text(rng, rng.randint(500, 720))},
                ],
                "max_tokens": 400,
                "temperature": 0.2,
            }
            line = {
                "custom_id": f"request-{i:06d}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": body,
            }
            f.write(orjson.dumps(line) + b"\n")
    order = list(range(N_REQUESTS))
    rng.shuffle(order)
    outputs, errors = [], []
    for i in order:
        cid = f"request-{i:06d}"
        r = rng.random()
        if r < 0.95:
            finish = "stop"
            content: str | None = _text(rng, rng.randint(120, 200))
            refusal = None
            if r < 0.01:
                finish = "length"
            elif r < 0.012:
                finish, content = "content_filter", None
            elif r < 0.014:
                content, refusal = None, "I can't help with that."
            body = {
                "id": f"chatcmpl-{i:08x}ABCDEF",
                "object": "chat.completion",
                "created": 1_760_000_000 + i,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": content,
                            "refusal": refusal,
                            "annotations": [],
                        },
                        "logprobs": None,
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": 900 + i % 300,
                    "completion_tokens": 180 + i % 90,
                    "total_tokens": 1080 + i % 300 + i % 90,
                    "prompt_tokens_details": {
                        "cached_tokens": 512 if i % 5 == 0 else 0,
                        "audio_tokens": 0,
                    },
                    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
                },
                "service_tier": "default",
                "system_fingerprint": "fp_560af6e559",
            }
            outputs.append(
                {
                    "id": f"batch_req_{i:08x}",
                    "custom_id": cid,
                    "response": {"status_code": 200, "request_id": f"{i:032x}", "body": body},
                    "error": None,
                }
            )
        elif r < 0.99:
            k = rng.random()
            if k < 0.5:
                line = {
                    "id": f"batch_req_{i:08x}",
                    "custom_id": cid,
                    "response": None,
                    "error": {
                        "code": "batch_expired",
                        "message": "This request could not "
                        "be executed before the completion window expired.",
                    },
                }
            else:
                status, code, msg = (
                    (
                        429,
                        "rate_limit_exceeded",
                        f"Rate limit reached for gpt-4o-mini in organization org-q8RzT3vKpL2mWx9Y "
                        f"on tokens per min (TPM): Limit 200000, Used {190000 + i % 9999}, "
                        f"Requested {900 + i % 300}. Please try again in {i % 900}ms.",
                    )
                    if k < 0.8
                    else (
                        400,
                        "context_length_exceeded",
                        f"This model's maximum context length is 128000 tokens. However, your "
                        f"messages resulted in {128001 + i} tokens.",
                    )
                    if k < 0.95
                    else (500, None, "The server had an error while processing your request.")
                )
                line = {
                    "id": f"batch_req_{i:08x}",
                    "custom_id": cid,
                    "response": {
                        "status_code": status,
                        "request_id": f"{i:032x}",
                        "body": {
                            "error": {"message": msg, "type": "x", "param": None, "code": code}
                        },
                    },
                    "error": None,
                }
            errors.append(line)
        # else: missing (in neither file)
    with open(out, "wb") as f:
        f.writelines(orjson.dumps(o) + b"\n" for o in outputs)
    with open(err, "wb") as f:
        f.writelines(orjson.dumps(e) + b"\n" for e in errors)
    marker.write_text("ok")
    return inp, out, err


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def reference_pass(paths: list[Path]) -> int:
    n = 0
    loads = orjson.loads
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    loads(line)
                    n += 1
    return n


def join_pass(paths: list[Path]) -> dict:
    from batchtui.results import join

    with join(*paths) as result:
        return result.summary()


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


_MEMORY_CHILD = r"""
import json, sys, time, threading, tracemalloc
paths = sys.argv[1:4]
mode = sys.argv[4]
from batchtui.results import join

def rss_anon():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0

if mode == "tracemalloc":
    tracemalloc.start()
    result = join(*paths)
    summary = result.summary()
    current, peak = tracemalloc.get_traced_memory()
    index_bytes = sum(
        ix.newline_offsets.buffer_info()[1] * ix.newline_offsets.itemsize
        for ix in (result.input_index, result.output_index, result.errors_index) if ix)
    print(json.dumps({"peak": peak, "current": current, "index_bytes": index_bytes}))
else:
    base = rss_anon()
    peak = [base]
    done = threading.Event()
    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon())
            time.sleep(0.005)
    t = threading.Thread(target=sample); t.start()
    result = join(*paths)
    summary = result.summary()
    done.set(); t.join()
    peak[0] = max(peak[0], rss_anon())
    print(json.dumps({"base": base, "peak": peak[0], "after": rss_anon()}))
"""


def memory(paths: list[Path], mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, *map(str, paths), mode],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {model or platform.machine()}, "
        f"{os.cpu_count()} cpus, Python {platform.python_version()}, "
        f"orjson {orjson.__version__}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "batchtui-bench-results"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    t = time.perf_counter()
    paths = list(generate(args.dir))
    gen = time.perf_counter() - t
    sizes = [p.stat().st_size for p in paths]
    lines = [count_lines(p) for p in paths]

    reference_pass(paths)  # warm the page cache
    summary = join_pass(paths)
    ref_times, join_times = [], []
    for _ in range(args.repeats):
        ref_times.append(timed(reference_pass, paths))
        join_times.append(timed(join_pass, paths))
    tm = memory(paths, "tracemalloc")
    rss = memory(paths, "rss")
    mb = 1024 * 1024
    figures = {
        "machine": machine(),
        "files_mb": [round(s / mb, 1) for s in sizes],
        "lines": lines,
        "counts": summary["counts"],
        "reference_s": {"best": min(ref_times), "median": statistics.median(ref_times)},
        "join_s": {"best": min(join_times), "median": statistics.median(join_times)},
        "ratio_best": min(join_times) / min(ref_times),
        "ratio_median": statistics.median(join_times) / statistics.median(ref_times),
        "line_index_mb": tm["index_bytes"] / mb,
        "tracemalloc_peak_beyond_index_mb": (tm["peak"] - tm["index_bytes"]) / mb,
        "retained_beyond_index_mb": (tm["current"] - tm["index_bytes"]) / mb,
        "rss_anon_peak_growth_mb": (rss["peak"] - rss["base"]) / mb,
        "repeats": args.repeats,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"machine: {figures['machine']}")
    print(f"data: {args.dir} (generated in {gen:.1f} s)" if gen > 1 else f"data: {args.dir}")
    for name, size, n in zip(("input", "output", "errors"), sizes, lines, strict=True):
        print(f"  {name:<7}{size / mb:8.1f} MB {n:>8,} lines")
    c = summary["counts"]
    print(
        f"  join: {c['succeeded']:,} succeeded ({c['truncated']:,} truncated), "
        f"{c['failed']:,} failed, {c['expired']:,} expired, {c['missing']:,} missing"
    )
    print(f"time ({args.repeats} interleaved runs, page cache warm)      best   median")
    print(
        f"  reference: orjson.loads every line, 1 thread   "
        f"{figures['reference_s']['best']:6.3f} s {figures['reference_s']['median']:6.3f} s"
    )
    print(
        f"  join to a complete summary                     "
        f"{figures['join_s']['best']:6.3f} s {figures['join_s']['median']:6.3f} s"
    )
    print(
        f"  ratio join / reference                         "
        f"{figures['ratio_best']:6.2f} x {figures['ratio_median']:6.2f} x   (target <= 1.5)"
    )
    print("memory")
    print(f"  line indexes (3 files)                  {figures['line_index_mb']:7.1f} MB")
    print(
        f"  tracemalloc peak beyond the indexes     "
        f"{figures['tracemalloc_peak_beyond_index_mb']:7.1f} MB   (target <= 100)"
    )
    print(
        f"  kept after the join beyond the indexes  {figures['retained_beyond_index_mb']:7.1f} MB"
    )
    print(f"  RssAnon peak growth (all, incl. index)  {figures['rss_anon_peak_growth_mb']:7.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Headless validation throughput against a plain orjson pass, and memory when every line is
wrong. Run by hand (not collected by pytest)::

    .venv/bin/python tests/benchmarks/bench_validate.py [--repeats 5] [--dir /tmp/batchtui-bench]

What is measured, in the same run and interleaved so machine load hits both alike:

* reference: a single-threaded orjson-only pass over the file: ``for line in file:
  orjson.loads(line)`` (buffered reads), and the same over ``LineIndex.iter_lines`` (pread
  blocks);
* ``validate``: ``LineIndex(path)`` + ``Validator.run()`` in one thread: scan, parse, every
  rule, file-level findings (what the TUI's worker does);
* ``validate -j2``: :func:`batchtui.validation.parallel.validate_parallel` over 2 processes
  (what ``batchtui validate`` does for large files).

The file: 50,000 ``/v1/chat/completions`` requests, ~200 MB (under the 209,715,200-byte limit
so it is clean), system + user (+ sometimes an assistant and a second user turn), mixed English
and CJK text, raw UTF-8. Generated once into ``--dir`` and reused.

Memory: a child process validating a clean file vs a file of the same line count where every
line has eight findings (the report keeps counts and a few examples, not findings).

Results (2 shared vCPUs, other jobs running: load average 0.65 -> 0.90 during the run;
Python 3.11.7, orjson 3.13.0; 197 MB, 50,000 lines; 7 repeats)::

                                   best    median  MB/s   x ref best/median  CPU    x ref CPU
    orjson, file lines (reference) 0.463s  0.560s  426    1.00 / 1.00        0.452s 1.00
    orjson, LineIndex lines        0.604s  0.690s  327    0.77 / 0.81        0.604s 0.75
    validate, 1 thread             0.804s  0.935s  245    0.58 / 0.60        0.803s 0.56
    validate, 2 processes          0.562s  0.625s  351    0.82 / 0.90

    validating in a thread, a 2 ms sleep in the main thread wakes up late by: median 5.3 ms,
    p99 9.3 ms, max 9.7 ms (GIL switch interval 5 ms)

    clean 200 MB file    thread    RSS +45,040 KiB  heap 6,929 KiB  (0 findings)
    every line wrong     thread    RSS +26,496 KiB  heap 5,053 KiB  (400,000 findings)

The heap of the clean file is mostly the custom_id -> first line dict (50,000 ids); 400,000
findings cost 5 MB, where keeping them as objects would cost ~100 MB. Under heavier load (load
average > 2, the second core busy) the 2-process figure falls to about the 1-thread one.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from batchtui.jsonl.index import LineIndex  # noqa: E402
from batchtui.validation.engine import Validator  # noqa: E402

LINES = 50_000
TARGET_BYTES = 200_000_000
MODEL = "gpt-4o-mini"
_EN = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "on",
    "with",
    "that",
    "this",
    "batch",
    "request",
    "model",
    "summary",
    "translate",
    "explain",
    "customer",
    "order",
    "delivery",
    "invoice",
    "report",
    "meeting",
    "schedule",
    "weather",
    "city",
    "train",
    "flight",
    "data",
    "please",
    "briefly",
    "carefully",
    "first",
    "then",
    "finally",
    "because",
    "however",
    "service",
    "support",
    "refund",
]
_CJK = [
    "今日は晴れて暖かいです",
    "次の文を要約してください",
    "配送は遅れましたが品質は素晴らしい",
    "오늘",
    "서울은",
    "맑고",
    "따뜻합니다",
    "다음",
    "리뷰의",
    "감정을",
    "분류하세요",
    "고객",
    "문의에",
    "답변해",
    "주세요",
    "请把下面的句子翻译成英文",
    "数据文件处理结果报告",
    "会议明天上午九点开始",
    "谢谢",
]


def _text(rng: random.Random, target: int) -> str:
    out: list[str] = []
    size = 0
    while size < target:
        word = rng.choice(_CJK) if rng.random() < 0.4 else rng.choice(_EN)
        out.append(word)
        size += len(word.encode()) + 1
    return " ".join(out)


def generate(path: Path, lines: int = LINES, target: int = TARGET_BYTES) -> None:
    """Deterministic: a pool of distinct bodies, each line a unique custom_id + a pooled body."""
    rng = random.Random(20260301)
    per_line = target // lines
    pool: list[bytes] = []
    for _ in range(2000):
        # Line = envelope (~80 bytes) + body; vary the prompt length around the mean.
        prompt = max(50, int(rng.gauss(per_line - 450, per_line / 4)))
        messages = [
            {"role": "system", "content": _text(rng, 120)},
            {"role": "user", "content": _text(rng, prompt)},
        ]
        if rng.random() < 0.3:
            messages += [
                {"role": "assistant", "content": _text(rng, 80)},
                {"role": "user", "content": _text(rng, 60)},
            ]
        body = {
            "model": MODEL,
            "messages": messages,
            "max_tokens": rng.choice((64, 256, 1024)),
            "temperature": rng.choice((0, 0.2, 0.7, 1.0)),
        }
        pool.append(orjson.dumps(body))
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        for i in range(lines):
            f.write(
                b'{"custom_id":"req-%07d","method":"POST","url":"/v1/chat/completions","body":%s}\n'
                % (i, rng.choice(pool))
            )
    tmp.replace(path)


def generate_bad(path: Path, lines: int = LINES) -> None:
    bad = orjson.dumps(
        {
            "custom_id": 7,
            "method": "GET",
            "url": "/v1/chat/completion",
            "extra": 1,
            "body": {"model": "m", "messages": [], "stream": True, "temperature": 9, "max_toke": 1},
        }
    )
    path.write_bytes((bad + b"\n") * lines)


def orjson_file_pass(path: Path) -> int:
    n = 0
    loads = orjson.loads
    with path.open("rb", buffering=1 << 20) as f:
        for line in f:
            loads(line)
            n += 1
    return n


def orjson_index_pass(path: Path) -> int:
    index = LineIndex(path)
    index.scan()
    loads = orjson.loads
    n = 0
    for _, data in index.iter_lines():
        loads(data)
        n += 1
    index.close()
    return n


def validate_one_thread(path: Path) -> int:
    index = LineIndex(path)
    validator = Validator(index)
    validator.run()
    snap = validator.report.snapshot()
    index.close()
    assert snap.lines_checked == LINES
    return snap.total


def validate_two_processes(path: Path) -> int:
    from batchtui.validation.parallel import validate_parallel

    validator = validate_parallel(path, processes=2)
    snap = validator.report.snapshot()
    assert snap.lines_checked == LINES
    return snap.total


def thread_stalls(path: Path) -> tuple[float, float, float]:
    """Validate in a thread while this thread sleeps 2 ms at a time, like a UI waiting for
    input; return how late the wake-ups are (median, p99, max, in ms): the cost of sharing
    the GIL with the validator."""
    import threading

    index = LineIndex(path)
    index.scan()
    done = threading.Event()

    def work() -> None:
        Validator(index).run()
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    late: list[float] = []
    while not done.is_set():
        t = time.perf_counter()
        time.sleep(0.002)
        late.append((time.perf_counter() - t - 0.002) * 1000)
    thread.join()
    late.sort()
    return late[len(late) // 2], late[int(len(late) * 0.99)], late[-1]


def timed(fn: Callable[[Path], object], path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    t, c = time.perf_counter(), time.process_time()
    fn(path)
    return time.perf_counter() - t, time.process_time() - c


def child_memory(path: Path, mode: str) -> tuple[int, int | None, int]:
    """(peak RSS growth KiB, validator heap peak KiB or None, findings) of a fresh process
    validating ``path``. RSS comes from /proc (VmHWM; ru_maxrss survives exec on Linux, so a
    child of a big parent would inherit its peak) and includes imports and the file pages
    mapped while reading. The heap peak (tracemalloc, a second run, thread mode only) is what
    ``Validator.run()`` allocates on an already scanned index: the validator's own memory."""
    code = (
        "import sys, tracemalloc\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from batchtui.jsonl.index import LineIndex\n"
        "from batchtui.validation.engine import Validator\n"
        "from batchtui.validation.parallel import validate_parallel\n"
        "def hwm():\n"
        "    for row in open('/proc/self/status'):\n"
        "        if row.startswith('VmHWM:'):\n"
        "            return int(row.split()[1])\n"
        f"path, mode = {str(path)!r}, {mode!r}\n"
        "base = hwm()\n"
        "if mode == 'parallel':\n"
        "    v = validate_parallel(path, processes=2)\n"
        "else:\n"
        "    v = Validator(LineIndex(path)); v.run(on_findings=lambda b, f: None)\n"
        "total = v.report.snapshot().total\n"
        "rss = hwm() - base\n"
        "heap = -1\n"
        "if mode == 'thread':\n"
        "    index = LineIndex(path); index.scan()\n"
        "    tracemalloc.start()\n"
        "    Validator(index).run(on_findings=lambda b, f: None)\n"
        "    heap = tracemalloc.get_traced_memory()[1] // 1024\n"
        "print(rss, heap, total)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss, heap, total = out.stdout.split()
    return int(rss), (int(heap) if int(heap) >= 0 else None), int(total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--dir", default=os.environ.get("BATCHTUI_BENCH_DIR", "/tmp/batchtui-bench")
    )
    args = parser.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    path = work / "chat-50k-200mb.jsonl"
    if not path.exists() or path.stat().st_size < TARGET_BYTES * 0.9:
        t = time.perf_counter()
        generate(path)
        print(f"generated {path} in {time.perf_counter() - t:.1f}s")
    size = path.stat().st_size
    bad = work / "every-line-wrong-50k.jsonl"
    if not bad.exists():
        generate_bad(bad)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"orjson {orjson.__version__}, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"file: {path} ({size:,} bytes, {LINES:,} lines, {size / LINES:,.0f} bytes/line)")
    assert validate_one_thread(path) == 0, "the benchmark file should be clean"

    runs: dict[str, list[float]] = {
        "orjson, file lines (reference)": [],
        "orjson, LineIndex lines": [],
        "validate, 1 thread": [],
        "validate, 2 processes": [],
    }
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    fns = [orjson_file_pass, orjson_index_pass, validate_one_thread, validate_two_processes]
    orjson_file_pass(path)  # warm the page cache
    for _ in range(args.repeats):
        for name, fn in zip(runs, fns, strict=True):
            wall, cpu = timed(fn, path)
            runs[name].append(wall)
            cpus[name].append(cpu)
    ref = runs["orjson, file lines (reference)"]
    ref_cpu = min(cpus["orjson, file lines (reference)"])
    mb = size / 1e6
    print(
        f"\n{'wall clock':34} {'best':>8} {'median':>8} {'MB/s best':>10} "
        f"{'x ref best/median':>18} {'CPU best':>9} {'x ref CPU':>9}"
    )
    for name, times in runs.items():
        best, med = min(times), statistics.median(times)
        # CPU time of this process only: meaningless for the 2-process run.
        cpu = min(cpus[name])
        cpu_cols = f"{cpu:8.3f}s {ref_cpu / cpu:9.2f}" if "processes" not in name else ""
        print(
            f"{name:34} {best:7.3f}s {med:7.3f}s {mb / best:9.0f} "
            f"{min(ref) / best:9.2f} / {statistics.median(ref) / med:.2f}   {cpu_cols}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    median, p99, worst = thread_stalls(path)
    print(
        f"\nvalidating in a thread, a 2 ms sleep in the main thread wakes up late by: median "
        f"{median:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms (GIL switch interval "
        f"{sys.getswitchinterval() * 1000:.0f} ms)"
    )
    print(
        "\nmemory of a fresh process: peak RSS growth (imports, mapped file pages, everything) "
        "and the heap\npeak of Validator.run() on a scanned index; the every-line-wrong file has "
        f"{LINES:,} lines x 8 findings:"
    )
    for label, p in (("clean 200 MB file", path), ("every line wrong", bad)):
        for mode in ("thread", "parallel"):
            rss, heap, total = child_memory(p, mode)
            heap_text = f"heap {heap:>7,} KiB" if heap is not None else " " * 17
            print(f"  {label:20} {mode:9} RSS +{rss:>9,} KiB  {heap_text}  ({total:,} findings)")


if __name__ == "__main__":
    main()

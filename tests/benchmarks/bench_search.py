"""Search and filter timings on the 1 GB file, beside grep, in the same run (issue #15).

Run by hand from the repository root (not by pytest)::

    .venv/bin/python tests/benchmarks/bench_search.py [--size-gb 1.0] [--reps 5]
        [--engines hyperscan,python] [--cli] [--data-dir /tmp/batchtui-bench]

Every mode is measured against its grep counterpart on the same file: a smart-case text
search (hit and miss, lower case = case-insensitive, a capital = case-sensitive) against
``grep -c -F`` (``-i`` when the query is lower case), a JSON-escaped CJK search against
``grep -c -F -e 한국어 -e '\\ud55c\\uad6d\\uc5b4'`` on a file written with ``ensure_ascii``,
patterns against ``grep -c -E``, and field filters against the closest ``grep -c -E``. Runs
are interleaved (batchtui, grep, batchtui, grep ...) after one warm-up read, so both see the
same page cache and the same load; the best and the median of ``--reps`` runs are printed
with their ratio. The load average is printed before and after: on a shared machine only
same-run ratios mean anything.

What is timed for batchtui:

* ``scan``: the engine in-process, counting matching lines (what ``/`` and ``batchtui grep
  -c`` do per file), warm (the TUI is a running process);
* ``filter``: the same, numbering every matching line from the index, as ``&`` does;
* ``--cli``: ``batchtui grep -c`` as a new process, start-up included.

The data files are generated once by ``_datagen.py`` under ``--data-dir`` (default
``/tmp/batchtui-bench``) and reused; delete them when done.

Measured 2026-11-30 (2-core x86_64 VM shared with other work, load average 0.85 before and
1.66 after the run, page cache warm; 1 GB, 1.63M lines; best of 5, ratio of the bests;
``--reps 5 --cli --engines hyperscan,python``). hyperscan engine:

=====================================  =====  ======  =====  =========
mode                                   scan   filter  cli    grep best
=====================================  =====  ======  =====  =========
text lower, hit (207k lines)           0.78x  1.02x   1.01x  0.535 s
text lower, miss                       0.44x  0.47x   0.66x  0.633 s
text capital, hit (229k lines)         0.75x  0.99x   0.90x  0.561 s
text capital, miss                     0.52x  0.50x   0.69x  0.535 s
CJK, JSON-escaped file (100k lines)    0.32x  0.38x   0.44x  0.973 s
CJK, raw UTF-8 (133k lines)            0.88x  1.09x   1.19x  0.410 s
pattern, sparse (258k lines)           0.48x  0.64x   0.56x  1.040 s
pattern, dense (818k lines)            1.20x  1.75x   1.20x  0.608 s
fields model=gpt-4o max_tokens>1000    1.51x  1.62x   1.48x  1.055 s
fields custom_id^=req-00001            1.09x  1.12x   1.60x  0.336 s
=====================================  =====  ======  =====  =========

``cli`` includes Python's start-up (0.135 s for ``batchtui grep -c`` on a small file).
``filter`` numbers every matching line (a binary search in the index each), which costs
most where almost every line matches. The pure-Python engine (no hyperscan) is 1.1-3x grep
for text and sparse patterns and 6x for the dense pattern. Before this engine, the issue
measured a lower-case miss at 4.6 s against ``grep -ci``'s 0.7 s (6.6x).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _datagen import ensure_batch_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from batchtui.jsonl.index import LineIndex  # noqa: E402
from batchtui.query import compile_query, scan  # noqa: E402
from batchtui.query.engine import ENGINE_ENV, Matcher  # noqa: E402

GREP = "grep"
# (name, file, query text, mode, grep arguments)
CASES = [
    ("text lower, hit", "utf8", "refund", "text", ["-c", "-F", "-i", "refund"]),
    ("text lower, miss", "utf8", "quantum", "text", ["-c", "-F", "-i", "quantum"]),
    ("text capital, hit", "utf8", "Summarize", "text", ["-c", "-F", "Summarize"]),
    ("text capital, miss", "utf8", "Quantum", "text", ["-c", "-F", "Quantum"]),
    (
        "CJK, JSON-escaped",
        "ascii",
        "한국어",
        "text",
        ["-c", "-F", "-e", "한국어", "-e", "\\ud55c\\uad6d\\uc5b4"],
    ),
    (
        "CJK, raw UTF-8",
        "utf8",
        "한국어",
        "text",
        ["-c", "-F", "-e", "한국어", "-e", "\\ud55c\\uad6d\\uc5b4"],
    ),
    (
        "pattern, sparse",
        "utf8",
        r'"max_tokens":[0-9]{4}',
        "pattern",
        ["-c", "-E", '"max_tokens":[0-9]{4}'],
    ),
    ("pattern, dense", "utf8", r"gpt-4o(-mini)?", "pattern", ["-c", "-E", "-i", "gpt-4o(-mini)?"]),
    (
        "fields: model=gpt-4o body.max_tokens>1000",
        "utf8",
        "model=gpt-4o body.max_tokens>1000",
        "fields",
        [
            "-c",
            "-E",
            '"model":"gpt-4o".*"max_tokens":(100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2}|[2-9][0-9]{3}|[1-9][0-9]{4,})[,}]',
        ],
    ),
    (
        "fields: custom_id^=req-00001",
        "utf8",
        "custom_id^=req-00001",
        "fields",
        ["-c", "-E", '^\\{"custom_id":"req-00001'],
    ),
]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def run_grep(args: list[str], path: Path) -> int:
    proc = subprocess.run([GREP, *args, str(path)], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr)
    return int(proc.stdout.strip() or 0)


def run_cli(text: str, mode: str, path: Path) -> int:
    flag = {"text": [], "pattern": ["-E"], "fields": ["--field"]}[mode]
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "grep", "-c", *flag, text, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr)
    return int(proc.stdout.strip() or 0)


def count(index: LineIndex, matcher: Matcher, number: bool) -> int:
    return sum(
        len(h) for h in scan(index, matcher.query, matcher=matcher, number=number, first_line=None)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--engines", default="hyperscan", help="comma-separated: hyperscan,python")
    ap.add_argument("--cli", action="store_true", help="also time `batchtui grep -c` processes")
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--data-dir", default="/tmp/batchtui-bench")
    a = ap.parse_args()

    data = Path(a.data_dir)
    size = int(a.size_gb * 1e9)
    files = {
        "utf8": ensure_batch_file(data / f"search-{a.size_gb:g}gb.jsonl", size)[0],
        "ascii": ensure_batch_file(
            data / f"search-{a.size_gb:g}gb-ascii.jsonl", size, ascii_only=True
        )[0],
    }
    import hyperscan

    print(f"# batchtui search benchmark, {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, hyperscan {getattr(hyperscan, '__version__', '?')}"
    )
    for key, info in files.items():
        print(f"# {key}: {info.path}: {info.bytes:,} bytes, {info.lines:,} lines")
    print(f"# load average before: {load()}")
    indexes = {}
    for key, info in files.items():
        with open(info.path, "rb") as f:  # warm the page cache: grep and batchtui alike
            while f.read(16 << 20):
                pass
        ix = LineIndex(info.path)
        ix.scan()
        indexes[key] = ix
    engines = a.engines.split(",")
    header = f"{'mode':44} {'engine':10} {'what':7} {'best':>7} {'median':>7}   {'grep best':>9} {'median':>7}  ratio(best) lines"
    print(header)
    for name, file_key, text, mode, grep_args in CASES:
        if a.only and a.only not in name:
            continue
        path = Path(files[file_key].path)
        ix = indexes[file_key]
        for engine in engines:
            os.environ[ENGINE_ENV] = engine
            query = compile_query(text, mode)
            matcher = Matcher(query)
            kinds: list[tuple[str, Callable[[], int]]] = [
                ("scan", lambda m=matcher, i=ix: count(i, m, False)),
                ("filter", lambda m=matcher, i=ix: count(i, m, True)),
            ]
            if a.cli:
                kinds.append(("cli", lambda t=text, md=mode, p=path: run_cli(t, md, p)))
            for what, fn in kinds:
                ours: list[float] = []
                theirs: list[float] = []
                n_ours = n_grep = -1
                for _ in range(a.reps):  # interleaved
                    dt, n_ours = timed(fn)
                    ours.append(dt)
                    dt, n_grep = timed(lambda g=grep_args, p=path: run_grep(g, p))
                    theirs.append(dt)
                same = "" if n_ours == n_grep else f" (grep: {n_grep:,})"
                print(
                    f"{name:44} {matcher.engine:10} {what:7} {min(ours):7.3f} "
                    f"{statistics.median(ours):7.3f}   {min(theirs):9.3f} "
                    f"{statistics.median(theirs):7.3f}  {min(ours) / min(theirs):5.2f}x  "
                    f"{n_ours:,}{same}",
                    flush=True,
                )
    os.environ.pop(ENGINE_ENV, None)
    print(f"# load average after: {load()}")


if __name__ == "__main__":
    main()

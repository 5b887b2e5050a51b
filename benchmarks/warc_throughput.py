"""Pages per second and peak memory over a WARC file: one process, ``--jobs 2``, and Spark local mode with 2 cores.

    python benchmarks/warc_throughput.py --pages 2000          # --json FILE writes the figures

Builds ``benchmarks/out/warc/bench.warc.gz`` (gitignored; never commit it) from pages of the shared datasets
(``../shared/datasets`` or ``$BLOCKSIFT_SHARED_DATASETS``), taken in turn from each dataset, as HTTP responses with
a bare ``text/html`` type (the page decides its own encoding), each after a request record as crawlers write them.
Then it runs, each in its own process tree:

- ``blocksift predict bench.warc.gz`` (one process),
- ``blocksift predict bench.warc.gz --jobs 2``,
- ``python -m blocksift.spark_job bench.warc.gz --master local[2] --partitions 2`` (Spark needs Java and pyspark),

and samples the resident memory of the whole tree (parent, workers, the JVM and Spark's Python workers) every
0.1 s with psutil, so "peak MB" is the most the run held at once. Wall time includes start-up (loading the model;
for Spark the JVM and the session, given apart as "start"). Figures from a shared machine vary with its load: the
script prints the load average beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BLOCKSIFT_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))
OUT = REPO / "benchmarks" / "out" / "warc"


def build_warc(path: Path, pages: int) -> int:
    """Write ``pages`` pages of the shared datasets (round robin over them) to ``path``; returns the pages written."""
    from blocksift.datasets import read_html_file
    from blocksift.warc import write_warc

    lists = [sorted((d / "html").iterdir()) for d in sorted(SHARED.iterdir()) if (d / "html").is_dir()]
    chosen: list[Path] = []
    for i in range(max(map(len, lists))):
        chosen += [files[i] for files in lists if i < len(files)]
        if len(chosen) >= pages:
            break
    chosen = chosen[:pages]
    write_warc(
        path,
        ((f"https://{p.parent.parent.name}.example/{p.name}", read_html_file(p), "text/html") for p in chosen),
    )
    return len(chosen)


def _tree_rss(root: Any) -> int:
    import psutil

    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a process that ended meanwhile
            total += proc.memory_info().rss
    return total


def measure(cmd: list[str], stdout: Any = subprocess.DEVNULL) -> dict[str, Any]:
    """Run ``cmd``; its wall time, exit code, stderr, and the peak RSS of its whole process tree (MB)."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=REPO)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(root))
            except psutil.Error:
                break
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"seconds": seconds, "code": proc.returncode, "peak_mb": peak / 1e6, "stderr": err}


def _pages_done(stderr: str) -> int:
    match = re.search(r"([\d,]+) pages: ([\d,]+) done|[\d,]+ of ([\d,]+) pages failed, ([\d,]+) done", stderr)
    if not match:
        raise RuntimeError(f"no summary in the output:\n{stderr[-2000:]}")
    return int((match.group(1) or match.group(3)).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"no shared datasets at {SHARED}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    warc = OUT / "bench.warc.gz"
    n = build_warc(warc, args.pages)
    print(f"{warc}: {n} pages, {warc.stat().st_size / 1e6:.1f} MB compressed; load average {os.getloadavg()}")
    runs: dict[str, dict[str, Any]] = {}
    blocksift = [sys.executable, "-m", "blocksift", "predict", str(warc)]
    for name, cmd in (("1 process", blocksift), ("--jobs 2", [*blocksift, "--jobs", "2"])):
        result = measure(cmd)
        result["pages"] = _pages_done(result["stderr"])
        runs[name] = result
    if not args.skip_spark and shutil.which("java"):
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            cmd = [sys.executable, "-m", "blocksift.spark_job", str(warc), "--output", f"{tmp}/pages.parquet"]
            env_cmd = [*cmd, "--master", "local[2]", "--partitions", "2"]
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            result = measure(env_cmd)
        match = re.search(r"([\d,]+) records from .* in ([\d.]+) s", result["stderr"])
        if result["code"] not in (0, 1) or not match:
            print(result["stderr"][-3000:], file=sys.stderr)
            return 1
        result["pages"] = int(match.group(1).replace(",", ""))
        result["job_seconds"] = float(match.group(2))
        runs["Spark local[2]"] = result
    print("\n| run | pages | wall s | pages/s | pages/s per core | peak MB |\n|---|---:|---:|---:|---:|---:|")
    for name, r in runs.items():
        cores = 1 if name == "1 process" else 2
        rate = r["pages"] / r["seconds"]
        figures = f"{r['seconds']:.1f} | {rate:.1f} | {rate / cores:.1f} | {r['peak_mb']:.0f}"
        line = f"| {name} | {r['pages']:,} | {figures} |"
        if "job_seconds" in r:
            line += f" (job without start-up: {r['job_seconds']:.1f} s, {r['pages'] / r['job_seconds']:.1f} pages/s)"
        print(line)
    print(f"load average after: {os.getloadavg()}")
    if args.json is not None:
        figures = {k: {kk: v for kk, v in r.items() if kk != "stderr"} for k, r in runs.items()}
        args.json.write_text(json.dumps({"warc_pages": n, "runs": figures}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

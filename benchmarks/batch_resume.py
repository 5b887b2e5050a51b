"""Kill a batch outright, resume it, and check that no page is lost.

    python3 benchmarks/batch_resume.py                     # 10,000 pages, three kills
    python3 benchmarks/batch_resume.py --pages 1000 --kills 2 --jobs 2 --seed 1

Makes ``--pages`` small synthetic pages in a temporary folder (varied news, forum, listing and table pages in
sub-folders, some gzipped, some ``.htm``; about 3% broken on purpose: empty, binary junk, JSON, a PDF, a damaged
``.html.gz``), then runs ``blocksift predict PAGES -o OUT --jobs 2 --format jsonl --skip-existing --errors LOG`` in
its own process group and SIGKILLs the whole group (the command and its workers) once a random share (10% to 50%)
of the pages still to do is done; it does so ``--kills`` times, resuming each time, and lets the last run finish.
At the end every page must be accounted for: an output file that holds one complete JSON record, or a failure in the
last run's error log (the broken pages, and only they); no temporary file may be left in OUT. Prints the figures and
exits 1 where a check fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCABULARY = """
harbour ferry council library river market school station bridge garden museum festival weather season morning evening
village city island valley mountain forest coast winter summer spring autumn report announced confirmed planned opened
closed delayed expected visitors residents students passengers workers tickets prices hours timetable budget project
street square building tower park theatre concert match
"""
WORDS = VOCABULARY.split()


SUMMARY = re.compile(r"blocksift: [\d,]+ (of [\d,]+ pages failed|pages:)")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + rng.choice(".!?.")


def nav(rng: random.Random) -> str:
    items = "".join(f'<li><a href="/{w}">{w.title()}</a></li>' for w in rng.sample(WORDS, rng.randint(3, 9)))
    return f'<nav class="menu"><ul>{items}</ul></nav>'


def news(rng: random.Random, i: int) -> str:
    body = "".join(
        f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(1, 5)))}</p>" for _ in range(rng.randint(2, 9))
    )
    return f"<article><h1>Story {i}: {sentence(rng)}</h1>{body}</article><aside>{nav(rng)}</aside>"


def forum(rng: random.Random, i: int) -> str:
    posts = "".join(
        f'<div class="post"><span class="author">user{rng.randint(1, 999)}</span><div class="body">'
        f"{' '.join(sentence(rng) for _ in range(rng.randint(1, 4)))}</div></div>"
        for _ in range(rng.randint(1, 8))
    )
    return f"<h1>Thread {i}</h1>{posts}"


def listing(rng: random.Random, i: int) -> str:
    items = "".join(f"<li><a href='/item/{n}'>{sentence(rng)}</a> {rng.randint(1, 99)} EUR</li>" for n in range(9))
    return f"<h2>Listing {i}</h2><ul>{items}</ul><p>{sentence(rng)}</p>"


def table(rng: random.Random, i: int) -> str:
    rows = "".join(
        f"<tr><td>{rng.choice(WORDS)}</td><td>{rng.randint(0, 9999)}</td><td>{sentence(rng)}</td></tr>"
        for _ in range(rng.randint(3, 20))
    )
    return f"<h1>Table {i}</h1><table>{rows}</table><p>{sentence(rng)}</p>"


def good_page(rng: random.Random, i: int) -> bytes:
    kind = rng.choice([news, news, forum, listing, table])
    extra = "<!-- a comment --><script>var x = 1;</script>" if rng.random() < 0.3 else ""
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Page {i}</title></head><body>{nav(rng)}{extra}"
        f"<main>{kind(rng, i)}</main><footer>Copyright {rng.randint(1999, 2025)}</footer></body></html>"
    )
    if rng.random() < 0.05:
        html = html[: rng.randint(len(html) // 2, len(html))]  # truncated: still a page
    if rng.random() < 0.03:
        return html.encode("utf-8").replace(b" ", b" \x00")  # NUL bytes: still a page
    if rng.random() < 0.05:
        return html.replace("utf-8", "windows-1252").encode("cp1252", errors="replace")
    return html.encode("utf-8")


def broken_page(rng: random.Random) -> tuple[bytes, str]:
    kind = rng.choice(["empty", "junk", "json", "pdf", "badgz"])
    if kind == "empty":
        return rng.choice([b"", b"  \n\t "]), kind
    if kind == "junk":
        return rng.randbytes(rng.randint(500, 20_000)), kind
    if kind == "json":
        return json.dumps({"id": rng.randint(0, 10**6), "text": sentence(rng)}).encode(), kind
    if kind == "pdf":
        return b"%PDF-1.4\n" + rng.randbytes(2_000), kind
    return b"\x1f\x8b\x08\x00" + rng.randbytes(300), kind  # gzip magic, damaged stream


def make_pages(root: Path, n: int, rng: random.Random) -> dict[str, str | None]:
    """Write ``n`` pages below ``root``; return {path: kind of breakage or None}."""
    pages: dict[str, str | None] = {}
    for i in range(n):
        folder = root / f"part{i // 1000:02d}"
        folder.mkdir(exist_ok=True)
        broken: str | None = None
        if rng.random() < 0.03:
            data, broken = broken_page(rng)
        else:
            data = good_page(rng, i)
        suffix = rng.choice([".html"] * 8 + [".htm", ".html.gz"])
        if broken == "badgz":
            suffix = ".html.gz"
        elif suffix == ".html.gz":
            data = gzip.compress(data)
        path = folder / f"page{i:05d}{suffix}"
        path.write_bytes(data)
        pages[str(path)] = broken
    return pages


def count_outputs(out: Path) -> int:
    try:
        with os.scandir(out) as entries:
            return sum(1 for e in entries if e.name.endswith(".jsonl"))
    except FileNotFoundError:
        return 0


def temporaries(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.endswith(".tmp")] if out.exists() else []


def predict(pages: Path, out: Path, log: Path, jobs: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "blocksift", "predict", str(pages), "-o", str(out), "--jobs", str(jobs)]
    cmd += ["--format", "jsonl", "--skip-existing", "--errors", str(log)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="blocksift-resume-") as tmp:
        root, out = Path(tmp) / "pages", Path(tmp) / "out"
        root.mkdir()
        started = time.monotonic()
        pages = make_pages(root, args.pages, rng)
        made = time.monotonic() - started
        expected_failures = {p for p, broken in pages.items() if broken}
        print(f"pages: {len(pages):,} in {made:.1f} s ({len(expected_failures):,} broken on purpose)", flush=True)
        runs: list[str] = []
        run_start = time.monotonic()
        for k in range(args.kills + 1):
            log = Path(tmp) / f"errors-{k}.jsonl"
            t0 = time.monotonic()
            before = count_outputs(out)
            proc = predict(root, out, log, args.jobs)
            killed = False
            if k < args.kills:
                # A random kill point: once a random share (10% to 50%) of the pages still to do is done.
                target = before + int(rng.uniform(0.1, 0.5) * (len(pages) - len(expected_failures) - before))
                while proc.poll() is None and count_outputs(out) < target:
                    time.sleep(0.2)
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    killed = True
            _, stderr = proc.communicate()
            done = count_outputs(out)
            left = temporaries(out)
            status = "SIGKILLed" if killed else f"exit {proc.returncode}"
            summary = [line for line in stderr.decode(errors="replace").splitlines() if SUMMARY.match(line)]
            runs.append(
                f"run {k + 1}: {status} after {time.monotonic() - t0:.1f} s; outputs {before:,} -> {done:,}; "
                f"temporary files left: {len(left)}" + (f"; {summary[-1]}" if summary else "")
            )
            print(runs[-1], flush=True)
        total = time.monotonic() - run_start
        final_log = Path(tmp) / f"errors-{args.kills}.jsonl"
        failures = {json.loads(line)["source"] for line in final_log.read_text().splitlines()}
        outputs = {p.name for p in out.iterdir() if p.name.endswith(".jsonl")}
        problems: list[str] = []
        accounted = 0
        for path in pages:
            name = Path(path).name
            for suffix in (".html.gz", ".html", ".htm"):
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
                    break
            has_output = f"{name}.jsonl" in outputs
            if has_output:
                record = json.loads((out / f"{name}.jsonl").read_text())  # complete JSON, or this raises
                if record.get("source") != path:
                    problems.append(f"{name}.jsonl holds {record.get('source')}, not {path}")
            if has_output == (path in failures):
                problems.append(f"{path}: {'both an output and an error' if has_output else 'neither'}")
            else:
                accounted += 1
        if failures != expected_failures:
            problems.append(
                f"failed pages differ from the broken ones: {len(failures - expected_failures)} unexpected, "
                f"{len(expected_failures - failures)} broken pages not reported"
            )
        left = temporaries(out)
        if left:
            problems.append(f"temporary files left: {left[:5]}")
        print(
            f"final: {len(pages):,} pages, {args.kills} kills, {args.kills} resumes; {len(outputs):,} outputs + "
            f"{len(failures):,} reported errors = {len(outputs) + len(failures):,}; accounted for {accounted:,}; "
            f"temporary files left {len(left)}; {total:.1f} s from the first run to the end"
        )
        for problem in problems[:20]:
            print(f"PROBLEM: {problem}")
        print("every page accounted for" if not problems else f"{len(problems)} problems")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

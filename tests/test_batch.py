"""Batches lose nothing: one result per input, in order, whatever happens to a page or to the process running it.

The pool tests give ``run`` a page function of their own (its ``work`` argument) that kills its worker, runs out of
memory, hangs or raises on chosen pages; the command-line tests run ``blocksift predict`` end to end.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blocksift.batch import OUT_OF_MEMORY, WORKER_DIED, Pool, Result, Source, expand, memory_limit_supported, run
from blocksift.cli import app
from conftest import started_workers, survivors

ARTICLE = (
    "<html><head><title>Ferry</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
    "<h1>Morning ferry to leave earlier</h1><p>The harbour master confirmed on Tuesday that the morning ferry will "
    "leave twenty minutes earlier from next month, because the tide tables for the winter season have shifted.</p>"
    "<p>Passengers who booked tickets for the old departure time will be contacted by the operator, which said it "
    "would refund anyone who can no longer travel on the earlier boat.</p></article></body></html>"
)

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the test's page functions reach workers by fork")


def sources(n: int, special: dict[int, str] | None = None) -> list[Source]:
    """``n`` sources named p0, p1, ...; ``special`` adds a word to some names that the page function acts on."""
    special = special or {}
    return [Source(f"p{i}-{special.get(i, 'ok')}") for i in range(n)]


def work(source: Source) -> Result:
    """A page function that misbehaves on command (the word after the dash in the source's name)."""
    word = source.name.split("-", 1)[1]
    if word == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if word == "exit":
        os._exit(3)
    if word == "oom":
        bytearray(4 << 30)  # 4 GB: more than the test's memory limit allows
    if word == "hang":
        time.sleep(600)
    if word == "bug":
        raise ValueError("a bug")
    if word.startswith("once:"):  # dies the first time only (the marker file remembers)
        marker = Path(word[len("once:") :])
        if not marker.exists():
            marker.write_text("died here once")
            os.kill(os.getpid(), signal.SIGKILL)
    return Result(source, f"done {source.name}")


def collect(srcs: list[Source], **kwargs: object) -> list[Result]:
    results = list(run(srcs, model_path=None, fmt="text", work=work, **kwargs))  # type: ignore[arg-type]
    assert [r.source for r in results] == srcs  # one result per input, in input order
    return results


def errors(results: list[Result]) -> dict[str, str]:
    return {r.source.name: r.error for r in results if r.error is not None}


@needs_fork
def test_a_worker_that_dies_costs_its_page_only() -> None:
    results = collect(sources(30, {3: "kill", 17: "exit"}), jobs=2)
    failed = errors(results)
    assert failed.keys() == {"p3-kill", "p17-exit"}
    assert failed["p3-kill"].startswith(WORKER_DIED) and "SIGKILL" in failed["p3-kill"]
    assert failed["p17-exit"].startswith(WORKER_DIED) and "status 3" in failed["p17-exit"]
    assert all(r.output == f"done {r.source.name}" for r in results if r.error is None)


@needs_fork
def test_a_page_whose_worker_dies_once_is_retried(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    results = collect(sources(10, {4: f"once:{marker}"}), jobs=2)
    assert marker.exists() and not errors(results)


@needs_fork
def test_pages_that_kill_every_worker_do_not_stop_the_batch() -> None:
    srcs = sources(12, {i: "kill" for i in range(0, 12, 2)})
    results = collect(srcs, jobs=2)
    assert len(errors(results)) == 6 and all(r.output for r in results[1::2])


@needs_fork
def test_workers_killed_from_outside_are_replaced_and_their_pages_retried() -> None:
    srcs = sources(40)
    results = Pool(work, 2).map(srcs)
    first = next(results)
    for child in multiprocessing.active_children():  # the pool's workers, busy or idle
        os.kill(child.pid or 0, signal.SIGKILL)
    rest = list(results)
    assert [r.source for r in [first, *rest]] == srcs and not errors([first, *rest])


RUNS_LOG: list[Path] = []  # where counting_work notes each page it starts (set before the pool forks)


def counting_work(source: Source) -> Result:
    """``work``, noting each page it starts in ``RUNS_LOG[0]`` (one line per start, appended by any process)."""
    with RUNS_LOG[0].open("a") as fh:
        fh.write(source.name + "\n")
    return work(source)


@needs_fork
@pytest.mark.parametrize("jobs", [1, 2])
def test_pages_sent_ahead_of_a_dying_worker_run_once(tmp_path: Path, jobs: int) -> None:
    # A worker gets its next page while it is still on one; when it dies on its page, the page sent ahead was
    # never started: it goes to another worker as it is, neither run twice nor counted as a death.
    RUNS_LOG[:] = [tmp_path / "runs"]
    srcs = sources(12, {2: "kill", 5: "exit", 6: "kill"})
    results = list(Pool(counting_work, jobs).map(srcs))
    assert [r.source for r in results] == srcs
    assert errors(results).keys() == {"p2-kill", "p5-exit", "p6-kill"}
    starts = RUNS_LOG[0].read_text().split()
    assert sorted(set(starts)) == sorted(s.name for s in srcs)
    assert {name: starts.count(name) for name in set(starts) if starts.count(name) > 1} == {
        "p2-kill": 2,
        "p5-exit": 2,
        "p6-kill": 2,
    }


@needs_fork
def test_a_bug_on_one_page_is_that_pages_error() -> None:
    results = collect(sources(6, {2: "bug"}), jobs=2)
    assert errors(results) == {"p2-bug": "internal error (ValueError: a bug); please report it"}


@needs_fork
@pytest.mark.skipif(not memory_limit_supported(), reason="needs RLIMIT_AS")
def test_memory_limit_turns_a_huge_page_into_an_error() -> None:
    results = collect(sources(8, {1: "oom", 5: "oom"}), jobs=2, max_memory=200)
    assert errors(results) == {"p1-oom": OUT_OF_MEMORY, "p5-oom": OUT_OF_MEMORY}


@needs_fork
@pytest.mark.skipif(not memory_limit_supported(), reason="needs RLIMIT_AS")
def test_memory_limit_applies_with_one_job_without_limiting_the_caller() -> None:
    results = collect(sources(3, {1: "oom"}), jobs=1, max_memory=200)
    assert errors(results) == {"p1-oom": OUT_OF_MEMORY}
    bytearray(300 << 20)  # the calling process is not limited


@needs_fork
def test_a_stuck_worker_is_stopped_and_replaced() -> None:
    srcs = sources(6, {2: "hang"})
    results = list(Pool(work, 2, timeout=0.3, grace=0.2).map(srcs))
    assert [r.source for r in results] == srcs
    assert errors(results) == {"p2-hang": "the page took longer than the 0.3-second limit (its worker was stopped)"}


@needs_fork
def test_results_stream_in_order_without_reading_every_input_first() -> None:
    pulled = 0

    def endless() -> Iterator[Source]:
        nonlocal pulled
        while True:
            pulled += 1
            yield Source(f"p{pulled}-ok")

    results = run(endless(), model_path=None, fmt="text", jobs=2, work=work)
    first = [next(results) for _ in range(5)]
    results.close()
    assert [r.source.name for r in first] == [f"p{i}-ok" for i in range(1, 6)]
    assert pulled < 100  # a bounded window ahead of the oldest unfinished page


def test_in_process_run_turns_every_failure_into_a_result(tmp_path: Path) -> None:
    good, broken = tmp_path / "good.html", tmp_path / "broken.html"
    good.write_text(ARTICLE)
    broken.symlink_to(tmp_path / "missing.html")
    srcs = [*expand([str(tmp_path)]), Source("<stdin>", data=b"")]
    assert [Path(s.name).name for s in srcs] == ["broken.html", "good.html", "<stdin>"]
    results = list(run(srcs, model_path=None, fmt="jsonl"))
    assert results[0].error is not None and results[0].error.startswith("cannot read")
    assert results[1].error is None and isinstance(results[1].output, dict)
    assert "morning ferry" in results[1].output["text"]
    assert results[2].error is not None and "empty" in results[2].error


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_in_a_directory_is_reported_not_opened(tmp_path: Path) -> None:
    # Opening a pipe with no writer waits for one: the page would only fail at its time limit (60 s), unexplained.
    (tmp_path / "good.html").write_text(ARTICLE)
    os.mkfifo(tmp_path / "pipe.html")
    (tmp_path / "link.html").symlink_to(tmp_path / "pipe.html")
    (tmp_path / "folder.html").mkdir()
    srcs = list(expand([str(tmp_path)]))
    assert [Path(s.name).name for s in srcs] == ["good.html", "link.html", "pipe.html"]
    results = list(run(srcs, model_path=None, fmt="text", timeout=5))  # a pipe opened would fail as a timeout
    assert results[0].error is None and "morning ferry" in str(results[0].output).lower()
    assert [r.error for r in results[1:]] == ["not a regular file (a named pipe); name it on its own to read it"] * 2


def test_stdin_is_read_up_to_the_size_limit() -> None:
    [source] = expand(["-"], stdin=io.BytesIO(b"x" * 1000), max_bytes=100)
    assert source.data is not None and len(source.data) == 101  # one byte more: refused, never truncated
    [result] = run([source], model_path=None, fmt="text", max_bytes=100)
    assert result.error == "the input is larger than the 100-byte limit"


# --- the predict command -------------------------------------------------------------------------------------------


def predict(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["predict", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(6):
        (folder / f"page{i}.html").write_text(ARTICLE.replace("Tuesday", f"Tuesday {i}"))
    (folder / "empty.html").write_bytes(b"")
    return folder


def test_predict_accounts_for_every_page_and_resumes(pages: Path, tmp_path: Path) -> None:
    out, log = tmp_path / "out", tmp_path / "errors.jsonl"
    code, stdout, stderr = predict(pages, "-o", out, "-j", "2", "-f", "jsonl", "--errors", log)
    assert code == 1 and stdout == ""
    assert "blocksift: 1 of 7 pages failed, 6 done" in stderr
    assert sorted(p.name for p in out.iterdir()) == [f"page{i}.jsonl" for i in range(6)]
    assert [json.loads(line)["source"] for line in log.read_text().splitlines()] == [str(pages / "empty.html")]
    assert oct((out / "page0.jsonl").stat().st_mode & 0o777) == oct(0o666 & ~_umask())

    # An interrupted run: two outputs lost, a temporary file left behind. --skip-existing does only what is missing.
    (out / "page2.jsonl").unlink()
    (out / "page5.jsonl").unlink()
    (out / ".page5.jsonl.k2j3h4g5.tmp").write_text('{"source": "half')
    before = (out / "page0.jsonl").stat().st_mtime_ns
    code, _, stderr = predict(pages, "-o", out, "-j", "2", "-f", "jsonl", "--skip-existing")
    assert code == 1
    assert "removed 1 temporary files left by an interrupted run" in stderr
    assert "skipping 4 pages whose output exists" in stderr
    assert "1 of 7 pages failed, 2 done, 4 skipped (output exists)" in stderr
    assert sorted(p.name for p in out.iterdir()) == [f"page{i}.jsonl" for i in range(6)]
    assert (out / "page0.jsonl").stat().st_mtime_ns == before
    assert "Tuesday 5" in json.loads((out / "page5.jsonl").read_text())["text"]


def test_a_mirrored_site_keeps_its_folders_below_the_output(tmp_path: Path) -> None:
    # A site saved by wget holds an index.html in every folder: numbered names in one folder (index-2.txt, ...)
    # would not tell which page each came from. Each output sits where its page sits below the directory given.
    site = tmp_path / "site"
    for folder in ("", "news", "news/2024", ".well-known"):
        (site / folder).mkdir(parents=True, exist_ok=True)
        (site / folder / "index.html").write_text(ARTICLE.replace("Tuesday", f"Tuesday in /{folder}"))
    (site / "news" / "index.htm").write_text(ARTICLE)  # the same page id in one folder: numbered
    long_names = ["x" * 240 + "-a.html", "x" * 240 + "-b.html"]  # valid names; with ".txt" too long to write
    for name in long_names:
        (site / name).write_text(ARTICLE)
    single = tmp_path / "alone" / "index.html"  # a page named on its own goes to the top
    single.parent.mkdir()
    single.write_text(ARTICLE)
    out = tmp_path / "out"
    code, _, stderr = predict(site, single, "-o", out)
    assert code == 0, stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    fitted = sorted(n for n in written if n.startswith("xxx"))
    assert written == sorted(
        ["index.txt", "index-2.txt", "news/index.txt", "news/index-2.txt", "news/2024/index.txt",
         ".well-known/index.txt", *fitted]
    )  # fmt: skip
    assert len(fitted) == 2 and all(len(n.encode()) <= 241 and n.endswith(".txt") for n in fitted)
    assert "Tuesday in /news/2024" in (out / "news" / "2024" / "index.txt").read_text()
    # A killed run's temporary file in a sub-folder goes, and --skip-existing finds the nested outputs.
    (out / "news" / "2024" / "index.txt").unlink()
    (out / "news" / "2024" / ".index.txt.k2j3h4g5.tmp").write_text("half")
    code, _, stderr = predict(site, single, "-o", out, "--skip-existing")
    assert code == 0 and "removed 1 temporary files" in stderr and "skipping 7 pages whose output exists" in stderr
    assert sorted(p.name for p in (out / "news" / "2024").iterdir()) == ["index.txt"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_predict_success_exits_0_with_a_summary(pages: Path, tmp_path: Path) -> None:
    (pages / "empty.html").unlink()
    code, stdout, stderr = predict(pages, "-f", "jsonl", "--jobs", "2")
    assert code == 0 and stderr.strip() == "blocksift: 6 pages: 6 done"
    assert [json.loads(line)["source"] for line in stdout.splitlines()] == [
        str(pages / f"page{i}.html") for i in range(6)
    ]


def test_predict_never_overwrites_its_inputs(pages: Path) -> None:
    # page0's html output would be page0.content.html, which is an input here (an earlier run's output, say).
    (pages / "page0.content.html").write_text(ARTICLE)
    code, _, stderr = predict(pages / "page0.html", pages / "page0.content.html", "-o", pages, "-f", "html")
    assert code == 2 and "would overwrite an input" in stderr
    assert (pages / "page0.content.html").read_text() == ARTICLE
    code, _, stderr = predict(pages, "-o", pages, "-f", "html")  # the folder itself: its other files are inputs too
    assert code == 2 and "is an input directory" in stderr


@pytest.mark.parametrize(
    "args", [["--jobs", "0"], ["--max-memory", "-1"], ["--max-bytes", "0"], ["--timeout", "-1"]], ids=str
)
def test_predict_misuse_exits_2(pages: Path, args: list[str]) -> None:
    assert predict(pages, *args)[0] == 2


@pytest.mark.skipif(not memory_limit_supported(), reason="needs RLIMIT_AS")
def test_predict_max_memory_fails_the_page_that_needs_more(pages: Path, tmp_path: Path) -> None:
    # 10 MB, a few hundred MB to extract: far over the limit whatever free heap the workers inherit from this
    # process (a 2.5 MB page, 30-40 MB to extract, fitted in it after some other tests had run)
    items = "".join(f"<p>item number {i} of a very long list</p>" for i in range(200_000))
    (pages / "huge.html").write_text(f"<html><body>{items}</body></html>")
    (pages / "empty.html").unlink()
    code, _, stderr = predict(pages, "-o", tmp_path / "out", "--jobs", "2", "--max-memory", "20")
    assert code == 1
    assert f"huge.html: {OUT_OF_MEMORY}" in stderr and "1 of 7 pages failed, 6 done" in stderr


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads a process's children from /proc (Linux)")
def test_workers_stop_when_their_parent_is_killed_outright(pages: Path, tmp_path: Path) -> None:
    """A forked worker holds the parent's end of its pipe too, so after SIGKILL to the parent (the kernel's
    out-of-memory killer) it waited for a message forever, holding its memory."""
    import subprocess
    import sys

    for i in range(300):
        (pages / f"copy{i}.html").write_text(ARTICLE)
    command = [sys.executable, "-m", "blocksift", "-q", "predict", str(pages), "-o", str(tmp_path / "o"), "-j", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = started_workers(proc)
    assert len(children) >= 2, "the workers never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    alive = survivors(children, timeout=15)
    assert not alive

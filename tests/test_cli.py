"""The command line: every command, every output format, and the exit codes (0 ok, 1 some pages failed, 2 misuse)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from blocksift import __version__
from blocksift.cli import app
from conftest import REPO, SAMPLE, started_workers, survivors

runner = CliRunner()
PAGE = SAMPLE / "html" / "blog-rye-bread.html"


def run(*args: str | Path, input: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    assert run("--version")[:2] == (0, f"blocksift {__version__}\n")


def test_predict_text_default(sample_model_path: Path) -> None:
    code, out, _ = run("predict", PAGE, "--model", sample_model_path)
    assert code == 0
    assert "For about three years I avoided rye flour completely." in out
    assert "Recipe index" not in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "jsonl", "html", "blocks"])
def test_predict_every_format(fmt: str, sample_model_path: Path) -> None:
    code, out, _ = run("predict", PAGE, "--model", sample_model_path, "--format", fmt)
    assert code == 0 and "avoided rye flour" in out
    if fmt == "json":
        [record] = json.loads(out)
        assert record["source"] == str(PAGE) and record["title"].startswith("A plain rye loaf")
    if fmt == "jsonl":
        assert json.loads(out.splitlines()[0])["text"].startswith("A plain rye loaf")
    if fmt == "blocks":
        rows = [json.loads(line) for line in out.splitlines()]
        assert {r["label"] for r in rows} == {"content", "boilerplate"} and all(0 <= r["proba"] <= 1 for r in rows)
    if fmt == "markdown":
        assert out.startswith("# A plain rye loaf") and "\n- 250g wholemeal rye flour\n" in out
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and "<li>250g wholemeal rye flour" in out


def test_url_resolves_one_pages_relative_links(tmp_path: Path) -> None:
    """The command line had no way to say where a saved page came from, so its relative links stayed relative
    (the library's ``to_markdown(ex, url)`` had one)."""
    page = tmp_path / "today.html"
    page.write_text(
        "<html><body><article><h1>Ferry news</h1><p>The winter timetable of the island ferry is on "
        "<a href='timetable/winter.html'>its own page</a>, with the prices <a href='/prices'>here</a>.</p>"
        "</article></body></html>"
    )
    url = "https://ferries.example/news/today.html"
    code, out, _ = run("predict", page, "-f", "markdown", "--url", url, "--threshold", "0")
    assert code == 0 and "[its own page](https://ferries.example/news/timetable/winter.html)" in out
    assert "[here](https://ferries.example/prices)" in out
    code, out, _ = run("predict", page, "-f", "html", "--url", url, "--threshold", "0")
    assert code == 0 and 'href="https://ferries.example/prices"' in out
    assert run("predict", page, PAGE, "--url", url)[0] == 2  # one page only
    assert run("predict", page, "--url", "ferries.example/news")[0] == 2  # not an absolute address


def test_threshold_trades_precision_for_recall(sample_model_path: Path) -> None:
    _, low, _ = run("predict", PAGE, "--model", sample_model_path, "--threshold", "0.01")
    _, high, _ = run("predict", PAGE, "--model", sample_model_path, "--threshold", "0.99")
    assert len(low) > len(high)


def test_batch_with_a_bad_page_goes_on_and_exits_1(sample_model_path: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_bytes(PAGE.read_bytes())
    (pages / "empty.html").write_bytes(b"")
    (pages / "b.htm").write_bytes((SAMPLE / "html" / "docs-cli-quickstart.html").read_bytes())
    (pages / "notes.txt").write_text("not a page")
    out_dir = tmp_path / "out"
    code, _, err = run("predict", pages, "--model", sample_model_path, "--output", out_dir, "--format", "jsonl")
    assert code == 1
    assert "empty.html" in err and "1 of 3 pages failed" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["a.jsonl", "b.jsonl"]
    code, out, _ = run("predict", pages, "--model", sample_model_path, "--format", "jsonl", "--jobs", "2")
    records = [json.loads(line) for line in out.splitlines()]
    assert [Path(r["source"]).name for r in records] == ["a.html", "b.htm", "empty.html"]
    assert "error" in records[2] and "text" not in records[2]


def test_predict_decodes_with_the_encoding_it_is_given(tmp_path: Path, sample_model_path: Path) -> None:
    # Undeclared Slovak read as windows-1250; the same bytes forced to windows-1252 read as a browser set to it.
    text = "Ďalší deň sme išli k rieke a pozerali sa na lode, ktoré sa pomaly plavili po prúde smerom k mestu."
    page = tmp_path / "page.html"
    page.write_bytes(f"<html><body><article><p>{text}</p><p>{text}</p></article></body></html>".encode("cp1250"))
    code, out, _ = run("predict", page, "--model", sample_model_path, "--encoding", "windows-1250")
    assert code == 0 and text in out
    code, out, _ = run("predict", page, "--model", sample_model_path, "--encoding", "windows-1252")
    assert code == 0 and text.encode("cp1250").decode("cp1252") in out
    code, _, err = run("predict", page, "--model", sample_model_path, "--encoding", "rot13")
    assert code == 2 and "--encoding: unknown encoding 'rot13'" in err


def test_misuse_exits_2(sample_model_path: Path, tmp_path: Path) -> None:
    assert run("predict", tmp_path / "missing.html", "--model", sample_model_path)[0] == 2
    assert run("predict", PAGE, "--model", tmp_path / "missing.npz")[0] == 2
    code, _, err = run("predict", PAGE, "--model", sample_model_path, "--format", "pdf")
    # one line however long, as logs are read and grepped (it was wrapped at 80 columns off a terminal)
    message = "blocksift: unknown --format 'pdf'; choose one of text, markdown, json, jsonl, html, blocks\n"
    assert code == 2 and err == message
    assert run("predict", PAGE, "--model", sample_model_path, "--threshold", "2")[0] == 2
    code, _, err = run("evaluate", SAMPLE, "--model", sample_model_path, "--threshold", "2", "--no-cache")
    assert code == 2 and "--threshold must lie between 0 and 1" in err
    assert run("predict", tmp_path, "--model", sample_model_path)[0] == 2  # no pages in it
    assert run("label", SAMPLE)[0] == 2  # nothing to do
    assert run("evaluate", tmp_path / "nowhere")[0] == 2
    assert run("frobnicate")[0] == 2


def test_stdin_through_the_real_console_script(sample_model_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "blocksift", "predict", "-", "--model", str(sample_model_path)],
        input=PAGE.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"avoided rye flour" in proc.stdout


def test_label_writes_table_and_report(tmp_path: Path) -> None:
    for suffix in (".parquet", ".csv"):
        out = tmp_path / f"blocks{suffix}"
        code, stdout, _ = run("label", SAMPLE, "--output", out, "--report", "--no-cache")
        assert code == 0 and "sample" in stdout and "mean" in stdout
        table = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
        assert {"page", "block", "text", "label", "aligned", "link_density"} <= set(table.columns)
        assert table["page"].nunique() == 16 and table["label"].any() and not table["label"].all()


def test_train_then_evaluate(tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    code, out, _ = run(
        "train", SAMPLE, "--out", model, "--max-iter", "20", "--page-norm", "0.5", "--no-page-cut", "--refit",
        "--no-cache",
    )  # fmt: skip
    assert code == 0 and model.exists() and "Validation" in out
    assert (tmp_path / "m.card.json").exists() and (tmp_path / "m.card.md").exists()
    card = json.loads((tmp_path / "m.card.json").read_text())
    assert card["params"]["page_norm"] == 0.5 and card["params"]["page_cut"] is False
    assert card["params"]["refit"] is True  # the default is False (tests/test_model.py)
    assert card["cut_floor"] is None and "decision threshold" in (tmp_path / "m.card.md").read_text()
    code, out, _ = run("evaluate", SAMPLE, "--model", model, "--json", "-", "--no-cache")
    figures = json.loads(out)
    assert code == 0 and figures["datasets"][0]["dataset"] == "sample" and 0 < figures["mean"]["f1"] <= 1


def test_the_stage_options_of_train_reach_the_model(tmp_path: Path) -> None:
    """Two datasets: the default model has a page classifier of their conventions and two stages;
    ``--no-conventions --no-context`` has neither (the card says what was fitted, not only what was asked)."""
    own = REPO / "datasets" / "own"
    cards = {}
    for name, flags in (("default", ()), ("plain", ("--no-conventions", "--no-context"))):
        code, _, _ = run("train", SAMPLE, own, "--out", tmp_path / f"{name}.npz", "--max-iter", "5", *flags)
        assert code == 0
        cards[name] = json.loads((tmp_path / f"{name}.card.json").read_text())
    assert cards["default"]["conventions"]["classes"] == ["own", "sample"]
    assert len(cards["default"]["stage1_trees"]) == 2
    assert cards["plain"]["conventions"] is None and cards["plain"]["stage1_trees"] == []
    assert cards["plain"]["params"]["context"] is False and cards["plain"]["params"]["conventions"] is False


def test_a_cache_that_cannot_be_written_is_left_out_with_a_warning(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BLOCKSIFT_CACHE", str(blocker / "cache"))
    code, out, err = run("train", SAMPLE, "--out", tmp_path / "m.npz", "--max-iter", "5", "--no-context")
    assert code == 0 and (tmp_path / "m.npz").exists() and "Validation" in out
    assert "cannot be written" in err and "going on without it" in err and blocker.read_text() == "not a directory"


def test_a_full_disk_costs_only_the_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from blocksift.table import save_npz

    def refused(file: Path, **arrays: object) -> None:  # the disk fills up halfway through the file
        Path(file).write_bytes(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("numpy.savez", refused)
    save_npz(tmp_path / "x" / "rows.npz", a=[1, 2])
    assert list((tmp_path / "x").iterdir()) == []


def test_skip_existing_resumes_a_batch(sample_model_path: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("a", "b"):
        (pages / f"{name}.html").write_bytes(PAGE.read_bytes())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "a.txt").write_text("kept from an earlier run")
    code, _, err = run("predict", pages, "--model", sample_model_path, "-o", out_dir, "--skip-existing")
    assert code == 0 and "skipping 1 pages" in err
    assert (out_dir / "a.txt").read_text() == "kept from an earlier run"
    assert "avoided rye flour" in (out_dir / "b.txt").read_text()
    assert not [p for p in out_dir.iterdir() if p.name.endswith(".tmp")]


def test_time_limit_stops_a_slow_page() -> None:
    import time

    from blocksift.batch import time_limit
    from blocksift.errors import PageTimeoutError

    with pytest.raises(PageTimeoutError, match=r"0\.2-second limit"), time_limit(0.2):
        time.sleep(5)
    with time_limit(5):
        pass  # the timer is cleared afterwards
    time.sleep(0.1)


def test_help_imports_nothing_heavy() -> None:
    """`blocksift --help` must answer in a fraction of a second: neither the CLI module nor the package may
    import numpy, lxml, scikit-learn or numba until a command needs them (the timing is in benchmarks/speed.py)."""
    code = (
        "import sys, blocksift, blocksift.cli\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(blocksift.cli.app, ['--help']).exit_code == 0\n"
        "print(sorted(m for m in ('numpy', 'lxml', 'sklearn', 'numba', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_url_argument_says_nothing_is_downloaded(tmp_path: Path) -> None:
    code, out, err = run("predict", "https://example.com/news/page.html")
    assert code == 2 and out == ""
    assert "no such file or directory: https://example.com/news/page.html" in err and "never downloads" in err
    code, _, err = run("predict", tmp_path / "missing.html")
    assert code == 2 and "no such file or directory" in err and "downloads" not in err


def test_a_page_file_that_holds_only_a_url_is_that_page_s_error(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "saved.html").write_text("https://example.com/the-real-page\n")
    (pages / "ok.html").write_bytes(PAGE.read_bytes())
    code, _, err = run("predict", pages, "--output", tmp_path / "out")  # outside its input folder
    assert code == 1  # one page failed, the other was extracted
    assert "saved.html" in err and "is a URL" in err
    assert (tmp_path / "out" / "ok.txt").read_text().strip()


def _copy_sample(to: Path, without_gold: set[str]) -> None:
    """The sample dataset in ``to``, the pages named in ``without_gold`` left with neither gold nor labels."""
    for page in sorted((SAMPLE / "html").glob("*.html")):
        (to / "html").mkdir(parents=True, exist_ok=True)
        (to / "gold").mkdir(exist_ok=True)
        (to / "html" / page.name).write_bytes(page.read_bytes())
        if page.stem not in without_gold:
            (to / "gold" / f"{page.stem}.txt").write_bytes((SAMPLE / "gold" / f"{page.stem}.txt").read_bytes())


def test_a_page_without_gold_or_labels_is_reported_not_learned_as_all_boilerplate(tmp_path: Path) -> None:
    data = tmp_path / "mine"
    _copy_sample(data, without_gold={"blog-rye-bread"})
    code, out, err = run("train", data, "--out", tmp_path / "m.npz", "--max-iter", "10", "--no-cache")
    assert code == 1 and "mine/blog-rye-bread: not labelled" in err  # 1: a page failed, the others were used
    assert "pages that could not be read: 1" in out and (tmp_path / "m.npz").exists()
    code, out, err = run("evaluate", data, "--split", "train", "--json", "-", "--no-cache")
    assert code == 1 and "mine/blog-rye-bread" in err and "not labelled" in err
    # Left out of the figures, not scored as a perfect empty extraction: they are those of the other pages alone.
    with_it = json.loads(out)["datasets"][0]
    (data / "html" / "blog-rye-bread.html").unlink()
    code, out, _ = run("evaluate", data, "--split", "train", "--json", "-", "--no-cache")
    without = json.loads(out)["datasets"][0]
    # "pages" counts the pages in the figures: the one left out failed, and is not among them.
    assert code == 0 and (with_it["pages"], with_it["failed"], with_it["left_out"]) == (without["pages"], 1, 1)
    assert all(with_it[k] == without[k] for k in ("precision", "recall", "f1", "word_f1", "block_accuracy"))


def test_a_truncated_gz_page_is_reported_and_the_others_are_trained_on(tmp_path: Path) -> None:
    data = tmp_path / "mine"
    _copy_sample(data, without_gold=set())
    page = data / "html" / "blog-rye-bread.html"
    page.with_name(page.name + ".gz").write_bytes(gzip.compress(page.read_bytes())[:300])
    page.unlink()
    code, out, err = run("train", data, "--out", tmp_path / "m.npz", "--max-iter", "10", "--no-cache")
    assert code == 1 and "mine/blog-rye-bread: not a readable gzip file" in err  # 1: a page failed, the rest used
    assert "pages that could not be read: 1" in out and (tmp_path / "m.npz").exists()
    code, _, err = run("evaluate", data, "--split", "train", "--model", tmp_path / "m.npz", "--no-cache")
    assert code == 1 and "not a readable gzip file" in err
    # predict names the file once, as it names every failing page.
    code, _, err = run("predict", page.with_name(page.name + ".gz"))
    assert code == 1 and err.count("blog-rye-bread.html.gz") == 1 and "not a readable gzip file" in err


def test_training_on_pages_none_of_which_is_labelled_says_why(tmp_path: Path) -> None:
    data = tmp_path / "unlabelled"
    _copy_sample(data, without_gold={p.stem for p in (SAMPLE / "html").glob("*.html")})
    code, _, err = run("train", data, "--out", tmp_path / "m.npz", "--no-cache")
    assert code == 2 and "no readable page" in err and "not labelled" in err


def test_evaluating_a_model_on_its_own_training_split_warns(sample_model_path: Path) -> None:
    args = ("--model", sample_model_path, "--json", "-", "--no-cache")
    code, _, err = run("evaluate", SAMPLE, "--split", "train", *args)
    assert code == 0 and "warning: the model was trained on split train of a dataset named sample" in err
    code, _, err = run("evaluate", SAMPLE, *args)  # the test split: new pages
    assert code == 0 and "warning" not in err


def test_train_refuses_what_it_would_fail_on_or_ignore_before_reading_a_page(tmp_path: Path) -> None:
    """A typo in --out wrote the model over a page or a dataset's meta.jsonl (exit 0); a directory, a folder that
    cannot be made, or an option scikit-learn refuses failed with a traceback after every page was read; options
    that --from does not read were written into the card's "reproduce with" line."""
    meta = SAMPLE / "meta.jsonl"
    cases = [
        (("--out", meta), "a model file is a .npz"),
        (("--out", tmp_path), "is a directory"),
        (("--out", tmp_path / "f.npz" / "m.npz"), "cannot make its folder"),
        (("--out", tmp_path / "m.npz", "--max-iter", "0"), "--max-iter must be at least 1 (got 0)"),
        (("--out", tmp_path / "m.npz", "--learning-rate", "-1"), "--learning-rate must be above 0"),
        (("--out", tmp_path / "m.npz", "--balance", "7"), "--balance must be from 0 to 1"),
        (("--out", tmp_path / "m.npz", "--from", "shipped", "--max-iter", "10", "--refit"), "--max-iter, --refit"),
        (("--out", tmp_path / "m.npz", "--rounds", "3"), "--rounds: not used when training this way"),
    ]
    (tmp_path / "f.npz").write_bytes(b"not a folder")
    before = meta.read_bytes()
    for args, message in cases:
        code, _, err = run("train", SAMPLE, *args, "--no-cache")
        assert code == 2 and message in err, args
    assert meta.read_bytes() == before and not (tmp_path / "m.npz").exists()


def test_predict_never_writes_a_side_file_or_outputs_over_its_inputs(tmp_path: Path) -> None:
    """`predict --errors pages/*.html` made the first page the errors file (emptied: its content lost), and
    `predict pairs -o pairs` wrote the outputs over the gold texts beside the pages."""
    pages = tmp_path / "pairs"
    pages.mkdir()
    (pages / "a.html").write_bytes(PAGE.read_bytes())
    (pages / "a.txt").write_text("the gold text\n")
    code, _, err = run("predict", pages / "a.html", "--errors", pages / "a.html")
    assert code == 2 and "--errors" in err and (pages / "a.html").read_bytes() == PAGE.read_bytes()
    code, _, err = run("predict", pages, "--errors", pages / "errors.jsonl")
    assert code == 2 and not (pages / "errors.jsonl").exists()  # inside an input folder
    code, _, err = run("predict", pages, "-o", pages)
    assert code == 2 and "is an input directory" in err and (pages / "a.txt").read_text() == "the gold text\n"
    code, _, err = run("evaluate", SAMPLE, "--json", SAMPLE / "gold" / "figures.json")
    assert code == 2 and not (SAMPLE / "gold" / "figures.json").exists()


def test_a_page_given_twice_is_read_once(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_bytes(PAGE.read_bytes())
    (pages / "b.html").write_bytes((SAMPLE / "html" / "forum-mesh-wifi.html").read_bytes())
    code, _, err = run("predict", pages, pages, pages / "a.html", "-o", tmp_path / "out")
    assert code == 0 and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "b.txt"]
    assert "2 pages: 2 done" in err


def test_predict_refuses_what_no_run_could_use(tmp_path: Path) -> None:
    for args, message in [
        (("--timeout", "nan"), "--timeout"),
        (("--timeout", "inf"), "--timeout"),
        (("--jobs", "-5"), "--jobs must be"),
    ]:
        code, _, err = run("predict", PAGE, *args)
        assert code == 2 and message in err, args
    warc = b"WARC/1.0\r\nWARC-Type: response\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html><body><p>A page</p></body></html>"
    code, out, err = run("predict", "-", "-f", "jsonl", input=warc)
    assert code == 1 and "a WARC file, not a page" in err and "WARC-Type" not in out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_on_stdout_is_reported_without_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "blocksift", "predict", str(PAGE)], stdout=full, stderr=subprocess.PIPE
        )
    assert done.returncode == 1 and b"cannot write the output: No space left on device" in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads a process's children from /proc (Linux)")
def test_a_stopped_batch_stops_its_workers(tmp_path: Path) -> None:
    """SIGTERM (a scheduler's stop, `kill`) ended the parent alone: its --jobs workers lived on, holding their
    memory. It now unwinds as Ctrl-C does."""
    import signal

    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(400):
        (pages / f"p{i}.html").write_bytes(PAGE.read_bytes())
    command = [sys.executable, "-m", "blocksift", "-q", "predict", str(pages), "-o", str(tmp_path / "out"), "-j", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers = started_workers(proc)
    assert len(workers) >= 2, "the workers never started"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    alive = survivors(workers, timeout=10)
    assert not alive and b"Traceback" not in proc.stderr.read()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "labels",
    [
        b'{"schema": 1, "blocks": [{"index": 0, "label": "maybe"}]}',
        b'{"schema": 1, "blocks": [{"index": 0}]}',
        b'{"schema": 1, "blocks": null}',
        b'{"schema": 1, "blocks": [null]}',
        b'{"schema": 99, "blocks": []}',
        b"\x00\xff\xfe garbage",
    ],
)
def test_a_damaged_labels_file_costs_its_page_alone(tmp_path: Path, labels: bytes) -> None:
    """Each of these stopped evaluate, label and train with a traceback; a refused labels file also had its page
    scored as one that gave no text (its dataset's recall fell from 0.94 to 0.80)."""
    data = tmp_path / "mine"
    _copy_sample(data, without_gold=set())
    (data / "labels").mkdir()
    (data / "labels" / "blog-rye-bread.json").write_bytes(labels)
    args = ("--split", "train", "--no-cache")
    code, out, err = run("evaluate", data, *args, "--json", "-")
    assert code == 1 and "mine/blog-rye-bread: its labels file is refused" in err
    with_it = json.loads(out)["datasets"][0]
    code, _, err = run("label", data, *args, "-o", tmp_path / "blocks.csv")
    assert code == 1 and "blog-rye-bread" in err and (tmp_path / "blocks.csv").exists()
    (data / "html" / "blog-rye-bread.html").unlink()
    code, out, _ = run("evaluate", data, *args, "--json", "-")
    without = json.loads(out)["datasets"][0]
    assert code == 0 and all(with_it[k] == without[k] for k in ("precision", "recall", "f1", "word_f1"))


def test_a_meta_file_not_in_utf8_is_named_and_one_with_a_bom_is_read(tmp_path: Path) -> None:
    data = tmp_path / "mine"
    shutil.copytree(SAMPLE, data)
    meta = (SAMPLE / "meta.jsonl").read_bytes()
    (data / "meta.jsonl").write_bytes(meta + '{"id": "café", "split": "train"}\n'.encode("latin-1"))
    code, _, err = run("evaluate", data, "--no-cache")
    line = len(meta.splitlines()) + 1
    assert code == 2 and f"meta.jsonl:{line}: not UTF-8 text" in err
    (data / "meta.jsonl").write_bytes(b"\xef\xbb\xbf" + meta)  # as some editors save it
    code, _, _ = run("evaluate", data, "--no-cache", "--json", tmp_path / "figures.json")
    assert code == 0


def test_an_adapted_model_still_warns_on_the_pages_its_base_learned_from(
    sample_model_path: Path, tmp_path: Path
) -> None:
    """The adapted model's card listed only the pages it was adapted to, so evaluate gave figures on its base's
    training pages as if they were new."""
    adapted = tmp_path / "adapted.npz"
    code, _, err = run("train", REPO / "datasets" / "own", "--from", sample_model_path, "--out", adapted, "--no-cache")
    assert code == 0, err
    code, _, err = run("evaluate", SAMPLE, "--split", "train", "-m", adapted, "--json", "-", "--no-cache")
    assert code == 0 and "warning: the model was trained on split train of a dataset named sample" in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "blog-rye-bread", "split": "Train"}', "split 'Train'; it must be one of train, test, exclude"),
        ('{"id": "blog-rye-bread", "split": ["test"]}', "split ['test']"),
        ('{"id": null, "split": "test"}', 'must be a JSON object with an "id"'),
    ],
)
def test_a_meta_record_that_would_lose_its_page_is_refused(tmp_path: Path, line: str, message: str) -> None:
    """A split written "Train" or ["test"] left its page out of every split without a word."""
    data = tmp_path / "mine"
    shutil.copytree(SAMPLE, data)
    meta = [r for r in (SAMPLE / "meta.jsonl").read_text().splitlines() if '"blog-rye-bread"' not in r]
    (data / "meta.jsonl").write_text("\n".join([*meta, line]) + "\n")
    code, _, err = run("evaluate", data, "--no-cache")
    assert code == 2 and f"meta.jsonl:{len(meta) + 1}: " in err and message in err
    (data / "meta.jsonl").write_text("\n".join([*meta, meta[0]]) + "\n")
    code, _, err = run("evaluate", data, "--no-cache")
    assert code == 2 and "a second record of the page" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_page_with_no_visible_text_is_said_to_have_none(tmp_path: Path, jobs: str) -> None:
    """A page that scripts fill in (or one decoded with the wrong --encoding) gave an empty output with nothing said:
    its emptiness is not the model's decision, and a user should know."""
    (tmp_path / "spa.html").write_text("<html><body><div id='app'></div><script>render()</script></body></html>")
    code, _, err = run("predict", tmp_path / "spa.html", PAGE, "-o", tmp_path / "out", "-j", jobs)
    assert code == 0 and "spa.html: the page has no visible text" in err and "blog-rye-bread" not in err
    assert (tmp_path / "out" / "spa.txt").read_text() == ""


def test_messages_keep_their_square_brackets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rich read "[bold]" in a file name, and "[report]" in the install hint, as its markup and dropped them: the
    message named another file, and `pip install 'blocksift'` installed no matplotlib."""
    missing = tmp_path / "[bold]missing.html"
    code, _, err = run("predict", missing)
    assert code == 2 and f"no such file or directory: {missing}" in err
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as where matplotlib is not installed
    report = tmp_path / "report"
    code, out, err = run("evaluate", SAMPLE, "--report", report, "--no-cache")
    assert code == 2 and "pip install 'blocksift[report]'" in err
    assert "scoring" not in err and out == "" and not report.exists()  # refused before a page was scored


@pytest.mark.parametrize("command", ["predict", "train", "evaluate", "label"])
@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_every_command_refuses_a_number_of_jobs_that_names_none(tmp_path: Path, command: str, jobs: str) -> None:
    """--jobs 0 stopped train, evaluate and label with joblib's traceback (exit 1) once they had started; predict
    refused it as misuse. Every command refuses it now, before a page is read."""
    data = tmp_path / "mine"
    _copy_sample(data, without_gold=set())
    extra = {"predict": [], "train": ["--out", tmp_path / "m.npz"], "evaluate": [], "label": ["--report"]}[command]
    code, out, err = run(command, data, *extra, "--jobs", jobs, *(["--no-cache"] if command != "predict" else []))
    assert code == 2 and f"--jobs must be a number of processes (1, 2, ...) or -1 for one per core, not {jobs}" in err
    assert out == "" and not (tmp_path / "m.npz").exists()


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs /sys, where no file can be made (Linux)")
def test_train_refuses_an_out_it_cannot_write_before_reading_a_page() -> None:
    """A permission check said yes to root for /sys: training ran to its end, then the save died with a traceback."""
    code, out, err = run("train", SAMPLE, "--out", "/sys/m.npz", "--no-cache")
    assert code == 2 and "--out /sys/m.npz: cannot write a file there" in err and out == ""
    assert "reading pages" not in err


def test_a_model_that_cannot_be_saved_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk filled up while the model trained: the save died with a traceback and left a half file behind."""

    def full_disk(file: object, **arrays: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("blocksift.modelfile.np.savez_compressed", full_disk)
    model = tmp_path / "m.npz"
    code, out, err = run("train", SAMPLE, "--out", model, "--max-iter", "5", "--no-context", "--no-cache")
    assert code == 1 and f"blocksift: cannot write the model {model}: No space left on device" in err
    assert list(tmp_path.iterdir()) == [] and "Validation" not in out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "args",
    [["--help"], ["evaluate", str(SAMPLE), "--json", "-", "--no-cache"], ["label", str(SAMPLE), "--report"]],
)
def test_every_command_reports_a_full_disk_on_stdout_in_one_line(args: list[str]) -> None:
    """predict said so in one line; every other command (even --help) ended in an OSError traceback."""
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "blocksift", *args], stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 1 and b"blocksift: cannot write the output: No space left on device" in done.stderr
    assert b"Traceback" not in done.stderr and b"Exception ignored" not in done.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    """`blocksift ... | head`: the closed pipe is the reader's choice, not an error to print (the figures of
    `evaluate --json -` were flushed at exit, where it printed "Exception ignored ... BrokenPipeError", exit 120)."""
    command = [sys.executable, "-m", "blocksift", "-q", "evaluate", str(SAMPLE), "--json", "-", "--no-cache"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # type: ignore[union-attr]
    assert proc.wait(timeout=60) == 1 and proc.stderr.read() == b""  # type: ignore[union-attr]


def test_a_page_decoded_with_an_encoding_it_cannot_be_in_is_said_to_be(tmp_path: Path) -> None:
    """--encoding cp500 on a windows-1250 page gave one block of garbage, which the model dropped or kept, and nothing
    on stderr, and utf-16 a line of CJK letters kept as content: both looked like the model's doing."""
    text = "Včera jsme šli k řece a dívali se na lodě, které pomalu pluly po proudu směrem k přístavu."
    page = tmp_path / "zpravy.html"
    page.write_bytes(f"<html><body><article><h1>Den u řeky</h1><p>{text}</p><p>{text}</p></article></body></html>"
                     .encode("cp1250"))  # fmt: skip
    code, out, err = run("predict", page, "--encoding", "cp500", "-f", "jsonl")
    assert code == 0 and "šli" not in json.loads(out)["text"]  # garbage, kept or dropped as the model sees it
    assert "zpravy.html: decoded as cp500, its tags are no longer tags" in err
    code, out, err = run("predict", page, "--encoding", "utf-16")
    assert code == 0 and "decoded as utf-16, its tags are no longer tags" in err
    code, out, err = run("predict", page, "--encoding", "utf-8")
    assert code == 0 and "characters outside ASCII" in err and "are not valid there" in err
    code, out, err = run("predict", page, "--encoding", "windows-1250")
    assert code == 0 and text in out and err == ""
    code, _, err = run("show", page, "--encoding", "cp500", "-o", tmp_path / "report.html")
    assert code == 0 and "its tags are no longer tags" in err


def test_predict_refuses_an_output_directory_inside_an_input_one(tmp_path: Path) -> None:
    """`predict pages/ -o pages/sub` was accepted: with -f html the next run over pages/ read the outputs as pages."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text("<html><body><article><p>A short page of our own, with a sentence.</p></article>")
    code, out, err = run("predict", pages, "-o", pages / "sub", "-f", "html")
    assert code == 2 and f"--output {pages / 'sub'} is inside the input directory {pages}" in err
    assert out == "" and not (pages / "sub").exists()
    code, _, _ = run("predict", pages / "a.html", "-o", pages / "sub", "-f", "html")  # a page, not a folder, given
    assert code == 0 and [p.name for p in (pages / "sub").iterdir()] == ["a.content.html"]


def test_show_never_writes_its_report_among_a_dataset_s_pages(tmp_path: Path) -> None:
    """`show samp/html/x.html -o samp/html/x.show.html` was written, and then read as a page of the dataset that
    has no gold: evaluate, label and train reported it as not labelled and exited 1."""
    page = "<html><body><article><h1>Our page</h1><p>A paragraph we wrote for this test, long enough.</p></article>"
    nested, flat = tmp_path / "samp", tmp_path / "pairs"
    for html_dir, gold_dir in ((nested / "html", nested / "gold"), (flat, flat)):
        html_dir.mkdir(parents=True, exist_ok=True)
        gold_dir.mkdir(parents=True, exist_ok=True)
        (html_dir / "x.html").write_text(page)
        (gold_dir / "x.txt").write_text("Our page\nA paragraph we wrote for this test, long enough.\n")
    for target in (nested / "html" / "x.show.html", flat / "x.show.html"):
        code, _, err = run("show", target.parent / "x.html", "-o", target)
        assert code == 2 and "is inside the dataset" in err and not target.exists()
    code, _, err = run("show", nested / "html" / "x.html", "-o", nested / "x.show.html")  # beside html/: not a page
    assert code == 0, err


def test_show_on_a_warc_file_says_what_show_reads(tmp_path: Path) -> None:
    """It said "name it .warc ... to have its records read one by one" of a file named .warc, which show never reads."""
    warc = b"WARC/1.0\r\nWARC-Type: response\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html><body><p>A page</p></body></html>"
    for name in ("crawl.warc", "crawl.html"):
        (tmp_path / name).write_bytes(warc)
        code, _, err = run("show", tmp_path / name, "-o", tmp_path / "r.html")
        assert code == 2 and "show reports on one HTML or MHTML page" in err and "blocksift predict" in err
        assert "name it .warc" not in err


def test_evaluate_counts_the_pages_it_scores(tmp_path: Path) -> None:
    """16 good pages, a binary one and one without gold showed "pages 18, failed 2", though 17 were scored (the
    binary page as an empty extraction; the one without gold left out)."""
    data = tmp_path / "mine"
    _copy_sample(data, without_gold={"blog-rye-bread"})
    (data / "html" / "broken.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (data / "gold" / "broken.txt").write_text("What the page would have said.\n")
    code, out, _ = run("evaluate", data, "--split", "train", "--json", "-", "--no-cache")
    [figures] = json.loads(out)["datasets"]
    assert code == 1 and (figures["pages"], figures["failed"], figures["left_out"]) == (16, 2, 1)
    code, out, _ = run("evaluate", data, "--split", "train", "--no-cache")
    assert "left out" in out and "pages: scored" in out


def test_shipped_names_the_shipped_model_wherever_a_model_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`train --from shipped` and the Python API took it; predict, evaluate and show said "no model file at shipped".
    The word wins over a file of that name in the working directory, which is given as ./shipped."""
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><h1>Our news</h1><p>" + "A sentence of our own page. " * 20 + "</p></article>"
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shipped").write_text("not a model")
    assert run("predict", page, "--model", "shipped")[0] == 0
    assert run("show", page, "--model", "shipped", "-o", tmp_path / "r.html")[0] == 0
    assert run("evaluate", SAMPLE, "--model", "shipped", "--json", "-", "--no-cache")[0] == 0
    code, _, err = run("predict", page, "--model", "./shipped")
    assert code == 2 and "shipped is not a blocksift model file" in err


def test_report_only_options_and_out_of_range_counts_are_refused(tmp_path: Path) -> None:
    """--worst-pages -1, label --worst -1 and --floor 2 were accepted, and --worst-pages without --report ignored
    (while --peers without it was refused)."""
    cases = [
        (("evaluate", SAMPLE, "--worst-pages", "3"), "--worst-pages goes with --report"),
        (("evaluate", SAMPLE, "--report", tmp_path / "r", "--worst-pages", "-1"), "--worst-pages is a number of pages"),
        (("evaluate", SAMPLE, "--peers", tmp_path / "p.json"), "--peers goes with --report"),
        (("label", SAMPLE, "--report", "--worst", "-1"), "--worst is a number of pages, 0 or more, not -1"),
        (("label", SAMPLE, "-o", tmp_path / "b.csv", "--worst", "2"), "--worst goes with --report"),
        (("label", SAMPLE, "--report", "--worst", "2", "--floor", "2"), "--floor is a shingle F1, from 0 to 1, not 2"),
    ]
    for args, message in cases:
        code, out, err = run(*args, "--no-cache")
        assert code == 2 and message in err and out == "", args
    assert not (tmp_path / "r").exists() and not (tmp_path / "b.csv").exists()


def test_stdin_is_read_once(tmp_path: Path) -> None:
    """`predict - -` read stdin twice, and the second read failed as an empty page."""
    code, out, err = run("predict", "-", "-", input=b"<html><body><p>A page of our own.</p></body></html>")
    assert code == 2 and "- (stdin) is given more than once" in err and out == ""


def test_a_bool_is_no_threshold() -> None:
    """extract(html, threshold=True) was read as 1.0 and kept nothing, as if the model had chosen so."""
    from blocksift import extract

    with pytest.raises(TypeError, match="threshold is a probability"):
        extract("<html><body><p>A page of our own.</p></body></html>", threshold=True)  # type: ignore[arg-type]


def test_train_keeps_scikit_learn_s_own_lines_for_verbose(tmp_path: Path) -> None:
    """At the normal level train printed scikit-learn's "Binning ..." and "Time spent ..." lines on stderr."""
    args = ["train", SAMPLE, "--max-iter", "3", "--no-context", "--no-conventions", "--no-cache"]
    code, _, err = run(*args, "--out", tmp_path / "a.npz")
    assert code == 0 and "Binning" not in err and "Time spent" not in err
    code, _, err = run("--verbose", *args, "--out", tmp_path / "b.npz")
    assert code == 0 and "Binning" in err


def test_evaluate_on_pages_without_a_test_split_names_the_splits_they_hold(tmp_path: Path) -> None:
    """A folder of pages and gold texts without meta.jsonl is all train, and evaluate asks for test: the message
    said to check meta.jsonl, which the folder does not have; it now names the split the pages are in."""
    page = next((SAMPLE / "html").glob("*.html"))
    (tmp_path / "a.html").write_bytes(page.read_bytes())
    gold = (SAMPLE / "gold" / f"{page.stem}.txt").read_text(encoding="utf-8")
    (tmp_path / "a.txt").write_text(gold, encoding="utf-8")
    code, _, err = run("evaluate", tmp_path)
    assert code == 2 and "no pages in split(s) test" in err
    assert "they hold train (1 page): choose it with --split" in err
    code, out, _ = run("evaluate", tmp_path, "--split", "train")
    assert code == 0 and "shingle F1" in out

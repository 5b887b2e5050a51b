"""benchmarks/margin.py: the paired bootstrap of a margin scores each draw as the benchmark does, and
benchmarks/compare.py reports blocksift's margins over the best peers with it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from blocksift.datasets import Page
from blocksift.metrics import PageCounts, shingle_score


@pytest.fixture()
def margin(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("margin")


def _counts(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    """Shingle counts of ``n`` pages, some with nothing extracted and some with an empty gold."""
    counts = [tuple(int(x) for x in rng.integers(0, 50, size=3)) for _ in range(n)]
    counts[0] = (0, 0, 12)  # nothing extracted: no precision
    counts[1] = (0, 7, 0)  # empty gold: no recall
    counts[2] = (0, 0, 0)  # both empty: in neither average
    return counts  # type: ignore[return-value]


def test_the_pages_as_they_are_score_as_the_benchmark_does(margin) -> None:  # type: ignore[no-untyped-def]
    counts = _counts(np.random.default_rng(1), 40)
    words = list(np.random.default_rng(2).random(40))
    pages = margin.PageFigures.of(counts, words)
    as_they_are = np.arange(40)[None, :]
    expected = shingle_score(PageCounts(*c) for c in counts).f1
    assert margin.figure(pages, "shingle_f1", as_they_are)[0] == pytest.approx(expected, abs=1e-12)
    assert margin.figure(pages, "word_f1", as_they_are)[0] == pytest.approx(np.mean(words), abs=1e-12)
    with pytest.raises(ValueError, match="unknown metric"):
        margin.figure(pages, "accuracy", as_they_are)


def test_draws_are_reproducible_and_start_with_the_pages_as_they_are(margin) -> None:  # type: ignore[no-untyped-def]
    a, b = margin.draws_for({"x": 5, "y": 3}, resamples=50), margin.draws_for({"x": 5, "y": 3}, resamples=50)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert a["x"].shape == (51, 5) and list(a["x"][0]) == [0, 1, 2, 3, 4] and a["x"].max() < 5


def test_a_system_against_itself_has_no_margin(margin) -> None:  # type: ignore[no-untyped-def]
    pages = {"d": margin.PageFigures.of(_counts(np.random.default_rng(3), 30), [0.5] * 30)}
    m = margin.margin(pages, pages, "shingle_f1", margin.draws_for({"d": 30}, resamples=200))
    assert (m.observed, m.low, m.high, m.above_zero) == (0.0, 0.0, 0.0, 0.0)


def test_a_lead_on_every_page_holds_in_every_draw_and_a_mixed_one_does_not(margin) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    worse = [(int(t), int(f) + 5, int(n) + 5) for t, f, n in rng.integers(10, 40, size=(30, 3))]
    better = [(t + 5, f - 5, n - 5) for t, f, n in worse]
    draws = margin.draws_for({"d": 30}, resamples=300)
    lead = margin.margin(
        {"d": margin.PageFigures.of(better, [0.9] * 30)}, {"d": margin.PageFigures.of(worse, [0.8] * 30)},
        "shingle_f1", draws, target=0.01,
    )  # fmt: skip
    assert lead.low > 0 and lead.above_zero == 1.0 and lead.low <= lead.observed <= lead.high
    # One page far better, the rest a little worse: the observed mean is positive, but many draws miss that page.
    words_a, words_b = [1.0] + [0.70] * 29, [0.0] + [0.72] * 29
    mixed = margin.margin(
        {"d": margin.PageFigures.of(worse, words_a)}, {"d": margin.PageFigures.of(worse, words_b)}, "word_f1", draws
    )
    assert mixed.observed > 0 and mixed.low < 0 < mixed.high and 0.2 < mixed.above_zero < 1.0


def test_compare_reports_margins_over_each_rows_best_peer(benchmark_module, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    compare = benchmark_module("compare")
    pool = benchmark_module("pool")
    rng = np.random.default_rng(5)
    items, results = [], {"blocksift": {}, "trafilatura": {}, "justext": {}}
    for dataset in ("a", "b"):
        for i in range(12):
            page = Page(dataset, f"p{i}", "test", tmp_path / f"{dataset}{i}.html", None)
            items.append(compare.PageInput(page, f"{dataset}{i}", "gold", "g"))
            tp, fp, fn = (int(x) for x in rng.integers(5, 30, size=3))
            for name, extra in (("blocksift", 0), ("trafilatura", 4), ("justext", 9)):
                score = compare.PageScore(tp, fp + extra, fn + extra, 0.9 - extra / 100)
                results[name][page.key] = compare.Scored(pool.Outcome("text", 0.01), score)
    names = list(results)
    datasets = compare.group_scores(compare.by_dataset(items), results)
    records = compare.margins(compare.by_dataset(items), datasets, results, names, with_mean=True)
    assert [(r["metric"], r["row"]) for r in records[:3]] == [
        ("shingle_f1", "a (12)"), ("shingle_f1", "b (12)"), ("shingle_f1", "mean (24)")
    ]  # fmt: skip
    assert {r["best_peer"] for r in records} == {"trafilatura"}
    mean = records[2]
    table_margin = (
        compare.mean_scores(datasets[d]["blocksift"] for d in "ab").shingle_f1
        - compare.mean_scores(datasets[d]["trafilatura"] for d in "ab").shingle_f1
    )
    assert mean["observed"] == pytest.approx(table_margin, abs=1e-12) and mean["target"] == compare.MEAN_TARGET
    assert mean["low"] > 0 and mean["above_zero"] == 1.0
    text = compare.sureness_table("How sure", records)
    assert "mean (24)" in text and ">= +0.03 in" in text
    markdown = compare.markdown_margins(records)
    assert markdown.count("\n") == len(records) + 1 and "| shingle F1 | mean (24) | trafilatura |" in markdown
    assert compare.margins(compare.by_dataset(items), datasets, results, ["trafilatura", "justext"], True) == []


def test_a_peer_given_decoded_text_is_not_served_output_made_from_other_text(  # type: ignore[no-untyped-def]
    benchmark_module, tmp_path: Path
) -> None:
    # boilerpy3, goose3 and newspaper4k are given the text blocksift's decoder makes of the page's bytes; when
    # the decoder changes (a repaired encoding), their cached outputs were made from other text.
    compare = benchmark_module("compare")
    cache = compare.TextCache(tmp_path)
    # The same page's bytes read as two texts: written here as two files, so that each digest is the text's own.
    (tmp_path / "p.html").write_bytes(b"<p>caf\xc3\xa9</p>")
    (tmp_path / "p-redecoded.html").write_bytes(b"<p>caf\xc3\xa9 au lait</p>")
    page = Page(dataset="d", id="p", split="test", html_path=tmp_path / "p.html", gold_path=None, meta={})
    other = Page(dataset="d", id="p", split="test", html_path=tmp_path / "p-redecoded.html", gold_path=None, meta={})
    by_text = compare.System("goose3", "1", "", "text", cacheable=True, takes_bytes=False)
    by_bytes = compare.System("trafilatura", "1", "", "raw bytes", cacheable=True)
    item = compare.PageInput(page, "bytes-digest", "gold", "gold-digest")
    redecoded = compare.PageInput(other, "bytes-digest", "gold", "gold-digest")
    assert item.text_sha256 == hashlib.sha256("<p>café</p>".encode()).hexdigest()  # decoded on demand
    outcome, score = compare.Outcome("extracted", 0.1, None), compare.PageScore(1, 0, 0, 1.0)
    for system in (by_text, by_bytes):
        cache.put(system, item, outcome, score)
    reread = compare.TextCache(tmp_path)  # from the files, as a later run reads them
    assert reread.get(by_text, item) is not None and reread.get(by_bytes, item) is not None
    assert reread.get(by_text, redecoded) is None  # computed again
    assert reread.get(by_bytes, redecoded) is not None  # the same bytes, read its own way

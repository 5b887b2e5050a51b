"""benchmarks/settings_study.py end to end on the repo's own labelled pages (small forests, so it runs in seconds)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def study(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("settings_study")


def test_settings_are_scored_on_held_out_training_pages_and_test_pages(study, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "settings.json"
    small = '{"max_iter": 20, "stage1_max_iter": 20}'
    code = study.main(
        ["--root", str(REPO / "datasets"), "--jobs", "1", "--json", str(out),
         "--setting", "small", small, "--setting", "small, balance 0", small[:-1] + ', "balance": 0}']
    )  # fmt: skip
    assert code == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert list(results) == ["small", "small, balance 0"]
    for r in results.values():
        held, test = r["held_out"], r["test"]
        # 26 training pages in own/ and sample/: a fifth of them held out; the 10 test pages all scored
        assert sum(d["pages"] for d in held["datasets"].values()) == 6
        assert {n: d["pages"] for n, d in test["datasets"].items()} == {"own": 5, "sample": 5}
        assert test["mean"] > 0.6 and 0.0 < held["mean"] <= 1.0  # even 20 trees learn our pages' furniture
        assert set(test["page_types"]) >= {"article", "forum", "listing"}
    table = capsys.readouterr().out
    assert "| small | " in table and "| small, balance 0 | " in table


def test_seeds_run_every_setting_per_seed_and_compare_with_the_first(study, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "seeds.json"
    small = '{"max_iter": 10, "stage1_max_iter": 10}'
    code = study.main(
        ["--root", str(REPO / "datasets"), "--jobs", "1", "--json", str(out), "--seeds", "0,1",
         "--setting", "base", small, "--setting", "tiny", '{"max_iter": 3, "stage1_max_iter": 3}']
    )  # fmt: skip
    assert code == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert list(results) == ["base seed 0", "base seed 1", "tiny seed 0", "tiny seed 1"]
    assert [r["setting"]["random_state"] for r in results.values()] == [0, 1, 0, 1]
    held = [
        results[f"tiny seed {s}"]["held_out"]["mean"] - results[f"base seed {s}"]["held_out"]["mean"] for s in (0, 1)
    ]
    test = [results[f"tiny seed {s}"]["test"]["mean"] - results[f"base seed {s}"]["test"]["mean"] for s in (0, 1)]
    summary = capsys.readouterr().out.split("Over seeds 0, 1")[1]
    rows = {
        line.split(" | ")[0].strip("| "): line.split(" | ") for line in summary.splitlines() if line.startswith("| ")
    }
    assert rows["base"][3] == "+0.0000" and rows["base"][7] == "0 of 2"
    # a setting against itself, page by page, held out and on the test splits
    assert rows["base"][4] == rows["base"][6] == "[+0.0000, +0.0000] (0%)"
    assert rows["tiny"][3] == f"{np.mean(held):+.4f}" and rows["tiny"][7] == f"{sum(h > 0 for h in held)} of 2"
    assert rows["tiny"][5] == f"{np.mean(test):+.4f}"
    for column, diffs in ((4, held), (6, test)):  # each observed difference inside its interval
        low, high = (float(x) for x in rows["tiny"][column].split(" (")[0].strip("[]").split(", "))
        assert low <= round(float(np.mean(diffs)), 4) <= high and low < high
    assert rows["tiny"][8].startswith(("own ", "sample "))  # the held-out datasets that moved, largest first
    for key, n in (("held_out_pages", 6), ("test_pages", len(results["tiny seed 0"]["test_pages"]))):
        pages = results["tiny seed 0"][key]
        assert n > 0 and all(len(v) == 4 for v in pages.values())
    assert len(results["tiny seed 0"]["held_out_pages"]) == 6


def _gzipped(path: Path) -> Path:
    out = path.with_name(path.name + ".gz")
    out.write_bytes(gzip.compress(path.read_bytes()))
    return out


def test_a_baseline_from_an_earlier_run_is_compared_without_training_it_again(study, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = ["--root", str(REPO / "datasets"), "--jobs", "1"]
    earlier, later = tmp_path / "base.json", tmp_path / "later.json"
    base = '{"max_iter": 10, "stage1_max_iter": 10}'
    assert study.main([*root, "--seeds", "0,1", "--json", str(earlier), "--setting", "base", base]) == 0
    capsys.readouterr()
    tiny = '{"max_iter": 3, "stage1_max_iter": 3}'
    again = ["--seeds", "1", "--baseline", str(earlier), "--json", str(later), "--setting", "tiny", tiny]
    assert study.main([*root, *again]) == 0
    captured = capsys.readouterr()
    results = json.loads(later.read_text(encoding="utf-8"))
    assert list(results) == ["base seed 1", "tiny seed 1"]  # the baseline's seed 0 is not asked for
    assert results["base seed 1"] == json.loads(earlier.read_text(encoding="utf-8"))["base seed 1"]
    assert "baseline: 'base' on seeds 1" in captured.err and "warning" not in captured.err
    assert study.load_baseline(earlier, [1]) == study.load_baseline(_gzipped(earlier), [1])
    summary = captured.out.split("Over seeds 1")[1]
    lines = [line.split(" | ") for line in summary.splitlines() if line.startswith("| ")]
    rows = {cells[0].strip("| "): cells for cells in lines}
    held = results["tiny seed 1"]["held_out"]["mean"] - results["base seed 1"]["held_out"]["mean"]
    assert rows["base"][3] == "+0.0000" and rows["tiny"][3] == f"{held:+.4f}"
    # what cannot be compared is refused before any training
    for args, message in (
        (["--seeds", "2", "--baseline", str(earlier)], "no run of 'base' on seed 2"),
        (["--seeds", "0", "--baseline", str(earlier), "--setting", "base", tiny], "also asked for"),
        (["--baseline", str(earlier)], "--baseline needs --seeds"),
        (["--seeds", "0", "--baseline", str(tmp_path / "absent.json")], "cannot read the baseline"),
    ):
        assert study.main([*root, *args, "--setting", "x", tiny]) == 2
        assert message in capsys.readouterr().err


def test_no_datasets_is_a_clear_skip(study, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert study.main(["--root", str(tmp_path / "absent"), "--setting", "x", "{}"]) == 2
    assert "no datasets under" in capsys.readouterr().err


def test_type_balance_moves_weight_to_rarer_page_types_within_a_dataset(study) -> None:  # type: ignore[no-untyped-def]
    from blocksift.datasets import load_datasets
    from blocksift.table import build_rows
    from blocksift.training import stack

    pages = load_datasets([REPO / "datasets" / "own", REPO / "datasets" / "sample"], splits=["train"])
    train = list(zip(pages, build_rows(pages, jobs=1), strict=True))
    data = stack([p for p, _ in train], [r for _, r in train], 0.75)
    balanced = study.type_balanced(train, data, 1.0)
    page_of = {i: p for i, (p, _) in enumerate(train)}
    before = {i: data.weight[data.groups == i][0] for i in page_of}
    after = {i: balanced.weight[balanced.groups == i][0] for i in page_of}
    mixed = 0
    for dataset in {p.dataset for p in pages}:
        ids = [i for i, p in page_of.items() if p.dataset == dataset]
        assert sum(after[i] for i in ids) == pytest.approx(sum(before[i] for i in ids))
        counts = Counter(page_of[i].meta.get("page_type") for i in ids)
        if len(counts) > 1:  # a page of a rarer type weighs more than one of a commoner type
            rare, common = min(counts, key=counts.__getitem__), max(counts, key=counts.__getitem__)
            pick = {k: next(i for i in ids if page_of[i].meta.get("page_type") == k) for k in (rare, common)}
            assert counts[rare] < counts[common] and after[pick[rare]] > after[pick[common]]
            mixed += 1
    assert mixed  # our pages have several types, so the rule is exercised
    assert np.array_equal(balanced.y, data.y) and balanced.X is data.X

"""benchmarks/page_type_study.py end to end on the repo's own labelled pages (small forests: seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SMALL = '{"max_iter": 20, "stage1_max_iter": 20}'


@pytest.fixture()
def study(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("page_type_study")


@pytest.mark.parametrize("mode", ["oracle", "predicted"])
def test_page_type_columns_are_trained_and_scored(study, mode: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "types.json"
    args = ["--root", str(REPO / "datasets"), "--jobs", "1", "--setting", SMALL, "--seeds", "0,1", "--json", str(out)]
    assert study.main([mode, *args]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert list(results) == ["0", "1"]
    for r in results.values():
        assert {n: d["pages"] for n, d in r["test"]["datasets"].items()} == {"own": 5, "sample": 5}
        assert r["test"]["mean"] > 0.6  # seven more columns do not stop 20 trees learning our pages
    err = capsys.readouterr().err
    assert f"{mode}, seed 1: held out" in err
    if mode == "predicted":
        assert "type classifier, out of fold:" in err and "on wcxb's pages" in err


@pytest.mark.parametrize("mode", ["oracle", "predicted"])
def test_dataset_columns_are_one_per_dataset_of_the_training_pages(study, mode: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "datasets.json"
    args = ["--root", str(REPO / "datasets"), "--jobs", "1", "--setting", SMALL, "--seeds", "0", "--json", str(out)]
    assert study.main([mode, "--label", "dataset", *args]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))["0"]
    assert result["test"]["mean"] > 0.6
    from blocksift.datasets import load_datasets

    pages = load_datasets([REPO / "datasets" / "own", REPO / "datasets" / "sample"], splits=["train"])
    label = study.label_for("dataset", [(p, None) for p in pages])
    assert label.classes == ("own", "sample")
    assert list(study.one_hot("sample", label.classes)) == [0, 1]
    if mode == "predicted":
        assert "type classifier, out of fold:" in capsys.readouterr().err


def test_markup_signals_date_the_page(study, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    old = b"<!DOCTYPE HTML PUBLIC '-//W3C//DTD HTML 4.01//EN'><html><body><table><tr><td><font>Hi</font></td></tr>"
    new = b'<!doctype html><html><head><meta name="viewport"></head><body><main><article><p>Hi</p></article></main>'
    from blocksift.markup import MARKUP_NAMES, markup_signals

    signals = {html: dict(zip(MARKUP_NAMES, markup_signals(html), strict=True)) for html in (old, new)}
    assert signals[old]["head_doctype_html_public"] == 1 and signals[old]["head_doctype_html"] == 0
    assert signals[old]["per_kb_table"] > 0 and signals[old]["per_kb_font"] > 0
    assert signals[new]["head_doctype_html"] == 1 and signals[new]["per_kb_main"] > 0
    assert signals[new]["per_kb_table"] == 0 and signals[new]["per_kb_meta_name__viewport"] > 0
    out = tmp_path / "markup.json"
    args = ["--root", str(REPO / "datasets"), "--jobs", "1", "--setting", SMALL, "--seeds", "0", "--json", str(out)]
    assert study.main(["predicted", "--label", "dataset", "--markup", *args]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["0"]["test"]["mean"] > 0.6
    assert "type classifier, out of fold:" in capsys.readouterr().err


def test_types_come_from_the_page_or_its_dataset(study) -> None:  # type: ignore[no-untyped-def]
    from blocksift.datasets import load_datasets

    pages = load_datasets([REPO / "datasets" / "own"], splits=["train", "test"])
    kinds = {study.true_type(p) for p in pages}
    assert {"article", "forum", "listing"} <= kinds and None not in kinds
    assert list(study.one_hot("forum")) == [0, 0, 0, 0, 1, 0, 0]
    assert not study.one_hot(None).any()


def test_no_datasets_is_a_clear_skip(study, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert study.main(["oracle", "--root", str(tmp_path / "absent")]) == 2
    assert "no datasets under" in capsys.readouterr().err

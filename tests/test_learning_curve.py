"""benchmarks/learning_curve.py end to end on the repo's own labelled pages (small forests: seconds)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = [str(REPO / "datasets" / "own"), str(REPO / "datasets" / "sample")]
TINY = '{"max_iter": 5, "stage1_max_iter": 5}'


def test_each_size_and_setting_is_fitted_on_the_same_draws_and_scored(benchmark_module, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    curve = benchmark_module("learning_curve")
    out = tmp_path / "curve.json"
    code = curve.main(
        [*ROOTS, "--sizes", "6,12", "--draws", "2", "--jobs", "1", "--json", str(out),
         "--setting", "tiny", TINY, "--setting", "tiny refit", TINY[:-1] + ', "refit": true}']
    )  # fmt: skip
    assert code == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results) == {f"{n} {s} draw {d}" for n in (6, 12) for s in ("tiny", "tiny refit") for d in (0, 1)}
    assert results["12 tiny refit draw 1"]["setting"] == {"max_iter": 5, "stage1_max_iter": 5, "refit": True,
                                                          "random_state": 1}  # fmt: skip
    table = capsys.readouterr().out
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith(("| 6 ", "| 12 "))]
    assert [(r[0], r[1]) for r in rows] == [
        ("| 6", "tiny"),
        ("| 6", "tiny refit"),
        ("| 12", "tiny"),
        ("| 12", "tiny refit"),
    ]
    for r in rows:
        size, name = int(r[0].strip("| ")), r[1]
        mean = sum(results[f"{size} {name} draw {d}"]["test"]["mean"] for d in (0, 1)) / 2
        assert r[2] == f"{mean:.4f}" and 0 < mean <= 1
    assert rows[0][4] == "+0.0000" and rows[0][5] == "0 of 2"  # the first setting against itself


def test_draws_repeat_for_every_setting_and_differ_between_draws(benchmark_module) -> None:  # type: ignore[no-untyped-def]
    curve = benchmark_module("learning_curve")
    pages = [(f"page {i}", None) for i in range(40)]
    first, again, other = curve.draw(pages, 10, 0), curve.draw(pages, 10, 0), curve.draw(pages, 10, 1)
    assert first == again and first != other and len(set(first)) == 10
    assert first == sorted(first, key=lambda p: int(p[0].split()[1]))  # in the pages' own order


def test_sizes_beyond_the_train_split_and_missing_datasets_are_refused(
    benchmark_module, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    curve = benchmark_module("learning_curve")
    assert curve.main([*ROOTS, "--sizes", "500", "--jobs", "1"]) == 2
    assert "--sizes asks for 500 pages" in capsys.readouterr().err
    assert curve.main([str(tmp_path / "absent")]) == 2
    assert "no dataset at" in capsys.readouterr().err

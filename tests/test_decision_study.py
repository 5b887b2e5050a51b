"""benchmarks/decision_study.py end to end on the repo's own labelled pages (small forests, so it runs in seconds)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SMALL = '{"max_iter": 20, "stage1_max_iter": 20}'


def test_rules_are_scored_from_scores_saved_once(benchmark_module, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    study = benchmark_module("decision_study")
    args = ["--root", str(REPO / "datasets"), "--jobs", "1", "--seeds", "2", "--params", SMALL]
    first = tmp_path / "first.json"
    assert study.main([*args, "--scores", str(tmp_path / "scores"), "--json", str(first)]) == 0
    assert (tmp_path / "scores" / "seed-2.joblib").exists()
    out = capsys.readouterr().out
    results = json.loads(first.read_text(encoding="utf-8"))
    assert list(results) == list(study.RULES)
    for per_seed in results.values():
        figures = per_seed["2"]
        assert set(figures["test"]["datasets"]) == {"own", "sample"}
        assert 0.5 < figures["test"]["mean"] <= 1.0 and 0.0 < figures["held_out"]["mean"] <= 1.0
    # the first rule is the reference: its own difference is nil
    assert f"+0.0000 (seeds +0.0000)  {next(iter(study.RULES))}" in out

    # a second run reads the saved scores back (no training) and scores the same
    again = tmp_path / "again.json"
    assert study.main([*args, "--scores", str(tmp_path / "scores"), "--json", str(again)]) == 0
    assert json.loads(again.read_text(encoding="utf-8")) == results


def test_island_rules_take_their_limits(benchmark_module) -> None:  # type: ignore[no-untyped-def]
    study = benchmark_module("decision_study")

    rows = SimpleNamespace(texts=["nav", "a stray line", "nav", "body"], n_tokens=np.array([1, 20, 1, 40]))
    p = np.array([0.1, 0.7, 0.1, 0.9])
    assert study.islands(30, 0.8)(p, rows, 0.5).tolist() == [False, False, False, True]
    assert study.islands(10, 0.8)(p, rows, 0.5).tolist() == [False, True, False, True]  # 20 tokens: too long
    assert study.RULES["cut, islands, repeats (decide)"](p, rows, 0.5).tolist() == [False, True, False, True]


def test_the_chain_smoothing_leaves_p_alone_at_a_fair_chain_and_pulls_a_lone_block_to_its_neighbours(
    benchmark_module,
) -> None:  # type: ignore[no-untyped-def]
    study = benchmark_module("decision_study")
    p = np.array([0.9, 0.9, 0.2, 0.9, 0.1, 0.1, 0.6, 0.1])
    assert np.allclose(study.chain_posterior(p, 0.5), p)
    q = study.chain_posterior(p, 0.8)
    assert q[2] > 0.5 and q[6] < 0.5 and q[0] > 0.9 and q[5] < 0.1
    rows = SimpleNamespace(texts=[f"block {i}" for i in range(8)], n_tokens=np.full(8, 10))
    assert study.smoothed(0.8)(p, rows, 0.5).tolist() == [True, True, True, True, False, False, False, False]

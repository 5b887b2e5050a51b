"""benchmarks/errors.py, the error analysis, on the repo's own labelled pages (small forests: seconds)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from blocksift.datasets import load_datasets
from blocksift.modelfile import save_model
from blocksift.table import build_rows
from blocksift.training import train, usable

REPO = Path(__file__).resolve().parents[1]
ROOTS = [REPO / "datasets" / "own", REPO / "datasets" / "sample"]


@pytest.fixture()
def errors(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("errors")


def _model(folder: Path, refit: bool) -> Path:
    """A small model trained on the train splits of every dataset of the repo, as ``--held-out`` requires."""
    pages = load_datasets(ROOTS, splits=["train"])
    clf, record = train(pages, params={"max_iter": 15, "stage1_max_iter": 15, "refit": refit})
    path = folder / f"refit-{refit}.npz"
    save_model(clf, path, record)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """Refitted (the default) and not."""
    folder = tmp_path_factory.mktemp("models")
    return {refit: _model(folder, refit) for refit in (True, False)}


def test_the_worst_pages_show_what_was_wrongly_kept_and_dropped(errors, models, capsys) -> None:  # type: ignore[no-untyped-def]
    code = errors.main([str(ROOTS[1]), "--model", str(models[True]), "--worst", "2", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0
    header = re.search(r"=== sample: (\d+) pages, shingle F1 ([0-9.]+)", out)
    assert header is not None and int(header.group(1)) == len(load_datasets([ROOTS[1]], splits=["test"]))
    scores = [float(f) for f in re.findall(r"^--- sample/\S+  F1 ([0-9.]+)", out, flags=re.MULTILINE)]
    assert len(scores) == 2 and scores == sorted(scores)  # the worst first
    assert "wrongly kept / wrongly dropped tokens by the block's owner tag" in out


def test_held_out_pages_need_a_model_that_never_fitted_them(errors, models, capsys) -> None:  # type: ignore[no-untyped-def]
    assert errors.main([str(ROOTS[0]), "--model", str(models[True]), "--held-out", "--jobs", "1"]) == 2
    assert "--no-refit" in capsys.readouterr().err
    code = errors.main([str(r) for r in ROOTS] + ["--model", str(models[False]), "--held-out", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0
    train_pages = load_datasets(ROOTS, splits=["train"])
    learnt = usable(train_pages, build_rows(train_pages, jobs=1))
    shown = sum(int(n) for n in re.findall(r"^=== \S+: (\d+) pages", out, flags=re.MULTILINE))
    assert shown == math.ceil(0.2 * len(learnt))  # the fifth of the training pages that fit held out
    train_keys = {p.key for p, _ in learnt}
    assert set(re.findall(r"^--- (\S+)  F1", out, flags=re.MULTILINE)) <= train_keys

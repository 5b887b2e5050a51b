"""The oracle floor: the blocks labelled content, scored against the gold, on a fixed set of shared pages."""

from __future__ import annotations

from pathlib import Path

from blocksift.datasets import load_datasets
from blocksift.evaluate import oracle_chooser, score

DATASETS = (
    "cleaneval", "cleanportaleval", "dragnet", "fundus", "l3s-gn1", "msv-big9-chaos", "newspaper-tests",
    "readability", "wcxb",
)  # fmt: skip
PAGES_PER_DATASET = 15


def test_oracle_floor_on_fixed_shared_pages(shared: Path) -> None:
    pages = []
    for name in DATASETS:
        test_pages = sorted(load_datasets([shared / name], splits=["test"]), key=lambda p: p.id)
        assert test_pages, f"{name} has no test pages"
        pages += test_pages[:PAGES_PER_DATASET]
    report = score(pages, oracle_chooser, jobs=1, cache_dir=None)
    figures = {d.dataset: round(d.f1, 3) for d in report.datasets}
    assert set(figures) == set(DATASETS)
    assert all(f >= 0.93 for f in figures.values()), figures
    assert report.mean["f1"] >= 0.96, figures

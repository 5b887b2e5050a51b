"""benchmarks/languages.py: pages regrouped by language, from the dataset's record or what the page declares, and
blocksift's margin over each group's best peer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE


@pytest.fixture()
def languages(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("languages")


def test_primary_subtags(languages) -> None:  # type: ignore[no-untyped-def]
    assert [languages.primary(t) for t in ("en-US", "EN_gb", "he/en", "de", " ", "")] == [
        "en",
        "en",
        "he",
        "de",
        "",
        "",
    ]


def test_groups_keep_small_languages_together_and_count_every_language_but_english(languages) -> None:  # type: ignore[no-untyped-def]
    langs = {f"d/en{i}": "en" for i in range(12)} | {f"d/de{i}": "de" for i in range(10)}
    langs |= {"d/ja": "ja", "d/ru": "ru", "d/x": languages.UNDECLARED}
    groups = languages.groups_of(langs)
    assert list(groups) == ["en", "de", "other languages", "not English (all)", "undeclared"]
    assert groups["other languages"] == ["d/ja", "d/ru"] and len(groups["not English (all)"]) == 12
    assert groups["undeclared"] == ["d/x"]


def _dataset_without_lang(tmp_path: Path) -> Path:
    """The sample's Japanese and German pages (ours) in a dataset whose records name no language."""
    root = tmp_path / "datasets" / "mini"
    (root / "html").mkdir(parents=True)
    (root / "gold").mkdir()
    records = []
    for page_id in ("ja-library-evening-hours", "de-freibad-lindenau"):
        shutil.copy(SAMPLE / "html" / f"{page_id}.html", root / "html")
        shutil.copy(SAMPLE / "gold" / f"{page_id}.txt", root / "gold")
        records.append({"id": page_id, "split": "test"})
    (root / "meta.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root.parent


def test_a_page_without_a_recorded_language_gets_the_one_it_declares(languages, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    found = languages.page_languages(_dataset_without_lang(tmp_path), ["mini/ja-library-evening-hours"])
    assert found == {"mini/ja-library-evening-hours": "ja"}
    recorded = languages.page_languages(SAMPLE.parent, ["sample/ru-museum-maps", "sample/blog-rye-bread"])
    assert recorded == {"sample/ru-museum-maps": "ru", "sample/blog-rye-bread": "en"}


def test_end_to_end_on_a_compare_file(languages, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ids = [json.loads(line)["id"] for line in (SAMPLE / "meta.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = []
    for page_id in ids:  # blocksift a little better than the peer on every page
        pages.append({"page": f"sample/{page_id}", "system": "blocksift", "tp": 9, "fp": 1, "fn": 1, "word_f1": 0.9})
        pages.append({"page": f"sample/{page_id}", "system": "trafilatura", "tp": 8, "fp": 2, "fn": 2, "word_f1": 0.8})
    compare = tmp_path / "compare.json"
    compare.write_text(json.dumps({"pages": pages}), encoding="utf-8")
    md = tmp_path / "languages.md"
    assert languages.main([str(compare), "--root", str(SAMPLE.parent), "--markdown", str(md)]) == 0
    out = capsys.readouterr().out
    assert "16 pages" in out and "other languages" in out and "not English (all)" in out
    rows = [line for line in md.read_text(encoding="utf-8").splitlines() if line.startswith("| en ")]
    assert len(rows) == 2 and all("trafilatura 0.8" in r and "+0.100" in r and "100%" in r for r in rows)
    with pytest.raises(SystemExit, match="needs blocksift"):
        compare.write_text(json.dumps({"pages": [p for p in pages if p["system"] == "trafilatura"]}), encoding="utf-8")
        languages.read_scores(compare)

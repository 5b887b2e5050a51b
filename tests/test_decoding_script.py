"""benchmarks/decoding.py: a corpus of folders named for their files' encoding, decoded and compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_charset import CZECH, FRENCH, page


@pytest.fixture()
def decoding(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("decoding")


def test_folder_names_give_their_codec(decoding) -> None:  # type: ignore[no-untyped-def]
    names = ["windows-1250-czech", "iso-8859-2-hungarian", "SHIFT_JIS", "UTF-32BE", "EUC-TW", "README"]
    assert [decoding.folder_codec(n) for n in names] == ["cp1250", "iso8859-2", "cp932", "utf-32-be", None, None]


def test_a_corpus_is_counted_and_misses_are_listed(decoding, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    czech = tmp_path / "windows-1250-czech"
    czech.mkdir()
    (czech / "page.html").write_bytes(page(CZECH).encode("cp1250"))
    western = tmp_path / "windows-1252"
    western.mkdir()
    (western / "page.html").write_bytes(page(FRENCH).encode("cp1252"))
    wrong = tmp_path / "iso-8859-7-greek"  # French bytes filed as Greek: decoded as windows-1252, so a miss
    wrong.mkdir()
    (wrong / "page.html").write_bytes(page(FRENCH).encode("cp1252"))
    (tmp_path / "EUC-TW").mkdir()
    assert decoding.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "skipped EUC-TW/" in out
    assert "iso-8859-7-greek/page.html: decoded as cp1252" in out
    assert out.strip().endswith("exact 2 of 3; differs 1")

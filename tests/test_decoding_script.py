"""benchmarks/decoding.py: a corpus of folders named for their files' encoding, decoded and compared."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from test_charset import CZECH, FRENCH, JAPANESE, page


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


def test_stray_byte_copies_are_counted_by_the_encoding_they_are_read_in(  # type: ignore[no-untyped-def]
    decoding, tmp_path: Path, capsys
) -> None:
    japanese = tmp_path / "SHIFT_JIS"
    japanese.mkdir()
    paragraphs = "".join(f"<p>{JAPANESE}</p>" for _ in range(5))
    (japanese / "page.html").write_bytes(page(paragraphs, '<meta charset="shift_jis">').encode("cp932"))
    czech = tmp_path / "windows-1250-czech"  # a single-byte folder: left out
    czech.mkdir()
    (czech / "page.html").write_bytes(page(CZECH).encode("cp1250"))
    copies = decoding.stray_copies(b"0123456789" * 4, 3, random.Random(0))
    assert all(len(c) == 41 and c[:10] == b"0123456789" and c[-10:] == b"0123456789" for c in copies)
    assert decoding.main([str(tmp_path), "--stray", "4"]) == 0
    out = capsys.readouterr().out
    assert "SHIFT_JIS/: 4 of 4 read as cp932" in out and "windows-1250" not in out
    assert out.strip().endswith("stray bytes: 4 of 4 copies read in their encoding")

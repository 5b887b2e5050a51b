"""Text encoded twice is repaired (mojibake.py), in the text and through the whole extraction; text that only looks
like it is left alone."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from blocksift import mojibake
from blocksift.extraction import extract
from blocksift.mojibake import MIN_REPAIRS, may_hold_mojibake, repair_mojibake
from blocksift.page import decode_html
from conftest import twice


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
@pytest.mark.parametrize(
    "meant",
    [
        "It’s “quoted” — and costs 5 € or 5 £, © 2024 Ünïcødé™",
        "Grüße aus Köln, ½ Straße, café crème, no\u00a0break",
        "日本語のテキスト、東京 and 한국어 and Ελληνικά and Русский and עברית",
        "emoji 😀 🎉 and 𝄞, a dash – and an ellipsis…",
    ],
)
def test_text_encoded_twice_is_repaired_whichever_codec_read_it(meant: str, codec: str) -> None:
    broken = twice(meant, codec)
    assert broken != meant
    assert repair_mojibake(broken) == meant
    assert may_hold_mojibake(broken.encode("utf-8"))


def test_correct_text_and_lookalikes_are_left_alone() -> None:
    # Upper-case letters before a quote, a guillemet or a no-break space are, as bytes, IPA letters and NKo.
    lookalikes = "«CAFÉ» “ÉTÉ” CAFÉ” Straß\u00a0Nord ÉCOLE– ÊTRE—"
    assert repair_mojibake(lookalikes) == lookalikes
    meant = "Grüße, café, 日本, “quotes” — all as they should be"
    assert repair_mojibake(meant) == meant
    assert not may_hold_mojibake(meant.encode("utf-8"))


def test_a_page_is_repaired_only_where_it_holds_enough_sequences() -> None:
    few = "a stray " + " ".join([twice("é")] * (MIN_REPAIRS - 1))
    assert repair_mojibake(few) == few
    enough = "a page encoded twice " + " ".join([twice("é")] * MIN_REPAIRS)
    assert repair_mojibake(enough) == "a page encoded twice " + " ".join(["é"] * MIN_REPAIRS)


def test_correct_and_twice_encoded_characters_mixed_on_one_page_all_come_out_right() -> None:
    text = "Résumé of the day: " + twice("it’s “done” — café") + " and déjà vu"
    assert repair_mojibake(text) == "Résumé of the day: it’s “done” — café and déjà vu"


def test_random_text_survives_encoding_twice() -> None:
    rng = np.random.default_rng(7)
    alphabet = list("abc XYZ.,-") + list("éüßøñçÅÉÖ€£©®°±½–—‘’“”…•™") + list("日本語東京한국Жλש") + ["😀", "\u00a0"]
    for _ in range(200):
        meant = "".join(rng.choice(alphabet, size=int(rng.integers(1, 60))))
        if sum(1 for c in meant if ord(c) > 0x7F) >= MIN_REPAIRS:
            assert repair_mojibake(twice(meant)) == meant


@pytest.mark.parametrize("chunk", [1, 5, 1 << 20])
def test_a_long_page_is_repaired_whole_or_piece_by_piece_alike(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """A page encoded twice throughout is decoded again at once; one that mixes such text with text as meant is
    repaired a piece at a time, and no piece boundary falls inside a sequence."""
    monkeypatch.setattr(mojibake, "CHUNK", chunk)
    meant = "Der Bär — “naïve” café, 日本の夏, Ελλάδα. " * 2000
    assert mojibake._whole(twice(meant)) == meant
    assert repair_mojibake(twice(meant)) == meant
    mixed = "".join(twice(part) if i % 2 else part for i, part in enumerate(meant.split(" ")))
    assert mojibake._whole(mixed) is None
    assert repair_mojibake(mixed) == meant.replace(" ", "")


PAGE = (
    "<html><head><meta charset='utf-8'><title>Débat</title></head><body><article>"
    "<p>It’s the committee’s view — said the minister — that “the café’s licence” stands.</p>"
    "<p>Ministers met in Zürich and agreed the report’s findings on the city’s budget.</p>"
    "</article></body></html>"
)


def test_extraction_repairs_a_page_encoded_twice_from_bytes_and_from_text() -> None:
    meant = extract(PAGE.encode("utf-8"))
    assert "It’s the committee’s view — said" in meant and "Zürich" in meant
    broken = twice(PAGE)
    assert "â€™" in broken
    assert extract(broken.encode("utf-8")) == meant
    assert extract(broken) == meant
    assert decode_html(broken.encode("utf-8")) == PAGE


def test_a_page_that_is_not_encoded_twice_throughout_leaves_no_garbage_behind() -> None:
    # The codec error handler refuses "→" (no byte of Windows-1252 or Latin-1); the error it raises holds the whole
    # page, and a reference cycle through the handler's frame would keep it until a full garbage collection, which a
    # batch worker runs rarely (heap.collect_less_often): session 27 saw 10,000 pages grow a worker by 67 MB.
    page = twice("café, “quoted” — ") * 3 + "an arrow → that was always meant" + "x" * 100_000
    gc.collect()
    gc.disable()
    try:
        assert repair_mojibake(page).startswith("café, “quoted” — ")
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0, f"{found} objects were left in reference cycles"

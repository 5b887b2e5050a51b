"""charclass counts exactly what the regexes it replaces count, on any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blocksift.charclass import PageText, token_counts
from blocksift.features import (
    COPYRIGHT_RE,
    DIGIT_RE,
    SENTENCE_PUNCT_RE,
    SEPARATOR_RE,
    UPPER_CLASS,
    UPPER_START_RE,
    WORD_CLASS,
    _char_counts,
)

# Mixed scripts, astral characters (emoji, CJK extension B, a historic script), the unassigned U+03A2 inside the
# capitals' Greek range (not a word character, so \b before it needs a word character before it), digits of other
# scripts, combining marks and the underscore.
TRICKY = [
    "",
    "Hello, World! (c) 2024 © ACME",
    "naïve café — ÆSIR Ωmega Ђ",
    "日本語のテキスト。句読点、も。",
    "emoji 😀😀 x😀y 𠀀𠀁 𐌰𐌱 end",
    "AΣ\u03a2B \u03a2C x\u03a2",
    "٣٤٥ ١٢ ۱۲ १२३",
    "e\u0301t\u0301e snake_case __init__",
    "a | b • c / d > e « f »",
    "   ",
]


def _regex_counts(texts: list[str]) -> list[list[int]]:
    return [
        [len(rx.findall(t)) for t in texts]
        for rx in (re.compile(r"\w+"), SENTENCE_PUNCT_RE, DIGIT_RE, UPPER_START_RE, SEPARATOR_RE)
    ]


def _page_counts(texts: list[str]) -> list[list[int]]:
    page = PageText.of(texts)
    assert page is not None
    word = page.matches(WORD_CLASS)
    return [
        page.runs(word).tolist(),
        page.counts(page.matches(SENTENCE_PUNCT_RE.pattern)).tolist(),
        page.counts(page.matches(DIGIT_RE.pattern)).tolist(),
        page.counts(page.after_boundary(page.matches(UPPER_CLASS), word)).tolist(),
        page.counts(page.matches(SEPARATOR_RE.pattern)).tolist(),
    ]


def test_counts_match_the_regexes_on_tricky_texts() -> None:
    assert _page_counts(TRICKY) == _regex_counts(TRICKY)
    assert token_counts(TRICKY) == _regex_counts(TRICKY)[0]


@pytest.mark.parametrize("text", TRICKY)
def test_each_text_alone(text: str) -> None:
    assert _page_counts([text]) == _regex_counts([text])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00")), max_size=8))
def test_counts_match_the_regexes_on_any_text(texts: list[str]) -> None:
    assert token_counts(texts) == [len(re.findall(r"\w+", t)) for t in texts]
    if texts:
        assert _page_counts(texts) == _regex_counts(texts)


def test_text_holding_nul_falls_back_to_the_regex() -> None:
    texts = ["a\x00b c", "d"]
    assert PageText.of(texts) is None
    assert token_counts(texts) == [3, 1]


def test_char_counts_copyright_flag() -> None:
    texts = ["(C) 2020 Foo", "© Foo", "(c)2020", "(click) 2020", "(c) now", "nothing"]
    *_, copyright_flag = _char_counts(texts)
    assert copyright_flag.tolist() == [float(bool(COPYRIGHT_RE.search(t))) for t in texts] == [1, 1, 1, 0, 0, 0]

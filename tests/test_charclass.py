"""charclass counts exactly what the regexes it replaces count, on any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blocksift import charclass
from blocksift.charclass import PageText, chunks, match_counts, token_counts, word_counts, word_re
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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00")), max_size=8))
def test_word_counts_match_their_regex_on_any_text(texts: list[str]) -> None:
    assert word_counts(texts) == [len(word_re().findall(t)) for t in texts]


def test_an_ideograph_or_kana_is_a_word_and_other_scripts_count_tokens() -> None:
    """A \\w+ run of Chinese or Japanese is a clause: the features read each ideograph and kana as a word."""
    assert word_counts(TRICKY) == [len(word_re().findall(t)) for t in TRICKY]
    texts = ["日本語のテキスト。", "iPhone手机 4G", "𠀀𠀁 x", "한국어 문장", "plain words"]
    assert word_counts(texts) == [8, 4, 3, 2, 2]
    assert word_counts(["日本語 and\x00more"]) == [5]  # a text holding NUL: the regex


def test_a_words_combining_marks_and_joiners_are_part_of_it() -> None:
    """\\w+ cuts Indic, vocalised Arabic and Hebrew, Persian and decomposed Latin words at each mark; Thai, written
    without spaces, keeps its tokens, and an emoji's selector or joiner is no word."""
    texts = [
        "हिन्दी भाषा",  # Hindi: 5 tokens
        "বাংলা ভাষা",  # Bengali: 4
        "தமிழ் மொழி",  # Tamil: 4
        "می\u200cخواهم بروم",  # Persian, a zero-width non-joiner inside the first word: 3
        "re\u0301sume\u0301 cafe\u0301",  # decomposed Latin: 3
        "שָׁלוֹם עוֹלָם",  # pointed Hebrew
        "ภาษาไทยเป็นภาษา",  # Thai: its tokens
        "a \u2764\ufe0f b \U0001f468\u200d\U0001f469 c",  # emoji with a selector and a joiner
        "\u0301 x",  # a mark after a space
        "日本\u0301語",
    ]
    assert word_counts(texts) == [2, 2, 2, 2, 2, 2, 2, 3, 1, 3]
    assert word_counts(texts) == [len(word_re().findall(t)) for t in texts]
    assert token_counts(texts[:3]) == [5, 4, 4]  # the metrics' tokens stay the benchmarks'


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("a1 \u0301\u093f\u200d\ufe0f\u0e31\u65e5\u0915\u0964."), max_size=12)))
def test_word_counts_match_their_regex_on_texts_of_marks(texts: list[str]) -> None:
    assert word_counts(texts) == [len(word_re().findall(t)) for t in texts]


def test_text_holding_nul_falls_back_to_the_regex() -> None:
    texts = ["a\x00b c", "d"]
    assert PageText.of(texts) is None
    assert token_counts(texts) == [3, 1]


def test_char_counts_copyright_flag() -> None:
    texts = ["(C) 2020 Foo", "© Foo", "(c)2020", "(click) 2020", "(c) now", "nothing"]
    *_, copyright_flag = _char_counts(texts)
    assert copyright_flag.tolist() == [float(bool(COPYRIGHT_RE.search(t))) for t in texts] == [1, 1, 1, 0, 0, 0]


def test_chunks_keep_every_text_in_order_within_the_size() -> None:
    texts = ["a" * n for n in (3, 4, 10, 1, 1, 2, 0, 5)]
    parts = chunks(texts, size=6)
    assert [t for part in parts for t in part] == texts
    assert all(len(part) == 1 or sum(len(t) + 1 for t in part) <= 7 for part in parts)
    assert chunks(texts, size=100) == [texts] and chunks([], size=1) == [[]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00\x01")), max_size=12), st.integers(1, 20))
def test_counting_a_part_at_a_time_counts_the_same(texts: list[str], size: int) -> None:
    """A very long page is counted a part at a time (its arrays stay small); the counts are the whole page's."""
    whole = (token_counts(texts), match_counts(COPYRIGHT_RE, texts), [c.tolist() for c in _char_counts(texts)])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(charclass.chunks, "__defaults__", (size,))
        assert len(chunks(texts)) > 1 or len(texts) < 2 or sum(map(len, texts)) <= size
        parts = (token_counts(texts), match_counts(COPYRIGHT_RE, texts), [c.tolist() for c in _char_counts(texts)])
    assert parts == whole

"""Labels from gold text: known labels on hand-written pages, and speed on a big page."""

from __future__ import annotations

from dataclasses import replace

from blocksift.align import CONTENT_MIN_ALIGNED, align
from blocksift.blocks import segment
from blocksift.page import parse_html

PAGE = """<html><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<h1>Council approves new harbour wall</h1>
<p>Related: Council approves new parking rules</p>
<p>The council approved the new harbour wall on Monday after a two hour debate in the town hall.</p>
<p>Work will start in the spring and should be finished before the winter storms arrive next year.</p>
<div class="share">Share this article on social media</div>
<footer>Copyright 2024 The Harbour Times</footer>
</body></html>"""

GOLD = """Council approves new harbour wall
The council approved the new harbour wall on Monday after a two hour debate in the town hall.
Work will start in the spring and should be finished before the winter storms arrive next year."""


def test_known_labels() -> None:
    seg = segment(parse_html(PAGE))
    result = align(seg, GOLD)
    labelled = {b.text: bool(lab) for b, lab in zip(seg.blocks, result.labels, strict=True)}
    assert labelled == {
        "Home News Sport": False,
        "Council approves new harbour wall": True,
        # shares the run "Council approves new" with the headline but most of it is not in the gold
        "Related: Council approves new parking rules": False,
        "The council approved the new harbour wall on Monday after a two hour debate in the town hall.": True,
        "Work will start in the spring and should be finished before the winter storms arrive next year.": True,
        "Share this article on social media": False,
        "Copyright 2024 The Harbour Times": False,
    }
    assert result.aligned[1] == 1.0 and result.aligned[2] < CONTENT_MIN_ALIGNED


def test_empty_gold_labels_nothing() -> None:
    seg = segment(parse_html(PAGE))
    assert not align(seg, "").labels.any()


def test_one_megabyte_page_aligns_exactly() -> None:
    # The speed of this case is measured by benchmarks/speed.py (tests never assert times).
    words = [f"w{i % 997}x{i % 13}" for i in range(200_000)]
    paragraphs = [" ".join(words[i : i + 50]) for i in range(0, len(words), 50)]
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    assert len(html) > 1_000_000
    gold = "\n".join(paragraphs[1000:1100])  # 5,000 words
    seg = segment(parse_html(html))
    result = align(seg, gold)
    assert result.labels[1000:1100].all()


def test_blocks_with_other_token_counts_align_from_their_own_text() -> None:
    # Blocks not made by ``segment`` (a caller's own, or counts from another tokeniser) must not shift the page's
    # tokens between blocks: alignment counts each block's tokens from its text, not from ``n_tokens``.
    seg = segment(parse_html(PAGE))
    skewed = replace(seg, blocks=tuple(replace(b, n_tokens=b.n_tokens + 1) for b in seg.blocks))
    assert align(skewed, GOLD).aligned.tolist() == align(seg, GOLD).aligned.tolist()

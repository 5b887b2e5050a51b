"""Page metadata: the vocabularies pages declare it in, and the order they are trusted in."""

from __future__ import annotations

from blocksift.blocks import segment
from blocksift.metadata import headline, iso_date, page_meta, strip_site
from blocksift.page import parse_html

PAGE = """<!DOCTYPE html><html lang="de-DE"><head>
<title>Neue Fähre ab Mai | Hafenblatt</title>
<meta property="og:title" content="Neue Fähre ab Mai (OG)">
<meta property="og:site_name" content="Hafenblatt">
<meta name="author" content="Meta Author">
<meta property="article:published_time" content="2024-03-12T08:00:00+01:00">
<link rel="canonical" href="https://hafenblatt.example.org/faehre">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Hafenblatt"},
  {"@type": "NewsArticle", "headline": "Neue Fähre ab Mai (LD)", "datePublished": "2024-03-11",
   "author": [{"@type": "Person", "name": "Jana Beispiel"}, {"@type": "Person", "name": "Ole Muster &amp; Co"}]}]}
</script></head><body><nav><a href="/">Start</a></nav><h1>Neue Fähre ab Mai</h1><p>Text.</p></body></html>"""


def test_json_ld_wins_over_meta_tags_and_the_visible_headline_over_both() -> None:
    meta = page_meta(PAGE)
    assert meta.title == "Neue Fähre ab Mai (LD)"
    assert meta.author == "Jana Beispiel, Ole Muster & Co"
    assert meta.date == "2024-03-11"
    assert meta.language == "de-DE" and meta.site_name == "Hafenblatt"
    assert meta.url == "https://hafenblatt.example.org/faehre"
    seg = segment(parse_html(PAGE))
    assert headline(seg) == "Neue Fähre ab Mai"
    assert page_meta(PAGE, headline(seg)).title == "Neue Fähre ab Mai"


def test_meta_tags_then_markup() -> None:
    page = (
        '<html><head><title>Plain title here - Site</title><meta name="author" content="A. Writer"></head>'
        '<body><time datetime="2023-05-06">6 May</time><p>x</p></body></html>'
    )
    meta = page_meta(page)
    assert (meta.title, meta.author, meta.date) == ("Plain title here", "A. Writer", "2023-05-06")
    assert meta.as_dict() == {"title": "Plain title here", "author": "A. Writer", "date": "2023-05-06"}


def test_broken_json_ld_and_empty_pages_give_empty_fields() -> None:
    assert page_meta('<script type="application/ld+json">{not json</script><p>x</p>').as_dict() == {}
    assert page_meta("").as_dict() == {}


def test_helpers() -> None:
    assert strip_site("A long enough headline | Example Site") == "A long enough headline"
    assert strip_site("Short | Site") == "Short | Site"
    assert iso_date("2024-03-12T08:00:00+01:00") == "2024-03-12" and iso_date("March 2024") == ""

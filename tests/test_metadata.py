"""Page metadata: the vocabularies pages declare it in, and the order they are trusted in."""

from __future__ import annotations

from blocksift.blocks import segment
from blocksift.metadata import headline, iso_date, normalise_date, page_meta, person, strip_site, tree_root, url_date
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


def test_declared_fields_and_the_visible_headline_over_declared_titles() -> None:
    meta = page_meta(PAGE)
    assert meta.title == "Neue Fähre ab Mai (LD)"
    assert meta.author == "Meta Author"  # <meta name=author> first: the most reliable on wcxb's train pages
    assert meta.date == "2024-03-12T08:00:00+01:00"  # article:published_time is the most reliable date
    assert meta.language == "de-DE" and meta.site_name == "Hafenblatt"
    assert meta.url == "https://hafenblatt.example.org/faehre"
    seg = segment(parse_html(PAGE))
    assert headline(seg) == "Neue Fähre ab Mai"
    assert page_meta(PAGE, headline(seg)).title == "Neue Fähre ab Mai"


def test_the_headline_is_not_the_site_names_h1() -> None:
    # A book's menu title is an h1 too, and the site's name ends the title: both h1s share all their words with it.
    page = (
        "<html><head><title>Why Cargo Exists - The Cargo Book</title></head><body><div class='menu'>"
        "<h1>The Cargo Book</h1></div><main><h1>Why Cargo Exists</h1><p>Some text about it.</p></main></body></html>"
    )
    assert headline(segment(parse_html(page))) == "Why Cargo Exists"
    # An h1 that shares no word with the title is a logo, not the headline: the declared title is read instead.
    logo = (
        "<html><head><title>Houston's Hottest New Restaurants | Houstonia</title>"
        "<meta property='og:title' content=\"Houston's Hottest New Restaurants to Visit\"></head>"
        "<body><h1>Magazine</h1><p>Text.</p></body></html>"
    )
    seg = segment(parse_html(logo))
    assert headline(seg) == ""
    assert page_meta(logo, headline(seg)).title == "Houston's Hottest New Restaurants to Visit"
    untitled = "<html><body><h1>First heading</h1><h1>Second</h1></body></html>"
    assert headline(segment(parse_html(untitled))) == "First heading"


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


def test_json_ld_author_through_graph_references() -> None:
    page = """<html><head><script type="application/ld+json">{"@graph": [
      {"@type": "Article", "author": [{"@id": "#p1"}, {"@id": "#p2"}], "datePublished": "2021-02-03"},
      {"@type": "Person", "@id": "#p1", "name": "Ada Example"}, {"@type": "Person", "@id": "#p2", "name": "Bo Ex"},
      {"@type": "Organization", "name": "Not The Author", "foundingDate": "1999-01-01"}]}</script></head>
      <body><p>x</p></body></html>"""
    meta = page_meta(page)
    assert (meta.author, meta.date) == ("Ada Example, Bo Ex", "2021-02-03")


def test_body_markup_bylines_and_dates() -> None:
    twitter = '<head><meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Kim Lee">'
    assert page_meta(twitter + "</head><body><p>x</p></body>").author == "Kim Lee"
    itemprop = '<body><div itemprop="author" itemscope><span itemprop="name">Ola Nord</span> Staff</div></body>'
    assert page_meta(itemprop).author == "Ola Nord"
    byline = '<body><h1>Head</h1><div class="post-byline">By Sam Ray | March 3, 2024</div><p>x</p></body>'
    meta = page_meta(byline)
    assert (meta.author, meta.date) == ("Sam Ray", "2024-03-03")  # the date written under the headline
    rel = '<body><a rel="author" href="/u/1">Jo Park</a><span itemprop="datePublished">12/31/2020</span></body>'
    assert (page_meta(rel).author, page_meta(rel).date) == ("Jo Park", "2020-12-31")
    # the site naming itself as author gives way to the person the byline names
    site = '<head><meta property="og:site_name" content="Clinic"><meta name="author" content="Clinic"></head>'
    assert page_meta(site + '<body><span class="author-name">Dr. Mia Holt</span></body>').author == "Dr. Mia Holt"
    assert page_meta(site + "<body><p>x</p></body>").author == "Clinic"  # nobody else: the site it is


def test_the_parsed_tree_of_an_extraction_is_used() -> None:
    page = '<html><head><title>T</title></head><body><time datetime="2022-07-08">8 July</time><p>x y</p></body></html>'
    seg = segment(parse_html(page))
    assert page_meta(page, root=tree_root(seg)).date == "2022-07-08"


def test_dates_in_the_url_and_normalisation() -> None:
    canonical = '<head><link rel="canonical" href="https://ex.org/blog/2025/12/19/title/"></head><body>x</body>'
    assert page_meta(canonical).date == "2025-12-19"
    assert page_meta("<body>x</body>", url="https://ex.org/2024-01-02-post").date == "2024-01-02"
    assert url_date("https://ex.org/p/20251219") == ""
    cases = {
        "Oct 31, 2025": "2025-10-31",
        "December 17th 2025": "2025-12-17",
        "on Friday January 12, 2024 @11:40AM": "2024-01-12",
        "4 August 2010": "2010-08-04",
        "13/11/2025 09:21:40": "2025-11-13",
        "4/24/2000 12:00:00 AM": "2000-04-24",
        "02-12-2025": "2025-12-02",
        "2025/03/04": "2025-03-04",
        "2024-05-27T07:11:40": "2024-05-27T07:11:40",
        "yesterday": "",
        "2024-13-45": "",
    }
    assert {k: normalise_date(k) for k in cases} == cases
    assert iso_date("Oct 31, 2025") == "2025-10-31"


def test_person_names() -> None:
    assert person("Written by Luke KimDecember 17, 2025") == "Luke Kim"
    assert person("BySummer Swann-June 12, 2025") == "Summer Swann"
    assert person("Byron Smith") == "Byron Smith"
    assert [person(x) for x in ("https://x.org/u/1", "a@b.org", "Read more about Us", "The Author", "")] == [""] * 5


def test_the_location_alone_is_the_full_metas_url_and_base() -> None:
    """``page_location`` (what rendering resolves links against) reads the head alone and agrees with
    ``page_meta`` on every page of the repo's datasets and on pages with a base, an og:url or neither."""
    from pathlib import Path

    from blocksift.metadata import page_location
    from blocksift.page import decode_html

    files = sorted(Path(__file__).parents[1].glob("datasets/*/html/*.html"))
    pages = [decode_html(p.read_bytes()) for p in files]  # some are in other encodings, on purpose
    pages += [
        PAGE,
        '<html><head><base href="/docs/"><meta property="og:url" content="https://ex.org/a"></head><body>x</body>',
        "<html><body><p>No head at all.</p></body></html>",
        "",
    ]
    for text in pages:
        meta = page_meta(text)
        assert page_location(text) == (meta.url, meta.base)
    assert page_location(PAGE) == ("https://hafenblatt.example.org/faehre", "")


def test_an_extraction_reads_its_location_from_its_meta_once_that_is_known() -> None:
    from blocksift import extract_blocks

    first = extract_blocks(PAGE)
    assert first.location == ("https://hafenblatt.example.org/faehre", "") and "meta" not in first.__dict__
    second = extract_blocks(PAGE)
    assert second.meta.url == "https://hafenblatt.example.org/faehre"
    assert second.location == (second.meta.url, second.meta.base)


def test_a_relative_canonical_url_is_resolved_against_the_absolute_one_the_page_declares() -> None:
    head = '<link rel="canonical" href="/2024/ferry"><meta property="og:url" content="https://e.org/2024/ferry?ref=x">'
    assert page_meta(f"<html><head>{head}</head><body><p>Text.</p></body></html>").url == "https://e.org/2024/ferry"
    alone = '<html><head><link rel="canonical" href="/2024/ferry"></head><body><p>Text.</p></body></html>'
    assert page_meta(alone).url == "/2024/ferry"  # nothing to resolve it against: as declared


def test_an_inline_svg_title_is_not_the_pages_title() -> None:
    icon = '<svg viewBox="0 0 8 8"><title>Search icon</title><path d="M0 0"/></svg>'
    untitled = parse_html(f"<html><body>{icon}<article><h1>Ferry</h1><p>Text.</p></article></body></html>")
    assert untitled.title == ""
    titled = parse_html(f"<html><body>{icon}<title>The ferry</title><p>Text.</p></body></html>")
    assert titled.title == "The ferry"


def _article(head: str, body: str) -> str:
    words = "<p>" + "The council met on Tuesday and agreed the new timetable for the harbour ferry. " * 4 + "</p>"
    return f"<html><head>{head}</head><body>{body}<article>{words}</article></body></html>"


def test_a_logo_h1_is_not_the_headline() -> None:
    page = _article(
        "<title>Council approves ferry timetable | Daily Planet</title>",
        "<header><h1 class='logo'><a href='/'>Daily Planet</a></h1></header>"
        "<h1>Council approves new ferry timetable for summer season</h1>",
    )
    assert headline(segment(parse_html(page))) == "Council approves new ferry timetable for summer season"


def test_bylines_in_other_languages_and_usernames_with_digits() -> None:
    assert person("Von Hans Müller | 3. März 2024") == "Hans Müller"
    assert person("Par Marie Dupont, publié le 3 mars 2024") == "Marie Dupont"
    assert person("Autor: Hans Meier") == "Hans Meier" and person("von der Leyen") == "von der Leyen"
    assert [person(n) for n in ("asker1", "Mike1987", "user-3344")] == ["asker1", "Mike1987", "user-3344"]
    assert person("Jane Doe 7 min read") == "Jane Doe" and person("Luke KimDecember 17, 2025") == "Luke Kim"


def test_dates_that_are_not_iso_as_a_whole_or_not_in_the_calendar() -> None:
    assert normalise_date("2024-03-03 at 10am EST") == "2024-03-03"
    assert normalise_date("2024-03-03T25:99:00Z") == "2024-03-03"
    assert normalise_date("2024-03-03T09:00:00+01:00") == "2024-03-03T09:00:00+01:00"
    assert normalise_date("2024-02-30") == "" and normalise_date("Feb 30, 2024") == ""


def test_a_comments_author_and_date_are_the_pages_only_where_it_gives_none() -> None:
    comment = (
        "<section id='comments'><article itemprop='comment' itemscope itemtype='https://schema.org/Comment'>"
        "<span itemprop='author'>Bob Smith</span><time itemprop='datePublished' datetime='2024-06-01'>June</time>"
        "<p>Nice.</p></article></section>"
    )
    own = "<p class='byline'>By Jane Doe</p><time datetime='2024-03-03T09:00:00+01:00'>3 March</time>"
    with_own = page_meta(_article("<title>Ferry</title>", own + comment))
    assert (with_own.author, with_own.date) == ("Jane Doe", "2024-03-03T09:00:00+01:00")
    forum = page_meta(_article("<title>Ferry</title>", comment))  # a forum marks its first post as a comment
    assert (forum.author, forum.date) == ("Bob Smith", "2024-06-01")


def test_the_language_is_a_tag_the_page_declares_for_its_text() -> None:
    """JSON-LD's inLanguage had won over <html lang>; values that name no language ("English", "und",
    "x-default") hid the next source; and tags kept whatever case they were written in."""

    def lang(head: str, html_lang: str = "") -> str:
        attr = f' lang="{html_lang}"' if html_lang else ""
        return page_meta(f"<html{attr}><head>{head}</head><body><p>Text.</p></body></html>").language

    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "inLanguage": "en-US"}</script>'
    assert lang(ld, "de") == "de" and lang(ld, "English") == "en-US"
    assert lang('<meta property="og:locale" content="fr_FR">', "x-default") == "fr-FR"
    assert lang("", "ZH-hant-tw") == "zh-Hant-TW" and lang("", "und") == ""

"""Reading any page: encodings the way browsers detect them, broken markup, empty input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from blocksift.blocks import segment
from blocksift.datasets import read_html_file
from blocksift.errors import InputError
from blocksift.page import clean_bytes, declared_encoding, detect_encoding, parse_html

TEXT = "Größe, café, naïve: Übermäßig schöne Grüße aus Köln"


def body_text(data: bytes | str) -> str:
    doc = parse_html(data)
    return " ".join("".join(doc.root.itertext()).split())


def test_utf8_bom_wins_over_declared_charset() -> None:
    data = b"\xef\xbb\xbf" + f'<meta charset="windows-1252"><p>{TEXT}</p>'.encode()
    assert detect_encoding(data) == "utf-8"
    assert TEXT in body_text(data)


def test_utf16_with_bom() -> None:
    data = f"<html><body><p>{TEXT}</p></body></html>".encode("utf-16")
    assert TEXT in body_text(data)


def test_declared_charset_is_used_for_non_utf8_bytes() -> None:
    data = '<html><head><meta charset="windows-1251"></head><body><p>Привет, мир! Это проверка.</p></body></html>'
    raw = data.encode("cp1251")
    assert declared_encoding(raw) == "cp1251"
    assert "Привет, мир! Это проверка." in body_text(raw)


def test_http_equiv_declaration() -> None:
    raw = ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>' + TEXT + "</p>").encode(
        "latin-1"
    )
    assert TEXT in body_text(raw)


def test_undeclared_latin1_is_guessed_not_mangled() -> None:
    raw = ("<html><body><p>" + TEXT + " " + TEXT + "</p></body></html>").encode("cp1252")
    assert TEXT in body_text(raw)


def test_valid_utf8_beats_a_wrong_declaration() -> None:
    raw = ('<meta charset="iso-8859-1"><p>' + TEXT + "</p>").encode("utf-8")
    assert TEXT in body_text(raw)


def test_undecodable_bytes_never_fail() -> None:
    raw = b"<p>ok \xff\xfe\xfa\x80 still ok</p>" + bytes(range(256))
    text = body_text(raw)
    assert text.startswith("ok") and "still ok" in text


def test_str_input_is_taken_as_is() -> None:
    assert TEXT in body_text(f"<p>{TEXT}</p>")


def test_surrogates_in_a_str_page_become_the_characters_they_encode() -> None:
    """A str from a UTF-16 source holds an astral character as a surrogate pair: it came out as "??", and a lone
    surrogate as a "?" no reader could tell from the page's own; now the character, and U+FFFD as undecodable bytes
    give, in the text, the title and the metadata alike."""
    import blocksift

    pair = "\ud83d\ude00"  # U+1F600 as UTF-16 holds it
    page = (
        f"<html><head><title>Smile {pair}</title><meta name='author' content='Ana \udc80 Ruiz'></head><body><article>"
        f"<h1>Smile {pair}</h1><p>A paragraph about the grin \ud800 emoji that kept its readers smiling all week."
        "</p></article></body></html>"
    )
    result = blocksift.extract_blocks(page)
    assert "Smile \U0001f600" in result.text and "grin \ufffd emoji" in result.text and "?" not in result.text
    assert result.title == "Smile \U0001f600" and result.meta.author == "Ana \ufffd Ruiz"
    assert result.text == blocksift.extract(page.encode("utf-16-le", errors="surrogatepass"), encoding="utf-16-le")
    assert segment(parse_html(page)).blocks == result.blocks  # the parser alone reads it alike


@pytest.mark.parametrize("data", [b"", b"   \n\t ", "", "\n \n"])
def test_empty_input_is_a_clear_error(data: bytes | str) -> None:
    with pytest.raises(InputError, match="empty"):
        parse_html(data)


def test_wrong_type_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="bytes or str"):
        parse_html(123)  # type: ignore[arg-type]


def test_broken_markup_still_parses() -> None:
    html = "<html><body><div><p>First <b>bold <i>both</b> after</p><p>Second &amp &nbsp; &#xZZ; para<div>unclosed"
    text = body_text(html)
    assert "First bold both after" in text
    assert "Second" in text and "unclosed" in text


def test_invisible_parts_are_dropped() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body><script>var x = 'code';</script>"
        "<!-- a comment --><template><p>tpl</p></template><noscript>enable js</noscript>"
        "<p>Visible words</p></body></html>"
    )
    text = body_text(html)
    assert text == "Visible words"
    assert parse_html(html).title == "T"


@pytest.mark.parametrize("attribute", ['shadowrootmode="open"', 'shadowroot="closed"', 'shadowRootMode="open"'])
def test_declarative_shadow_dom_is_rendered_not_dropped(attribute: str) -> None:
    # A server-rendered web component's shadow root is what browsers show; a plain <template> stays inert.
    html = (
        f"<html><body><news-story><template {attribute}><style>p{{}}</style><h1>Ferry</h1><p>Shadow text.</p>"
        "<slot></slot></template><p>Light text.</p></news-story><template><p>Inert.</p></template></body></html>"
    )
    assert body_text(html) == "FerryShadow text.Light text."  # itertext joins with ""


def test_dropped_elements_keep_their_tails() -> None:
    # The text after a script, an icon or a tracking noscript belongs to the sentence around it; a noscript that
    # holds the page's content (Discourse forums) stays.
    html = (
        "<html><body><p>Before <script>x()</script>middle <svg><path/></svg>and <noscript>js</noscript>after.</p>"
        "<div id='wm-ipp-base'>Wayback toolbar</div>tail text"
        "<noscript><article><p>Served without scripts</p></article></noscript></body></html>"
    )
    assert body_text(html) == "Before middle and after.tail textServed without scripts"  # itertext joins with ""


def test_the_web_archive_toolbar_is_dropped_near_the_root_only() -> None:
    # The archive inserts its toolbar at the start of the body; inside a wrapper or two (a page whose markup opened
    # a div before <body>) it is still dropped. An element of the page's own deep in its content keeps its text,
    # whatever its id.
    html = (
        "<html><body><div class='wrap'><div id='wm-ipp-base'><div id='wm-capinfo'>capture info</div></div>"
        "<div id='donato'>donate</div><main><article><section><div><p id='donation-note'>kept</p></div></section>"
        "</article></main></div><p>Body text.</p></body></html>"
    )
    assert body_text(html) == "keptBody text."  # itertext joins with ""
    assert body_text(html.replace("donation-note", "donato-deep")) == "keptBody text."


def test_noncharacters_are_removed_and_nothing_else() -> None:
    # U+FFFD and U+FF0C share the noncharacters' first UTF-8 byte (EF) and stay
    assert clean_bytes("a\ufffeb\uffffc\ufffd\uff0c\x00d") == "abc\ufffd\uff0cd".encode()


def test_nul_and_control_characters_are_removed() -> None:
    assert body_text(b"<p>a\x00b\x01c</p>") == "abc"


def test_gzip_files_are_inflated(tmp_path: Path) -> None:
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(b"<p>zipped page</p>"))
    assert read_html_file(path) == b"<p>zipped page</p>"


def test_gzip_bomb_is_refused_without_inflating_it_all(tmp_path: Path) -> None:
    path = tmp_path / "bomb.html.gz"
    path.write_bytes(gzip.compress(b"a" * 5_000_000))
    with pytest.raises(InputError, match="more than 1,000 bytes"):
        read_html_file(path, max_bytes=1000)


def test_deeply_nested_page_does_not_crash() -> None:
    html = "<div>" * 20_000 + "deep text" + "</div>" * 20_000
    assert "deep text" in body_text(html)


def test_unclosed_title_does_not_swallow_the_page() -> None:
    script = "var x = 1;\n" * 300
    html = f"<html><head><title>Real headline\n{script}</script></head><body><p>The article text.</p></body></html>"
    doc = parse_html(html)
    assert doc.title == "Real headline"
    assert "The article text." in "".join(doc.root.itertext())


def test_what_follows_the_closing_html_tag_is_read_at_the_end_of_the_body() -> None:
    """libxml2 puts what comes after ``</html>`` in a second root element, which segmentation never walked; a browser
    shows it at the end of the body (wcxb's dev-0310 has all its content there and extracted nothing)."""
    page = (
        "<html><head><title>t</title></head><body><nav>Menu</nav></body></html>\n"
        '<div class="post"><p>The article the page is about.</p></div>Loose words'
        "<body><p>A second body's paragraph.</p></body><!-- a comment -->"
    )
    doc = parse_html(page)
    texts = [b.text for b in segment(doc).blocks]
    assert texts == ["Menu", "The article the page is about.", "Loose words", "A second body's paragraph."]
    body = doc.root.find("body")
    assert body is not None and body[-1].tag == "p" and body.find("div/p") is not None
    assert all(len(el) == 0 and not (el.text or "").strip() for el in doc.root.itersiblings())  # emptied


def test_noframes_is_dropped_and_its_markup_never_becomes_words() -> None:
    """libxml2 reads <noframes> as raw text: the link and image a video embed leaves there for frameless browsers
    came out as '<a href=...><img ...></a>' (dragnet's R212). Browsers with frames, all of them now, never show it."""
    page = (
        '<html><body><p>Watch the video: <iframe src="https://ex.org/v"></iframe><noframes><a href="https://ex.org/v">'
        '<img src="https://ex.org/v.jpg" alt="Preview"></a></noframes> and read on.</p></body></html>'
    )
    texts = [b.text for b in segment(parse_html(page)).blocks]
    assert texts == ["Watch the video: and read on."]


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("https://example.com/news/a-story.html", "a URL"),
        (b"http://example.com/?p=12\n", "a URL"),
        ("page.html", "a file name"),
        ("  /home/me/Downloads/Some Page.HTM ", None),  # white space inside: not one name
        ("C:\\pages\\front.htm", "a file name"),
        ("crawl-2024.warc.gz", "a file name"),
    ],
)
def test_a_url_or_a_file_name_given_for_a_page_is_a_clear_error(given: bytes | str, kind: str | None) -> None:
    if kind is None:
        parse_html(given)  # text that happens to mention a page: parsed as the text it is
        return
    with pytest.raises(InputError, match=f"the input is {kind}"):
        parse_html(given)


@pytest.mark.parametrize("text", ["see https://example.com for more", "index.php", "notes about page.html and more"])
def test_text_that_mentions_a_url_or_a_file_is_still_a_page(text: str) -> None:
    assert text in body_text(f"<p>{text}</p>")
    parse_html(text)  # no markup at all, but not one name either


@pytest.mark.parametrize(
    "opener",
    [
        '<svg viewBox="0 0 10 10"><path d="M0 0L10 10"/>',  # an icon left open: libxml2 puts the page inside it
        "<math><mi>x</mi>",
        '<map name="m"><area href="/a">',  # browsers show what a map holds besides its areas
        '<picture><source srcset="a.webp"><img src="a.jpg">',  # libxml2 does not know <source> is empty
        '<svg><g><svg><path d="M0 0"/></g>',
    ],
)
def test_an_element_left_open_before_the_article_does_not_take_it_away(opener: str) -> None:
    article = "<article><h1>Ferry timetable</h1><p>The ferry leaves the harbour at nine every morning.</p></article>"
    page = f"<html><body><nav><a href='/'>Home</a></nav>{opener}{article}<footer>Contact</footer></body></html>"
    texts = [b.text for b in segment(parse_html(page)).blocks]
    assert texts == ["Home", "Ferry timetable", "The ferry leaves the harbour at nine every morning.", "Contact"]


def test_a_closed_drawing_keeps_what_it_holds_out_of_the_page() -> None:
    """A closed icon holding a <div> of hidden text (an accessibility label and a <title>, which browsers hide) is
    dropped with it, as before; only a page that leaves a drawing open has it ended where the HTML starts again."""
    icon = '<svg class="icon"><use href="#menu"></use><div class="visually-hidden"><title>menu</title></div></svg>'
    page = f"<html><body><nav>{icon}<a href='/c'>Communities</a></nav><p>The article text.</p></body></html>"
    assert [b.text for b in segment(parse_html(page)).blocks] == ["Communities", "The article text."]
    page = "<html><body><svg><foreignObject><p>Inside the drawing</p></foreignObject></svg><p>After</p></body></html>"
    assert [b.text for b in segment(parse_html(page)).blocks] == ["After"]


def blocks_of(page: str) -> list[str]:
    return [b.text for b in segment(parse_html(page)).blocks]


@pytest.mark.parametrize("opener", ["<main>", "<header><a href='/'>Home</a></header><main>", "<x-app><main>"])
def test_content_before_the_body_that_libxml2_leaves_in_the_head_is_shown(opener: str) -> None:
    """libxml2 knows no HTML5 element: a <main>, <header> or custom element before any <body> stayed in the head,
    which is dropped (one dataset page gave no block at all). Browsers end the head there."""
    page = f"<!doctype html><meta charset=utf-8><title>Ferries</title>{opener}<h1>Ferry timetable</h1>"
    page += "<p>The ferry leaves at nine.</p></main><body><p>Contact the harbour office.</p>"
    texts = blocks_of(page)
    assert texts[-3:] == ["Ferry timetable", "The ferry leaves at nine.", "Contact the harbour office."]
    assert parse_html(page).title == "Ferries"


def test_an_object_shows_its_fallback_and_an_embed_takes_nothing_with_it() -> None:
    """No browser runs a plug-in now, so an <object> shows what it holds (a video's caption); libxml2 does not know
    <embed> is empty and put the rest of its paragraph inside it, dropped with it."""
    page = "<div><object data='v.swf'><param name='q' value='high'><p>The captain at the wheel.</p></object></div>"
    page += "<p>The ferry <embed src='horn.swf'> sounds its horn.</p>"
    assert blocks_of(page) == ["The captain at the wheel.", "The ferry sounds its horn."]


def test_an_end_tag_br_breaks_the_line_and_a_title_in_the_body_is_hidden() -> None:
    """Browsers read </br> as <br> (libxml2 ignored it: "line oneline two"), and hide a <title> wherever it is."""
    assert blocks_of("<p>line one</br>line two</BR >line three</p>") == ["line one", "line two", "line three"]
    assert blocks_of("<text id='7'><html><title>Page title</title><body><p>The text.</p>") == ["The text."]

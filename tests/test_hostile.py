"""Hostile input: every page ends with its visible text or a documented error, never an unhandled exception.

All inputs are generated here. The pathological shapes run at sizes that keep the suite fast (100,000 nested elements
in full; 200,000 inline and 20,000 block siblings; a 5 MB text node); ``benchmarks/hostile.py`` runs the full sizes
(1,000,000 siblings, a 50 MB text node, ...) each in its own process and reports their time and peak memory.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

import blocksift
from blocksift.cli import app
from blocksift.datasets import read_html_file
from blocksift.errors import InputError

PARAGRAPHS = [
    "The harbour master confirmed on Tuesday that the morning ferry will leave twenty minutes earlier from next "
    "month, because the tide tables for the winter season have shifted.",
    "Passengers who booked tickets for the old departure time will be contacted by the operator, which said it would "
    "refund anyone who can no longer travel on the earlier boat.",
    "Local businesses near the pier welcomed the change, saying that the earlier arrival gives commuters more time to "
    "reach the offices in the town centre before nine o'clock.",
]
GERMAN = [
    "Das Freibad an der Lindenau öffnet in diesem Jahr schon Anfang Mai, teilte die Stadt am Dienstag mit. Grund sind "
    "die warmen Frühjahrswochen und die neue Heizung für das große Becken.",
    "Die Eintrittspreise bleiben gleich; für Schüler und Studierende gibt es weiterhin ermäßigte Karten an der Kasse "
    "und künftig auch über die Seite der Stadtwerke.",
]
JAPANESE = [
    "東京都立図書館は、来月から平日の開館時間を夜九時まで延長すると発表しました。仕事帰りの利用者が増えていることが理由です。",
    "図書館によると、延長に合わせて閲覧室の照明を新しくし、夜間の職員も増やす予定です。週末の開館時間は変わりません。",
    "利用者からは、仕事の後でも本を借りられるようになるので助かるという声が多く寄せられています。",
]
CHINESE = [
    "北京市图书馆宣布，从下个月起，工作日的开放时间将延长到晚上九点，因为下班后来借书的读者越来越多。",
    "图书馆表示，延长开放时间的同时还会更换阅览室的灯光，并增加夜间的工作人员。周末的开放时间不变。",
    "许多读者表示，下班以后也能借书，这给他们带来了很大的方便。",
]
KOREAN = [
    "서울시립도서관은 다음 달부터 평일 개관 시간을 밤 아홉 시까지 연장한다고 발표했습니다. "
    "퇴근 후 이용자가 늘었기 때문입니다.",
    "도서관에 따르면 연장에 맞춰 열람실 조명을 새로 바꾸고 야간 직원도 늘릴 예정입니다. "
    "주말 개관 시간은 바뀌지 않습니다.",
]


def article(paragraphs: list[str] = PARAGRAPHS, title: str = "Morning ferry to leave earlier", head: str = "") -> str:
    """A news page: navigation, a headline and paragraphs, a footer."""
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(8))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>{body}</article></main>"
        '<footer><p>Copyright 2024 The Harbour Gazette.</p><a href="/privacy">Privacy</a></footer></body></html>'
    )


def kept(data: bytes | str) -> str:
    """The content the shipped model keeps, white space normalised."""
    return " ".join(blocksift.extract_blocks(data).text.split())


def all_text(data: bytes | str) -> str:
    """Every block's text (kept or not), white space normalised: what survived reading and parsing."""
    return " ".join(" ".join(b.text for b in blocksift.extract_blocks(data).blocks).split())


def random_bytes(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


# --- empty, binary and non-HTML input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b" \n\t\r\n  ", "", " \n ", b"\x00" * 100_000, b"\x00 \x0b\n" * 50],
    ids=["", "ws", "str", "str-ws", "nul", "ctl"],
)
def test_empty_and_whitespace_only_input_is_an_input_error(data: bytes | str) -> None:
    with pytest.raises(InputError, match="empty"):
        blocksift.extract_blocks(data)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (random_bytes(100_000), "binary data"),
        (random_bytes(1_000, seed=1), "binary data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + random_bytes(50_000), "a PDF"),
        (b"\n  %PDF-1.4\n" + random_bytes(5_000), "a PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random_bytes(50_000), "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random_bytes(20_000), "a JPEG image"),
        (b"GIF89a" + random_bytes(2_000), "a GIF image"),
        (b"RIFF\x00\x10\x00\x00WEBPVP8 " + random_bytes(2_000), "a WebP image"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + random_bytes(5_000), "a ZIP archive"),
        (gzip.compress(article().encode()), "gzip-compressed data"),
        (b"\x7fELF\x02\x01\x01" + random_bytes(5_000), "an executable"),
    ],
)
def test_binary_input_is_refused_with_what_it_is(data: bytes, what: str) -> None:
    with pytest.raises(InputError, match=f"looks like {what}"):
        blocksift.extract_blocks(data)


def test_binary_decoded_to_str_is_refused_too() -> None:
    with pytest.raises(InputError, match="looks like a PNG image"):
        blocksift.extract_blocks((b"\x89PNG\r\n\x1a\n" + random_bytes(5_000)).decode("latin-1"))


@pytest.mark.parametrize(
    "data",
    [
        json.dumps({"title": "Morning ferry", "body": PARAGRAPHS}).encode(),
        json.dumps([{"id": i, "text": p} for i, p in enumerate(PARAGRAPHS)], indent=2),
        "\n".join(json.dumps({"id": i, "text": p}) for i, p in enumerate(PARAGRAPHS)),  # JSON Lines
        b"\xef\xbb\xbf" + json.dumps({"html": article()}).encode(),  # an API response that carries a page
    ],
)
def test_json_is_refused_not_extracted(data: bytes | str) -> None:
    with pytest.raises(InputError, match="JSON, not HTML"):
        blocksift.extract_blocks(data)


FEED_PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n<!-- generated -->\n<?xml-stylesheet href="feed.xsl"?>\n'


def feed(root: str, items: str, close: str) -> str:
    """A news feed as a crawler saves one: XML prolog, a comment, a stylesheet instruction, then its root."""
    return FEED_PROLOG + root + items + close


RSS_ITEMS = "".join(
    f"<item><title>Item {i}</title><description>{p}</description></item>" for i, p in enumerate(PARAGRAPHS)
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (feed('<rss version="2.0"><channel><title>Harbour news</title>', RSS_ITEMS, "</channel></rss>"), "an RSS feed"),
        (
            feed('<feed xmlns="http://www.w3.org/2005/Atom">', RSS_ITEMS.replace("item>", "entry>"), "</feed>"),
            "an Atom feed",
        ),
        (
            feed('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', RSS_ITEMS, "</rdf:RDF>"),
            "an RSS 1.0 feed",
        ),
        (
            feed(
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', "<url><loc>/a</loc></url>", "</urlset>"
            ),
            "a sitemap",
        ),
    ],
)
def test_a_news_feed_or_a_sitemap_is_refused_not_extracted(data: str, kind: str) -> None:
    # Its items' titles, links and summaries would come out run together, as no page's content.
    with pytest.raises(InputError, match=f"the input is {kind}, not a page"):
        blocksift.extract_blocks(data.encode())


def test_a_page_of_its_own_feed_element_is_a_page() -> None:
    page = article().replace("<body>", "<body><feed>").replace("</body>", "</feed></body>")
    assert PARAGRAPHS[0] in kept(page)
    assert PARAGRAPHS[0] in kept("<feed>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</feed>")


def test_thousands_of_processing_instructions_before_the_root() -> None:
    # One lazy regular expression over "<?...?>" repeats backtracked exponentially: 800 of them never returned.
    page = "<?a?>" * 1_000 + article()
    assert PARAGRAPHS[0] in kept(page)


def test_text_that_merely_starts_like_json_is_a_page() -> None:
    page = "[Advertisement] " + article()
    assert PARAGRAPHS[0] in kept(page)


def test_a_page_with_a_byte_table_is_still_a_page() -> None:
    data = article().encode() + bytes(range(256))
    assert PARAGRAPHS[1] in kept(data)


# --- NUL bytes and control characters --------------------------------------------------------------------------


def test_nul_bytes_inside_text_and_markup_are_dropped_as_browsers_drop_them() -> None:
    page = article().encode()
    rng = random.Random(3)
    # A NUL after about one byte in twenty, in text, tags and attributes alike.
    noisy = b"".join(bytes([b]) + (b"\x00" if rng.random() < 0.05 else b"") for b in page)
    text = kept(noisy)
    for p in PARAGRAPHS:
        assert p in text


def test_control_characters_do_not_break_a_page() -> None:
    page = article([p.replace(" ", " \x01\x08\x0b\x1b\x7f", 3) for p in PARAGRAPHS])
    text = kept(page.encode())
    assert "The harbour master confirmed" in text and "nine o'clock." in text


# --- encodings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(encoding: str) -> None:
    text = kept(article().encode(encoding))
    assert all(p in text for p in PARAGRAPHS)


def declared(charset: str | None) -> str:
    return f'<meta charset="{charset}">' if charset else ""


@pytest.mark.parametrize("charset", ["iso-8859-1", "utf-8", "windows-1252", None])
@pytest.mark.parametrize(
    ("encoding", "paragraphs"),
    [("shift_jis", JAPANESE), ("euc-jp", JAPANESE), ("gb18030", CHINESE), ("euc-kr", KOREAN)],
)
def test_cjk_pages_declared_wrongly_or_not_at_all(encoding: str, paragraphs: list[str], charset: str | None) -> None:
    data = article(paragraphs, title=paragraphs[0][:12], head=declared(charset)).encode(encoding)
    text = all_text(data)
    assert all(p in text for p in paragraphs), (encoding, charset, text[:200])


def test_one_short_cjk_line_declared_latin1() -> None:
    data = ("<html><head><meta charset=iso-8859-1></head><body><p>" + JAPANESE[2] + "</p></body></html>").encode("sjis")
    assert JAPANESE[2] in all_text(data)


@pytest.mark.parametrize("charset", ["utf-8", "windows-1252", None])
def test_mixed_utf8_and_windows_1252_in_one_page(charset: str | None) -> None:
    # A UTF-8 template (nav, headline, first paragraph) around text pasted from a Windows-1252 database.
    head, tail = article([GERMAN[0], "@@"], title="Freibad öffnet früher", head=declared(charset)).split("@@")
    data = head.encode("utf-8") + GERMAN[1].encode("cp1252") + tail.encode("utf-8")
    text = all_text(data)
    assert "Freibad öffnet früher" in text and GERMAN[0] in text and GERMAN[1] in text


def test_windows_1252_page_declared_utf8() -> None:
    data = article(GERMAN, title="Freibad", head=declared("utf-8")).encode("cp1252")
    assert all(p in all_text(data) for p in GERMAN)


@pytest.mark.parametrize("unclosed", ["<!--", "<script>", "<style>", "<a href='"])
def test_an_undeclared_latin_page_of_unclosed_markup(unclosed: str) -> None:
    # The guess path reads the text between the tags to tell code pages apart; thousands of openings that never
    # close once took it 10 s (benchmarks/hostile.py: latin-unclosed-markup).
    data = article(GERMAN).encode("cp1252") + unclosed.encode() * 100_000
    text = all_text(data)
    assert all(p in text for p in GERMAN)


# --- malformed markup and entities -------------------------------------------------------------------------------


def test_malformed_entities() -> None:
    noise = "&amp no semicolon &#0; &#xD800; &#55296; &#x110000; &#99999999999999; &bogus; &#; &#x; &#xZZ; &&&; &"
    text = all_text(article([PARAGRAPHS[0] + " " + noise, PARAGRAPHS[1]]))
    assert PARAGRAPHS[0] in text and PARAGRAPHS[1] in text and "&bogus;" in text
    text.encode("utf-8")  # no lone surrogates left to break a writer


@pytest.mark.parametrize(
    "snippet",
    [
        "&#1;<script>s</script>after",
        "<span></span>&#x0b;<style>s</style>after",
        "&#xFFFE;<template>t</template>after",
        "\ufffe<script></script>after",
        "\uffff<noscript>n</noscript>after",
        "&#x1F;&#65535;&#0008;<script></script>after",
    ],
)
def test_control_characters_beside_dropped_elements(snippet: str) -> None:
    # libxml2 turns these references into characters that lxml refuses to join when a script is dropped.
    text = all_text(article([PARAGRAPHS[0], f"Before {snippet} the end."]))
    assert PARAGRAPHS[0] in text and "Before after the end." in text


@pytest.mark.parametrize(
    "junk",
    [
        "<b><i>crossed</b> tags</i></div></span></table></p>",
        '<<<>>> < p > <p <p> <a href=x y=z z="q> <div class=\'a" id=>',
        "<table><tr><td>cell<td>cell<tr><p>para in table<tbody></tbody></td></table></table>",
        "<![CDATA[ cdata ]]><?php echo 'x'; ?><!DOCTYPE again><html><body><head><title>2</title>",
        "<svg><p>in svg</svg><math><mi></p><select><p>in select</select><textarea><p>",
        "<!-- a comment that never ends",
        "<script>var s = '</p>",  # a script that never ends swallows the rest, as in a browser
        "<title>a title that never ends",
        "</body></html><p>after the end</p></html></body>" * 3,
    ],
)
def test_malformed_markup_keeps_the_text_before_it(junk: str) -> None:
    text = all_text(article([*PARAGRAPHS[:2], junk]))
    assert PARAGRAPHS[0] in text and PARAGRAPHS[1] in text


def test_markup_soup_does_not_raise() -> None:
    rng = random.Random(7)
    pieces = ["<div>", "</div>", "<p>", "</p>", "<b>", "</i>", "<table>", "<td>", "<li>", "'", '"', ">", "<", "&"]
    pieces += ["&amp;", "<!--", "-->", "<br/>", "word ", "text "]
    pieces += ["<script>", "</script>", "\x00", "\n", " ", "<a href="]
    for _ in range(20):
        page = "".join(rng.choice(pieces) for _ in range(3_000))
        with contextlib.suppress(InputError):  # documented (empty after cleaning, say); anything else fails
            blocksift.extract_blocks(page)


# --- pathological sizes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("close", [True, False])
def test_100k_nested_elements(close: bool) -> None:
    n = 100_000
    page = "<html><body>" + "<div>" * n + article() + ("</div>" * n if close else "")
    text = all_text(page)
    assert all(p in text for p in PARAGRAPHS)


def test_100k_nested_inline_elements() -> None:
    n = 100_000
    page = "<html><body><p>" + "<span><b>" * (n // 2) + PARAGRAPHS[0] + "</b></span>" * (n // 2) + "</p></body></html>"
    assert PARAGRAPHS[0] in all_text(page)


def test_many_inline_siblings() -> None:
    n = 200_000  # benchmarks/hostile.py: 1,000,000
    page = article([PARAGRAPHS[0], "<span>x</span> " * n, PARAGRAPHS[1]])
    text = all_text(page)
    assert PARAGRAPHS[0] in text and PARAGRAPHS[1] in text and text.count("x") >= n


def test_many_block_siblings() -> None:
    n = 20_000  # benchmarks/hostile.py: 1,000,000
    page = article([PARAGRAPHS[0], *(f"item {i}" for i in range(n)), PARAGRAPHS[1]])
    extraction = blocksift.extract_blocks(page)
    assert len(extraction.blocks) >= n
    text = " ".join(b.text for b in extraction.blocks)
    assert PARAGRAPHS[0] in text and f"item {n - 1}" in text


def test_huge_text_node() -> None:
    size = 5_000_000  # benchmarks/hostile.py: 50 MB
    words = " ".join(PARAGRAPHS) + " "
    body = words * (size // len(words))
    extraction = blocksift.extract_blocks(f"<html><body><p>{body}</p></body></html>")
    assert sum(len(b.text) for b in extraction.blocks) >= len(body.strip()) - 10


def test_huge_attribute_and_title() -> None:
    page = article(title="T" * 100_000, head=f'<meta name="x" content="{"a" * 2_000_000}">')
    assert PARAGRAPHS[0] in all_text(page)


# --- compressed pages --------------------------------------------------------------------------------------------


def gzip_bomb(path: Path, inflated_mb: int) -> Path:
    """A .html.gz of ``inflated_mb`` MB of zeros, from repeated gzip members (small to write, large to inflate)."""
    member = gzip.compress(b"\x00" * (1 << 20), compresslevel=9)
    path.write_bytes(member * inflated_mb)
    return path


def test_gzip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "bomb.html.gz", 2_000)  # 2 GB inflated, 2 MB on disk
    assert bomb.stat().st_size < 4_000_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="more than 1,000,000 bytes"):
            read_html_file(bomb, max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # chunks, never the whole inflated page


def test_damaged_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.html.gz"
    path.write_bytes(gzip.compress(article().encode() * 50)[:300])
    with pytest.raises(InputError, match="not a readable gzip file"):
        read_html_file(path, max_bytes=1_000_000)


def test_gz_name_on_plain_html_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "plain.html.gz"
    path.write_text(article())
    assert read_html_file(path, max_bytes=1_000_000) == article().encode()


# --- the predict command on a folder of hostile pages ------------------------------------------------------------


def test_predict_on_a_folder_of_hostile_pages(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    good = {
        "article.html": article().encode(),
        "deep.html": ("<div>" * 5_000 + article()).encode(),
        "nul.html": article().encode().replace(b" ", b" \x00"),
        "sjis.html": article(JAPANESE, head=declared("iso-8859-1")).encode("shift_jis"),
        "utf16.html": article().encode("utf-16-le"),
        "entities.html": article([PARAGRAPHS[0] + " &#xD800; &bogus; &#0;", PARAGRAPHS[1]]).encode(),
    }
    bad = {
        "empty.html": (b"", "empty"),
        "junk.html": (random_bytes(10_000), "binary data"),
        "doc.html": (b"%PDF-1.5\n" + random_bytes(10_000), "a PDF document"),
        "api.html": (json.dumps({"items": PARAGRAPHS}).encode(), "JSON"),
        "feed.html": (
            f'<?xml version="1.0"?><rss version="2.0"><channel>{RSS_ITEMS}</channel></rss>'.encode(),
            "RSS feed",
        ),
        "big.html": (article().encode() + b" " * 300_000, "more than 200,000 bytes"),
    }
    for name, data in good.items():
        (pages / name).write_bytes(data)
    for name, (data, _) in bad.items():
        (pages / name).write_bytes(data)
    gzip_bomb(pages / "bomb.html.gz", 50)
    out, errors = tmp_path / "out", tmp_path / "errors.jsonl"
    args = ["predict", str(pages), "-o", str(out), "-f", "jsonl", "--jobs", "2", "--max-bytes", "200000"]
    result = CliRunner().invoke(app, [*args, "--errors", str(errors)])
    assert result.exit_code == 1, result.output
    assert "7 of 13 pages failed, 6 done" in result.stderr
    failures = {Path(r["source"]).name: r["error"] for r in map(json.loads, errors.read_text().splitlines())}
    assert failures.keys() == {*bad, "bomb.html.gz"}
    for name, (_, message) in bad.items():
        assert message in failures[name], (name, failures[name])
    assert "more than 200,000 bytes once inflated" in failures["bomb.html.gz"]
    written = {p.name for p in out.iterdir()}
    assert written == {name.replace(".html", ".jsonl") for name in good}
    records = {name: json.loads((out / name.replace(".html", ".jsonl")).read_text()) for name in good}
    assert PARAGRAPHS[0] in records["article.html"]["text"]
    assert JAPANESE[0] in records["sjis.html"]["text"]
    assert PARAGRAPHS[0] in records["utf16.html"]["text"]

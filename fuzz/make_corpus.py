#!/usr/bin/env python3
"""Write the fuzzer's seed pages to fuzz/corpus/seed-*.html.

Every page here is synthetic, written for this corpus: each one exercises a part of the extraction path (encodings,
byte-order marks, nesting, tables, lists, code, dropped elements, entities, control characters, odd markup).
Run it again after editing; the fuzzer's own finds sit beside the seeds under content-hash names.
"""

from __future__ import annotations

import codecs
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

PARA = "The harbour committee met on Tuesday to discuss the new ferry timetable, which starts in spring."
LONG = " ".join([PARA] * 3)


def page(body: str, head: str = "<title>A test page</title>") -> str:
    return f"<!DOCTYPE html>\n<html><head>{head}</head>\n<body>\n{body}\n</body></html>\n"


NAV = '<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>'
FOOTER = '<footer id="footer"><p>© 2024 Example Harbour. <a href="/privacy">Privacy</a></p></footer>'

SEEDS: dict[str, str | bytes] = {
    "article": page(
        f'<header><a href="/" class="logo">Harbour News</a></header>{NAV}'
        f'<main><article class="post-content"><h1>Ferry timetable</h1><p class="byline">By A. Writer</p>'
        f"<p>{LONG}</p><p>{PARA} <a href='/more'>More on ferries</a>.</p><p>{PARA}</p></article>"
        f'<aside class="sidebar"><h3>Related</h3><ul><li><a href="/a">Old pier</a></li></ul></aside></main>{FOOTER}'
    ),
    "lists": page(
        "<h2>Steps</h2><ol><li>Open the <b>hatch</b></li><li>Check the rope<ul><li>nylon</li>"
        "<li>hemp<ol><li>dry</li><li>wet</li></ol></li></ul></li></ol><ul><li></li><li>   </li></ul>"
        "<menu><li>menu item</li></menu><dir><li>dir item</li></dir><li>stray item outside a list</li>"
    ),
    "tables": page(
        "<table><caption>Tides</caption><thead><tr><th>Day</th><th>High</th></tr></thead><tbody>"
        "<tr><td>Mon</td><td>06:12</td></tr><tr><td colspan=2>Tue <p>split</p> cell</td></tr>"
        "<tr><td><table><tr><td>nested</td><td>table</td></tr></table></td></tr></tbody></table>"
        "<td>cell outside a table</td><tr><td>row outside</td></tr><table></table><table><tr></tr></table>"
    ),
    "code": page(
        "<p>Run this:</p><pre><code>for i in range(3):\n    print(i)\n</code>\n<b>bold</b> in pre\n</pre>"
        "<xmp><p>not a tag</p></xmp><listing>old listing</listing><pre></pre><pre>\n\n</pre>"
    ),
    "quotes-deflist": page(
        f"<blockquote><p>{PARA}</p><p>Second line</p><cite>Someone</cite></blockquote>"
        "<dl><dt>Term</dt><dd>Definition of the term</dd><dd>another</dd></dl><blockquote>bare quote</blockquote>"
    ),
    "headings": page("".join(f"<h{i}>Heading level {i}</h{i}><p>text under {i}</p>" for i in range(1, 7))),
    "dropped": page(
        "<script>var x = '<p>not content</p>';</script><style>p { color: red }</style>"
        "<noscript>Please enable JavaScript.</noscript><noscript><p>A whole page for readers without scripts.</p>"
        "</noscript><template><p>template</p></template><iframe src='x'>frame</iframe>"
        "<svg><text>svg text</text></svg><math><mi>x</mi></math><select><option>opt</option></select>"
        "<div id='wm-ipp-base'>archive toolbar</div><video>no video</video><p>Visible text after all that.</p>",
        head="<title>Dropped</title><script>alert(1)</script><style>body{}</style>",
    ),
    "entities": page(
        "<p>Fish &amp; chips &lt;tag&gt; &quot;q&quot; &nbsp;&nbsp; &copy; &euro; &#8364; &#x1F600; &#128512;</p>"
        "<p>bad: &#0; &#xD800; &#x110000; &#99999999999; &unknown; &amp &lt &; &#; &#x;</p>"
        "<p>space\u00a0nbsp\u2003em\u200bzero-width\u3000ideographic</p>"
    ),
    "unicode": page(
        "<h1>多言語のページ</h1><p>東京の港では新しいフェリーの時刻表が春から始まります。</p>"
        "<p dir='rtl'>هذه فقرة باللغة العربية عن الميناء.</p><p>Ελληνικά κείμενα και Кириллица тоже.</p>"
        "<p>combining: e\u0301 a\u0308 \U0001f469\u200d\U0001f4bb emoji</p>"
    ),
    "forms": page(
        "<form><fieldset><legend>Sign in</legend><label>Name <input name=n></label>"
        "<textarea>default text</textarea><button>Send</button><output>42</output></fieldset></form>"
    ),
    "inline-breaks": page(
        "<div>first line<br>second line<br/>third<img src=x alt='picture'>after image<input value=v>end</div>"
        "<p><a href=1>one</a> <a href=2>two</a> | <a href=3>three</a> » <span>four <em>five <a>six</a></em></span></p>"
    ),
    "frames": "<html><frameset><frame src='a'><noframes><p>Your browser has no frames.</p></noframes></frameset>",
    "repeats": page("".join(f"<div class='card'><p>{PARA}</p></div>" for _ in range(4))),
    "plain-text": "Just some plain text without any markup at all, on one line.\nAnd a second line.",
    "only-tags": "<html><body><div><span></span></div></body></html>",
    "lone-lt": "<",
    "unclosed": "<html><body><div><p>never closed <b>bold <i>italic <a href=x>link",
    "unclosed-title": "<html><head><title>A title that never closes\n<body><p>" + LONG + "</p>",
    "xhtml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>x</title></head><body><![CDATA[cdata text]]><!-- a comment --><?pi data?>"
        "<svg:svg xmlns:svg='http://www.w3.org/2000/svg'/><p xml:lang='en'>XHTML paragraph</p></body></html>"
    ),
    "attributes": page(
        "<div class='content main-article' id='story'><p class=''>p</p><p class='a\tb\nc' id=' x '>spaced</p>"
        '<p class="unterminated>odd</p><div CLASS=UPPER ID=Upper>upper-case attributes</div></div>'
    ),
    "deep": "<html><body>" + "<div>" * 1100 + "deep text" + "</div>" * 1100 + "</body></html>",
    "deep-inline": "<p>" + "<b>" * 300 + "bold" + "</b>" * 300 + "</p>",
    "whitespace": page("<p>  \n\t lots   of \r\n white\tspace  </p><p> </p><div>\n</div><p>\u2028line sep</p>"),
    "long-word": page("<p>" + "x" * 3000 + "</p><p>" + "word " * 400 + "</p>"),
    "controls": "<p>control\x00chars\x01\x08\x0b\x0c\x0e\x1f\x7f and \x85 next-line</p>",
}

RAW: dict[str, bytes] = {
    "utf8-bom": codecs.BOM_UTF8 + page("<p>Über die Brücke — UTF-8 with a BOM.</p>").encode(),
    "utf16le-bom": codecs.BOM_UTF16_LE + page("<p>UTF-16 little endian: naïve café</p>").encode("utf-16-le"),
    "utf16be-nobom": page("<p>UTF-16 big endian without a BOM</p>").encode("utf-16-be"),
    "utf32-bom": codecs.BOM_UTF32_LE + page("<p>UTF-32 page</p>").encode("utf-32-le"),
    "cp1252-declared": page(
        "<p>Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e \u2014 \u20ac5</p>", head='<meta charset="windows-1252">'
    ).encode("cp1252"),
    "latin1-undeclared": page("<p>Gr\u00fc\u00dfe aus K\u00f6ln, \u00e0 bient\u00f4t</p>").encode("latin-1"),
    "shift-jis": page(
        "<p>港の新しい時刻表</p>", head='<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    ).encode("shift_jis"),
    "koi8r": page("<p>Привет из порта</p>", head="<meta charset=koi8-r>").encode("koi8-r"),
    "declared-utf16-nobom": page("<p>declares utf-16 but is ascii</p>", head='<meta charset="utf-16">').encode(),
    "declared-bogus": page("<p>caf\xe9</p>", head='<meta charset="no-such-charset">').encode("latin-1"),
    "xml-encoding": b'<?xml version="1.0" encoding="iso-8859-5"?><html><body><p>'
    + "Привет".encode("iso-8859-5")
    + b"</p></body></html>",
    "truncated-utf8": page("<p>cut in the middle of é</p>").encode()[:-30] + "é".encode()[:1],
    "broken-utf8": b"<p>valid \xc3\xa9 then stray \xff\xfe and \xed\xa0\x80 surrogate bytes</p>",
    "binary": bytes(range(256)),
    "nul-html": b"<html>\x00<body>\x00<p>nul\x00bytes</p></body></html>",
    "bom-only": codecs.BOM_UTF8,
    "whitespace-only": b" \n\t\r\n",
    # legacy pages with a few broken bytes, which browsers read in their declared or guessed encoding
    "shift-jis-stray": page("<p>港の新しい時刻表は春から①</p>", head='<meta charset="shift_jis">').encode("cp932")
    + b"\x81 ",
    "euc-jp-nec": b'<meta charset="euc-jp"><p>\xad\xa1' + "港の新しい時刻表〜".encode("euc_jp") + b"\xff</p>",
    "gbk-truncated": b"<html><body><p>" + "港口的新时刻表从春天开始".encode("gb18030")[:-1],
    "euc-kr-undeclared-stray": b"<p>" + "항구의 새 시간표는 봄부터 시작됩니다".encode("cp949") + b"\x81 </p>",
    "greek-undefined-byte": b'<meta charset="windows-1253"><p>' + "Καλημέρα".encode("cp1253") + b"\x81</p>",
    # a stray lead byte inside a paragraph: the rest of the paragraph is read shifted by one byte
    "gbk-stray-mid-paragraph": b"".join(
        b"<p>" + (b"\x81" if i == 2 else b"") + "港口的新时刻表从春天开始，渡轮每小时一班。".encode("gbk") + b"</p>"
        for i in range(4)
    ),
    "euc-jp-stray-mid-paragraph": b'<meta charset="euc-jp">'
    + b"".join(
        b"<p>" + "港の新しい".encode("euc_jp") + (b"\xfe" if i == 1 else b"") + "時刻表は春から".encode("euc_jp")
        for i in range(4)
    ),
    "commented-meta": page(
        "<p>Καλημέρα</p>", head='<!-- <meta charset="windows-1251"> --><meta charset="iso-8859-7">'
    ).encode("iso-8859-7"),
}


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for name, text in SEEDS.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (CORPUS / f"seed-{name}.html").write_bytes(data)
    for name, data in RAW.items():
        (CORPUS / f"seed-{name}.html").write_bytes(data)
    print(f"wrote {len(SEEDS) + len(RAW)} seeds to {CORPUS}")


if __name__ == "__main__":
    main()

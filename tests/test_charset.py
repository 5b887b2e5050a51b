"""Charset labels read as browsers read them, and undeclared Latin text told apart by its letters.

The texts are written for these tests; each is encoded here in the code page under test.
"""

from __future__ import annotations

import pytest

from blocksift import extract
from blocksift import page as page_module
from blocksift.charset import latin_reading, named_codec, text_bytes, web_codec
from blocksift.page import decode_html, detect_encoding, names_reading

CZECH = (
    "Příliš žluťoučký kůň úpěl ďábelské ódy. Večer jsme šli na procházku podél řeky a povídali si o tom, co nás "
    "čeká příští týden. Město bylo tiché, jen občas projelo auto a z hospody na rohu zněla hudba. Ráno začne "
    "škola, děti už mají připravené tašky a učitelé čtou poslední zprávy o změnách rozvrhu."
)
POLISH = (
    "Zażółć gęślą jaźń. Wczoraj wieczorem poszliśmy nad rzekę, żeby popatrzeć na zachód słońca. Było ciepło, "
    "ptaki śpiewały, a dzieci biegały po łące. Następnego dnia pojechaliśmy pociągiem do Krakowa, gdzie "
    "zwiedziliśmy rynek i zjedliśmy obiad w małej restauracji."
)
TURKISH = (
    "Pijamalı hasta yağız şoföre çabucak güvendi. Dün akşam arkadaşlarımızla birlikte sahilde yürüyüş yaptık ve "
    "denizin kokusunu içimize çektik. Hava çok güzeldi, güneş batarken gökyüzü turuncuya döndü. Ertesi gün şehir "
    "merkezindeki müzeyi ziyaret ettik ve öğle yemeğini küçük bir lokantada yedik."
)
FRENCH = (
    "L'élève, déjà très âgé, préféra rêver à côté de la fenêtre où l'été brûlait. Il répète à ses sœurs qu'il a "
    "passé une soirée agréable au théâtre, même si la pièce était longue et les acteurs fatigués. Après le dîner, "
    "ils sont allés se promener près du château, où l'on entendait la rivière."
)
ICELANDIC = (
    "Það var kalt í veðri þegar við gengum niður að höfninni. Bátarnir lágu við bryggjuna og sjómennirnir voru "
    "að gera að aflanum. Síðan fórum við heim, hituðum okkur kaffi og borðuðum brauð með smjöri og osti."
)


def page(text: str, head: str = "") -> str:
    """A page with a menu, a style sheet and one paragraph, as undeclared legacy pages come."""
    return (
        f"<html><head>{head}<title>Notes</title><style>p {{ color: #333 }}</style></head><body>"
        f"<div class='menu'><a href='/'>Home</a> <a href='/about'>About</a></div><p>{text}</p></body></html>"
    )


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf8", "utf-8"),
        ("ISO-8859-1", "cp1252"),
        (" Latin1 ", "cp1252"),
        ("us-ascii", "cp1252"),
        ("iso8859_1", "cp1252"),  # not a label of the standard; Python's near miss lands on the browser's codec
        ("latin-1", "cp1252"),
        ("iso-8859-9", "cp1254"),
        ("x-sjis", "cp932"),
        ("windows-31j", "cp932"),
        ("x-euc-jp", "web-euc-jp"),
        ("gb2312", "gb18030"),
        ("x-gbk", "gb18030"),
        ("big5", "big5hkscs"),
        ("ks_c_5601-1987", "cp949"),
        ("windows-874", "cp874"),
        ("tis-620", "cp874"),
        ("x-mac-roman", "mac-roman"),
        ("x-cp1250", "cp1250"),
        ("iso-8859-8-i", "iso8859-8"),
        ("koi8-ru", "koi8-u"),
        ("IBM855", "cp855"),  # no browser reads it, but it names a real code page
    ],
)
def test_labels_are_read_as_browsers_read_them(label: str, codec: str) -> None:
    assert web_codec(label) == codec


@pytest.mark.parametrize(
    "label", ["utf-7", "cp037", "rot13", "zlib", "unicode_escape", "x-user-defined", "utf-16", "utf-32le", "0", ""]
)
def test_labels_that_cannot_be_believed_are_ignored(label: str) -> None:
    assert web_codec(label) is None


@pytest.mark.parametrize(
    ("text", "label", "codec", "reading"),
    [
        # Python's gb2312 rejects 镕, as it does the GBK characters every such page holds; browsers decode them.
        ("朱镕基访问了上海的工厂和学校。", "gb2312", "gbk", "gb18030"),
        ("뷁똠 같은 글자도 브라우저는 보여 준다.", "euc-kr", "cp949", "cp949"),  # syllables beyond KS X 1001
        ("สวัสดีครับ วันนี้อากาศดีมาก", "windows-874", "cp874", "cp874"),  # a label Python does not know
    ],
)
def test_declared_pages_read_as_browsers_read_them(text: str, label: str, codec: str, reading: str) -> None:
    raw = page(text, f'<meta charset="{label}">').encode(codec)
    assert detect_encoding(raw) == reading
    assert text in decode_html(raw)


def test_shift_jis_reads_as_browsers_do_with_windows_marks_and_nec_characters() -> None:
    # Byte 0x8160 is JIS's WAVE DASH; browsers show Windows' FULLWIDTH TILDE there (the Encoding Standard's index).
    raw = page("東京〜大阪の旅行は楽しかった。", '<meta http-equiv="Content-Type" content="text/html; charset=x-sjis">')
    assert "東京～大阪の旅行は楽しかった。" in decode_html(raw.encode("shift_jis"))
    circled = "手順①と手順②を終えてください。"
    raw = page(circled, '<meta charset="shift_jis">').encode("cp932")
    assert detect_encoding(raw) == "cp932"
    assert circled in decode_html(raw)


def test_euc_jp_reads_nec_characters_and_windows_marks_as_browsers_do() -> None:
    # Python's euc_jp rejects NEC's row 13 (① is 0xADA1), so the declaration used to fail and the page went to a
    # guess; browsers read it, and byte 0xA1C1 as FULLWIDTH TILDE, with the index their Shift_JIS uses.
    text = "営業時間は10時〜18時です。会員登録とログインのページです。"
    raw = page(text, '<meta charset="euc-jp">').encode("euc_jp").replace(b"<p>", b"<p>\xad\xa1", 1)
    assert detect_encoding(raw) == "web-euc-jp"
    assert "①営業時間は10時～18時です。会員登録とログインのページです。" in decode_html(raw)
    assert b"\xad\xa1\xb0\xa1\xf9\xa1".decode("web-euc-jp") == "①亜纊"  # NEC row 13, JIS, an IBM row
    assert b"\xad\xa1\xff".decode("web-euc-jp", "replace") == "①\ufffd"  # what no index holds stays an error
    with pytest.raises(UnicodeDecodeError):
        b"\xad\xa1\xff".decode("web-euc-jp")


def test_euc_jp_three_byte_codes_and_errors_as_browsers_read_them() -> None:
    # JIS X 0212's tilde is FULLWIDTH TILDE in the standard's index (Python: "~"); the index has no IBM rows
    # (0x8F 0xF3..), so such a code is one error, not an error and a kanji read from its last two bytes; and an ASCII
    # byte after a lead byte that ends the input is read again (Python's euc_jp ate it).
    assert b"a~\x8f\xa2\xb7".decode("web-euc-jp") == "a~\uff5e"
    assert b"\x8f\xb0\xa1".decode("web-euc-jp") == b"\x8f\xb0\xa1".decode("euc_jp")  # the rest of JIS X 0212
    assert b"\x8f\xf3\xf3<p>".decode("web-euc-jp", "replace") == "\ufffd<p>"
    assert b"\x8f\xf3\xf3<p>".decode("euc_jp", "replace") != "\ufffd<p>"
    assert b"x\x8f>".decode("web-euc-jp", "replace") == "x\ufffd>"
    assert b"x\x8f>".decode("euc_jp", "replace") == "x\ufffd"
    # An error after the tilde is reported where it is: the broken-sequence cut (page._without_broken) cuts there.
    with pytest.raises(UnicodeDecodeError) as raised:
        b"a\x8f\xa2\xb7\xffb".decode("web-euc-jp")
    assert (raised.value.start, raised.value.end) == (4, 5)
    assert page_module._without_broken(b"a\x8f\xa2\xb7\xffb", "web-euc-jp", whole_runs=False) == b"a\x8f\xa2\xb7b"


@pytest.mark.parametrize(
    ("text", "codec", "reading"),
    [
        (CZECH, "cp1250", "cp1250"),
        (CZECH, "iso8859-2", "iso8859-2"),
        (POLISH, "cp1250", "cp1250"),
        (POLISH, "iso8859-2", "iso8859-2"),
        (TURKISH, "cp1254", "cp1254"),
        (TURKISH, "iso8859-9", "cp1254"),  # the same letters at the same bytes
    ],
)
def test_undeclared_regional_latin_text_is_told_by_its_letters(text: str, codec: str, reading: str) -> None:
    raw = page(text).encode(codec)
    assert detect_encoding(raw) == reading
    assert text in decode_html(raw)


@pytest.mark.parametrize("text", [FRENCH, ICELANDIC])
def test_undeclared_western_text_stays_windows_1252(text: str) -> None:
    # Icelandic's ð, ý and þ are Turkish ğ, ı and ş in windows-1254; its á, æ and ö make it no Turkish.
    raw = page(text).encode("cp1252")
    assert detect_encoding(raw) == "cp1252"
    assert text in decode_html(raw)


def test_symbols_at_a_words_edge_are_no_evidence() -> None:
    # 0xAE is "®" in windows-1252 and "Ž" in ISO-8859-2; trademarks are no Czech.
    text = " ".join(f"Brand{i}® works with Model{i}® and Device{i}®." for i in range(12)) + " Café menu."
    raw = page(text).encode("cp1252")
    assert latin_reading(text_bytes(raw)) == "cp1252"
    assert text in decode_html(raw)


def test_a_few_accents_in_english_stay_windows_1252() -> None:
    text = "The café on the corner serves crème brûlée; the naïve critic's résumé says so. " * 3
    assert latin_reading(text_bytes(page(text).encode("cp1252"))) == "cp1252"


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_without_a_byte_order_mark(codec: str) -> None:
    text = "Grüße aus Köln, 東京 und 😀."
    raw = page(text).encode(codec)
    assert detect_encoding(raw) == codec
    assert text in decode_html(raw)


@pytest.mark.parametrize("declared", ["", '<meta charset="iso-2022-jp">'])
def test_iso_2022_jp_passes_for_ascii_but_is_told_by_its_escapes(declared: str) -> None:
    text = "日本語のテキストです。ｶﾀｶﾅも。"
    raw = page(text, declared).encode("iso2022_jp_ext")
    assert raw.isascii()
    assert text in decode_html(raw)


def test_iso_2022_kr() -> None:
    text = "한국어 텍스트입니다."
    raw = page(text).encode("iso2022_kr")
    assert detect_encoding(raw) == "iso2022_kr"
    assert text in decode_html(raw)


def test_an_escape_byte_alone_is_no_iso_2022() -> None:
    raw = page("a terminal's colours: \x1b[31mred\x1b[0m").encode()
    assert detect_encoding(raw) == "utf-8"


@pytest.mark.parametrize(
    ("name", "codec"), [("x-sjis", "cp932"), ("UTF-16", "utf-16"), ("latin-1", "cp1252"), ("IBM855", "cp855")]
)
def test_a_named_encoding_is_any_the_caller_knows(name: str, codec: str) -> None:
    assert named_codec(name) == codec  # UTF-16 too: unlike a page's label, the caller knows


@pytest.mark.parametrize("name", ["rot13", "zlib", "idna", "no-such-thing", ""])
def test_a_named_encoding_that_is_none_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        named_codec(name)


def test_a_given_encoding_replaces_detection_but_not_a_byte_order_mark() -> None:
    raw = page(FRENCH).encode("cp1252")
    assert FRENCH.encode("cp1252").decode("cp1250") in extract(raw, encoding="windows-1250")  # as asked: "élčve"
    bom = b"\xef\xbb\xbf" + page(CZECH).encode("utf-8")
    assert CZECH in extract(bom, encoding="windows-1250")


def test_an_encoding_given_with_a_str_page_is_refused_not_ignored() -> None:
    """A str is decoded already: the encoding named with it was silently not applied, so the caller got the text as
    it was while believing it read as windows-1250."""
    text = page(FRENCH)
    with pytest.raises(ValueError, match=r"encoding='windows-1250' applies to a page's bytes, and this page is a str"):
        extract(text, encoding="windows-1250")
    with pytest.raises(ValueError, match="unknown encoding"):  # a name that is none is said as such first
        extract(text, encoding="no-such-thing")
    assert FRENCH in extract(text) == extract(text.encode("utf-8"), encoding="utf-8")


@pytest.mark.parametrize("name", [b"utf-8", 8859, ["utf-8"]])
def test_an_encoding_that_is_not_a_str_is_a_type_error(name: object) -> None:
    with pytest.raises(TypeError, match=r"an encoding is named by a str such as 'utf-8'"):
        extract(page(FRENCH).encode("utf-8"), encoding=name)  # type: ignore[arg-type]


def test_an_encoding_name_holding_a_nul_is_unknown() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        named_codec("utf-8\x00")


@pytest.mark.parametrize(("text", "codec"), [(CZECH, "cp1250"), (POLISH, "iso8859-2"), (FRENCH, "cp1252")])
@pytest.mark.parametrize("declared", ["", '<meta charset="utf-8">'])
def test_a_utf8_template_around_legacy_text_reads_each_as_itself(text: str, codec: str, declared: str) -> None:
    # An old database's Czech in a UTF-8 template: the runs UTF-8 rejects are read with the code page their letters
    # say, not always windows-1252.
    head, tail = page(f"{ICELANDIC}</p><p>@@", declared).split("@@")  # the template's own text in UTF-8
    raw = head.encode() + text.encode(codec) + tail.encode()
    assert detect_encoding(raw) == f"utf-8+{codec}"
    decoded = decode_html(raw)
    assert text in decoded and ICELANDIC in decoded


@pytest.mark.parametrize(("label", "codec"), [("iso-8859-2", "cp1250"), ("iso-8859-15", "cp1252")])
def test_an_iso_label_on_windows_bytes_reads_as_the_windows_code_page(label: str, codec: str) -> None:
    # windows-1250 puts "š", "ž" and "ť" at bytes that are C1 control codes in ISO-8859-2, which browsers show as
    # nothing; a page labelled ISO-8859-2 that holds them was written in windows-1250.
    text = CZECH if codec == "cp1250" else FRENCH + " “Œuvre” – 5 €"
    raw = page(text, f'<meta charset="{label}">').encode(codec)
    assert detect_encoding(raw) == codec
    assert text in decode_html(raw)


def test_a_true_iso_8859_2_page_stays_so_beside_a_few_utf8_characters() -> None:
    # The continuation bytes of UTF-8 characters (too few to make the page mixed) are no C1 text.
    raw = page(CZECH, '<meta charset="iso-8859-2">').encode("iso8859-2") + "<p>– ✓</p>".encode()
    assert detect_encoding(raw) == "iso8859-2"
    assert CZECH in decode_html(raw)


def test_a_line_of_cyrillic_in_an_english_page_keeps_its_script() -> None:
    # A non-Latin guess stands on words of non-ASCII bytes, however few; lone bytes beside letters are Latin.
    english = "The committee met on Tuesday to discuss the budget and the new harbour plans for the winter. " * 20
    russian = "Привет, мир! Это короткая цитата из письма."
    raw = page(f"{english}</p><p>{russian}").encode("cp1251")
    assert detect_encoding(raw) == "cp1251"
    assert russian in decode_html(raw)


GREEK = "Γειά σου κόσμε. Χθες το βράδυ περπατήσαμε δίπλα στη θάλασσα και μιλήσαμε για το ταξίδι μας στην Αθήνα. "
RUSSIAN = "Вчера вечером мы гуляли у моря и говорили о поездке. Это тестовая страница на русском языке, вот так. "


def test_a_stray_byte_the_declared_code_page_lacks_does_not_drop_the_declaration() -> None:
    # windows-1253 leaves 0x81 undefined; browsers keep the declared code page (and a guess read Greek as Cyrillic).
    raw = page(GREEK * 3, '<meta charset="windows-1253">').encode("cp1253").replace(b"</p>", b"\x81</p>")
    assert detect_encoding(raw) == "cp1253"
    assert GREEK.strip() in decode_html(raw)


def test_many_bytes_the_declared_code_page_lacks_still_mean_a_wrong_declaration() -> None:
    # Russian in windows-1251 labelled windows-1253: its "я" and "Т" are bytes windows-1253 leaves undefined.
    raw = page(RUSSIAN * 3, '<meta charset="windows-1253">').encode("cp1251")
    assert detect_encoding(raw) == "cp1251"
    assert RUSSIAN.strip() in decode_html(raw)


JAPANESE = "東京の天気は晴れです。明日は雨が降るでしょう。週末は家族と一緒に公園へ行く予定です。" * 3
CHINESE = "今天天气很好，我们一起去公园散步吧。明天可能会下雨，记得带伞。周末我们去看电影。" * 3
KOREAN = "오늘 날씨가 정말 좋습니다. 내일은 비가 올 것 같아요. 주말에는 가족과 함께 공원에 갈 예정입니다. " * 3
TAIWANESE = "今天天氣很好，我們一起去公園散步吧。明天可能會下雨，記得帶傘。週末我們去看電影。" * 3


# (text, codec, the label a page declares, the reading it is read with) for the five legacy CJK encodings.
MULTIBYTE_PAGES = pytest.mark.parametrize(
    ("text", "codec", "label", "reading"),
    [
        (JAPANESE, "cp932", "shift_jis", "cp932"),
        (JAPANESE, "euc_jp", "euc-jp", "web-euc-jp"),
        (CHINESE, "gb18030", "gbk", "gb18030"),
        (KOREAN, "cp949", "euc-kr", "cp949"),
        (TAIWANESE, "big5hkscs", "big5", "big5hkscs"),
    ],
    ids=["shift_jis", "euc-jp", "gbk", "euc-kr", "big5"],
)


@MULTIBYTE_PAGES
@pytest.mark.parametrize("damage", ["stray", "truncated"])
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_broken_sequence_does_not_lose_a_multibyte_page(
    text: str, codec: str, label: str, reading: str, damage: str, declared: bool
) -> None:
    # A stray byte, or a download cut inside its last character: browsers keep the declared encoding and show
    # U+FFFD. The guesser offers only encodings that decode every byte, so these pages were read as windows-1252.
    encoded = text.encode(codec)
    head = f'<meta charset="{label}">' if declared else ""
    raw = page("", head).encode("ascii").replace(b"<p></p>", b"<p>" + encoded + b"\x81 </p>")
    if damage == "truncated":
        raw = raw[: raw.index(b"\x81 </p>") - 1]
    assert detect_encoding(raw) == reading
    assert text[:30] in decode_html(raw)


@MULTIBYTE_PAGES
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_stray_byte_inside_a_paragraph_does_not_lose_a_short_page(
    text: str, codec: str, label: str, reading: str, declared: bool
) -> None:
    # A stray lead byte pairs with the next character's first byte, and the rest of its paragraph is read shifted
    # by one byte: it decodes, to nonsense. Judged with it, a page of five paragraphs went to windows-1252, GB18030
    # or no guess at all; the whole damaged run is now cut out before the guess.
    head = f'<meta charset="{label}">' if declared else ""
    for stray in (b"\x81", b"\xfe"):
        for at in (5, 29, 61):
            middle = text[:at].encode(codec) + stray + text[at:].encode(codec)
            paragraphs = [text.encode(codec)] * 2 + [middle] + [text.encode(codec)] * 2
            body = b"".join(b"<p>" + p + b"</p>\n" for p in paragraphs)
            raw = page("", head).encode("ascii").replace(b"<p></p>", body)
            assert detect_encoding(raw) == reading, (stray, at)
            assert text[:30] in decode_html(raw)


def test_a_damaged_declared_page_the_guesser_misnames_keeps_its_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    # The guesser's first choice for an undamaged EUC-JP page of chardet's tests is GB18030: with one stray byte,
    # such a page lost its declaration. Asked about the declared encoding alone, the guesser finds it plausible.
    monkeypatch.setattr(page_module, "_guess_encoding", lambda data: "gb18030")
    body = b"<p>" + JAPANESE.encode("euc_jp") + b"\x81 </p>"
    raw = page("", '<meta charset="euc-jp">').encode("ascii").replace(b"<p></p>", body)
    assert detect_encoding(raw) == "web-euc-jp"
    # A guesser that names nothing at all says nothing against the declaration (chardet's x-sjis page "yomenai
    # moji", undamaged, is guessed as nothing): windows-1252 in its place would lose all of the text.
    monkeypatch.setattr(page_module, "_guess_encoding", lambda data: None)
    monkeypatch.setattr(page_module, "_reads_as_text", lambda data, encoding: False)
    assert detect_encoding(raw) == "web-euc-jp"
    monkeypatch.undo()
    # French under a Japanese label, one sequence from decoding (its accents are valid Shift_JIS pairs but for the
    # word-final one), is plausible in no Japanese encoding.
    french = "Les élèves écrivent très bien et mènent leurs études de Genève. " * 20 + "Un café "
    raw = page(f"<p>{french}</p>", '<meta charset="shift_jis">').encode("cp1252")
    assert page_module._without_broken(raw, "cp932", whole_runs=True) is not None
    assert not page_module._few_broken_sequences(raw, "cp932")


@pytest.mark.parametrize("shift", range(4))
def test_a_long_undeclared_page_is_guessed_from_whole_characters(shift: int) -> None:
    # The guess reads the first 64 kB: cut inside a GBK character, that sample decoded only as Shift_JIS-2004.
    body = ("x" * shift + "<p>" + CHINESE + "</p>\n") * 600
    raw = f"<html><head><title>t</title></head><body>{body}</body></html>".encode("gb18030")
    assert detect_encoding(raw) == "gb18030"


@pytest.mark.parametrize("label", ["shift_jis", "gbk", "euc-kr", "big5"])
def test_latin_text_under_a_multibyte_label_is_still_read_as_latin(label: str) -> None:
    # "é" and a letter after it make a valid Shift_JIS pair: few errors alone are no proof of the label.
    raw = page(FRENCH, f'<meta charset="{label}">').encode("cp1252")
    assert detect_encoding(raw) == "cp1252"
    assert FRENCH in decode_html(raw)


def test_a_commented_out_declaration_is_passed_over_as_browsers_do() -> None:
    # A Greek page that kept its old windows-1251 <meta> in a comment; a <meta> in a script's string still counts.
    head = '<!-- <meta charset="windows-1251"> --><meta charset="windows-1253">'
    raw = page(GREEK * 3, head).encode("cp1253")
    assert detect_encoding(raw) == "cp1253"
    assert GREEK.strip() in decode_html(raw)
    scripted = page(CZECH, "<script>var m = '<meta charset=\"windows-1250\">';</script>").encode("cp1250")
    assert detect_encoding(scripted) == "cp1250"


@pytest.mark.parametrize(
    ("text", "codec", "label", "reading"),
    [
        ("港の新しい時刻表は春から", "cp932", "shift_jis", "cp932"),
        ("Καλημέρα από το λιμάνι", "cp1253", "windows-1253", "cp1253"),
        ("항구의 새 시간표는 봄부터", "cp949", "euc-kr", "cp949"),
    ],
    ids=["shift_jis", "windows-1253", "euc-kr"],
)
def test_one_stray_byte_keeps_a_short_pages_declaration(text: str, codec: str, label: str, reading: str) -> None:
    # Too few other non-ASCII bytes to weigh one stray byte against: the declaration stands, as in browsers.
    raw = f'<meta charset="{label}"><p>'.encode() + text.encode(codec) + b"\x81 </p>"
    assert detect_encoding(raw) == reading
    assert text in decode_html(raw)


def test_a_guess_that_reads_every_byte_is_not_given_up_for_one_that_needs_cuts() -> None:
    """An undeclared EUC-JP page holding one JIS X 0212 character ("©" is 0x8F 0xA2 0xED there) was guessed right,
    then read as Big5: Big5 with that one sequence cut out looked like Chinese to the guesser. A multi-byte guess
    that decodes the whole sample now stands (GB18030 and Shift_JIS-2004, which decode almost any bytes, aside)."""
    raw = page(JAPANESE + "<p>© 2025 港湾新聞</p>").encode("euc_jp")
    assert names_reading(detect_encoding(raw), "web-euc-jp")
    assert JAPANESE.strip() in decode_html(raw)


@pytest.mark.parametrize("label", ["windows-1251", "koi8-r", "windows-1253"])
@pytest.mark.parametrize(("text", "codec"), [(CHINESE, "gbk"), (KOREAN, "euc_kr"), (TAIWANESE, "big5")])
def test_a_cjk_page_under_a_wrong_non_latin_code_page_is_read_rightly(text: str, codec: str, label: str) -> None:
    """Only a Latin label was second-guessed: a GBK page labelled windows-1251 came out as Cyrillic nonsense. A
    multi-byte guess now wins where the label's reading is no alphabet's text and the guess reads better."""
    raw = page(text, f'<meta charset="{label}">').encode(codec)
    assert text.strip()[:12] in decode_html(raw)


@pytest.mark.parametrize(
    ("text", "codec"),
    [(RUSSIAN * 3, "cp1251"), (RUSSIAN * 3, "koi8_r"), ("Το πλοίο φεύγει από το λιμάνι κάθε πρωί. " * 3, "cp1253"),
     ("รถโดยสารกลางคืนจะเริ่มให้บริการตั้งแต่วันจันทร์หน้า " * 3, "cp874")],
)  # fmt: skip
def test_a_right_non_latin_code_page_stands(text: str, codec: str) -> None:
    """Cyrillic, Greek and Thai words are long runs of non-ASCII bytes too; Thai decodes as Shift_JIS as well."""
    raw = page(text, f'<meta charset="{codec}">').encode(codec)
    assert text.strip()[:20] in decode_html(raw)

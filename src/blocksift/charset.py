"""Which Python codec decodes a page: the charset labels browsers accept, and how far to trust a statistical guess.

A page's author saw it in a browser, so a declared charset means what the WHATWG Encoding Standard says it means:
``x-sjis`` is Shift_JIS, ``windows-874`` is Thai, ``gb2312`` is decoded as GBK, ``iso-8859-1`` as windows-1252.
Python's codec registry knows other names and stricter tables (its ``gb2312`` rejects the GBK characters every
such page holds), and it knows names no browser reads (``utf-7``, ``hp-roman8``, ``rot13``), which are ignored.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from blocksift import webcodecs

# The WHATWG Encoding Standard's labels (https://encoding.spec.whatwg.org/#names-and-labels), by the Python codec
# that decodes each encoding as browsers do: GBK and gb18030 with gb18030, Big5 with Big5-HKSCS, EUC-KR with its
# superset cp949, Shift_JIS with cp932 (the standard's JIS X 0208 index is Windows': FULLWIDTH TILDE, not JIS's WAVE
# DASH, and the NEC and IBM characters; Node's decoder agrees with cp932 on every double-byte code), EUC-JP with the
# same index (``webcodecs``: Python's euc_jp has JIS's and rejects NEC's ①). The standard's
# "replacement" labels name ISO-2022-KR and HZ, which browsers refuse to decode for safety; an extractor wants
# their text, and Python decodes them.
# UTF-16 labels are absent on purpose: without a byte-order mark such a label is wrong in practice.
WEB_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
                  "iso_8859-2:1987", "l2", "latin2"),
    "iso8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
                  "iso_8859-3:1988", "l3", "latin3"),
    "iso8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
                  "iso_8859-4:1988", "l4", "latin4"),
    "iso8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
                  "iso_8859-5", "iso_8859-5:1988"),
    "iso8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
                  "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596", "iso_8859-6",
                  "iso_8859-6:1987"),
    "iso8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126",
                  "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    "iso8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
                  "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual",
                  "csiso88598i", "iso-8859-8-i", "logical"),  # ISO-8859-8-I: the same bytes, in logical order
    "iso8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "mac-roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1250": ("cp1250", "windows-1250", "x-cp1250"),
    "cp1251": ("cp1251", "windows-1251", "x-cp1251"),
    "cp1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
               "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii",
               "windows-1252", "x-cp1252"),
    "cp1253": ("cp1253", "windows-1253", "x-cp1253"),
    "cp1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
               "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"),
    "cp1255": ("cp1255", "windows-1255", "x-cp1255"),
    "cp1256": ("cp1256", "windows-1256", "x-cp1256"),
    "cp1257": ("cp1257", "windows-1257", "x-cp1257"),
    "cp1258": ("cp1258", "windows-1258", "x-cp1258"),
    "gb18030": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
                "x-gbk", "gb18030"),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    webcodecs.NAME: ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp": ("csiso2022jp", "iso-2022-jp"),
    "cp932": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    "cp949": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
              "ksc5601", "ksc_5601", "windows-949"),
    "iso2022_kr": ("csiso2022kr", "iso-2022-kr"),
    "hz": ("hz-gb-2312",),
}  # fmt: skip
_CODEC_OF_LABEL = {label: codec for codec, labels in WEB_LABELS.items() for label in labels}
# Python's names for the encodings above, read the way browsers read them (a label outside the standard that
# Python resolves, such as ``latin-1`` or ``iso8859_1``, then lands on the browser's codec).
_BROWSER_READING = {"iso8859-1": "cp1252", "ascii": "cp1252", "iso8859-9": "cp1254",
                    "iso8859-11": "cp874", "tis-620": "cp874", "gb2312": "gb18030", "gbk": "gb18030",
                    "big5": "big5hkscs", "euc_kr": "cp949", "shift_jis": "cp932",
                    "euc_jp": webcodecs.NAME}  # fmt: skip
# The Windows code page for an ISO-8859 label on a page whose bytes hold C1 control codes (0x80-0x9F), which no
# text in the ISO code page holds and its Windows sibling uses for letters and quotes: Czech pages labelled
# ISO-8859-2 but written in windows-1250 put their "š", "ž" and "ť" there. Browsers show nothing for them (the
# Encoding Standard maps only ISO-8859-1 to windows-1252); the text is recovered instead.
C1_SIBLINGS = {"iso8859-2": "cp1250", "iso8859-7": "cp1253", "iso8859-8": "cp1255", "iso8859-13": "cp1257",
               "iso8859-15": "cp1252"}  # fmt: skip
_C1_RE = re.compile(rb"[\x80-\x9f]")
NON_ASCII_RE = re.compile(rb"[\x80-\xff]+")
# How runs of non-ASCII bytes look (valid UTF-8 or not, C1 or not) is measured on this many bytes.
RUNS_BYTES = 1 << 18


def legacy_runs(data: bytes) -> bytes:
    """``data`` with its runs of valid UTF-8 blanked out: the legacy bytes alone, in their words."""

    def blank_utf8(match: re.Match[bytes]) -> bytes:
        try:
            match.group().decode("utf-8")
            return b" "
        except UnicodeDecodeError:
            return match.group()

    return NON_ASCII_RE.sub(blank_utf8, data)


def widened(data: bytes, codec: str) -> str:
    """``codec``, or the code page ``data`` needs to decode as its author meant: windows-1250 for "ISO-8859-2"
    holding C1 bytes."""
    sibling = C1_SIBLINGS.get(codec)
    # C1 bytes of its own, not the continuation bytes of UTF-8 characters beside them
    return sibling if sibling is not None and _C1_RE.search(legacy_runs(data[:RUNS_BYTES])) else codec


@lru_cache(maxsize=256)
def web_codec(label: str) -> str | None:
    """The Python codec for a declared charset label, or None where the label cannot be believed.

    Labels of the Encoding Standard first (any case, surrounding white space ignored). Then a name that Python
    resolves, though browsers do not (``iso8859_1``, ``latin-1``, ``ibm855``): the page's author still named a
    real code page. Names that are no character encoding that reads ASCII as ASCII are ignored: ``utf-7`` (a
    cross-site-scripting trick), EBCDIC's ``cp037``, ``rot13``, ``unicode_escape``, and UTF-16 and UTF-32, which a
    page without a byte-order mark is not in practice.
    """
    key = label.strip().lower()
    if key in _CODEC_OF_LABEL:
        return _CODEC_OF_LABEL[key]
    info = _charset(key)
    return _BROWSER_READING.get(info.name, info.name) if info is not None and _reads_ascii(info) else None


def named_codec(label: str) -> str:
    """The Python codec for an encoding a caller names (``--encoding``): a label of the standard, read as
    browsers read it, or any character encoding Python knows (UTF-16 too: the caller knows). Raises ``ValueError``
    for a name that is neither, and ``TypeError`` for a label that is not a ``str`` (``b"utf-8"``, a number: the
    caller's mistake, said as such rather than as an ``AttributeError`` from inside)."""
    if not isinstance(label, str):
        raise TypeError(f"an encoding is named by a str such as 'utf-8' or 'windows-1250', not {type(label).__name__}")
    key = label.strip().lower()
    if key in _CODEC_OF_LABEL:
        return _CODEC_OF_LABEL[key]
    info = _charset(key)
    if info is None:
        raise ValueError(f"unknown encoding {label!r}: name a character encoding such as utf-8, windows-1250 or gbk")
    return _BROWSER_READING.get(info.name, info.name)


_ASCII_BYTES = bytes(range(0x20, 0x7F))
_NOT_CHARSETS = frozenset({"idna", "punycode", "raw-unicode-escape", "unicode-escape", "undefined"})


def _charset(name: str) -> codecs.CodecInfo | None:
    """Python's codec of that name where it is a character encoding (not ``rot13``, ``zlib`` or ``idna``)."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name holding a NUL character ("utf-8\x00")
        return None
    return info if info._is_text_encoding and info.name not in _NOT_CHARSETS else None


def _reads_ascii(info: codecs.CodecInfo) -> bool:
    """True for a character encoding that decodes printable ASCII bytes as themselves, one byte each."""
    if info.name.startswith(("utf-16", "utf-32")):
        return False
    try:
        return _ASCII_BYTES.decode(info.name) == _ASCII_BYTES.decode("ascii")
    except UnicodeError:
        return False


def guessed_codec(name: str) -> str | None:
    """A statistical guesser's codec name as Python's own, read as browsers would (its ``big5`` as Big5-HKSCS);
    None for UTF-16 and UTF-32, which a page without a byte-order mark is not in practice. Codecs no browser has
    (``johab``, ``euc_jis_2004``) stay: the guess is all there is to go on."""
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None
    return _BROWSER_READING.get(name, name)


# Latin-script single-byte code pages that guessers tell apart on a few accented bytes. A page of mostly English
# text with a handful of them is what they are least sure of (cleaneval's undeclared English pages come out as
# cp1250, Portuguese text as cp775, Finnish as hp-roman8); windows-1252 is what such pages were written in.
LATIN_CODECS = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-9",
     "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16", "mac-roman", "mac-latin2",
     "mac-iceland", "mac-turkish", "mac-croatian", "mac-romanian", "hp-roman8", "cp437", "cp775", "cp850", "cp852",
     "cp857", "cp858", "cp860", "cp861", "cp863", "cp865"}
)  # fmt: skip
FALLBACK_ENCODING = "cp1252"

# The letters beyond ASCII that each language written in a Latin code page uses, by the code pages browsers offer
# for it. The bytes of a Czech "ř" are an "ø" in windows-1252, of a Polish "ł" a "³", of a Turkish "ş" a "þ": read
# with the wrong code page, a text's accented letters stop belonging to any one language's alphabet.
WESTERN_ALPHABETS = {
    "Catalan": "àçèéíïòóúü", "Danish and Norwegian": "æøåé", "Dutch": "áèéëïóöü", "Finnish and Swedish": "äåöé",
    "French": "àâæçéèêëîïôœùûüÿ", "German": "äöüß", "Icelandic": "áðéíóúýþæö", "Italian": "àèéìíîòóùú",
    "Portuguese": "àáâãçéêíóôõú", "Spanish": "áéíñóúü",
}  # fmt: skip
_CENTRAL = {
    "Czech": "áčďéěíňóřšťúůýž", "Slovak": "áäčďéíĺľňóôŕšťúýž", "Polish": "ąćęłńóśźż", "Hungarian": "áéíóöőúüű",
    "Croatian and Slovene": "čćđšž", "Romanian": "ăâîşţ", "German": "äöüß",
}  # fmt: skip
REGIONAL_ALPHABETS: dict[str, dict[str, str]] = {
    "cp1250": _CENTRAL,
    "iso8859-2": _CENTRAL,
    "cp1254": {"Turkish": "çğıiöşüâîû"},  # "i": "İ" lower-cased, without its combining dot
    "cp1257": {"Lithuanian": "ąčęėįšųūž", "Latvian": "āčēģīķļņšūž", "Estonian": "äõöüšž"},
}
# A regional code page wins over windows-1252 only where its reading has this many accented letters inside words,
# leaves at most a third as many of them outside its best alphabet as windows-1252's reading does, and at least this
# share fewer.
REGIONAL_MIN_LETTERS = 10
REGIONAL_MARGIN = 0.05
# A run of non-ASCII bytes this long is a word of a script beyond ASCII, not a Latin letter or two.
SCRIPT_RUN_BYTES = 3
# The text read for its letters: thousands of them where the text is dense in accents, and the lookaround
# expressions that find them cost 0.1 ms a kilobyte.
LETTERS_TEXT_BYTES = 16384
_RAW_TEXT_RE = re.compile(rb"<(script|style)\b", re.I)
_RAW_TEXT_END_RE = {b"script": re.compile(rb"</script\s*>", re.I), b"style": re.compile(rb"</style\s*>", re.I)}
_IN_WORD_RE = re.compile(rb"(?<=[A-Za-z])[\x80-\xff]|[\x80-\xff](?=[A-Za-z])")
_BETWEEN_LETTERS_RE = re.compile(rb"(?<=[A-Za-z])[\x80-\xff](?=[A-Za-z])")


def text_bytes(data: bytes) -> bytes:
    """``data`` without its markup, scripts, styles and comments: the text whose letters tell a code page apart.

    One scan, each byte passed once: a regular expression of lazy alternatives rescans to the end of the data for
    every unclosed ``<script`` or ``<!--``, 10 s on 64 kB of them.
    """
    parts: list[bytes] = []
    pos = 0
    while (start := data.find(b"<", pos)) >= 0:
        parts.append(data[pos:start])
        pos = _markup_end(data, start)
        parts.append(b" ")
    parts.append(data[pos:])
    return b"".join(parts)


def _markup_end(data: bytes, start: int) -> int:
    """Where the comment, script, style or tag opening at ``start`` ends (the data's end if it is never closed)."""
    if data.startswith(b"<!--", start):
        end = data.find(b"-->", start + 4)
        return len(data) if end < 0 else end + 3
    raw = _RAW_TEXT_RE.match(data, start)
    if raw is not None:
        close = _RAW_TEXT_END_RE[raw.group(1).lower()].search(data, raw.end())
        return len(data) if close is None else close.end()
    end = data.find(b">", start + 1)
    return len(data) if end < 0 else end + 1


def in_script_words(text: bytes) -> bool:
    """True where most of ``text``'s non-ASCII bytes come in runs of three or more, as the words of a script
    written wholly beyond ASCII do (Cyrillic, Greek, Arabic, Hebrew, Thai); Latin text's accents stand one or two
    bytes apart ("Größe", "Brand®")."""
    runs = NON_ASCII_RE.findall(text)
    return 2 * sum(len(run) for run in runs if len(run) >= SCRIPT_RUN_BYTES) >= sum(map(len, runs)) > 0


def _letters(in_word: Counter[int], between: Counter[int], codec: str) -> Counter[str]:
    """How often each letter occurs, lower-cased, where the bytes counted in ``in_word`` are read in ``codec``. A byte
    it leaves undefined, and a symbol between two letters ("by³o" for Polish "było"), count as a letter no alphabet
    has. A symbol at a word's edge does not count: "ROLODEX®" is no evidence for the "Ž" that the byte is in
    ISO-8859-2. Counted per distinct byte: a page's text holds thousands of accented letters but few kinds."""
    letters: Counter[str] = Counter()
    for byte, count in in_word.items():
        ch = bytes((byte,)).decode(codec, errors="replace")
        if ch.isalpha() or ch == "\ufffd":
            letters[ch.lower()[0]] += count
    for byte, count in between.items():
        if unicodedata.category(bytes((byte,)).decode(codec, errors="replace"))[0] in "SN":
            letters["\ufffd"] += count
    return letters


def _misses(letters: Counter[str], alphabets: dict[str, str]) -> float:
    """The share of ``letters`` outside the alphabet that holds most of them (0 for no letters)."""
    total = sum(letters.values())
    if not total:
        return 0.0
    return 1 - max(sum(n for ch, n in letters.items() if ch in alphabet) for alphabet in alphabets.values()) / total


def latin_reading(text: bytes) -> str:
    """The code page for a page's ``text`` (``text_bytes``) that a guesser took for Latin script.

    windows-1252, unless another Latin code page turns many more of the text's accented letters into one language's
    alphabet (Czech, Polish, Turkish...). The guessers cannot be asked: they tell Latin code pages apart by which
    bytes are defined, and so name cp1250 for English with a few accents and for Swedish, and iso-8859-10 for Turkish.
    """
    text = text[:LETTERS_TEXT_BYTES]
    in_word = Counter(b"".join(_IN_WORD_RE.findall(text)))
    between = Counter(b"".join(_BETWEEN_LETTERS_RE.findall(text)))
    western = _misses(_letters(in_word, between, FALLBACK_ENCODING), WESTERN_ALPHABETS)
    best, best_key = FALLBACK_ENCODING, (western, 0)
    for codec, alphabets in REGIONAL_ALPHABETS.items():
        letters = _letters(in_word, between, codec)
        misses, count = _misses(letters, alphabets), sum(letters.values())
        clear = count >= REGIONAL_MIN_LETTERS and misses * 3 <= western and misses <= western - REGIONAL_MARGIN
        if clear and (misses, -count) < best_key:  # a tie goes to the reading with more letters
            best, best_key = codec, (misses, -count)
    return best


# The bytes of a page that ``misreading`` looks at: enough for its tags and a few paragraphs, whatever its size.
MISREADING_SAMPLE = 1 << 16
# A tag as bytes: "<" and a letter, "/" or "!" (every HTML page has some, in every encoding that reads ASCII).
_TAG_BYTES_RE = re.compile(rb"<[A-Za-z/!]")
_TAG_TEXT_RE = re.compile(r"<[A-Za-z/!]")
# Undecodable characters (U+FFFD) that make a reading wrong rather than a page with a stray byte: at least this many,
# and at least this share of the characters outside ASCII (a page of another encoding has almost all of them so).
MISREAD_MIN_REPLACED = 8
MISREAD_SHARE = 0.25


def misreading(data: bytes, codec: str) -> str | None:
    """Why ``data`` cannot be in ``codec`` (None where it may be), for a page decoded with the encoding a caller
    named: a wrong ``--encoding`` otherwise gave an empty or garbled output that looked like the model's choice.

    Two signs, each of a reading no author meant: the page's tags, plain ASCII in its bytes, are no tags once decoded
    (EBCDIC's cp500, UTF-16 on an 8-bit page: the whole page becomes one run of other letters); or a large share of
    its characters outside ASCII do not decode at all (a windows-1250 page read as UTF-8)."""
    sample = data[:MISREADING_SAMPLE]
    text = sample.decode(codec, errors="replace")
    if _TAG_BYTES_RE.search(sample) and not _TAG_TEXT_RE.search(text):
        return f"decoded as {codec}, its tags are no longer tags: the page is not in that encoding"
    replaced = text.count("\ufffd")
    beyond_ascii = sum(not c.isascii() for c in text)
    if replaced >= MISREAD_MIN_REPLACED and replaced >= MISREAD_SHARE * beyond_ascii:
        return (
            f"decoded as {codec}, {replaced:,} of its {beyond_ascii:,} characters outside ASCII (in its first "
            f"{len(sample):,} bytes) are not valid there: the page is probably in another encoding"
        )
    return None

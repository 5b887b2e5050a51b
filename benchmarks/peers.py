"""The systems that ``compare.py`` runs: blocksift and the established extractors, each used the way its own
documentation recommends for main-content extraction, with the settings a fair user would pick.

Every system is a function ``(data: bytes, url: str | None) -> str`` from the page's raw bytes to its text.
Peers whose API takes bytes get the raw bytes and decode them their own way; peers that need ``str`` get the
bytes decoded by :func:`decode`, which is blocksift's own decoder (``blocksift.page.decode_html``) where it
can be imported, so that those peers see the same text blocksift sees. See ``benchmarks/README.md``.

Imports of the peers are lazy (inside the functions): the runner imports this module in every worker, and a
system that is not installed must not stop the others.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

BLOCKSIFT = "blocksift"

# A small page every system runs once before it is timed, so that lazy set-up (imports, stoplists, suffix
# lists, compiled patterns) is not charged to the first real page.
_WARM_UP_BODY = (
    "<nav><a href='/'>Home</a> <a href='/a'>About</a></nav><article><h1>A short article</h1>"
    f"<p>{'This is a sentence of the article text. ' * 12}</p>"
    f"<p>{'And another paragraph follows with more words in it. ' * 8}</p></article>"
    "<footer>Copyright</footer>"
)
WARM_UP_HTML = f"<html lang='en'><head><title>Warm-up</title></head><body>{_WARM_UP_BODY}</body></html>".encode()
PLACEHOLDER_URL = "http://localhost/page.html"

# Block-level tags after which text continues on a new line when an extractor's HTML output becomes text.
BLOCK_TAGS = frozenset(
    {
        *(
            "address",
            "article",
            "aside",
            "blockquote",
            "body",
            "dd",
            "div",
            "dl",
            "dt",
            "fieldset",
            "figcaption",
        ),
        *(
            "figure",
            "footer",
            "form",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "html",
            "li",
            "main",
        ),
        *("nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)

# ISO 639 codes -> jusText stoplist names (every stoplist jusText 3.0 ships that has a code).
_JUSTEXT_TABLE = """
af:Afrikaans sq:Albanian ar:Arabic an:Aragonese hy:Armenian ast:Asturian az:Azerbaijani eu:Basque
be:Belarusian bn:Bengali bs:Bosnian br:Breton bg:Bulgarian ca:Catalan ceb:Cebuano cv:Chuvash hr:Croatian
cs:Czech da:Danish
nl:Dutch en:English eo:Esperanto et:Estonian fi:Finnish fr:French gl:Galician ka:Georgian de:German el:Greek
gu:Gujarati ht:Haitian he:Hebrew iw:Hebrew hi:Hindi hu:Hungarian is:Icelandic io:Ido ig:Igbo id:Indonesian
in:Indonesian ga:Irish it:Italian jv:Javanese kn:Kannada kk:Kazakh ko:Korean ku:Kurdish ky:Kyrgyz la:Latin
lv:Latvian lt:Lithuanian lmo:Lombard nds:Low_Saxon lb:Luxembourgish mk:Macedonian ms:Malay ml:Malayalam
mt:Maltese mr:Marathi nap:Neapolitan ne:Nepali new:Newar nb:Norwegian_Bokmal no:Norwegian_Bokmal
nn:Norwegian_Nynorsk oc:Occitan fa:Persian pms:Piedmontese pl:Polish pt:Portuguese qu:Quechua ro:Romanian
ru:Russian sr:Serbian sh:Serbo_Croatian scn:Sicilian sk:Slovak sl:Slovenian es:Spanish su:Sundanese sw:Swahili
sv:Swedish tl:Tagalog fil:Tagalog ta:Tamil te:Telugu tr:Turkish tk:Turkmen uk:Ukrainian ur:Urdu uz:Uzbek
vi:Vietnamese vo:Volapuk wa:Walloon war:Waray_Waray cy:Welsh fy:West_Frisian pnb:Western_Panjabi yo:Yoruba
"""
JUSTEXT_LANGUAGES = dict(pair.split(":") for pair in _JUSTEXT_TABLE.split())
LANG_SNIFF_BYTES = 16384
HTML_LANG_RE = re.compile(rb"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?\s*([a-zA-Z]{2,3})\b", re.IGNORECASE)
META_LANG_RE = re.compile(
    rb"<meta\b[^>]*?http-equiv\s*=\s*[\"']?content-language[\"']?[^>]*?content\s*=\s*[\"']?\s*([a-zA-Z]{2,3})\b",
    re.IGNORECASE,
)


# --- decoding ---------------------------------------------------------------------------------------------


def _fallback_decode(data: bytes) -> str:
    """UTF-8, else charset-normalizer's guess, else Windows-1252 (used only where blocksift's is missing)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")


@cache
def decoder() -> tuple[str, Callable[[bytes], str]]:
    """The bytes -> str decoder for peers that need text, and its name: blocksift's where importable."""
    try:
        from blocksift.page import decode_html
    except ImportError:
        return "fallback: utf-8, then charset-normalizer, then cp1252", _fallback_decode
    return "blocksift.page.decode_html", decode_html


def decode(data: bytes) -> str:
    """Decode a page for a peer that takes ``str``."""
    return decoder()[1](data)


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment with a line break at every block boundary (``text_content`` would glue the
    last word of one paragraph to the first of the next, which the token metrics would punish unfairly)."""
    from lxml import html as lxml_html

    if not markup.strip():
        return ""
    root = lxml_html.fromstring(markup)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in BLOCK_TAGS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
        elif el.tag == "br":
            el.tail = "\n" + (el.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def page_language(data: bytes) -> str | None:
    """The language code the page declares (``<html lang>``, else a content-language meta), lowercased."""
    head = data[:LANG_SNIFF_BYTES]
    match = HTML_LANG_RE.search(head) or META_LANG_RE.search(head)
    return match.group(1).decode("ascii").lower() if match else None


# --- the systems ------------------------------------------------------------------------------------------


def run_trafilatura(data: bytes, url: str | None) -> str:
    """trafilatura: ``extract(html, include_comments=False)``, its defaults otherwise (fallbacks on)."""
    import trafilatura

    return trafilatura.extract(data, include_comments=False) or ""


def run_readability(data: bytes, url: str | None) -> str:
    """readability-lxml: ``Document(html).summary()``, then the text of that HTML, one line per block."""
    from readability import Document

    return html_to_text(Document(data).summary())


@cache
def _justext_stoplist(language: str | None) -> frozenset[str]:
    import justext

    if language is None:
        return frozenset(justext.get_stoplist("English"))
    name = JUSTEXT_LANGUAGES.get(language)
    return frozenset(justext.get_stoplist(name)) if name else frozenset()


def run_justext(data: bytes, url: str | None) -> str:
    """jusText: the stoplist of the language the page declares; English where it declares none; the
    language-independent mode (empty stoplist, stop-word thresholds 0) for a language without a list."""
    import justext

    stoplist = _justext_stoplist(page_language(data))
    options: dict[str, Any] = {} if stoplist else {"stopwords_low": 0, "stopwords_high": 0}
    paragraphs = justext.justext(data, stoplist, **options)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


@cache
def _boilerpy3_extractor() -> Any:
    from boilerpy3 import extractors

    return extractors.ArticleExtractor()


def run_boilerpy3(data: bytes, url: str | None) -> str:
    """boilerpy3: ``ArticleExtractor().get_content(text)``."""
    return str(_boilerpy3_extractor().get_content(decode(data)))


@cache
def _goose() -> Any:
    from goose3 import Goose

    return Goose()


def run_goose3(data: bytes, url: str | None) -> str:
    """goose3: ``Goose().extract(raw_html=text).cleaned_text`` (one Goose per worker, as its docs do)."""
    return str(_goose().extract(raw_html=decode(data)).cleaned_text or "")


def run_newspaper4k(data: bytes, url: str | None) -> str:
    """newspaper4k: ``Article(url, fetch_images=False)``, ``download(input_html=text)``, ``parse()``,
    ``.text`` (the page's URL where the dataset knows it; image fetching off: nothing may be downloaded)."""
    from newspaper import Article

    article = Article(url or PLACEHOLDER_URL, fetch_images=False)
    article.download(input_html=decode(data))
    article.parse()
    return str(article.text or "")


def run_resiliparse(data: bytes, url: str | None) -> str:
    """resiliparse: its own encoding detection, then ``extract_plain_text(tree, main_content=True,
    comments=False)`` (comments are never in the gold; cf. trafilatura's ``include_comments=False``)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import detect_encoding
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse_from_bytes(data, detect_encoding(data))
    return str(extract_plain_text(tree, main_content=True, comments=False))


@cache
def _blocksift_model(path: str | None) -> Any:
    if path is None:
        return None
    import blocksift

    return blocksift.load_model(path)


def blocksift_runner(model_path: str | None) -> Callable[[bytes, str | None], str]:
    """blocksift: ``blocksift.extract(html_bytes)``, or ``extract(html_bytes, model=load_model(path))``."""
    import blocksift

    model = _blocksift_model(model_path)

    def run(data: bytes, url: str | None) -> str:
        if model is None:
            return str(blocksift.extract(data))
        return str(blocksift.extract(data, model=model))

    return run


# --- the registry -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """One established extractor: its name here, the module that must import, the distribution (for its
    version), the runner, and whether it takes the raw bytes or blocksift-decoded text."""

    name: str
    module: str
    dist: str
    run: Callable[[bytes, str | None], str]
    takes_bytes: bool
    setting: str


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer("trafilatura", "trafilatura", "trafilatura", run_trafilatura, True,
             "extract(html, include_comments=False); defaults otherwise"),
        Peer("readability", "readability", "readability-lxml", run_readability, True,
             "Document(html).summary(), text of that HTML with a line per block"),
        Peer("justext", "justext", "jusText", run_justext, True,
             "stoplist of the declared <html lang>; English if none; language-independent if no stoplist"),
        Peer("boilerpy3", "boilerpy3", "boilerpy3", run_boilerpy3, False,
             "ArticleExtractor().get_content(text)"),
        Peer("goose3", "goose3", "goose3", run_goose3, False, "Goose().extract(raw_html=text).cleaned_text"),
        Peer("newspaper4k", "newspaper", "newspaper4k", run_newspaper4k, False,
             "Article(url, fetch_images=False); download(input_html=text); parse(); .text"),
        Peer("resiliparse", "resiliparse", "Resiliparse", run_resiliparse, True,
             "extract_plain_text(HTMLTree.parse_from_bytes(html, detect_encoding(html)), main_content=True, "
             "comments=False)"),
    )
}  # fmt: skip
SYSTEM_NAMES = (BLOCKSIFT, *PEERS)


def peer_version(peer: Peer) -> str | None:
    """The installed version of a peer, or None where it is not installed (or does not import)."""
    if importlib.util.find_spec(peer.module) is None:
        return None
    try:
        return importlib.metadata.version(peer.dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def blocksift_status() -> tuple[str | None, str]:
    """blocksift's version where ``blocksift.extract`` exists, else None and the reason."""
    try:
        import blocksift
    except ImportError as exc:
        return None, f"blocksift does not import ({exc})"
    if not callable(getattr(blocksift, "extract", None)):
        return None, "blocksift.extract does not exist yet"
    version = getattr(blocksift, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version("blocksift")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
    return str(version), "ok"


def runner(name: str, model_path: str | None = None) -> Callable[[bytes, str | None], str]:
    """The ``(bytes, url) -> text`` function of a system (blocksift with its model loaded, where given)."""
    if name == BLOCKSIFT:
        return blocksift_runner(model_path)
    return PEERS[name].run

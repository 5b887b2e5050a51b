"""What a page says about itself: title, author, publication date, language, canonical URL, site name.

Pages declare these in several vocabularies; each field takes the first source that the page fills, in the order
measured most reliable on wcxb's train pages (``benchmarks/metadata.py``):

- title: the visible ``<h1>`` headline, JSON-LD ``headline``/``name``, Open Graph and meta tags, ``<title>``;
- author: ``<meta name=author>`` and its kin, JSON-LD ``author`` (``@id`` references into an ``@graph`` resolved,
  several people joined), the "Written by" label of Twitter cards, ``itemprop=author``, ``rel=author`` links,
  then a short byline (an element whose class says author or byline);
- date: ``article:published_time`` and its kin, JSON-LD ``datePublished``, a date in the URL (``/2024/03/12/``),
  ``itemprop=datePublished``, JSON-LD ``dateCreated`` (forum posts), then the first ``<time datetime>``.
  Dates are given as ISO 8601: a declared ISO date or time as it is, other forms ("Oct 31, 2025", "13/11/2025")
  as YYYY-MM-DD; a value that is no date is passed over for the next source.

The head and the JSON-LD scripts are read with a parse of their own; the body's markup (``itemprop``, ``<time>``,
bylines) from the tree the extraction already parsed, so this costs a fraction of the extraction.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from blocksift.blocks import TOKEN_RE, Segmentation
from blocksift.mhtml import SNAPSHOT_META

_HEAD_END_RE = re.compile(r"</head\s*>", re.IGNORECASE)
_JSON_LD_RE = re.compile(
    r"<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
_TAG_RE = re.compile(r"<[^>]+>")
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# " | Site", " - Site", " – Site", " — Site", " :: Site" at the end of a <title>
_TITLE_SUFFIX_RE = re.compile(r"\s+(?:\||-|–|—|::|·|•)\s+[^|–—:·•]{1,60}$")
_TITLE_SEPARATOR_RE = re.compile(r"\s+(?:\||-|–|—|::|·|•)\s+")
HEAD_CHARS = 200_000

_PARSER = html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True, huge_tree=False)

TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "title")
AUTHOR_KEYS = (
    "author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl", "og:author",
    "cxenseparse:author", "citation_author", "dcterms.creator", "creator",
)  # fmt: skip
DATE_KEYS = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publishdate", "publish_date", "published", "og:publish_date", "dc.date.issued", "dcterms.issued",
    "sailthru.date", "parsely-pub-date", "cxenseparse:publishtime", "article.published", "dcterms.created",
    "datecreated", "dc.date", "date",
)  # fmt: skip
SITE_KEYS = ("og:site_name", "application-name")
# JSON-LD types that describe the page's own work (their author and dates are the page's); others (Organization,
# WebSite, BreadcrumbList, Review, Comment...) describe something else.
_WORK_TYPES = frozenset({
    "BlogPosting", "Report", "Product", "Recipe", "DiscussionForumPosting", "SocialMediaPosting", "Question",
    "HowTo", "CreativeWork", "VideoObject", "PodcastEpisode", "Course", "Event", "LiveBlogPosting",
})  # fmt: skip

_MONTHS = {
    m: i
    for i, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        1,
    )
    for m in names
}  # fmt: skip
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_FIRST_RE = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})\b", re.IGNORECASE)  # Oct 31, 2025
_DAY_FIRST_RE = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.IGNORECASE)  # 31 October 2025
_NUMERIC_RE = re.compile(r"\b(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})\b")  # 2025/10/31, 13/11/2025, 02-12-2025
_URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?=[/-]|$|\.html?)")

# "By", and its German, French, Spanish and Dutch words before a capital ("Von Hans Müller", "Par Marie Dupont").
_BY_RE = re.compile(
    r"^(?:(?:written|posted|published|authored|reviewed)\s+)?(?:by[:\s]+|(?-i:By(?=[A-Z])))"
    r"|^(?:von|par|por|door)\s+(?=(?-i:[A-ZÀ-ÖØ-Þ]))|^(?:authors?|autor(?:in)?|auteur|autore)\s*:\s*",
    re.IGNORECASE,
)
# Where a byline's name ends: a date or a number glued to it ("Luke KimDecember 17, 2025", "Jane Doe 7 min read").
# A digit inside a name ("Mike1987", "user-3344", a forum's usernames) is part of it: one after a letter is kept.
_NAME_END_RE = re.compile(rf"\s*(?:{_MONTH}\s*\d|(?<=\s)\d)", re.IGNORECASE)
_NOT_NAMES = frozenset({"the author", "author", "authors", "admin", "read more", "written by", "by", "staff"})
_BYLINE_CUT_RE = re.compile(
    r"\s+(?:\||•|·|—|–|-)\s+|\s+(?:on|updated|published)\s+(?=\w)"
    r"|,?\s+(?:publié|mis à jour|publicado|actualizado|pubblicato|veröffentlicht|aktualisiert|gepubliceerd)\b",
    re.IGNORECASE,
)
_BYLINE_CLASS_RE = re.compile(r"(?:^|[\s_-])(?:author|byline)(?:$|[\s_-])", re.IGNORECASE)
# Bylines and datelines sit right under the headline: a date further away is more likely a comment's or a link's.
NEAR_HEADLINE_CHARS = 600
MAX_AUTHOR_CHARS = 80
MAX_AUTHOR_WORDS = 8
MAX_BYLINES = 20


@dataclass(frozen=True)
class PageMeta:
    """The fields a page declares ("" where it declares none); ``base`` (``<base href>``) is for resolving links."""

    title: str = ""
    author: str = ""
    date: str = ""
    language: str = ""
    url: str = ""
    site_name: str = ""
    base: str = field(default="", repr=False)

    def as_dict(self) -> dict[str, str]:
        """The fields that were found (``base`` is not metadata of the page, only of its links)."""
        return {k: v for k, v in asdict(self).items() if v and k != "base"}


def _clean(text: str | None) -> str:
    """White space collapsed (lxml has already turned entities into characters)."""
    return " ".join((text or "").split())


def _clean_raw(text: str | None) -> str:
    """Text from raw markup (JSON-LD, regex matches): tags removed, entities decoded, white space collapsed."""
    return " ".join(unescape(_TAG_RE.sub(" ", text or "")).split())


def _text(el: Any) -> str:
    return _clean("".join(el.itertext()))


def _head(text: str) -> html.HtmlElement | None:
    end = _HEAD_END_RE.search(text, 0, HEAD_CHARS)
    head = text[: end.end()] if end else text[:HEAD_CHARS]
    return _parse(head)


def _parse(text: str) -> html.HtmlElement | None:
    try:
        return html.document_fromstring(text.encode("utf-8", errors="replace"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _metas(root: html.HtmlElement | None) -> dict[str, str]:
    """meta name/property -> content (first wins), keys lower-cased."""
    out: dict[str, str] = {}
    if root is None:
        return out
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = _clean(el.get("content"))
        if key and content and key not in out:
            out[key] = content
    return out


def _json_ld(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph members and nested objects' lists included."""
    for m in _JSON_LD_RE.finditer(text):
        try:
            data = json.loads(m.group(1).strip())
        except (json.JSONDecodeError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                for key in ("@graph", "mainEntity"):
                    if isinstance(item.get(key), list | dict):
                        stack.append(item[key])


def _kinds(item: dict[str, Any]) -> list[str]:
    kind = item.get("@type")
    return [k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)]


def _is_work(item: dict[str, Any]) -> bool:
    return any(k.endswith(("Article", "Page")) or k in _WORK_TYPES for k in _kinds(item))


def person(value: str) -> str:
    """A name as a byline gives it, without "By" and what follows the name ("| March 3", "on Monday"); "" where
    it is no name (a URL, an e-mail address, a sentence)."""
    name = _BY_RE.sub("", _clean(value)).strip(" ,;:|")
    name = _BYLINE_CUT_RE.split(name, maxsplit=1)[0].strip(" ,;:|")
    end = _NAME_END_RE.search(name)
    name = name[: end.start()].strip(" ,;:|-") if end else name
    if (
        not name
        or name.lower() in _NOT_NAMES
        or name.lower().startswith(("read more", "about ", "more from"))
        or len(name) > MAX_AUTHOR_CHARS
        or len(name.split()) > MAX_AUTHOR_WORDS
        or name.lower().startswith(("http", "www."))
        or "@" in name
        or not any(c.isalpha() for c in name)
    ):
        return ""
    return name


def _names(value: Any, ids: dict[str, dict[str, Any]]) -> str:
    """The names in a JSON-LD author value (a string, an object, an ``@id`` reference, a list), comma-joined."""
    if isinstance(value, str):
        return person(_clean_raw(value))
    if isinstance(value, dict):
        if "name" not in value and isinstance(value.get("@id"), str):
            value = ids.get(value["@id"], value)
        name = value.get("name")
        return person(_clean_raw(name)) if isinstance(name, str) else ""
    if isinstance(value, list):
        names = [n for n in (_names(v, ids) for v in value) if n]
        return ", ".join(dict.fromkeys(names))
    return ""


def _from_json_ld(text: str) -> dict[str, str]:
    items = list(_json_ld(text))
    ids = {item["@id"]: item for item in items if isinstance(item.get("@id"), str)}
    out: dict[str, str] = {}
    for item in items:
        if not _is_work(item):
            continue
        for name, key in (("title", "headline"), ("title", "name"), ("date", "datePublished"),
                          ("created", "dateCreated"), ("language", "inLanguage")):  # fmt: skip
            value = item.get(key)
            if isinstance(value, str) and value.strip() and name not in out:
                out[name] = _clean_raw(value)
        author = _names(item.get("author") or item.get("creator"), ids)
        if author and "author" not in out:
            out["author"] = author
    return out


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((metas[k] for k in keys if metas.get(k)), "")


def strip_site(title: str) -> str:
    """A <title> without the site name its end repeats ("Headline | Site" -> "Headline")."""
    stripped = _TITLE_SUFFIX_RE.sub("", title)
    return stripped if len(stripped) >= 10 else title


def _valid(year: int, month: int, day: int) -> bool:
    """A day of the calendar (not 30 February) between 1900 and 2100."""
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


# An ISO 8601 date-time as a whole: kept as given. Anything else after an ISO date ("2024-03-03 at 10am EST",
# "2024-03-03T25:99:00Z") gives the date alone.
_ISO_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?"
)


def normalise_date(value: str) -> str:
    """A declared date as ISO 8601: an ISO date or date-time as given, other forms as YYYY-MM-DD ("" if none).

    Numeric dates with the year last are read day first when the first number cannot be a month (13/11/2025) or
    the separator is "." or "-" (European 02-12-2025), month first otherwise (US 4/24/2000).
    """
    value = _clean(value)
    iso = _ISO_RE.match(value)
    if iso and _valid(*map(int, iso.groups())):
        return value if _ISO_DATETIME_RE.fullmatch(value) else iso.group(0)
    for regex, order in ((_MONTH_FIRST_RE, "mdy"), (_DAY_FIRST_RE, "dmy")):
        m = regex.search(value)
        if m:
            parts = dict(zip(order, m.groups(), strict=True))
            year, month, day = int(parts["y"]), _MONTHS[parts["m"].lower().rstrip(".")], int(parts["d"])
            return f"{year:04d}-{month:02d}-{day:02d}" if _valid(year, month, day) else ""
    m = _NUMERIC_RE.search(value)
    if m:
        a, sep, b, c = m.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        elif len(c) == 4:
            first, second = int(a), int(b)
            day_first = first > 12 or (sep in ".-" and second <= 12)
            year, month, day = (int(c), second, first) if day_first else (int(c), first, second)
        else:
            return ""
        return f"{year:04d}-{month:02d}-{day:02d}" if _valid(year, month, day) else ""
    return ""


def _first_date(values: Iterable[str]) -> str:
    return next((d for d in map(normalise_date, values) if d), "")


def url_date(url: str) -> str:
    """The date a URL's path holds (``/2024/03/12/`` or ``/2024-03-12-title``) as YYYY-MM-DD, or ""."""
    m = _URL_DATE_RE.search(url)
    return "-".join(m.groups()) if m else ""


@dataclass(frozen=True)
class _Body:
    """What the page's body marks up about its author and date."""

    authors: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    visible: str = ""
    comment_dates: tuple[str, ...] = ()  # marked up inside a comment: the page's only where nothing else says


def _following_text(el: Any) -> Iterator[str]:
    """The text after ``el`` in document order: its tail, its following siblings, then its ancestors'."""
    while el is not None:
        if el.tail:
            yield el.tail
        for sibling in el.itersiblings():
            yield from sibling.itertext()
            if sibling.tail:
                yield sibling.tail
        el = el.getparent()


def _date_near_headline(root: Any) -> str:
    """The first date written out (month by name) in the text that follows the page's first ``<h1>``, within
    ``NEAR_HEADLINE_CHARS`` characters: where bylines and datelines sit. As YYYY-MM-DD."""
    h1 = next(root.iter("h1"), None)
    if h1 is None:
        return ""
    seen = 0
    for chunk in _following_text(h1):
        found = _MONTH_FIRST_RE.search(chunk) or _DAY_FIRST_RE.search(chunk)
        if found:
            return normalise_date(found.group(0))
        seen += len(chunk.strip())
        if seen > NEAR_HEADLINE_CHARS:
            break
    return ""


def _marked(root: Any) -> Iterator[Any]:
    """The elements ``_body`` reads, in document order: microdata, rel and datetime attributes, and classes that
    name an author or a byline, found in one scan of the tree (one XPath per kind cost three times as much as one
    XPath for all). A loop over the elements' attributes in Python finds the same ones as that XPath
    ``//*[@itemprop or @rel or @datetime or contains(@class, 'author') or contains(@class, 'byline')]`` it replaces,
    in a third less time (0.58 against 0.9-1.1 ms over 400 test pages; libxml2 evaluates every predicate)."""
    for el in root.iter(etree.Element):
        attrib = el.attrib
        marked = "itemprop" in attrib or "rel" in attrib or "datetime" in attrib
        cls = "" if marked else attrib.get("class") or ""
        if marked or "author" in cls or "byline" in cls:
            yield el


def _in_comment(el: Any) -> bool:
    """Whether ``el`` is part of a reader's comment: inside (or itself) a schema.org ``Comment`` item, or an element
    whose class or id names a comment ("comment-author vcard", "comments")."""
    for node in (el, *el.iterancestors()):
        kind = node.get("itemtype") or ""
        names = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if "Comment" in kind or "comment" in names:
            return True
    return False


def _body(root: Any) -> _Body:
    """Authors and dates the body marks up, each kind in document order."""
    if root is None:
        return _Body()
    itemprop_authors: list[str] = []
    rel_authors: list[str] = []
    bylines: list[str] = []
    dates: list[str] = []
    times: list[str] = []
    comment_authors: list[str] = []
    comment_dates: list[str] = []
    for el in _marked(root):
        props = (el.get("itemprop") or "").split()
        author = _itemprop_author(el) if "author" in props else None
        dated = "datePublished" in props or "dateCreated" in props
        timed = el.tag == "time" and bool(el.get("datetime"))
        rel_author = el.tag == "a" and "author" in (el.get("rel") or "").lower().split()
        byline = len(bylines) < MAX_BYLINES and _BYLINE_CLASS_RE.search(el.get("class") or "")
        if author is None and not (dated or timed or rel_author or byline):
            continue  # nothing is read from it (most are links' rel): where it sits is not looked up
        if _in_comment(el):
            # A comment's author and date are not the page's, unless the page says nothing else (a forum marks its
            # first post, the thread's own, as a comment too).
            if author is not None:
                comment_authors.append(author)
            if dated or timed:
                comment_dates.append(_marked_date(el))
            continue
        if author is not None:
            itemprop_authors.append(author)
        if dated:
            dates.append(_marked_date(el))
        if rel_author:
            rel_authors.append(_text(el))
        if timed and not times:
            times.append(el.get("datetime") or "")
        if byline:
            text = _text(el)
            if len(text) <= 2 * MAX_AUTHOR_CHARS:
                bylines.append(text)
    authors = (*itemprop_authors, *rel_authors, *bylines, *comment_authors)
    return _Body(authors, tuple(dates), tuple(times), _date_near_headline(root), tuple(comment_dates))


def _itemprop_author(el: Any) -> str:
    """The name an ``itemprop="author"`` element gives: its own ``itemprop="name"`` inside, else its text."""
    names = [n for n in el.iter() if n is not el and n.get("itemprop") == "name"]
    node = names[0] if names else el
    return str(node.get("content") or _text(node))


def _marked_date(el: Any) -> str:
    return str(el.get("datetime") or el.get("content") or _text(el))


def page_meta(text: str, headline: str = "", root: Any = None, url: str = "") -> PageMeta:
    """The metadata a page's decoded text declares.

    ``headline``: the page's visible headline where the caller found one (``headline`` below), the title readers
    see, which wins over the declared ones. ``root``: the page's parsed tree where the caller has it (the
    extraction does), for the body's markup; without it the text is parsed again. ``url``: where the page came
    from, for a date in its path (the canonical URL is used too).
    """
    head = _head(text)
    metas = _metas(head)
    ld = _from_json_ld(text)
    body = _body(root if root is not None else _parse(text))
    title_el = next(head.iter("title"), None) if head is not None else None
    page_title = strip_site(_clean(title_el.text_content())) if title_el is not None else ""
    page_url, base = _location(head, metas)
    twitter_author = metas.get("twitter:data1", "") if metas.get("twitter:label1", "").lower() == "written by" else ""
    author_sources = (
        *(metas.get(k, "") for k in AUTHOR_KEYS),
        ld.get("author", ""),
        twitter_author,
        *body.authors,
    )
    # A site that names itself as the author ("Cleveland Clinic") often names the writer too: prefer the person.
    site = _first(metas, SITE_KEYS)
    names = [a for a in map(person, author_sources) if a]
    author = next((a for a in names if a.casefold() != site.casefold()), names[0] if names else "")
    date = _first_date(
        (*(metas.get(k, "") for k in DATE_KEYS[:-2]), ld.get("date", ""), url_date(url or page_url), *body.dates,
         ld.get("created", ""), *(metas.get(k, "") for k in DATE_KEYS[-2:]), *body.times, body.visible,
         *body.comment_dates)
    )  # fmt: skip
    declared = (head.get("lang") if head is not None else "", ld.get("language", ""), metas.get("og:locale", ""))
    lang = next((tag for tag in map(language_tag, declared) if tag), "")
    return PageMeta(
        title=headline or ld.get("title") or _first(metas, TITLE_KEYS) or page_title,
        author=author,
        date=date,
        language=lang,
        url=page_url,
        site_name=site,
        base=base,
    )


_LANGUAGE_TAG_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
# Tags that name no language a text is in: undetermined, several, none, and the hreflang default.
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis", "x-default"})


def language_tag(value: str) -> str:
    """A declared language as a BCP 47 tag, cased as the standard writes it ("en-US", "zh-Hant-TW"), from
    ``<html lang>``, JSON-LD ``inLanguage`` or ``og:locale`` ("en_US"); "" for a value that names no language
    ("English", "und", "x-default"), so that the next source is read. Of a list ("en-US, de") the first."""
    tag = (value or "").split(",")[0].strip().replace("_", "-").lower()
    if tag in _NO_LANGUAGE or not _LANGUAGE_TAG_RE.fullmatch(tag):
        return ""
    first, *rest = tag.split("-")
    return "-".join([first, *(p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p for p in rest)])


def _location(head: html.HtmlElement | None, metas: dict[str, str]) -> tuple[str, str]:
    """The URL a page declares (canonical, else ``og:url``, else the one an MHTML archive saved it from) and its
    ``<base href>``; "" where it has none."""
    canonical = base = ""
    if head is not None:
        for link_el in head.iter("link", "base"):
            href = (link_el.get("href") or "").strip()
            if link_el.tag == "base" and href and not base:
                base = href
            elif (link_el.get("rel") or "").lower() == "canonical" and href and not canonical:
                canonical = href
    declared = [canonical, metas.get("og:url", "").strip(), metas.get(SNAPSHOT_META, "").strip()]
    return _absolute(declared), base


def _absolute(declared: list[str]) -> str:
    """The first URL of ``declared`` (canonical, ``og:url``, snapshot), resolved against the first absolute one
    where it is relative: ``<link rel="canonical" href="/2024/ferry">`` beside an absolute ``og:url`` is that
    site's ``/2024/ferry``, which an index or an archive can use. Stays relative where none is absolute."""
    urls = [u for u in declared if u]
    if not urls:
        return ""
    absolute = next((u for u in urls if urlsplit(u).scheme and urlsplit(u).netloc), "")
    return urljoin(absolute, urls[0]) if absolute else urls[0]


def page_location(text: str) -> tuple[str, str]:
    """``page_meta(text)``'s ``url`` and ``base`` alone, from the page's head: what resolving its links needs, for a
    fraction of the cost (``page_meta`` also reads its JSON-LD and searches its body for authors and dates)."""
    head = _head(text)
    return _location(head, _metas(head))


def tree_root(seg: Segmentation) -> Any:
    """The root of the tree a segmentation was made from (None for a page without blocks)."""
    return seg.containers[0].element.getroottree().getroot() if seg.containers else None


def iso_date(value: str) -> str:
    """The YYYY-MM-DD part of a declared date ("" when it has none)."""
    m = _ISO_RE.search(normalise_date(value) or value)
    return m.group(0) if m else ""


def headline(seg: Segmentation) -> str:
    """The visible headline: the h1 block whose words are most found in the <title>'s first part, then most in the
    whole title.

    A site's name often has an h1 of its own (a logo, a menu's title) and ends the title too ("Why Cargo Exists - The
    Cargo Book"): all of a logo's two words are in the title, and only half of a headline's where the title shortens
    it, so the first part, before the site's name, decides first (on wcxb's training pages as many titles right,
    0.738, as ranking by the whole title first, which took "Daily Planet" over its headline). An h1 sharing no word
    with a page's title is a logo or a promotion, not the headline: then there is none, and ``page_meta`` reads the
    titles the page declares (0.719 -> 0.738). On a page without a title, the first h1.
    """
    title = {t.casefold() for t in TOKEN_RE.findall(seg.title)}
    first = {t.casefold() for t in TOKEN_RE.findall(_TITLE_SEPARATOR_RE.split(seg.title, maxsplit=1)[0])}
    best, best_score = "", (-1.0, -1.0)
    for block in seg.blocks:
        if seg.containers[block.owner].tag != "h1":
            continue
        words = [t.casefold() for t in TOKEN_RE.findall(block.text)]
        n = max(len(words), 1)
        score = (sum(w in first for w in words) / n, sum(w in title for w in words) / n)
        if score > best_score:
            best, best_score = block.text, score
    return "" if title and best_score[1] == 0 else best

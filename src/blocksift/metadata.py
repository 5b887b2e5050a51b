"""What a page says about itself: title, author, publication date, language, canonical URL, site name.

Pages declare these in several vocabularies; each field takes the first that the page fills, most specific first:
JSON-LD (schema.org ``headline``, ``author``, ``datePublished``, ``inLanguage``), Open Graph and article meta tags,
plain meta tags (``author``, ``date``, Dublin Core), then markup (``<html lang>``, ``<link rel=canonical>``,
``<time datetime>``, ``rel=author``). Only the head of the page and its JSON-LD scripts are read, with a parse of
their own, so this costs a fraction of the extraction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from html import unescape
from typing import Any

from lxml import etree, html

from blocksift.blocks import TOKEN_RE, Segmentation

_HEAD_END_RE = re.compile(r"</head\s*>", re.IGNORECASE)
_JSON_LD_RE = re.compile(
    r"<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
_TIME_RE = re.compile(r"<time[^>]*\sdatetime\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_AUTHOR_LINK_RE = re.compile(r"<a[^>]*\srel\s*=\s*[\"']author[\"'][^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# " | Site", " - Site", " – Site", " — Site", " :: Site" at the end of a <title>
_TITLE_SUFFIX_RE = re.compile(r"\s+(?:\||-|–|—|::|·|•)\s+[^|–—:·•]{1,60}$")
HEAD_CHARS = 200_000

_PARSER = html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True, huge_tree=False)

TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "title")
AUTHOR_KEYS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "date", "pubdate", "publishdate",
    "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date", "article.published", "dcterms.created",
)  # fmt: skip
SITE_KEYS = ("og:site_name", "application-name")


@dataclass(frozen=True)
class PageMeta:
    """The fields a page declares ("" where it declares none)."""

    title: str = ""
    author: str = ""
    date: str = ""
    language: str = ""
    url: str = ""
    site_name: str = ""

    def as_dict(self) -> dict[str, str]:
        """The fields that were found."""
        return {k: v for k, v in asdict(self).items() if v}


def _clean(text: str | None) -> str:
    """White space collapsed (lxml has already turned entities into characters)."""
    return " ".join((text or "").split())


def _clean_raw(text: str | None) -> str:
    """Text from raw markup (JSON-LD, regex matches): tags removed, entities decoded, white space collapsed."""
    return " ".join(unescape(_TAG_RE.sub(" ", text or "")).split())


def _head(text: str) -> html.HtmlElement | None:
    end = _HEAD_END_RE.search(text, 0, HEAD_CHARS)
    head = text[: end.end()] if end else text[:HEAD_CHARS]
    try:
        return html.document_fromstring(head.encode("utf-8", errors="replace"), parser=_PARSER)
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
    """Every JSON-LD object of the page, @graph members included."""
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
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _name(value: Any) -> str:
    """A person's or organisation's name from a JSON-LD value (string, object or list)."""
    if isinstance(value, str):
        return _clean_raw(value)
    if isinstance(value, dict):
        return _clean_raw(str(value.get("name") or ""))
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names))
    return ""


def _from_json_ld(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _json_ld(text):
        kind = item.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(isinstance(k, str) and (k.endswith("Article") or k in ("BlogPosting", "WebPage", "Report",
                                                                          "NewsArticle", "Product", "Recipe"))
                   for k in kinds):  # fmt: skip
            continue
        for field, key in (("title", "headline"), ("title", "name"), ("date", "datePublished"),
                           ("language", "inLanguage")):  # fmt: skip
            value = item.get(key)
            if isinstance(value, str) and value.strip() and field not in out:
                out[field] = _clean_raw(value)
        author = _name(item.get("author"))
        if author and "author" not in out:
            out["author"] = author
    return out


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((metas[k] for k in keys if metas.get(k)), "")


def strip_site(title: str) -> str:
    """A <title> without the site name its end repeats ("Headline | Site" -> "Headline")."""
    stripped = _TITLE_SUFFIX_RE.sub("", title)
    return stripped if len(stripped) >= 10 else title


def page_meta(text: str, headline: str = "") -> PageMeta:
    """The metadata a page's decoded text declares; ``headline``, the page's visible headline where the caller
    found one (``headline`` below), is the title readers see and wins over the declared ones."""
    root = _head(text)
    metas = _metas(root)
    ld = _from_json_ld(text)
    title_el = next(root.iter("title"), None) if root is not None else None
    page_title = strip_site(_clean(title_el.text_content())) if title_el is not None else ""
    title = headline or ld.get("title") or _first(metas, TITLE_KEYS) or page_title
    author = ld.get("author") or _first(metas, AUTHOR_KEYS)
    if not author:
        link = _AUTHOR_LINK_RE.search(text)
        author = _clean_raw(link.group(1)) if link else ""
    date = ld.get("date") or _first(metas, DATE_KEYS)
    if not date:
        found = _TIME_RE.search(text)
        date = found.group(1).strip() if found else ""
    lang = ld.get("language") or (root.get("lang") if root is not None else "") or metas.get("og:locale", "")
    canonical = ""
    if root is not None:
        for link_el in root.iter("link"):
            if (link_el.get("rel") or "").lower() == "canonical" and link_el.get("href"):
                canonical = link_el.get("href", "").strip()
                break
    return PageMeta(
        title=title,
        author=author if not author.startswith("http") else "",
        date=date,
        language=(lang or "").strip().replace("_", "-"),
        url=canonical or metas.get("og:url", ""),
        site_name=_first(metas, SITE_KEYS),
    )


def iso_date(value: str) -> str:
    """The YYYY-MM-DD part of a declared date ("" when it has none)."""
    m = _DATE_RE.search(value)
    return m.group(0) if m else ""


def headline(seg: Segmentation) -> str:
    """The visible headline: the h1 block sharing most words with the <title> (the first h1 if none does)."""
    title = {t.casefold() for t in TOKEN_RE.findall(seg.title)}
    best, best_score = "", -1.0
    for block in seg.blocks:
        if seg.containers[block.owner].tag != "h1":
            continue
        words = [t.casefold() for t in TOKEN_RE.findall(block.text)]
        score = sum(w in title for w in words) / max(len(words), 1)
        if score > best_score:
            best, best_score = block.text, score
    return best

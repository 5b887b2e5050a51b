"""Check that datasets/sample is consistent: meta records, encodings, and gold text the page really shows.

Run from anywhere: ``python datasets/check_sample.py`` (exit 0 when every check passes, 1 otherwise).

The central check is the one the gold promises: every gold line's ``\\w+`` tokens occur as one contiguous
run in the page's visible text, and the lines occur in the page in the order the gold gives them, so an
extractor that returns exactly the right blocks scores 1.0. Pages are decoded as the README says a careful
reader should: the declared charset (``<meta charset>`` or ``<meta http-equiv="Content-Type">``), else
strict UTF-8. It needs only lxml, so it runs before the package is installed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent / "sample"
SPLITS = frozenset({"train", "test"})
PAGE_TYPES = frozenset({"article", "forum", "product", "listing", "documentation", "service", "collection"})
FIELDS = ("id", "split", "page_type", "lang", "title", "url", "encoding", "charset_declared")
MIN_BYTES, MAX_BYTES = 4 * 1024, 25 * 1024  # the sample's brief: small enough to read in review
TOKEN = re.compile(r"\w+")
META_CHARSET = re.compile(rb"""<meta\s[^>]*charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
HTTP_EQUIV = re.compile(rb"""<meta\s[^>]*http-equiv\s*=\s*["']?content-type""", re.IGNORECASE)
INVISIBLE = frozenset({"script", "style", "noscript", "template", "head"})
INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "cite",
        "code",
        "data",
        "del",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "label",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    }
)


def declared_charset(raw: bytes) -> tuple[str | None, str]:
    """The charset named in the first 4 KB and where it was named: 'meta charset', 'http-equiv' or 'none'."""
    head = raw[:4096]
    match = META_CHARSET.search(head)
    if match is None:
        return None, "none"
    tag_start = head.rfind(b"<", 0, match.end())
    tag = head[tag_start : head.find(b">", match.end()) + 1]
    where = "http-equiv" if HTTP_EQUIV.search(tag) else "meta charset"
    return match.group(1).decode("ascii").lower(), where


def decode(raw: bytes) -> str:
    """Decode with the declared charset, else strict UTF-8 (our pages have no other case)."""
    charset, _ = declared_charset(raw)
    return raw.decode(charset or "utf-8")


def visible_tokens(html: str) -> list[str]:
    """The ``\\w+`` tokens of the body's text as a browser would lay it out (block boundaries split words)."""
    parts: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is not None and tag not in INVISIBLE:
            block = tag not in INLINE
            parts.append(" " if block else "")
            parts.append(el.text or "")
            for child in el:
                walk(child)
            parts.append(" " if block else "")
        parts.append(el.tail or "")

    body = lxml.html.document_fromstring(html).find("body")
    if body is not None:
        walk(body)
    return TOKEN.findall("".join(parts))


def find_run(haystack: list[str], needle: list[str], start: int) -> int:
    """Index of the first occurrence of ``needle`` in ``haystack`` at or after ``start``; -1 if none."""
    n = len(needle)
    for i in range(start, len(haystack) - n + 1):
        if haystack[i : i + n] == needle:
            return i
    return -1


def check_gold(pid: str, gold: str, tokens: list[str]) -> tuple[list[str], int]:
    """Problems with one page's gold against its visible tokens, and the number of gold tokens."""
    problems = []
    lines = gold.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pos = 0
    n_tokens = 0
    for lineno, line in enumerate(lines, 1):
        if not line or line != " ".join(line.split()):
            problems.append(f"{pid}: gold line {lineno} is empty or has uncollapsed whitespace")
        needle = TOKEN.findall(line)
        n_tokens += len(needle)
        hit = find_run(tokens, needle, pos)
        if hit < 0:
            where = "anywhere" if find_run(tokens, needle, 0) < 0 else "after the previous line"
            problems.append(f"{pid}: gold line {lineno} not found {where} in the visible text: {line[:60]!r}")
        else:
            pos = hit + len(needle)
    return problems, n_tokens


def h1_text(html: str) -> str:
    h1 = lxml.html.document_fromstring(html).find(".//h1")
    return "" if h1 is None else " ".join(h1.text_content().split())


def main() -> int:
    problems: list[str] = []
    records = [json.loads(line) for line in (ROOT / "meta.jsonl").read_text("utf-8").splitlines() if line]
    ids = [r.get("id") for r in records]
    if len(set(ids)) != len(ids):
        problems.append("meta.jsonl: duplicate ids")
    on_disk = {p.name.removesuffix(".html") for p in (ROOT / "html").glob("*.html")}
    if on_disk != set(ids):
        problems.append(f"html/ and meta.jsonl disagree: {sorted(on_disk ^ set(ids))}")

    header = ("id", "split", "type", "lang", "bytes", "charset", "gold tok", "of page")
    print("{:26} {:5} {:13} {:4} {:>6} {:26} {:>8} {:>7}".format(*header))
    for rec in records:
        pid = rec["id"]
        missing = [f for f in FIELDS if not rec.get(f)]
        if missing:
            problems.append(f"{pid}: meta lacks {missing}")
        if rec.get("split") not in SPLITS or rec.get("page_type") not in PAGE_TYPES:
            problems.append(f"{pid}: split must be one of {sorted(SPLITS)}, page_type one of {sorted(PAGE_TYPES)}")
        raw = (ROOT / "html" / f"{pid}.html").read_bytes()
        if not MIN_BYTES <= len(raw) <= MAX_BYTES:
            problems.append(f"{pid}: {len(raw)} bytes, outside {MIN_BYTES}-{MAX_BYTES}")
        charset, where = declared_charset(raw)
        if where != rec.get("charset_declared") or (charset or "utf-8") != rec.get("encoding"):
            problems.append(
                f"{pid}: bytes declare {charset!r} by {where}; meta says {rec.get('encoding')!r}"
                f" by {rec.get('charset_declared')!r}"
            )
        try:
            html = decode(raw)
        except (UnicodeDecodeError, LookupError) as exc:
            problems.append(f"{pid}: cannot decode ({exc})")
            continue
        gold = (ROOT / "gold" / f"{pid}.txt").read_text("utf-8")
        first = gold.split("\n", 1)[0]
        # Tokens, not strings: a heading's permalink sign (Sphinx's pilcrow) is visible but not a word.
        if TOKEN.findall(first) != TOKEN.findall(h1_text(html)) or first != rec.get("title"):
            problems.append(f"{pid}: the gold's first line must be the page's H1 and the meta title")
        tokens = visible_tokens(html)
        page_problems, n_gold = check_gold(pid, gold, tokens)
        problems.extend(page_problems)
        print(
            f"{pid:26} {rec['split']:5} {rec['page_type']:13} {rec['lang']:4} {len(raw):6} "
            f"{(charset or 'undeclared') + ' (' + where + ')':26} {n_gold:8} {n_gold / len(tokens):7.0%}"
        )

    for problem in problems:
        print("FAIL", problem, file=sys.stderr)
    n_train = sum(r.get("split") == "train" for r in records)
    print(
        f"{len(records)} pages ({n_train} train, {len(records) - n_train} test): "
        + ("all checks passed" if not problems else f"{len(problems)} problems")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

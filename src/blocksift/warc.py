"""WARC files in: the HTML pages of a web crawl, one source per record, read as a stream.

``read_warc`` yields the HTML responses of a WARC file (``.warc``, or compressed per record with gzip, zstd or lz4,
as Common Crawl's ``.warc.gz`` are) one record at a time, so a file of any size takes the memory of one page. It reads
with FastWARC (a Rust parser: several times faster than warcio, and a small wheel for Python 3.11). Records that are
not HTML pages are skipped and counted: requests, metadata, revisits; responses whose status is not 2xx (redirects
and error pages hold no content of their own); bodies that are neither ``text/html`` nor XHTML (nor untyped bodies
that start like HTML). A record that cannot be read (truncated, larger than the page limit, corrupt) becomes one
error item and the file goes on: after corrupt bytes the reader looks for the next record (the next gzip member, or
the next ``WARC/1.x`` line) and reports the bytes it skipped as one error. A page record just before such bytes is
checked against its ``WARC-Block-Digest``: a wrong Content-Length cuts its body short or runs it into the next
record, and where the digest says so the page is an error too, not a wrong text.

The HTTP header's charset is used to decode the page (``decode_payload``), as a browser does, except where it cannot
be right: valid UTF-8 stays UTF-8 (a server's default ``ISO-8859-1`` label is the classic mislabel), and a Latin-1
label does not override a charset that the page itself declares.

``warc_page_record`` is the JSON object of one extracted record; the Spark job (``blocksift.spark``) writes the same
fields, so the single-machine and the cluster output of a crawl are the same page for page.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blocksift.extraction import Extraction

WARC_SUFFIXES = (".warc", ".warc.gz", ".warc.zst", ".warc.lz4")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Untyped or generically typed bodies count as HTML when they start like it.
GENERIC_TYPES = ("", "application/octet-stream", "unknown/unknown", "text/plain")
HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--")
# Where a record starts after corrupt bytes, by the file's first bytes: a compressed member, or a WARC version line.
MEMBER_MAGIC = {b"\x1f\x8b": b"\x1f\x8b\x08", b"\x28\xb5": b"\x28\xb5\x2f\xfd", b"\x04\x22": b"\x04\x22\x4d\x18"}
PLAIN_MAGIC = b"WARC/1."
SCAN_CHUNK = 1 << 20
# A block digest that FastWARC checks: an algorithm it knows, the value in upper-case base32 or in hex.
CHECKABLE_DIGEST = re.compile(r"(?i:sha1|md5|sha256|sha512):([A-Z2-7]+=*|[0-9a-fA-F]+)")
DIGEST_MISMATCH = (
    "the WARC record's block does not match its WARC-Block-Digest: a wrong Content-Length or damaged data, so its "
    "body would be cut short or run into the next record"
)
# Page-level metadata that a WARC record's own fields replace: the record's URL and capture date come first, the
# page's declared canonical URL and publication date keep their values under these names.
RENAMED = {"url": "canonical_url", "date": "published"}
# The columns of a record's result, in order (the Spark job's schema has the same ones, plus ``error``).
RECORD_FIELDS = (
    "source", "url", "record_id", "date", "truncated", "title", "author", "published", "language", "canonical_url",
    "site_name", "content_chars", "page_chars", "kept_share", "blocks", "content_blocks", "text",
)  # fmt: skip


def is_warc(path: str | Path) -> bool:
    """True for a file named like a WARC (``.warc``, ``.warc.gz``, ``.warc.zst``, ``.warc.lz4``)."""
    return str(path).lower().endswith(WARC_SUFFIXES)


@dataclass(frozen=True)
class WarcPage:
    """Where an HTML page came from in a crawl: its URL, WARC-Record-ID, capture date, and the HTTP charset."""

    url: str
    record_id: str
    date: str
    charset: str | None = None
    # Why the crawler cut the record short (its WARC-Truncated header: "length", "time", ...); "" for a whole one.
    # Common Crawl cuts pages at 1 MiB: their text is the page's beginning, which a corpus may want to leave out.
    truncated: str = ""


@dataclass(frozen=True)
class WarcItem:
    """One item of a WARC file: an HTML page (``page`` and ``data``), or the ``error`` that stopped a record."""

    name: str
    page: WarcPage | None = None
    data: bytes | None = None
    error: str | None = None


@dataclass
class WarcStats:
    """What the readers saw: records read as pages, and records skipped with the reason."""

    pages: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """``"12 records skipped (not HTML: 10, status not 2xx: 2)"``, or "" when none was."""
        total = sum(self.skipped.values())
        if not total:
            return ""
        reasons = ", ".join(f"{why}: {n:,}" for why, n in self.skipped.most_common())
        return f"{total:,} WARC records skipped ({reasons})"


def _html_type(content_type: str | None, head: bytes) -> bool:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in HTML_TYPES:
        return True
    start = head.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()  # a byte-order mark before the markup
    return mime in GENERIC_TYPES and start[:16].lower().startswith(HTML_STARTS)


def _skip_reason(record: Any) -> str | None:
    """Why ``record`` is not an HTML page (before its body is read), or None. Every record of the file comes here,
    so that each one skipped is counted by why: a request, metadata or revisit record, one whose WARC header could
    not be read (its type unknown: header lines ending in a bare LF), a response that is not an HTML page."""
    from fastwarc.warc import WarcRecordType

    kind = record.record_type
    if kind not in (WarcRecordType.response, WarcRecordType.resource):
        return "unreadable WARC header" if kind == WarcRecordType.unknown else f"{kind} record"
    if kind == WarcRecordType.response:
        if not record.is_http:
            return "not HTTP"
        status = record.http_headers.status_code
        if status is None or not 200 <= status < 300:
            return "status not 2xx"
    return None


def _content_type(record: Any) -> str | None:
    from fastwarc.warc import WarcRecordType

    if record.record_type == WarcRecordType.response:
        return record.http_content_type
    return record.headers.get("Content-Type")


def _charset(record: Any) -> str | None:
    from fastwarc.warc import WarcRecordType

    if record.record_type == WarcRecordType.response:
        return record.http_charset
    params = (record.headers.get("Content-Type") or "").split(";")[1:]
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _encoded(record: Any) -> bool:
    """True where the body was content- or transfer-encoded (its decoded length is not the header's)."""
    headers = record.http_headers if record.is_http else None
    return headers is not None and bool(headers.get("Content-Encoding") or headers.get("Transfer-Encoding"))


def _content_encoding(record: Any) -> str:
    headers = record.http_headers if record.is_http else None
    return ((headers.get("Content-Encoding") if headers is not None else None) or "").strip().lower()


def _decode_content(raw: bytes, encoding: str, max_bytes: int) -> bytes:
    """An HTTP body without its content encoding (at most ``max_bytes + 1`` bytes of it); ValueError says why it
    cannot be read: an encoding no browser sends, damaged or truncated data. Decoded here rather than by FastWARC,
    whose decoding of a gzip body sent in chunks ended the file after that record, every later one unread."""
    import zlib

    if encoding in ("", "identity", "none"):
        return raw
    if encoding in ("gzip", "x-gzip", "deflate"):
        # gzip or zlib by their headers (wbits 47); a raw deflate stream, which browsers also take, else
        for wbits in (47, -15) if encoding == "deflate" else (47,):
            inflater = zlib.decompressobj(wbits=wbits)
            try:
                body = inflater.decompress(raw, max_bytes + 1)
            except zlib.error as exc:
                if wbits == 47 and encoding == "deflate":
                    continue
                raise ValueError(f"its {encoding} body is damaged ({exc})") from exc
            if not inflater.eof and len(body) <= max_bytes:
                raise ValueError(f"its {encoding} body is truncated ({len(raw):,} bytes of compressed data)")
            return body
    if encoding in ("br", "zstd"):
        import io

        from fastwarc.stream_io import BrotliReader, ZstdReader

        reader = (BrotliReader if encoding == "br" else ZstdReader)(io.BytesIO(raw))
        try:
            return bytes(reader.read(max_bytes + 1))
        except OSError as exc:
            raise ValueError(f"its {encoding} body is damaged ({exc})") from exc
    raise ValueError(f"its content encoding {encoding!r} is none that browsers read")


def _block_intact(fh: IO[bytes], offset: int) -> bool:
    """False where the record at ``offset`` has a ``WARC-Block-Digest`` that FastWARC can check (an algorithm it
    knows, in upper-case base32 or hex) and its block does not match it. Asked only of a page record followed by
    bytes that are no record: a wrong Content-Length cuts the body short or runs it into the next record's header,
    and only the bytes after it were reported. Reading the record again there costs nothing on a sound file; a
    digest check of every record cost 0.5 ms a page (SHA-1 of its bytes)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    try:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh, record_types=WarcRecordType.any_type, parse_http=False)), None)
        if record is None or not CHECKABLE_DIGEST.fullmatch((record.headers.get("WARC-Block-Digest") or "").strip()):
            return True
        return bool(record.verify_block_digest(consume=False))
    except OSError:  # the record cannot be read again: nothing says it is wrong
        return True


def _item(name: str, record: Any, max_bytes: int, stats: WarcStats) -> WarcItem | None:
    """The page item of one record, an error item, or None for a record that is not an HTML page (counted)."""
    reason = _skip_reason(record)
    if reason is not None:
        stats.skipped[reason] += 1
        return None
    try:
        raw = record.reader.read(max_bytes + 1)  # its transfer encoding (chunks) undone by FastWARC
        data = _decode_content(raw, _content_encoding(record), max_bytes)
    except (OSError, ValueError) as exc:  # a body FastWARC could not read, or one whose content cannot be decoded
        return WarcItem(name, error=f"cannot read the WARC record: {exc}")
    if not _html_type(_content_type(record), data[:256]):
        stats.skipped["not HTML"] += 1
        return None
    if len(data) > max_bytes:
        return WarcItem(name, error=f"the input is larger than the {max_bytes:,}-byte limit")
    if len(raw) < record.content_length and not _encoded(record):
        return WarcItem(name, error=f"the WARC record is truncated ({len(raw):,} of {record.content_length:,} bytes)")
    stats.pages += 1
    page = WarcPage(
        url=record.headers.get("WARC-Target-URI") or "",
        record_id=record.record_id or "",
        date=record.headers.get("WARC-Date") or "",
        charset=_charset(record),
        truncated=(record.headers.get("WARC-Truncated") or "").strip().lower(),
    )
    return WarcItem(name, page=page, data=data)


def record_name(path: str | Path, record_id: str | None) -> str:
    """The source name of a record: ``crawl.warc.gz#urn:uuid:...``."""
    return f"{path}#{(record_id or '').strip('<>')}"


def _find(fh: IO[bytes], start: int, magic: bytes) -> int | None:
    """The offset of the next ``magic`` at or after ``start`` (for ``WARC/1.`` only at a line start), or None."""
    pos = start
    fh.seek(pos)
    carry = b""
    while True:
        chunk = fh.read(SCAN_CHUNK)
        if not chunk:
            return None
        buf = carry + chunk
        base = pos - len(carry)
        i = buf.find(magic)
        while i >= 0:
            at = base + i
            if at >= start and (magic != PLAIN_MAGIC or at == 0 or buf[i - 1 : i] == b"\n"):
                return at
            i = buf.find(magic, i + 1)
        carry = buf[-(len(magic) + 1) :]
        pos += len(chunk)


def read_warc(
    path: str | Path, max_bytes: int, stats: WarcStats | None = None, stream: IO[bytes] | None = None
) -> Iterator[WarcItem]:
    """The HTML pages of one WARC file, one record at a time (see the module docstring); ``stream`` instead of
    opening ``path`` (an fsspec file on a cluster)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    stats = stats if stats is not None else WarcStats()
    try:
        fh = stream if stream is not None else open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        yield WarcItem(str(path), error=f"cannot read: {exc.strerror or exc}")
        return
    try:
        magic = _record_magic(path, fh.read(2))
        gap: tuple[int, str] | None = None  # corrupt bytes not yet reported: after which record, and the error
        held: WarcItem | None = None  # the last record's item, until the bytes after it are known to be a record
        start: int | None = 0
        while start is not None:
            begin = start
            fh.seek(begin)
            last = -1  # where the last record read in this pass starts
            try:
                for record in ArchiveIterator(fh, record_types=WarcRecordType.any_type, auto_decode="transfer"):
                    if held is not None:  # the record after it starts where it ends: its length was right
                        yield held
                        held = None
                    last = record.stream_pos
                    if gap is not None:  # reading resumed: the corrupt stretch before it is one error
                        yield _corrupt(path, *gap, resumed=begin)
                        gap = None
                    held = _item(record_name(path, record.record_id), record, max_bytes, stats)
                start = None
            except OSError as exc:
                if held is not None and held.page is not None and not _block_intact(fh, last):
                    stats.pages -= 1
                    held = WarcItem(held.name, error=DIGEST_MISMATCH)
                if gap is None:
                    gap = (last, str(exc))
                start = _find(fh, max(last, begin) + 1, magic)  # always past where this pass began: no loop
            if held is not None:
                yield held
                held = None
        if gap is not None:
            yield _corrupt(path, *gap, resumed=None)
    finally:
        if stream is None:
            fh.close()


# The magic of a record's start by the file's name (its first bytes may be junk before the first record).
SUFFIX_MAGIC = {".gz": b"\x1f\x8b\x08", ".zst": b"\x28\xb5\x2f\xfd", ".lz4": b"\x04\x22\x4d\x18"}


def _record_magic(path: str | Path, first: bytes) -> bytes:
    """What starts a record of this file, for finding the next one after corrupt bytes: a compressed member, by the
    file's name or else its first bytes, or a ``WARC/1.`` line."""
    by_name = next((m for suffix, m in SUFFIX_MAGIC.items() if str(path).lower().endswith(suffix)), None)
    return by_name or MEMBER_MAGIC.get(first, PLAIN_MAGIC)


def _corrupt(path: str | Path, after: int, error: str, resumed: int | None) -> WarcItem:
    """The error item of a corrupt stretch of a WARC file: where it began, why, and where reading resumed."""
    where = "at the start of the file" if after < 0 else f"after the record at offset {after:,}"
    then = "there is no further record" if resumed is None else f"reading resumed at offset {resumed:,}"
    return WarcItem(f"{path}@{max(after, 0)}", error=f"corrupt WARC data {where} ({error}); {then}")


def quality(extraction: Extraction) -> dict[str, Any]:
    """Language-neutral signals of how much of the page is content: characters kept and their share of the page's
    text, blocks and content blocks (characters, not words: words need a tokeniser per language)."""
    page_chars = sum(len(b.text) for b in extraction.blocks)
    content_chars = sum(len(b.text) for b in extraction.content)
    return {
        "content_chars": content_chars,
        "page_chars": page_chars,
        "kept_share": round(content_chars / page_chars, 4) if page_chars else 0.0,
        "blocks": len(extraction.blocks),
        "content_blocks": len(extraction.content),
    }


def warc_page_record(source: str, page: WarcPage, extraction: Extraction) -> dict[str, Any]:
    """The JSON object of one record: source, url, record_id, date (the capture), truncated (why the crawler cut it
    short, "" for a whole record), the metadata the page declares
    (its own URL and date as canonical_url and published), the quality signals, and the text."""
    from blocksift.render import page_record

    declared = page_record(source, extraction)
    record: dict[str, Any] = {
        "source": source, "url": page.url, "record_id": page.record_id, "date": page.date, "truncated": page.truncated,
    }  # fmt: skip
    for key, value in declared.items():
        if key not in ("source", "text"):
            record[RENAMED.get(key, key)] = value
    record.update(quality(extraction))
    record["text"] = declared["text"]
    return record


def block_digest(block: bytes) -> str:
    """A record block's ``WARC-Block-Digest`` as Common Crawl writes it: SHA-1 in base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(block).digest()).decode("ascii")


def write_warc(
    path: str | Path,
    pages: Iterable[tuple[Any, ...]],
    *,
    content_type: str = "text/html; charset=utf-8",
    date: datetime | None = None,
) -> list[str]:
    """Write pages as HTTP response records, each after a request record as crawlers write them (gzip per record
    when ``path`` ends in .gz); returns the response records' ids. For tests and benchmarks.

    ``pages``: ``(url, body)``, ``(url, body, content_type)`` or ``(url, body, content_type, status)`` tuples.
    """
    stamp = (date or datetime(2024, 1, 1, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ids: list[str] = []
    compress = str(path).endswith(".gz")
    with open(path, "wb") as fh:
        for i, (url, body, *rest) in enumerate(pages):
            ctype = rest[0] if rest else content_type
            status = rest[1] if len(rest) > 1 else 200
            host = url.split("/")[2] if "//" in url else "localhost"
            request = f"GET {url} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
            head = f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
            ids.append(f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{i}:{url}')}>")
            records = (
                ("request", request, f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'request:{i}:{url}')}>"),
                ("response", head.encode() + body, ids[-1]),
            )
            for kind, block, record_id in records:
                warc_head = (
                    f"WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: {record_id}\r\nWARC-Date: {stamp}\r\n"
                    f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype={kind}\r\n"
                    f"WARC-Block-Digest: {block_digest(block)}\r\nContent-Length: {len(block)}\r\n\r\n"
                ).encode()
                raw = warc_head + block + b"\r\n\r\n"
                fh.write(gzip.compress(raw, compresslevel=6, mtime=0) if compress else raw)
    return ids

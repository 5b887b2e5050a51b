"""Pages saved as MHTML ("Webpage, single file" in Chrome and Edge, and Internet Explorer's .mht): the page's own
HTML, out of the MIME archive that wraps it with its images, styles and frames.

Read as it stands, an archive's HTML is quoted-printable ("ferr= y", "=E2=80=93") or base64 behind mail headers, and
came out as such. The archive is recognised by its header block (MIME-Version and a multipart/related type before
the first blank line, where an HTML page has markup), and the part to read is the one at the snapshot's own
location, else the first HTML part; its transfer encoding is undone and its charset returned beside it, to be read
as an HTTP header's would be.
"""

from __future__ import annotations

import email.parser
import re
from email.message import Message

from blocksift.errors import InputError

# An archive states what it is in its first header lines; a page's first bytes are markup or text.
SNIFF_BYTES = 4096
_HEADER_LINE_RE = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_URL_RE = re.compile(r"https?://\S+")
_BASE_RE = re.compile(rb"<base\b", re.I)
_HEAD_RE = re.compile(rb"<head\b[^>]*>", re.I)
# The meta element that carries an archived page's own URL into its head (``metadata.page_meta`` reads it).
SNAPSHOT_META = "mhtml:snapshot-location"


def is_mhtml(data: bytes) -> bool:
    """True where ``data`` opens with a MIME header block that declares a multipart/related archive."""
    if not _HEADER_LINE_RE.match(data):
        return False
    head = data[:SNIFF_BYTES]
    blank = re.search(rb"\r?\n\r?\n", head)
    headers = (head[: blank.start()] if blank else head).lower()
    return b"mime-version" in headers and b"multipart/related" in headers


def page_part(data: bytes) -> tuple[bytes, str | None]:
    """The archived page's HTML bytes, its transfer encoding undone and the URL it was saved from added to its head
    (``_with_location``: its relative links then resolve as they did), and the charset its part declares (or None).
    Raises ``InputError`` for an archive that holds no HTML part."""
    archive = email.parser.BytesParser().parsebytes(data)
    parts = [p for p in archive.walk() if p.get_content_type() in _HTML_TYPES]
    if not parts:
        raise InputError("the input is an MHTML archive that holds no HTML page")
    location = archive.get("Snapshot-Content-Location")
    part = next((p for p in parts if location and p.get("Content-Location") == location), parts[0])
    url = str(location or part.get("Content-Location") or "")
    return _with_location(_payload(part), url), part.get_content_charset()


def _with_location(html: bytes, url: str) -> bytes:
    """The page with the URL it was saved from stated in its head: as ``SNAPSHOT_META`` (the page's ``url`` where it
    declares no canonical one) and, where it has no ``<base>``, as the URL its relative links resolve against."""
    if not _URL_RE.fullmatch(url):
        return html
    quoted = url.encode("ascii", errors="ignore").replace(b'"', b"%22")
    added = b'<meta name="' + SNAPSHOT_META.encode() + b'" content="' + quoted + b'">'
    if not _BASE_RE.search(html):
        added += b'<base href="' + quoted + b'">'
    head = _HEAD_RE.search(html)
    return html[: head.end()] + added + html[head.end() :] if head else added + html


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""

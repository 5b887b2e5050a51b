"""Dataset folders -> labelled pages.

The layout (see ``datasets/README.md``) is the one of ``../shared/datasets``::

    <dataset>/meta.jsonl        optional: one JSON object per page with "id" and "split"
    <dataset>/html/<id>.html    or .htm / .html.gz: the raw page bytes
    <dataset>/gold/<id>.txt     the gold main content, UTF-8
    <dataset>/labels/<id>.json  optional: block labels made by hand (``blocksift annotate``), used instead of alignment

A plain folder of ``<id>.html`` + ``<id>.txt`` pairs is read too (every page then has the split ``train``
unless a meta.jsonl says otherwise).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from blocksift.errors import DatasetError, InputError

# .mhtml and .mht: pages saved as one MIME archive ("Webpage, single file"), read from their HTML part (``mhtml.py``).
HTML_SUFFIXES = (".html.gz", ".htm.gz", ".html", ".htm", ".mhtml", ".mht")
SPLITS = ("train", "test", "exclude")
DEFAULT_SPLIT = "train"


@dataclass(frozen=True)
class Page:
    """One labelled page of a dataset: where its HTML and gold text live, and its meta record."""

    dataset: str
    id: str
    split: str
    html_path: Path
    gold_path: Path | None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    labels_path: Path | None = None

    @property
    def key(self) -> str:
        """A name unique across datasets: ``dataset/id``."""
        return f"{self.dataset}/{self.id}"

    @property
    def labelled(self) -> bool:
        """Whether the page has a gold text or block labels: one with neither cannot be learned from or scored (an
        empty gold file is a label: the page holds no content)."""
        return self.gold_path is not None or self.labels_path is not None

    def read_html(self) -> bytes:
        """The page's raw bytes (gunzipped where the file is ``.gz``)."""
        return read_html_file(self.html_path)

    def read_gold(self) -> str:
        """The gold main text ('' where the page has none)."""
        if self.gold_path is None or not self.gold_path.exists():
            return ""
        return self.gold_path.read_text(encoding="utf-8", errors="replace")


def read_html_file(path: Path, max_bytes: int | None = None) -> bytes:
    """Read a page's bytes, inflating ``.gz`` files; refuse more than ``max_bytes`` without reading or inflating it all.

    A ``.gz`` file is inflated in chunks of ``READ_CHUNK`` bytes and abandoned as soon as it passes ``max_bytes``, so a
    compression bomb costs at most about twice ``max_bytes`` of memory. A damaged or truncated ``.gz`` raises
    ``InputError``. Its message does not name ``path``: every caller prints the page it was reading beside it.
    """
    limit = max_bytes if max_bytes is not None else -1
    try:
        with path.open("rb") as raw:
            gzipped = False
            if path.name.lower().endswith(".gz"):
                # A .gz name on bytes that are not gzip (a crawler that saved the inflated body) is read as it is.
                gzipped = raw.read(2) == GZIP_MAGIC
                raw.seek(0)
            if gzipped:
                with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
                    data = _read_bounded(fh, limit)
            else:
                data = _read_bounded(raw, limit)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"not a readable gzip file ({exc}); it may be truncated: fetch it again") from exc
    if max_bytes is not None and len(data) > max_bytes:
        inflated = " once inflated" if gzipped else ""
        raise InputError(f"more than {max_bytes:,} bytes{inflated}; raise the size limit (--max-bytes) to read it")
    return data


READ_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _read_bounded(fh: _Readable, limit: int) -> bytes:
    """Everything ``fh`` holds, or its first ``limit + 1`` bytes where it holds more (``limit`` < 0: no limit)."""
    if limit < 0:
        return fh.read()
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = fh.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def page_id(path: Path) -> str:
    """The id of an HTML file: its name without the HTML suffix."""
    name = path.name
    for suffix in HTML_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def is_html_file(path: Path) -> bool:
    """True for the file names blocksift reads as pages (.html, .htm, their .gz, and .mhtml/.mht archives)."""
    return path.is_file() and path.name.lower().endswith(HTML_SUFFIXES)


def read_meta_text(path: Path) -> str:
    """A ``meta.jsonl`` file's text: UTF-8 (a byte-order mark, as some editors write, is allowed); DatasetError names
    the line that is not."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        lineno = data.count(b"\n", 0, exc.start) + 1
        raise DatasetError(f"{path}:{lineno}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc


def _read_meta(root: Path) -> dict[str, dict[str, Any]]:
    meta_path = root / "meta.jsonl"
    if not meta_path.exists():
        return {}
    records: dict[str, dict[str, Any]] = {}
    for lineno, line in enumerate(read_meta_text(meta_path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{meta_path}:{lineno}: not a JSON object ({exc.msg}); fix or remove that line") from exc
        if not isinstance(record, dict) or not isinstance(record.get("id"), (str, int)) or record["id"] == "":
            raise DatasetError(f'{meta_path}:{lineno}: each line must be a JSON object with an "id" (a page\'s name)')
        pid = str(record["id"])
        if pid in records:
            raise DatasetError(f"{meta_path}:{lineno}: a second record of the page {pid!r}; keep one of them")
        split = record.get("split", DEFAULT_SPLIT)
        if split not in SPLITS:
            # A typo in one record would leave its page out of every split without a word.
            raise DatasetError(f"{meta_path}:{lineno}: split {split!r}; it must be one of {', '.join(SPLITS)}")
        records[pid] = record
    return records


def load_dataset(root: Path | str) -> list[Page]:
    """Every page of one dataset folder (either layout), sorted by id."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a directory; give a dataset folder with html/ and gold/ inside")
    nested = (root / "html").is_dir()
    html_dir = root / "html" if nested else root
    gold_dir = root / "gold" if nested else root
    labels_dir = root / "labels"
    meta = _read_meta(root)
    pages = []
    for path in sorted(p for p in html_dir.iterdir() if is_html_file(p)):
        pid = page_id(path)
        record = meta.get(pid, {})
        split = str(record.get("split", DEFAULT_SPLIT))
        gold = gold_dir / f"{pid}.txt"
        labels = labels_dir / f"{pid}.json"
        pages.append(
            Page(
                dataset=root.name,
                id=pid,
                split=split,
                html_path=path,
                gold_path=gold if gold.exists() else None,
                meta=record,
                labels_path=labels if labels.exists() else None,
            )
        )
    if not pages:
        raise DatasetError(
            f"{root}: no .html/.htm/.html.gz pages found (looked in {html_dir}); a dataset holds html/<id>.html "
            "with gold/<id>.txt, or <id>.html beside <id>.txt (see datasets/README.md)"
        )
    return pages


def load_datasets(roots: Iterable[Path | str], splits: Sequence[str] | None = None) -> list[Page]:
    """Pages of several datasets, keeping only the given splits (all splits where None)."""
    pages: list[Page] = []
    for root in roots:
        pages.extend(p for p in load_dataset(root) if splits is None or p.split in splits)
    return pages

"""labels files (from the labelling page) -> a dataset page: html/, gold/, labels/ and a meta.jsonl record.

A labels file is trusted only for the exact page it was made for: its page id, the SHA-256 of the page's bytes and
every block's text must match the page found, as blocksift segments it now. Anything else is refused with a message
that says which check failed and what to do, never imported half-right.

The page's bytes are looked for, in order, in the folders given with ``--pages``, among the originals that
``annotate`` kept (``<dataset>/annotate/pages/``), at the path the labels file recorded, and beside the labels file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.annotate import ANNOTATE_DIR, LABELS_FILE_KIND, LABELS_SUFFIX, PAGES_DIR, sha256
from blocksift.blocks import Segmentation, segment
from blocksift.datasets import HTML_SUFFIXES, read_html_file, read_meta_text
from blocksift.errors import DatasetError, InputError
from blocksift.labels import LABELS_SCHEMA, Label, read_block_labels, write_block_labels
from blocksift.metadata import headline, page_meta
from blocksift.outputs import atomic_write
from blocksift.page import decode_html, parse_html

PAGE_TYPES = ("article", "forum", "product", "listing", "collection", "documentation", "service")
AUTO_SPLIT = "auto"
TEST_SHARE = 5  # "auto": one page in five goes to test, chosen by a hash of its id (stable, no state needed)


@dataclass(frozen=True)
class LabelsFile:
    """A labels file as the labelling page saved it."""

    path: Path
    id: str
    sha256: str
    n_bytes: int
    source: str
    url: str
    texts: tuple[str, ...]
    content: tuple[bool, ...]


@dataclass(frozen=True)
class Imported:
    """One page added to (or updated in) a dataset."""

    id: str
    split: str
    n_blocks: int
    n_content: int
    html_path: Path
    replaced: bool


def read_labels_file(path: Path) -> LabelsFile:
    """Parse and check the shape of a labels file; DatasetError says what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not JSON ({exc.msg} at line {exc.lineno}); save it again from the page") from exc
    if not isinstance(data, dict) or data.get("kind") != LABELS_FILE_KIND or not isinstance(data.get("page"), dict):
        raise DatasetError(
            f'{path}: not a labels file saved by a blocksift labelling page (no "kind": "{LABELS_FILE_KIND}" '
            "and \"page\"); a dataset's labels/<id>.json is an import's output, not its input"
        )
    if data.get("schema") != LABELS_SCHEMA:
        raise DatasetError(f"{path}: labels schema {data.get('schema')!r}; this blocksift reads {LABELS_SCHEMA}")
    page: dict[str, Any] = data["page"]
    try:
        blocks = data["blocks"]
        texts = tuple(str(b["text"]) for b in blocks)
        content = tuple(Label(b["label"]) is Label.CONTENT for b in blocks)
        indices = [int(b["index"]) for b in blocks]
        pid, digest = page["id"], str(page["sha256"])
        n_bytes = int(page.get("bytes", -1))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise DatasetError(f"{path}: a block or the page record is malformed ({exc!r})") from exc
    if indices != list(range(len(blocks))):
        raise DatasetError(f"{path}: block indices must run 0, 1, 2, ... in order")
    if not _usable_id(pid):
        raise DatasetError(f"{path}: {pid!r} cannot be a page id (a file name without folders or control characters)")
    return LabelsFile(
        path=path,
        id=pid,
        sha256=digest,
        n_bytes=n_bytes,
        source=str(page.get("source") or ""),
        url=str(page.get("url") or ""),
        texts=texts,
        content=content,
    )


def _usable_id(pid: object) -> bool:
    """A page id that names files (``html/<id>.html``, ``gold/<id>.txt``): a string without folders, control
    characters or unpaired surrogates, not hidden, not white space alone."""
    if not isinstance(pid, str) or not pid.strip() or pid.startswith(".") or "/" in pid or "\\" in pid:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in pid):
        return False
    try:
        pid.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _candidates(lf: LabelsFile, dataset: Path, search: Sequence[Path]) -> Iterable[Path]:
    for where in search:
        if where.is_file():
            yield where
        else:
            yield from (where / (lf.id + suffix) for suffix in HTML_SUFFIXES)
    yield dataset / ANNOTATE_DIR / PAGES_DIR / f"{lf.id}.html"
    if lf.source:
        yield Path(lf.source)
    beside = lf.path.name.removesuffix(LABELS_SUFFIX).removesuffix(".json")
    yield from (lf.path.parent / (beside + suffix) for suffix in HTML_SUFFIXES)


def find_page(lf: LabelsFile, dataset: Path, search: Sequence[Path] = ()) -> bytes:
    """The bytes of the page ``lf`` was made for; DatasetError when no candidate has them."""
    looked: list[str] = []
    for path in _candidates(lf, dataset, search):
        if not path.is_file():
            continue
        try:
            data = read_html_file(path)
        except InputError as exc:
            looked.append(f"{path} ({exc})")
            continue
        if sha256(data) == lf.sha256:
            return data
        looked.append(f"{path} ({len(data):,} bytes, sha256 {sha256(data)[:12]}…)")
    found = "; no candidate file exists"
    if looked:
        found = "; found only other versions or unreadable files: " + ", ".join(looked)
    raise DatasetError(
        f"{lf.path}: the page it was made for ({lf.id}, {lf.n_bytes:,} bytes, sha256 {lf.sha256[:12]}…) is not "
        f"in --pages, {dataset / ANNOTATE_DIR / PAGES_DIR}, {lf.source or 'its recorded source'} or beside it"
        f"{found}. A changed page must be annotated again"
    )


def check_blocks(lf: LabelsFile, seg: Segmentation) -> None:
    """Refuse labels whose blocks are not the page's blocks as this blocksift segments it."""
    if len(lf.texts) != len(seg.blocks):
        raise DatasetError(
            f"{lf.path}: {len(lf.texts)} labelled blocks, but this blocksift splits the page into "
            f"{len(seg.blocks)}; the page was segmented by another version: annotate it again"
        )
    for block, text in zip(seg.blocks, lf.texts, strict=True):
        if block.text != text:
            raise DatasetError(
                f"{lf.path}: block {block.index} reads {text[:50]!r} in the labels file but {block.text[:50]!r} "
                "in the page; the page was segmented by another version: annotate it again"
            )


def auto_split(pid: str) -> str:
    """``test`` for about one page id in five, ``train`` for the rest; the same id always gets the same split."""
    return "test" if int(hashlib.sha256(pid.encode()).hexdigest()[:8], 16) % TEST_SHARE == 0 else "train"


def read_meta(dataset: Path) -> list[dict[str, Any]]:
    """The records of ``meta.jsonl`` in file order ([] where there is none)."""
    path = dataset / "meta.jsonl"
    if not path.exists():
        return []
    records = []
    for lineno, line in enumerate(read_meta_text(path).splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{lineno}: not JSON ({exc.msg}); fix the line first") from exc
    return records


def write_meta(dataset: Path, records: Sequence[dict[str, Any]]) -> None:
    """Rewrite ``meta.jsonl`` atomically, one record per line."""
    with atomic_write(dataset / "meta.jsonl") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@dataclass(frozen=True)
class Options:
    """How imported pages are described: split (``auto`` keeps a known page's split, else hashes the id), page
    type and language (the page's declared language where not given), and whether a different page may be replaced."""

    split: str = AUTO_SPLIT
    page_type: str | None = None
    lang: str | None = None
    replace: bool = False


def _record(
    lf: LabelsFile, seg: Segmentation, data: bytes, old: dict[str, Any] | None, options: Options
) -> dict[str, Any]:
    """The page's meta.jsonl record: options given now win, then what an earlier record said, then the page."""
    meta = page_meta(decode_html(data), headline(seg))
    declared = {
        "split": auto_split(lf.id),
        "title": meta.title or seg.title,
        "url": lf.url or meta.url,
        "lang": meta.language.split("-")[0].lower(),
    }
    given = {"split": options.split if options.split != AUTO_SPLIT else None, "page_type": options.page_type,
             "lang": options.lang}  # fmt: skip
    record: dict[str, Any] = {k: v for k, v in declared.items() if v} | (old or {})
    record |= {k: v for k, v in given.items() if v} | {"id": lf.id}
    order = ("id", "split", "page_type", "lang", "title", "url")
    return {k: record[k] for k in order if k in record} | {k: v for k, v in record.items() if k not in order}


def _existing_page(dataset: Path, pid: str) -> Path | None:
    """The dataset's file of page ``pid`` under any name a dataset may hold it by (``html/<id>.html.gz`` too)."""
    return next((p for p in (dataset / "html" / (pid + s) for s in HTML_SUFFIXES) if p.is_file()), None)


def gold_text(seg: Segmentation, content: npt.NDArray[np.bool_]) -> str:
    """The gold text an import writes for a page: its content blocks' texts, a line each."""
    return "".join(b.text + "\n" for b in seg.blocks if content[b.index])


def _edited(held: str, labels_path: Path, seg: Segmentation, same_page: bool) -> bool:
    """Whether the gold text ``held`` is not what the earlier import of the page wrote: none wrote it (no labels
    file), or it was edited since (the earlier labels' blocks give another text). A page replaced since has other
    blocks, so its old gold is the old page's, which ``--replace`` already allowed to go."""
    if not labels_path.exists():
        return True
    if not same_page:
        return False
    try:
        earlier = read_block_labels(labels_path.read_text(encoding="utf-8"), seg)
    except (DatasetError, OSError, ValueError):
        return False  # an earlier labels file that no longer fits the page: the import replaces both
    return held != gold_text(seg, earlier)


def import_labels(lf: LabelsFile, dataset: Path, options: Options, search: Sequence[Path] = ()) -> Imported:
    """Check ``lf`` against its page and write the page into ``dataset`` (replacing an earlier import of it)."""
    data = find_page(lf, dataset, search)
    seg = segment(parse_html(data))
    check_blocks(lf, seg)
    html_path = _existing_page(dataset, lf.id) or dataset / "html" / f"{lf.id}.html"
    replaced = html_path.exists()
    if replaced and read_html_file(html_path) != data:
        if not options.replace:
            raise DatasetError(
                f"{lf.path}: {html_path} holds a different page with the id {lf.id!r}; "
                "pass --replace to overwrite it, or rename the page and annotate it again"
            )
        html_path.unlink()  # the new page goes to html/<id>.html, and no second copy is left under another name
        html_path = dataset / "html" / f"{lf.id}.html"
    gold_path, labels_path = dataset / "gold" / f"{lf.id}.txt", dataset / "labels" / f"{lf.id}.json"
    content: npt.NDArray[np.bool_] = np.array(lf.content, dtype=bool)
    gold = gold_text(seg, content)
    # A gold text no import wrote (a hand-written one), or one edited by hand since its import: the blocks' lines
    # would replace it without a word.
    if not options.replace and gold_path.exists():
        held = gold_path.read_text(encoding="utf-8", errors="replace")
        if held != gold and _edited(held, labels_path, seg, replaced):
            raise DatasetError(
                f"{lf.path}: {gold_path} is a gold text of its own, not an import's (written or edited by hand); "
                "pass --replace to write the labelled blocks over it, or keep it and leave this labels file out"
            )
    records = read_meta(dataset)
    index = next((i for i, r in enumerate(records) if str(r.get("id")) == lf.id), None)
    record = _record(lf, seg, data, records[index] if index is not None else None, options)
    if not html_path.exists():
        with atomic_write(html_path, binary=True) as fh:
            fh.write(data)
    with atomic_write(labels_path) as fh:
        fh.write(write_block_labels(seg, content) + "\n")
    with atomic_write(gold_path) as fh:
        fh.write(gold)
    if index is None:
        records.append(record)
    else:
        records[index] = record
    write_meta(dataset, records)
    return Imported(lf.id, record["split"], len(seg.blocks), int(content.sum()), html_path, replaced)

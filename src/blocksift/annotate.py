"""pages -> self-contained HTML labelling pages, one per page, pre-filled with a model's labels.

A labelling page shows a page's blocks as blocksift segments them (headings, list items, cells and code styled as
such, grouped by the container they sit in), each marked content or boilerplate. A person fixes the marks with the
mouse or the keyboard and saves a labels file (``<id>.labels.json``, downloaded by the browser, or copied to the
clipboard); ``blocksift import-labels`` (``importer.py``) turns it into a dataset page. The page needs no network:
its CSS, script and data are inline, and the page's own markup is never rendered, only its block texts.

The labels file carries what import needs to prove that it belongs to the page: the page id, the SHA-256 and size
of the page's bytes, and every block's index and text. The original bytes are kept beside the labelling pages
(``annotate/pages/<id>.html``) so that import finds them even when the input has moved.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift import __version__
from blocksift.blocks import Block, Segmentation
from blocksift.datasets import page_id, read_html_file
from blocksift.errors import DatasetError, InputError
from blocksift.extraction import Extraction, extract_blocks
from blocksift.labels import read_block_labels
from blocksift.metadata import headline, page_meta
from blocksift.outputs import MAX_NAME_BYTES, atomic_write
from blocksift.page import decode_html
from blocksift.predictor import Predictor
from blocksift.render import classify

ANNOTATE_DIR = "annotate"  # inside the dataset folder: the labelling pages
PAGES_DIR = "pages"  # inside ANNOTATE_DIR: the original bytes of every annotated page
LABELS_SUFFIX = ".labels.json"
LABELS_FILE_KIND = "blocksift-labels"
# Containers that make a telling group header ("nav", "aside.sidebar", "table"): landmarks and lists.
LANDMARKS = frozenset(
    {"header", "nav", "main", "article", "aside", "footer", "section", "form", "table", "ul", "ol", "dl",
     "blockquote", "figure", "pre", "menu", "dialog", "details"}
)  # fmt: skip
WHERE_DEPTH = 3  # containers named in a block's "where" line: enough to tell a sidebar's list from the body's


@dataclass(frozen=True)
class Annotated:
    """One labelling page written: the page id, where it is, and its block counts."""

    id: str
    path: Path
    n_blocks: int
    n_content: int
    prefill: str


def sha256(data: bytes) -> str:
    """Hex SHA-256 of a page's bytes: how a labels file names the exact page it was made for."""
    return hashlib.sha256(data).hexdigest()


def _describe(seg: Segmentation, cid: int) -> str:
    """A container as a CSS-like name: ``aside#left.sidebar.widget`` (at most two classes)."""
    c = seg.containers[cid]
    element = c.element
    name = c.tag
    ident = (element.get("id") or "").split()
    classes = (element.get("class") or "").split()[:2]
    if ident:
        name += "#" + ident[0]
    return name + "".join("." + k for k in classes)


def _group(seg: Segmentation, block: Block) -> int:
    """The container a block is shown under: its nearest landmark or named ancestor above its own element."""
    for cid in reversed(block.path[:-1]):
        c = seg.containers[cid]
        if c.tag in LANDMARKS or c.attrs:
            return cid
    return block.path[0]


def _block_record(seg: Segmentation, block: Block, p: float, content: bool) -> dict[str, Any]:
    item = classify(seg, block)
    group = _group(seg, block)
    where = [_describe(seg, cid) for cid in block.path if seg.containers[cid].tag not in ("html", "body")]
    return {
        "text": block.text,
        "kind": item.kind,
        "level": item.level,
        "tag": seg.containers[block.owner].tag,
        "group": group,
        "groupName": _describe(seg, group),
        "where": " › ".join(where[-WHERE_DEPTH:]),
        "tokens": block.n_tokens,
        "links": round(block.n_link_tokens / block.n_tokens, 2) if block.n_tokens else 0.0,
        "p": round(float(p), 3),
        "label": int(content),
    }


def payload(
    pid: str, data: bytes, source: Path, result: Extraction, content: npt.NDArray[np.bool_], prefill: str
) -> dict[str, Any]:
    """Everything the labelling page shows and the labels file repeats, as JSON-ready data."""
    seg = result.segmentation
    meta = page_meta(decode_html(data), headline(seg))
    return {
        "tool": {"name": "blocksift annotate", "version": __version__},
        "page": {
            "id": pid,
            "sha256": sha256(data),
            "bytes": len(data),
            "source": str(source),
            "url": meta.url,
            "title": meta.title or seg.title,
            "lang": meta.language,
            "n_blocks": len(seg.blocks),
        },
        "prefill": prefill,
        "threshold": round(result.threshold, 4),
        "blocks": [
            _block_record(seg, b, p, bool(c)) for b, p, c in zip(seg.blocks, result.proba, content, strict=True)
        ],
    }


def _asset(name: str) -> str:
    return resources.files("blocksift").joinpath("assets", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no '<' can close it or open a comment."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def render(data: dict[str, Any]) -> str:
    """The labelling page: one HTML document with its style, script and data inline."""
    page = data["page"]
    title = htmlmod.escape(f"Label {page['id']} · blocksift")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        f"<style>\n{_asset('annotate.css')}</style>\n</head>\n<body>\n"
        f'<script type="application/json" id="blocksift-data">{_script_json(data)}</script>\n'
        f"{_asset('annotate.html')}\n"
        f"<script>\n{_asset('annotate.js')}</script>\n</body></html>\n"
    )


def existing_labels(dataset: Path, pid: str, data: bytes, seg: Segmentation) -> npt.NDArray[np.bool_] | None:
    """The content flags already imported for this exact page (same bytes), or None where there are none."""
    labels = dataset / "labels" / f"{pid}.json"
    html_path = dataset / "html" / f"{pid}.html"
    if not labels.is_file() or not html_path.is_file() or html_path.read_bytes() != data:
        return None
    try:
        return read_block_labels(labels.read_text(encoding="utf-8"), seg)
    except DatasetError:
        return None  # made with another segmentation: start again from the model


def annotate_page(
    path: Path, dataset: Path, model: Predictor | None = None, model_name: str | None = None
) -> Annotated:
    """Write the labelling page of one page file into ``dataset/annotate/`` (and keep its bytes beside it).

    The page is pre-filled with the labels already imported for it (same bytes), else with ``model``'s (named
    ``model_name``; None: the shipped model)."""
    pid = page_id(path)
    if len(os.fsencode(pid + LABELS_SUFFIX)) > MAX_NAME_BYTES:  # its longest file: the labels the browser saves
        raise InputError(
            f"the page's name is too long for the files labelling writes ({len(os.fsencode(pid))} bytes; at most "
            f"{MAX_NAME_BYTES - len(LABELS_SUFFIX)}): rename the page"
        )
    data = read_html_file(path)
    result = extract_blocks(data, model=model)
    seg = result.segmentation
    flags = existing_labels(dataset, pid, data, seg)
    if flags is not None:
        prefill = f"the labels already imported into {dataset / 'labels' / (pid + '.json')}"
    else:
        flags = result.keep
        prefill = f"the labels of the model {model_name}" if model_name else "the shipped model's labels"
    target = dataset / ANNOTATE_DIR / f"{pid}.html"
    with atomic_write(dataset / ANNOTATE_DIR / PAGES_DIR / f"{pid}.html", binary=True) as fh:
        fh.write(data)
    with atomic_write(target) as fh:
        fh.write(render(payload(pid, data, path.resolve(), result, flags, prefill)))
    return Annotated(pid, target, len(seg.blocks), int(np.count_nonzero(flags)), prefill)


def check_ids(paths: Sequence[Path]) -> None:
    """Refuse two inputs with one page id: their labelling pages and labels files would overwrite each other."""
    seen: dict[str, Path] = {}
    for path in paths:
        pid = page_id(path)
        if pid in seen:
            raise DatasetError(f"{seen[pid]} and {path} have the same page id {pid!r}; rename one of them")
        seen[pid] = path


def render_index(done: Sequence[Annotated]) -> str:
    """A plain list of the labelling pages in a folder, with their block counts, for opening them one by one."""
    rows = "\n".join(
        f'<li><a href="{htmlmod.escape(a.path.name)}">{htmlmod.escape(a.id)}</a> '
        f"<span>{a.n_content} of {a.n_blocks} blocks content</span></li>"
        for a in sorted(done, key=lambda a: a.id)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>blocksift: pages to label</title>\n'
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2430}"
        "li{margin:.3rem 0}span{color:#6b7480;margin-left:.5rem}code{background:#eef1f4;padding:0 .3rem}</style>"
        "</head><body><h1>Pages to label</h1>\n"
        "<p>Open a page, fix the labels, press <b>Save</b>, then run "
        "<code>blocksift import-labels ~/Downloads/*.labels.json --out DATASET</code>.</p>\n"
        f"<ol>\n{rows}\n</ol></body></html>\n"
    )


def write_index(dataset: Path) -> Path:
    """Rewrite the list of the folder's labelling pages (earlier runs' included): ``annotate/index.html``, or
    ``_index.html`` where a page named ``index.html`` has its labelling page there (a saved site holds many; the
    list was written over it). A file is a labelling page by the data it carries, not by its name."""
    folder = dataset / ANNOTATE_DIR
    done = []
    for page in sorted(folder.glob("*.html")):
        try:
            data = json.loads(_embedded(page.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # the list itself, or a file that is not a labelling page
        flags = [b["label"] for b in data["blocks"]]
        done.append(Annotated(data["page"]["id"], page, len(flags), sum(flags), data["prefill"]))
    taken = {a.path.name.lower() for a in done}
    target = folder / next(f"{'_' * n}index.html" for n in itertools.count() if f"{'_' * n}index.html" not in taken)
    with atomic_write(target) as fh:
        fh.write(render_index(done))
    return target


def _embedded(page_html: str) -> str:
    start = page_html.index('id="blocksift-data">') + len('id="blocksift-data">')
    return page_html[start : page_html.index("</script>", start)]

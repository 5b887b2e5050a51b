"""labelled pages -> block table (features, labels, alignment), the training and evaluation input.

Building the table is the slow part of training (parsing and featurising thousands of pages), so pages are
processed in parallel with joblib and each page's rows are cached on disk (``RowCache``), keyed by the page's
bytes, its gold text and the feature code: a second training run with new model settings starts fitting at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

import blocksift.align as align_module
import blocksift.blocks as blocks_module
import blocksift.charclass as charclass_module
import blocksift.charset as charset_module
import blocksift.features as features_module
import blocksift.labels as labels_module
import blocksift.lexicon as lexicon_module
import blocksift.markup as markup_module
import blocksift.mhtml as mhtml_module
import blocksift.mojibake as mojibake_module
import blocksift.page as page_module
import blocksift.webcodecs as webcodecs_module
from blocksift import __version__
from blocksift.align import align
from blocksift.blocks import Segmentation, segment
from blocksift.datasets import Page
from blocksift.errors import BlocksiftError, InputError
from blocksift.features import ANCESTOR_LEVELS, FEATURE_NAMES, SCHEMA_VERSION, page_matrices
from blocksift.heap import collect_less_often
from blocksift.labels import read_block_labels
from blocksift.lexicon import block_words, page_digest
from blocksift.markup import MARKUP_NAMES, markup_signals
from blocksift.page import parse_html

if TYPE_CHECKING:
    import pandas as pd

    from blocksift.predictor import Predictor

META_COLUMNS = ("dataset", "page", "split", "block", "text", "n_tokens", "aligned", "label")
CACHE_ENV = "BLOCKSIFT_CACHE"
# Bumped whenever a cached page stores different arrays.
ROWS_FORMAT = 4


@dataclass(frozen=True)
class PageRows:
    """The rows of one page: features, labels and the text of each block (or the error that stopped it)."""

    key: str
    features: npt.NDArray[np.float32]
    labels: npt.NDArray[np.bool_]
    aligned: npt.NDArray[np.float64]
    texts: tuple[str, ...]
    n_tokens: npt.NDArray[np.int64]
    structure: npt.NDArray[np.int32]
    error: str | None = None
    # Each block's lexicon words and the page's digest (lexicon.py): training scores the lexicon's own pages with
    # lexicons that never saw their site.
    words: tuple[tuple[str, ...], ...] = ()
    digest: str = ""
    # The page's markup signals (markup.py), which the page classifier of conventions reads.
    markup: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(len(MARKUP_NAMES), np.float32))


def default_cache_dir() -> Path:
    """Where feature rows are cached: $BLOCKSIFT_CACHE, else ~/.cache/blocksift/rows."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "blocksift" / "rows")


UNLABELLED = "not labelled: it has neither a gold text (gold/<id>.txt, or <id>.txt beside it) nor block labels"
# How the error of a page whose labels file is refused starts: the page itself was read, so evaluation leaves it out
# of the figures rather than scoring it as a page that gave no text (``labels_refused``).
LABELS_REFUSED = "its labels file is refused: "


def labels_refused(error: str | None) -> bool:
    """Whether a page's rows failed on its labels file alone (the page and its gold text were read)."""
    return error is not None and error.startswith(LABELS_REFUSED)


def page_sources(page: Page) -> tuple[bytes, str, str | None]:
    """A page's bytes, its gold text and its block-labels file's text (None where it has none); raises OSError, and
    InputError for a ``.gz`` page that does not inflate."""
    # Bytes that are not UTF-8 become U+FFFD, and the file is then refused as not JSON, with the page named.
    labels_file = page.labels_path.read_text(encoding="utf-8", errors="replace") if page.labels_path else None
    return page.read_html(), page.read_gold(), labels_file


def page_rows(page: Page, cache: RowCache | None = None) -> PageRows:
    """Parse, segment, featurise and label one page; a page that cannot be read gives an error, not a crash, and so
    does a page with neither gold text nor block labels (read as an empty gold, it would teach that every block is
    boilerplate; a page whose gold file is empty is one that holds no content, and is kept)."""
    if not page.labelled:
        return _failed(page.key, UNLABELLED)
    try:
        data, gold, labels_file = page_sources(page)
    except OSError as exc:
        return _failed(page.key, f"cannot read: {exc}")
    except InputError as exc:  # a truncated .gz: this page is reported and the others are trained on
        return _failed(page.key, str(exc))
    if cache is None:
        return _rows(page.key, data, gold, labels_file)
    key = _cache_key(data, gold, labels_file)
    rows = cache.load(key, page.key)
    if rows is None:
        rows = _rows(page.key, data, gold, labels_file)
        if rows.error is None:
            cache.save(key, rows)
    return rows


def rows_proba(model: Predictor, rows: PageRows) -> npt.NDArray[np.float64]:
    """p(content) of each of a page's rows under ``model``, with the page's markup signals (which a model with a
    page classifier of conventions reads), as extraction scores the page."""
    return model.predict_proba(rows.features, tokens=rows.n_tokens, structure=rows.structure, markup=rows.markup)[:, 1]


def cached_rows(page: Page, cache: RowCache) -> PageRows | None:
    """A page's rows as the cache holds them; None where it does not (or the page cannot be read, or is not
    labelled: ``page_rows`` says so)."""
    if not page.labelled:
        return None
    try:
        data, gold, labels_file = page_sources(page)
    except (OSError, InputError):
        return None
    return cache.load(_cache_key(data, gold, labels_file), page.key)


def _worker_page_rows(page: Page, cache: RowCache | None) -> PageRows:
    """``page_rows`` in one of joblib's worker processes, which collect garbage as blocksift's own processes do
    (``heap.collect_less_often``)."""
    collect_less_often()
    return page_rows(page, cache)


@lru_cache(maxsize=1)
def rows_fingerprint() -> str:
    """Part of the cache key: the source of every stage that makes rows, so rows made by other code (a fix in
    decoding, segmentation, features or alignment) are never reused."""
    h = hashlib.sha1(f"rows{ROWS_FORMAT}:{__version__}:{SCHEMA_VERSION}:{' '.join(FEATURE_NAMES)}".encode())
    for module in (page_module, charset_module, webcodecs_module, mhtml_module, mojibake_module, blocks_module,
                   charclass_module, features_module, lexicon_module, align_module, labels_module,
                   markup_module):  # fmt: skip
        h.update(inspect.getsource(module).encode())
    h.update(resources.files("blocksift").joinpath("assets", "lexicon.npz").read_bytes())
    return h.hexdigest()[:16]


def block_labels(
    seg: Segmentation, gold: str, labels_file: str | None
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Each block's content flag and aligned share: from the page's block labels where it has them (a labels
    file's text), else from its gold text aligned to the blocks. Raises ``BlocksiftError`` for labels made with
    another segmentation."""
    if labels_file is not None:
        labels = read_block_labels(labels_file, seg)
        return labels, labels.astype(np.float64)
    alignment = align(seg, gold)
    return alignment.labels, alignment.aligned


def _rows(key: str, data: bytes, gold: str, labels_file: str | None) -> PageRows:
    try:
        seg = segment(parse_html(data))
    except BlocksiftError as exc:
        return _failed(key, str(exc))
    try:
        labels, aligned = block_labels(seg, gold, labels_file)
    except BlocksiftError as exc:
        return _failed(key, LABELS_REFUSED + str(exc))
    X, shape = page_matrices(seg)
    return PageRows(
        key=key,
        features=X,
        labels=labels,
        aligned=aligned,
        texts=tuple(b.text for b in seg.blocks),
        n_tokens=np.array([b.n_tokens for b in seg.blocks], dtype=np.int64),
        structure=shape,
        words=tuple(block_words(seg)),
        digest=page_digest(data),
        markup=markup_signals(data),
    )


def _failed(key: str, error: str) -> PageRows:
    return PageRows(
        key,
        np.zeros((0, len(FEATURE_NAMES)), np.float32),
        np.zeros(0, bool),
        np.zeros(0),
        (),
        np.zeros(0, np.int64),
        np.zeros((0, len(ANCESTOR_LEVELS)), np.int32),
        error,
    )


class RowCache:
    """Page rows on disk, one ``.npz`` per page, named by a hash of the page's bytes, gold, labels and the feature
    code's fingerprint. Loading uses ``allow_pickle=False``: a cache file can hold data, never code."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.npz"

    def load(self, key: str, page_key: str) -> PageRows | None:
        path = self.path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                texts = str(z["texts"]).split(_TEXT_SEP) if int(z["n"]) else []
                words = tuple(tuple(w.split()) for w in str(z["words"]).split(_TEXT_SEP)) if int(z["n"]) else ()
                return PageRows(
                    page_key, z["features"], z["labels"], z["aligned"], tuple(texts), z["n_tokens"], z["structure"],
                    words=words, digest=str(z["digest"]), markup=z["markup"],
                )  # fmt: skip
        except (OSError, ValueError, KeyError):
            return None  # a damaged cache entry is rebuilt

    def save(self, key: str, rows: PageRows) -> None:
        save_npz(
            self.path(key), features=rows.features, labels=rows.labels, aligned=rows.aligned,
            n_tokens=rows.n_tokens, texts=np.array(_TEXT_SEP.join(rows.texts)), n=np.array(len(rows.texts)),
            structure=rows.structure, words=np.array(_TEXT_SEP.join(" ".join(w) for w in rows.words)),
            digest=np.array(rows.digest), markup=rows.markup,
        )  # fmt: skip


def save_npz(path: Path, **arrays: npt.ArrayLike) -> None:
    """Write ``arrays`` to ``path`` whole or not at all (a temporary file renamed over it, so that processes
    sharing a cache never read half a file). Where the disk refuses (full, read-only) nothing is written: a cache
    only saves time."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


# Pages looked up in the cache before a batch with workers decides that the cache is cold (``_cached_in_order``).
COLD_PROBE = 32
# Record separator: never part of a block's text (control characters are removed when a page is parsed).
_TEXT_SEP = "\x1e"


def _cache_key(data: bytes, gold: str, labels_file: str | None) -> str:
    h = hashlib.sha1(rows_fingerprint().encode())
    for part in (data, gold.encode(), (labels_file or "").encode()):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def build_rows(
    pages: Sequence[Page],
    *,
    jobs: int = 1,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[PageRows]:
    """Rows of every page, in the order given, computed by ``jobs`` processes (cached in ``cache_dir``)."""
    from joblib import Parallel, delayed, effective_n_jobs  # imported on use: the CLI starts faster

    cache = RowCache(cache_dir) if cache_dir is not None else None
    say = progress or (lambda _n: None)
    parallel = effective_n_jobs(jobs) > 1
    # With workers, the rows the cache holds are read here first: sending them back from a worker costs more than
    # reading them (the 4,168 training pages, all cached: 8.6 s in one process, 13.6 s through two workers).
    out, done = _cached_in_order(pages, cache, say) if cache is not None and parallel else ([None] * len(pages), 0)
    runner = Parallel(n_jobs=jobs, return_as="generator", batch_size=4)
    # joblib runs one job in this process, the caller's, whose collector stays as it is
    work = _worker_page_rows if parallel else page_rows
    rows: list[PageRows] = []

    def take_cached() -> None:  # the cached rows up to the next page still being made, in the pages' order
        while len(rows) < len(out) and (cached := out[len(rows)]) is not None:
            rows.append(cached)
            if len(rows) > done:
                say(1)

    for made in runner(delayed(work)(p, cache) for p, r in zip(pages, out, strict=True) if r is None):
        take_cached()
        rows.append(made)
        say(1)  # progress goes in the pages' order: the verbose lines name them in that order
    take_cached()
    return rows


def _cached_in_order(
    pages: Sequence[Page], cache: RowCache, progress: Callable[[int], None]
) -> tuple[list[PageRows | None], int]:
    """Each page's cached rows, None where the cache lacks them, and how many pages were reported: those read
    before the first missing one (progress goes in the pages' order). Where the first ``COLD_PROBE`` pages are all
    missing the cache is taken to be cold and the rest are left to the workers, which look each page up
    themselves: reading every page here first would delay them (2.1 s for the 4,168 training pages)."""
    out: list[PageRows | None] = []
    reported = hits = 0
    for page in pages:
        if len(out) == COLD_PROBE and not hits:
            return out + [None] * (len(pages) - len(out)), reported
        out.append(cached_rows(page, cache))
        hits += out[-1] is not None
        if reported == len(out) - 1 and out[-1] is not None:
            reported += 1
            progress(1)
    return out, reported


def to_frame(pages: Sequence[Page], rows: Sequence[PageRows]) -> pd.DataFrame:
    """One table of blocks: page identity, block index, text, features, label and aligned share."""
    import pandas as pd  # imported on use: the CLI starts faster

    frames = []
    for page, r in zip(pages, rows, strict=True):
        if r.error is not None or len(r.labels) == 0:
            continue
        n = len(r.labels)
        meta = pd.DataFrame(
            {
                "dataset": page.dataset,
                "page": page.id,
                "split": page.split,
                "block": np.arange(n),
                "text": list(r.texts),
                "n_tokens": r.n_tokens,
                "aligned": r.aligned,
                "label": r.labels,
            }
        )
        frames.append(pd.concat([meta, pd.DataFrame(r.features, columns=list(FEATURE_NAMES))], axis=1))
    if not frames:
        return pd.DataFrame(columns=[*META_COLUMNS, *FEATURE_NAMES])
    return pd.concat(frames, ignore_index=True)

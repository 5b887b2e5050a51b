"""The markup lexicon: a learned score of the class and id words around a block.

``features.ATTR_TERMS`` names twenty hand-picked families of class/id words (content, nav, comment, ...). Sites
write many more: the names of their frameworks and themes (``entry-content``, ``mw-parser-output``,
``td-post-content``, ``js-post-body``, ``widget_recent_entries``). A linear model over the words on a block's
path learns them from the labelled pages: each word's weight is its evidence for content or boilerplate, and a
block's score is the normalised sum of its words' weights. Class and id names are written in English whatever the
page's language, so the lexicon is language independent.

Only words seen on at least ``MIN_SITES`` different sites are kept: a word of one site says nothing about a new
one, and the rule keeps the shipped lexicon small (``assets/lexicon.npz``). It is a fixed part of the features
(``SCHEMA_VERSION`` 3), learned once from the train splits of the shared datasets
(``python -m blocksift.lexicon ../shared/datasets/*/ --out src/blocksift/assets/lexicon.npz``); a model trained
on other pages keeps it. When a model is trained on the lexicon's own pages (it records their digests), their
lexicon column is recomputed out of fold by site (``out_of_fold_scores``), so that the trees learn how far the
score can be trusted on a site it has never seen.

A block's words: the tag of its own element (``t:p``), each class/id value and each of its words on the owner and
on its two nearest block-level ancestors (``0:entry``, ``1=post-body``, ``2:sidebar``), and every class/id word
anywhere on its path (``a:comment``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import numpy as np
import numpy.typing as npt

from blocksift.blocks import Container, Segmentation
from blocksift.datasets import Page

if TYPE_CHECKING:
    from scipy import sparse

LEVELS = 3
MIN_SITES = 2
OOF_FOLDS = 5
# Class strings and words remembered per process: enough for the distinct ones of many pages, small enough that a
# long batch stays flat.
CACHE_SIZE = 2048
# Lexicon keys looked up in one array search: enough to make a search's overhead small, few enough that a 10 MB page's
# keys are never all held at once.
LOOKUP_CHUNK = 4096
# Entries of each of a lexicon's memos (class strings by level, path words, tags): a site's distinct ones several
# times over.
MEMO_SIZE = 8192
# The words of a class/id string: its runs of letters and digits two characters or more long (a run of one is no
# word). Finding them is a fifth faster than splitting on everything else and testing each piece's length.
_WORD_RE = re.compile(r"[a-z0-9]{2,}")
# The prefixes of the lexicon's words (module docstring), as the columns of ``Columns``: class/id values and words
# on the owner and its two nearest block ancestors, path words, tags.
PREFIXES = ("0=", "1=", "2=", "0:", "1:", "2:", "a:", "t:")
_VALUE_COLUMN, _WORD_COLUMN, _PATH_COLUMN, _TAG_COLUMN = 0, LEVELS, 2 * LEVELS, 2 * LEVELS + 1


@lru_cache(maxsize=CACHE_SIZE)
def value_words(attrs: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The class/id values of one element (lower-cased, space-separated) and their words (letters and digits,
    two characters or more, not all digits), each without repeats."""
    values = tuple(dict.fromkeys(attrs.split()))
    # one search of the whole string: a space is a separator too, and a repeated value's words are repeats
    words = tuple(dict.fromkeys(w for w in _WORD_RE.findall(attrs) if not w.isdigit()))
    return values, words


def block_words(seg: Segmentation) -> list[tuple[str, ...]]:
    """Each block's lexicon words (see the module docstring), without repeats."""
    containers = seg.containers
    path_words: list[frozenset[str]] = []
    for c in containers:
        own = frozenset(value_words(c.attrs)[1]) if c.attrs else frozenset()
        path_words.append(own | path_words[c.parent] if c.parent >= 0 else own)
    out = []
    for b in seg.blocks:
        path = b.path
        words = [f"t:{containers[path[-1]].tag}"]
        for lv in range(min(LEVELS, len(path))):
            attrs = containers[path[-1 - lv]].attrs
            if attrs:
                values, split = value_words(attrs)
                words += [f"{lv}={v}" for v in values]
                words += [f"{lv}:{w}" for w in split]
        words += [f"a:{w}" for w in sorted(path_words[path[-1]])]
        out.append(tuple(dict.fromkeys(words)))
    return out


K = TypeVar("K", bound=Hashable)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _memoised(memo: dict[K, float], keys: Sequence[K], compute: Callable[[list[K]], Iterable[float]]) -> dict[K, float]:
    """Each key's value from ``memo``, the missing ones computed in one call and remembered while the memo holds
    fewer than ``MEMO_SIZE`` (it is emptied when full: memory stays flat over a long batch). One ``get`` per key, so
    that threads sharing a lexicon never see a key vanish between a test and a read."""
    known: dict[K, float] = {}
    missing: list[K] = []
    for key in dict.fromkeys(keys):
        value = memo.get(key)
        if value is None:
            missing.append(key)
        else:
            known[key] = value
    if missing:
        fresh = dict(zip(missing, compute(missing), strict=True))
        known.update(fresh)
        if len(memo) + len(fresh) > MEMO_SIZE:
            memo.clear()
        if len(fresh) <= MEMO_SIZE:
            memo.update(fresh)
    return known


def _rows(keys: IntArray, words: Sequence[str]) -> IntArray:
    """Each word's place in ``keys``, the sorted Python hashes of a table's words, in one array search;
    ``len(keys)`` for a word the table does not have (``WordTable`` and ``Columns`` keep a row of zeros there)."""
    if not len(keys):
        return np.zeros(len(words), dtype=np.int64)
    hashes = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
    at = np.minimum(keys.searchsorted(hashes), len(keys) - 1)
    return np.where(keys[at] == hashes, at, len(keys))


class WordTable(Mapping[str, float]):
    """A read-only word -> weight mapping in about 2 MB where a dict of the shipped lexicon's words takes 14 (the
    10 MB page's peak memory, issue 5): the words stay as one UTF-8 string (for iteration and saving), and lookups go
    through a sorted array of the words' Python hashes beside their weights (float64: a lexicon fitted in training
    keeps its weights exact, as the dict did; the shipped file stores float32).

    ``hash(str)`` is salted per process, so the array is rebuilt wherever a table is made or unpickled, never
    stored. Two different words share a 64-bit hash with odds of about 1 in 10^10 over the whole table (a build that
    meets one raises); a word outside the table matches one inside it with odds of about 1 in 10^14 per lookup."""

    def __init__(self, words: Sequence[str], weights: npt.ArrayLike) -> None:
        values = np.asarray(weights, dtype=np.float64)
        if len(words) != len(values):
            raise ValueError(f"{len(words)} words but {len(values)} weights")
        if any("\n" in w for w in words):
            raise ValueError("a lexicon word may not contain a line break")
        hashes = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
        order = np.argsort(hashes, kind="stable")
        self._keys = hashes[order]
        if len(words) > 1 and not np.all(self._keys[1:] != self._keys[:-1]):
            raise ValueError("two lexicon words share a hash (or a word is repeated)")
        self._values = np.append(values[order], 0.0)  # the last: the weight of a word the table does not have
        self._text = "\n".join(words)
        self._size = len(words)

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> WordTable:
        """A table of a mapping's words, in sorted order."""
        if isinstance(weights, WordTable):
            return weights
        words = sorted(weights)
        return cls(words, [weights[w] for w in words])

    def lookup(self, words: Sequence[str]) -> npt.NDArray[np.float64]:
        """Each word's weight, 0 for a word the table does not know, in one array search."""
        return self._values[_rows(self._keys, words)]

    def get(self, word: str, default: float | None = None) -> float | None:  # type: ignore[override]
        if self._size:
            h = hash(word)
            at = int(self._keys.searchsorted(h))
            if at < self._size and self._keys[at] == h:
                return float(self._values[at])
        return default

    def __getitem__(self, word: str) -> float:
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.split("\n") if self._size else [])

    def __len__(self) -> int:
        return self._size

    def weights_in_order(self) -> npt.NDArray[np.float64]:
        """The weights in the order of iteration (of the words as given)."""
        return self.lookup(list(self))

    def __reduce__(self) -> tuple[type[WordTable], tuple[list[str], npt.NDArray[np.float64]]]:
        return WordTable, (list(self), self.weights_in_order())


class Columns:
    """A lexicon's weights by what follows each word's prefix: ``entry`` -> the weights of ``0=entry``, ``1=entry``,
    ..., ``a:entry``, ``t:entry`` (0 where a word is not in the lexicon). A page's class/id values, words and tags
    are then each hashed and looked up once for all their prefixes, where ``WordTable`` takes one string and one
    lookup per prefix. Keyed by Python hashes as ``WordTable`` is (rebuilt in every process, never stored); 3 MB
    for the shipped lexicon."""

    def __init__(self, table: WordTable) -> None:
        words = [w for w in table if w[:2] in PREFIXES]
        column = {prefix: k for k, prefix in enumerate(PREFIXES)}
        rests = [w[2:] for w in words]
        hashes = np.fromiter(map(hash, rests), dtype=np.int64, count=len(rests))
        self._keys, rows = np.unique(hashes, return_inverse=True)
        if len(self._keys) != len(set(rests)):
            raise ValueError("two lexicon words share a hash once their prefixes are taken off")
        self._values = np.zeros((len(self._keys) + 1, len(PREFIXES)))  # the last row: words it does not have
        cols = np.fromiter((column[w[:2]] for w in words), dtype=np.int64, count=len(words))
        self._values[rows, cols] = table.lookup(words)

    def lookup(self, tokens: Sequence[str]) -> npt.NDArray[np.float64]:
        """Each token's row of weights, one column per prefix in PREFIXES."""
        return self._values[_rows(self._keys, tokens)]


@dataclasses.dataclass(frozen=True)
class Lexicon:
    """Word weights and an intercept; ``score`` gives each block the intercept plus the sum of its known words'
    weights divided by the square root of how many words it has, known or not (the logit of a linear model on
    the block's unit-length word vector): a block whose words are mostly unknown, as on a new site, scores near
    the intercept. ``weights`` may be given as any mapping (a dict in tests and by hand); it is kept as a
    ``WordTable``."""

    weights: WordTable
    intercept: float
    pages: frozenset[str] = frozenset()  # sha256 of the HTML of each page it learned from (its first 16 hex digits)

    def score_words(self, blocks: Sequence[Sequence[str]]) -> npt.NDArray[np.float64]:
        values = self.weights.lookup([w for words in blocks for w in words]).tolist()
        out = np.empty(len(blocks))
        start = 0
        for i, words in enumerate(blocks):
            end = start + len(words)
            out[i] = sum(values[start:end]) / np.sqrt(len(words)) if end > start else 0.0
            start = end
        return out + self.intercept

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", WordTable.of(self.weights))
        self._empty_caches()

    def _empty_caches(self) -> None:
        """Start the caches empty, as a new lexicon and one unpickled in a worker do. The memos hold sums of (level,
        class/id string) pairs and weights of path words and tags, kept between pages: a site's class strings recur
        on all its pages."""
        object.__setattr__(self, "_memos", ({}, {}, {}))
        object.__setattr__(self, "_columns", [])  # the Columns table, built by the first compiled score

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the memos and columns (a lexicon sent to a worker process starts with empty ones, and
        hashes differ between processes)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_memos", "_columns")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._empty_caches()

    @property
    def columns(self) -> Columns:
        """The weights as a ``Columns`` table, built once."""
        built: list[Columns] = self._columns  # type: ignore[attr-defined]
        if not built:
            built.append(Columns(self.weights))
        return built[0]

    def score(self, seg: Segmentation) -> npt.NDArray[np.float64]:
        """``score_words(block_words(seg))`` to the last bit, computed without spelling out each block's words: a
        path's words are summed once per container (a block's path shares all but its last steps with its
        neighbours'), each class/id string's words once per level it is met at, and each block adds up its owner's
        and two ancestors' sums in numpy. The Python loop over the blocks and per-string lookups this replaces took
        1.4 ms a page, the largest part of the features (issue 5). Once numba is loaded (after a few pages, or in a
        batch) the sums are made by one compiled pass over the page's containers (``_lexicon_source``)."""
        page = _PageStrings.of(seg)
        kernel = _compiled_lexicon() if "numba" in sys.modules else None
        if kernel is None:
            tag_sum, path_sum, path_count, level_sums = self._python_sums(seg, page)
        else:
            tag_sum, path_sum, path_count, level_sums = self._compiled_sums(seg, page, kernel)
        level_counts = np.array([len(v) + len(w) for v, w in page.split] + [0], dtype=np.int64)
        owner = page.levels[0]
        total, count = tag_sum[owner] + path_sum[owner], 1 + path_count[owner]
        for lv, rows in enumerate(page.level_rows):
            total = total + level_sums[rows, lv]
            count = count + level_counts[rows]
        return total / np.sqrt(count) + self.intercept

    def _python_sums(
        self, seg: Segmentation, page: _PageStrings
    ) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
        """Each container's tag weight, path sum and path word count, and each (class/id string, level)'s sum, in
        Python, with memos of pair sums, path words and tags kept between pages."""
        containers, attrs, split = seg.containers, page.attrs, page.split
        # (level, class/id string) pairs that some block meets
        needed = [(lv, int(k)) for lv, rows in enumerate(page.level_rows) for k in np.unique(rows) if k != page.none]
        pair_memo, word_memo, tag_memo = self._memos  # type: ignore[attr-defined]
        pair_sum = _memoised(pair_memo, [(lv, attrs[k]) for lv, k in needed], self._pair_sums)
        level_sums = np.zeros((page.none + 1, LEVELS))
        for lv, k in needed:
            level_sums[k, lv] = pair_sum[lv, attrs[k]]
        path_words = [w for _, words in split for w in words]
        word_weight = _memoised(word_memo, path_words, lambda ws: self._weights(f"a:{w}" for w in ws))
        tags = [c.tag for c in containers]
        tag_weight = _memoised(tag_memo, tags, lambda ts: self._weights(f"t:{t}" for t in ts))
        tag_sum = np.fromiter((tag_weight[t] for t in tags), np.float64, len(tags))
        return tag_sum, *self._path_states(containers, word_weight), level_sums

    def _compiled_sums(
        self, seg: Segmentation, page: _PageStrings, kernel: Callable[..., None]
    ) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
        """What ``_python_sums`` gives, to the last bit, from the compiled ``kernel``: the page's class/id values,
        words and tags numbered, each string's values and words as runs of those numbers, and each number's weights
        for every prefix looked up once (``Columns``)."""
        split, n = page.split, len(page.parents)
        vocabulary: dict[str, int] = {}
        value_ids = np.fromiter((vocabulary.setdefault(v, len(vocabulary)) for vs, _ in split for v in vs), np.int64)
        word_ids = np.fromiter((vocabulary.setdefault(w, len(vocabulary)) for _, ws in split for w in ws), np.int64)
        tag_ids = np.fromiter((vocabulary.setdefault(c.tag, len(vocabulary)) for c in seg.containers), np.int64, n)
        weights = self.columns.lookup(list(vocabulary))
        level_sums, sums, counts = np.empty((page.none + 1, LEVELS)), np.empty(n), np.empty(n, dtype=np.int64)
        kernel(
            page.parents, page.row, _run_starts([len(v) for v, _ in split]), value_ids,
            _run_starts([len(w) for _, w in split]), word_ids, weights, level_sums, sums, counts,
            np.zeros(len(vocabulary), np.int64), np.empty(n, np.int64),
        )  # fmt: skip
        return weights[tag_ids, _TAG_COLUMN], sums, counts, level_sums

    def _pair_sums(self, pairs: Sequence[tuple[int, str]]) -> Iterator[float]:
        """Each (level, class/id string) pair's summed weight: its values' sum plus its words' sum, as
        ``score_words`` adds them."""
        split = [value_words(a) for _, a in pairs]
        found = self._weights(
            f"{lv}{sep}{x}"
            for (lv, _), vw in zip(pairs, split, strict=True)
            for sep, xs in zip("=:", vw, strict=True)
            for x in xs
        )
        for values, words in split:
            weights = list(itertools.islice(found, len(values) + len(words)))
            yield sum(weights[: len(values)]) + sum(weights[len(values) :])

    def _weights(self, keys: Iterable[str]) -> Iterator[float]:
        """The keys' weights (0 for an unknown key), looked up ``LOOKUP_CHUNK`` keys at a time: all the keys of a 10
        MB page at once (hundreds of thousands of strings) put its peak 3-5 MB over the issue's 400 MB."""
        keys = iter(keys)
        while chunk := list(itertools.islice(keys, LOOKUP_CHUNK)):
            yield from self.weights.lookup(chunk).tolist()

    @staticmethod
    def _path_states(
        containers: Sequence[Container], word_weight: Mapping[str, float]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """The summed weight and the number of each container's distinct path words (its own class/id words and its
        ancestors'). The words are added in the order they are met from the root, where ``block_words`` sorts them:
        the same sum up to rounding (on 270 dataset pages, to the last bit). The sets are kept once per distinct path
        state: a container with no class/id shares its parent's, and the many containers of one class under one
        parent (list items, cards) share one new state (the sets of every container took 15 MB on a 10 MB page)."""
        sets: list[frozenset[str]] = [frozenset()]
        sums, counts = [0.0], [0]
        memo: dict[tuple[int, str], int] = {}
        state = [0] * len(containers)
        for c in containers:
            base = state[c.parent] if c.parent >= 0 else 0
            if not c.attrs:
                state[c.id] = base
                continue
            got = memo.get((base, c.attrs))
            if got is None:
                inherited = sets[base]
                new = [w for w in value_words(c.attrs)[1] if w not in inherited]
                got = base
                if new:
                    sets.append(inherited.union(new))
                    sums.append(sums[base] + sum(word_weight[w] for w in new))
                    counts.append(counts[base] + len(new))
                    got = len(sets) - 1
                memo[base, c.attrs] = got
            state[c.id] = got
        at = np.array(state, dtype=np.int64)
        return np.array(sums)[at], np.array(counts, dtype=np.int64)[at]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            # UTF-8 bytes of the words joined: numpy's strings are fixed-width UTF-32 (50 MB to load, not 2)
            words=np.frombuffer("\n".join(self.weights).encode("utf-8"), dtype=np.uint8),
            weights=self.weights.weights_in_order().astype(np.float32),
            intercept=np.array([self.intercept], dtype=np.float64),
            pages=np.array(sorted(self.pages), dtype=np.str_),
        )

    @classmethod
    def load(cls, path: Path | str) -> Lexicon:
        with np.load(path, allow_pickle=False) as z:
            words = z["words"].tobytes().decode("utf-8").split("\n") if len(z["weights"]) else []
            table = WordTable(words, z["weights"])
            return cls(table, float(z["intercept"][0]), frozenset(z["pages"].tolist()))


@dataclasses.dataclass(frozen=True)
class _PageStrings:
    """A page's distinct class/id strings (``attrs``) with their values and words (``split``), each container's
    string (``row``: its index in ``attrs``, ``none`` where it has no class/id) and parent (-1 at the root)."""

    attrs: list[str]
    split: list[tuple[tuple[str, ...], tuple[str, ...]]]
    row: IntArray
    parents: IntArray
    levels: list[IntArray]  # each block's owner, then its LEVELS - 1 nearest block ancestors (len(parents): none)

    @property
    def none(self) -> int:
        return len(self.attrs)

    @cached_property
    def level_rows(self) -> list[IntArray]:
        """Each block's class/id string at each level (``none`` where there is none, or no container)."""
        row = np.append(self.row, self.none)
        return [row[at] for at in self.levels]

    @classmethod
    def of(cls, seg: Segmentation) -> _PageStrings:
        containers = seg.containers
        attrs = list(dict.fromkeys(c.attrs for c in containers if c.attrs))
        attr_row = {a: k for k, a in enumerate(attrs)}
        row = np.fromiter((attr_row.get(c.attrs, len(attrs)) for c in containers), np.int64, len(containers))
        parents = np.fromiter((c.parent for c in containers), np.int64, len(containers))
        above = np.append(np.where(parents >= 0, parents, len(parents)), len(parents))  # the root's: past the end
        levels = [np.fromiter((b.path[-1] for b in seg.blocks), np.int64, len(seg.blocks))]
        for _ in range(1, LEVELS):
            levels.append(above[levels[-1]])
        return cls(attrs, [value_words(a) for a in attrs], row, parents, levels)


def _run_starts(lengths: Sequence[int]) -> IntArray:
    """Where each of the runs of ``lengths`` starts and, last, where they end, twice: the string past the last
    (a container without class/id) has an empty run."""
    out = np.zeros(len(lengths) + 2, dtype=np.int64)
    np.cumsum(lengths, out=out[1 : len(lengths) + 1])
    out[-1] = out[-2]
    return out


def _lexicon_source(
    parent: IntArray,
    row: IntArray,
    value_starts: IntArray,
    value_ids: IntArray,
    word_starts: IntArray,
    word_ids: IntArray,
    weights: FloatArray,
    level_sums: FloatArray,
    sums: FloatArray,
    counts: IntArray,
    open_words: IntArray,
    stack: IntArray,
) -> None:  # pragma: no cover - run compiled by numba (tests check it against _python_sums and run it as Python)
    """The lexicon's sums in one compiled pass. Each class/id string's sum at each level: its values' weights, then
    its words', added in ``_pair_sums``' order. Then each container's summed weight and number of distinct path
    words, over the containers in document order (a parent before its children) with a stack of the open ones:
    ``open_words[w]`` counts the open containers that have word ``w``, so a container's new words are those no
    open container has, summed first and then added to its parent's sum as ``_path_states`` adds them. The same
    floats, and linear in the page's containers and words whatever the nesting."""
    for k in range(len(value_starts) - 1):
        for lv in range(LEVELS):
            values = 0.0
            for j in range(value_starts[k], value_starts[k + 1]):
                values += weights[value_ids[j], _VALUE_COLUMN + lv]
            words = 0.0
            for j in range(word_starts[k], word_starts[k + 1]):
                words += weights[word_ids[j], _WORD_COLUMN + lv]
            level_sums[k, lv] = values + words
    top = 0
    for c in range(len(parent)):
        p = parent[c]
        while top > 0 and stack[top - 1] != p:
            top -= 1
            r = row[stack[top]]
            for j in range(word_starts[r], word_starts[r + 1]):
                open_words[word_ids[j]] -= 1
        total = sums[p] if p >= 0 else 0.0
        count = counts[p] if p >= 0 else 0
        r = row[c]
        part = 0.0
        new = False
        for j in range(word_starts[r], word_starts[r + 1]):
            w = word_ids[j]
            if open_words[w] == 0:
                part += weights[w, _PATH_COLUMN]
                count += 1
                new = True
            open_words[w] += 1
        sums[c] = total + part if new else total
        counts[c] = count
        stack[top] = c
        top += 1


@lru_cache(maxsize=1)
def _compiled_lexicon() -> Callable[..., None] | None:
    """``_lexicon_source`` compiled with numba (cached on disk), or None where numba is missing. Used once numba is
    loaded (forest.py loads it after a few pages), so a single extraction never waits for a compile."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return numba.njit(cache=True, nogil=True)(_lexicon_source)  # type: ignore[no-any-return,unused-ignore]


@cache
def shipped_lexicon() -> Lexicon:
    """The lexicon learned from the train splits of the shared datasets (``assets/lexicon.npz``)."""
    with resources.as_file(resources.files("blocksift").joinpath("assets", "lexicon.npz")) as path:
        return Lexicon.load(path)


def fit_lexicon(
    blocks: Sequence[Sequence[str]],
    labels: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    sites: Sequence[str],
    *,
    min_sites: int = MIN_SITES,
    alpha: float = 1e-5,
    seed: int = 0,
) -> Lexicon:
    """A logistic model of the labels on the blocks' words (each block weighted by ``weights``), over the words
    seen on at least ``min_sites`` of the blocks' ``sites``."""
    encoded = EncodedBlocks.of(blocks, sites)
    return encoded.fit(encoded.sites(sites), labels, weights, min_sites=min_sites, alpha=alpha, seed=seed)


@dataclasses.dataclass(frozen=True)
class EncodedBlocks:
    """Blocks' words as ids into one sorted vocabulary of every word met, with each block's site.

    Training fits five out-of-fold lexicons on overlapping four-fifths of the same 660,000 blocks. Turning their
    23 million words into vocabularies, site counts and sparse matrices in Python, once per fold, took more time
    than the five logistic fits; encoded once, each fold's matrix is a few array operations. ``fit`` gives the
    lexicon that ``fit_lexicon`` gives on the blocks of the chosen sites, to the last bit: the same matrix, rows
    and columns in the same order."""

    vocabulary: list[str]  # every word met, sorted
    ids: npt.NDArray[np.signedinteger[Any]]  # each block's word ids in the block's own order, block after block
    owner: npt.NDArray[np.signedinteger[Any]]  # the block of each id
    lengths: npt.NDArray[np.int64]  # words per block
    site: npt.NDArray[np.int64]  # each block's site, numbered as in site_names
    site_names: list[str]
    pair_word: npt.NDArray[np.int64]  # the distinct (word, site) pairs met
    pair_site: npt.NDArray[np.int64]

    @classmethod
    def of(cls, blocks: Sequence[Sequence[str]], sites: Sequence[str]) -> EncodedBlocks:
        import pandas as pd  # a dependency; imported on use, as training is

        lengths = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
        flat = np.fromiter(itertools.chain.from_iterable(blocks), dtype=object, count=int(lengths.sum()))
        codes, met = pd.factorize(flat)
        order = sorted(range(len(met)), key=met.__getitem__)
        rank = np.empty(len(met), dtype=np.int64)
        rank[order] = np.arange(len(met))
        site, site_names = pd.factorize(np.asarray(sites, dtype=object))
        n_sites = max(len(site_names), 1)
        ids = rank[codes]
        del flat, codes, rank
        owner = np.repeat(np.arange(len(blocks)), lengths)
        pairs = np.unique(ids * n_sites + site[owner])
        # 32-bit ids where they fit: the two arrays of one entry per word are most of the memory folds share
        small = np.int32 if max(len(met), len(blocks)) < 2**31 else np.int64
        return cls(
            [met[i] for i in order], ids.astype(small), owner.astype(small), lengths, site.astype(np.int64),
            list(site_names), pairs // n_sites, pairs % n_sites,
        )  # fmt: skip

    def sites(self, names: Iterable[str]) -> npt.NDArray[np.bool_]:
        """The flags of the named sites (names of no block are left out), for ``fit`` and ``design``."""
        chosen = set(names)
        return np.array([name in chosen for name in self.site_names], dtype=bool)

    def design(
        self, fit_sites: npt.NDArray[np.bool_], min_sites: int = MIN_SITES
    ) -> tuple[sparse.csr_matrix, npt.NDArray[np.bool_], list[str]]:
        """The logistic fit's matrix of the blocks of the flagged sites (a row per block, in order, a column per
        word seen on at least ``min_sites`` of those sites, in sorted order: 1 / sqrt(the block's number of words,
        known or not) where the block has the word), those blocks' flags, and the columns' words."""
        from scipy import sparse

        fitted = fit_sites[self.site]
        sites_per_word = np.bincount(self.pair_word[fit_sites[self.pair_site]], minlength=len(self.vocabulary))
        known = sites_per_word >= min_sites
        kept = fitted[self.owner] & known[self.ids]
        rows = (np.cumsum(fitted) - 1).astype(self.owner.dtype)[self.owner[kept]]
        counts = np.maximum(self.lengths[fitted], 1).astype(np.float64)
        values = 1.0 / np.sqrt(counts)[rows]
        columns = (np.cumsum(known) - 1).astype(self.ids.dtype)[self.ids[kept]]
        X = sparse.csr_matrix((values, (rows, columns)), shape=(len(counts), max(int(known.sum()), 1)))
        return X, fitted, [word for word, k in zip(self.vocabulary, known.tolist(), strict=True) if k]

    def fit(
        self,
        fit_sites: npt.NDArray[np.bool_],
        labels: npt.NDArray[np.bool_],
        weights: npt.NDArray[np.float64],
        *,
        min_sites: int = MIN_SITES,
        alpha: float = 1e-5,
        seed: int = 0,
    ) -> Lexicon:
        """The lexicon of the blocks of the sites flagged in ``fit_sites`` (``labels`` and ``weights`` are every
        block's), over the words seen on at least ``min_sites`` of those sites."""
        from sklearn.linear_model import SGDClassifier

        X, fitted, words = self.design(fit_sites, min_sites)
        y, w = labels[fitted], weights[fitted]
        model = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=20, tol=None, random_state=seed)
        model.fit(X, y.astype(int), sample_weight=w / max(float(w.mean()), 1e-12))
        return Lexicon(WordTable(words, model.coef_[0][: len(words)]), float(model.intercept_[0]))


def out_of_fold_scores(
    words: Sequence[Sequence[Sequence[str]]],
    labels: Sequence[npt.NDArray[np.bool_]],
    weights: Sequence[npt.NDArray[np.float64]],
    sites: Sequence[str],
    *,
    folds: int = OOF_FOLDS,
    jobs: int = 1,
) -> list[npt.NDArray[np.float64]]:
    """Each page's block scores from a lexicon fitted on the pages of the other sites' folds.

    A model must not learn from lexicon scores of the pages the lexicon learned from: there the words of a page's
    own site are known, on a new site they are not, and the trees would trust the column more than it deserves.
    So training scores the shipped lexicon's own pages as new sites would be scored (``folds`` site-grouped
    folds, as the first stage's out-of-fold scores). The folds are fitted by ``jobs`` threads: the logistic fit,
    most of a fold's time, runs without the interpreter lock, and threads share the encoded blocks where
    processes would each need a copy."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import GroupKFold

    out: list[npt.NDArray[np.float64]] = [np.zeros(len(w)) for w in words]
    n_folds = min(folds, len(set(sites)))
    if n_folds < 2:
        return out
    blocks = [b for page in words for b in page]
    encoded = EncodedBlocks.of(blocks, [s for page, s in zip(words, sites, strict=True) for _ in page])
    all_labels, all_weights = np.concatenate(labels), np.concatenate(weights)

    def fold(fit: npt.NDArray[np.int64], held: npt.NDArray[np.int64]) -> None:
        lexicon = encoded.fit(encoded.sites(sites[i] for i in fit), all_labels, all_weights)
        for i in held:
            out[i] = lexicon.score_words(words[i])

    split = GroupKFold(n_splits=n_folds).split(np.arange(len(words)), groups=list(sites))
    Parallel(n_jobs=jobs, prefer="threads")(delayed(fold)(fit, held) for fit, held in split)
    return out


def page_weights(tokens: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Block weights as the lexicon learns them: tokens capped at 200, the page's total 1."""
    capped = np.minimum(tokens.astype(np.float64), 200)
    return capped / max(float(capped.sum()), 1.0)


def page_site(page: Page) -> str:
    """The site a page comes from (its URL's host without ``www.``), or the page itself where no URL is known."""
    host = urlparse(str(page.meta.get("url") or "")).netloc.lower().removeprefix("www.")
    return host or page.key


def page_digest(data: bytes) -> str:
    """How a lexicon names the pages it learned from."""
    return hashlib.sha256(data).hexdigest()[:16]


Example = tuple[list[tuple[str, ...]], npt.NDArray[np.bool_], npt.NDArray[np.float64], str]


def _page_examples(page: Page) -> Example | None:
    """A training page's block words, content labels (as ``table`` makes them) and block weights (tokens capped at
    200, the page's total 1, as the model weighs blocks); None where the page cannot be read or has no block."""
    from blocksift.blocks import segment
    from blocksift.errors import BlocksiftError
    from blocksift.page import parse_html
    from blocksift.table import block_labels, page_sources  # table imports this module: imported on use

    try:
        data, gold, labels_file = page_sources(page)
        seg = segment(parse_html(data))
        labels = block_labels(seg, gold, labels_file)[0]
    except (BlocksiftError, OSError):
        return None
    if not seg.blocks:
        return None
    tokens = np.array([b.n_tokens for b in seg.blocks], dtype=np.int64)
    return block_words(seg), labels, page_weights(tokens), page_digest(data)


def build_lexicon(pages: Sequence[Page], *, jobs: int = 1, min_sites: int = MIN_SITES) -> Lexicon:
    """Learn a lexicon from labelled pages (each page weighs the same)."""
    from joblib import Parallel, delayed

    examples = Parallel(n_jobs=jobs, batch_size=16)(delayed(_page_examples)(p) for p in pages)
    kept = [(p, e) for p, e in zip(pages, examples, strict=True) if e is not None]
    if not kept:
        raise ValueError("no readable labelled page to learn a lexicon from")
    lexicon = fit_lexicon(
        [w for _, e in kept for w in e[0]],
        np.concatenate([e[1] for _, e in kept]),
        np.concatenate([e[2] for _, e in kept]),
        [page_site(p) for p, e in kept for _ in e[0]],
        min_sites=min_sites,
    )
    return dataclasses.replace(lexicon, pages=frozenset(e[3] for _, e in kept))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m blocksift.lexicon DATASET... --out FILE``: learn the lexicon from the train splits."""
    import argparse

    from blocksift.datasets import load_datasets

    ap = argparse.ArgumentParser(prog="python -m blocksift.lexicon", description=main.__doc__)
    ap.add_argument("datasets", nargs="+", type=Path, help="dataset folders (the layout of datasets/README.md)")
    ap.add_argument("--out", type=Path, required=True, help="where to write the lexicon (.npz)")
    ap.add_argument("--split", default="train", help="the split to learn from (default: train)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    pages = load_datasets(args.datasets, splits=[args.split])
    lexicon = build_lexicon(pages, jobs=args.jobs)
    lexicon.save(args.out)
    print(f"{len(lexicon.weights):,} words from {len(pages):,} pages -> {args.out}")
    return 0


if __name__ == "__main__":
    # Run through the imported module, so that the worker processes find its functions by name.
    from blocksift import lexicon as _module

    raise SystemExit(_module.main())

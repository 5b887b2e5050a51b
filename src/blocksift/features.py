"""blocks -> feature matrix.

Features are computed for all blocks of a page at once, with numpy, in *groups*: each group is a small function
registered with the ordered names and meanings of the columns it returns. The ordered list of names plus
``SCHEMA_VERSION`` is the contract with saved models (DESIGN.md): change a feature's meaning or order and the
version must change, so that a model trained on the old schema is refused instead of silently misread.

Signals, after the research notes in DESIGN.md:
* the block alone: size, text and link density (boilerpipe's definitions), punctuation, its tag;
* the block in its markup: ancestor tags and class/id vocabulary (dragnet's strongest words), and a score of all
  the class/id words on its path learned from the labelled pages (``lexicon.py``);
* the block in its page: what each ancestor holds (share of the page's text, link density, paragraph-like text),
  repeated sibling containers (cards, list items), the densest region of the page (a readability-style container
  score), relative position, and its neighbours (boilerpipe's strongest features);
* the page as a whole: its profile, the token-weighted page means of 32 block features (``PROFILE_OF``), on every
  row, so that a block is judged by the kind of page it is on.
No feature uses a word list of one language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from blocksift.blocks import TOKEN_RE, Segmentation
from blocksift.charclass import PageText, chunks, match_counts, token_counts
from blocksift.lexicon import shipped_lexicon

SCHEMA_VERSION = 3
FloatArray = npt.NDArray[np.float64]

# boilerpipe wraps text at 80 characters to measure text density (words per wrapped line).
WRAP_WIDTH = 80
# A "paragraph-like" block: enough words, few of them linked (readability's and jusText's notion of a good block).
PARA_MIN_TOKENS = 10
PARA_MAX_LINK_DENSITY = 0.33
# Weight of non-paragraph text against paragraph text when scoring a container as the page's main region.
REGION_NOISE_WEIGHT = 0.5
ANCESTOR_LEVELS = (0, 1, 2, 3, 5)
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)

SENTENCE_PUNCT_RE = re.compile(r"[.!?;:,。！？、，；：]")
SEPARATOR_RE = re.compile(r"[|•·»«›‹/\\>]")
UPPER_CLASS = r"[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω]"
UPPER_START_RE = re.compile(r"\b" + UPPER_CLASS)
WORD_CLASS = r"\w"
DIGIT_RE = re.compile(r"\d")
COPYRIGHT_RE = re.compile(r"©|\(c\)\s*\d{4}", re.IGNORECASE)

OWNER_TAGS: tuple[tuple[str, frozenset[str]], ...] = (
    ("p", frozenset({"p"})),
    ("div", frozenset({"div", "center"})),
    ("li", frozenset({"li"})),
    ("cell", frozenset({"td", "th"})),
    ("h1", frozenset({"h1"})),
    ("h2", frozenset({"h2"})),
    ("h3", frozenset({"h3"})),
    ("h456", frozenset({"h4", "h5", "h6"})),
    ("pre", frozenset({"pre", "xmp", "listing"})),
    ("quote", frozenset({"blockquote"})),
    ("deflist", frozenset({"dd", "dt", "dl"})),
    ("caption", frozenset({"figcaption", "caption", "figure"})),
    ("form", frozenset({"label", "legend", "option", "button", "textarea", "form", "fieldset", "output"})),
    ("sectioning", frozenset({"section", "article", "main", "body", "html"})),
    ("chrome", frozenset({"header", "footer", "nav", "aside", "menu"})),
)
ANCESTOR_TAGS: tuple[tuple[str, frozenset[str]], ...] = (
    ("nav", frozenset({"nav", "menu"})),
    ("footer", frozenset({"footer"})),
    ("header", frozenset({"header"})),
    ("aside", frozenset({"aside"})),
    ("article", frozenset({"article"})),
    ("main", frozenset({"main"})),
    ("form", frozenset({"form", "fieldset"})),
    ("list", frozenset({"ul", "ol", "li", "dl"})),
    ("table", frozenset({"table"})),
    ("quote", frozenset({"blockquote"})),
    ("figure", frozenset({"figure"})),
    ("noscript", frozenset({"noscript"})),
    ("heading", frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "hgroup"})),
    ("section", frozenset({"section"})),
)
# class/id vocabulary: each name is a pattern of whole words or word prefixes inside class and id values.
ATTR_TERMS: tuple[tuple[str, str], ...] = (
    ("article", r"article|artikel|story|entry|post(?!er)|blog"),
    ("content", r"content|body|text|main|prose|rich|detail|description|desc"),
    ("nav", r"nav|menu|breadcrumb|crumb|toolbar|tabs?|topbar|skip"),
    ("footer", r"foot|copyright|legal|imprint|bottom"),
    ("header", r"head(?!line)|masthead|banner|top"),
    ("comment", r"comment|repl|respond|discuss|disqus|reaction"),
    ("share", r"share|social|sharing|facebook|twitter|follow|print|email"),
    ("related", r"related|recommend|more|popular|trending|also|teaser|next|prev|outbrain|taboola"),
    ("sidebar", r"side|widget|rail|aside|column|col"),
    ("ad", r"ads?|advert\w*|sponsor\w*|promo\w*|commercial|dfp|gpt|adslot|banner"),
    ("meta", r"meta|byline|author|date|time|dateline|info|tags?|categor\w*|label"),
    ("caption", r"caption|credit|photo|image|img|figure|media|gallery|thumb"),
    ("consent", r"cookie|consent|gdpr|privacy|notice|alert|modal|popup|overlay|dialog"),
    ("signup", r"subscribe|newsletter|signup|sign|login|account|register|paywall|cta"),
    ("search", r"search|filter|sort"),
    ("pager", r"pag(?:e|ination|er)|load"),
    ("hidden", r"hidden|hide|invisible|collapse|sr|visually|screen|offscreen|d-none"),
    ("title", r"title|headline|heading|h1"),
    ("card", r"card|item|tile|product|listing|result|grid|entry"),
    ("user", r"user|member|avatar|profile|signature|sig|quote"),
)
_ATTR_TERM_RES = tuple(re.compile(pat) for _, pat in ATTR_TERMS)
_ATTR_SPLIT_RE = re.compile(r"[^a-z]+")


@lru_cache(maxsize=65536)
def _word_mask(word: str) -> int:
    """Bit mask of the ATTR_TERMS that match the start of one class/id word (cached: words recur across pages)."""
    mask = 0
    for i, rx in enumerate(_ATTR_TERM_RES):
        if rx.match(word):
            mask |= 1 << i
    return mask


@lru_cache(maxsize=65536)
def attr_mask(attrs: str) -> int:
    """Bit mask of the ATTR_TERMS found in a lower-cased class/id string; words split at non-letters."""
    mask = 0
    for word in _ATTR_SPLIT_RE.split(attrs):
        if word:
            mask |= _word_mask(word)
    return mask


@dataclass(frozen=True)
class Feature:
    """One column of the feature matrix: its name and what it means (unit and range)."""

    name: str
    doc: str


GroupFn = Callable[["PageArrays"], FloatArray]
_GROUPS: list[tuple[tuple[Feature, ...], GroupFn]] = []


def group(*columns: tuple[str, str]) -> Callable[[GroupFn], GroupFn]:
    """Register a feature group: a function of a page's arrays returning one column per declared feature."""

    def register(fn: GroupFn) -> GroupFn:
        _GROUPS.append((tuple(Feature(n, d) for n, d in columns), fn))
        return fn

    return register


class PageArrays:
    """The per-block and per-container quantities that feature groups are computed from (each computed once)."""

    def __init__(self, seg: Segmentation) -> None:
        self.seg = seg
        blocks = seg.blocks
        self.n = len(blocks)
        self.n_tokens = np.array([b.n_tokens for b in blocks], dtype=np.float64)
        self.n_links = np.array([b.n_link_tokens for b in blocks], dtype=np.float64)
        self.n_chars = np.array([len(b.text) for b in blocks], dtype=np.float64)
        self.depth = np.array([len(b.path) for b in blocks], dtype=np.float64)
        self.owner = np.array([b.path[-1] for b in blocks], dtype=np.int64)
        self.parent = np.array([c.parent for c in seg.containers], dtype=np.int64)
        self.total_tokens = max(float(self.n_tokens.sum()), 1.0)
        self._levels: list[npt.NDArray[np.int32]] = [self.owner.astype(np.int32)]

    @cached_property
    def link_density(self) -> FloatArray:
        return self.n_links / np.maximum(self.n_tokens, 1)

    @cached_property
    def text_density(self) -> FloatArray:
        lines = np.maximum(np.ceil(self.n_chars / WRAP_WIDTH), 1)
        return self.n_tokens / lines

    @cached_property
    def is_para(self) -> FloatArray:
        return ((self.n_tokens >= PARA_MIN_TOKENS) & (self.link_density < PARA_MAX_LINK_DENSITY)).astype(float)

    @cached_property
    def subtree_end(self) -> npt.NDArray[np.int64]:
        """One past the last container id inside each container (``blocks.Container.end``)."""
        return np.array([c.end for c in self.seg.containers], dtype=np.int64)

    def under(self, per_block: FloatArray) -> FloatArray:
        """Sum of a per-block quantity over every container's subtree: the sums per owner, run together in
        container order and differenced at each subtree's ends. Exact for whole-number quantities (counts of
        tokens, links, blocks), which are all it is asked for; a list of every (block, ancestor) pair, which this
        replaced, held 430,000 entries on a 10 MB page."""
        n_containers = len(self.seg.containers)
        own = np.bincount(self.owner, weights=per_block, minlength=n_containers)
        running = np.concatenate(([0.0], np.cumsum(own)))
        return (running[self.subtree_end] - running[:n_containers]).astype(np.float64)

    def inside(self, container: int) -> npt.NDArray[np.bool_]:
        """Whether each block sits in ``container``'s subtree."""
        return (self.owner >= container) & (self.owner < self.subtree_end[container])

    def path_max(self, per_container: FloatArray) -> FloatArray:
        """For each block, the largest value of a per-container quantity over its block-level ancestors (its owner
        included): one pass down the containers, whose parents come before them."""
        best = per_container.tolist()
        for c in self.seg.containers:
            if c.parent >= 0 and best[c.parent] > best[c.id]:
                best[c.id] = best[c.parent]
        return np.array(best, dtype=np.float64)[self.owner]

    @cached_property
    def tokens_under(self) -> FloatArray:
        return self.under(self.n_tokens)

    @cached_property
    def links_under(self) -> FloatArray:
        return self.under(self.n_links)

    @cached_property
    def blocks_under(self) -> FloatArray:
        return self.under(np.ones(self.n))

    @cached_property
    def para_tokens_under(self) -> FloatArray:
        return self.under(self.n_tokens * self.is_para)

    def ancestor(self, level: int) -> npt.NDArray[np.int32]:
        """The container ``level`` steps above each block's owner (the root where the path is shorter): the owner's
        parent taken ``level`` times, staying at the root. Each level is made from the one below and kept (the
        features and the page structure ask for levels 0 to 5 a dozen times a page); a matrix of every block's
        path, which this replaced, took more time to build than all the levels take (6 MB of a 10 MB page's peak)."""
        levels = self._levels
        while len(levels) <= level:
            below = levels[-1]
            up = self.parent[below]
            levels.append(np.where(up >= 0, up, below).astype(np.int32))
        return levels[level]

    @cached_property
    def attr_masks(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Bit masks of class/id terms per container: its own, and inherited from all its ancestors."""
        own = [attr_mask(c.attrs) if c.attrs else 0 for c in self.seg.containers]
        inherited = own[:]
        for c in self.seg.containers:
            if c.parent >= 0:
                inherited[c.id] |= inherited[c.parent]
        return np.array(own, dtype=np.int64), np.array(inherited, dtype=np.int64)

    @cached_property
    def tag_masks(self) -> npt.NDArray[np.int64]:
        """Bit mask of ANCESTOR_TAGS present on each container's path (itself included)."""
        bits = {tag: 1 << i for i, (_, tags) in enumerate(ANCESTOR_TAGS) for tag in tags}
        out = [bits.get(c.tag, 0) for c in self.seg.containers]
        for c in self.seg.containers:
            if c.parent >= 0:
                out[c.id] |= out[c.parent]
        return np.array(out, dtype=np.int64)

    @cached_property
    def region_score(self) -> FloatArray:
        """Readability-style score of each container: paragraph text under it minus a share of the rest."""
        return self.para_tokens_under - REGION_NOISE_WEIGHT * (self.tokens_under - self.para_tokens_under)


def _match_counts(rx: re.Pattern[str], texts: list[str]) -> FloatArray:
    return np.array(match_counts(rx, texts), dtype=np.float64)


def _char_counts(texts: list[str]) -> tuple[FloatArray, ...]:
    """Per text: sentence punctuation, digits, capitals after a word boundary, separators, and 1 where a copyright
    notice appears; from one code-point array of the page (``charclass``) where it can be made, a part at a time
    on a very long page (``charclass.chunks``)."""
    parts = [_part_char_counts(part) for part in chunks(texts)]
    return parts[0] if len(parts) == 1 else tuple(np.concatenate(columns) for columns in zip(*parts, strict=True))


def _part_char_counts(texts: list[str]) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    page = PageText.of(texts)
    if page is None:
        return (
            _match_counts(SENTENCE_PUNCT_RE, texts),
            _match_counts(DIGIT_RE, texts),
            _match_counts(UPPER_START_RE, texts),
            _match_counts(SEPARATOR_RE, texts),
            (_match_counts(COPYRIGHT_RE, texts) > 0).astype(float),
        )
    word = page.matches(WORD_CLASS)
    upper = page.after_boundary(page.matches(UPPER_CLASS), word)
    joined = page.joined
    maybe_copyright = "©" in joined or "(c)" in joined or "(C)" in joined  # what COPYRIGHT_RE needs to match
    return (
        page.counts(page.matches(SENTENCE_PUNCT_RE.pattern)).astype(np.float64),
        page.counts(page.matches(DIGIT_RE.pattern)).astype(np.float64),
        page.counts(upper).astype(np.float64),
        page.counts(page.matches(SEPARATOR_RE.pattern)).astype(np.float64),
        (_match_counts(COPYRIGHT_RE, texts) > 0).astype(float) if maybe_copyright else np.zeros(len(texts)),
    )


# The one code point whose lower case is longer than itself: U+0130 (İ) lowers to "i" + U+0307, a combining dot that
# ends a \w+ token. Every other code point lowers to one character of the same \w class (tests/test_features.py
# checks all of Unicode), so in a text without it the lower-cased tokens are the original ones, at the same places.
_LONGER_LOWER = "\u0130"
_WORD_CHAR_RE = re.compile(WORD_CLASS)


def _title_overlap(texts: list[str], title: set[str], n_tokens: FloatArray) -> FloatArray:
    """Share of each text's lower-cased tokens that are in ``title`` (``n_tokens``: each text's token count).

    The page's text is searched for each title word (str.find; a regex per word would be compiled per page)
    instead of listing every token and looking each up, which took a fifth of the feature pass; a match counts
    where it is a whole token (no word character on either side).
    """
    if not title:
        return np.zeros(len(texts))
    parts = chunks(texts)
    if len(parts) > 1:  # a very long page, a part at a time (the joined and lowered copies are 4 bytes a character)
        bounds = np.cumsum([0] + [len(part) for part in parts])
        return np.concatenate(
            [_title_overlap(part, title, n_tokens[a:b]) for part, a, b in zip(parts, bounds, bounds[1:], strict=False)]
        )
    joined = " ".join(texts)
    if _LONGER_LOWER in joined:
        return _title_overlap_tokens(texts, title)
    lowered = joined.lower()
    is_word = _WORD_CHAR_RE.match
    starts: list[int] = []
    for word in title:
        if not TOKEN_RE.fullmatch(word):  # a title word lowered into two tokens can match no token
            continue
        find, size = lowered.find, len(word)
        at = find(word)
        while at >= 0:
            if not (at and is_word(lowered, at - 1)) and not is_word(lowered, at + size):
                starts.append(at)
            at = find(word, at + size)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1  # + the joining space
    offsets = np.cumsum(lengths) - lengths
    block = np.searchsorted(offsets, np.array(starts, dtype=np.int64), side="right") - 1
    hits = np.bincount(block, minlength=len(texts))
    return np.where(n_tokens > 0, hits, 0.0) / np.maximum(n_tokens, 1)


def _title_overlap_tokens(texts: list[str], title: set[str]) -> FloatArray:
    """``_title_overlap`` for any text: every lower-cased token of the page from one regex call, looked up in
    ``title`` and summed per text."""
    lowered = [t.lower() for t in texts]
    per_block = np.array(token_counts(lowered), dtype=np.int64)
    # Tokens never span the space between two texts, so these are each text's tokens in order.
    hits = np.fromiter(map(title.__contains__, TOKEN_RE.findall(" ".join(lowered))), dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(per_block)[:-1]])
    sums = np.add.reduceat(np.append(hits, 0.0), starts) if len(hits) else np.zeros(len(texts))
    return np.where(per_block > 0, sums, 0.0) / np.maximum(per_block, 1)


def _bits(masks: npt.NDArray[np.int64], k: int) -> FloatArray:
    return ((masks[:, None] >> np.arange(k)) & 1).astype(np.float64)


def _safe_div(a: FloatArray, b: FloatArray) -> FloatArray:
    return a / np.maximum(b, 1e-9)


@group(
    ("log_tokens", "log(1 + number of \\w+ tokens in the block); 0-15"),
    ("log_chars", "log(1 + characters of the block's normalised text); 0-17"),
    ("text_density", "boilerpipe text density: tokens per 80-character wrapped line; 0-~20"),
    ("link_density", "share of the block's tokens inside <a> elements; 0-1"),
    ("mean_token_chars", "characters per token (CJK runs make long tokens); 1-~100"),
    ("punct_per_token", "sentence punctuation marks (.!?;:, and CJK forms) per token; 0-~2"),
    ("ends_sentence", "1 if the text ends with sentence-final punctuation or a closing quote; 0/1"),
    ("digit_share", "share of the characters that are digits; 0-1"),
    (
        "upper_start_share",
        "share of tokens starting with a Latin, Greek or Cyrillic capital (0 for caseless scripts); 0-1",
    ),
    ("separator_per_token", "menu separators (| • · » / >) per token; 0-~1"),
    ("has_copyright", "1 if the text contains © or (c) followed by a year; 0/1"),
)
def _local(a: PageArrays) -> FloatArray:
    texts = [b.text for b in a.seg.blocks]
    tok = np.maximum(a.n_tokens, 1)
    punct, digits, upper, seps, copy = _char_counts(texts)
    ends = np.array([t[-1] in ".!?。！？\"'”’»)" for t in texts], dtype=float)
    return np.column_stack(
        [
            np.log1p(a.n_tokens),
            np.log1p(a.n_chars),
            a.text_density,
            a.link_density,
            a.n_chars / tok,
            punct / tok,
            ends,
            digits / np.maximum(a.n_chars, 1),
            np.minimum(upper / tok, 1),
            seps / tok,
            copy,
        ]
    )


@group(
    *[(f"owner_{name}", f"1 if the block's own element is {'/'.join(sorted(tags))}; 0/1") for name, tags in OWNER_TAGS]
)
def _owner_tag(a: PageArrays) -> FloatArray:
    containers = a.seg.containers
    column = np.fromiter((_OWNER_COLUMN.get(containers[o].tag, -1) for o in a.owner.tolist()), np.int64, a.n)
    out = np.zeros((a.n, len(OWNER_TAGS)))
    hit = column >= 0
    out[np.flatnonzero(hit), column[hit]] = 1.0
    return out


_OWNER_COLUMN = {tag: i for i, (_, tags) in enumerate(OWNER_TAGS) for tag in tags}


@group(
    *[(f"in_{name}", f"1 if a block-level ancestor is {'/'.join(sorted(tags))}; 0/1") for name, tags in ANCESTOR_TAGS]
)
def _ancestor_tags(a: PageArrays) -> FloatArray:
    return _bits(a.tag_masks[a.owner], len(ANCESTOR_TAGS))


@group(*[(f"attr_{name}", f"1 if a class/id on the block's path matches /{pat}/; 0/1") for name, pat in ATTR_TERMS])
def _attr_any(a: PageArrays) -> FloatArray:
    return _bits(a.attr_masks[1][a.owner], len(ATTR_TERMS))


@group(*[(f"near_{name}", f"1 if the owner or its two nearest block ancestors have a class/id term {name}; 0/1")
         for name, _ in ATTR_TERMS])  # fmt: skip
def _attr_near(a: PageArrays) -> FloatArray:
    own = a.attr_masks[0]
    mask = own[a.owner] | own[a.ancestor(1)] | own[a.ancestor(2)]
    return _bits(mask, len(ATTR_TERMS))


@group(("attr_lexicon", "learned score of the class/id words on the block's path (lexicon.py); a logit, ~-5-5"))
def _lexicon(a: PageArrays) -> FloatArray:
    return shipped_lexicon().score(a.seg)[:, None]


@group(
    ("depth", "number of block-level ancestors; 1-~100"),
    ("rel_index", "index of the block in document order divided by the number of blocks; 0-1"),
    ("rel_token_pos", "share of the page's tokens that come before the block; 0-1"),
    ("rel_depth", "depth divided by the page's deepest block depth; 0-1"),
)
def _position(a: PageArrays) -> FloatArray:
    before = np.cumsum(a.n_tokens) - a.n_tokens
    return np.column_stack(
        [a.depth, np.arange(a.n) / max(a.n - 1, 1), before / a.total_tokens, a.depth / max(a.depth.max(), 1)]
    )


def _ancestor_columns() -> list[tuple[str, str]]:
    cols = []
    for lv in ANCESTOR_LEVELS:
        who = "the owner" if lv == 0 else f"the block-level ancestor {lv} above the owner"
        cols += [
            (f"anc{lv}_token_share", f"share of the page's tokens under {who}; 0-1"),
            (f"anc{lv}_link_density", f"link density of all text under {who}; 0-1"),
            (f"anc{lv}_log_blocks", f"log(1 + blocks under {who}); 0-~10"),
            (f"anc{lv}_para_share", f"share of the text under {who} that is in paragraph-like blocks; 0-1"),
            (f"anc{lv}_like_siblings", f"log(1 + siblings of {who} with the same tag and class); 0-~8"),
        ]
    return cols


@group(*_ancestor_columns())
def _ancestors(a: PageArrays) -> FloatArray:
    like = _like_siblings(a.seg)
    cols = []
    for lv in ANCESTOR_LEVELS:
        c = a.ancestor(lv)
        cols += [
            a.tokens_under[c] / a.total_tokens,
            _safe_div(a.links_under[c], a.tokens_under[c]),
            np.log1p(a.blocks_under[c]),
            _safe_div(a.para_tokens_under[c], a.tokens_under[c]),
            np.log1p(like[c]),
        ]
    return np.column_stack(cols)


def _like_siblings(seg: Segmentation) -> FloatArray:
    """For each container, how many other children of its parent share its tag and class (repeated cards)."""
    keys = [(c.parent, c.tag, c.cls) for c in seg.containers]
    counts = Counter(keys)
    return np.array([counts[k] - 1 for k in keys], dtype=np.float64)


@group(
    ("in_best_region", "1 if the block is inside the container with the highest region score; 0/1"),
    ("best_region_share", "share of the page's tokens inside the best-scoring container; 0-1"),
    ("best_anc_score_ratio", "best region score among the block's ancestors over the page's best; -inf-1"),
    ("depth_below_best", "levels between the block and the best container (negative: not inside); -100-100"),
    ("region_tokens_from_best", "tokens between the block and the best region, over the page's tokens; 0-1"),
)
def _region(a: PageArrays) -> FloatArray:
    score = a.region_score
    best = int(np.argmax(score)) if len(score) else 0
    best_score = max(float(score[best]), 1.0)
    inside = a.inside(best).astype(np.float64) if len(score) else np.zeros(a.n)
    anc_best = a.path_max(score)
    best_depth = a.seg.containers[best].depth + 1 if a.seg.containers else 0
    start = np.cumsum(a.n_tokens) - a.n_tokens
    idx = np.flatnonzero(inside)
    if len(idx):
        lo, hi = start[idx[0]], start[idx[-1]] + a.n_tokens[idx[-1]]
        dist = np.maximum(lo - (start + a.n_tokens), 0) + np.maximum(start - hi, 0)
    else:
        dist = np.ones(a.n) * a.total_tokens
    return np.column_stack(
        [
            inside,
            np.full(a.n, a.tokens_under[best] / a.total_tokens if len(score) else 0.0),
            np.clip(anc_best / best_score, -10, 1),
            np.where(inside > 0, a.depth - best_depth, -(a.depth)),
            dist / a.total_tokens,
        ]
    )


def _neighbour_columns() -> list[tuple[str, str]]:
    cols = []
    for off in NEIGHBOUR_OFFSETS:
        rel = f"{'previous' if off < 0 else 'next'} block {abs(off)} away"
        cols += [
            (f"nb{off:+d}_log_tokens", f"log(1 + tokens) of the {rel} (0 past the page's ends); 0-15"),
            (f"nb{off:+d}_link_density", f"link density of the {rel}; 0-1"),
            (f"nb{off:+d}_text_density", f"text density of the {rel}; 0-~20"),
            (f"nb{off:+d}_same_parent", f"1 if the {rel} has the same block-level parent element; 0/1"),
        ]
    return cols


def _shift(x: FloatArray, off: int, fill: float = 0.0) -> FloatArray:
    out = np.full_like(x, fill)
    if off < 0 and -off < len(x):
        out[-off:] = x[:off]
    elif off > 0 and off < len(x):
        out[:-off] = x[off:]
    return out


@group(*_neighbour_columns())
def _neighbours(a: PageArrays) -> FloatArray:
    parent = a.parent[a.owner].astype(np.float64)
    cols = []
    for off in NEIGHBOUR_OFFSETS:
        cols += [
            _shift(np.log1p(a.n_tokens), off),
            _shift(a.link_density, off),
            _shift(a.text_density, off),
            (_shift(parent, off, fill=-2.0) == parent).astype(float),
        ]
    return np.column_stack(cols)


@group(
    ("page_log_tokens", "log(1 + tokens of the whole page); 0-~15"),
    ("page_log_blocks", "log(1 + blocks of the page); 0-~12"),
    ("page_link_density", "link density of the whole page; 0-1"),
    ("page_para_share", "share of the page's tokens in paragraph-like blocks; 0-1"),
    ("block_token_share", "share of the page's tokens in this block; 0-1"),
    ("title_overlap", "share of the block's lower-cased tokens that occur in the page's <title>; 0-1"),
    ("log_repeats", "log(number of blocks on the page with exactly this text); 0-~8"),
)
def _page(a: PageArrays) -> FloatArray:
    title = {t.lower() for t in TOKEN_RE.findall(a.seg.title)}
    texts = [b.text for b in a.seg.blocks]
    overlap = _title_overlap(texts, title, a.n_tokens)
    counts = Counter(texts)
    repeats = np.array([math.log(counts[t]) for t in texts])
    ones = np.ones(a.n)
    return np.column_stack(
        [
            ones * math.log1p(a.total_tokens),
            ones * math.log1p(a.n),
            ones * float(a.n_links.sum()) / a.total_tokens,
            ones * float((a.n_tokens * a.is_para).sum()) / a.total_tokens,
            a.n_tokens / a.total_tokens,
            overlap,
            repeats,
        ]
    )


# The page's profile: token-weighted means over the page of these block features, given to every block. They say
# what kind of page it is (a forum's many short quoted posts, a product page's prices and cells, documentation's
# code and headings, a listing's repeated cards) so that the trees can treat a block by the page it is on
# (DESIGN.md: page-level signals given to every block are cheap and strong).
PROFILE_OF = (
    "link_density", "mean_token_chars", "punct_per_token", "ends_sentence", "digit_share", "upper_start_share",
    "separator_per_token", "owner_p", "owner_div", "owner_li", "owner_cell", "owner_pre", "owner_h2", "owner_h3",
    "in_list", "in_table", "in_heading", "in_form", "in_article", "in_nav", "in_aside", "attr_comment", "attr_card",
    "attr_user", "attr_article", "attr_content", "anc0_like_siblings", "anc1_like_siblings", "anc2_like_siblings",
    "title_overlap", "log_repeats", "log_tokens",
)  # fmt: skip
# Where each PROFILE_OF column comes from: group name -> (its place in PROFILE_OF, its column in the group's part)
_PROFILE_SLOTS: dict[str, list[tuple[int, int]]] = {}
for _k, _name in enumerate(PROFILE_OF):
    _fn_name, _column = next(
        (fn.__name__, [f.name for f in cols].index(_name)) for cols, fn in _GROUPS if _name in [f.name for f in cols]
    )
    _PROFILE_SLOTS.setdefault(_fn_name, []).append((_k, _column))
FEATURES: tuple[Feature, ...] = tuple(f for cols, _ in _GROUPS for f in cols) + tuple(
    Feature(f"pagemean_{name}", f"the page's token-weighted mean of {name}") for name in PROFILE_OF
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
# The matrix's layout: each group's function name and column count, in order, the page profile last.
COLUMN_GROUPS: tuple[tuple[str, int], ...] = (
    *((fn.__name__, len(cols)) for cols, fn in _GROUPS),
    ("_profile", len(PROFILE_OF)),
)


def structure(seg: Segmentation) -> npt.NDArray[np.int32]:
    """Container ids ``ANCESTOR_LEVELS`` steps above each block's owner: which blocks share a container, the page
    structure the second stage reads its context from (``context.py``)."""
    return page_matrices(seg)[1]


def featurize(seg: Segmentation) -> npt.NDArray[np.float32]:
    """The feature matrix of a page: one row per block, one column per name in FEATURE_NAMES."""
    return page_matrices(seg)[0]


def page_matrices(seg: Segmentation) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32]]:
    """The feature matrix and the structure of a page, from one pass over its blocks."""
    if not seg.blocks:
        return np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros((0, len(ANCESTOR_LEVELS)), dtype=np.int32)
    arrays = PageArrays(seg)
    # Each group's columns go straight into one float32 matrix: stacking the groups' float64 parts first held
    # three copies of the page's features at once (185 MB of the 10 MB page's peak, issue 5). The page means of the
    # PROFILE_OF columns are taken from each group's float64 part as it comes, not from a copy of those columns.
    X = np.empty((arrays.n, len(FEATURES)), dtype=np.float32)
    profile = np.empty(len(PROFILE_OF))
    start = 0
    for cols, fn in _GROUPS:
        part = fn(arrays)
        if part.shape != (arrays.n, len(cols)):
            raise AssertionError(
                f"feature group {fn.__name__} returned {part.shape}, expected ({arrays.n}, {len(cols)})"
            )
        X[:, start : start + len(cols)] = part
        for k, column in _PROFILE_SLOTS.get(fn.__name__, ()):
            profile[k] = arrays.n_tokens @ part[:, column]
        start += len(cols)
        del part
    X[:, start:] = profile / max(float(arrays.n_tokens.sum()), 1.0)  # token-weighted means
    shape = np.column_stack([arrays.ancestor(lv) for lv in ANCESTOR_LEVELS]).astype(np.int32)
    return X, shape

"""One page as a visual report: every block in order, coloured by its label, with why the model scored it so.

``blocksift show PAGE -o report.html`` writes one self-contained HTML file (inline CSS and JavaScript, the data as
inline JSON; nothing is fetched, so it opens offline and can be mailed or archived). It shows

* a header: title, URL, source, counts, the share of blocks and tokens kept, the threshold, the model;
* an overview strip of the whole page (one segment per block, as wide as its tokens) that jumps to a block;
* every block in document order, coloured kept / dropped, with p(content) against the threshold, its tag path;
* the features that weighed most for a block (``explain.py``) in a side panel, on click (or j/k keys);
* with the gold text (``--gold``): each block's gold label (by ``align.py``, as training labels it), the blocks
  wrongly kept and wrongly dropped marked, the page's shingle F1, and a "mistakes" filter.
"""

from __future__ import annotations

import html as htmlmod
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from blocksift import __version__
from blocksift.align import align
from blocksift.explain import Attribution, attribute
from blocksift.extraction import Extraction, extract_blocks, resolve_model
from blocksift.features import page_matrices
from blocksift.metrics import shingle_counts
from blocksift.predictor import Predictor
from blocksift.render import browser_url, classify

TOP_FEATURES = 8
PANEL_PATH = 6  # containers of a block's path shown in the panel (innermost)


@dataclass(frozen=True)
class PageView:
    """Everything a page's report shows: the extraction, the attribution and, with gold, the block labels."""

    source: str
    extraction: Extraction
    attribution: Attribution
    model_name: str
    url: str = ""
    gold_labels: npt.NDArray[np.bool_] | None = None
    aligned: npt.NDArray[np.float64] | None = None
    gold_f1: float | None = None

    @property
    def wrongly_kept(self) -> npt.NDArray[np.bool_]:
        """Blocks kept that the gold leaves out (all False without gold)."""
        keep = self.extraction.keep
        return keep & ~self.gold_labels if self.gold_labels is not None else np.zeros(len(keep), bool)

    @property
    def wrongly_dropped(self) -> npt.NDArray[np.bool_]:
        """Blocks dropped that the gold keeps (all False without gold)."""
        keep = self.extraction.keep
        return ~keep & self.gold_labels if self.gold_labels is not None else np.zeros(len(keep), bool)


def model_name(model: Predictor, path: str | Path | None = None) -> str:
    """A short name for the model: its file (or "shipped model"), creation date and digest prefix."""
    card: dict[str, Any] = getattr(model, "card_", None) or {}
    name = Path(path).name if path else "shipped model"
    parts = [name]
    if card.get("created"):
        parts.append(f"created {str(card['created'])[:10]}")
    if card.get("digest"):
        parts.append(f"digest {str(card['digest'])[:8]}")
    return " · ".join(parts)


def build_view(
    html: bytes | str,
    *,
    source: str = "",
    model: Predictor | str | Path | None = None,
    threshold: float | None = None,
    gold: str | None = None,
    labels: npt.NDArray[np.bool_] | None = None,
    url: str = "",
    model_label: str | None = None,
    encoding: str | None = None,
) -> PageView:
    """Extract ``html`` (its bytes decoded with ``encoding`` where given) and attribute every block; ``gold`` (the
    page's gold text) labels blocks by alignment, ``labels`` (hand labels of the same segmentation) take its place
    where given; ``model_label`` names the model in the header."""
    clf = resolve_model(str(model) if isinstance(model, Path) else model)
    ext = extract_blocks(html, clf, threshold, encoding)
    seg = ext.segmentation
    X, shape = page_matrices(seg)
    tokens = np.array([b.n_tokens for b in seg.blocks], dtype=np.float64)
    attr = attribute(clf, X, tokens, shape, ext.markup)
    aligned = None
    if labels is None and gold is not None:
        alignment = align(seg, gold)
        labels, aligned = alignment.labels, alignment.aligned
    gold_f1 = shingle_counts(ext.text, gold).f1 if gold is not None else None
    name = model_label or model_name(clf, model if isinstance(model, str | Path) else None)
    return PageView(source, ext, attr, name, url or ext.meta.url, labels, aligned, gold_f1)


def show_page(html: bytes | str, **kwargs: Any) -> str:
    """The report of one page as an HTML string (``build_view``'s arguments)."""
    return render_report(build_view(html, **kwargs))


# ---------------------------------------------------------------------------------------------------------------
# Rendering


def _e(text: object) -> str:
    return htmlmod.escape(str(text), quote=True)


def _num(x: float) -> str:
    """A feature value, short: integers as such, others to 3 significant digits."""
    if not np.isfinite(x):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e9:
        return str(int(x))
    return f"{x:.3g}"


def _path_label(view: PageView, index: int) -> str:
    """The block's block-level ancestors, innermost last, each with its first class/id word."""
    seg = view.extraction.segmentation
    parts = []
    for c in seg.blocks[index].path[-4:]:
        cont = seg.containers[c]
        word = cont.attrs.split()[0] if cont.attrs else ""
        parts.append(cont.tag + (f".{word[:24]}" if word else ""))
    prefix = "… › " if len(seg.blocks[index].path) > 4 else ""
    return prefix + " › ".join(parts)


def _block_data(view: PageView, i: int) -> dict[str, Any]:
    """The panel's data for block ``i`` (inline JSON, read by the script on click)."""
    attr = view.attribution
    ext = view.extraction
    seg = ext.segmentation
    path = seg.blocks[i].path
    full_path = ("… › " if len(path) > PANEL_PATH else "") + " › ".join(
        seg.containers[c].tag + "".join(f".{w}" for w in seg.containers[c].attrs.split()[:2])
        for c in path[-PANEL_PATH:]
    )
    data: dict[str, Any] = {
        "p": round(float(ext.proba[i]), 4),
        "keep": bool(ext.keep[i]),
        "repeat": bool(ext.repeats[i]),
        "island": bool(ext.islands[i]),
        "tokens": seg.blocks[i].n_tokens,
        "links": seg.blocks[i].n_link_tokens,
        "path": full_path,
        "top": [[w.name, _num(w.value), _num(w.reference), round(w.weight, 4)] for w in attr.top(i, TOP_FEATURES)],
    }
    if "ctx_p" in attr.names:
        data["p1"] = round(float(attr.values[i, attr.names.index("ctx_p")]), 4)
    if view.gold_labels is not None:
        data["gold"] = bool(view.gold_labels[i])
    if view.aligned is not None:
        data["aligned"] = round(float(view.aligned[i]), 3)
    return data


def _block_html(view: PageView, i: int) -> str:
    ext = view.extraction
    block = ext.blocks[i]
    p = float(ext.proba[i])
    keep = bool(ext.keep[i])
    classes = ["block", "kept" if keep else "dropped"]
    mistake = ""
    badge = ""
    if view.wrongly_kept[i]:
        mistake, badge = "fp", '<span class="badge fp">wrongly kept</span>'
    elif view.wrongly_dropped[i]:
        mistake, badge = "fn", '<span class="badge fn">wrongly dropped</span>'
    elif ext.repeats[i]:
        badge = '<span class="badge rep">repeat</span>'
    elif ext.islands[i]:
        badge = '<span class="badge rep">island</span>'
    if mistake:
        classes.append(mistake)
    item = classify(ext.segmentation, block)
    kind = f"k-{item.kind}" + (f" h{min(item.level, 4)}" if item.kind == "heading" else "")
    gold = ""
    if view.gold_labels is not None:
        gold = f' data-gold="{int(view.gold_labels[i])}"'
    return (
        f'<div class="{" ".join(classes)}" data-i="{i}" data-keep="{int(keep)}" data-mistake="{mistake}"{gold}'
        f' tabindex="-1">'
        f'<div class="gut"><span class="idx">{i}</span>'
        f'<span class="pv">{p:.2f}</span>'
        f'<span class="pbar"><i style="width:{100 * p:.1f}%"></i></span></div>'
        f'<div class="body"><div class="path"><span class="pp">{_e(_path_label(view, i))}</span>{badge}</div>'
        f'<div class="txt {kind}">{_e(block.text)}</div></div></div>'
    )


def _overview(view: PageView) -> str:
    """The page at a glance: one segment per block, as wide as its tokens (at least a sliver)."""
    ext = view.extraction
    fk, fd = view.wrongly_kept, view.wrongly_dropped
    parts = []
    for i, b in enumerate(ext.blocks):
        state = "fp" if fk[i] else "fn" if fd[i] else "k" if ext.keep[i] else "d"
        parts.append(f'<i class="{state}" data-i="{i}" style="flex-grow:{b.n_tokens + 1}"></i>')
    # A sliver and a gap a block fit 678 blocks into a 1,400-pixel strip, and the rest were cut off: past
    # DENSE_STRIP blocks each is only as wide as its tokens, however thin.
    dense = " dense" if len(parts) > DENSE_STRIP else ""
    return f'<div class="strip{dense}" title="the page, block by block">{"".join(parts)}</div>'


DENSE_STRIP = 300


def _stats(view: PageView) -> list[tuple[str, str, str]]:
    """(label, value, css class) of the header's figures."""
    ext = view.extraction
    n = len(ext.blocks)
    kept = int(ext.keep.sum())
    tokens = np.array([b.n_tokens for b in ext.blocks], dtype=np.float64)
    total = float(tokens.sum())
    kept_tokens = float(tokens[ext.keep].sum()) if n else 0.0
    out = [
        ("blocks", f"{n:,}", ""),
        ("kept", f"{kept:,}", "ok"),
        ("dropped", f"{n - kept:,}", ""),
        ("tokens kept", f"{kept_tokens / total:.0%}" if total else "–", "ok"),
        ("threshold", f"{ext.threshold:.2f}", ""),
    ]
    if ext.no_content:
        out.append(("main content", "none expected", "fp"))
    if view.gold_labels is not None:
        out += [
            ("wrongly kept", f"{int(view.wrongly_kept.sum()):,}", "fp"),
            ("wrongly dropped", f"{int(view.wrongly_dropped.sum()):,}", "fn"),
        ]
        if view.gold_f1 is not None:
            out.append(("shingle F1", f"{view.gold_f1:.3f}", ""))
    return out


def render_report(view: PageView) -> str:
    """The self-contained HTML report of one page."""
    ext = view.extraction
    n = len(ext.blocks)
    title = ext.meta.title or ext.title or view.source or "page"
    stats = "".join(
        f'<div class="stat {cls}"><b>{_e(value)}</b><span>{_e(label)}</span></div>'
        for label, value, cls in _stats(view)
    )
    kept = int(ext.keep.sum())
    mistakes = int(view.wrongly_kept.sum() + view.wrongly_dropped.sum())
    has_gold = view.gold_labels is not None
    filters = [("all", "All", n), ("kept", "Kept", kept), ("dropped", "Dropped", n - kept)]
    buttons = "".join(
        f'<button data-filter="{key}" class="{"on" if key == "all" else ""}">{label} <em>{count:,}</em></button>'
        for key, label, count in filters
    )
    buttons += (
        f'<button data-filter="mistakes"{"" if has_gold else " disabled"}'
        f' title="{"blocks the model got wrong against the gold" if has_gold else "give --gold FILE to see mistakes"}">'
        f"Mistakes <em>{mistakes if has_gold else '–'}</em></button>"
    )
    docs = {name: doc for name, doc in zip(view.attribution.names, view.attribution.docs, strict=True)}
    data = {
        "threshold": ext.threshold,
        "gold": has_gold,
        "blocks": [_block_data(view, i) for i in range(n)],
        "docs": docs,
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    url = _url_html(view.url)
    source = f'<span class="src">{_e(view.source)}</span>' if view.source else ""
    legend = '<span class="lg k">kept</span><span class="lg d">dropped</span>' + (
        '<span class="lg fp">wrongly kept</span><span class="lg fn">wrongly dropped</span>' if has_gold else ""
    )
    blocks = "\n".join(_block_html(view, i) for i in range(n)) or '<p class="empty">This page has no text blocks.</p>'
    return _TEMPLATE.format(
        title=_e(title),
        url=url,
        source=source,
        stats=stats,
        model=_e(view.model_name),
        version=_e(__version__),
        overview=_overview(view),
        buttons=buttons,
        legend=legend,
        blocks=blocks,
        payload=payload,
        css=_CSS,
        js=_JS,
        csp=CSP,
    )


def _url_html(url: str) -> str:
    """The page's URL in the report's header: a link only where it is an absolute http(s) URL as a browser reads it
    (a canonical link of "javascript:..." ran when clicked, and a relative one led into the local disk); as text
    otherwise."""
    cleaned = browser_url(url)
    parts = urlsplit(cleaned)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return f'<a class="url" href="{_e(cleaned)}" rel="noreferrer">{_e(url)}</a>'
    return f'<span class="url">{_e(url)}</span>' if url else ""


# Nothing the report holds may reach the network or run: its own script and styles are inline, and it loads no
# image, font or frame (a page's text is only ever text in it).
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="blocksift {version}">
<title>blocksift · {title}</title>
<style>{css}</style></head>
<body data-filter="all">
<header>
  <div class="head">
    <div class="titles"><div class="brand">blocksift show</div><h1>{title}</h1>
      <div class="sub">{url}{source}</div></div>
    <div class="stats">{stats}</div>
  </div>
  {overview}
  <div class="bar">
    <div class="filters" role="toolbar" aria-label="filter blocks">{buttons}</div>
    <div class="legend">{legend}</div>
    <div class="model" title="the model that scored the page">{model}</div>
  </div>
</header>
<main>
  <section id="blocks" aria-label="blocks in document order">
{blocks}
  </section>
  <aside id="panel" aria-live="polite">
    <div class="hint"><h2>Why this label?</h2><p>Click a block (or press <kbd>j</kbd> / <kbd>k</kbd>) to see
    the features that weighed most for it: how far its p(content) moves when that one feature is set to its
    median on this page.</p><p>Filters: <kbd>1</kbd> all, <kbd>2</kbd> kept, <kbd>3</kbd> dropped,
    <kbd>4</kbd> mistakes.</p></div>
  </aside>
</main>
<script type="application/json" id="data">{payload}</script>
<script>{js}</script>
</body></html>
"""

_CSS = """
:root{--ok:#18794e;--ok-bg:#ecf8f1;--ok-line:#3fb27f;--dr:#6b7280;--dr-bg:#f7f7f8;--dr-line:#d4d6db;
--fp:#d9480f;--fp-bg:#fff1e8;--fn:#6741d9;--fn-bg:#f3f0ff;--ink:#1f2328;--mute:#667085;--line:#e6e8eb;
--panel:#ffffff;--bg:#f3f4f6;--accent:#1c64f2}
*{box-sizing:border-box}
html,body{margin:0;padding:0}
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",
"Liberation Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);
box-shadow:0 1px 3px rgba(16,24,40,.06)}
.head{display:flex;gap:24px;align-items:flex-start;justify-content:space-between;padding:14px 22px 10px}
.titles{min-width:0;flex:1}
.brand{font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:var(--mute);font-weight:600}
h1{font-size:19px;line-height:1.3;margin:2px 0 2px;font-weight:650;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap}
.sub{font-size:12.5px;color:var(--mute);display:flex;gap:12px;flex-wrap:wrap}
.sub a{color:var(--accent);text-decoration:none;overflow-wrap:anywhere}
.sub a:hover{text-decoration:underline}
.stats{display:flex;gap:8px;flex-wrap:wrap;justify-content:flex-end}
.stat{background:#f8f9fb;border:1px solid var(--line);border-radius:8px;padding:5px 11px;min-width:74px;
text-align:right}
.stat b{display:block;font-size:17px;font-weight:650;font-variant-numeric:tabular-nums}
.stat span{font-size:11px;color:var(--mute);white-space:nowrap}
.stat.ok b{color:var(--ok)}.stat.fp b{color:var(--fp)}.stat.fn b{color:var(--fn)}
.strip{display:flex;height:12px;margin:0 22px;border-radius:4px;overflow:hidden;background:var(--dr-line);
cursor:pointer;gap:1px}
.strip i{display:block;min-width:1px;background:#d4d6db}.strip.dense{gap:0}.strip.dense i{min-width:0}
.strip i.k{background:var(--ok-line)}.strip i.fp{background:var(--fp)}.strip i.fn{background:var(--fn)}
.strip i.sel{outline:2px solid var(--ink);outline-offset:-1px}
.bar{display:flex;align-items:center;gap:18px;padding:10px 22px;flex-wrap:wrap}
.filters{display:inline-flex;border:1px solid var(--line);border-radius:8px;overflow:hidden;background:#fff}
.filters button{font:inherit;font-size:13px;border:0;border-right:1px solid var(--line);background:#fff;
padding:5px 13px;cursor:pointer;color:var(--ink)}
.filters button:last-child{border-right:0}
.filters button em{font-style:normal;color:var(--mute);font-variant-numeric:tabular-nums;margin-left:3px}
.filters button:hover:not(:disabled){background:#f2f4f7}
.filters button.on{background:var(--ink);color:#fff}.filters button.on em{color:#c9cdd4}
.filters button:disabled{color:#b0b5bd;cursor:not-allowed}
.legend{display:flex;gap:12px;font-size:12px;color:var(--mute)}
.lg::before{content:"";display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:5px;
vertical-align:-1px;background:var(--dr-line)}
.lg.k::before{background:var(--ok-line)}.lg.fp::before{background:var(--fp)}.lg.fn::before{background:var(--fn)}
.model{margin-left:auto;font-size:12px;color:var(--mute)}
main{display:grid;grid-template-columns:minmax(0,1fr) 400px;gap:20px;padding:18px 22px 60px;max-width:1500px;
margin:0 auto}
#blocks{display:flex;flex-direction:column;gap:6px;min-width:0}
.block{display:grid;grid-template-columns:74px minmax(0,1fr);background:#fff;border:1px solid var(--line);
border-left:4px solid var(--dr-line);border-radius:7px;cursor:pointer;transition:box-shadow .12s}
.block:hover{box-shadow:0 2px 8px rgba(16,24,40,.10)}
.block.off{display:none}
.block.kept{border-left-color:var(--ok-line);background:var(--ok-bg)}
.block.dropped .txt{color:#5b6270}
.block.fp{border-color:#f5b48f;border-left-color:var(--fp);background:var(--fp-bg)}
.block.fn{border-color:#c6b8f5;border-left-color:var(--fn);background:var(--fn-bg)}
.block.sel{outline:2px solid var(--accent);outline-offset:1px}
.gut{padding:8px 0 8px 10px;display:flex;flex-direction:column;gap:3px;align-items:flex-start}
.idx{font-size:10.5px;color:#98a2b3;font-variant-numeric:tabular-nums}
.pv{font-size:12.5px;font-weight:650;font-variant-numeric:tabular-nums;color:#8a919e}
.block.kept .pv{color:var(--ok)}.block.fp .pv{color:var(--fp)}.block.fn .pv{color:var(--fn)}
.pbar{display:block;width:52px;height:4px;border-radius:2px;background:#e4e7ec;overflow:hidden}
.pbar i{display:block;height:100%;background:#9aa1ad}
.block.kept .pbar i{background:var(--ok-line)}.block.fp .pbar i{background:var(--fp)}
.block.fn .pbar i{background:var(--fn)}
.body{padding:7px 14px 9px 4px;min-width:0}
.path{display:flex;align-items:center;gap:8px;min-width:0}
.pp{font:11px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;color:#98a2b3;
white-space:nowrap;overflow:hidden;text-overflow:ellipsis;min-width:0}
.badge{font:600 10.5px/1 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;border-radius:10px;padding:2px 7px;
color:#fff;flex:none;white-space:nowrap}
.badge.fp{background:var(--fp)}.badge.fn{background:var(--fn)}.badge.rep{background:#98a2b3}
.txt{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:1px}
.txt.k-heading{font-weight:650}.txt.h1{font-size:18px}.txt.h2{font-size:16px}.txt.h3{font-size:15px}
.txt.k-code{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.txt.k-item::before{content:"•  ";color:#98a2b3}
.txt.k-quote{border-left:3px solid #d0d5dd;padding-left:9px;font-style:italic}
.empty{color:var(--mute)}
#panel{position:sticky;top:var(--head,150px);align-self:start;background:var(--panel);border:1px solid var(--line);
border-radius:10px;padding:16px 18px;max-height:calc(100vh - var(--head,150px) - 24px);overflow:auto;
box-shadow:0 1px 3px rgba(16,24,40,.06)}
#panel h2{font-size:15px;margin:0 0 8px}
#panel .hint p{color:var(--mute);margin:6px 0}
kbd{font:11px ui-monospace,monospace;border:1px solid #d0d5dd;border-bottom-width:2px;border-radius:4px;
padding:0 4px;background:#f9fafb}
.verdict{display:flex;align-items:baseline;gap:10px;margin:4px 0 10px}
.verdict .big{font-size:28px;font-weight:700;font-variant-numeric:tabular-nums}
.tag{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;color:#fff;
background:#98a2b3}
.tag.k{background:var(--ok)}.tag.fp{background:var(--fp)}.tag.fn{background:var(--fn)}
.gauge{position:relative;height:8px;border-radius:4px;background:linear-gradient(90deg,#e4e7ec,#cfe9dc);
margin:2px 0 24px}
.gauge .m{position:absolute;top:-4px;width:2px;height:16px;background:var(--ink)}
.gauge .t{position:absolute;top:-5px;width:0;height:18px;border-left:2px dashed #475467}
.gauge .t::after{content:"threshold";position:absolute;top:17px;left:-24px;font-size:10px;color:var(--mute)}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:3px 12px;margin:0 0 12px;font-size:12.5px}
dl.facts dt{color:var(--mute)}dl.facts dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
dl.facts dd.mono{font:11px/1.45 ui-monospace,monospace}
table.w{width:100%;border-collapse:collapse;font-size:12.5px}
table.w th{font-size:11px;color:var(--mute);font-weight:600;text-align:left;padding:3px 4px;
border-bottom:1px solid var(--line)}
table.w td{padding:4px 4px;border-bottom:1px solid #f0f1f3;vertical-align:middle}
table.w td.n{font:11px ui-monospace,monospace;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:170px}
table.w td.v{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wbar{position:relative;width:86px;height:12px}
.wbar::before{content:"";position:absolute;left:50%;top:0;bottom:0;border-left:1px solid #d0d5dd}
.wbar i{position:absolute;top:2px;height:8px;border-radius:2px}
.wbar i.pos{left:50%;background:var(--ok-line)}.wbar i.neg{right:50%;background:#e5484d}
.wnum{font:11px ui-monospace,monospace;color:var(--mute)}
.note{font-size:11.5px;color:var(--mute);margin-top:10px}
@media (max-width:1000px){main{grid-template-columns:1fr}#panel{position:static;max-height:none}
.head{flex-direction:column}.stats{justify-content:flex-start}}
"""

_JS = r"""
(function(){
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const blocks = Array.from(document.querySelectorAll("#blocks .block"));
const strip = Array.from(document.querySelectorAll(".strip i"));
const panel = document.getElementById("panel");
const header = document.querySelector("header");
let current = -1;
function fitHeader(){ document.documentElement.style.setProperty("--head", (header.offsetHeight + 14) + "px"); }
window.addEventListener("resize", fitHeader); fitHeader();
const ENT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
function esc(s){ return String(s).replace(/[&<>"']/g, c => ENT[c]); }
function matches(el, f){
  if (f === "kept") return el.dataset.keep === "1";
  if (f === "dropped") return el.dataset.keep === "0";
  if (f === "mistakes") return el.dataset.mistake !== "";
  return true;
}
function setFilter(f){
  const btn = document.querySelector('.filters button[data-filter="' + f + '"]');
  if (!btn || btn.disabled) return;
  document.querySelectorAll(".filters button").forEach(b => b.classList.toggle("on", b === btn));
  document.body.dataset.filter = f;
  blocks.forEach(el => el.classList.toggle("off", !matches(el, f)));
}
function verdict(d){
  const why = d.repeat ? " (repeat)" : d.island ? " (island)" : "";
  if (d.gold === undefined) return d.keep ? ["k", "kept"] : ["", "dropped" + why];
  if (d.keep && !d.gold) return ["fp", "wrongly kept"];
  if (!d.keep && d.gold) return ["fn", "wrongly dropped"];
  return d.keep ? ["k", "kept, rightly"] : ["", "dropped, rightly"];
}
function show(i){
  const d = data.blocks[i];
  const v = verdict(d);
  const maxw = Math.max(1e-9, ...d.top.map(t => Math.abs(t[3])));
  let rows = d.top.map(t => {
    const w = t[3], pct = Math.round(Math.abs(w) / maxw * 50);
    const doc = data.docs[t[0]] || "";
    return '<tr><td class="n" title="' + esc(doc) + '">' + esc(t[0]) + '</td><td class="v">' + esc(t[1]) +
      '</td><td class="v wnum">' + esc(t[2]) + '</td><td><div class="wbar" title="p changes by ' +
      (w >= 0 ? "-" : "+") + Math.abs(w).toFixed(3) + ' at the reference"><i class="' + (w >= 0 ? "pos" : "neg") +
      '" style="width:' + pct + '%"></i></div></td><td class="v wnum">' + (w >= 0 ? "+" : "−") +
      Math.abs(w).toFixed(3) + '</td></tr>';
  }).join("");
  if (!rows) rows = '<tr><td colspan="5" class="wnum">No single feature moves this block\u2019s p: each is ' +
    'at its page median, or the forests do not split on it here.</td></tr>';
  const facts = [["decision", '<span class="tag ' + v[0] + '">' + esc(v[1]) + '</span>']];
  if (d.gold !== undefined) facts.push(["gold", d.gold ? "content" : "boilerplate"]);
  if (d.aligned !== undefined) facts.push(["aligned with gold", Math.round(d.aligned * 100) + "% of its tokens"]);
  if (d.p1 !== undefined) facts.push(["first-stage p", d.p1.toFixed(3)]);
  facts.push(["tokens", d.tokens + (d.links ? " (" + d.links + " in links)" : "")]);
  facts.push(["path", '<span class="mono">' + esc(d.path) + '</span>']);
  panel.innerHTML = '<h2>Block ' + i + '</h2>' +
    '<div class="verdict"><span class="big">' + d.p.toFixed(3) + '</span><span>p(content), threshold ' +
    data.threshold.toFixed(2) + '</span></div>' +
    '<div class="gauge"><span class="t" style="left:' + (data.threshold * 100) + '%"></span>' +
    '<span class="m" style="left:calc(' + (d.p * 100) + '% - 1px)"></span></div>' +
    '<dl class="facts">' + facts.map(f => '<dt>' + f[0] + '</dt><dd>' + f[1] + '</dd>').join("") + '</dl>' +
    '<h2>Features that weighed most</h2><table class="w"><thead><tr><th>feature</th><th class="v">value</th>' +
    '<th class="v">median</th><th></th><th class="v">weight</th></tr></thead><tbody>' + rows + '</tbody></table>' +
    '<p class="note">Weight: p(content) of this block minus its p with that one feature set to its median on ' +
    'this page (block features go through both stages). Green pushed it towards content, red towards ' +
    'boilerplate. Hover a name for its meaning.</p>';
}
function select(i, scroll){
  if (current >= 0) {
    blocks[current].classList.remove("sel");
    if (strip[current]) strip[current].classList.remove("sel");
  }
  current = i;
  const el = blocks[i];
  el.classList.add("sel");
  if (strip[i]) strip[i].classList.add("sel");
  show(i);
  if (scroll) el.scrollIntoView({block: "center"});
}
blocks.forEach((el, i) => el.addEventListener("click", () => select(i, false)));
const stripEl = document.querySelector(".strip");
if (stripEl) stripEl.addEventListener("click", ev => {
  const i = ev.target && ev.target.dataset ? ev.target.dataset.i : undefined;
  if (i === undefined) return;
  if (blocks[+i].classList.contains("off")) setFilter("all");
  select(+i, true);
});
document.querySelectorAll(".filters button").forEach(
  b => b.addEventListener("click", () => setFilter(b.dataset.filter)));
document.addEventListener("keydown", ev => {
  if (ev.metaKey || ev.ctrlKey || ev.altKey) return;
  const keys = {"1": "all", "2": "kept", "3": "dropped", "4": "mistakes"};
  if (keys[ev.key]) { setFilter(keys[ev.key]); return; }
  if (ev.key !== "j" && ev.key !== "k" && ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
  const step = (ev.key === "j" || ev.key === "ArrowDown") ? 1 : -1;
  for (let i = current + step; i >= 0 && i < blocks.length; i += step) {
    if (!blocks[i].classList.contains("off")) { ev.preventDefault(); select(i, true); return; }
  }
});
})();
"""


def write_report(view: PageView, path: Path) -> None:
    """Write ``view``'s report to ``path`` atomically."""
    from blocksift.outputs import atomic_write

    # A file name or --url that is not UTF-8 (held as surrogate escapes) is shown with U+FFFD: a traceback before.
    text = render_report(view).encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    with atomic_write(path) as fh:
        fh.write(text)

"""Quality by language: blocksift against the best peer on English pages and on pages in other languages.

blocksift has no stop-word list or other per-language rule (class and id words are English whatever the page's
language, and the text features count characters, tokens and punctuation of any script), and issue 4 asks for
the multilingual pages to be checked on their own. This regroups the per-page scores of a ``compare.py --json``
run by each page's language, from the dataset's record where it has one (``lang``, or fundus's ``lang_guess``) and
otherwise from what the page declares (``<html lang>``, JSON-LD, ``og:locale``: ``blocksift.metadata``). Each
group's figures pool its pages (precision and recall averaged over the pages, then F1; word F1 the pages' mean),
and blocksift's margin over the group's best peer comes with a paired bootstrap interval (``margin.py``).

    .venv-bench/bin/python benchmarks/compare.py --jobs 2 --json benchmarks/out/compare.json
    python3 benchmarks/languages.py benchmarks/out/compare.json
    python3 benchmarks/languages.py benchmarks/out/compare.json --markdown out/languages.md
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import margin

SHARED = Path(os.environ.get("BLOCKSIFT_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
BLOCKSIFT = "blocksift"
UNDECLARED = "undeclared"
# A language with fewer test pages joins "other languages" (its own row would be noise).
MIN_PAGES = 10
PageScore = tuple[int, int, int, float]  # a page's shingle tp, fp, fn and its word F1


def primary(tag: str) -> str:
    """The primary language subtag, lower-cased: ``en-US`` -> ``en``, ``he/en`` (a guess of two) -> ``he``; "" for
    none."""
    return tag.strip().lower().replace("_", "-").split("/")[0].split("-")[0]


def page_languages(root: Path, keys: Sequence[str]) -> dict[str, str]:
    """Each page's language (``dataset/id`` -> primary subtag, or UNDECLARED)."""
    from blocksift.datasets import load_dataset
    from blocksift.metadata import page_meta
    from blocksift.page import decode_html

    wanted = set(keys)
    out: dict[str, str] = {}
    for name in sorted({k.split("/", 1)[0] for k in keys}):
        for page in load_dataset(root / name):
            if page.key not in wanted:
                continue
            tag = str(page.meta.get("lang") or page.meta.get("lang_guess") or "")
            if not primary(tag):
                try:
                    tag = page_meta(decode_html(page.read_html())).language
                except (OSError, ValueError):
                    tag = ""
            out[page.key] = primary(tag) or UNDECLARED
    return out


def groups_of(languages: dict[str, str]) -> dict[str, list[str]]:
    """Pages by language row: each language with MIN_PAGES pages or more, the rest of the languages together, the
    pages that declare none, and all pages not in English."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for key, lang in sorted(languages.items()):
        by_lang[lang].append(key)
    groups: dict[str, list[str]] = {}
    other: list[str] = []
    for lang, keys in sorted(by_lang.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if lang == UNDECLARED:
            continue
        if len(keys) >= MIN_PAGES:
            groups[lang] = keys
        else:
            other.extend(keys)
    if other:
        groups["other languages"] = sorted(other)
    groups["not English (all)"] = sorted(k for k, lang in languages.items() if lang not in ("en", UNDECLARED))
    if by_lang.get(UNDECLARED):
        groups[UNDECLARED] = by_lang[UNDECLARED]
    return {name: keys for name, keys in groups.items() if keys}


def language_rows(scores: dict[str, dict[str, PageScore]], groups: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Per group and metric: each system's figure, the best peer, and blocksift's margin with its interval.
    ``scores``: system -> page key -> the page's (tp, fp, fn, word F1)."""
    systems = list(scores)
    peers = [s for s in systems if s != BLOCKSIFT]
    draws = margin.draws_for({g: len(keys) for g, keys in groups.items()})
    rows = []
    for group, keys in groups.items():
        figs = {
            s: margin.PageFigures.of([scores[s][k][:3] for k in keys], [scores[s][k][3] for k in keys]) for s in systems
        }
        for metric in ("shingle_f1", "word_f1"):
            values = {s: float(margin.figure(figs[s], metric, draws[group][:1])[0]) for s in systems}
            best = max(peers, key=lambda s: values[s])
            m = margin.margin({group: figs[BLOCKSIFT]}, {group: figs[best]}, metric, {group: draws[group]})
            rows.append({"group": group, "pages": len(keys), "metric": metric, "values": values, "best_peer": best,
                         "margin": m})  # fmt: skip
    return rows


def read_scores(path: Path) -> dict[str, dict[str, PageScore]]:
    """system -> page key -> (tp, fp, fn, word F1), from a ``compare.py --json`` file, on the pages every system
    has; blocksift and at least one peer needed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    scores: dict[str, dict[str, PageScore]] = defaultdict(dict)
    for r in data["pages"]:
        scores[r["system"]][r["page"]] = (r["tp"], r["fp"], r["fn"], r["word_f1"])
    if BLOCKSIFT not in scores or len(scores) < 2:
        raise SystemExit(f"languages.py: {path} needs blocksift and at least one peer (run compare.py with both)")
    common = set.intersection(*(set(v) for v in scores.values()))
    return {s: {k: v for k, v in pages.items() if k in common} for s, pages in scores.items()}


def table(rows: Sequence[dict[str, Any]], markdown: bool) -> str:
    """The rows as text or Markdown."""
    head = ["language", "pages", "metric", "blocksift", "best peer", "blocksift - best", "95% interval", "draws > 0"]
    lines = []
    for r in rows:
        m, best = r["margin"], r["best_peer"]
        lines.append([r["group"], str(r["pages"]), r["metric"].replace("_f1", " F1"), f"{r['values'][BLOCKSIFT]:.3f}",
                      f"{best} {r['values'][best]:.3f}", f"{m.observed:+.3f}", f"[{m.low:+.3f}, {m.high:+.3f}]",
                      f"{m.above_zero:.0%}"])  # fmt: skip
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(out + ["| " + " | ".join(line) + " |" for line in lines]) + "\n"
    widths = [max(len(x) for x in col) for col in zip(head, *lines, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    text = [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*x) for x in lines]
    return "\n".join(line.rstrip() for line in text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("compare_json", type=Path, help="a compare.py --json file")
    parser.add_argument("--root", type=Path, default=SHARED, help="the datasets' folder (for the pages' languages)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"skipped: {args.root} is absent (the shared benchmark datasets)", file=sys.stderr)
        return 0
    scores = read_scores(args.compare_json)
    languages = page_languages(args.root, sorted(scores[BLOCKSIFT]))
    rows = language_rows(scores, groups_of(languages))
    print(f"Quality by language ({len(languages):,} pages of {args.compare_json}; {margin.RESAMPLES:,} paired draws)")
    print(table(rows, markdown=False))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table(rows, markdown=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The README and the documents beside it link to each other and to files of the repository: every such link must
lead somewhere, so that moving a section (the speed and experiment records went to docs/ in session 27) cannot
leave a reader at a dead end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    REPO / "README.md",
    REPO / "docs" / "speed.md",
    REPO / "docs" / "experiments.md",
    REPO / "benchmarks" / "README.md",
    REPO / "datasets" / "README.md",
    REPO / "models" / "default.card.md",
]
# [text](target): a target without a scheme is a path in the repository, perhaps with a #fragment.
_LINK_RE = re.compile(r"\]\(([^()\s]+)\)")
_HEADING_RE = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
_FENCE_RE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower-cased, punctuation but hyphens and underscores dropped, spaces to
    hyphens."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE_RE.sub("", path.read_text(encoding="utf-8"))
    return {slug(h) for h in _HEADING_RE.findall(text)}


def local_links(path: Path) -> list[str]:
    text = _FENCE_RE.sub("", path.read_text(encoding="utf-8"))
    return [t for t in _LINK_RE.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def test_slug_follows_github() -> None:
    assert slug("The shipped model") == "the-shipped-model"
    assert slug("Web crawls: WARC files, Common Crawl, Spark") == "web-crawls-warc-files-common-crawl-spark"
    assert slug("The labels' ceiling (oracle)") == "the-labels-ceiling-oracle"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_local_link_resolves(document: Path) -> None:
    assert document.exists(), f"{document} is listed here but missing"
    broken = []
    for target in local_links(document):
        file_part, _, fragment = target.partition("#")
        resolved = (document.parent / file_part).resolve() if file_part else document
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(f"{target}: no heading #{fragment} in {resolved.relative_to(REPO)}")
    assert not broken, f"{document.relative_to(REPO)}: " + "; ".join(broken)


def test_readme_points_to_the_records() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for record in ("docs/speed.md", "docs/experiments.md"):
        assert f"]({record})" in readme, f"the README no longer links {record}"

#!/usr/bin/env python3
"""Coverage-guided fuzzing of the whole extraction path with atheris (libFuzzer for Python).

Each input is a page's raw bytes. The harness runs what ``blocksift extract`` runs on a page: decode and parse,
segment, featurise, score with the shipped model, decide, then render to markdown, html and the json records; it
also runs the ``str`` entry point on the same bytes decoded as UTF-8. Any exception that is not a ``BlocksiftError``
is a crash, and so is a broken invariant (one probability and one label per block, probabilities in [0, 1], finite
features, the text having the kept blocks' words, output that encodes to UTF-8). See fuzz/README.md for how to run it.

``check(data)`` is importable without atheris: tests/test_fuzz_regressions.py replays the corpus through it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import traceback

# Third-party code stays uninstrumented (imported first); so do the modules whose kernels numba compiles from their
# bytecode (the tree walk, the lexicon's sums, the context columns): numba cannot type atheris's coverage hooks.
import charset_normalizer  # noqa: F401
import lxml.html  # noqa: F401
import numba  # noqa: F401
import numpy as np

try:
    import atheris
except ImportError:  # replaying the corpus (tests) does not need atheris
    atheris = None

if atheris is not None and __name__ == "__main__":
    compiled = ["blocksift.forest", "blocksift.lexicon", "blocksift.context"]
    with atheris.instrument_imports(include=["blocksift"], exclude=compiled):
        import blocksift.modelfile
        from blocksift.blocks import TOKEN_RE
        from blocksift.errors import BlocksiftError
        from blocksift.extraction import CELL_LINES_APART, CELLS_APART, PRE_TAGS, Extraction, extract_blocks
        from blocksift.features import FEATURE_NAMES, featurize
        from blocksift.render import block_records, page_record, to_html, to_markdown
else:
    import blocksift.modelfile
    from blocksift.blocks import TOKEN_RE
    from blocksift.errors import BlocksiftError
    from blocksift.extraction import CELL_LINES_APART, CELLS_APART, PRE_TAGS, Extraction, extract_blocks
    from blocksift.features import FEATURE_NAMES, featurize
    from blocksift.render import block_records, page_record, to_html, to_markdown

MODEL = blocksift.modelfile.default_model()


def _check_extraction(ex: Extraction) -> None:
    """One feature row, probability and label per block; finite features; probabilities in [0, 1]."""
    n = len(ex.blocks)
    assert ex.proba.shape == (n,), (ex.proba.shape, n)
    assert ex.keep.shape == (n,), (ex.keep.shape, n)
    assert np.all((ex.proba >= 0.0) & (ex.proba <= 1.0)), ex.proba
    X = featurize(ex.segmentation)
    assert X.shape == (n, len(FEATURE_NAMES)), X.shape
    assert np.isfinite(X).all(), "non-finite feature value"
    for b in ex.blocks:
        assert b.text and b.text == " ".join(b.text.split()), repr(b.text)
        assert 0 <= b.n_link_tokens <= b.n_tokens, b


def _lines_apart(text: str, separators: tuple[str, ...]) -> str:
    """``text`` with each of ``separators`` a line break."""
    for sep in separators:
        text = text.replace(sep, "\n")
    return text


def _check_outputs(ex: Extraction) -> None:
    """The text is the kept blocks, word for word (a line each, or a table row's cells on one, where the page holds no
    preformatted code, which keeps its own lines); every output format renders and encodes to UTF-8 (as the CLI
    writes it)."""
    lines = "\n".join(b.text for b, k in zip(ex.blocks, ex.keep, strict=True) if k)
    assert TOKEN_RE.findall(ex.text) == TOKEN_RE.findall(lines)
    if not any(c.tag in PRE_TAGS for c in ex.segmentation.containers):
        # a data table's row is one line, " | " between its cells and " / " between a cell's lines
        apart = (CELLS_APART, CELL_LINES_APART)
        assert _lines_apart(ex.text, apart) == _lines_apart(lines, apart)
    outputs = [
        to_markdown(ex),
        to_html(ex),
        json.dumps(page_record("page.html", ex), ensure_ascii=False),
        "".join(json.dumps(r, ensure_ascii=False) for r in block_records("page.html", ex)),
    ]
    for out in outputs:
        out.encode("utf-8")  # a lone surrogate in the output would fail there


# Open findings (see fuzz/README.md), each an exception type and a piece of its message. With FUZZ_SKIP_KNOWN=1 the
# fuzzer passes over them so that a long run goes on looking for new crashes instead of finding these again.
KNOWN: tuple[tuple[type[BaseException], str], ...] = ()
SKIP_KNOWN = os.environ.get("FUZZ_SKIP_KNOWN") == "1"


def known(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the open findings in KNOWN."""
    return any(isinstance(exc, kind) and text in str(exc) for kind, text in KNOWN)


def check(data: bytes, skip_known: bool = SKIP_KNOWN) -> None:
    """Run the extraction path on ``data`` as bytes and as text; raise on anything but a BlocksiftError."""
    for page in (data, data.decode("utf-8", errors="surrogateescape")):
        try:
            ex = extract_blocks(page, MODEL)
            _check_extraction(ex)
            _check_outputs(ex)
            # Rendering sees only kept blocks: render every block too, whatever the model thinks of them.
            _check_outputs(dataclasses.replace(ex, keep=np.ones_like(ex.keep)))
        except BlocksiftError:
            continue
        except Exception as exc:
            if skip_known and known(exc):
                continue
            _save_crash(data)
            raise


def _save_crash(data: bytes) -> None:
    """Keep a crashing input and its traceback in $FUZZ_CRASH_DIR, should libFuzzer fail to write its artifact."""
    folder = os.environ.get("FUZZ_CRASH_DIR")
    if folder:
        name = os.path.join(folder, "py-crash-" + hashlib.sha1(data).hexdigest())
        with open(name, "wb") as fh:
            fh.write(data)
        with open(name + ".txt", "w", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())


def main() -> None:
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris")
    atheris.Setup(sys.argv, lambda data: check(data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()

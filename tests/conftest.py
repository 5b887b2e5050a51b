"""Shared fixtures: the repo's own sample pages, a model trained on them, and the shared datasets when present."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import settings as hypothesis_settings

from blocksift.datasets import load_datasets
from blocksift.model import BlockClassifier
from blocksift.modelfile import load_model, save_model
from blocksift.training import train

# Where CI is set (as CI services and `.ci/run`'s documented use set it), hypothesis draws the same examples on every
# run, so that a red CI is a change's doing, not a new draw's; elsewhere each run draws afresh and remembers what
# failed in .hypothesis/ (session 20 found a rendering bug that way, which CI could have met at random).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# tests/browser.py: the headless chromium fixtures (chromium, browser_page) for tests of HTML output.
pytest_plugins = ("browser",)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "datasets" / "sample"
SHARED = Path(os.environ.get("BLOCKSIFT_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))
SHARED_MISSING = "../shared/datasets is absent (set BLOCKSIFT_SHARED_DATASETS to the shared datasets folder)"


@pytest.fixture(scope="session")
def sample_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model trained on the sample's train split (40 trees: enough to learn, quick to fit)."""
    pages = load_datasets([SAMPLE], splits=["train"])
    clf, record = train(pages, params={"max_iter": 40, "max_leaf_nodes": 15, "min_samples_leaf": 10})
    path = tmp_path_factory.mktemp("model") / "sample.npz"
    save_model(clf, path, record)
    return path


@pytest.fixture(scope="session")
def sample_model(sample_model_path: Path) -> BlockClassifier:
    """The sample model, loaded from its file."""
    return load_model(sample_model_path)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared datasets folder, or a skip with the reason."""
    if not SHARED.is_dir():
        pytest.skip(SHARED_MISSING)
    return SHARED


@pytest.fixture()
def benchmark_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], ModuleType]:
    """Imports a script of benchmarks/ afresh by name, its row cache in this test's own folder."""
    monkeypatch.setenv("BLOCKSIFT_CACHE", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))

    def load(name: str) -> ModuleType:
        sys.modules.pop(name, None)
        return importlib.import_module(name)

    return load


def rewrite_model(src: Path, dst: Path, edit: dict[str, np.ndarray]) -> None:
    """A copy of model file ``src`` at ``dst`` with the arrays of ``edit`` in place of its own (a damaged or
    tampered file, or one whose card says otherwise)."""
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(edit)
    with dst.open("wb") as fh:
        np.savez(fh, **arrays)


def model_card(path: Path) -> dict:
    """The card inside a model file."""
    with np.load(path, allow_pickle=False) as data:
        return json.loads(data["card"].tobytes())


def twice(text: str, codec: str = "cp1252") -> str:
    """``text`` as a page encoded twice shows it: its UTF-8 bytes read as ``codec`` (the bytes Windows-1252 leaves
    undefined as Latin-1 reads them, as decoders do)."""
    undefined = (0x81, 0x8D, 0x8F, 0x90, 0x9D) if codec == "cp1252" else ()
    return "".join(chr(b) if b in undefined else bytes([b]).decode(codec) for b in text.encode("utf-8"))


def started_workers(proc: subprocess.Popen[bytes], wanted: int = 2, timeout: float = 60) -> set[int]:
    """The child processes of ``proc`` (read from /proc, Linux), once ``wanted`` of them run or ``timeout`` passes."""
    found: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(found) < wanted and proc.poll() is None and time.monotonic() < deadline:
        for task in Path(f"/proc/{proc.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                found |= {int(c) for c in (task / "children").read_text().split()}
        time.sleep(0.05)
    return found


def survivors(pids: set[int], timeout: float) -> list[int]:
    """Those of ``pids`` still alive after ``timeout`` seconds; killed, so that no test leaves them running."""
    deadline = time.monotonic() + timeout
    while any(Path(f"/proc/{p}").exists() for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [p for p in pids if Path(f"/proc/{p}").exists()]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    return alive

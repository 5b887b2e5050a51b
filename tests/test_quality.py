"""The code's own checks run with the tests: ruff (lint and format) and mypy (types)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_lint_and_format() -> None:
    lint = run("ruff", "check", "src", "tests", "benchmarks", "datasets")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run("ruff", "format", "--check", "src", "tests", "benchmarks", "datasets")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


# A script written as a user of the library writes one, checked as strictly as such a user checks theirs. The package
# ships py.typed, so its hints are what the user's mypy reads: a hint narrower than what the function accepts fails
# their check on code that runs.
USER_SCRIPT = """
from pathlib import Path

import blocksift
from blocksift.render import to_html, to_markdown


def use(page: bytes, text: str, path: Path) -> str:
    model = blocksift.load_model(path)
    kept = blocksift.extract(page, model=model, threshold=0.3, encoding="windows-1250")
    result: blocksift.Extraction = blocksift.extract_blocks(text, model=path)
    shown = blocksift.extract_blocks(bytearray(page), model=str(path)).title + blocksift.extract(memoryview(page))
    probabilities = [float(p) for p, keep in zip(result.proba, result.keep) if keep]
    try:
        blocksift.extract(b"", model="shipped")
    except blocksift.BlocksiftError as exc:
        shown += str(exc)
    return kept + shown + to_markdown(result) + to_html(result, url="https://example.org/") + str(probabilities)
"""


def test_a_users_script_type_checks_strictly_against_the_api(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    # This checkout's blocksift, not whichever is installed; its own modules are checked by test_mypy, not here.
    env = {**os.environ, "MYPYPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental", str(script)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

"""``python -m blocksift.spark_job`` where Spark itself is missing (tests/test_spark.py runs the job in Spark)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from blocksift.spark_job import main


def test_the_job_without_pyspark_names_the_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It ended in a bare ModuleNotFoundError traceback, which said nothing of `pip install 'blocksift[spark]'`."""
    warc = tmp_path / "x.warc.gz"
    warc.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as where pyspark is not installed
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    assert main([str(warc), "--output", str(tmp_path / "p.parquet")]) == 2
    assert capsys.readouterr().err == "blocksift.spark_job: needs pyspark: pip install 'blocksift[spark]'\n"
    assert not (tmp_path / "p.parquet").exists()

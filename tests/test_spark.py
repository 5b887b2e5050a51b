"""Spark (local mode): extraction columns on a DataFrame of HTML, and the WARC-to-Parquet job, whose output must equal
``blocksift predict`` on the same WARC files page for page. One SparkSession for the module keeps this quick."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import blocksift
from blocksift.cli import app
from blocksift.warc import RECORD_FIELDS, write_warc
from conftest import SAMPLE

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (17 or later), which is not installed", allow_module_level=True)

from pyspark.sql import SparkSession

from blocksift.spark import add_extraction
from blocksift.spark_job import parse_args, run_job

PAGES = sorted((SAMPLE / "html").glob("*.html"))
# PySpark 4.x warns that it does not yet fully support pandas 3: what these tests use works (they check it).
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this interpreter, with blocksift installed
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("blocksift-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two WARC files of the sample pages: one with an image among them, one whose last record is cut short."""
    folder = tmp_path_factory.mktemp("warcs")
    pages = [(f"https://example.org/{p.stem}", p.read_bytes()) for p in PAGES]
    first, second = folder / "a.warc.gz", folder / "b.warc"
    write_warc(first, [*pages[:9], ("https://example.org/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png")])
    write_warc(second, pages[9:])
    second.write_bytes(second.read_bytes()[:-300])
    return [first, second]


def test_the_job_writes_what_predict_prints_page_for_page(
    spark: SparkSession, warcs: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "pages.parquet"
    args = parse_args([*map(str, warcs), "--output", str(out)])
    pages, failed = run_job(spark, [str(w) for w in warcs], args)
    assert (pages, failed) == (len(PAGES), 1)

    table = pd.read_parquet(out)
    assert list(table.columns) == [*RECORD_FIELDS, "error"]
    cluster = {row["source"]: row for row in table.to_dict("records")}

    result = CliRunner().invoke(app, ["predict", *map(str, warcs)])
    assert result.exit_code == 1  # the truncated record
    local = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(cluster) == sorted(r["source"] for r in local)
    for record in local:
        row = cluster[record["source"]]
        if "error" in record:
            assert row["error"] == record["error"] and "truncated" in record["error"]
            continue
        assert _plain(row["error"]) is None
        for name in RECORD_FIELDS:
            assert _plain(row[name]) == record.get(name), (record["source"], name)


def _plain(value: object) -> object:
    """A Parquet value as JSON gives it: None for null, Python numbers."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def test_extraction_columns_on_a_dataframe_of_html(spark: SparkSession) -> None:
    rows = [(p.stem, p.read_bytes()) for p in PAGES[:4]] + [("empty", b""), ("missing", None)]
    df = spark.createDataFrame(rows, "source string, html binary").repartition(2)
    out = add_extraction(df).toPandas().set_index("source")
    assert list(out.columns[:1]) == ["html"] and "text" in out.columns and "kept_share" in out.columns
    for page in PAGES[:4]:
        row = out.loc[page.stem]
        assert row["text"] == blocksift.extract(page.read_bytes()) and pd.isna(row["error"])
        content = blocksift.extract_blocks(page.read_bytes()).content  # characters with white space normalised
        assert 0 < row["kept_share"] < 1 and row["content_chars"] == sum(len(b.text) for b in content)
    assert "empty" in str(out.loc["empty", "error"]) and out.loc["missing", "error"] == "no HTML"
    assert pd.isna(out.loc["missing", "text"]) and pd.isna(out.loc["missing", "content_chars"])


def test_a_string_html_column_with_a_charset_column(spark: SparkSession) -> None:
    page = PAGES[0].read_text(encoding="utf-8")
    df = spark.createDataFrame([("p", page, "utf-8")], "source string, html string, charset string")
    [row] = add_extraction(df, charset="charset").collect()
    assert row["text"] == blocksift.extract(page)


def test_an_output_the_job_cannot_write_is_refused_before_spark_starts(tmp_path: Path) -> None:
    """Spark failed with a traceback on an existing output, after starting; with --mode overwrite and the output
    holding the WARC files, it would delete them."""
    from blocksift.spark_job import main
    from blocksift.warc import write_warc

    crawl = tmp_path / "crawls"
    crawl.mkdir()
    write_warc(crawl / "a.warc", [("https://example.org/a", b"<html><body><p>A page</p></body></html>")])
    (tmp_path / "out").mkdir()
    assert main([str(crawl / "a.warc"), "--output", str(tmp_path / "out")]) == 2
    assert main([str(crawl / "a.warc"), "--output", str(crawl), "--mode", "overwrite"]) == 2
    assert (crawl / "a.warc").exists()

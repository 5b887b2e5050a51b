"""Spark: extraction columns for a DataFrame of HTML, and WARC files read on the executors.

``pip install 'blocksift[spark]'``. Both run as ``mapInPandas`` over Arrow batches: the function that Spark ships to
the executors holds only the model's path (None: the shipped model), and each Python worker process loads the model
the first time it needs it and keeps it (``batch._model``'s cache; Spark reuses its Python workers), so the model is
loaded once per worker process, never sent per row or per task.

Each page goes through ``batch.run_one``, the function ``blocksift predict`` runs: the same decoding (the HTTP
charset), time limit, error handling and record fields (``warc.warc_page_record``), so the cluster's output equals
``blocksift predict crawl.warc.gz`` page for page. A page that fails gets its ``error`` and the task goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from blocksift.batch import MAX_PAGE_BYTES, PAGE_TIMEOUT, Source, run_one
from blocksift.warc import RECORD_FIELDS, WarcPage, WarcStats, read_warc

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

# The columns extraction adds (the record fields a DataFrame row does not already have), and their Spark types.
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "string"),
    ("author", "string"),
    ("published", "string"),
    ("language", "string"),
    ("canonical_url", "string"),
    ("site_name", "string"),
    ("content_chars", "bigint"),
    ("page_chars", "bigint"),
    ("kept_share", "double"),
    ("blocks", "bigint"),
    ("content_blocks", "bigint"),
    ("text", "string"),
    ("error", "string"),
)
WARC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "string"),
    ("url", "string"),
    ("record_id", "string"),
    ("date", "string"),
    ("truncated", "string"),
    ("charset", "string"),
    ("html", "binary"),
    ("read_error", "string"),
)
# Rows per Arrow batch a WARC reader yields: bounds a task's memory whatever the size of its file.
WARC_BATCH_ROWS = 256
assert {name for name, _ in RESULT_COLUMNS} | {"source", "url", "record_id", "date", "truncated", "error"} >= set(
    RECORD_FIELDS
)


def _schema(columns: tuple[tuple[str, str], ...]) -> StructType:
    from pyspark.sql.types import BinaryType, DoubleType, LongType, StringType, StructField, StructType

    kinds = {"string": StringType(), "bigint": LongType(), "double": DoubleType(), "binary": BinaryType()}
    return StructType([StructField(name, kinds[kind], nullable=True) for name, kind in columns])


def extract_pages(
    frame: pd.DataFrame,
    *,
    html: str = "html",
    charset: str | None = None,
    model_path: str | None = None,
    threshold: float | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
    timeout: float | None = PAGE_TIMEOUT,
) -> pd.DataFrame:
    """``frame`` with the result columns added, one page per row (what each Spark task runs on its batches)."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    names = frame["source"] if "source" in frame else pd.Series(range(len(frame)), index=frame.index).astype(str)
    charsets = frame[charset] if charset and charset in frame else None
    for i, (name, page) in enumerate(zip(names, frame[html], strict=True)):
        rows.append(
            _extract_one(
                str(name),
                page,
                None if charsets is None else charsets.iloc[i],
                model_path,
                threshold,
                max_bytes,
                timeout,
            )
        )
    columns = [name for name, _ in RESULT_COLUMNS]
    # Plain Python objects (None for a failed page's missing values, never NaN): what PySpark's Arrow conversion takes
    # from every pandas version (pandas 3's Arrow-backed strings arrive in chunks that it refuses).
    result = pd.DataFrame(
        {name: pd.Series([row.get(name) for row in rows], index=frame.index, dtype=object) for name in columns}
    )
    return pd.concat([_objects(frame.drop(columns=[c for c in columns if c in frame])), result], axis=1)


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns as Python objects (see ``extract_pages``)."""
    import pandas as pd

    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def _extract_one(
    name: str,
    page: Any,
    charset: Any,
    model_path: str | None,
    threshold: float | None,
    max_bytes: int,
    timeout: float | None,
) -> dict[str, Any]:
    if page is None or (isinstance(page, float) and page != page):  # null (NaN in pandas)
        return {"error": "no HTML"}
    data = page.encode("utf-8") if isinstance(page, str) else bytes(page)
    record = WarcPage(url="", record_id="", date="", charset=charset if isinstance(charset, str) else None)
    source = Source(name, data=data, record=record)
    result = run_one(source, model_path, "jsonl", threshold, max_bytes, timeout)
    if result.error is not None or not isinstance(result.output, dict):
        return {"error": result.error or "no output"}
    return result.output


def add_extraction(
    df: DataFrame,
    *,
    html: str = "html",
    charset: str | None = None,
    model_path: str | None = None,
    threshold: float | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
    timeout: float | None = PAGE_TIMEOUT,
) -> DataFrame:
    """``df`` with extraction columns added (title, author, published, language, canonical_url, site_name,
    content_chars, page_chars, kept_share, blocks, content_blocks, text, error) from its ``html`` column (binary or
    string; ``charset``: an optional column with the HTTP charset). ``model_path`` must be readable on every
    executor (None: the shipped model, installed with the package)."""
    from pyspark.sql.types import StructType

    added = _schema(RESULT_COLUMNS)
    kept = [f for f in df.schema.fields if f.name not in added.fieldNames()]
    schema = StructType(kept + added.fields)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            yield extract_pages(
                frame,
                html=html,
                charset=charset,
                model_path=model_path,
                threshold=threshold,
                max_bytes=max_bytes,
                timeout=timeout,
            )

    return df.mapInPandas(run, schema)


def open_path(path: str) -> Any:
    """A binary file for a local path or, through fsspec, a URL (``s3://``, ``https://``, ``hdfs://``...)."""
    if "://" in path and not path.startswith("file://"):
        try:
            import fsspec
        except ImportError as exc:
            raise ImportError(f"reading {path} needs fsspec (pip install fsspec s3fs / aiohttp)") from exc
        return fsspec.open(path, "rb").open()
    return open(path.removeprefix("file://"), "rb")  # the caller closes it


def read_warc_frames(
    paths: Iterator[str], max_bytes: int = MAX_PAGE_BYTES, opener: Callable[[str], Any] = open_path
) -> Iterator[pd.DataFrame]:
    """The HTML records of WARC files as pandas frames of at most ``WARC_BATCH_ROWS`` rows (``WARC_COLUMNS``)."""
    import pandas as pd

    columns = [name for name, _ in WARC_COLUMNS]
    for path in paths:
        rows: list[tuple[Any, ...]] = []
        try:
            stream = opener(path)
        except (OSError, ImportError) as exc:
            yield pd.DataFrame(
                [(path, None, None, None, None, None, None, f"cannot read: {exc}")], columns=columns, dtype=object
            )
            continue
        with stream:
            for item in read_warc(path, max_bytes, WarcStats(), stream=stream):
                page = item.page
                rows.append(
                    (
                        item.name,
                        page.url if page else None,
                        page.record_id if page else None,
                        page.date if page else None,
                        page.truncated if page else None,
                        page.charset if page else None,
                        item.data,
                        item.error,
                    )
                )
                if len(rows) >= WARC_BATCH_ROWS:
                    yield pd.DataFrame(rows, columns=columns, dtype=object)
                    rows = []
        if rows:
            yield pd.DataFrame(rows, columns=columns, dtype=object)


def warc_records(spark: SparkSession, paths: list[str], max_bytes: int = MAX_PAGE_BYTES) -> DataFrame:
    """A DataFrame of the HTML records of ``paths`` (``WARC_COLUMNS``), read on the executors, one task per file."""
    files = spark.createDataFrame([(p,) for p in paths], "path string").repartition(max(1, len(paths)))

    def read(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            yield from read_warc_frames(iter(frame["path"].tolist()), max_bytes)

    return files.mapInPandas(read, _schema(WARC_COLUMNS))


def extract_warcs(
    spark: SparkSession,
    paths: list[str],
    *,
    model_path: str | None = None,
    threshold: float | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
    timeout: float | None = PAGE_TIMEOUT,
    partitions: int | None = None,
) -> DataFrame:
    """The records of WARC files with their extraction: the columns of ``warc.RECORD_FIELDS`` and ``error``.

    Records are extracted in the task that reads their file; ``partitions`` spreads them over that many tasks
    instead (for fewer files than cores).
    """
    from pyspark.sql import functions as F

    records = warc_records(spark, paths, max_bytes)
    if partitions:
        records = records.repartition(partitions)
    extracted = add_extraction(
        records, charset="charset", model_path=model_path, threshold=threshold, max_bytes=max_bytes, timeout=timeout
    )
    extracted = extracted.withColumn("error", F.coalesce(F.col("read_error"), F.col("error")))
    return extracted.select(*RECORD_FIELDS, "error")

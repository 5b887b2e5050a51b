"""WARC files in, a Parquet dataset of their pages' content out, on Spark.

    python -m blocksift.spark_job crawl/*.warc.gz --output pages.parquet                      # local mode, all cores
    spark-submit "$(python -c 'import blocksift.spark_job as j; print(j.__file__)')" --paths warc.paths \\
        --prefix s3://commoncrawl/ --output s3://bucket/cc-pages

One task per WARC file (``--partitions`` to spread the extraction wider); each row is one HTML record: source, url,
record_id, date, truncated, title, author, published, language, canonical_url, site_name, content_chars, page_chars,
kept_share, blocks, content_blocks, text, error (see ``blocksift.warc.warc_page_record``). A record that fails has
``error`` set and the job goes on. Exit codes as ``blocksift predict``: 0 all pages done, 1 some failed, 2 misuse.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from blocksift.batch import MAX_PAGE_BYTES, PAGE_TIMEOUT

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The job's options."""
    parser = argparse.ArgumentParser(prog="python -m blocksift.spark_job", description=__doc__.split("\n\n")[0])
    parser.add_argument("warcs", nargs="*", help="WARC files (local paths or URLs fsspec can open)")
    parser.add_argument("--paths", type=Path, help="a file listing WARC files, one a line (Common Crawl's warc.paths)")
    parser.add_argument(
        "--prefix", default="", help="put before every line of --paths (s3://commoncrawl/, https://...)"
    )
    parser.add_argument("--output", "-o", required=True, help="the Parquet dataset to write (a directory)")
    parser.add_argument("--mode", default="errorifexists", choices=["errorifexists", "overwrite"])
    parser.add_argument("--master", help="Spark master when not run by spark-submit (default: local[*])")
    parser.add_argument("--partitions", type=int, help="spread the records over this many tasks for extraction")
    parser.add_argument("--model", help="model file readable on every executor (default: the shipped model)")
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--max-bytes", type=int, default=MAX_PAGE_BYTES)
    parser.add_argument("--timeout", type=float, default=PAGE_TIMEOUT, help="seconds one page may take (0: none)")
    return parser.parse_args(argv)


def warc_paths(args: argparse.Namespace) -> list[str]:
    """The WARC files to read: local ones made absolute (executors do not share the driver's directory)."""
    paths = list(args.warcs)
    if args.paths is not None:
        lines = args.paths.read_text(encoding="utf-8").splitlines()
        paths += [args.prefix + line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [p if "://" in p else str(Path(p).resolve()) for p in paths]


def _refused_output(output: str, mode: str, paths: list[str]) -> str | None:
    """Why a local ``--output`` cannot be written, checked before Spark starts (None where it can, or where it is not
    local): an existing one without ``--mode overwrite`` (Spark failed with a traceback after starting), and, with
    it, a folder that holds or lies inside the WARC files (overwriting deletes it, inputs first)."""
    if "://" in output:
        return None
    target = Path(output).resolve()
    if target.exists() and mode != "overwrite":
        return f"--output {output} exists; give a new one, or --mode overwrite to replace it"
    if mode == "overwrite" and any("://" not in p and (target == Path(p) or target in Path(p).parents) for p in paths):
        return f"--output {output} holds WARC files read by this job, which overwriting it would delete"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the job; the exit code."""
    args = parse_args(argv)
    paths = warc_paths(args)
    if not paths:
        print("blocksift.spark_job: no WARC files given", file=sys.stderr)
        return 2
    missing = [p for p in paths if "://" not in p and not Path(p).is_file()]
    if missing:
        print(f"blocksift.spark_job: no such file: {missing[0]}", file=sys.stderr)
        return 2
    refused = _refused_output(args.output, args.mode, paths)
    if refused:
        print(f"blocksift.spark_job: {refused}", file=sys.stderr)
        return 2
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # a bare ModuleNotFoundError traceback said nothing of the extra that brings it
        print("blocksift.spark_job: needs pyspark: pip install 'blocksift[spark]'", file=sys.stderr)
        return 2
    if args.model is not None:
        from blocksift.modelfile import load_model

        load_model(args.model)  # a bad model fails here, not in every task
    builder = SparkSession.builder.appName("blocksift")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    started = time.perf_counter()
    try:
        pages, failed = run_job(spark, paths, args)
    finally:
        spark.stop()
    seconds = time.perf_counter() - started  # the job itself, without the session's start
    print(
        f"blocksift.spark_job: {pages:,} records from {len(paths):,} WARC files, {failed:,} failed, in {seconds:.1f} s",
        file=sys.stderr,
    )
    return 1 if failed else 0


def run_job(spark: SparkSession, paths: list[str], args: argparse.Namespace) -> tuple[int, int]:
    """Extract ``paths`` into the Parquet dataset ``args.output``; the records written and those that failed."""
    from pyspark.sql import functions as F

    from blocksift.spark import extract_warcs

    frame = extract_warcs(
        spark,
        paths,
        model_path=args.model,
        threshold=args.threshold,
        max_bytes=args.max_bytes,
        timeout=args.timeout or None,
        partitions=args.partitions,
    )
    frame.write.mode(args.mode).parquet(args.output)
    # Counted from the files written: counting the frame would run the extraction a second time.
    counts = spark.read.parquet(args.output).agg(F.count("*").alias("pages"), F.count("error").alias("failed")).first()
    return (int(counts["pages"]), int(counts["failed"])) if counts is not None else (0, 0)


if __name__ == "__main__":
    sys.exit(main())

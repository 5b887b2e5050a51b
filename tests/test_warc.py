"""WARC input: HTML records of crawl files as pages, streamed; bad records reported one by one, the rest go on.

Every WARC here is written by the tests (``blocksift.warc.write_warc``) from the repo's own sample pages.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import blocksift
from blocksift.batch import WINDOW_PER_JOB, Result, Source, expand, run
from blocksift.cli import app
from blocksift.page import decode_payload
from blocksift.warc import DIGEST_MISMATCH, WarcStats, block_digest, read_warc, write_warc
from conftest import SAMPLE

PAGES = sorted((SAMPLE / "html").glob("*.html"))
runner = CliRunner()
needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the worker-pool tests use forked workers"
)


def sample_pages() -> list[tuple[str, bytes]]:
    return [(f"https://example.org/{p.stem}", p.read_bytes()) for p in PAGES]


def cli(*args: str | Path) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, ["predict", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stderr


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample pages as a gzipped WARC, with an image, a redirect and an error page among them."""
    pages: list[tuple[object, ...]] = list(sample_pages())
    pages.insert(2, ("https://example.org/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"))
    pages.insert(5, ("https://example.org/old", b"<html><body>Moved</body></html>", "text/html", 301))
    pages.insert(7, ("https://example.org/gone", b"<html><body>Not found</body></html>", "text/html", 404))
    path = tmp_path_factory.mktemp("warc") / "crawl.warc.gz"
    write_warc(path, pages)
    return path


@pytest.fixture(scope="module")
def crawl_records(crawl: Path) -> list[dict[str, object]]:
    code, records, _ = cli(crawl)
    assert code == 0
    return records


@pytest.mark.parametrize("suffix", [".warc.gz", ".warc"])
def test_every_html_record_is_read_and_nothing_else(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"crawl{suffix}"
    ids = write_warc(path, [*sample_pages(), ("https://example.org/a.pdf", b"%PDF-1.4 ...", "application/pdf")])
    stats = WarcStats()
    items = list(read_warc(path, 1 << 20, stats))
    assert [i.page.record_id for i in items if i.page] == ids[: len(PAGES)]
    assert [i.data for i in items] == [p.read_bytes() for p in PAGES]
    assert items[0].page is not None and items[0].page.url == "https://example.org/blog-rye-bread"
    assert items[0].page.charset == "utf-8" and items[0].page.date == "2024-01-01T00:00:00Z"
    assert stats.pages == len(PAGES) and stats.skipped == {"not HTML": 1, "request record": len(PAGES) + 1}


def test_predict_writes_one_json_line_per_page_with_the_records_fields(
    crawl: Path, crawl_records: list[dict[str, object]]
) -> None:
    assert [r["url"] for r in crawl_records] == [f"https://example.org/{p.stem}" for p in PAGES]
    first = crawl_records[0]
    assert str(first["source"]).startswith(f"{crawl}#urn:uuid:")
    assert first["record_id"] == "<" + str(first["source"]).split("#", 1)[1] + ">"
    assert first["date"] == "2024-01-01T00:00:00Z"
    assert str(first["title"]).startswith("A plain rye loaf")
    # the page's own canonical URL and publication date keep their values under their own names
    assert first["canonical_url"] == "https://crumbandkettle.example.com/2023/11/plain-rye-loaf/"
    assert str(first["published"]).startswith("2023-11-05")
    assert 0 < int(first["content_chars"]) < int(first["page_chars"])  # type: ignore[call-overload]
    assert first["kept_share"] == round(int(first["content_chars"]) / int(first["page_chars"]), 4)  # type: ignore[call-overload]


def test_each_records_text_is_what_the_page_file_gives(crawl_records: list[dict[str, object]]) -> None:
    for page, record in zip(PAGES, crawl_records, strict=True):
        assert record["text"] == blocksift.extract(page.read_bytes()), page.name


def test_skipped_records_are_counted_on_stderr(crawl: Path) -> None:
    code, records, err = cli(crawl)
    assert code == 0 and len(records) == len(PAGES)
    requests = len(PAGES) + 3  # one before each response, the image's, the redirect's and the error page's too
    skipped = f"{requests + 3} WARC records skipped (request record: {requests}, status not 2xx: 2, not HTML: 1)"
    assert skipped in err.replace("\n", " ")
    assert f"{len(PAGES)} pages: {len(PAGES)} done" in err


@needs_fork
def test_jobs_keep_the_order_and_the_output(crawl: Path, crawl_records: list[dict[str, object]]) -> None:
    code, records, _ = cli(crawl, "--jobs", "2")
    assert code == 0 and records == crawl_records


def test_directories_of_warcs_and_pages(tmp_path: Path, crawl: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "crawl.warc.gz").write_bytes(crawl.read_bytes())
    (tmp_path / "b.html").write_bytes(PAGES[0].read_bytes())
    result = runner.invoke(app, ["predict", str(tmp_path)])  # JSON lines: the default once a WARC is among them
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(PAGES) + 1 and records[0]["source"] == str(tmp_path / "b.html")  # os.walk order
    assert records[1]["url"] == "https://example.org/blog-rye-bread" and "record_id" not in records[0]
    assert records[1]["canonical_url"] == records[0]["url"]  # a file's record has the page's own URL as url
    assert records[1]["text"] == records[0]["text"]


def test_the_http_charset_decodes_the_page(tmp_path: Path) -> None:
    # A page without a declared charset, in ISO-8859-15, whose euro sign (0xA4) a guess reads as windows-1252's "¤".
    text = (SAMPLE / "html" / "de-freibad-lindenau.html").read_text(encoding="utf-8")
    text = text.replace('<meta charset="utf-8">', "").replace(" Euro", " €")
    text = text.translate(str.maketrans({"„": '"', "“": '"', "–": "-", "·": "|"}))
    body = text.encode("iso-8859-15")
    path = tmp_path / "latin9.warc"
    labelled = ("https://example.org/labelled", body, "text/html; charset=ISO-8859-15")
    write_warc(path, [labelled, ("https://example.org/unlabelled", body, "text/html")])
    code, [record, unlabelled], _ = cli(path)
    assert code == 0 and record["text"] == blocksift.extract(text)
    assert "4,50 €" in str(record["text"]) and "4,50 ¤" in str(unlabelled["text"])


def test_decode_payload_follows_the_header_only_where_it_can_be_right() -> None:
    latin = "Grüße aus Köln".encode("cp1252")
    assert decode_payload(latin, "windows-1252") == "Grüße aus Köln"
    assert decode_payload(latin, "iso-8859-1") == "Grüße aus Köln"  # Latin-1 labels mean windows-1252
    utf8 = "Grüße aus Köln".encode()
    assert decode_payload(utf8, "iso-8859-1") is utf8  # valid UTF-8 stays UTF-8: the page loader decodes it
    declared = '<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r")
    assert decode_payload(declared, "iso-8859-1") is declared  # a server's default Latin-1 yields to the page
    assert decode_payload(latin, "utf-16") is latin and decode_payload(latin, "no-such-codec") is latin
    assert decode_payload(latin, None) is latin


def test_decode_payload_reads_header_labels_as_browsers_do() -> None:
    # The HTTP header goes through the same label table as a page's own <meta charset> (blocksift.charset).
    japanese = "手順①と③を終えてください。".encode("cp932")  # ① is NEC's, in cp932 only
    assert decode_payload(japanese, "x-sjis") == "手順①と③を終えてください。"
    chinese = "朱镕基访问了上海。".encode("gbk")
    assert decode_payload(chinese, "GB2312") == "朱镕基访问了上海。"
    assert decode_payload(chinese, "utf-7") is chinese  # a label that cannot be believed: the page loader decides


def test_encoding_option_overrides_the_http_charset(tmp_path: Path) -> None:
    # A crawl of an old Czech site whose server labels every page ISO-8859-1: the user knows better.
    text = "Příliš žluťoučký kůň úpěl ďábelské ódy, když večer přišel k řece a díval se na lodě."
    body = f"<html><body><article><p>{text}</p><p>{text}</p></article></body></html>".encode("cp1250")
    path = tmp_path / "old.warc"
    write_warc(path, [("https://example.cz/a", body, "text/html; charset=iso-8859-1")])
    assert text not in str(cli(path)[1][0]["text"])  # the header's Latin-1, as a browser would read it
    code, records, _ = cli(path, "--encoding", "windows-1250")
    assert code == 0 and text in str(records[0]["text"])


def test_a_truncated_record_is_one_error_and_the_rest_go_on(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, sample_pages()[:3])
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole.read_bytes()[:-500])
    code, records, err = cli(cut)
    assert code == 1
    assert [r.get("error") for r in records[:2]] == [None, None]
    assert "the WARC record is truncated" in str(records[2]["error"])
    assert "1 of 3 pages failed, 2 done" in err


def test_corrupt_bytes_are_reported_once_and_reading_resumes_at_the_next_record(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    ids = write_warc(whole, sample_pages()[:5])
    data = whole.read_bytes()
    members = _gzip_members(data)
    assert len(members) == 10  # a request and a response member per page
    start, _end = members[3]  # the second page's response
    broken = data[: start + 30] + b"\x00" * 40 + data[start + 70 :]
    path = tmp_path / "broken.warc.gz"
    path.write_bytes(broken)
    code, records, _ = cli(path)
    assert code == 1
    got = [r.get("record_id") for r in records]
    assert got == [ids[0], None, ids[2], ids[3], ids[4]]
    assert str(records[1]["source"]).startswith(f"{path}@")
    assert "corrupt WARC data" in str(records[1]["error"]) and "reading resumed at offset" in str(records[1]["error"])


def _gzip_members(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each gzip member of ``data``."""
    spans, pos = [], 0
    while pos < len(data):
        d = gzip.zlib.decompressobj(31)  # type: ignore[attr-defined]
        d.decompress(data[pos:])
        end = len(data) - len(d.unused_data)
        spans.append((pos, end))
        pos = end
    return spans


def test_a_file_that_is_no_warc_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.warc.gz"
    path.write_bytes(gzip.compress(b"<html><body>not an archive</body></html>"))
    code, [record], _ = cli(path)
    assert code == 1 and "corrupt WARC data at the start of the file" in str(record["error"])


def test_a_record_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.warc.gz"
    write_warc(path, [("https://example.org/big", b"<html><body><p>" + b"word " * 4000 + b"</p></body></html>")])
    code, [record], _ = cli(path, "--max-bytes", "1000")
    assert code == 1 and record["error"] == "the input is larger than the 1,000-byte limit"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "text"], "use --format jsonl"),
        (["--output", "out"], "--output writes one file per page"),
    ],
)
def test_warc_input_refuses_per_page_outputs(crawl: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["predict", str(crawl), *args])
    assert result.exit_code == 2 and message in result.stderr.replace("\n", " ")


def test_a_crawl_file_in_a_folder_of_pages_is_named_when_it_changes_the_run(tmp_path: Path, crawl: Path) -> None:
    # A folder of pages with a crawl file left in it is WARC input: per-page --output is refused, naming the file
    # that made it so (the user gave a folder and may not know the crawl file is there).
    pages = tmp_path / "pages"
    (pages / "old").mkdir(parents=True)
    (pages / "old" / "crawl.warc.gz").write_bytes(crawl.read_bytes())
    (pages / "b.html").write_bytes(PAGES[0].read_bytes())
    result = runner.invoke(app, ["predict", str(pages), "--output", str(tmp_path / "out")])
    message = result.stderr.replace("\n", " ")
    assert result.exit_code == 2 and "--output writes one file per page" in message
    assert str(pages / "old" / "crawl.warc.gz") in message.replace(" ", "")
    assert not (tmp_path / "out").exists()


@needs_fork
def test_records_stream_through_the_pool_without_reading_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "many.warc.gz"
    write_warc(path, [(f"https://example.org/{i}", b"<html><body><p>page</p></body></html>") for i in range(400)])
    pulled = 0

    def counted() -> Iterator[Source]:
        nonlocal pulled
        for source in expand([str(path)]):
            pulled += 1
            yield source

    def work(source: Source) -> Result:
        return Result(source, source.record.url if source.record else None)

    results = run(counted(), model_path=None, fmt="jsonl", jobs=2, work=work)
    first = [next(results) for _ in range(3)]
    assert [r.output for r in first] == [f"https://example.org/{i}" for i in range(3)]
    assert pulled <= 2 * WINDOW_PER_JOB + 2  # a bounded window of records in flight, not the file
    rest = list(results)
    assert [r.output for r in rest] == [f"https://example.org/{i}" for i in range(3, 400)]


def test_an_errors_file_beside_a_crawl_leaves_its_records_to_extract(crawl: Path, tmp_path: Path) -> None:
    """The README's own Common Crawl command: --errors read the WARC's records to check them against it, and none
    was left to extract (no output, exit 0)."""
    code, records, _ = cli(crawl, "--errors", tmp_path / "errors.jsonl")
    assert code == 0 and len(records) == len(PAGES) and (tmp_path / "errors.jsonl").read_text() == ""


def _raw_record(kind: str, block: bytes, record_id: str) -> bytes:
    head = [b"WARC/1.0", f"WARC-Type: {kind}".encode(), f"WARC-Record-ID: <urn:uuid:{record_id}>".encode(),
            b"WARC-Date: 2024-01-01T00:00:00Z", b"WARC-Target-URI: https://example.org/" + record_id.encode(),
            b"Content-Type: application/http; msgtype=response", f"Content-Length: {len(block)}".encode()]  # fmt: skip
    return b"\r\n".join(head) + b"\r\n\r\n" + block + b"\r\n\r\n"


def _response(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: text/html; charset=utf-8", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_every_record_is_read_after_a_gzip_body_sent_in_chunks(tmp_path: Path) -> None:
    """FastWARC's decoding of a gzip body sent in chunks ended the file after that record: every later record was
    lost, exit 0. Bodies are now decoded by blocksift: gzip, deflate (zlib or raw), brotli; a truncated gzip body
    is an error, not half a page."""
    import zlib

    import brotli  # type: ignore[import-not-found,unused-ignore]

    page = PAGES[0].read_bytes()
    packed = gzip.compress(page)
    chunked = b"".join(b"%x\r\n" % len(c) + c + b"\r\n" for c in (packed[:500], packed[500:])) + b"0\r\n\r\n"
    raw_deflate = zlib.compressobj(wbits=-15)
    bodies = [
        _response(page),
        _response(chunked, "Content-Encoding: gzip", "Transfer-Encoding: chunked"),
        _response(raw_deflate.compress(page) + raw_deflate.flush(), "Content-Encoding: deflate"),
        _response(brotli.compress(page), "Content-Encoding: br"),
        _response(packed[: len(packed) // 2], "Content-Encoding: gzip"),  # truncated
        _response(page),
    ]
    path = tmp_path / "mixed.warc.gz"
    path.write_bytes(b"".join(gzip.compress(_raw_record("response", b, f"r{i}")) for i, b in enumerate(bodies)))
    code, records, _ = cli(path)
    assert code == 1 and [r["source"].rsplit(":", 1)[-1] for r in records] == ["r0", "r1", "r2", "r3", "r4", "r5"]
    assert records[4]["error"].endswith(
        "its gzip body is truncated (" + f"{len(packed) // 2:,} bytes of compressed data)"
    )
    texts = {r["text"] for i, r in enumerate(records) if i != 4}
    assert len(texts) == 1 and "rye" in texts.pop().lower()


def test_skipped_records_are_counted_by_kind_and_a_crawl_named_otherwise_is_no_page(tmp_path: Path) -> None:
    page = _response(PAGES[0].read_bytes())
    data = (
        _raw_record("request", b"GET / HTTP/1.1\r\n\r\n", "q0")
        + _raw_record("response", page, "r0")
        + _raw_record("metadata", b"fetchTimeMs: 1\r\n", "m0")
    )
    (tmp_path / "crawl.warc").write_bytes(data)
    code, records, err = cli(tmp_path / "crawl.warc", tmp_path)  # named twice: read once
    assert code == 0 and len(records) == 1
    assert "2 WARC records skipped (request record: 1, metadata record: 1)" in err.replace("\n", " ")
    (tmp_path / "crawl.bin").write_bytes(data)
    code, records, _ = cli(tmp_path / "crawl.bin", "-f", "jsonl")
    assert code == 1 and "a WARC file, not a page: name it .warc" in str(records[0]["error"])


def test_a_record_the_crawler_cut_short_says_so(tmp_path: Path) -> None:
    """Common Crawl cuts pages at 1 MiB and marks the record WARC-Truncated: length; its text is only the page's
    beginning, which a corpus may want to leave out."""
    page = _response(PAGES[0].read_bytes())
    cut = _raw_record("response", page, "r1").replace(
        b"\r\nContent-Length", b"\r\nWARC-Truncated: length\r\nContent-Length", 1
    )
    (tmp_path / "cc.warc").write_bytes(_raw_record("response", page, "r0") + cut)
    code, records, _ = cli(tmp_path / "cc.warc")
    assert code == 0 and [r["truncated"] for r in records] == ["", "length"]


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
def test_a_record_whose_length_is_wrong_is_an_error_where_its_digest_says_so(tmp_path: Path, suffix: str) -> None:
    """A Content-Length 200 bytes short gave the page cut short, one 200 bytes long gave it with the next record's
    header as text, both with no error of their own. Where the record's block digest can be checked (Common Crawl
    writes one on every record), such a record is one error; the record after the bad bytes is read again."""
    page = _response(PAGES[0].read_bytes())
    digest = f"WARC-Block-Digest: {block_digest(page)}"

    def record(record_id: str, length: int, *headers: str) -> bytes:
        raw = _raw_record("response", page, record_id).replace(
            b"Content-Length: %d" % len(page), b"Content-Length: %d" % length
        )
        extra = "".join(h + "\r\n" for h in headers).encode()
        raw = raw.replace(b"\r\nContent-Length", b"\r\n" + extra + b"Content-Length", 1) if extra else raw
        return gzip.compress(raw) if suffix == ".gz" else raw

    suffix = ".gz" if suffix.endswith(".gz") else ""
    b64 = "WARC-Block-Digest: sha1:" + base64.b64encode(hashlib.sha1(page).digest()).decode()
    records = [
        record("r0", len(page), digest),
        record("short", len(page) - 200, digest),
        record("r1", len(page), digest),
        record("long", len(page) + 200, digest),
        record("r2", len(page), digest),
        record("unchecked", len(page), b64),  # base64: not a form FastWARC checks, so the record is read
    ]
    path = tmp_path / f"crawl.warc{suffix}"
    path.write_bytes(b"".join(records))
    code, out, _ = cli(path)
    by_id = {str(r["source"]).rsplit(":", 1)[-1]: r for r in out if "#" in str(r["source"])}
    assert code == 1 and list(by_id) == ["r0", "short", "r1", "long", "r2", "unchecked"]
    assert by_id["short"]["error"] == by_id["long"]["error"] == DIGEST_MISMATCH
    texts = {by_id[k]["text"] for k in ("r0", "r1", "r2", "unchecked")}
    assert len(texts) == 1 and "rye" in str(texts.pop()).lower()

"""Pages saved as MHTML archives ("Webpage, single file"): read from their HTML part, as the page itself."""

from __future__ import annotations

import email.message
import email.policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

import blocksift
from blocksift.cli import app
from blocksift.errors import InputError
from blocksift.mhtml import is_mhtml, page_part
from blocksift.page import decode_html
from blocksift.render import to_markdown

PARAGRAPHS = [
    "The harbour master confirmed on Tuesday that the morning ferry will leave twenty minutes earlier from next "
    "month, because the tide tables for the winter season have shifted – say officials.",
    "Passengers who booked tickets for the old departure time will be contacted by the operator, which said it "
    "would offer refunds or free changes to all of them.",
]
CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy, když večer přišel k řece a díval se na lodě u mola."
URL = "https://example.org/news/ferry"


def page(paragraphs: list[str], charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><meta charset="{charset}"><title>Ferry</title></head><body><nav><a href="/">Home</a> '
        f'<a href="/news">News</a></nav><article><h1>Ferry leaves earlier</h1>{body}</article>'
        "<footer>© 2024 Harbour News</footer></body></html>"
    )


def archive(html: str, charset: str = "utf-8", cte: str = "quoted-printable", frame_first: bool = False) -> bytes:
    """An archive as Chrome saves one: mail headers, the page's HTML part, an image; a frame's HTML before the page
    where ``frame_first``."""
    msg = email.message.EmailMessage()
    msg["From"] = "<Saved by Blink>"
    msg["Snapshot-Content-Location"] = URL
    msg["Subject"] = "Ferry"
    msg["MIME-Version"] = "1.0"
    msg.make_related()
    parts = []
    main = email.message.MIMEPart()
    main.set_content(html.encode(charset), maintype="text", subtype="html", cte=cte)
    main.set_param("charset", charset)
    main["Content-Location"] = URL
    parts.append(main)
    if frame_first:
        frame = email.message.MIMEPart()
        frame.set_content("<html><body><p>An advertising frame.</p></body></html>", subtype="html")
        frame["Content-Location"] = "https://ads.example.net/frame"
        parts.insert(0, frame)
    image = email.message.MIMEPart()
    image.set_content(b"\x89PNG\r\n\x1a\n" + bytes(64), maintype="image", subtype="png", cte="base64")
    parts.append(image)
    for part in parts:
        msg.attach(part)
    return msg.as_bytes(policy=email.policy.SMTP)


def test_a_quoted_printable_archive_reads_as_its_page() -> None:
    data = archive(page(PARAGRAPHS))
    assert b"=E2=80=93" in data  # the dash, quoted-printable: what came out before
    text = blocksift.extract(data)
    assert all(p in text for p in PARAGRAPHS)
    assert "Home" not in text and "=" not in text


def test_the_snapshot_location_picks_the_page_among_frames() -> None:
    text = blocksift.extract(archive(page(PARAGRAPHS), frame_first=True))
    assert PARAGRAPHS[0] in text and "advertising" not in text


def test_a_base64_part_in_a_legacy_charset() -> None:
    data = archive(page([CZECH, CZECH[::-1]], charset="windows-1250"), charset="windows-1250", cte="base64")
    assert CZECH in blocksift.extract(data)
    html, charset = page_part(data)
    assert charset == "windows-1250" and CZECH.encode("cp1250") in html


def test_a_given_encoding_reads_the_part_as_told() -> None:
    data = archive(page([CZECH, CZECH[::-1]], charset="windows-1250"), charset="windows-1250", cte="base64")
    assert CZECH.encode("cp1250").decode("cp1252", errors="replace") in blocksift.extract(data, encoding="windows-1252")


def test_what_is_no_archive_is_left_alone() -> None:
    assert not is_mhtml(page(PARAGRAPHS).encode())
    assert not is_mhtml(b"Subject: notes\n\n<p>A page that starts like a mail but is no archive.</p>")
    assert not is_mhtml(b"MIME-Version: 1.0\nContent-Type: text/plain\n\nmultipart/related in the body only")


def test_an_archive_without_a_page_is_a_clear_error() -> None:
    msg = email.message.EmailMessage()
    msg["MIME-Version"] = "1.0"
    msg.make_related()
    image = email.message.MIMEPart()
    image.set_content(b"GIF89a" + bytes(32), maintype="image", subtype="gif")
    msg.attach(image)
    with pytest.raises(InputError, match="MHTML archive that holds no HTML page"):
        blocksift.extract(msg.as_bytes())


def test_predict_reads_mhtml_and_mht_files_in_a_folder(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.mhtml").write_bytes(archive(page(PARAGRAPHS)))
    (pages / "b.mht").write_bytes(archive(page([CZECH, CZECH[::-1]], charset="windows-1250"), "windows-1250"))
    result = CliRunner().invoke(app, ["predict", str(pages), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert PARAGRAPHS[1] in (tmp_path / "out" / "a.txt").read_text()
    assert CZECH in (tmp_path / "out" / "b.txt").read_text()


def test_relative_links_resolve_against_the_url_the_page_was_saved_from() -> None:
    html = page([PARAGRAPHS[0] + ' See <a href="/news/tides">the tide tables</a>.', PARAGRAPHS[1]])
    extraction = blocksift.extract_blocks(archive(html))
    assert "[the tide tables](https://example.org/news/tides)" in to_markdown(extraction)
    own_base = html.replace("<head>", '<head><base href="https://mirror.example.com/">')
    assert "(https://mirror.example.com/news/tides)" in to_markdown(blocksift.extract_blocks(archive(own_base)))


def test_decode_html_reads_an_archive_as_parse_html_does() -> None:
    # The metadata of `annotate` and `import-labels` comes from decode_html's text: the page's, not the archive's.
    html = page(PARAGRAPHS).replace("<title>", '<meta name="author" content="Maren Holt"><title>')
    text = decode_html(archive(html))
    assert text.startswith("<html>") and 'content="Maren Holt"' in text and "=3D" not in text


def test_the_page_url_is_the_one_it_was_saved_from_unless_it_declares_one() -> None:
    assert blocksift.extract_blocks(archive(page(PARAGRAPHS))).meta.url == URL
    canonical = page(PARAGRAPHS).replace("<title>", '<link rel="canonical" href="https://example.org/a/1"><title>')
    assert blocksift.extract_blocks(archive(canonical)).meta.url == "https://example.org/a/1"
    assert blocksift.extract_blocks(page(PARAGRAPHS)).meta.url == ""  # a plain page states none

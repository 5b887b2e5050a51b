"""The labelling tool: annotate pages, label them in a real browser, import the labels files, train on the result.

The browser tests use tests/browser.py's ``chromium`` (Debian's chromium driven by Playwright, never a downloaded
browser); they skip, with the reason, where playwright or chromium is not installed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blocksift.annotate import _embedded
from blocksift.blocks import segment
from blocksift.cli import app
from blocksift.datasets import load_dataset
from blocksift.extraction import extract_blocks
from blocksift.importer import auto_split
from blocksift.modelfile import load_model
from blocksift.page import parse_html
from conftest import SAMPLE

runner = CliRunner()
FORUM = SAMPLE / "html" / "forum-chain-skipping.html"
NEWS = SAMPLE / "html" / "news-ferry-timetable.html"
JAPANESE = SAMPLE / "html" / "ja-library-evening-hours.html"
# Text that would break a page that pasted block texts into its markup or script unescaped.
HOSTILE = """<!DOCTYPE html><html><head><title>Escapes</title></head><body>
<nav><a href="/">Home</a> <a href="/a">About</a></nav>
<h1>A page that tries to escape</h1>
<p>Closing tags in text: &lt;/script&gt;&lt;script&gt;document.title="pwned"&lt;/script&gt; and &lt;!-- too.</p>
<p>Quotes " and ' and back\\slashes \\u003c, an emoji 🚲 and a line separator \u2028 in one paragraph.</p>
<footer><p>© Example Org</p></footer></body></html>"""


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def embedded(page: Path) -> dict[str, Any]:
    """The data a labelling page was written with."""
    data: dict[str, Any] = json.loads(_embedded(page.read_text(encoding="utf-8")))
    return data


def labels_file(page: Path, flags: list[int] | None = None) -> dict[str, Any]:
    """A labels file as the page's Save button writes it (the browser test checks that the two agree)."""
    data = embedded(page)
    flags = flags if flags is not None else [b["label"] for b in data["blocks"]]
    return {
        "schema": 1,
        "kind": "blocksift-labels",
        "page": data["page"],
        "tool": data["tool"],
        "prefill": data["prefill"],
        "blocks": [
            {"index": i, "text": b["text"], "label": "content" if f else "boilerplate"}
            for i, (b, f) in enumerate(zip(data["blocks"], flags, strict=True))
        ],
    }


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def flags_of(dataset: Path, pid: str) -> list[int]:
    blocks = json.loads((dataset / "labels" / f"{pid}.json").read_text(encoding="utf-8"))["blocks"]
    return [int(b["label"] == "content") for b in blocks]


# --- annotate: the labelling pages ------------------------------------------------------------------------------


def test_annotate_writes_self_contained_pages_prefilled_by_the_model(tmp_path: Path) -> None:
    code, out, err = run("annotate", FORUM, JAPANESE, "--out", tmp_path)
    assert code == 0, err
    pages = [Path(line) for line in out.splitlines()]
    assert [p.name for p in pages] == ["forum-chain-skipping.html", "ja-library-evening-hours.html"]
    assert (tmp_path / "annotate" / "index.html").read_text().count('<a href="') == 2
    for page, source in zip(pages, (FORUM, JAPANESE), strict=True):
        raw = source.read_bytes()
        assert (tmp_path / "annotate" / "pages" / source.name).read_bytes() == raw  # the original bytes, kept
        text = page.read_text(encoding="utf-8")
        assert "<link" not in text and " src=" not in text and 'http-equiv="Content-Security-Policy"' in text
        data = embedded(page)
        result = extract_blocks(raw)
        assert data["page"]["sha256"] == hashlib.sha256(raw).hexdigest()
        assert data["page"]["n_blocks"] == len(result.blocks) == len(data["blocks"])
        assert [b["text"] for b in data["blocks"]] == [b.text for b in result.blocks]
        assert [b["label"] for b in data["blocks"]] == [int(k) for k in result.keep]
        assert "shipped model" in data["prefill"]
    assert not (tmp_path / "html").exists() and not (tmp_path / "meta.jsonl").exists()  # nothing imported yet


def test_annotate_with_another_model(tmp_path: Path, sample_model_path: Path) -> None:
    code, out, _ = run("annotate", NEWS, "--out", tmp_path, "--model", sample_model_path)
    assert code == 0
    data = embedded(Path(out.strip()))
    keep = extract_blocks(NEWS.read_bytes(), model=load_model(sample_model_path)).keep
    assert [b["label"] for b in data["blocks"]] == [int(k) for k in keep]
    assert str(sample_model_path) in data["prefill"]


def test_annotate_says_a_page_has_nothing_to_label(tmp_path: Path) -> None:
    """A page that scripts fill in gave an empty labelling page and "0 of 0 blocks content", as if the model had
    found nothing."""
    empty = tmp_path / "app-shell.html"
    empty.write_text('<html><body><div id="root"></div><script>render()</script></body></html>', encoding="utf-8")
    code, out, err = run("annotate", empty, NEWS, "--out", tmp_path / "ds")
    assert code == 0 and "app-shell: the page has no visible text" in err and "nothing to label" in err
    assert len(out.splitlines()) == 2 and "0 of 0 blocks" not in err


def test_annotate_misuse(tmp_path: Path) -> None:
    assert run("annotate", tmp_path / "missing.html", "--out", tmp_path)[0] == 2
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(FORUM, other / FORUM.name)
    code, _, err = run("annotate", FORUM, other / FORUM.name, "--out", tmp_path / "ds")
    assert code == 2 and "same page id" in err
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)))
    code, out, err = run("annotate", bad, NEWS, "--out", tmp_path / "ds")
    assert code == 1 and "bad.html" in err and out.strip().endswith("news-ferry-timetable.html")
    # A name the file system takes, too long once labelling adds ".labels.json": said so, not a raw OSError.
    long = tmp_path / ("p" * 240 + ".html")
    shutil.copy(NEWS, long)
    code, out, err = run("annotate", long, NEWS, "--out", tmp_path / "ds2")
    assert code == 1 and "too long for the files labelling writes (240 bytes; at most 229): rename" in err
    assert out.strip().endswith("news-ferry-timetable.html")


# --- import-labels -----------------------------------------------------------------------------------------------


@pytest.fixture
def annotated(tmp_path: Path) -> Path:
    """A dataset folder with the labelling pages of two sample pages."""
    assert run("annotate", FORUM, NEWS, "--out", tmp_path / "ds")[0] == 0
    return tmp_path / "ds"


def test_import_writes_the_dataset_layout(annotated: Path, tmp_path: Path) -> None:
    page = annotated / "annotate" / "forum-chain-skipping.html"
    flags = [b["label"] for b in embedded(page)["blocks"]]
    flags[0], flags[15] = 1, 0  # the site name in, the headline out: the file decides, not the model
    lf = write_json(tmp_path / "forum-chain-skipping.labels.json", labels_file(page, flags))
    code, out, err = run("import-labels", lf, "--out", annotated, "--page-type", "forum", "--lang", "en")
    assert code == 0, err
    assert out.startswith("added forum-chain-skipping")
    assert (annotated / "html" / FORUM.name).read_bytes() == FORUM.read_bytes()
    assert flags_of(annotated, "forum-chain-skipping") == flags
    texts = [b["text"] for b in embedded(page)["blocks"]]
    gold = (annotated / "gold" / "forum-chain-skipping.txt").read_text(encoding="utf-8")
    assert gold.splitlines() == [t for t, f in zip(texts, flags, strict=True) if f]
    [record] = [json.loads(line) for line in (annotated / "meta.jsonl").read_text().splitlines()]
    assert record["id"] == "forum-chain-skipping" and record["split"] == auto_split("forum-chain-skipping")
    assert (record["page_type"], record["lang"]) == ("forum", "en")
    assert record["title"].startswith("[Solved] Chain skipping") and record["url"].startswith("https://")
    [loaded] = load_dataset(annotated)
    assert loaded.labels_path == annotated / "labels" / "forum-chain-skipping.json"


def test_reannotate_prefills_the_imported_labels_and_reimport_updates(annotated: Path, tmp_path: Path) -> None:
    page = annotated / "annotate" / "news-ferry-timetable.html"
    flags = [1 - b["label"] for b in embedded(page)["blocks"]]  # everything flipped: surely not the model's
    lf = write_json(tmp_path / "a.labels.json", labels_file(page, flags))
    assert run("import-labels", lf, "--out", annotated, "--split", "test")[0] == 0
    assert run("annotate", NEWS, "--out", annotated)[0] == 0
    again = embedded(page)
    assert [b["label"] for b in again["blocks"]] == flags and "already imported" in again["prefill"]
    flags[3] = 1 - flags[3]
    write_json(lf, labels_file(page, flags))
    code, out, _ = run("import-labels", lf, "--out", annotated)
    assert code == 0 and out.startswith("updated news-ferry-timetable (test)")  # auto keeps the page's split
    assert flags_of(annotated, "news-ferry-timetable") == flags
    assert len((annotated / "meta.jsonl").read_text().splitlines()) == 1


def test_reimport_keeps_a_gold_text_edited_since_its_import(annotated: Path, tmp_path: Path) -> None:
    """A gold text corrected by hand after its import was overwritten without a word by the next import of the
    page's labels; it is now refused as a hand-written one is, and --replace writes over it."""
    page = annotated / "annotate" / "news-ferry-timetable.html"
    flags = [b["label"] for b in embedded(page)["blocks"]]
    lf = write_json(tmp_path / "a.labels.json", labels_file(page, flags))
    assert run("import-labels", lf, "--out", annotated)[0] == 0
    assert run("import-labels", lf, "--out", annotated)[0] == 0  # the same import again: nothing of the user's lost
    gold = annotated / "gold" / "news-ferry-timetable.txt"
    gold.write_text(gold.read_text(encoding="utf-8") + "A line the user added.\n", encoding="utf-8")
    flags[3] = 1 - flags[3]
    write_json(lf, labels_file(page, flags))
    code, _, err = run("import-labels", lf, "--out", annotated)
    assert code == 1 and "written or edited by hand" in err and "--replace" in err
    assert gold.read_text(encoding="utf-8").endswith("A line the user added.\n")
    assert run("import-labels", lf, "--out", annotated, "--replace")[0] == 0
    assert "A line the user added." not in gold.read_text(encoding="utf-8")
    assert flags_of(annotated, "news-ferry-timetable") == flags


def test_import_finds_the_page_by_its_recorded_source_or_pages(annotated: Path, tmp_path: Path) -> None:
    lf = write_json(tmp_path / "x.labels.json", labels_file(annotated / "annotate" / "news-ferry-timetable.html"))
    shutil.rmtree(annotated / "annotate" / "pages")
    assert run("import-labels", lf, "--out", tmp_path / "one")[0] == 0  # the source path the page recorded
    data = json.loads(lf.read_text())
    data["page"]["source"] = str(tmp_path / "moved.html")
    write_json(lf, data)
    code, _, err = run("import-labels", lf, "--out", tmp_path / "two")
    assert code == 1 and "is not in --pages" in err and "no candidate file exists" in err
    assert run("import-labels", lf, "--out", tmp_path / "two", "--pages", SAMPLE / "html")[0] == 0
    # A damaged file among the candidates is passed over, and named where no candidate is the page.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "news-ferry-timetable.html.gz").write_bytes(b"\x1f\x8b" + b"not gzip" * 10)
    code, _, err = run("import-labels", lf, "--out", tmp_path / "three", "--pages", broken)
    assert code == 1 and "news-ferry-timetable.html.gz (not a readable gzip file" in err
    assert run("import-labels", lf, "--out", tmp_path / "three", "--pages", broken, "--pages", SAMPLE / "html")[0] == 0


def test_import_refuses_labels_of_another_page(annotated: Path, tmp_path: Path) -> None:
    page = annotated / "annotate" / "forum-chain-skipping.html"
    good = labels_file(page)
    kept = annotated / "annotate" / "pages" / FORUM.name
    kept.write_bytes(FORUM.read_bytes().replace(b"Stockport", b"Stockholm"))  # one edit in the page
    data = json.loads(json.dumps(good))
    data["page"]["source"] = str(kept)
    lf = write_json(tmp_path / "edited.labels.json", data)
    code, _, err = run("import-labels", lf, "--out", annotated)
    assert code == 1 and "found only other versions" in err and "must be annotated again" in err
    assert not (annotated / "html").exists()

    shutil.copy(FORUM, kept)
    tampered = json.loads(json.dumps(good))
    tampered["blocks"][4]["text"] = "Advanced nonsense"
    code, _, err = run("import-labels", write_json(tmp_path / "t.labels.json", tampered), "--out", annotated)
    assert code == 1 and "block 4 reads 'Advanced nonsense'" in err
    short = json.loads(json.dumps(good))
    short["blocks"].pop()
    code, _, err = run("import-labels", write_json(tmp_path / "s.labels.json", short), "--out", annotated)
    assert code == 1 and f"{len(good['blocks']) - 1} labelled blocks" in err
    plain = {"schema": 1, "blocks": good["blocks"]}  # a dataset's labels/<id>.json, not a labelling page's file
    code, _, err = run("import-labels", write_json(tmp_path / "p.labels.json", plain), "--out", annotated)
    assert code == 1 and "not a labels file saved by a blocksift labelling page" in err
    (tmp_path / "junk.labels.json").write_text("{not json")
    code, _, err = run("import-labels", tmp_path / "junk.labels.json", "--out", annotated)
    assert code == 1 and "not JSON" in err
    assert not (annotated / "html").exists()


def test_import_goes_on_past_a_bad_file_and_guards_other_pages(annotated: Path, tmp_path: Path) -> None:
    good = write_json(tmp_path / "g.labels.json", labels_file(annotated / "annotate" / "news-ferry-timetable.html"))
    (tmp_path / "bad.labels.json").write_text("[]")
    code, out, err = run("import-labels", tmp_path / "bad.labels.json", good, "--out", annotated)
    assert code == 1 and "added news-ferry-timetable" in out and "1 of 2 labels files imported" in err
    other = labels_file(annotated / "annotate" / "forum-chain-skipping.html")
    other["page"]["id"] = "news-ferry-timetable"  # another page under a taken id
    lf = write_json(tmp_path / "o.labels.json", other)
    code, _, err = run("import-labels", lf, "--out", annotated, "--pages", FORUM)
    assert code == 1 and "holds a different page" in err and "--replace" in err
    assert run("import-labels", lf, "--out", annotated, "--pages", FORUM, "--replace")[0] == 0
    assert (annotated / "html" / "news-ferry-timetable.html").read_bytes() == FORUM.read_bytes()


def test_import_misuse(tmp_path: Path) -> None:
    assert run("import-labels", tmp_path / "x.json", "--out", tmp_path, "--split", "dev")[0] == 2
    assert run("import-labels", tmp_path / "x.json", "--out", tmp_path, "--page-type", "blog")[0] == 2


def test_auto_split_is_stable_and_about_one_in_five() -> None:
    ids = [f"page-{i}" for i in range(2000)]
    splits = [auto_split(i) for i in ids]
    assert splits == [auto_split(i) for i in ids]
    assert set(splits) == {"train", "test"} and 0.17 < splits.count("test") / len(ids) < 0.23


# --- in a real browser --------------------------------------------------------------------------------------------


class LabelPage:
    """One labelling page open in the browser, with the labels it shows read back from the DOM."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", lambda req: self.errors.append(f"request {req.url}") if "://" in req.url
                     and not req.url.startswith(("file://", "blob:", "data:")) else None)  # fmt: skip
        self.page.goto(path.as_uri())

    def labels(self) -> list[int]:
        return self.page.eval_on_selector_all(".block", "els => els.map(e => e.classList.contains('content') ? 1 : 0)")

    def current(self) -> int:
        return int(self.page.get_attribute(".block.current", "data-i"))

    def count(self, what: str) -> int:
        return int(self.page.get_attribute("#counts", f"data-{what}"))

    def save(self, target: Path, key: str | None = None) -> Path:
        with self.page.expect_download() as info:
            self.page.keyboard.press(key) if key else self.page.click("#save")
        download = info.value
        path = target / download.suggested_filename
        download.save_as(path)
        return path

    def close(self) -> None:
        self.context.close()


def test_label_in_the_browser_import_and_train(chromium: Any, tmp_path: Path) -> None:
    hostile = tmp_path / "escapes.html"
    hostile.write_text(HOSTILE, encoding="utf-8")
    sources = [FORUM, NEWS, SAMPLE / "html" / "blog-rye-bread.html", hostile]
    dataset, downloads = tmp_path / "ds", tmp_path / "downloads"
    downloads.mkdir()
    assert run("annotate", *sources, "--out", dataset)[0] == 0

    ui = LabelPage(chromium, dataset / "annotate" / "forum-chain-skipping.html")
    initial = [b["label"] for b in embedded(dataset / "annotate" / "forum-chain-skipping.html")["blocks"]]
    expect = initial.copy()
    assert ui.labels() == expect and ui.count("content") == sum(expect) and ui.count("edited") == 0
    assert ui.page.is_visible("#legend") and "toggle the block" in ui.page.inner_text("#legend")
    ui.page.click('.block[data-i="0"]')  # a click toggles
    expect[0] = 1 - expect[0]
    assert ui.labels() == expect and ui.current() == 0 and ui.count("edited") == 1
    for key in ("j", "ArrowDown", "x"):  # two down, then toggle
        ui.page.keyboard.press(key)
    expect[2] = 1 - expect[2]
    ui.page.keyboard.press("ArrowUp")
    ui.page.keyboard.press("k")
    ui.page.keyboard.press("Space")
    expect[0] = 1 - expect[0]
    assert ui.labels() == expect and ui.current() == 0
    ui.page.keyboard.press("End")
    ui.page.keyboard.press("c")  # mark the last block content
    expect[-1] = 1
    ui.page.keyboard.press("Home")
    ui.page.keyboard.press("Shift+J")  # the next group, then all of it content
    start = ui.current()
    ui.page.keyboard.press("Shift+C")
    size = ui.page.eval_on_selector(".block.current", "e => e.parentElement.querySelectorAll('.block').length")
    expect[start : start + size] = [1] * size
    assert ui.labels() == expect
    ui.page.keyboard.press("u")  # undo the group
    expect[start : start + size] = initial[start : start + size]
    assert ui.labels() == expect
    ui.page.click('.block[data-i="30"]')
    ui.page.click('.block[data-i="33"]', modifiers=["Shift"])  # a range takes the clicked block's new label
    expect[33] = 1 - expect[33]
    expect[30:34] = [expect[33]] * 4
    assert ui.labels() == expect
    assert ui.count("content") == sum(expect)
    assert "Unsaved" in ui.page.inner_text("#status")
    saved = ui.save(downloads)
    assert saved.name == "forum-chain-skipping.labels.json" and "Downloaded" in ui.page.inner_text("#status")
    browser_file = json.loads(saved.read_text(encoding="utf-8"))
    assert browser_file["edited"] == sum(a != b for a, b in zip(expect, initial, strict=True))
    del browser_file["saved"], browser_file["edited"]
    assert browser_file == labels_file(dataset / "annotate" / "forum-chain-skipping.html", expect)
    ui.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ui.page.click("#copy")
    # a selector, not wait_for_function: the page's CSP refuses the eval a string predicate needs (Chromium 156)
    ui.page.wait_for_selector("#status >> text=/^Copied/")
    copied = json.loads(ui.page.evaluate("navigator.clipboard.readText()"))
    assert copied["blocks"] == json.loads(saved.read_text())["blocks"]
    ui.page.keyboard.press("v")
    assert ui.page.is_visible("#previewDialog") and ui.page.inner_text("#previewText").count("\n") == sum(expect) - 1
    ui.page.keyboard.press("Escape")
    assert ui.errors == []
    ui.close()

    for source in sources[1:]:  # the other pages: one toggle each, saved with the keyboard
        ui = LabelPage(chromium, dataset / "annotate" / source.name)
        ui.page.keyboard.press("x")
        ui.save(downloads, key="s")
        assert ui.errors == [], ui.errors
        if source == hostile:
            texts = ui.page.eval_on_selector_all(".block .text", "els => els.map(e => e.textContent)")
            assert ui.page.title().startswith("Label escapes")
            assert any("</script><script>" in t for t in texts) and any("🚲" in t and "\\u003c" in t for t in texts)
        ui.close()

    files = sorted(downloads.glob("*.labels.json"))
    code, _, err = run("import-labels", *files, "--out", dataset, "--split", "train")
    assert code == 0, err
    assert flags_of(dataset, "forum-chain-skipping") == expect
    seg = segment(parse_html(FORUM.read_bytes()))
    assert len(seg.blocks) == len(expect)
    assert {p.id for p in load_dataset(dataset) if p.labels_path} == {s.name.removesuffix(".html") for s in sources}

    model = tmp_path / "m.npz"
    code, _, err = run("train", dataset, "--out", model, "--max-iter", "5", "--max-leaf-nodes", "7", "--no-cache")
    assert code == 0, err
    card = json.loads((tmp_path / "m.card.json").read_text())
    assert card["training"]["pages"] == len(sources), card["training"]
    assert 0 < load_model(model).threshold_ < 1


@pytest.mark.parametrize(
    "page_fields",
    [
        {"id": None},
        {"id": ["a", "b"]},
        {"id": "a\x00b"},
        {"id": "a\nb"},
        {"id": " "},
        {"id": "sur\ud800"},
        {"bytes": "many"},
        {"bytes": 1e400},
    ],
    ids=str,
)
def test_import_refuses_a_malformed_page_record_and_goes_on(
    annotated: Path, tmp_path: Path, page_fields: dict[str, Any]
) -> None:
    """Each of these stopped import-labels with a traceback before the files after it were read, or wrote files
    named None.html and "['a', 'b'].html"."""
    bad = labels_file(annotated / "annotate" / "forum-chain-skipping.html")
    bad["page"].update(page_fields)
    (tmp_path / "bad.labels.json").write_text(json.dumps(bad), encoding="utf-8", errors="surrogatepass")
    good = write_json(tmp_path / "g.labels.json", labels_file(annotated / "annotate" / "news-ferry-timetable.html"))
    code, out, err = run("import-labels", tmp_path / "bad.labels.json", good, "--out", annotated)
    assert code == 1 and "bad.labels.json" in err and "added news-ferry-timetable" in out
    assert sorted(p.name for p in (annotated / "html").iterdir()) == ["news-ferry-timetable.html"]


def test_import_keeps_a_hand_written_gold_text_and_a_compressed_page(annotated: Path, tmp_path: Path) -> None:
    """A dataset's own gold text was replaced by the labelled blocks without a word; a page kept as .html.gz got a
    second copy as .html, so the dataset counted it twice."""
    (annotated / "gold").mkdir()
    (annotated / "gold" / "news-ferry-timetable.txt").write_text("The gold text, as its author wrote it.\n")
    lf = write_json(tmp_path / "n.labels.json", labels_file(annotated / "annotate" / "news-ferry-timetable.html"))
    code, _, err = run("import-labels", lf, "--out", annotated)
    assert code == 1 and "is a gold text of its own" in err and "--replace" in err
    assert (annotated / "gold" / "news-ferry-timetable.txt").read_text() == "The gold text, as its author wrote it.\n"
    assert run("import-labels", lf, "--out", annotated, "--replace")[0] == 0
    (annotated / "html").mkdir(exist_ok=True)
    (annotated / "html" / "forum-chain-skipping.html.gz").write_bytes(gzip.compress(FORUM.read_bytes()))
    forum = write_json(tmp_path / "f.labels.json", labels_file(annotated / "annotate" / "forum-chain-skipping.html"))
    assert run("import-labels", forum, "--out", annotated)[0] == 0
    assert sorted(p.name for p in (annotated / "html").iterdir()) == [
        "forum-chain-skipping.html.gz", "news-ferry-timetable.html"
    ]  # fmt: skip
    assert [p.id for p in load_dataset(annotated)] == ["forum-chain-skipping", "news-ferry-timetable"]


def test_a_page_named_index_html_gets_its_labelling_page(tmp_path: Path) -> None:
    """A saved site's index.html had its labelling page written over by the list of pages."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(NEWS, site / "index.html")
    code, _, err = run("annotate", site, "--out", tmp_path / "ds")
    assert code == 0 and "1 labelling page; open" in err and err.strip().endswith("_index.html")
    assert embedded(tmp_path / "ds" / "annotate" / "index.html")["page"]["id"] == "index"
    assert '<a href="index.html">index</a>' in (tmp_path / "ds" / "annotate" / "_index.html").read_text()

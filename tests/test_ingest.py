import os

from conftest import FIXTURES

from dateline.ingest import MAX_BYTES, IngestError, read_paths


def test_jsonl_bad_lines_are_reported_and_good_ones_kept():
    items = list(read_paths([FIXTURES / "broken.jsonl"]))
    articles = [i for i in items if not isinstance(i, IngestError)]
    errors = [i for i in items if isinstance(i, IngestError)]
    assert [a.title for a in articles] == ["Port strike", "Curfew"]
    assert {e.source.rsplit(":", 1)[1] for e in errors} == {"2", "3"}
    assert any("invalid JSON" in e.reason for e in errors)
    assert any("no 'text'" in e.reason for e in errors)
    assert articles[1].published_at.date().isoformat() == "2022-09-15"


def test_wrong_encoding_is_decoded():
    [article] = list(read_paths([FIXTURES / "latin1-article.txt"]))
    assert "Bogotá" in article.text


def test_folder_with_bad_files_carries_on(tmp_path):
    (tmp_path / "good.txt").write_text(
        "Title\n\nPublished 3 June 2021\n\nSoldiers clashed with rebels near the town on Thursday, officials said in a statement.\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    big = tmp_path / "huge.html"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    unreadable = tmp_path / "locked.txt"
    unreadable.write_text("secret")
    os.chmod(unreadable, 0)
    (tmp_path / "empty.html").write_text("<html><body><nav>Home</nav></body></html>")
    items = list(read_paths([tmp_path, tmp_path / "missing.txt"]))
    errors = {os.path.basename(e.source): e.reason for e in items if isinstance(e, IngestError)}
    articles = [i for i in items if not isinstance(i, IngestError)]
    assert [a.source_path for a in articles] == [str(tmp_path / "good.txt")]
    assert "binary" in errors["binary.txt"]
    assert "MiB limit" in errors["huge.html"]
    assert "no article text" in errors["empty.html"]
    assert "cannot read" in errors["missing.txt"]
    if os.geteuid() != 0:  # root reads anything
        assert "cannot read" in errors["locked.txt"]


def test_html_extraction_drops_navigation_and_footer(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("""<html><head><title>Talks resume</title><meta property="og:site_name" content="Ridge Post">
    <meta name="date" content="2020-02-02"></head><body><nav>Home | World | Sport</nav><article>
    <h1>Talks resume</h1><p>Negotiators from both governments met in Geneva on Saturday to resume talks on the disputed border, the foreign ministry said.</p>
    <p>The delegations agreed to meet again in March, according to a joint statement released after the meeting.</p></article>
    <footer>Copyright 2020 Ridge Post. All rights reserved.</footer></body></html>""")
    [article] = list(read_paths([page]))
    assert article.title == "Talks resume"
    assert article.outlet == "Ridge Post"
    assert article.published_at.date().isoformat() == "2020-02-02"
    assert article.text.startswith("Negotiators")
    assert "Home | World" not in article.text and "All rights reserved" not in article.text


def test_same_text_same_id():
    a = list(read_paths([FIXTURES / "harbour-blast.txt"]))[0]
    b = list(read_paths([FIXTURES / "harbour-blast.txt"]))[0]
    assert a.id == b.id and a.content_hash == b.content_hash

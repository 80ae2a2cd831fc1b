"""Feeds over HTTP (served on localhost), WARC files with a truncated record, and Parquet shards."""

import http.server
import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from dateline.cli import app
from dateline.fetch import Fetcher, FetchError
from dateline.ingest import IngestError, read_paths, read_sources

LONG = (
    "Farmers blocked the main highway into the provincial capital of Tamale on Monday to protest against the "
    "late payment of crop subsidies, police said. The farmers parked tractors across the road at dawn and "
    "turned back lorries heading for the market. A police spokesman said officers negotiated with the farmers' "
    "leaders for several hours before the road reopened in the afternoon. The regional minister promised that "
    "the payments would be made before the end of the month and said the delay had been caused by a banking "
    "error. Farmers' leaders said they would return to the highway if the money did not arrive. Traders at the "
    "market said prices of vegetables rose during the day because deliveries could not get through. Several "
    "lorry drivers waited on the roadside until the evening, and some said they had lost a day's income."
)
PAGE = """<html><head><title>Dockworkers strike in Tema</title></head><body><nav>Home | World | Sport</nav>
<article><h1>Dockworkers strike in Tema</h1><p>Published 4 May 2023</p>
<p>Dockworkers went on strike at the port of Tema on Thursday, demanding higher wages and better safety
equipment, union officials said. Ships waited outside the harbour as cranes stood idle for most of the day.</p>
<p>The port authority said talks with the union would resume on Friday. A union leader said the strike would
continue until the authority made a written offer.</p></article><footer>Copyright 2023 Coastal Times</footer></body></html>"""
MISSING_PAGE = PAGE.replace("Dockworkers", "Nurses").replace("port of Tema", "main hospital in Tema").replace(
    "Ships waited outside the harbour as cranes stood idle", "Patients waited in the corridors as wards stood half empty")


def rss(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Coastal Times</title><link>{base}</link><description>News</description>
<item><title>Farmers block highway</title><link>{base}/articles/farmers.html</link>
<pubDate>Mon, 01 May 2023 14:00:00 GMT</pubDate><content:encoded><![CDATA[<p>{LONG}</p>]]></content:encoded></item>
<item><title>Dockworkers strike in Tema</title><link>{base}/articles/dock.html</link>
<pubDate>Thu, 04 May 2023 18:00:00 GMT</pubDate><description>Dockworkers walk out.</description></item>
<item><title>Nurses strike</title><link>{base}/articles/nurses.html</link><description>Nurses walk out.</description></item>
<item><title>An item with nothing in it</title></item>
</channel></rss>"""


class Site:
    """A small news site on localhost: a feed, article pages, a flaky feed, an oversized page."""

    def __init__(self):
        self.hits: dict[str, list[float]] = {}
        self.nurses_online = False
        self.flaky_failures = 1
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.hits.setdefault(self.path, []).append(time.monotonic())
                base = f"http://127.0.0.1:{self.server.server_port}"
                if self.path == "/flaky.xml" and site.flaky_failures:
                    site.flaky_failures -= 1
                    return self._send(503, b"busy", "text/plain")
                pages = {"/feed.xml": (rss(base), "application/rss+xml"),
                         "/flaky.xml": (rss(base), "application/rss+xml"),
                         "/articles/dock.html": (PAGE, "text/html; charset=utf-8")}
                if site.nurses_online:
                    pages["/articles/nurses.html"] = (MISSING_PAGE, "text/html; charset=utf-8")
                if self.path == "/big.html":
                    return self._send(200, b"x" * 5000, "text/html")
                if self.path not in pages:
                    return self._send(404, b"not found", "text/plain")
                body, kind = pages[self.path]
                self._send(200, body.encode(), kind)

            def _send(self, code, body, kind):
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


def test_feed_items_become_articles_and_broken_items_are_reported(site):
    fetcher = Fetcher(min_interval=0.0, backoff=0.01)
    items = list(read_sources([site.base + "/feed.xml"], fetcher))
    articles = [i for i in items if not isinstance(i, IngestError)]
    errors = {e.source.rsplit("#", 1)[1]: e.reason for e in items if isinstance(e, IngestError)}
    assert [a.title for a in articles] == ["Farmers block highway", "Dockworkers strike in Tema"]
    farmers, dock = articles
    assert farmers.outlet == "Coastal Times" and farmers.published_at.isoformat().startswith("2023-05-01")
    assert "Tamale" in farmers.text and "Ships waited outside the harbour" in dock.text  # page fetched for a teaser
    assert "Home | World" not in dock.text
    assert "HTTP 404" in errors["item3"] and "nurses.html" in errors["item3"]
    assert "neither text nor a link" in errors["item4"]


def test_retries_rate_limit_and_size_cap(site):
    fetcher = Fetcher(min_interval=0.2, backoff=0.01, retries=2, max_bytes=4000)
    body, _ = fetcher.get(site.base + "/flaky.xml")  # 503 once, then the feed
    assert b"<rss" in body and len(site.hits["/flaky.xml"]) == 2
    gaps = [b - a for a, b in zip(site.hits["/flaky.xml"], site.hits["/flaky.xml"][1:])]
    assert min(gaps) >= 0.19  # the same host is not asked twice within min_interval
    with pytest.raises(FetchError, match="over the"):
        fetcher.get(site.base + "/big.html")
    with pytest.raises(FetchError, match="cannot connect.*after 3 attempts"):
        fetcher.get(f"http://127.0.0.1:{closed_port()}/feed.xml")
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.get(site.base + "/nothing-here.xml")


def test_ingest_feeds_with_an_unreachable_one_loses_nothing(site, tmp_path):
    db = tmp_path / "feeds.duckdb"
    unreachable = f"http://127.0.0.1:{closed_port()}/rss.xml"
    args = ["ingest", site.base + "/feed.xml", unreachable, "--db", str(db), "--coder", "cue",
            "--min-interval", "0", "--retries", "1"]
    first = CliRunner().invoke(app, args)
    print(first.output)  # `pytest -s` shows what an operator sees
    assert first.exit_code == 1  # problems were reported
    assert "cannot connect" in first.output and unreachable in first.output
    assert "item3" in first.output and "item4" in first.output
    assert "2 added" in first.output
    site.nurses_online = True  # the missing page is back: a second run adds it and repeats nothing
    second = CliRunner().invoke(app, args)
    print(second.output)
    assert "1 added" in second.output and "2 already stored" in second.output
    listed = CliRunner().invoke(app, ["events", "--db", str(db), "--mentions", "--format", "csv"])
    assert "Tema" in listed.stdout
    problems = CliRunner().invoke(app, ["problems", "--db", str(db)])
    assert "rss.xml" in problems.stdout


def test_truncated_warc_keeps_the_records_before_the_cut(tmp_path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    pages = [PAGE, MISSING_PAGE, PAGE.replace("Tema", "Takoradi")]
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
        for number, page in enumerate(pages):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://coastal.example/{number}", "response",
                                                          payload=BytesIO(page.encode()), http_headers=headers))
        headers = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://coastal.example/logo.png", "response",
                                                      payload=BytesIO(b"\x89PNG" * 10), http_headers=headers))
    whole = list(read_paths([path]))
    assert [a.url for a in whole] == [f"https://coastal.example/{n}" for n in range(3)]  # the image is skipped
    from warcio.archiveiterator import ArchiveIterator

    records = ArchiveIterator(open(path, "rb"))
    page_ends = [records.get_record_offset() + records.get_record_length() for r in records
                 if r.rec_type == "response"][:3]
    data = path.read_bytes()
    for fraction in (0.3, 0.5, 0.62, 0.8, 0.9, 0.97):
        cut = tmp_path / f"cut-{fraction}.warc.gz"
        cut.write_bytes(data[: int(len(data) * fraction)])
        items = list(read_paths([cut]))
        articles = [i for i in items if not isinstance(i, IngestError)]
        errors = [i for i in items if isinstance(i, IngestError)]
        assert [a.url for a in articles] == [f"https://coastal.example/{n}" for n in range(len(articles))]
        # every page that ends before the cut comes through, and the cut page never half-read
        assert len(articles) == sum(end <= len(data) * fraction for end in page_ends)
        assert len(errors) == 1 and "truncated" in errors[0].reason, (fraction, items)
        assert errors[0].source.startswith(str(cut))


def test_uncompressed_warc_reads_whole(tmp_path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "plain.warc"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://coastal.example/a", "response",
                                                      payload=BytesIO(PAGE.encode()), http_headers=headers))
    [article] = list(read_paths([path]))
    assert article.url == "https://coastal.example/a" and "Tema" in article.text


def test_parquet_rows_are_articles(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "shard.parquet"
    pq.write_table(pa.table({
        "text": [LONG, None, "Too short."],
        "title": ["Farmers block highway", "Empty", "Short"],
        "outlet": ["Coastal Times", None, None],
        "published_at": ["2023-05-01", None, None],
    }), path)
    items = list(read_paths([path]))
    assert items[0].title == "Farmers block highway" and items[0].published_at.date().isoformat() == "2023-05-01"
    assert [type(i).__name__ for i in items] == ["Article", "IngestError", "IngestError"]
    assert items[1].source.endswith("shard.parquet:2") and "no 'text'" in items[1].reason
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    [error] = list(read_paths([bad]))
    assert "not a readable Parquet file" in error.reason

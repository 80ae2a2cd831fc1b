"""The HTTP API, one suite run on both stores: DuckDB and PostgreSQL (a real server started on loopback)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import threading
from datetime import date
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES
from dateline.api import create_app
from dateline.exports import ACLED_KEYS, GDELT_KEYS
from dateline.ingest import read_sources
from dateline.resources import examples_dir
from dateline.runner import Runner
from dateline.store import Store

TOKEN = "s3cret-token"
SOURCES = [str(examples_dir() / "clusters" / "articles.jsonl"), str(FIXTURES / "web")]


def build(db: str) -> None:
    with Store(db) as store:
        runner = Runner(store, "plover", "cue")
        runner.ingest(read_sources(SOURCES))
        runner.recluster()


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def db(request, tmp_path_factory):
    if request.param == "duckdb":
        url = str(tmp_path_factory.mktemp("api") / "api.duckdb")
    else:
        from pg_server import fresh_database

        url = fresh_database(request.getfixturevalue("postgres_url"), "dateline_api")
    build(url)
    return url


@pytest.fixture(scope="module")
def client(db):
    with TestClient(create_app(db, token=TOKEN, coder="cue")) as c:
        yield c


@pytest.fixture(scope="module")
def everything(client):
    """Every cluster, read page by page with the cursor."""
    found, cursor, pages = [], None, 0
    while True:
        body = client.get("/events", params={"limit": 7, **({"cursor": cursor} if cursor else {})}).json()
        found += body["events"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return found, pages, body["total"]


def ids(client, **params) -> set[str]:
    out, cursor = set(), None
    while True:
        body = client.get("/events", params={**params, "limit": 1000, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        out |= {e["id"] for e in body.json()["events"]}
        cursor = body.json()["next_cursor"]
        if not cursor:
            return out


def test_cursor_pages_cover_every_event_once_in_date_order(everything):
    found, pages, total = everything
    assert total == len(found) > 20 and pages == -(-total // 7)
    assert len({e["id"] for e in found}) == total
    keys = [((e["date"] or {}).get("start") or "9999-12-31", e["id"]) for e in found]
    assert keys == sorted(keys)


@pytest.mark.parametrize("params, keep", [
    ({"type": "assault"}, lambda e: e["type"] == "ASSAULT"),
    ({"mode": "firearms"}, lambda e: e["mode"] == "firearms"),
    ({"country": "irq"}, lambda e: "IRQ" in {(e["place"] or {}).get("country")} | {a["country"] for a in
                                                                                   e["actors"] + e["recipients"]}),
    ({"status": "claimed"}, lambda e: e["status"] == "claimed"),
    ({"precision": "city"}, lambda e: (e["place"] or {}).get("precision") == "city"),
    ({"min_sources": 2}, lambda e: e["independent_outlets"] >= 2),
    ({"actor": "POLICE"}, lambda e: any("police" in a["name"].lower() for a in e["actors"] + e["recipients"])),
    ({"bbox": "40,30,50,40"}, lambda e: e["place"] and e["place"]["lat"] is not None
     and 30 <= e["place"]["lat"] <= 40 and 40 <= e["place"]["lon"] <= 50),
    ({"since": "2025-03-16", "until": "2025-03-18"}, lambda e: e["date"] and e["date"]["end"] >= "2025-03-16"
     and e["date"]["start"] <= "2025-03-18"),
    ({"type": "ASSAULT", "min_sources": 2, "since": "2025-01-01"},
     lambda e: e["type"] == "ASSAULT" and e["independent_outlets"] >= 2 and e["date"]["end"] >= "2025-01-01"),
])
def test_each_filter_keeps_exactly_the_matching_events(client, everything, params, keep):
    expected = {e["id"] for e in everything[0] if keep(e)}
    assert expected, f"the fixture has no event for {params}"
    assert ids(client, **params) == expected
    assert client.get("/events", params=params).json()["total"] == len(expected)
    assert client.get("/stats", params=params).json()["total"] == len(expected)


def test_event_has_its_evidence_and_every_reporting_article(client, everything):
    merged = max(everything[0], key=lambda e: e["article_count"])
    assert merged["article_count"] >= 3
    body = client.get(f"/events/{merged['id']}").json()
    assert {m["id"] for m in body["mentions"]} == set(merged["event_ids"])
    assert {m["article"]["id"] for m in body["mentions"]} == set(merged["article_ids"])
    assert len(body["mentions"]) + len(body["copies"]) >= merged["article_count"] - len(body["copies"])
    for m in body["mentions"]:
        article = client.get(f"/articles/{m['article_id']}").json()
        assert article["text"][m["evidence"]["start"]:m["evidence"]["end"]] == m["evidence"]["sentence"]
        assert m["id"] in {e["id"] for e in article["events"]}
    assert client.get("/events/nope").status_code == 404
    assert client.get("/articles/nope").json() == {"error": "no article 'nope'"}


def test_stats_add_up(client, everything):
    stats = client.get("/stats").json()
    assert stats["total"] == len(everything[0])
    for key in ("by_type", "by_status", "by_country", "by_day", "by_precision", "by_ontology"):
        assert sum(x["count"] for x in stats[key]) == stats["total"], key


def test_geojson_csv_and_research_layouts(client, everything):
    geo = client.get("/events", params={"format": "geojson", "limit": 1000})
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert len(features) == len(everything[0])
    by_id = {e["id"]: e for e in everything[0]}
    placed = [f for f in features if f["geometry"]]
    assert placed
    for f in placed:
        place = by_id[f["id"]]["place"]
        assert f["geometry"]["coordinates"] == [place["lon"], place["lat"]]
    page = client.get("/events", params={"format": "csv", "limit": 5})
    rows = list(csv.DictReader(io.StringIO(page.text)))
    assert len(rows) == 5 and rows[0]["id"] == everything[0][0]["id"] and page.headers["x-next-cursor"]
    acled = list(csv.DictReader(io.StringIO(client.get("/events", params={"format": "acled", "limit": 1000}).text)))
    assert list(acled[0]) == ACLED_KEYS and len(acled) == len(everything[0])
    gdelt = client.get("/events", params={"format": "gdelt", "type": "ASSAULT", "limit": 1000}).text.splitlines()
    assert gdelt[0].split("\t") == GDELT_KEYS and len(GDELT_KEYS) == 61
    first = dict(zip(GDELT_KEYS, gdelt[1].split("\t")))
    assert first["EventRootCode"] == "18" and first["QuadClass"] == "4"


@pytest.mark.parametrize("params, says", [
    ({"since": "2020-13-01"}, "since"),
    ({"since": "2021-02-01", "until": "2021-01-01"}, "since is after until"),
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "0,80,10,10"}, "south <= north"),
    ({"country": "IRAQ"}, "country"),
    ({"type": "ASSAULT' OR 1=1 --"}, "type"),
    ({"limit": 0}, "limit"),
    ({"limit": 100000}, "limit"),
    ({"min_sources": -1}, "min_sources"),
    ({"status": "maybe"}, "status"),
    ({"format": "xml"}, "format"),
    ({"cursor": "not-a-cursor"}, "bad cursor"),
])
def test_bad_filters_get_a_clear_400(client, params, says):
    response = client.get("/events", params=params)
    assert response.status_code == 400
    assert says in response.json()["error"]


def test_parameters_are_bound_not_pasted(client, everything):
    for hostile in ("' OR 1=1 --", "%", "_", "x'); DROP TABLE events; --"):
        response = client.get("/events", params={"actor": hostile})
        assert response.status_code == 200 and response.json()["total"] == 0, hostile
    assert client.get("/stats").json()["total"] == len(everything[0])


def test_writes_need_the_token(client, db):
    article = {"articles": [{"text": "Soldiers shelled the village of Marvik on Tuesday, killing three farmers, "
                                     "residents said.", "url": "https://example.test/marvik", "outlet": "Test Wire",
                             "published_at": "2024-09-04T10:00:00Z"}]}
    assert client.post("/articles", json=article).status_code == 401
    assert client.post("/articles", json=article, headers={"Authorization": "Bearer wrong"}).status_code == 401
    before = client.get("/stats").json()["total"]
    done = client.post("/articles", json=article, headers={"Authorization": f"Bearer {TOKEN}"})
    assert done.status_code == 201, done.text
    assert done.json()["added"] == 1 and done.json()["events"] >= 1
    assert client.get("/stats").json()["total"] > before
    again = client.post("/articles", json=article, headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert again["added"] == 0 and again["already_stored"] == 1
    empty = client.post("/articles", json={"articles": [{"text": "Too short."}]},
                        headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert empty["added"] == 0 and "no article text" in empty["problems"][0]


def test_body_size_and_shape_limits(client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    huge = json.dumps({"articles": [{"text": "word " * 300_000}]})
    response = client.post("/articles", content=huge, headers={**auth, "content-type": "application/json"})
    assert response.status_code == 413 and "over" in response.json()["error"]
    assert client.post("/articles", json={"articles": []}, headers=auth).status_code == 400
    assert client.post("/ingest", json={"urls": ["file:///etc/passwd"]}, headers=auth).status_code == 400


def test_ingest_urls_fetches_pages_and_reports_the_missing(client, tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>Clash near Orvan</title></head><body><article><p>Rebels and army troops clashed near "
        "the town of Orvan on Friday, leaving five fighters dead, a military spokesman said.</p><p>The fighting "
        "lasted several hours before the rebels withdrew into the forest, residents told reporters.</p></article>"
        "</body></html>", encoding="utf-8")
    server = HTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        body = client.post("/ingest", json={"urls": [f"{base}/page.html", f"{base}/gone.html"]},
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
    finally:
        server.shutdown()
    assert body["added"] == 1 and len(body["problems"]) == 1 and "404" in body["problems"][0], body


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_private_reads_and_read_only_server(db, tmp_path):
    if not db.startswith("postgresql"):  # DuckDB opens a file one way per process: serve a copy read-only
        shutil.copy(db, tmp_path / "copy.duckdb")
        db = str(tmp_path / "copy.duckdb")
    with TestClient(create_app(db, token=TOKEN, public_reads=False)) as private:
        assert private.get("/events").status_code == 401
        assert private.get("/events", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with TestClient(create_app(db)) as public:
        assert public.get("/events").status_code == 200
        refused = public.post("/articles", json={"articles": [{"text": "x"}]})
        assert refused.status_code == 403 and "--token" in refused.json()["error"]


def test_openapi_documents_the_filters(client):
    spec = client.get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/events"]["get"]["parameters"]}
    assert {"type", "mode", "country", "actor", "bbox", "since", "until", "status", "min_sources", "cursor",
            "format", "limit"} <= names
    assert {"/events/{event_id}", "/articles/{article_id}", "/stats", "/articles", "/ingest"} <= set(spec["paths"])

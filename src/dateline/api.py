"""The HTTP API (FastAPI) over a store, and the analyst's page: events with filters and keyset pages, stats, writes."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from contextlib import asynccontextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Optional

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from .exports import CLUSTER_LAYOUTS, delimited, geojson, layout_articles
from .model import AttributionStatus, PlacePrecision
from .store import Store, StoreError

WEB_DIR = Path(__file__).parent / "web"
MAX_BODY = 1_000_000  # bytes in a request body
MAX_PAGE = 1000
MAX_URLS = 50
# The page's own script and styles only: a second guard behind escaping, should some text ever slip through.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


class Format(str, Enum):
    json = "json"
    geojson = "geojson"
    csv = "csv"
    acled = "acled"
    gdelt = "gdelt"


class ArticleIn(BaseModel):
    text: str = Field(min_length=1, max_length=200_000, description="The article's text (plain text or HTML).")
    title: Optional[str] = Field(None, max_length=1000)
    url: Optional[str] = Field(None, max_length=2000)
    outlet: Optional[str] = Field(None, max_length=200)
    published_at: Optional[str] = Field(None, max_length=40, description="ISO 8601 publication time.")


class ArticlesIn(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, max_length=100)


class UrlsIn(BaseModel):
    urls: list[str] = Field(min_length=1, max_length=MAX_URLS, description="Article pages or RSS/Atom feeds.")


class BodyLimit:
    """ASGI middleware: refuse a request body over `limit` bytes with 413, declared or streamed."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(self.limit, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await _too_large(self.limit, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(limit: int, send) -> None:
    body = json.dumps({"error": f"request body over {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def encode_cursor(key: tuple[date, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps([key[0].isoformat(), key[1]]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, str]:
    try:
        day, cluster_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return date.fromisoformat(day), str(cluster_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise HTTPException(400, "bad cursor: pass back the next_cursor of a previous page unchanged")


def parse_bbox(bbox: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
    except ValueError:
        raise HTTPException(400, "bad bbox: give west,south,east,north in degrees, e.g. 30,-5,42,5")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise HTTPException(400, "bad bbox: longitudes within ±180, latitudes within ±90, south <= north")
    return west, south, east, north


def event_filters(
        type: Optional[str] = Query(None, pattern=r"^[A-Za-z_]{1,64}$", description="Event type, e.g. ASSAULT."),
        mode: Optional[str] = Query(None, max_length=64, description="Mode of the type, e.g. firearms."),
        country: Optional[str] = Query(None, pattern=r"^[A-Za-z]{3}$",
                                       description="ISO alpha-3 of the place, actor or recipient."),
        actor: Optional[str] = Query(None, min_length=1, max_length=200,
                                     description="Part of an actor's or recipient's name (case-insensitive)."),
        bbox: Optional[str] = Query(None, max_length=100, description="west,south,east,north in degrees."),
        since: Optional[date] = Query(None, description="Events ending on or after this day (YYYY-MM-DD)."),
        until: Optional[date] = Query(None, description="Events starting on or before this day (YYYY-MM-DD)."),
        status: Optional[AttributionStatus] = Query(None, description="Strongest attribution status."),
        precision: Optional[PlacePrecision] = Query(None, description="Place precision."),
        min_sources: Optional[int] = Query(None, ge=1, le=10_000, description="Minimum independent outlets."),
        ontology: Optional[str] = Query(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="plover, acled, ..."),
) -> dict:
    if since and until and since > until:
        raise HTTPException(400, "bad dates: since is after until")
    return dict(type=type, mode=mode, country=country, actor=actor, bbox=parse_bbox(bbox) if bbox else None,
                since=since, until=until, status=status.value if status else None,
                precision=precision.value if precision else None, min_sources=min_sources, ontology=ontology)


def create_app(db: str, token: str | None = None, public_reads: bool = True, ontology: str = "plover",
               coder: str = "hybrid", max_body: int = MAX_BODY, fetcher=None) -> FastAPI:
    """The API over `db`. Writes need `token` (and are off without one); reads too when `public_reads` is False."""
    main = Store(db, read_only=token is None)  # without a token nothing is written: open read-only
    local = threading.local()
    readers: list[Store] = []
    write_lock = threading.Lock()
    runner_box: dict = {}

    def store() -> Store:
        if not hasattr(local, "store"):
            local.store = main.reader()
            readers.append(local.store)
        return local.store

    def authorized(request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return bool(token) and given.startswith("Bearer ") and secrets.compare_digest(given[7:].encode(), token.encode())

    def read_access(request: Request) -> None:
        if not public_reads and not authorized(request):
            raise HTTPException(401, "this server's reads need a token: send 'Authorization: Bearer TOKEN'",
                                headers={"WWW-Authenticate": "Bearer"})

    def write_access(request: Request) -> None:
        if not token:
            raise HTTPException(403, "writes are off on this server: start it with --token (or DATELINE_TOKEN)")
        if not authorized(request):
            raise HTTPException(401, "writes need a token: send 'Authorization: Bearer TOKEN'",
                                headers={"WWW-Authenticate": "Bearer"})

    @asynccontextmanager
    async def lifespan(app):
        yield
        for reader in readers:  # the handles opened for the request threads, then the main one
            try:
                reader.close()
            except Exception:
                pass
        main.close()

    app = FastAPI(title="dateline", version=_version(), docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Events coded from news articles: who did what to whom, when, where, according to whom. "
                              "`/events` lists event clusters (reports merged across articles and outlets); each "
                              "comes with its evidence sentences and every article that reported it.")
    app.add_middleware(BodyLimit, limit=max_body)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [{"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()]
        text = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
        return JSONResponse({"error": f"bad request: {text}", "detail": problems}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError):
        return JSONResponse({"error": str(exc)}, status_code=503)

    reads = [Depends(read_access)]

    @app.get("/events", dependencies=reads, summary="Event clusters, filtered, one page at a time")
    def list_events(filters: dict = Depends(event_filters),
                    limit: int = Query(100, ge=1, le=MAX_PAGE, description="Events per page."),
                    cursor: Optional[str] = Query(None, max_length=400, description="next_cursor of the last page."),
                    format: Format = Query(Format.json, description="json, geojson, csv, acled or gdelt.")):
        after = decode_cursor(cursor) if cursor else None
        s = store()
        page, key = s.clusters_page(filters, after, limit)
        next_cursor = encode_cursor(key) if key else None
        if format in (Format.csv, Format.acled, Format.gdelt):
            row, keys, delimiter = CLUSTER_LAYOUTS[format.value]
            articles = layout_articles(s, format.value, page)
            headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
            media = "text/tab-separated-values" if delimiter == "\t" else "text/csv"
            return Response(delimited((row(c, articles) for c in page), keys, delimiter),
                            media_type=f"{media}; charset=utf-8", headers=headers)
        total = s.count_clusters(filters)
        if format == Format.geojson:
            return JSONResponse(geojson(page, total=total, next_cursor=next_cursor),
                                media_type="application/geo+json")
        return {"total": total, "count": len(page), "next_cursor": next_cursor,
                "events": [c.model_dump(mode="json") for c in page]}

    @app.get("/events/{event_id}", dependencies=reads, summary="One event cluster with its evidence and sources")
    def get_event(event_id: str):
        s = store()
        cluster = s.cluster(event_id)
        if cluster is None:
            raise HTTPException(404, f"no event {event_id!r}")
        mentions = s.events_of(cluster.id)
        articles = s.articles(sorted({m.article_id for m in mentions}))
        return {**cluster.model_dump(mode="json"),
                "mentions": [{**m.model_dump(mode="json"), "article": _article_ref(articles.get(m.article_id))}
                             for m in mentions],
                "copies": [c.model_dump(mode="json") for c in s.copies_of(sorted(articles))]}

    @app.get("/articles/{article_id}", dependencies=reads, summary="One stored article, its text and its events")
    def get_article(article_id: str):
        s = store()
        article = s.article(article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return {**article.model_dump(mode="json", exclude={"raw_text", "removed"}),
                "events": [e.model_dump(mode="json") for e in s.article_events(article.id)],
                "copies": [c.model_dump(mode="json") for c in s.copies_of([article.id])]}

    @app.get("/stats", dependencies=reads, summary="Counts of event clusters by day, type, country, status")
    def stats(filters: dict = Depends(event_filters)):
        return store().stats(filters)

    @app.get("/health", summary="Liveness, and the store's size")
    def health():
        s = store()
        return {"ok": True, "store": s.db.name, "events": s.count("clusters"), "articles": s.count("articles")}

    def runner():
        from .runner import Runner, RunStats

        if "runner" not in runner_box:  # built once: it loads the copy index from the stored signatures
            runner_box["runner"] = Runner(main, ontology, coder)
        r = runner_box["runner"]
        r.stats = RunStats()  # counts per request
        return r

    @app.post("/articles", dependencies=[Depends(write_access)], status_code=201,
              summary="Code and store articles (token needed)")
    def post_articles(body: ArticlesIn):
        from .ingest import article_from_record

        # An article without usable text is reported in `problems`; the others are stored.
        return _ingest(item for n, a in enumerate(body.articles)
                       for item in article_from_record(a.model_dump(exclude_none=True), a.url or f"api:articles[{n}]"))

    @app.post("/ingest", dependencies=[Depends(write_access)], status_code=201,
              summary="Fetch article pages or feeds by URL, code and store them (token needed)")
    def post_urls(body: UrlsIn):
        from .ingest import read_sources

        bad = [u for u in body.urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise HTTPException(400, f"not an http(s) URL: {bad[0][:200]!r}")
        return _ingest(read_sources(body.urls, fetcher))

    def _ingest(items) -> dict:
        with write_lock:
            r = runner()
            r.ingest(items)
            r.recluster()
            return {"read": r.stats.read, "added": r.stats.added, "events": r.stats.events, "copies": r.stats.copies,
                    "already_stored": r.stats.already_stored, "problems": r.stats.problems,
                    "clusters": r.stats.clusters}

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def _article_ref(article) -> dict | None:
    if article is None:
        return None
    return {"id": article.id, "title": article.title, "url": article.url, "outlet": article.outlet,
            "published_at": article.published_at.isoformat() if article.published_at else None}


def _version() -> str:
    from . import __version__

    return __version__


def vendor_missing() -> list[str]:
    """Front-end files the page needs that are not installed (scripts/bootstrap.sh copies them from npm)."""
    need = ["leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet.markercluster/leaflet.markercluster.js",
            "topojson-client/topojson-client.min.js", "world-atlas/countries-50m.json"]
    return [n for n in need if not (WEB_DIR / "vendor" / n).exists()]

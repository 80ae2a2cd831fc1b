"""Feeds: RSS and Atom feeds (feedparser) into articles, fetching each item's page when the feed holds only a summary;
a URL that gives an HTML page rather than a feed is read as one article."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from .fetch import Fetcher, FetchError

# A feed item with at least this many words of content is taken as the article; shorter is a teaser.
FULL_TEXT_WORDS = 120
_TAG = re.compile(r"<[^>]+>")
_HTML = re.compile(rb"<(!doctype html|html|body|article)\b", re.I)


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def read_feed(spec: str, fetcher: Fetcher | None = None) -> Iterator:
    """Articles (or IngestErrors naming the feed and item) from a feed URL or a local feed file; a URL of an article
    page gives that article."""
    import feedparser

    from .ingest import IngestError

    fetcher = fetcher or Fetcher()
    charset = None
    try:
        data, charset = fetcher.get(spec) if is_url(spec) else (Path(spec).read_bytes(), None)
    except FetchError as exc:
        yield IngestError(spec, f"feed not fetched: {exc}")
        return
    except OSError as exc:
        yield IngestError(spec, f"cannot read feed: {exc.strerror or exc}")
        return
    feed = feedparser.parse(data)
    if is_url(spec) and not feed.entries and _HTML.search(data[:4096]):
        yield from _page_article(data, charset, spec, spec)
        return
    if feed.bozo and not feed.entries:
        yield IngestError(spec, f"not a readable RSS/Atom feed: {_bozo(feed)}")
        return
    if feed.bozo:  # feedparser recovers what it can; say the feed is damaged and keep its items
        yield IngestError(spec, f"feed is not well-formed ({_bozo(feed)}); {len(feed.entries)} items read anyway")
    outlet = (feed.feed.get("title") or "").strip() or None
    for number, entry in enumerate(feed.entries, 1):
        where = f"{spec}#item{number}"
        try:
            yield from _entry_article(entry, where, outlet, fetcher)
        except Exception as exc:  # one odd item must not stop the feed
            yield IngestError(where, f"could not parse item: {type(exc).__name__}: {exc}")


def _entry_article(entry, where: str, outlet: str | None, fetcher: Fetcher) -> Iterator:
    from .ingest import IngestError, article_from_html, checked

    link = entry.get("link")
    title = entry.get("title")
    published = entry.get("published") or entry.get("updated")
    content = _content(entry)
    words = len(_TAG.sub(" ", content).split())
    if words >= FULL_TEXT_WORDS or (words and not link):
        html = f"<html><body><article><h1>{title or ''}</h1>{content}</article></body></html>"
        yield from checked(article_from_html(html, source_path=where, url=link, outlet=outlet, title=title,
                                             published_at=published), where)
        return
    if not link:
        yield IngestError(where, "item has neither text nor a link")
        return
    try:
        body, charset = fetcher.get(link)
    except FetchError as exc:
        yield IngestError(where, f"article page {link} not fetched: {exc}")
        return
    yield from _page_article(body, charset, where, link, outlet=outlet, title=title, published_at=published)


def _page_article(body: bytes, charset, where: str, url: str, **meta) -> Iterator:
    """The article of a fetched HTML page (title, date and outlet from the page where the feed gave none)."""
    from .ingest import IngestError, article_from_html, checked, decode

    html, why = decode(body, charset)
    if html is None:
        yield IngestError(where, f"article page {url}: {why}")
        return
    yield from checked(article_from_html(html, source_path=where, url=url, **meta), where)


def _content(entry) -> str:
    for part in entry.get("content") or []:
        if part.get("value"):
            return part["value"]
    return entry.get("summary") or ""


def _bozo(feed) -> str:
    exc = feed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc else "unknown problem"

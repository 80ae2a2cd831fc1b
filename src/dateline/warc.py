"""WARC: HTML responses from (Common Crawl news) WARC files into articles; a truncated record ends the file, not the run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def read_warc(path: Path, max_bytes: int) -> Iterator:
    """Articles from the HTML `response` records (others are skipped); errors name the file and record offset."""
    from warcio.archiveiterator import ArchiveIterator

    from .ingest import IngestError, article_from_html, checked, decode

    try:
        stream = open(path, "rb")
    except OSError as exc:
        yield IngestError(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    with stream:
        records = ArchiveIterator(stream, arc2warc=True)
        number = 0
        while True:
            offset = None
            try:
                record = next(records)
                offset = records.get_record_offset()
                number += 1
                if record.rec_type != "response" or not _is_html(record):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                body = record.content_stream().read(max_bytes + 1)
            except StopIteration:
                return
            except Exception as exc:  # truncated gzip member, cut-off headers, garbage between records
                where = f"{path}#record{number + (offset is None)}" + (f"@{offset}" if offset is not None else "")
                yield IngestError(where, f"truncated or corrupt WARC record ({type(exc).__name__}: {exc}); "
                                         f"{number - (offset is not None)} records read before it, the rest of the file skipped")
                return
            where = f"{path}#record{number}@{offset}"
            if len(body) > max_bytes:
                yield IngestError(where, f"page over the {max_bytes // 2**20} MiB limit ({url})")
                continue
            match = _CHARSET.search(record.http_headers.get_header("Content-Type") or "")
            html, why = decode(body, match.group(1) if match else None)
            if html is None:
                yield IngestError(where, f"{url}: {why}")
                continue
            try:
                # The WARC date is when the page was crawled, not published: trafilatura reads the page's own date.
                yield from checked(article_from_html(html, source_path=where, url=url), where)
            except Exception as exc:
                yield IngestError(where, f"could not parse {url}: {type(exc).__name__}: {exc}")


def _is_html(record) -> bool:
    if record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode()
    kind = (record.http_headers.get_header("Content-Type") or "").lower()
    return status == "200" and ("html" in kind or not kind)

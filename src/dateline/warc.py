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
        size = path.stat().st_size
        records = ArchiveIterator(stream, arc2warc=True)
        number, end_of_last = 0, 0  # whole records read, and where the last one ended
        while True:
            try:
                record = next(records)
                _check_headers(record)
                wanted = record.rec_type == "response" and _is_html(record)
                url = record.rec_headers.get_header("WARC-Target-URI")
                body = record.content_stream().read(max_bytes + 1) if wanted else b""
                _check_complete(record)
                offset = records.get_record_offset()  # reads the record to its end: after the body, not before
            except StopIteration:
                if end_of_last < size and number and _has_data_after(stream, end_of_last):
                    # warcio stops quietly at a record cut off inside its headers
                    yield IngestError(f"{path}#record{number + 1}@{end_of_last}",
                                      f"truncated WARC file: {size - end_of_last:,} bytes after the last whole "
                                      f"record could not be read ({number} records read)")
                return
            except Exception as exc:  # truncated gzip member, cut-off headers, garbage between records
                yield IngestError(f"{path}#record{number + 1}@{end_of_last}",
                                  f"truncated or corrupt WARC record ({type(exc).__name__}: {exc}); {number} records "
                                  f"read before it, the rest of the file skipped")
                return
            number += 1
            end_of_last = offset + records.get_record_length()
            if not wanted:
                continue
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


class TruncatedRecord(EOFError):
    pass


def _has_data_after(stream, offset: int) -> bool:
    """Anything but the blank lines that end an uncompressed WARC's last record."""
    stream.seek(offset)
    while chunk := stream.read(1 << 16):
        if chunk.strip():
            return True
    return False


def _check_headers(record) -> None:
    if record.rec_type is None or not hasattr(record.raw_stream, "limit"):
        raise TruncatedRecord("record headers are incomplete (no WARC-Type or Content-Length)")


def _check_complete(record) -> None:
    """warcio hands out what a cut-off gzip member held without complaint; the declared length tells."""
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    missing = raw.limit
    if missing > 0:
        raise TruncatedRecord(f"record ends {missing:,} bytes short of its Content-Length")


def _is_html(record) -> bool:
    if record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode()
    kind = (record.http_headers.get_header("Content-Type") or "").lower()
    return status == "200" and ("html" in kind or not kind)

"""Fetch: polite HTTP GET with timeouts, retries with backoff, a per-host rate limit and a size cap."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from . import __version__

USER_AGENT = f"dateline/{__version__} (news event coder; +https://github.com/dateline-events/dateline)"
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(RuntimeError):
    """A URL that could not be fetched after the allowed attempts; the message says why."""


@dataclass
class Fetcher:
    """One HTTP client for a run. `min_interval` seconds separate two requests to the same host; transient
    failures (connection errors, timeouts, 429 and 5xx) are retried `retries` times with exponential backoff,
    honouring a server's Retry-After."""

    timeout: float = 20.0
    connect_timeout: float = 5.0
    retries: int = 3
    backoff: float = 1.0
    min_interval: float = 1.0
    max_bytes: int = 20 * 1024 * 1024
    _last: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _session: object = field(default=None, repr=False)

    def session(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
        return self._session

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            ready = self._last.get(host, 0.0) + self.min_interval
            if ready > now:
                time.sleep(ready - now)
            self._last[host] = time.monotonic()

    def get(self, url: str) -> tuple[bytes, str | None]:
        """The body and its declared charset; raises FetchError with the reason after the last attempt."""
        import requests

        host = urlparse(url).netloc
        if urlparse(url).scheme not in ("http", "https"):
            raise FetchError(f"not an http(s) URL: {url}")
        reason, retry_after = "no attempt made", None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._delay(attempt, retry_after))
                retry_after = None
            self._wait_turn(host)
            try:
                with self.session().get(url, timeout=(self.connect_timeout, self.timeout), stream=True) as resp:
                    if resp.status_code in RETRY_STATUS:
                        reason = f"HTTP {resp.status_code}"
                        retry_after = resp.headers.get("Retry-After")
                        continue
                    if resp.status_code >= 400:
                        raise FetchError(f"HTTP {resp.status_code} {resp.reason or ''}".strip())
                    return self._read_capped(resp), resp.encoding if "charset" in resp.headers.get(
                        "Content-Type", "") else None
            except requests.exceptions.Timeout:
                reason = f"timed out after {self.timeout:g} s"
            except requests.exceptions.ConnectionError as exc:
                reason = f"cannot connect: {_short(exc)}"
            except requests.exceptions.RequestException as exc:
                raise FetchError(f"request failed: {_short(exc)}") from exc
        raise FetchError(f"{reason} (after {self.retries + 1} attempts)")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff * 2 ** (attempt - 1)
        if retry_after and retry_after.isdigit():  # the server knows best, within reason
            delay = min(max(delay, float(retry_after)), 60.0)
        return delay

    def _read_capped(self, resp) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"page is {int(declared):,} bytes, over the limit of {self.max_bytes:,}")
        chunks, size = [], 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"page is over the limit of {self.max_bytes:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _short(exc: Exception) -> str:
    text = str(exc)
    # requests nests urllib3's reason deep inside; the last clause is the useful part.
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker)[-1]
    return text.strip("()'\" ")[:200]

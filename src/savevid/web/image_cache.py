"""Recently fetched images (and recent failures) by URL, in memory, bounded in count and bytes."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from savevid.errors import ErrorCode
from savevid.web.errors import WebCode

FRESH_SECONDS = 600.0  # an image is fetched again after this long
FAILURE_SECONDS = 60.0  # a site that failed is not asked again for this long
MAX_BYTES = 32_000_000
MAX_ENTRIES = 256
# A browser opens at most six connections to one server, so one page never finds the fetches busy
# by itself; fetches and waits each hold a server thread, so both are few.
MAX_FETCHES = 6
MAX_WAITING = 12
WAIT_SECONDS = 20.0  # at most, for another request's fetch of the same URL; then ``late``
BUSY_RETRY_SECONDS = 5


@dataclass(frozen=True)
class Image:
    """An image's bytes and the MIME type they show."""

    data: bytes
    type: str


@dataclass(frozen=True)
class Failure:
    """Why an image is not served: an HTTP status, a stable code and one sentence."""

    status: int
    code: WebCode | ErrorCode
    message: str
    retry_after: int | None = None  # seconds, for a busy answer


Found = Image | Failure


class _Fetch:
    """One fetch under way: its answer, once done, for the requests that wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.found: Found | None = None


BUSY = Failure(503, WebCode.BUSY, "This server is fetching too many thumbnails at once.", BUSY_RETRY_SECONDS)
LATE = Failure(502, ErrorCode.NETWORK, f"The thumbnail did not come within {WAIT_SECONDS:.0f} s.")


class ImageCache:
    """Least recently used first out; safe to use from several threads.

    Requests for a URL that is being fetched wait for that fetch (``wait_seconds`` at most, then
    ``late``) instead of starting another. At most ``fetches`` fetches run and ``waiting`` requests
    wait at a time; a request beyond either gets ``BUSY`` at once.
    """

    def __init__(
        self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES, *, fetches: int = MAX_FETCHES,
        waiting: int = MAX_WAITING, wait_seconds: float = WAIT_SECONDS, late: Failure = LATE,
    ) -> None:  # fmt: skip
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.max_fetches, self.max_waiting = fetches, waiting
        self.wait_seconds, self.late = wait_seconds, late
        self._entries: OrderedDict[str, tuple[float, Found]] = OrderedDict()
        self._bytes = 0
        self._fetching: dict[str, _Fetch] = {}
        self._waiting = 0
        self._lock = threading.Lock()

    def get(self, url: str, fetch: Callable[[], Found]) -> Found:
        """What is kept for url while fresh, else fetch()'s answer (kept for next time)."""
        with self._lock:
            kept = self._fresh(url)
            if kept is not None:
                return kept
            other = self._fetching.get(url)
            if other is None:
                if len(self._fetching) >= self.max_fetches:
                    return BUSY
                mine = self._fetching[url] = _Fetch()
            elif self._waiting >= self.max_waiting:
                return BUSY
            else:
                self._waiting += 1
        if other is not None:
            return self._wait_for(other)
        try:
            mine.found = fetch()
            with self._lock:
                self._keep(url, mine.found)
            return mine.found
        finally:
            with self._lock:
                del self._fetching[url]
            mine.done.set()

    def _wait_for(self, fetch: _Fetch) -> Found:
        """The answer of another request's fetch; ``late`` if it does not come in time."""
        try:
            fetch.done.wait(self.wait_seconds)
        finally:
            with self._lock:
                self._waiting -= 1
        return fetch.found or self.late  # None: not in time, or that fetch broke (it raised)

    @property
    def busy(self) -> tuple[int, int]:
        """Fetches running, and requests waiting for one."""
        return len(self._fetching), self._waiting

    @property
    def size(self) -> int:
        """Bytes of images kept."""
        return self._bytes

    def _fresh(self, url: str) -> Found | None:
        entry = self._entries.get(url)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._drop(url)
            return None
        self._entries.move_to_end(url)
        return entry[1]

    def _keep(self, url: str, found: Found) -> None:
        size = _size(found)
        if size > self.max_bytes:
            return
        if url in self._entries:
            self._drop(url)
        lifetime = FRESH_SECONDS if isinstance(found, Image) else FAILURE_SECONDS
        self._entries[url] = (time.monotonic() + lifetime, found)
        self._bytes += size
        while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    def _drop(self, url: str) -> None:
        _, found = self._entries.pop(url)
        self._bytes -= _size(found)


def _size(found: Found) -> int:
    return len(found.data) if isinstance(found, Image) else 0

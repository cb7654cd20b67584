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
WAIT_SECONDS = 20.0  # for another request's fetch of the same URL, before fetching too


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


Found = Image | Failure


class ImageCache:
    """Least recently used first out; safe to use from several threads.

    Requests for a URL that is being fetched wait for that fetch instead of starting another.
    """

    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._entries: OrderedDict[str, tuple[float, Found]] = OrderedDict()
        self._bytes = 0
        self._fetching: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, url: str, fetch: Callable[[], Found]) -> Found:
        """What is kept for url while fresh, else fetch()'s answer (kept for next time)."""
        while True:
            with self._lock:
                kept = self._fresh(url)
                if kept is not None:
                    return kept
                other = self._fetching.get(url)
                if other is None:
                    mine = self._fetching[url] = threading.Event()
                    break
            other.wait(WAIT_SECONDS)
        try:
            found = fetch()
            with self._lock:
                self._keep(url, found)
            return found
        finally:
            with self._lock:
                del self._fetching[url]
            mine.set()

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

"""Media resolved moments ago, kept so that the download following a preview need not ask the site again.

Format URLs that sites hand out stay valid for hours; an entry here lives two minutes, the time
between a preview and the download that follows it, and is dropped sooner when a download using
it fails (its URLs may have expired), so that trying again resolves afresh.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from savevid.models import Media

TTL_SECONDS = 120.0
MAX_ENTRIES = 100  # about 1 MB each for a long video's info (captions, formats): 100 MB at most


class MediaCache(Protocol):
    """Resolved Media by normalised link (``safety.urls.normalize_url``); an in-process one today."""

    def get(self, url: str) -> Media | None:
        """A copy of the media stored for url, None when there is none or it is too old."""

    def put(self, url: str, media: Media) -> None:
        """Keep media (with its info dict) for url; the caller does not change it afterwards."""

    def drop(self, url: str) -> None:
        """Forget url's media, if any."""


class RecentMedia:
    """A MediaCache in this process's memory: each entry for ``ttl`` seconds, ``size`` entries at most
    (the oldest go first). Safe to use from several threads."""

    def __init__(
        self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: OrderedDict[str, tuple[float, Media]] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def get(self, url: str) -> Media | None:
        with self._lock:
            self._expire()
            entry = self._entries.get(url)
        # A deep copy, info dict included: whatever a download does to its media stays its own.
        return entry[1].model_copy(deep=True) if entry is not None else None

    def put(self, url: str, media: Media) -> None:
        with self._lock:
            self._entries.pop(url, None)
            self._entries[url] = (self.clock(), media)
            self._expire()
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, url: str) -> None:
        with self._lock:
            self._entries.pop(url, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._entries)

    def _expire(self) -> None:
        cutoff = self.clock() - self.ttl
        while self._entries and next(iter(self._entries.values()))[0] <= cutoff:
            self._entries.popitem(last=False)

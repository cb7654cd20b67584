"""Live event streams: how many each caller may hold open, and a response that gives its place back."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterable, Callable

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from savevid.web.limits import TooManyRequests

PER_CALLER = 8  # a page holds one while a download is under way; browsers behind one address share it
RETRY_AFTER = 15  # seconds: a stream is usually closed by then, as its tab is


class StreamSlots:
    """The event streams open per limit key, ``per_caller`` at most each."""

    def __init__(self, per_caller: int = PER_CALLER) -> None:
        self.per_caller = per_caller
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Count one more open stream for key, or raise a too_many_requests error past the cap."""
        with self._lock:
            if self._open.get(key, 0) >= self.per_caller:
                raise TooManyRequests(RETRY_AFTER, f"You have {self.per_caller} live streams open at "
                                      "most: close one (another tab) and try again.")  # fmt: skip
            self._open[key] = self._open.get(key, 0) + 1

    def give_back(self, key: str) -> None:
        with self._lock:
            left = self._open.get(key, 0) - 1
            if left > 0:
                self._open[key] = left
            else:
                self._open.pop(key, None)

    def open(self, key: str) -> int:
        """How many streams key holds open now."""
        with self._lock:
            return self._open.get(key, 0)


class EventStream(StreamingResponse):
    """A ``text/event-stream`` response that calls ``on_close`` once it is over, however it ends
    (finished, the client gone, the server stopping), even if its body never started."""

    def __init__(self, content: AsyncIterable[str], on_close: Callable[[], None]) -> None:
        super().__init__(content, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_close()

"""The one place where the engine opens connections.

Requests go through yt-dlp's networking layer, so the headers, cookies, proxy and impersonation
that extraction chose apply to every request the engine makes.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from yt_dlp.networking import Request
from yt_dlp.networking.exceptions import HTTPError, RequestError

from savevid.engine.retry import parse_retry_after, pause

T = TypeVar("T")

# 416 for a range that exists is a server hiccup; a range that really is gone fails after retries.
RETRYABLE_STATUSES = frozenset({408, 416, 425, 429, 500, 502, 503, 504})
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


class TransferError(Exception):
    """A request or a body that failed; ``retryable`` says whether trying again may help."""

    def __init__(
        self, message: str, *, status: int | None = None, retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def with_retries(action: Callable[[], T], retries: int, stop: threading.Event) -> T:
    """action()'s result, trying again after each retryable TransferError (with backoff and the
    server's Retry-After) up to ``retries`` times; Cancelled as soon as stop is set."""
    attempt = 0
    while True:
        try:
            return action()
        except TransferError as error:
            attempt += 1
            if not error.retryable or attempt > retries:
                raise
            pause(attempt, stop, error.retry_after)


@dataclass(frozen=True)
class ContentRange:
    """A parsed ``Content-Range: bytes start-end/total`` (end inclusive, total may be unknown)."""

    start: int
    end: int
    total: int | None

    @classmethod
    def parse(cls, value: str | None) -> ContentRange | None:
        match = _CONTENT_RANGE.fullmatch((value or "").strip())
        if not match:
            return None
        total = None if match.group(3) == "*" else int(match.group(3))
        return cls(int(match.group(1)), int(match.group(2)), total)


class Body:
    """An open response: its status and headers, and a body read in pieces as they arrive."""

    def __init__(self, response: Any, slot: threading.BoundedSemaphore | None = None) -> None:
        self._response = response
        self._slot = slot
        self._socket = _socket_of(response)
        self.status: int = response.status
        self.headers: Mapping[str, str] = response.headers
        self.url: str = response.url
        self._read = _reader(response)

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return str(value) if value is not None else None

    @property
    def length(self) -> int | None:
        value = self.header("Content-Length")
        return int(value) if value and value.isdigit() else None

    @property
    def content_range(self) -> ContentRange | None:
        return ContentRange.parse(self.header("Content-Range"))

    def read(self, size: int) -> bytes:
        """Up to size bytes, as soon as some are there; b'' at the end of the body."""
        try:
            return self._read(size)
        except Exception as exc:  # the layers below raise many kinds for a broken connection
            raise TransferError(f"the connection broke: {exc}") from exc

    def close(self) -> None:
        """Close the connection and give back its slot (once, however often it is called)."""
        with contextlib.suppress(Exception):  # closing a broken connection may fail again
            self._response.close()
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.release()

    def abort(self) -> None:
        """Cut the connection now, while another thread may be reading it, then close it.

        Closing alone is not enough then: the HTTP library may hand the connection back to its
        pool, open and half-read, and a thread blocked in a read keeps the socket alive. Shutting
        the socket down wakes that read and tells the server at once.
        """
        if self._socket is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to cut
                self._socket.shutdown(socket.SHUT_RDWR)
        self.close()


def _socket_of(response: Any) -> socket.socket | None:
    """The socket under a yt-dlp response: urllib3's (the requests handler) or http.client's."""
    raw = getattr(response, "fp", None)
    sock = getattr(getattr(raw, "connection", None), "sock", None)  # urllib3.HTTPResponse
    if sock is None:  # http.client.HTTPResponse (the urllib handler): its reader's socket
        sock = getattr(getattr(getattr(raw, "fp", None), "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _reader(response: Any) -> Callable[[int], bytes]:
    # read1 returns what has arrived instead of waiting for the full size, so slow connections
    # are noticed and cancellation is quick. Bodies are requested without content encoding.
    raw = getattr(response, "fp", None)
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        return response.read  # type: ignore[no-any-return]
    if "urllib3" in type(raw).__module__:
        return lambda size: read1(size, decode_content=False)
    return read1  # type: ignore[no-any-return]


class Transport:
    """Opens requests through one YoutubeDL, at most ``per_host`` at a time to one host.

    Safe to use from several threads; the host limit is shared by all parts of a download.
    """

    def __init__(self, ydl: Any, *, timeout: float, per_host: int = 16) -> None:
        self._ydl = ydl
        self._timeout = timeout
        self._per_host = per_host
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._open: set[Body] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def _take_slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
        while not slot.acquire(timeout=0.1):
            if self._closed.is_set():
                raise _stopped()
        return slot

    def open(self, url: str, headers: Mapping[str, str] | None = None, *, impersonate: Any = None) -> Body:
        """Send a GET; TransferError for network failures and HTTP error statuses."""
        extensions: dict[str, Any] = {"timeout": self._timeout}
        if impersonate is not None:
            extensions["impersonate"] = impersonate
        request = Request(url, headers={**(headers or {}), "Accept-Encoding": "identity"},
                          extensions=extensions)  # fmt: skip
        slot = self._take_slot(url)
        try:
            body = Body(self._ydl.urlopen(request), slot)
        except HTTPError as exc:
            slot.release()
            status = exc.status
            retry_after = parse_retry_after(exc.response.headers.get("Retry-After"))
            exc.response.close()
            raise TransferError(f"HTTP {status}", status=status, retry_after=retry_after,
                                retryable=status in RETRYABLE_STATUSES) from exc  # fmt: skip
        except RequestError as exc:
            slot.release()
            raise TransferError(str(exc.msg or exc)) from exc
        except BaseException:
            slot.release()
            raise
        with self._lock:
            if not self._closed.is_set():
                self._open.add(body)
                return body
        body.abort()  # opened while close_all ran: it would otherwise stream on
        raise _stopped()

    def release(self, body: Body) -> None:
        """Close a body opened by this transport."""
        body.close()
        with self._lock:
            self._open.discard(body)

    def read_all(
        self, url: str, headers: Mapping[str, str] | None = None, *, limit: int, impersonate: Any = None
    ) -> bytes:
        """A whole (small) body: a playlist, a key, a fragment; TransferError past limit bytes."""
        body = self.open(url, headers, impersonate=impersonate)
        try:
            chunks, size = [], 0
            while chunk := body.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise TransferError(f"the response is larger than {limit} bytes", retryable=False)
                chunks.append(chunk)
            if body.length is not None and size < body.length:
                raise TransferError(f"the response ended after {size} of {body.length} bytes")
            return b"".join(chunks)
        finally:
            self.release(body)

    def close_all(self) -> None:
        """Cut every open connection, so threads blocked on them return, and open no more (used on
        cancellation)."""
        with self._lock:
            self._closed.set()
            bodies, self._open = list(self._open), set()
        for body in bodies:
            body.abort()


def _stopped() -> TransferError:
    return TransferError("the download was stopped", retryable=False)

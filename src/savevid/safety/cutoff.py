"""A deadline for a whole exchange with a site, which a socket timeout cannot give.

A socket timeout bounds each wait for data, so a site that sends its headers or its body one byte
a second keeps a request going as long as it likes, and the thread waiting on it with it. A
Cutoff bounds the whole: at its deadline it shuts down every socket that the threads working
under it created in the meantime (which wakes a read blocked on one of them) and refuses them any
new connection, so the request fails at once and the thread is free again.

Sockets are seen as they are made, through Python's audit events (``socket.__new__``,
``socket.connect``), so the rule holds whatever HTTP library yt-dlp chose, and for TLS sockets too.
A connection taken from a pool, opened earlier outside the Cutoff, is not seen.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

_local = threading.local()
_hooked = threading.Lock()
_hooks: list[bool] = []


class DeadlinePassed(TimeoutError):
    """A connection refused because its Cutoff's deadline has passed."""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.__new__" or event == "socket.connect":
        cutoff: Cutoff | None = getattr(_local, "cutoff", None)
        if cutoff is not None:
            cutoff._saw(args[0], connecting=event == "socket.connect")


def _hook_once() -> None:
    with _hooked:
        if not _hooks:  # an audit hook cannot be removed: one for the whole process
            sys.addaudithook(_audit)
            _hooks.append(True)


class Cutoff:
    """``seconds`` from its start, the sockets of the threads working under it are shut down."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._until = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._expired = False
        self._ended = False
        self._timer = threading.Timer(seconds, self.cut)
        self._timer.daemon = True
        self._previous: Cutoff | None = None

    def start(self) -> Cutoff:
        """Start the clock (from when the Cutoff was made)."""
        _hook_once()
        self._timer.interval = max(0.0, self._until - time.monotonic())
        self._timer.start()
        return self

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed (its sockets were cut, or are being cut)."""
        return self._expired or time.monotonic() >= self._until

    def remaining(self) -> float:
        """Seconds left before the deadline (0 once it has passed)."""
        return max(0.0, self._until - time.monotonic())

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        """Put the sockets the calling thread makes meanwhile under this Cutoff."""
        previous = getattr(_local, "cutoff", None)
        _local.cutoff = self
        try:
            yield
        finally:
            _local.cutoff = previous

    def cut(self) -> None:
        """Shut down the sockets seen so far and refuse new connections: the deadline, now."""
        with self._lock:
            self._expired = True
            if self._ended:
                return
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):  # closed, or handed to a TLS socket (seen too)
                sock.shutdown(socket.SHUT_RDWR)

    def end(self) -> None:
        """The work is over: stop the clock and forget the sockets (they may be reused elsewhere)."""
        self._timer.cancel()
        with self._lock:
            self._ended = True
            self._sockets = []

    def __enter__(self) -> Cutoff:
        """Start, and watch the calling thread until the block ends."""
        self._previous = getattr(_local, "cutoff", None)
        _local.cutoff = self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        _local.cutoff = self._previous
        self.end()

    def _saw(self, sock: Any, *, connecting: bool) -> None:
        with self._lock:
            if self._ended:
                return
            if connecting and self.expired:
                raise DeadlinePassed("the deadline for this exchange has passed")
            if isinstance(sock, socket.socket) and sock not in self._sockets:
                self._sockets.append(sock)

"""``savevid serve``'s HTTP server: uvicorn, with deadlines for requests, a cap on connections and a
bounded shutdown.

uvicorn leaves three holes that this module closes. A connection that never finishes its request
is held forever (its keep-alive timer runs only between requests), so idle sockets can take every
file descriptor. Connections past any limit are accepted until ``accept()`` fails, and each failure
is logged. And shutdown waits for every open response, so one event stream or one slow reader of a
file keeps the process alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from savevid.config import Settings
from savevid.web.errors import WebCode, error_body

log = logging.getLogger("savevid.web")

# Descriptors kept for what is not a client: the databases, files being written and served, and
# the downloads' own connections to sites.
FD_RESERVE = 256
_BUSY_BODY = json.dumps(error_body(WebCode.BUSY, "This server has too many connections open.",
                                   "Try again in a moment.")).encode()  # fmt: skip
BUSY_REPLY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\n"
    b"connection: close\r\ncontent-length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n" + _BUSY_BODY
)


def raise_fd_limit() -> int:
    """Raise the soft limit of open files to the hard limit where allowed; the soft limit in force."""
    try:
        import resource
    except ImportError:  # not on this system (Windows): its own limits apply
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):  # a container may forbid it: keep what there is
        return soft
    return wanted


@dataclass
class Refusals:
    """Connections refused (over the cap, or accept() out of descriptors), logged at most once per
    interval with how many there were, instead of one line each."""

    interval: float = 60.0
    count: int = 0
    _logged: float = field(default=-float("inf"))

    def add(self, reason: str) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._logged >= self.interval:
            log.warning("refused %d connection(s) since the last report: %s", self.count, reason)
            self.count, self._logged = 0, now


@dataclass
class Limits:
    """What one server allows each connection, and all of them together."""

    header_timeout: float
    max_connections: int
    refusals: Refusals = field(default_factory=Refusals)


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request and a cap on connections.

    A connection has ``header_timeout`` seconds, from its start or from the end of the previous
    response, to send a whole request (head and body); the app's own time does not count.
    """

    limits: ClassVar[Limits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            # Refused before reading a byte, so idle sockets cannot take every descriptor.
            self.limits.refusals.add(f"over {self.limits.max_connections} connections open")
            transport.write(BUSY_REPLY)
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection has its own deadline

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        # IDLE: the request has not (fully) arrived; SEND_BODY: its body has not.
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            log.debug("closed a connection that sent no whole request in %s s", self.limits.header_timeout)
            self.transport.close()


def protocol_for(limits: Limits) -> type[GuardedProtocol]:
    """The protocol class for one server (uvicorn builds one instance per connection)."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})


class Server(uvicorn.Server):
    """uvicorn's server with a bounded shutdown.

    On the first SIGTERM or SIGINT it stops listening, calls ``on_stop`` (in a thread: event
    streams end, workers stop), waits up to ``grace`` seconds for open responses, then closes
    what is still open (slow readers) and cancels the requests still running, logged in one line
    rather than as errors. A second signal ends the waiting at once.
    """

    def __init__(self, config: uvicorn.Config, *, on_stop: Callable[[], None], grace: float,
                 refusals: Refusals) -> None:  # fmt: skip
        super().__init__(config)
        self.on_stop, self.grace, self.refusals = on_stop, grace, refusals
        self.cutting = False  # requests still running at shutdown are being cancelled

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:  # uvicorn forces only on a second SIGINT; a second SIGTERM too here
            self.force_exit = True
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[Any] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(self._loop_error)
        await super().startup(sockets=sockets)

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # asyncio reports each accept() that fails for want of descriptors, once a second.
        if str(context.get("message", "")).startswith("socket.accept() out of system resource"):
            self.refusals.add(f"accept() failed: {context.get('exception')}")
            return
        loop.default_exception_handler(context)

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        stopping = threading.Thread(target=self.on_stop, name="stopping", daemon=True)
        stopping.start()
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle ones close now; the rest after their response
        state = self.server_state
        await self._until(lambda: not state.connections and not state.tasks, self.grace)
        self.close_connections()
        await self._until(lambda: not state.tasks, 1.0)  # the app sees the disconnects and returns
        self.cut(list(state.tasks))
        await self._until(lambda: not stopping.is_alive(), self.grace)
        if not self.force_exit:
            await self.lifespan.shutdown()

    def cut(self, tasks: list[asyncio.Task[None]]) -> None:
        """Cancel the requests still running after the grace period, said in one line."""
        if tasks:
            log.warning("stopped %d request(s) still running at shutdown", len(tasks))
        self.cutting = True
        for task in tasks:
            task.cancel()

    def quiet_cuts(self, record: logging.LogRecord) -> bool:
        """A filter for uvicorn's log: without it, each request cut at shutdown is logged as an
        error of the app, with a traceback."""
        cancelled = record.exc_info is not None and isinstance(record.exc_info[1], asyncio.CancelledError)
        return not (self.cutting and cancelled)

    def close_connections(self) -> None:
        """Close every connection still open (clients still reading after the grace period)."""
        for connection in list(self.server_state.connections):
            with contextlib.suppress(OSError):
                sock = connection.transport.get_extra_info("socket")
                # A reset, not a close: the kernel would otherwise go on sending what it holds.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.transport.abort()

    async def _until(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done() and not self.force_exit and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


def serve(app: Any, settings: Settings, on_stop: Callable[[], None]) -> None:
    """Run the app on settings.host:settings.port until a signal stops it."""
    files = raise_fd_limit()
    cap = min(settings.max_connections, max(16, files - FD_RESERVE))
    if cap < settings.max_connections:
        log.warning("serving at most %d connections: the limit of open files is %d", cap, files)
    limits = Limits(header_timeout=settings.header_timeout, max_connections=cap)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", http=protocol_for(limits),
        timeout_keep_alive=5,
    )  # fmt: skip
    server = Server(config, on_stop=on_stop, grace=settings.shutdown_timeout, refusals=limits.refusals)
    errors = logging.getLogger("uvicorn.error")
    errors.addFilter(server.quiet_cuts)
    try:
        # uvicorn raises the SIGINT it handled again, as uvicorn.run does
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        errors.removeFilter(server.quiet_cuts)

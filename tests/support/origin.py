"""A local origin on 127.0.0.1 that serves sample media and pages in the shapes real sites use.

Static files honour Range requests; routes add pages, redirects, errors and a cookie-gated page.
"""

from __future__ import annotations

import mimetypes
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TYPES = {
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".m4s": "video/iso.segment",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mpd": "application/dash+xml",
    ".bin": "application/octet-stream",
    ".html": "text/html; charset=utf-8",
    ".jpg": "image/jpeg",
}


@dataclass
class Reply:
    """What a route answers: a status, headers and a body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


# A route answers with a Reply, or writes its own answer to the handler and returns None.
Route = Callable[["Handler"], "Reply | None"]


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end inclusive) of a single-range header; None without one; "416" if unsatisfiable."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header or "")
    if not match or not (match.group(1) or match.group(2)):
        return None
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    else:
        start, end = max(0, size - int(match.group(2))), size - 1
    return "416" if start > end else (start, end)


class Handler(BaseHTTPRequestHandler):
    """Serves routes first, then files under the origin's media folder."""

    server: OriginServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def setup(self) -> None:
        super().setup()
        self.wfile = Meter(self.wfile, self)  # type: ignore[assignment]

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        started = time.monotonic()
        self.server.busy.add(self)
        try:
            self._answer(head)
        finally:
            self.server.spans.append((urlsplit(self.path).path, started, time.monotonic()))
            self.server.busy.discard(self)

    def _answer(self, head: bool) -> None:
        path = urlsplit(self.path).path
        self.server.hits.append(path)
        self.server.requests.append((self.command, path))
        self.server.ranges.append((path, self.headers.get("Range")))
        self.server.timeline.append((time.monotonic(), path))
        route = self.server.routes.get(path)
        if route is not None:
            reply = route(self)
            if reply is not None:
                self._send(reply, head)
        elif path.startswith("/media/"):
            self._send_file(self.server.media / path.removeprefix("/media/"), head)
        else:
            self._send(Reply(404, b"not found"), head)

    def _send(self, reply: Reply, head: bool) -> None:
        self.send_response(reply.status)
        headers = {"Content-Type": "text/html; charset=utf-8", **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if head:
            return
        rate = self.server.rates.get(urlsplit(self.path).path)
        if rate is None:
            self.wfile.write(reply.body)
            return
        chunk = max(1, rate // 20)
        for start in range(0, len(reply.body), chunk):
            self.wfile.write(reply.body[start : start + chunk])
            time.sleep(chunk / rate)

    def _send_file(self, file: Path, head: bool) -> None:
        root = self.server.media.resolve()
        file = file.resolve()
        if not file.is_file() or root not in file.parents:
            self._send(Reply(404, b"not found"), head)
            return
        data = file.read_bytes()
        kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        span = parse_range(self.headers.get("Range"), len(data))
        if span == "416":
            self._send(Reply(416, b"", {"Content-Range": f"bytes */{len(data)}"}), head)
            return
        status = 206 if span else 200
        start, end = span if isinstance(span, tuple) else (0, len(data) - 1)
        headers = {"Content-Type": kind, "Accept-Ranges": "bytes"}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        self._send(Reply(status, data[start : end + 1], headers), head)


class Meter:
    """The handler's writer, counting the bytes each path made the server send (headers too).

    Bytes go out in small writes, so a client that hangs up stops the count where sending stopped.
    """

    STEP = 16 * 1024

    def __init__(self, raw: Any, handler: Handler) -> None:
        self.raw, self.handler = raw, handler

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        path = urlsplit(getattr(self.handler, "path", "")).path
        for start in range(0, len(view), self.STEP):
            chunk = view[start : start + self.STEP]
            self.raw.write(chunk)
            with self.handler.server.lock:
                self.handler.server.sent[path] += len(chunk)
        return len(view)

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        self.raw.close()


class OriginServer(ThreadingHTTPServer):
    """The server object, holding the media folder, the route table and the paths requested."""

    daemon_threads = True

    def __init__(self, media: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.media = media
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of each request
        self.ranges: list[tuple[str, str | None]] = []
        self.timeline: list[tuple[float, str]] = []  # when each path was asked for
        self.spans: list[tuple[str, float, float]] = []  # each answer: path, start, end
        self.rates: dict[str, int] = {}  # path -> bytes per second, to make downloads slow
        self.sent: Counter[str] = Counter()  # path -> bytes the server sent for it, all requests
        self.busy: set[Handler] = set()  # requests being answered now
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early (as downloaders do after probing) are not errors


class Origin:
    """A running origin: ``origin.url('/path')`` names a URL on it."""

    def __init__(self, media: Path) -> None:
        self.server = OriginServer(media)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """The absolute URL of a path on this origin."""
        return f"{self.base}{path}"

    def page(self, path: str, html: str) -> str:
        """Serve ``html`` at path, with ``{base}`` replaced by this origin's base URL."""
        body = html.replace("{base}", self.base).encode()
        self.server.routes[path] = lambda _: Reply(200, body)
        return self.url(path)

    def route(self, path: str, route: Route) -> str:
        """Serve whatever ``route`` answers at path."""
        self.server.routes[path] = route
        return self.url(path)

    def sent(self, path: str, *, settle: float = 10) -> int:
        """Bytes the server sent for path so far, once no request is being answered (or after
        ``settle`` seconds: a client that never reads nor closes keeps a request open)."""
        deadline = time.monotonic() + settle
        while self.server.busy and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.server.sent[path]

    def start(self) -> Origin:
        self._thread.start()
        return self

    def open_connections(self) -> int:
        """Connections to this origin that its clients have not closed (established on its side)."""
        port, count = self.server.server_address[1], 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                count += int(local.rsplit(":", 1)[1], 16) == port and state == "01"  # ESTABLISHED
        return count

    def closed_within(self, seconds: float) -> bool:
        """True once no client holds a connection open to this origin, within seconds."""
        deadline = time.monotonic() + seconds
        while self.open_connections() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.open_connections() == 0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

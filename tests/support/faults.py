"""A file served with Range support that misbehaves on purpose, as real servers sometimes do."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from support.origin import Reply, parse_range

if TYPE_CHECKING:
    from support.origin import Handler

FAULTS = (
    "ignore-range",  # 200 with the whole body instead of 206
    "chunked",  # 200 with the whole body in chunks, its size announced nowhere (no Content-Length)
    "wrong-range",  # 206 whose Content-Range (and body) start elsewhere than asked
    "cut",  # headers promise the range; half of it comes, then the connection closes
    "extra",  # the body is followed by junk past Content-Length, then the connection closes
    "416",  # Range Not Satisfiable for a range that is satisfiable
    "429",  # Too Many Requests, Retry-After: 1
    "503",  # Service Unavailable, Retry-After: 1
    "stall",  # a little data, then silence
    "trickle",  # data at a few bytes per second
)


class FaultyFile:
    """Serves ``data``; request numbers in ``faulty`` get ``fault`` instead of a proper answer."""

    def __init__(self, data: bytes, fault: str | None = None, faulty: range = range(0)) -> None:
        self.data, self.fault, self.faulty = data, fault, faulty
        self.etag = '"v1"'
        self.requests = 0
        self.sent = 0  # body bytes written, to see how much a resume fetched again
        self.rate: int | None = None  # bytes per second per connection, when set
        self.headers = {"Content-Type": "video/mp4"}  # sent with every answer of the file
        self.active = self.peak = 0  # requests being answered now, and the most at once
        self._lock = threading.Lock()

    def replace(self, data: bytes) -> None:
        """The file changes on the server (a new ETag)."""
        self.data, self.etag = data, '"v2"'

    def __call__(self, handler: Handler) -> Reply | None:
        with self._lock:
            number = self.requests
            self.requests += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            return self._answer(handler, number)
        finally:
            with self._lock:
                self.active -= 1

    def _answer(self, handler: Handler, number: int) -> Reply | None:
        fault = self.fault if number in self.faulty else None
        size = len(self.data)
        span = parse_range(handler.headers.get("Range"), size)
        if_range = handler.headers.get("If-Range")
        if if_range is not None and if_range != self.etag:
            span = None  # RFC 9110: a stale validator gets the whole, current file
        if span == "416" or fault == "416":
            return Reply(416, b"", {"Content-Range": f"bytes */{size}"})
        if fault in ("429", "503"):
            return Reply(int(fault), b"busy", {"Retry-After": "1"})
        whole = fault in ("ignore-range", "chunked")
        start, end = span if isinstance(span, tuple) and not whole else (0, size - 1)
        status = 206 if isinstance(span, tuple) and not whole else 200
        body_start = start + 1000 if fault == "wrong-range" else start
        headers = {**self.headers, "Accept-Ranges": "bytes", "ETag": self.etag,
                   "Content-Length": str(end - start + 1)}  # fmt: skip
        if fault == "chunked":
            del headers["Content-Length"], headers["Accept-Ranges"]
            headers["Transfer-Encoding"] = "chunked"
        if status == 206:
            headers["Content-Range"] = f"bytes {body_start}-{end}/{size}"
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        self._body(handler, self.data[body_start : end + 1], fault)
        return None

    def _body(self, handler: Handler, body: bytes, fault: str | None) -> None:
        if fault == "cut":
            body = body[: len(body) // 2]
        elif fault == "extra":
            body += b"\xff" * 1000
        elif fault == "stall":
            self._write(handler, body[:1000])
            time.sleep(4)
            return self._hang_up(handler)
        elif fault == "trickle":
            for index in range(0, min(len(body), 40), 4):
                self._write(handler, body[index : index + 4])
                time.sleep(0.1)
            return self._hang_up(handler)
        rate = self.rate
        step = max(1, rate // 20) if rate else len(body) or 1
        if fault == "chunked":
            step = min(step, 64 * 1024)
        for index in range(0, len(body), step):
            self._write(handler, body[index : index + step], chunked=fault == "chunked")
            if rate:
                time.sleep(step / rate)
        if fault == "chunked":
            handler.wfile.write(b"0\r\n\r\n")  # the last chunk
        if fault in ("cut", "extra"):
            self._hang_up(handler)
        return None

    def _write(self, handler: Handler, chunk: bytes, *, chunked: bool = False) -> None:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        handler.wfile.flush()
        with self._lock:
            self.sent += len(chunk)

    @staticmethod
    def _hang_up(handler: Handler) -> None:
        handler.close_connection = True
        handler.wfile.flush()
        raise ConnectionAbortedError  # ends this connection without more bytes

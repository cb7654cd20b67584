"""Routes of a site that holds a client as long as it can: silent, or sending one byte at a time."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from support.origin import Handler, Route


def dripping(at_once: bytes, drip: bytes, every: float = 1.0) -> Route:
    """A route that writes at_once, then drip one byte each ``every`` seconds, until the client
    hangs up (or drip ends); the bytes are written as they are, status line and headers included."""

    def route(handler: Handler) -> None:
        handler.close_connection = True
        try:
            handler.wfile.write(at_once)
            for byte in drip:
                time.sleep(every)
                handler.wfile.write(bytes([byte]))
        except OSError:  # the client hung up
            pass

    return route


def headers_dripping(every: float = 1.0) -> Route:
    """A route whose status line and headers come one byte each ``every`` seconds, for minutes."""
    return dripping(b"", b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nX-Filler: " + b"a" * 300, every)


def body_dripping(body: bytes, every: float = 1.0) -> Route:
    """A route that answers 200 with body's length at once, then sends body one byte at a time."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {len(body)}\r\n\r\n"
    return dripping(head.encode() + body[:64], body[64:], every)


def silent(handler: Handler) -> None:
    """A route that never answers: it waits until the client hangs up."""
    handler.close_connection = True
    handler.rfile.read(1)  # nothing more comes from a client that waits: b"" once it hangs up

"""A crowded server for tests and the bench: many jobs in the table, and timed plain requests."""

from __future__ import annotations

import socket
import sqlite3
import time
from pathlib import Path

from savevid.models import Choice


def add_jobs(path: Path, count: int, owner: str | None = None, prefix: str = "other") -> None:
    """``count`` finished jobs written straight into the jobs database at path, in one transaction:
    ``owner``'s, else each of one of 5,000 other browsers, from one of 50,000 addresses."""
    choice, now = Choice().model_dump_json(), time.time()
    rows = [(f"{prefix}{n:08}", f"https://example.com/{prefix}{n}", choice, f"10.0.{n % 250}.{n % 199}",
             owner or f"browser:{n % 5000:032x}", "done", f"Clip {n}", now - n, now - n, 0)
            for n in range(count)]  # fmt: skip
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO jobs (id, url, choice, client, owner, state, title, created, updated, "
                       "downloaded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
    db.close()


def timings(base: str, path: str, cookie: str = "", times: int = 15) -> list[float]:
    """Seconds for each whole 200 answer, each on a new connection, sorted. Plain sockets: a client
    that sends a request in two writes waits on loopback for the delayed ACK (40 ms), hiding the rest."""
    host, port = base.removeprefix("http://").split(":")
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    took = []
    for _ in range(times):
        start = time.perf_counter()
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(request.encode())
            answer = b"".join(iter(lambda: sock.recv(65536), b""))
        took.append(time.perf_counter() - start)
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    return sorted(took)

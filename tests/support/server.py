"""``savevid serve`` inside the test process: the real app under the real uvicorn, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from savevid.config import Settings
from savevid.web.app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """savevid serve with these settings, in a thread of this process; its base URL."""
    with running_app(create_app(settings)) as base:
        yield base


@contextmanager
def running_app(app: FastAPI, send_buffer: int | None = None) -> Iterator[str]:
    """This app under the real uvicorn, in a thread of this process; its base URL. The test keeps
    the app, to reach its queue. ``send_buffer``: the bytes each connection's socket holds for its
    client at most, as on a slow network, instead of the megabytes the kernel gives on loopback."""
    listener = socket.socket()
    if send_buffer is not None:  # accepted connections take it from the listening socket
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)
    listener.close()

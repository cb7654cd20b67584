"""Live event streams under the real uvicorn: a few per caller, and quiet ones cost the server little."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from savevid.config import get_settings
from savevid.jobs.store import JobState
from savevid.models import Choice
from savevid.web.app import create_app
from savevid.web.streams import PER_CALLER
from support.load import add_jobs, timings
from support.server import running_app

OWNER = "ab" * 16  # a browser's name, as the page's cookie holds it
MINE = 100  # the owner's downloads: what its list and each of its streams send


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """The app behind a proxy on 127.0.0.1, so that a test can speak for many addresses."""
    return create_app(get_settings(data_dir=tmp_path / "data", trusted_proxies=["127.0.0.1"]))


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    with running_app(app) as url:
        yield url


def from_address(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.100.{n}"}


def opened(stack: ExitStack, client: httpx.Client, path: str, **headers: str) -> httpx.Response:
    """A stream held open until the stack closes: its answer, once the headers came."""
    return stack.enter_context(client.stream("GET", path, headers=headers))


def test_a_caller_holds_a_few_streams_at_most(app: FastAPI, base: str) -> None:
    job = app.state.queue.store.create("https://example.com/v", Choice())
    app.state.queue.store.update(job.id, state=JobState.DONE)
    with httpx.Client(base_url=base, timeout=10) as client, ExitStack() as first:
        held = [opened(first, client, "/api/events") for _ in range(PER_CALLER)]
        assert [reply.status_code for reply in held] == [200] * PER_CALLER
        assert held[0].headers["content-type"].startswith("text/event-stream")
        for path in ("/api/events", f"/api/downloads/{job.id}/events"):  # both kinds count
            refused = client.get(path)
            assert refused.status_code == 429, path
            assert refused.json()["code"] == "too_many_requests"
            assert "streams" in refused.json()["message"]
            assert int(refused.headers["retry-after"]) > 0
        with ExitStack() as other:  # another caller has its own
            assert opened(other, client, "/api/events", **from_address(1)).status_code == 200
        held[0].close()  # a stream that ends gives its place back
        deadline = time.monotonic() + 5
        while (reply := client.get(f"/api/downloads/{job.id}/events")).status_code == 429:
            assert time.monotonic() < deadline, "the closed stream's place never came back"
            time.sleep(0.1)
        assert reply.status_code == 200 and reply.text.startswith("data: ")  # the done job, then the end
    deadline = time.monotonic() + 5
    while app.state.streams.open("127.0.0.1"):
        assert time.monotonic() < deadline, "closed streams still counted"
        time.sleep(0.1)


def counting(calls: list[float], read: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        return read(*args, **kwargs)

    return counted


def test_twenty_quiet_streams_leave_the_server_quick(app: FastAPI, base: str, tmp_path: Path) -> None:
    """50,000 jobs of other owners in the table, 20 streams of one owner's 100 finished downloads
    (one per address, as 20 browsers behind 20 addresses): once each has sent them, a quiet stream
    looks for changes four times a second but reads no job again, and health and the list answer
    about as fast as with no stream."""
    database = tmp_path / "data" / "jobs.db"
    add_jobs(database, 50_000)
    add_jobs(database, MINE, owner=f"browser:{OWNER}", prefix="mine")
    store = app.state.queue.store
    reads: list[float] = []
    looks: list[float] = []
    store.recent, store.changes = counting(reads, store.recent), counting(looks, store.changes)
    cookie = f"savevid_owner={OWNER}"
    client = httpx.Client(base_url=base, timeout=30, headers={"Cookie": cookie})
    with client, ExitStack() as streams:
        assert len(client.get("/api/downloads").json()) == MINE
        alone = timings(base, "/healthz", cookie), timings(base, "/api/downloads", cookie)
        readers = []
        for n in range(20):
            lines = opened(streams, client, "/api/events", **from_address(n)).iter_lines()
            sent = sum(1 for _ in range(2 * MINE) if next(lines).startswith("data: "))  # and blank lines
            assert sent == MINE
            readers.append(lines)  # a line reader that is dropped closes its stream
        time.sleep(0.5)
        reads.clear()
        looks.clear()
        time.sleep(2)  # eight looks of each stream
        assert not reads, "a quiet stream read the jobs again"
        assert len(looks) >= 20 * 4, f"the streams stopped looking: {len(looks)} looks in 2 s"
        assert all(app.state.streams.open(f"198.51.100.{n}") == 1 for n in range(20))
        busy = timings(base, "/healthz", cookie), timings(base, "/api/downloads", cookie)
    median = statistics.median
    health, listing = [(median(before), median(after)) for before, after in zip(alone, busy, strict=True)]
    print(
        f"median /healthz {health[0] * 1000:.1f} ms alone, {health[1] * 1000:.1f} ms with 20 streams; "
        f"/api/downloads {listing[0] * 1000:.1f} ms alone, {listing[1] * 1000:.1f} ms with them"
    )
    assert health[1] < 4 * health[0] + 0.02
    assert listing[1] < 4 * listing[0] + 0.02

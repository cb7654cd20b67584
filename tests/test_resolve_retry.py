"""A busy site while resolving: 429/503 with Retry-After is retried a bounded number of times."""

from __future__ import annotations

import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import savevid
from savevid.config import get_settings
from savevid.errors import ErrorCode, SavevidError
from savevid.models import Choice
from savevid.web.app import create_app
from support import pages
from support.faults import FaultyFile
from support.hosts import map_hosts
from support.origin import Handler, Origin, Reply
from support.probe import probe


class BusyPage:
    """Answers ``status`` with ``Retry-After`` to the first ``busy`` requests, then serves ``html``."""

    def __init__(self, html: str, status: int, busy: int, retry_after: str = "1") -> None:
        self.html, self.status, self.busy, self.retry_after = html, status, busy, retry_after
        self.times: list[float] = []  # when each request came

    def __call__(self, _: Handler) -> Reply:
        self.times.append(time.monotonic())
        if len(self.times) <= self.busy:
            return Reply(self.status, b"busy", {"Retry-After": self.retry_after})
        return Reply(200, self.html.encode())

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in pairwise(self.times)]


def busy_page(origin: Origin, status: int, busy: int, retry_after: str = "1") -> tuple[str, BusyPage]:
    page = BusyPage(pages.OPEN_GRAPH.replace("{base}", origin.base), status, busy, retry_after)
    return origin.route("/watch/busy", page), page


def feed(origin: Origin, *links: str) -> str:
    """An RSS feed of links: a playlist whose entries are resolved one by one, as they are chosen."""
    items = "".join(
        f"<item><title>Clip {n}</title><link>{link}</link></item>" for n, link in enumerate(links, 1)
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Clips</title>{items}</channel></rss>'
    return origin.route(
        "/feed.xml", lambda _: Reply(200, rss.encode(), {"Content-Type": "application/rss+xml"})
    )


@pytest.mark.parametrize("status", [503, 429])
def test_a_busy_page_is_asked_again_after_its_retry_after(
    origin: Origin, tmp_path: Path, status: int
) -> None:
    url, page = busy_page(origin, status, busy=3)
    settings = get_settings(retries=3, socket_timeout=5)
    media = savevid.resolve(url, settings)
    assert len(page.times) == 4
    assert all(1.0 <= gap < 2.5 for gap in page.gaps), page.gaps  # Retry-After: 1, not backoff alone
    result = savevid.download(media, Choice(), tmp_path, settings=settings)
    assert probe(result.path).has_video_and_audio


def test_a_busy_direct_link_is_asked_again(origin: Origin, tmp_path: Path) -> None:
    clip = FaultyFile((origin.server.media / "progressive.mp4").read_bytes(), "503", faulty=range(3))
    url = origin.route("/clip.mp4", clip)
    settings = get_settings(retries=3, socket_timeout=5)
    started = time.monotonic()
    media = savevid.resolve(url, settings)
    assert time.monotonic() - started >= 1.0  # at least one wait of Retry-After: 1
    asked = [when for when, path in origin.server.timeline if path == "/clip.mp4"]
    assert len(asked) >= 4 and all(b - a < 2.5 for a, b in pairwise(asked)), asked
    result = savevid.download(media, Choice(), tmp_path, settings=settings)
    assert probe(result.path).has_video_and_audio


def test_a_busy_direct_link_costs_the_site_one_request_a_round(origin: Origin) -> None:
    """The probe's busy answer is waited for as it asks, not asked again at once by yt-dlp's own GET."""
    clip = FaultyFile((origin.server.media / "progressive.mp4").read_bytes(), "503", faulty=range(2))
    url = origin.route("/clip.mp4", clip)
    savevid.resolve(url, get_settings(retries=3, socket_timeout=5))
    asked = [when for when, path in origin.server.timeline if path == "/clip.mp4"]
    assert len(asked) == 3, asked  # two busy answers, then the probe that describes the file
    assert all(b - a >= 0.9 for a, b in pairwise(asked)), asked  # each after a wait of Retry-After: 1


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [(503, ErrorCode.NETWORK, "HTTP 503"), (429, ErrorCode.RATE_LIMITED, "429")],
)
def test_a_site_that_stays_busy_gives_a_clear_error_in_bounded_time(
    origin: Origin, status: int, code: ErrorCode, words: str
) -> None:
    url, page = busy_page(origin, status, busy=1000)
    started = time.monotonic()
    with pytest.raises(SavevidError) as caught:
        savevid.resolve(url, get_settings(retries=2, socket_timeout=5))
    assert time.monotonic() - started < 6  # two waits of Retry-After: 1
    assert len(page.times) == 3  # the first answer and two retries
    assert caught.value.code is code and words in caught.value.message
    assert "Check the connection" not in str(caught.value)  # a busy site, not a broken connection


def test_resolving_retries_a_busy_site_at_most_three_times(origin: Origin) -> None:
    url, page = busy_page(origin, 503, busy=1000, retry_after="0")
    with pytest.raises(SavevidError):
        savevid.resolve(url, get_settings(retries=10, socket_timeout=5))
    assert len(page.times) == 4  # someone waits for the answer: not the ten a download may take


def test_retries_inside_yt_dlp_count_against_the_same_bound(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YouTube's clip extractor retries a failed page itself; resolving does not multiply that."""
    map_hosts(monkeypatch, ["youtube.com"], origin.server.server_address[1])
    page = BusyPage(pages.OPEN_GRAPH, 503, busy=1000, retry_after="0")
    origin.route("/clip/UgySampleClip", page)
    settings = get_settings(retries=10, socket_timeout=5)
    with pytest.raises(SavevidError) as caught:
        savevid.resolve("http://www.youtube.com/clip/UgySampleClip", settings)
    assert caught.value.code is ErrorCode.NETWORK and "HTTP 503" in caught.value.message
    assert len(page.times) == 4  # yt-dlp's first try and its three retries; not four times that


def test_other_errors_are_not_retried(origin: Origin) -> None:
    url, page = busy_page(origin, 404, busy=1000)
    with pytest.raises(SavevidError) as caught:
        savevid.resolve(url, get_settings(retries=3, socket_timeout=5))
    assert caught.value.code is ErrorCode.NOT_FOUND and len(page.times) == 1


def test_a_cancel_during_the_wait_stops_at_once(origin: Origin) -> None:
    url, page = busy_page(origin, 503, busy=1000, retry_after="20")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(SavevidError) as caught:
        savevid.resolve(url, get_settings(retries=3, socket_timeout=5), cancel=cancel)
    assert caught.value.code is ErrorCode.CANCELLED
    assert time.monotonic() - started < 3  # not the 20 s the site asked for
    assert len(page.times) == 1


@pytest.mark.parametrize("item", [None, 1], ids=["link", "playlist item"])
def test_cancelling_a_job_ends_its_wait_for_a_busy_site(
    tmp_path: Path, origin: Origin, item: int | None
) -> None:
    url, page = busy_page(origin, 503, busy=1000, retry_after="20")
    body = {"url": url} if item is None else {"url": feed(origin, url), "items": [item]}
    settings = get_settings(data_dir=tmp_path / "data", retries=3, socket_timeout=5,
                            allow_private=f"127.0.0.1:{origin.server.server_address[1]}")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        reply = client.post("/api/downloads", json=body).json()
        job = reply if item is None else reply["jobs"][0]
        while not page.times:  # the site said to come back in 20 s
            time.sleep(0.05)
        started = time.monotonic()
        reply = client.delete(f"/api/downloads/{job['id']}")
        assert reply.json()["state"] == "cancelled"
        assert time.monotonic() - started < 3  # not the 20 s the site asked for
    assert len(page.times) == 1

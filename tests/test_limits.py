"""Per-client limits: requests per minute, downloads at once, and who the client is."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from savevid.config import get_settings
from savevid.web.app import create_app
from savevid.web.limits import RateLimiter, TooManyRequests, client_key


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers, "method": "GET",
                    "path": "/", "query_string": b""})  # fmt: skip


def test_ipv6_clients_count_per_64() -> None:
    assert client_key(request_from("2001:db8:1:2::5")) == client_key(request_from("2001:db8:1:2:ffff::9"))
    assert client_key(request_from("2001:db8:1:2::5")) != client_key(request_from("2001:db8:1:3::5"))
    assert client_key(request_from("203.0.113.7")) == "203.0.113.7"


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    spoofed = request_from("203.0.113.7", forwarded="1.2.3.4")
    assert client_key(spoofed) == "203.0.113.7"
    via_proxy = request_from("10.0.0.2", forwarded="1.2.3.4, 198.51.100.9")
    assert client_key(via_proxy, ["10.0.0.2"]) == "198.51.100.9"


def test_the_bucket_refills_over_time() -> None:
    limiter = RateLimiter(per_minute=2)
    limiter.check("a", now=0)
    limiter.check("a", now=0)
    with pytest.raises(TooManyRequests) as caught:
        limiter.check("a", now=1)
    assert caught.value.retry_after == 29
    limiter.check("b", now=1)  # others are not affected
    limiter.check("a", now=31)


def test_too_many_requests_get_429_with_retry_after(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, requests_per_minute=3)
    with TestClient(create_app(settings)) as client:
        replies = [client.post("/api/info", json={"url": "not a link"}) for _ in range(4)]
    assert [r.status_code for r in replies] == [400, 400, 400, 429]
    assert replies[-1].json()["code"] == "too_many_requests"
    assert int(replies[-1].headers["retry-after"]) > 0


def test_downloads_under_way_per_client_are_capped(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, jobs_per_client=2, workers=1)
    with TestClient(create_app(settings)) as client:
        client.app.state.queue.stop()  # nothing runs: every job stays queued
        body = {"url": "https://example.com/v.mp4"}
        links = ["https://example.com/v.mp4", "https://example.com/w.mp4", "https://example.com/x.mp4"]
        codes = [client.post("/api/downloads", json={"url": link}).status_code for link in links]
        assert codes == [202, 202, 429]
        too_many = client.post("/api/downloads", json={**body, "items": [1, 2]})
        assert too_many.status_code == 429 and "2 downloads" in too_many.json()["message"]
        assert too_many.json()["code"] == "too_many_downloads"

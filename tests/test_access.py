"""API keys, whose downloads a caller sees, and CORS: against the real app."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from savevid.config import get_settings
from savevid.web.access import find_key, parse_keys
from savevid.web.app import create_app

SECRET = "s3cret-for-the-robot"
OTHER = "another-secret-value"


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[TestClient]:
    """A server that needs a key: robot may ask twice a minute, family as the server allows."""
    settings = get_settings(data_dir=tmp_path, auth_required=True, requests_per_minute=100,
                            api_keys=f"robot:{SECRET}:2, family:{OTHER}")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        client.app.state.queue.stop()  # nothing runs: jobs stay queued
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_keys_are_parsed_and_matched() -> None:
    keys = parse_keys(f"robot:{SECRET}:2, family:{OTHER}")
    assert [(k.name, k.per_minute) for k in keys] == [("robot", 2), ("family", None)]
    assert find_key(keys, OTHER) is keys[1]
    assert find_key(keys, SECRET[:-1]) is None and find_key(keys, "") is None
    assert SECRET not in repr(keys)  # only digests are kept


@pytest.mark.parametrize(
    ("text", "complaint"),
    [("robot:short", "at least 16"), (f":{SECRET}", "needs a name"), (f"a b:{SECRET}", "needs a name"),
     (f"robot:{SECRET}:many", "whole number"), (f"a:{SECRET},a:{OTHER}", "used twice")],
)  # fmt: skip
def test_bad_keys_are_refused_with_a_reason(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_keys(text)


def test_a_required_key_is_asked_for(keyed: TestClient) -> None:
    calls = [("POST", "/api/info"), ("POST", "/api/downloads"), ("GET", "/api/downloads"),
             ("GET", "/api/downloads/0123abcd"), ("DELETE", "/api/downloads/0123abcd")]  # fmt: skip
    for method, path in calls:
        reply = keyed.request(method, path, json={"url": "https://example.com/v.mp4"})
        assert reply.status_code == 401, path
        assert reply.json()["code"] == "unauthorized"
    assert keyed.get("/api/sites").status_code == 200  # what the server offers is public
    assert keyed.get("/").status_code == 200  # the page, so that it can ask for the key


def test_a_key_opens_the_api_and_a_wrong_one_never_does(keyed: TestClient) -> None:
    body = {"url": "https://example.com/v.mp4"}
    assert keyed.post("/api/downloads", json=body, headers=bearer(OTHER)).status_code == 202
    wrong = keyed.post("/api/downloads", json=body, headers=bearer(OTHER + "x"))
    assert wrong.status_code == 401 and "not valid" in wrong.json()["message"]
    assert wrong.json()["code"] == "invalid_key"
    assert OTHER not in wrong.text


def test_each_key_has_its_own_limit(keyed: TestClient) -> None:
    bad = {"url": "not a link"}
    robot = [keyed.post("/api/info", json=bad, headers=bearer(SECRET)).status_code for _ in range(3)]
    assert robot == [400, 400, 429]
    family = [keyed.post("/api/info", json=bad, headers=bearer(OTHER)).status_code for _ in range(3)]
    assert family == [400, 400, 400]


def test_the_page_keeps_the_key_in_an_http_only_cookie(keyed: TestClient) -> None:
    refused = keyed.post("/api/session", json={"key": "guess-guess-guess"})
    assert refused.status_code == 401 and "savevid_key" not in refused.headers.get("set-cookie", "")
    opened = keyed.post("/api/session", json={"key": OTHER})
    assert opened.status_code == 204
    cookie = opened.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert keyed.get("/api/downloads").status_code == 200  # the cookie goes along
    assert keyed.delete("/api/session").status_code == 204
    assert keyed.get("/api/downloads").status_code == 401


def test_guessing_keys_is_rate_limited(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, requests_per_minute=5, api_keys=f"robot:{SECRET}")
    with TestClient(create_app(settings)) as client:
        codes = [client.post("/api/session", json={"key": f"guess-{n:012}"}).status_code for n in range(6)]
    assert codes == [401] * 5 + [429]


ROUTES = [("POST", "/api/info"), ("POST", "/api/downloads"), ("GET", "/api/downloads"),
          ("GET", "/api/downloads/0123abcd"), ("GET", "/api/downloads/0123abcd/file"),
          ("GET", "/api/downloads/0123abcd/events"), ("DELETE", "/api/downloads/0123abcd"),
          ("GET", "/api/events")]  # fmt: skip


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[TestClient]:
    """A server whose addresses may ask 10 times a minute; robot's key twice a minute."""
    settings = get_settings(data_dir=tmp_path, requests_per_minute=10, api_keys=f"robot:{SECRET}:2")
    with TestClient(create_app(settings)) as client:
        client.app.state.queue.stop()
        yield client


def guess(client: TestClient, method: str, path: str, n: int) -> Response:
    body = {"url": "not a link"} if method == "POST" else None
    return client.request(method, path, json=body, headers=bearer(f"guess-{n:012}"))


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_wrong_keys_spend_the_address_rate_on_every_route(
    guarded: TestClient, method: str, path: str
) -> None:
    replies = [guess(guarded, method, path, n) for n in range(40)]
    codes = [reply.status_code for reply in replies]
    assert codes[:10] == [401] * 10 and codes[10:20] == [429] * 10, codes
    assert replies[10].json()["code"] == "too_many_requests" and int(replies[10].headers["retry-after"]) > 0


def test_an_address_past_its_rate_has_no_key_tried(guarded: TestClient) -> None:
    """All routes share the address's budget; past it even the right key gets 429, so a right guess
    cannot be told from a wrong one. A right key is not charged to the address: it has its own rate."""
    assert [guess(guarded, *ROUTES[n % len(ROUTES)], n).status_code for n in range(9)] == [401] * 9
    robot = [guarded.post("/api/info", json={"url": "not a link"}, headers=bearer(SECRET)).status_code
             for _ in range(3)]  # fmt: skip
    assert robot == [400, 400, 429]  # its own two a minute, and not one of the address's
    assert guess(guarded, "GET", "/api/downloads", 9).status_code == 401  # the address's tenth
    assert guess(guarded, "GET", "/api/downloads", 10).status_code == 429
    assert guarded.get("/api/downloads", headers=bearer(SECRET)).status_code == 429
    assert guarded.post("/api/session", json={"key": SECRET}).status_code == 429


def test_secrets_are_never_logged_or_shown(keyed: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    keyed.post("/api/info", json={"url": "not a link"}, headers=bearer(SECRET))
    keyed.post("/api/info", json={"url": "not a link"}, headers=bearer(SECRET + "x"))
    settings = keyed.app.state.settings
    assert SECRET not in caplog.text
    assert SECRET not in repr(settings) and SECRET not in settings.model_dump_json()


def test_each_browser_sees_only_its_own_downloads(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path)
    app = create_app(settings)
    with TestClient(app) as first, TestClient(app) as second:
        app.state.queue.stop()
        first.get("/"), second.get("/")  # the page gives each browser its own name
        mine = first.post("/api/downloads", json={"url": "https://example.com/a.mp4"}).json()
        theirs = second.post("/api/downloads", json={"url": "https://example.com/b.mp4"}).json()
        assert [j["id"] for j in first.get("/api/downloads").json()] == [mine["id"]]
        assert [j["id"] for j in second.get("/api/downloads").json()] == [theirs["id"]]
        assert "client" not in mine and "owner" not in mine  # who asked is not shown
        assert len(mine["id"]) == 32  # 128 random bits: knowing the id is what opens a download


def test_the_page_names_a_browser_with_a_lax_cookie_wherever_it_comes_from(tmp_path: Path) -> None:
    """The owner cookie goes along on a link from another site (SameSite=Lax), so even a first visit
    that arrives that way is given one; a browser that has one keeps it."""
    with TestClient(create_app(get_settings(data_dir=tmp_path))) as client:
        for arrival in ("cross-site", "same-origin", "none"):
            client.cookies.clear()
            page = client.get("/?url=https://example.com/v", headers={"Sec-Fetch-Site": arrival})
            cookie = page.headers["set-cookie"].lower()
            assert cookie.startswith("savevid_owner="), arrival
            assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=31536000" in cookie
        assert "set-cookie" not in client.get("/", headers={"Sec-Fetch-Site": "cross-site"}).headers


def test_cors_is_closed_unless_origins_are_listed(tmp_path: Path) -> None:
    preflight = {"Origin": "https://friend.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    with TestClient(create_app(get_settings(data_dir=tmp_path / "a"))) as closed:
        reply = closed.get("/api/sites", headers={"Origin": "https://friend.example"})
        assert "access-control-allow-origin" not in reply.headers
    settings = get_settings(data_dir=tmp_path / "b", cors_origins=["https://friend.example"])
    with TestClient(create_app(settings)) as open_:
        allowed = open_.options("/api/info", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://friend.example"
        stranger = open_.options("/api/info", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [("SAVEVID_API_KEYS", "robot:short", "at least 16"),
     ("SAVEVID_ALLOW_PRIVATE", "not a network/99", "not a host name")],
)  # fmt: skip
def test_serve_refuses_bad_settings_plainly(tmp_path: Path, name: str, value: str, complaint: str) -> None:
    env = {name: value, "SAVEVID_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "savevid", "serve", "--port", "1"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert name in done.stderr and complaint in done.stderr
    assert "Traceback" not in done.stderr

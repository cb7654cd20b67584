"""Network rules: a server fetches only public addresses on web ports, at every hop."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import savevid
from savevid.config import get_settings
from savevid.safety import network
from savevid.safety.addresses import Exemption
from savevid.safety.network import NetworkPolicy
from savevid.web.app import create_app
from support import pages
from support.origin import Origin, Reply


def port_of(origin: Origin) -> int:
    return int(origin.server.server_address[1])


def test_policy_allows_public_web_ports_and_exemptions() -> None:
    policy = NetworkPolicy((Exemption(network=ipaddress.ip_network("10.0.0.5/32"), port=8096),
                            Exemption(host="media.lan")))  # fmt: skip
    assert policy.allows("example.com", "93.184.216.34", 443)
    assert not policy.allows("example.com", "93.184.216.34", 8080)  # odd port
    assert not policy.allows("example.com", "10.0.0.5", 443)  # private
    assert policy.allows("x", "10.0.0.5", 8096)  # an exemption with a port opens that port
    assert policy.allows("media.lan", "192.168.1.9", 80)
    assert not policy.allows("media.lan", "192.168.1.9", 8080)


def test_a_host_is_judged_by_what_it_means_not_how_it_is_written() -> None:
    policy = NetworkPolicy((Exemption(host="media.localhost", port=8096),))
    for notation in ("LOCALHOST.", "app.localhost", "127.0.0.1.", "[::1]"):
        with pytest.raises(network.BlockedDestination):
            policy.resolve(notation, 80)
    allowed = policy.resolve("Media.LOCALHOST.", 8096)  # the exemption, in another notation
    assert [info[4][0] for info in allowed] == ["127.0.0.1", "::1"]


@pytest.fixture
def second_origin(media_dir: Path) -> Iterator[Origin]:
    server = Origin(media_dir).start()
    yield server
    server.stop()


def guarded_client(tmp_path: Path, allow: str = "") -> TestClient:
    return TestClient(create_app(get_settings(data_dir=tmp_path / "data", allow_private=allow,
                                              retries=1, socket_timeout=5)))  # fmt: skip


def wait_final(client: TestClient, job_id: str) -> dict[str, object]:
    for _ in range(300):
        job = client.get(f"/api/downloads/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(job)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_the_server_refuses_its_own_network(
    tmp_path: Path, origin: Origin, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://{host}:{port_of(origin)}/media/progressive.mp4"
    with caplog.at_level(logging.INFO, logger="savevid"), guarded_client(tmp_path) as client:
        reply = client.post("/api/info", json={"url": url})
    assert reply.status_code == 422
    assert reply.json()["code"] == "blocked_address"
    # The visitor is told what happened in plain words; the setting and the address are the operator's.
    assert "private or local network" in reply.json()["message"]
    assert "SAVEVID_" not in reply.text and str(port_of(origin)) not in reply.text
    [record] = [r for r in caplog.records if "SAVEVID_ALLOW_PRIVATE" in r.getMessage()]
    assert record.levelno == logging.WARNING and record.exc_info is None
    for part in (host.strip("[]"), f":{port_of(origin)}", "/api/info"):
        assert part in record.getMessage(), record.getMessage()
    assert origin.server.hits == []  # not a single request reached it


def test_a_redirect_into_the_private_network_is_refused_at_the_hop(
    tmp_path: Path, origin: Origin, second_origin: Origin
) -> None:
    target = second_origin.page("/admin", pages.OPEN_GRAPH)
    start = origin.route("/go", lambda _: Reply(302, headers={"Location": target}))
    with guarded_client(tmp_path, allow=f"127.0.0.1:{port_of(origin)}") as client:
        reply = client.post("/api/info", json={"url": start})
    assert reply.json()["code"] == "blocked_address"
    assert origin.server.hits == ["/go"] and second_origin.server.hits == []


def test_media_on_a_private_address_is_refused_for_the_download_too(
    tmp_path: Path, origin: Origin, second_origin: Origin, caplog: pytest.LogCaptureFixture
) -> None:
    page = pages.OPEN_GRAPH.replace("{base}", second_origin.base)
    url = origin.page("/watch", page)
    with (
        caplog.at_level(logging.INFO, logger="savevid"),
        guarded_client(tmp_path, allow=f"127.0.0.1:{port_of(origin)}") as client,
    ):
        job = client.post("/api/downloads", json={"url": url}).json()
        done = wait_final(client, str(job["id"]))
    assert done["state"] == "failed" and done["error_code"] == "blocked_address"
    assert "private or local network" in str(done["error_message"]) and "SAVEVID_" not in str(done)
    logged = [r.getMessage() for r in caplog.records if "SAVEVID_ALLOW_PRIVATE" in r.getMessage()]
    assert logged and f"job {job['id']}" in logged[0] and f":{port_of(second_origin)}" in logged[0], logged
    assert second_origin.server.hits == []


def test_the_rules_end_with_the_server(tmp_path: Path, origin: Origin) -> None:
    with guarded_client(tmp_path):
        assert network.active_policy() is not None
    assert network.active_policy() is None
    assert savevid.resolve(origin.url("/media/progressive.mp4")).title == "progressive"


def test_the_command_line_can_ask_for_the_rules(cli, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    run = cli("info", "--safe-network", origin.url("/media/progressive.mp4"))
    assert run.code == 1
    assert "error: " in run.stderr and "not a public address" in run.stderr
    assert "SAVEVID_ALLOW_PRIVATE" in run.stderr  # the one running it is the one who can allow it
    assert origin.server.hits == []


def test_under_the_rules_only_guarded_request_handlers_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler that opens sockets where the rules cannot see (curl_cffi does, in C) is left out."""
    from yt_dlp.networking import common
    from yt_dlp.networking.common import RequestHandler

    from savevid.resolve.ydl import open_ydl

    class Unguarded(RequestHandler):  # type: ignore[misc]
        RH_KEY = "Unguarded"
        RH_NAME = "unguarded"

        def _send(self, request: object) -> None:
            raise AssertionError("never used")

    monkeypatch.setitem(common._REQUEST_HANDLERS, "Unguarded", Unguarded)
    with open_ydl(get_settings()) as ydl:
        assert "Unguarded" in ydl._request_director.handlers  # no rules: as yt-dlp would
    network.install(NetworkPolicy())
    try:
        with open_ydl(get_settings()) as ydl:
            assert set(ydl._request_director.handlers) <= network.GUARDED_HANDLERS
            assert "Requests" in ydl._request_director.handlers
    finally:
        network.uninstall()

"""The server under attack: every way a stranger's link could reach inside, or trick ffmpeg.

Two local origins play the roles: ``origin`` is a site the server may fetch (let through by its
port), ``inside`` stands for the server's private network. Each attack asserts that ``inside``
saw no request at all, and that the person got a clear error.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.web.app import create_app
from support import pages
from support.origin import Origin, Reply
from support.server import running


@pytest.fixture
def inside(media_dir: Path) -> Iterator[Origin]:
    server = Origin(media_dir).start()
    yield server
    server.stop()


@pytest.fixture
def server(tmp_path: Path, origin: Origin) -> Iterator[TestClient]:
    allow = f"127.0.0.1:{origin.server.server_address[1]}"
    settings = get_settings(data_dir=tmp_path / "data", allow_private=allow, retries=1, fragment_retries=1,
                            socket_timeout=5, requests_per_minute=0)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield client


def run_job(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    job = client.post("/api/downloads", json=body).json()
    for _ in range(300):
        view: dict[str, Any] = client.get(f"/api/downloads/{job['id']}").json()
        if view["state"] in ("done", "failed", "cancelled"):
            return view
        time.sleep(0.1)
    raise AssertionError(view)


def port_of(origin: Origin) -> int:
    return int(origin.server.server_address[1])


# This machine in every notation a link may use; each must be refused as such, not as "not found".
INSIDE_NOTATIONS = [
    "http://127.1", "http://2130706433", "http://0x7f000001", "http://0x7f.1", "http://0177.0.0.1",
    "http://127.000.000.001", "http://0.0.0.0", "http://127.0.0.1.", "http://１２７.０.０.１",
    "http://[::1]", "http://[0:0:0:0:0:0:0:1]", "http://[::ffff:127.0.0.1]", "http://[::ffff:7f00:1]",
    "http://localhost", "http://LOCALHOST", "http://LocalHost", "http://localhost.", "HTTP://LOCALHOST.",
    "HtTp://localhost", "HTTP://127.0.0.1", "http://app.localhost", "http://APP.LOCALHOST.",
]  # fmt: skip


@pytest.mark.parametrize("notation", INSIDE_NOTATIONS)
def test_the_inside_in_every_notation_is_refused(server: TestClient, inside: Origin, notation: str) -> None:
    url = f"{notation}:{port_of(inside)}/media/progressive.mp4"
    reply = server.post("/api/info", json={"url": url})
    assert reply.status_code == 422 and reply.json()["code"] == "blocked_address", reply.text
    done = run_job(server, {"url": url})
    assert done["state"] == "failed" and done["error_code"] == "blocked_address", done
    assert inside.server.hits == []


@pytest.mark.parametrize("address", ["127.0.0.1", "::ffff:127.0.0.1"])
def test_a_name_that_resolves_inside_is_refused(
    server: TestClient, inside: Origin, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    """A public-looking name whose DNS answer is private (or rebinds to it) never gets a connection."""
    real = socket.getaddrinfo
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sockaddr = (address, port_of(inside), 0, 0) if family == socket.AF_INET6 else (address, port_of(inside))

    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith("videos.example.com"):
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    reply = server.post("/api/info", json={"url": "http://videos.example.com/watch/1"})
    assert reply.json()["code"] == "blocked_address", reply.text
    assert inside.server.hits == []


def hls_pointing_inside(media_dir: Path, inside: Origin, what: str) -> str:
    text = (media_dir / "hls_aes" / "index.m3u8").read_text()
    if what == "key":
        return text.replace('URI="key.bin"', f'URI="{inside.url("/media/hls_aes/key.bin")}"')
    return text.replace("seg1.ts", inside.url("/media/hls_aes/seg1.ts"))


@pytest.mark.parametrize("what", ["key", "segment"])
def test_hls_keys_and_segments_inside_are_refused(
    server: TestClient, origin: Origin, inside: Origin, media_dir: Path, what: str
) -> None:
    playlist = hls_pointing_inside(media_dir, inside, what).encode()
    headers = {"Content-Type": "application/vnd.apple.mpegurl"}
    url = origin.route("/media/hls_aes/evil.m3u8", lambda _: Reply(200, playlist, headers))
    done = run_job(server, {"url": url})
    assert done["state"] == "failed" and done["error_code"] == "blocked_address", done
    assert inside.server.hits == []


def test_dash_segments_inside_are_refused(
    server: TestClient, origin: Origin, inside: Origin, media_dir: Path
) -> None:
    manifest = (media_dir / "dash" / "manifest.mpd").read_text()
    manifest = manifest.replace("<Period ", f"<BaseURL>{inside.url('/media/dash/')}</BaseURL>\n<Period ", 1)
    headers = {"Content-Type": "application/dash+xml"}
    url = origin.route("/media/dash/evil.mpd", lambda _: Reply(200, manifest.encode(), headers))
    done = run_job(server, {"url": url})
    assert done["state"] == "failed" and done["error_code"] == "blocked_address", done
    assert inside.server.hits == []


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE MPD [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"><Period><BaseURL>&d;</BaseURL></Period></MPD>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE MPD [<!ENTITY secret SYSTEM "{inside}/secret">]>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"><Period><BaseURL>&secret;</BaseURL></Period></MPD>"""


ENDLESS = """<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S"><Period>
<AdaptationSet mimeType="video/mp4"><Representation id="v" bandwidth="1000" width="640" height="360">
<SegmentTemplate timescale="1000" media="{inside}/seg-$Time$.m4s" initialization="{inside}/init.m4s">
<SegmentTimeline><S t="0" d="1" r="500000000"/></SegmentTimeline></SegmentTemplate>
</Representation></AdaptationSet></Period></MPD>"""


@pytest.mark.parametrize(("document", "reason"), [(LAUGHS, "entities"), (EXTERNAL, "entities"),
                                                   (ENDLESS, "segments")])  # fmt: skip
def test_hostile_manifests_are_refused_before_they_are_expanded(
    server: TestClient, origin: Origin, inside: Origin, document: str, reason: str
) -> None:
    body = document.replace("{inside}", inside.base).encode()
    url = origin.route(
        "/media/evil.mpd", lambda _: Reply(200, body, {"Content-Type": "application/dash+xml"})
    )
    started = time.monotonic()
    reply = server.post("/api/info", json={"url": url})
    assert reply.status_code == 422, reply.text
    assert reason in reply.json()["message"]
    assert inside.server.hits == []
    assert time.monotonic() - started < 5  # refused at once, not after building a huge list


def test_a_video_that_is_a_playlist_never_reaches_ffmpeg(
    server: TestClient, origin: Origin, inside: Origin
) -> None:
    """ffmpeg picks its reader from the bytes: an HLS playlist saved as .mp4 would make it fetch the
    inside. The file is refused before ffmpeg (here: converting to mp3) ever sees it."""
    trick = f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{inside.url('/media/hls_ts/360p/seg0.ts')}\n"
    headers = {"Content-Type": "video/mp4"}
    url = origin.route("/media/trick.mp4", lambda _: Reply(200, trick.encode(), headers))
    done = run_job(server, {"url": url, "audio_only": True})
    assert done["state"] == "failed" and "playlist" in done["error_message"], done
    assert inside.server.hits == []


def test_a_concat_list_never_reaches_ffmpeg(server: TestClient, origin: Origin) -> None:
    trick = b"ffconcat version 1.0\nfile '/etc/passwd'\n"
    url = origin.route("/media/list.mp4", lambda _: Reply(200, trick, {"Content-Type": "video/mp4"}))
    done = run_job(server, {"url": url})
    assert done["state"] == "failed" and done["error_code"] == "processing_failed", done
    assert not done["filename"]


def test_hostile_titles_cannot_leave_the_job_folder_or_split_headers(
    server: TestClient, origin: Origin, tmp_path: Path
) -> None:
    title = "../../../etc/cron.d/x\r\nSet-Cookie: stolen=1\u202egpj.exe"
    page = pages.OPEN_GRAPH.replace("Open/Graph: a clip? | part 1", title)
    done = run_job(server, {"url": origin.page("/watch/evil", page)})
    assert done["state"] == "done", done
    files = [p for p in (tmp_path / "data" / "files").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].parent.parent == tmp_path / "data" / "files"
    assert "/" not in done["filename"] and "\u202e" not in done["filename"] and "\r" not in done["filename"]
    reply = server.get(f"/api/downloads/{done['id']}/file")
    assert "set-cookie" not in reply.headers
    assert reply.headers["content-type"] == "application/octet-stream"
    assert reply.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"content": b'{"url": "' + b"a" * 70_000 + b'"}'}, 413),  # body
        ({"json": {"url": "https://example.com/" + "a" * 5000}}, 400),  # URL length
        ({"content": b"[" * 5000 + b"]" * 5000}, 400),  # nesting
        ({"json": {"url": "https://example.com/v", "items": list(range(1, 2000))}}, 400),  # too many items
    ],
)
def test_oversized_requests_are_refused_before_work(
    server: TestClient, request_kwargs: dict[str, Any], status: int
) -> None:
    reply = server.post("/api/downloads", headers={"Content-Type": "application/json"}, **request_kwargs)
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] in ("request_too_large", "bad_request")


def test_oversized_headers_are_refused_by_the_server(tmp_path: Path) -> None:
    with (
        running(get_settings(data_dir=tmp_path)) as base,
        socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        answer = sock.recv(200)
    assert answer.split(b" ")[1] in (b"400", b"413", b"431"), answer


def test_streams_only_ffmpeg_could_fetch_are_refused(
    server: TestClient, origin: Origin, inside: Origin
) -> None:
    """yt-dlp hands some streams (SAMPLE-AES, live) to ffmpeg, whose sockets the network rules
    cannot see: a server refuses them instead of letting ffmpeg connect wherever they say."""
    segments = "".join(f"#EXTINF:1,\n{inside.url(f'/media/hls_ts/360p/seg{n}.ts')}\n" for n in range(3))
    playlist = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="' + inside.url("/key") + '"\n' + segments + "#EXT-X-ENDLIST\n"
    )
    headers = {"Content-Type": "application/vnd.apple.mpegurl"}
    url = origin.route("/media/sample-aes.m3u8", lambda _: Reply(200, playlist.encode(), headers))
    done = run_job(server, {"url": url})
    assert done["state"] == "failed" and done["error_code"] == "unsupported_url", done
    assert "ffmpeg" in done["error_message"]
    assert inside.server.hits == []

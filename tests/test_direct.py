"""Direct links to a media file: one small probe, then the file's bytes cross the network once."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import savevid
from savevid.config import get_settings
from savevid.resolve.direct import extract_direct
from savevid.resolve.ydl import open_ydl
from savevid.web.app import create_app
from support import pages
from support.faults import FaultyFile
from support.origin import Origin, Reply
from support.probe import probe

# Requests and their headers, and the 1 kB a probe reads: what a download may add to the file.
OVERHEAD = 8 * 1024


def padded(clip: bytes, size: int) -> bytes:
    """clip followed by an MP4 'free' box up to size: a larger file that is still the same media."""
    box = size - len(clip)
    return clip + struct.pack(">I", box) + b"free" + bytes(box - 8)


@pytest.fixture
def links(origin: Origin, media_dir: Path) -> dict[str, tuple[str, int]]:
    """Direct links by name: the sample clip as a static file, and a 12 MB file."""
    clip = media_dir / "progressive.mp4"
    big = padded(clip.read_bytes(), 12_000_000)
    origin.route("/files/big.mp4", FaultyFile(big))
    return {"clip": ("/media/progressive.mp4", clip.stat().st_size), "big": ("/files/big.mp4", len(big))}


def wait_final(client: TestClient, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/downloads/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(job)


@pytest.mark.parametrize("name", ["clip", "big"])
def test_the_command_line_fetches_a_direct_link_once(
    cli, origin: Origin, links: dict[str, tuple[str, int]], tmp_path: Path, name: str
) -> None:  # type: ignore[no-untyped-def]
    path, size = links[name]
    run = cli("download", "-o", str(tmp_path / "out"), origin.url(path))
    assert run.code == 0, run.stderr
    [file] = (tmp_path / "out").iterdir()
    assert file.stat().st_size == size and probe(file).has_video_and_audio
    sent = origin.sent(path)
    print(f"cli {name}: {size} bytes, origin sent {sent}")
    assert size <= sent <= size + OVERHEAD


@pytest.mark.parametrize("name", ["clip", "big"])
def test_an_api_job_fetches_a_direct_link_once(
    origin: Origin, links: dict[str, tuple[str, int]], tmp_path: Path, name: str
) -> None:
    path, size = links[name]
    settings = get_settings(data_dir=tmp_path / "data", retries=1, socket_timeout=5,
                            allow_private=f"127.0.0.1:{origin.server.server_address[1]}")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        job = client.post("/api/downloads", json={"url": origin.url(path)}).json()
        done = wait_final(client, str(job["id"]))
        assert done["state"] == "done", done
        sent = origin.sent(path)
    print(f"api {name}: {size} bytes, origin sent {sent}")
    assert size <= sent <= size + OVERHEAD


def generic_and_probed(url: str) -> tuple[dict[str, object], dict[str, object]]:
    """What yt-dlp's generic extractor makes of url, and what the probe makes of it."""
    with open_ydl(get_settings()) as ydl:
        generic = ydl.sanitize_info(ydl.extract_info(url, download=False, ie_key="Generic"))
    with open_ydl(get_settings()) as ydl:
        probed = ydl.sanitize_info(extract_direct(ydl, url))
    return generic, probed


def comparable(info: dict[str, object]) -> dict[str, object]:
    """info without the sizes (only the probe knows them) and the second it was made at."""
    left_out = ("filesize", "filesize_approx", "epoch")
    formats = [{k: v for k, v in f.items() if k not in left_out} for f in info.get("formats") or []]  # type: ignore[attr-defined]
    return {**{k: v for k, v in info.items() if k not in left_out}, "formats": formats}


def test_the_probe_describes_a_link_as_yt_dlp_does(origin: Origin, media_dir: Path) -> None:
    clip = (media_dir / "progressive.mp4").read_bytes()
    vague = FaultyFile(clip)  # a CDN that calls everything a byte stream, with a date
    vague.headers = {
        "Content-Type": "application/octet-stream",
        "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT",
    }
    origin.route("/files/my%20clip.mp4", vague)
    origin.route(
        "/go/latest.mp4", lambda _: Reply(302, headers={"Location": origin.url("/media/audio-only.m4a")})
    )
    sizes = {"/media/progressive.mp4": len(clip), "/files/my%20clip.mp4": len(clip),
             "/go/latest.mp4": (media_dir / "audio-only.m4a").stat().st_size}  # fmt: skip
    for path, size in sizes.items():
        generic, probed = generic_and_probed(origin.url(path))
        assert comparable(probed) == comparable(generic), path
        assert probed["filesize"] == size and generic.get("filesize") is None
    assert probed["webpage_url"] == origin.url("/media/audio-only.m4a") and probed["vcodec"] == "none"
    assert probed["original_url"] == origin.url("/go/latest.mp4")


def test_what_is_not_plainly_a_media_file_takes_the_usual_path(origin: Origin, media_dir: Path) -> None:
    page = origin.page("/posts/clip.mp4", pages.OPEN_GRAPH)  # a page behind a media file's name
    text = FaultyFile(b"just some text, not a video " * 100)
    text.headers = {"Content-Type": "application/octet-stream"}
    origin.route("/files/notes.mp4", text)
    with open_ydl(get_settings()) as ydl:
        assert extract_direct(ydl, page) is None
        assert extract_direct(ydl, origin.url("/files/notes.mp4")) is None
        assert extract_direct(ydl, origin.url("/media/hls_ts/master.m3u8")) is None
    assert origin.server.hits == ["/posts/clip.mp4", "/files/notes.mp4"]  # a manifest is not probed
    assert savevid.resolve(page).title == "Open/Graph: a clip? | part 1"


def test_a_server_that_refuses_the_probe_still_serves_the_download(
    cli, origin: Origin, media_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    clip = (media_dir / "progressive.mp4").read_bytes()
    url = origin.route("/files/clip.mp4", FaultyFile(clip, "416", range(1)))  # the first request fails
    run = cli("download", "-o", str(tmp_path / "out"), url)
    assert run.code == 0, run.stderr
    [file] = (tmp_path / "out").iterdir()
    assert file.read_bytes() == clip


def test_the_probe_carries_the_cookies(cli, origin: Origin, media_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    video = FaultyFile((media_dir / "progressive.mp4").read_bytes())
    cookies_seen: list[str] = []

    def members(handler) -> Reply | None:  # type: ignore[no-untyped-def]
        cookies_seen.append(handler.headers.get("Cookie") or "")
        return video(handler) if "session=letmein" in cookies_seen[-1] else Reply(403, b"Log in to watch")

    url = origin.route("/members/clip.mp4", members)
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tletmein\n")
    run = cli("download", "--cookies", str(cookies), "-o", str(tmp_path / "out"), url)
    assert run.code == 0, run.stderr
    assert cookies_seen and all("session=letmein" in c for c in cookies_seen)
    assert origin.sent("/members/clip.mp4") <= len(video.data) + OVERHEAD


def test_a_direct_link_that_redirects_inside_is_refused_at_the_hop(
    tmp_path: Path, origin: Origin, media_dir: Path
) -> None:
    inside = Origin(media_dir).start()
    try:
        start = origin.route(
            "/go/clip.mp4", lambda _: Reply(302, headers={"Location": inside.url("/media/progressive.mp4")})
        )
        settings = get_settings(data_dir=tmp_path / "data", retries=1, socket_timeout=5,
                                allow_private=f"127.0.0.1:{origin.server.server_address[1]}")  # fmt: skip
        with TestClient(create_app(settings)) as client:
            reply = client.post("/api/info", json={"url": start})
        assert reply.json()["code"] == "blocked_address", reply.json()
        assert origin.server.hits == ["/go/clip.mp4"] and inside.server.hits == []
    finally:
        inside.stop()

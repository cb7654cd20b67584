"""Sizes on the choices: learnt from the origin for a single file yt-dlp has no size for, at the cost
of one request per file, within a short deadline, and never for a download."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from savevid import service
from savevid.config import Settings, get_settings
from savevid.models import Media
from savevid.resolve.formats import make_selector, offered_options
from savevid.resolve.sizes import DEADLINE, MAX_PARALLEL, learn_sizes
from savevid.resolve.ydl import open_ydl
from support import pages
from support.drips import headers_dripping, silent
from support.origin import Handler, Origin, Reply


def settings() -> Settings:
    return get_settings(retries=1, fragment_retries=1, socket_timeout=5)


def requests_for(origin: Origin, path: str) -> list[str]:
    return [method for method, asked in origin.server.requests if asked == path]


def choice(media: Media, option_id: str) -> dict[str, Any]:
    return next(option.model_dump() for option in media.choices if option.id == option_id)


def test_the_og_progressive_choice_has_its_exact_size_for_one_head(origin: Origin, media_dir: Path) -> None:
    media = service.resolve(origin.page("/watch/og", pages.OPEN_GRAPH), settings())
    best = choice(media, "best")
    assert best["size"] == (media_dir / "progressive.mp4").stat().st_size
    assert best["size_approximate"] is False
    # The one request this adds: the page states no duration, so nothing else gives a size.
    assert requests_for(origin, "/media/progressive.mp4") == ["HEAD"]
    assert origin.server.requests == [("GET", "/watch/og"), ("HEAD", "/media/progressive.mp4")]
    # Audio is converted from that file: its size is not the file's.
    assert choice(media, "audio-mp3")["size"] is None and choice(media, "audio-m4a")["size"] is None


def test_an_origin_that_refuses_head_is_asked_for_one_byte(origin: Origin, media_dir: Path) -> None:
    def no_head(handler: Handler) -> Reply | None:
        if handler.command == "HEAD":
            return Reply(405, b"", {"Allow": "GET"})
        handler._send_file(media_dir / "progressive.mp4", head=False)
        return None

    origin.route("/no-head/clip.mp4", no_head)
    page = pages.OPEN_GRAPH.replace("{base}/media/progressive.mp4", "{base}/no-head/clip.mp4")
    media = service.resolve(origin.page("/watch/no-head", page), settings())
    assert choice(media, "best")["size"] == (media_dir / "progressive.mp4").stat().st_size
    assert requests_for(origin, "/no-head/clip.mp4") == ["HEAD", "GET"]
    assert ("/no-head/clip.mp4", "bytes=0-0") in origin.server.ranges
    assert origin.sent("/no-head/clip.mp4") < 2048  # one byte and headers, not the file


def test_a_slow_origin_costs_the_deadline_at_most(origin: Origin) -> None:
    def slow(handler: Handler) -> Reply:
        time.sleep(DEADLINE + 3)
        return Reply(200, b"", {"Content-Type": "video/mp4"})

    origin.route("/slow/clip.mp4", slow)
    page = pages.OPEN_GRAPH.replace("{base}/media/progressive.mp4", "{base}/slow/clip.mp4")
    url = origin.page("/watch/slow", page)
    started = time.monotonic()
    media = service.resolve(url, settings())
    took = time.monotonic() - started
    assert took < DEADLINE + 1.5, took
    assert choice(media, "best")["size"] is None  # not learnt in time, and nothing to estimate from


def test_a_download_asks_no_sizes(origin: Origin) -> None:
    media = service.resolve(origin.page("/watch/og", pages.OPEN_GRAPH), settings(), choices=False)
    assert media.choices == []
    assert "HEAD" not in [method for method, _ in origin.server.requests]


def test_streams_are_not_asked_for_sizes(origin: Origin) -> None:
    media = service.resolve(origin.url("/media/hls_ts/master.m3u8"), settings())
    assert media.choices and "HEAD" not in [method for method, _ in origin.server.requests]
    assert all(option.size_approximate for option in media.choices if option.size)  # from bitrates


def test_the_json_ld_duration_reaches_the_preview_and_its_estimates(origin: Origin, media_dir: Path) -> None:
    media = service.resolve(origin.page("/watch/ld", pages.JSON_LD), settings())
    assert media.duration == 4.0  # "duration": "PT4S"
    assert choice(media, "best")["size"] == (media_dir / "progressive.mp4").stat().st_size
    assert choice(media, "audio-mp3")["size"] == 4 * 192 * 125  # duration x the MP3 bitrate
    assert requests_for(origin, "/media/progressive.mp4").count("HEAD") == 1


def test_savevid_info_shows_the_learnt_size(origin: Origin, media_dir: Path, cli: Callable[..., Any]) -> None:
    run = cli("info", "--json", origin.page("/watch/og", pages.OPEN_GRAPH))
    assert run.code == 0, run.stderr
    best = next(option for option in json.loads(run.stdout)["choices"] if option["id"] == "best")
    assert best["size"] == (media_dir / "progressive.mp4").stat().st_size


def test_m4a_audio_kept_as_it_is_has_the_files_size_mp3_not(origin: Origin, media_dir: Path) -> None:
    audio = {"format_id": "a", "ext": "m4a", "vcodec": "none", "acodec": "mp4a.40.2", "protocol": "http",
             "url": origin.url("/media/audio-only.m4a")}  # fmt: skip
    with open_ydl(settings()) as ydl:
        select = make_selector(ydl.build_format_selector, [audio])
        options = offered_options([audio], select, None, partial(learn_sizes, ydl))
    sizes = {option.id: (option.size, option.size_approximate) for option in options}
    assert sizes["audio-m4a"] == ((media_dir / "audio-only.m4a").stat().st_size, False)
    assert sizes["audio-mp3"] == (None, True)  # encoded anew: the file's size is not its size
    assert origin.server.requests == [("HEAD", "/media/audio-only.m4a")]
    assert "filesize" not in audio  # yt-dlp's info is left as it was, for the download


def mp4(url: str, n: int) -> dict[str, Any]:
    return {"format_id": str(n), "ext": "mp4", "protocol": "http", "url": url}


@pytest.mark.parametrize("holds", ["silent", "drip"])
def test_requests_still_going_at_the_deadline_are_cut(origin: Origin, media_dir: Path, holds: str) -> None:
    # More files than the pool has threads, on an origin that keeps each request going.
    route = silent if holds == "silent" else headers_dripping(0.2)
    hostile = [mp4(origin.route(f"/held/{n}.mp4", route), n) for n in range(MAX_PARALLEL + 2)]
    with open_ydl(settings()) as ydl:
        started = time.monotonic()
        assert learn_sizes(ydl, hostile) == {}
        assert time.monotonic() - started < DEADLINE + 0.5
        assert origin.closed_within(0.5)  # every connection was closed at the deadline
        # The pool's threads are free: a link asked about right after gets all its sizes.
        files = [mp4(origin.url(f"/media/progressive.mp4?n={n}"), n) for n in range(MAX_PARALLEL)]
        started = time.monotonic()
        sizes = learn_sizes(ydl, files)
        assert time.monotonic() - started < DEADLINE
    assert sizes == {fmt["url"]: (media_dir / "progressive.mp4").stat().st_size for fmt in files}

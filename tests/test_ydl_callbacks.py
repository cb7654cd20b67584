"""Callables savevid hands to yt-dlp, called by yt-dlp itself: its retry loops call the sleep function.

Each test lets a local origin fail once and yt-dlp's own RetryManager retry: in an extractor, in its
HTTP downloader and in its fragment downloader (the fallback for formats the engine leaves to it).
Pages in a site's structure are hand-written here, and the site's host names are mapped to the
origin, which does not speak TLS (hence ``http://`` links).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import savevid
from savevid.config import get_settings
from savevid.errors import ErrorCode, SavevidError
from savevid.models import Choice, Media
from support.faults import FaultyFile
from support.hosts import map_hosts
from support.origin import Handler, Origin, Reply
from support.probe import probe

SETTINGS = get_settings(retries=2, fragment_retries=2, socket_timeout=5)

# Amazon's customer-review page, in the shape yt-dlp's AmazonReviews extractor reads.
AMAZON_REVIEW = """<!doctype html><html><head><title>Amazon.com: Customer reviews</title></head><body>
<a class="a-profile-name">Sample Reviewer</a>
<a data-hook="review-title"><span>Works as described</span></a>
<i data-hook="review-star-rating"><span>4.0 out of 5 stars</span></i>
<div data-hook="review-body"><div class="video-block">
<input type="hidden" value="{base}/media/progressive.mp4" class="video-url">
</div><span>The cable charges fast.</span></div>
</body></html>"""
# What Amazon answers a client it takes for a robot: a page with no review on it.
AMAZON_ROBOT_CHECK = "<!doctype html><html><head><title>Amazon.com</title></head><body>" \
    "<h4>Enter the characters you see below</h4></body></html>"  # fmt: skip


def times_of(origin: Origin, path: str) -> list[float]:
    return [when for when, asked in origin.server.timeline if asked == path]


def test_an_extractor_retry_goes_through_our_sleep_function(
    origin: Origin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    map_hosts(monkeypatch, ["amazon.com"], origin.server.server_address[1])
    answers = [AMAZON_ROBOT_CHECK, AMAZON_REVIEW.replace("{base}", origin.base)]
    origin.route("/gp/customer-reviews/R1SAMPLE0001", lambda _: Reply(200, answers.pop(0).encode()))
    media = savevid.resolve("http://www.amazon.com/gp/customer-reviews/R1SAMPLE0001", SETTINGS)
    assert (media.extractor, media.title) == ("AmazonReviews", "Works as described")
    assert len(times_of(origin, "/gp/customer-reviews/R1SAMPLE0001")) == 2  # the robot check, then the page
    result = savevid.download(media, Choice(), tmp_path, settings=SETTINGS)
    assert probe(result.path).has_video_and_audio


def test_an_extractor_retry_of_a_503_waits_for_its_retry_after(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YouTube's tab extractor retries a failed page itself; the wait honours the answer's Retry-After."""
    map_hosts(monkeypatch, ["youtube.com"], origin.server.server_address[1])
    video = {"videoId": "BaW_jenozKc", "title": {"runs": [{"text": "A sample video"}]}}
    tab = {"tabRenderer": {"selected": True, "title": "Videos", "content": {"richGridRenderer": {
        "contents": [{"richItemRenderer": {"content": {"videoRenderer": video}}}]}}}}  # fmt: skip
    data = {"contents": {"twoColumnBrowseResultsRenderer": {"tabs": [tab]}},
            "metadata": {"channelMetadataRenderer": {"title": "Sample channel",
                                                     "externalId": "UCLqxVugv74EIW3VWh2NOa3Q"}}}  # fmt: skip
    page = f"<html><body><script>var ytInitialData = {json.dumps(data)};</script></body></html>"
    channel = FaultyFile(page.encode(), "503", faulty=range(1))
    origin.route("/@sample/videos", channel)
    media = savevid.resolve("http://www.youtube.com/@sample/videos", SETTINGS)
    assert media.is_playlist and media.title == "Sample channel - Videos"
    assert [entry.get("id") for entry in media.info["entries"]] == ["BaW_jenozKc"]
    first, second = times_of(origin, "/@sample/videos")
    assert 1.0 <= second - first < 3.0  # Retry-After: 1 (yt-dlp alone would wait what we return)
    assert channel.requests == 2


def fallback_media(origin: Origin) -> Media:
    """Video over DASH with a parameter for every segment URL (as a few sites need; only yt-dlp's DASH
    downloader adds it), and audio as a plain file: the engine leaves the whole item to yt-dlp."""
    media = savevid.resolve(origin.url("/media/dash/manifest.mpd"), SETTINGS)
    video = next(f for f in media.info["formats"] if f.get("vcodec") != "none")
    audio = {"format_id": "audio", "url": origin.url("/media/audio-only.m4a"), "ext": "m4a",
             "protocol": "http", "vcodec": "none", "acodec": "mp4a.40.2"}  # fmt: skip
    media._info = {**media.info, "formats": [{**video, "extra_param_to_segment_url": "token=abc"}, audio]}
    return media


class Recorded:
    """A route that keeps the query of each request, then answers as ``route`` does."""

    def __init__(self, route: Any) -> None:
        self.route, self.paths = route, []  # type: ignore[var-annotated]

    def __call__(self, handler: Handler) -> Reply | None:
        self.paths.append(handler.path)
        return self.route(handler)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "fault"),
    [("/media/audio-only.m4a", "503"), ("/media/dash/chunk-stream0-00002.m4s", "429")],
    ids=["http-downloader", "fragment-downloader"],
)
def test_yt_dlp_downloaders_retry_through_our_sleep_function(
    origin: Origin, tmp_path: Path, path: str, fault: str
) -> None:
    # yt-dlp's HTTP downloader retries a 5xx itself; a fragment's 429 is retried by its fragment loop.
    flaky = FaultyFile((origin.server.media / path.removeprefix("/media/")).read_bytes(), fault, range(1))
    recorded = Recorded(flaky)
    origin.route(path, recorded)
    result = savevid.download(fallback_media(origin), Choice(), tmp_path, settings=SETTINGS)
    assert probe(result.path).has_video_and_audio
    assert flaky.requests == 2
    first, second = times_of(origin, path)
    assert 1.0 <= second - first < 3.0  # Retry-After: 1
    if path.endswith(".m4s"):  # fetched by yt-dlp's DASH downloader, not by the engine
        assert all(p.endswith("?token=abc") for p in recorded.paths), recorded.paths


def test_a_cancel_ends_a_wait_inside_yt_dlp_at_once(origin: Origin, tmp_path: Path) -> None:
    cancel = threading.Event()
    asked: list[float] = []

    def busy(_: Handler) -> Reply:
        if not asked:
            threading.Timer(0.3, cancel.set).start()
        asked.append(time.monotonic())
        return Reply(503, b"busy", {"Retry-After": "20"})

    origin.route("/media/audio-only.m4a", busy)
    with pytest.raises(SavevidError) as caught:
        savevid.download(fallback_media(origin), Choice(), tmp_path, settings=SETTINGS, cancel=cancel)
    assert caught.value.code is ErrorCode.CANCELLED
    assert time.monotonic() - asked[0] < 3 and len(asked) == 1  # not the 20 s the site asked for

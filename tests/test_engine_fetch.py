"""The engine end to end: which data path serves which stream, and what it hands over."""

from __future__ import annotations

import copy
import re
import threading
from pathlib import Path
from typing import Any

import pytest

import savevid
from savevid.config import get_settings
from savevid.engine import ytdlp
from savevid.errors import ErrorCode, SavevidError
from savevid.models import Choice, Media, Progress, Stage
from support.faults import FaultyFile
from support.origin import Origin, Reply
from support.probe import probe
from support.shapes import SHAPES

SETTINGS = get_settings(retries=2, fragment_retries=2, socket_timeout=5)


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> Path:
        raise AssertionError("yt-dlp's downloader was used")

    monkeypatch.setattr(ytdlp, "fetch", refuse)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_local_shape_is_fetched_by_the_engine(
    origin: Origin, tmp_path: Path, no_fallback: None, shape: str
) -> None:
    media = savevid.resolve(SHAPES[shape](origin), SETTINGS)
    result = savevid.download(media, Choice(), tmp_path, settings=SETTINGS)
    assert probe(result.path).has_video_and_audio


def test_video_and_audio_are_fetched_at_the_same_time(
    origin: Origin, tmp_path: Path, no_fallback: None
) -> None:
    for n in range(1, 5):  # each media segment takes a moment, like a real CDN's (about half a second)
        origin.server.rates[f"/media/dash/chunk-stream0-{n:05}.m4s"] = 400_000
        origin.server.rates[f"/media/dash/chunk-stream1-{n:05}.m4s"] = 25_000
    media = savevid.resolve(origin.url("/media/dash/manifest.mpd"), SETTINGS)
    events: list[Progress] = []
    savevid.download(media, Choice(), tmp_path, events.append, SETTINGS)
    spans = origin.server.spans
    video = [(a, b) for path, a, b in spans if "chunk-stream0" in path]
    audio = [(a, b) for path, a, b in spans if "stream1" in path]
    overlapping = [v for v in video for a in audio if a[0] < v[1] and v[0] < a[1]]
    assert overlapping, (video, audio)
    assert [e.stage for e in events][-2:] == [Stage.MERGING, Stage.DONE]


def test_a_missing_fragment_fails_the_download(origin: Origin, tmp_path: Path) -> None:
    origin.route("/media/hls_ts/360p/seg2.ts", lambda _: Reply(404, b"gone"))
    media = savevid.resolve(origin.url("/media/hls_ts/360p/index.m3u8"), SETTINGS)
    with pytest.raises(SavevidError) as caught:
        savevid.download(media, Choice(), tmp_path, settings=SETTINGS)
    assert "fragment 3 of 4" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_flaky_fragment_is_retried(origin: Origin, tmp_path: Path, no_fallback: None) -> None:
    data = (origin.server.media / "hls_ts/360p/seg1.ts").read_bytes()
    origin.route("/media/hls_ts/360p/seg1.ts", FaultyFile(data, "503", faulty=range(1)))
    media = savevid.resolve(origin.url("/media/hls_ts/360p/index.m3u8"), SETTINGS)
    result = savevid.download(media, Choice(), tmp_path, settings=SETTINGS)
    assert probe(result.path).has_video_and_audio


def test_a_wrong_aes_key_fails_cleanly(origin: Origin, tmp_path: Path) -> None:
    origin.route("/media/hls_aes/key.bin", lambda _: Reply(200, b"0123456789abcdef", {}))
    media = savevid.resolve(origin.url("/media/hls_aes/index.m3u8"), SETTINGS)
    with pytest.raises(SavevidError) as caught:
        savevid.download(media, Choice(), tmp_path, settings=SETTINGS)
    # Told as what it is, by the engine, not later by ffmpeg choking on the noise it decrypted to.
    assert caught.value.code is ErrorCode.DOWNLOAD_FAILED
    assert re.search(
        r"fragment \d of 4 failed: it does not decrypt with its AES-128 key", caught.value.message
    )
    assert list(tmp_path.iterdir()) == []


def test_other_protocols_fall_back_to_yt_dlp(origin: Origin, tmp_path: Path) -> None:
    # "m3u8" (not "m3u8_native") is yt-dlp's ffmpeg-driven HLS protocol: not the engine's.
    url = origin.url("/media/hls_ts/360p/index.m3u8")
    media = Media(url=url, id="fallback", title="Fallback", site="test", extractor="Test")
    media._info = {"id": "fallback", "title": "Fallback", "url": url, "protocol": "m3u8",
                   "ext": "mp4", "extractor": "test", "extractor_key": "Test",
                   "webpage_url": url}  # fmt: skip
    events: list[Progress] = []
    result = savevid.download(media, Choice(), tmp_path, events.append, SETTINGS)
    assert probe(result.path).has_video_and_audio
    assert events[-1].stage is Stage.DONE


def test_cancel_stops_quickly_and_keeps_the_parts_for_later(origin: Origin, tmp_path: Path) -> None:
    origin.server.rates["/media/progressive.mp4"] = 50_000
    media = savevid.resolve(origin.url("/media/progressive.mp4"), SETTINGS)
    cancel = threading.Event()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        if progress.downloaded > 100_000:
            cancel.set()

    with pytest.raises(SavevidError) as caught:
        savevid.download(media, Choice(), tmp_path, on_progress, SETTINGS, cancel=cancel)
    assert caught.value.code is ErrorCode.CANCELLED
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    assert any(tmp_path.glob(".savevid-*/*.state.json"))
    origin.server.rates.clear()
    result = savevid.download(media, Choice(), tmp_path, settings=SETTINGS)
    assert result.size == (origin.server.media / "progressive.mp4").stat().st_size


def test_a_cancelled_hls_download_resumes_after_the_last_whole_fragment(
    origin: Origin, tmp_path: Path, no_fallback: None
) -> None:
    for n in range(4):
        origin.server.rates[f"/media/hls_ts/360p/seg{n}.ts"] = 150_000
    media = savevid.resolve(origin.url("/media/hls_ts/360p/index.m3u8"), SETTINGS)
    settings = get_settings(retries=2, connections=1, socket_timeout=5)
    cancel = threading.Event()
    first = (origin.server.media / "hls_ts/360p/seg0.ts").stat().st_size

    def on_progress(progress: Progress) -> None:
        if progress.downloaded > first:
            cancel.set()

    with pytest.raises(SavevidError):
        savevid.download(media, Choice(), tmp_path, on_progress, settings, cancel=cancel)
    origin.server.rates.clear()
    result = savevid.download(media, Choice(), tmp_path, settings=settings)
    assert probe(result.path).has_video_and_audio
    asked = [path for path, _ in origin.server.ranges if path.endswith(".ts")]
    assert asked.count("/media/hls_ts/360p/seg0.ts") == 1, asked
    assert all(asked.count(f"/media/hls_ts/360p/seg{n}.ts") <= 2 for n in range(4)), asked


def test_a_cancelled_hls_download_closes_its_connections_at_once(
    origin: Origin, tmp_path: Path, no_fallback: None
) -> None:
    segments = sorted((origin.server.media / "hls_ts/360p").glob("*.ts"))
    for segment in segments:
        origin.server.rates[f"/media/hls_ts/360p/{segment.name}"] = 50_000  # every fragment in flight
    media = savevid.resolve(origin.url("/media/hls_ts/360p/index.m3u8"), SETTINGS)
    cancel = threading.Event()

    def on_progress(progress: Progress) -> None:
        if origin.open_connections() >= min(4, len(segments)):
            cancel.set()

    with pytest.raises(SavevidError) as caught:
        savevid.download(media, Choice(), tmp_path, on_progress, SETTINGS, cancel=cancel)
    assert caught.value.code is ErrorCode.CANCELLED
    assert origin.closed_within(1), f"{origin.open_connections()} still open after 1 s"


class RecordingYdl:
    """A YoutubeDL whose urlopen notes each request's impersonation target, then sends it without
    one (no impersonating request handler is installed here)."""

    def __init__(self, ydl: Any) -> None:
        self.ydl, self.seen = ydl, []  # type: ignore[var-annotated]

    def urlopen(self, request: Any) -> Any:
        self.seen.append((request.url, request.extensions.pop("impersonate", None)))
        return self.ydl.urlopen(request)


@pytest.mark.parametrize(
    "path", ["/media/progressive.mp4", "/media/hls_aes/index.m3u8", "/media/dash/manifest.mpd"]
)
def test_every_request_of_a_format_carries_the_extractors_impersonation(
    origin: Origin, tmp_path: Path, path: str
) -> None:
    from yt_dlp.networking.impersonate import ImpersonateTarget

    from savevid.engine.fetch import ItemFetch
    from savevid.engine.ffmpeg import find_ffmpeg
    from savevid.engine.options import EngineOptions
    from savevid.resolve.ydl import open_ydl

    target = ImpersonateTarget("chrome")
    media = savevid.resolve(origin.url(path), SETTINGS)
    with open_ydl(SETTINGS, playlist=False) as ydl:
        selected = ydl.process_ie_result(copy.deepcopy(media.info), download=False)
        for fmt in selected.get("requested_formats") or [selected]:
            fmt["impersonate"] = target  # as an extractor that needs a browser's TLS sets it
        recorder = RecordingYdl(ydl)
        fetch = ItemFetch(recorder, tmp_path, EngineOptions(), 5, find_ffmpeg(), None, threading.Event())
        result = fetch.run(selected)
    assert probe(result).has_video_and_audio
    urls = {url.rsplit("/", 1)[-1] for url, _ in recorder.seen}
    assert len(recorder.seen) >= (1 if path.endswith(".mp4") else 4), urls  # playlist, key, fragments
    assert all(seen == target for _, seen in recorder.seen), recorder.seen


class CutByCancel:
    """A part that, like a fragment whose connection the cancel cut, fails with a transfer error."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel

    def run(self) -> None:
        from savevid.engine.transport import TransferError

        self.cancel.wait(5)
        raise TransferError("fragment 3 of 9 failed: the download was stopped", retryable=False)


def test_a_part_cut_by_the_cancel_ends_as_cancelled_not_failed(tmp_path: Path) -> None:
    from savevid.engine.fetch import ItemFetch, Part
    from savevid.engine.ffmpeg import find_ffmpeg
    from savevid.engine.options import Counter, EngineOptions
    from savevid.engine.retry import Cancelled

    cancel = threading.Event()
    fetch = ItemFetch(None, tmp_path, EngineOptions(), 5, find_ffmpeg(), None, cancel)
    part = Part({"protocol": "m3u8_native"}, tmp_path / "part0.mp4", Counter())
    threading.Timer(0.2, cancel.set).start()
    # Cancelled, so that the job keeps its partial files (and a shutdown queues it again).
    with pytest.raises(Cancelled):
        fetch._run_all([part], [CutByCancel(cancel)])

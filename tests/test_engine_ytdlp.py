"""yt-dlp's own downloaders (the fallback for Smooth Streaming, F4M, live, ...) under savevid's rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import savevid
from savevid.config import get_settings
from savevid.engine.fetch import is_native
from savevid.errors import ErrorCode, SavevidError
from savevid.models import Choice, Media
from savevid.web.app import create_app
from support.origin import Origin
from support.probe import probe

MANIFEST = "/media/ism/Manifest"  # Smooth Streaming: only yt-dlp's downloader fetches it
FRAGMENTS = 8  # 4 of video, 4 of audio
SETTINGS = get_settings(retries=1, fragment_retries=1, socket_timeout=5)


def resolve_smooth(origin: Origin) -> Media:
    media = savevid.resolve(origin.url(MANIFEST), SETTINGS)
    assert media.info["formats"] and not any(is_native(f) for f in media.info["formats"])
    return media


def fragments_asked(origin: Origin) -> list[str]:
    return [path for path in origin.server.hits if "/Fragments(" in path]


def test_smooth_streaming_is_fetched_by_yt_dlp(origin: Origin, tmp_path: Path) -> None:
    result = savevid.download(resolve_smooth(origin), Choice(), tmp_path, settings=SETTINGS)
    assert probe(result.path).has_video_and_audio
    assert len(fragments_asked(origin)) == FRAGMENTS


@pytest.mark.parametrize("max_file_mb", [0.001, 0.4])
def test_the_size_quota_stops_yt_dlp_s_downloader(origin: Origin, tmp_path: Path, max_file_mb: float) -> None:
    media = resolve_smooth(origin)  # no size in its metadata: only the download shows it
    settings = SETTINGS.model_copy(update={"max_file_mb": max_file_mb})
    with pytest.raises(SavevidError) as caught:
        savevid.download(media, Choice(), tmp_path, settings=settings)
    assert caught.value.code is ErrorCode.TOO_LARGE, caught.value
    assert list(tmp_path.iterdir()) == []  # the partial files are gone
    assert len(fragments_asked(origin)) < FRAGMENTS  # it stopped on the way, not at the end


def test_a_stalled_download_by_yt_dlp_fails(origin: Origin, tmp_path: Path) -> None:
    media = resolve_smooth(origin)
    for fragment in (origin.server.media / "ism").glob("QualityLevels(*)/Fragments(*)"):
        origin.server.rates[f"/media/ism/{fragment.parent.name}/{fragment.name}"] = 5_000
    settings = SETTINGS.model_copy(update={"low_speed_limit": 50_000, "low_speed_time": 1.0})
    started = time.monotonic()
    with pytest.raises(SavevidError) as caught:
        savevid.download(media, Choice(), tmp_path, settings=settings)
    assert caught.value.code is ErrorCode.NETWORK and "stalled" in caught.value.message, caught.value
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("limit", [{"max_file_mb": 0.001}, {"disk_budget_gb": 0.0001}])
def test_a_job_on_yt_dlp_s_downloader_keeps_to_the_quotas(
    origin: Origin, tmp_path: Path, limit: dict[str, float]
) -> None:
    allow = f"127.0.0.1:{origin.server.server_address[1]}"
    settings = get_settings(data_dir=tmp_path / "data", retries=1, fragment_retries=1, socket_timeout=5,
                            allow_private=allow, **limit)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        job = client.post("/api/downloads", json={"url": origin.url(MANIFEST)}).json()
        deadline = time.monotonic() + 60
        while (done := client.get(f"/api/downloads/{job['id']}").json())["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, done
            time.sleep(0.1)
    assert done["state"] == "failed" and done["error_code"] == "too_large", done
    assert "this server allows" in str(done["error_message"])
    assert not (tmp_path / "data" / "files" / str(job["id"])).exists()
    assert len(fragments_asked(origin)) < FRAGMENTS

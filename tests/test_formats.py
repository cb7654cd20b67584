from __future__ import annotations

from typing import Any

import pytest
from yt_dlp import YoutubeDL

from savevid.errors import ErrorCode, SavevidError
from savevid.models import AudioFormat, Choice, Quality
from savevid.resolve.formats import (
    estimate_size,
    format_spec,
    make_selector,
    offered_options,
    postprocessors,
)

# Sorted worst to best, as yt-dlp leaves them after processing.
ADAPTIVE: list[dict[str, Any]] = [
    {"format_id": "a-low", "ext": "webm", "vcodec": "none", "acodec": "opus", "abr": 50, "filesize": 1_000},
    {
        "format_id": "a-m4a",
        "ext": "m4a",
        "vcodec": "none",
        "acodec": "mp4a.40.2",
        "abr": 128,
        "filesize": 2_000,
    },
    {
        "format_id": "v240",
        "ext": "mp4",
        "vcodec": "avc1",
        "acodec": "none",
        "height": 240,
        "filesize": 10_000,
    },
    {
        "format_id": "v720",
        "ext": "mp4",
        "vcodec": "avc1",
        "acodec": "none",
        "height": 720,
        "filesize_approx": 50_000,
    },
    {"format_id": "v1080", "ext": "mp4", "vcodec": "avc1", "acodec": "none", "height": 1080, "tbr": 2000},
]


def selector(formats: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    ydl = YoutubeDL({"quiet": True})
    full = [{"protocol": "https", "url": f"https://cdn.invalid/{f['format_id']}", **f} for f in formats]
    return make_selector(ydl.build_format_selector, full)


def ids(chosen: list[dict[str, Any]]) -> list[str]:
    return [str(f["format_id"]) for f in chosen]


@pytest.mark.parametrize(
    ("quality", "expected"),
    [
        (Quality.BEST, ["v1080+a-m4a"]),
        (Quality.P2160, ["v1080+a-m4a"]),
        (Quality.P1080, ["v1080+a-m4a"]),
        (Quality.P720, ["v720+a-m4a"]),
        (Quality.P480, ["v240+a-m4a"]),
        (Quality.P240, ["v240+a-m4a"]),
    ],
)
def test_quality_takes_best_video_up_to_the_height_plus_best_audio(
    quality: Quality, expected: list[str]
) -> None:
    assert ids(selector(ADAPTIVE)(format_spec(Choice(quality=quality)))) == expected


def test_quality_below_everything_takes_the_smallest_above() -> None:
    formats = [f for f in ADAPTIVE if f["format_id"] != "v240"]
    assert ids(selector(formats)(format_spec(Choice(quality=Quality.P240)))) == ["v720+a-m4a"]


def test_progressive_only_sites_get_a_progressive_format() -> None:
    formats = [
        {"format_id": "sd", "ext": "mp4", "height": 360},
        {"format_id": "hd", "ext": "mp4", "height": 720},
    ]
    assert ids(selector(formats)(format_spec(Choice(quality=Quality.P480)))) == ["sd"]
    assert ids(selector(formats)(format_spec(Choice()))) == ["hd"]


@pytest.mark.parametrize(
    ("audio", "expected"),
    [(AudioFormat.M4A, "a-m4a"), (AudioFormat.OPUS, "a-low"), (AudioFormat.MP3, "a-m4a")],
)
def test_audio_only_prefers_a_matching_source(audio: AudioFormat, expected: str) -> None:
    choice = Choice(audio_only=True, audio_format=audio)
    assert ids(selector(ADAPTIVE)(format_spec(choice))) == [expected]


def test_audio_only_converts_and_tags() -> None:
    steps = postprocessors(Choice(audio_only=True, audio_format=AudioFormat.MP3))
    assert steps[0] == {"key": "FFmpegExtractAudio", "preferredcodec": "mp3", "preferredquality": "192"}
    assert postprocessors(Choice()) == []


def test_expert_format_spec_is_passed_through_and_checked() -> None:
    assert format_spec(Choice(format="v240+a-low")) == "v240+a-low"
    assert ids(selector(ADAPTIVE)("v240+a-low")) == ["v240+a-low"]
    with pytest.raises(SavevidError) as caught:
        selector(ADAPTIVE)("bv*+[[[")
    assert caught.value.code is ErrorCode.INVALID_OPTION


def test_sizes_add_up_and_say_when_they_are_estimates() -> None:
    merged = {"requested_formats": [ADAPTIVE[2], ADAPTIVE[1]]}
    assert estimate_size(merged, None) == (12_000, False)
    assert estimate_size({"requested_formats": [ADAPTIVE[3], ADAPTIVE[1]]}, None) == (52_000, True)
    assert estimate_size(ADAPTIVE[4], 10.0) == (2_500_000, True)
    assert estimate_size(ADAPTIVE[4], None) == (None, True)


def test_offered_options_are_distinct_and_include_audio() -> None:
    options = offered_options(ADAPTIVE, selector(ADAPTIVE), 10.0)
    assert [o.id for o in options] == ["best", "720", "480", "audio-mp3", "audio-m4a"]
    assert options[0].label == "Best (1080p)"
    assert options[1].size == 52_000 and options[1].size_approximate
    assert options[3].choice == Choice(audio_only=True, audio_format=AudioFormat.MP3)
    assert options[4].size == 2_000 and not options[4].size_approximate


def test_audio_only_sources_offer_no_video() -> None:
    audio = [f for f in ADAPTIVE if f["vcodec"] == "none"]
    assert [o.kind for o in offered_options(audio, selector(audio), 10.0)] == ["audio", "audio"]


def test_audio_taken_from_a_progressive_file_is_not_sized_as_the_whole_file() -> None:
    formats = [{"format_id": "sd", "ext": "mp4", "height": 360, "filesize": 900_000, "abr": 96}]
    options = {o.id: o for o in offered_options(formats, selector(formats), 10.0)}
    assert options["best"].size == 900_000
    assert options["audio-m4a"].size == 120_000 and options["audio-m4a"].size_approximate
    formats[0].pop("abr")
    options = {o.id: o for o in offered_options(formats, selector(formats), 10.0)}
    assert options["audio-m4a"].size is None

"""``savevid info``: what a link holds, for people and for scripts."""

from __future__ import annotations

import json

import pytest

from support import pages
from support.origin import Origin
from support.shapes import SHAPES


@pytest.mark.parametrize("shape", list(SHAPES))
def test_info_json_lists_sensible_choices(cli, origin: Origin, shape: str) -> None:
    run = cli("info", "--json", SHAPES[shape](origin))
    assert run.code == 0, run.stderr
    media = json.loads(run.stdout)
    assert media["title"] and media["id"] and media["site"]
    assert media["is_playlist"] is False
    ids = [c["id"] for c in media["choices"]]
    assert ids[0] == "best"
    assert {"audio-mp3", "audio-m4a"} <= set(ids)
    best = media["choices"][0]
    assert best["kind"] == "video" and best["choice"]["quality"] == "best"
    mp3 = next(c for c in media["choices"] if c["id"] == "audio-mp3")
    assert mp3["choice"] == {"quality": "best", "audio_only": True, "audio_format": "mp3", "format": None}


def test_info_offers_each_variant_of_a_master_playlist(cli, origin: Origin) -> None:
    run = cli("info", "--json", origin.url("/media/hls_ts/master.m3u8"))
    media = json.loads(run.stdout)
    video = [c for c in media["choices"] if c["kind"] == "video"]
    assert [(c["id"], c["height"]) for c in video] == [("best", 360), ("240", 240)]
    assert all(c["size"] and c["size"] > 0 for c in video)
    assert video[0]["size"] > video[1]["size"]
    assert media["duration"] == pytest.approx(4, abs=0.5)


def test_info_reads_page_metadata(cli, origin: Origin) -> None:
    run = cli("info", "--json", origin.page("/watch/jsonld", pages.JSON_LD))
    media = json.loads(run.stdout)
    assert media["title"] == "JSON-LD clip"
    assert media["thumbnail"] == origin.url("/media/thumb.jpg")
    assert media["duration"] == 4


def test_info_lists_the_entries_of_a_multi_item_page(cli, origin: Origin) -> None:
    run = cli("info", "--json", origin.page("/two", pages.TWO_VIDEOS))
    media = json.loads(run.stdout)
    assert media["is_playlist"] is True
    assert len(media["entries"]) == 2
    assert all(e["title"] for e in media["entries"])


def test_info_for_people_shows_title_and_choices(cli, origin: Origin) -> None:
    run = cli("info", origin.url("/media/hls_ts/master.m3u8"))
    assert run.code == 0, run.stderr
    for needle in (
        "Title",
        "master",
        "Best (360p)",
        "240p",
        "Audio MP3",
        "-q 240",
        "--audio-only --audio-format mp3",
        "0:04",
    ):
        assert needle in run.stdout, run.stdout


def test_info_for_people_shows_a_playlist(cli, origin: Origin) -> None:
    run = cli("info", origin.page("/two", pages.TWO_VIDEOS))
    assert run.code == 0, run.stderr
    assert "2 items" in run.stdout and "Two clips (1)" in run.stdout

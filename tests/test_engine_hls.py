from __future__ import annotations

import pytest

from savevid.engine.fragments import Fragment, Key
from savevid.engine.hls import Unsupported, parse_media_playlist

BASE = "https://cdn.example/v/index.m3u8"


def playlist(*lines: str, end: bool = True) -> str:
    return "\n".join(["#EXTM3U", "#EXT-X-TARGETDURATION:2", *lines,
                      *(["#EXT-X-ENDLIST"] if end else [])])  # fmt: skip


def test_segments_are_resolved_against_the_playlist() -> None:
    text = playlist("#EXTINF:2,", "a.ts", "#EXTINF:2,", "/abs/b.ts", "#EXTINF:2,", "https://o/c.ts")
    assert parse_media_playlist(text, BASE) == [
        Fragment("https://cdn.example/v/a.ts"),
        Fragment("https://cdn.example/abs/b.ts"),
        Fragment("https://o/c.ts"),
    ]


def test_byte_ranges_without_offset_follow_the_previous_range() -> None:
    text = playlist("#EXTINF:2,", "#EXT-X-BYTERANGE:100@50", "all.ts",
                    "#EXTINF:2,", "#EXT-X-BYTERANGE:200", "all.ts")  # fmt: skip
    ranges = [f.byte_range for f in parse_media_playlist(text, BASE)]
    assert ranges == [(50, 150), (150, 350)]


def test_init_sections_come_first_and_again_only_when_they_change() -> None:
    text = playlist('#EXT-X-MAP:URI="init.mp4",BYTERANGE="700@0"', "#EXTINF:2,", "1.m4s",
                    "#EXTINF:2,", "2.m4s", '#EXT-X-MAP:URI="init2.mp4"', "#EXTINF:2,", "3.m4s")  # fmt: skip
    urls = [f.url.rsplit("/", 1)[1] for f in parse_media_playlist(text, BASE)]
    assert urls == ["init.mp4", "1.m4s", "2.m4s", "init2.mp4", "3.m4s"]
    assert parse_media_playlist(text, BASE)[0].byte_range == (0, 700)


def test_aes_iv_is_explicit_or_the_media_sequence_number() -> None:
    text = playlist("#EXT-X-MEDIA-SEQUENCE:7", '#EXT-X-KEY:METHOD=AES-128,URI="k.bin"',
                    "#EXTINF:2,", "a.ts", "#EXTINF:2,", "b.ts",
                    '#EXT-X-KEY:METHOD=AES-128,URI="k2.bin",IV=0x00000000000000000000000000000abc',
                    "#EXTINF:2,", "c.ts", "#EXT-X-KEY:METHOD=NONE", "#EXTINF:2,", "d.ts")  # fmt: skip
    keys = [f.key for f in parse_media_playlist(text, BASE)]
    assert keys == [
        Key("https://cdn.example/v/k.bin", (7).to_bytes(16, "big")),
        Key("https://cdn.example/v/k.bin", (8).to_bytes(16, "big")),
        Key("https://cdn.example/v/k2.bin", (0xABC).to_bytes(16, "big")),
        None,
    ]


@pytest.mark.parametrize(
    "text",
    [
        playlist("#EXTINF:2,", "a.ts", end=False),  # live
        playlist('#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k"', "#EXTINF:2,", "a.ts"),
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",  # master
        playlist(),  # empty
    ],
)
def test_what_the_engine_cannot_do_is_left_to_yt_dlp(text: str) -> None:
    with pytest.raises(Unsupported):
        parse_media_playlist(text, BASE)

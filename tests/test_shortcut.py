from __future__ import annotations

import pytest
from yt_dlp.extractor import gen_extractor_classes

from savevid.resolve.shortcut import generic_only


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.somehost.net/path/video.mp4",
        "http://127.0.0.1:8080/a/b/master.m3u8",
        "https://media-7.example-cdn.org/x/manifest.mpd?token=1",
        "https://files.foo.io/song.MP3",
    ],
)
def test_direct_media_links_on_unknown_hosts_skip_the_search(url: str) -> None:
    assert generic_only(url)
    # ... and the full search agrees: only the generic extractor matches them.
    assert [ie.ie_key() for ie in gen_extractor_classes() if ie.suitable(url)] == ["Generic"]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=BaW_jenozKc",  # not a file name
        "https://www.dropbox.com/s/abc123/holiday.mp4",  # a host with its own extractor
        "https://video.twimg.com/ext_tw_video/1/pu/vid/720x1280/a.mp4",  # a host some pattern names
        "https://example.com/watch",  # a page
    ],
)
def test_everything_else_takes_the_full_search(url: str) -> None:
    assert not generic_only(url)

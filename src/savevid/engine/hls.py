"""HLS media playlists (RFC 8216) as the list of fragments to fetch: init sections, byte ranges,
AES-128 keys and IVs. What this engine cannot fetch faithfully raises Unsupported."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from savevid.engine.fragments import Fragment, Key

MAX_PLAYLIST_BYTES = 16 << 20
MAX_SEGMENTS = 100_000


class Unsupported(Exception):
    """A stream this engine leaves to yt-dlp's own downloader (live, SAMPLE-AES, ...)."""


def _byte_range(spec: str | None, previous_end: dict[str, int], url: str) -> tuple[int, int] | None:
    # "length[@offset]"; without an offset, the range follows the previous one of the same URL.
    if not spec:
        return None
    length_text, _, offset_text = spec.partition("@")
    length = int(length_text)
    start = int(offset_text) if offset_text else previous_end.get(url, 0)
    if length <= 0 or start < 0:
        raise Unsupported(f"bad byte range {spec!r}")
    previous_end[url] = start + length
    return start, start + length


def _iv(key: Any, sequence: int) -> bytes:
    # RFC 8216 5.2: without an IV attribute, the IV is the media sequence number, big-endian.
    if key.iv:
        value = int(str(key.iv), 16)
        return value.to_bytes(16, "big")
    return sequence.to_bytes(16, "big")


def _key(key: Any, sequence: int, base: str) -> Key | None:
    method = (key.method or "NONE").upper() if key else "NONE"
    if method == "NONE":
        return None
    if method != "AES-128":
        raise Unsupported(f"{method} encryption")
    if not key.uri:
        raise Unsupported("an AES-128 key without a URI")
    return Key(urljoin(base, key.uri), _iv(key, sequence))


def parse_media_playlist(text: str, url: str) -> list[Fragment]:
    """The fragments of a finished (VOD) media playlist, init sections included, in order."""
    import m3u8  # only HLS needs it: keep it out of every start-up

    if len(text) > MAX_PLAYLIST_BYTES:
        raise Unsupported("the playlist is too large")
    playlist = m3u8.loads(text, uri=url)
    if playlist.is_variant:
        raise Unsupported("a master playlist, not a media playlist")
    if not playlist.is_endlist:
        raise Unsupported("a live stream")
    if len(playlist.segments) > MAX_SEGMENTS:
        raise Unsupported("the playlist has too many segments")
    fragments: list[Fragment] = []
    ranges: dict[str, int] = {}
    current_init: tuple[str, tuple[int, int] | None] | None = None
    sequence = int(playlist.media_sequence or 0)
    for number, segment in enumerate(playlist.segments):
        init = segment.init_section
        if init is not None:
            init_url = urljoin(url, init.uri)
            init_range = _byte_range(init.byterange, {}, init_url)
            if (init_url, init_range) != current_init:
                fragments.append(Fragment(init_url, init_range))
                current_init = (init_url, init_range)
        segment_url = urljoin(url, segment.uri)
        fragments.append(Fragment(segment_url, _byte_range(segment.byterange, ranges, segment_url),
                                  _key(segment.key, sequence + number, url)))  # fmt: skip
    if not playlist.segments:
        raise Unsupported("an empty playlist")
    return fragments

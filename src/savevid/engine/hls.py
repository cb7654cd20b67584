"""HLS media playlists (RFC 8216) as the list of fragments to fetch: init sections, byte ranges,
AES-128 keys and IVs. What this engine cannot fetch faithfully raises Unsupported."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from savevid.engine.fragments import Fragment, Key
from savevid.errors import ErrorCode, SavevidError

MAX_PLAYLIST_BYTES = 16 << 20
MAX_SEGMENTS = 100_000  # a day of 1-second segments
MAX_RANGE = 1 << 36  # 64 GiB: no real byte range is longer, or starts later


class Unsupported(Exception):
    """A stream this engine leaves to yt-dlp's own downloader (live, SAMPLE-AES, ...)."""


class BadManifest(SavevidError):
    """A playlist or manifest that is malformed or too large: nothing downloads it, so no fallback."""

    code = ErrorCode.DOWNLOAD_FAILED


def _byte_range(spec: str | None, previous_end: dict[str, int], url: str) -> tuple[int, int] | None:
    # "length[@offset]"; without an offset, the range follows the previous one of the same URL.
    if not spec:
        return None
    length_text, _, offset_text = spec.partition("@")
    if not length_text.isdigit() or not (offset_text.isdigit() or not offset_text):
        raise BadManifest(f"The stream's playlist has a malformed byte range ({spec[:40]!r}).")
    length = int(length_text)
    start = int(offset_text) if offset_text else previous_end.get(url, 0)
    if not 0 < length <= MAX_RANGE or start > MAX_RANGE:
        raise BadManifest(f"The stream's playlist has an impossible byte range ({spec[:40]!r}).")
    previous_end[url] = start + length
    return start, start + length


def _iv(key: Any, sequence: int) -> bytes:
    # RFC 8216 5.2: without an IV attribute, the IV is the media sequence number, big-endian.
    if key.iv:
        text = str(key.iv).lower().removeprefix("0x")
        if not 0 < len(text) <= 32 or any(c not in "0123456789abcdef" for c in text):
            raise BadManifest("The stream's playlist has a malformed encryption IV.")
        return int(text, 16).to_bytes(16, "big")
    if not 0 <= sequence < 1 << 128:
        raise BadManifest("The stream's playlist has an impossible sequence number.")
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
        raise BadManifest(f"The stream's playlist is larger than {MAX_PLAYLIST_BYTES >> 20} MB.")
    try:
        playlist = m3u8.loads(text, uri=url)
        sequence = int(playlist.media_sequence or 0)
    except Exception as exc:  # the parser's own complaint, about text a site controls
        raise BadManifest(f"The stream's playlist is malformed ({exc}).") from None
    if playlist.is_variant:
        raise Unsupported("a master playlist, not a media playlist")
    if not playlist.is_endlist:
        raise Unsupported("a live stream")
    if len(playlist.segments) > MAX_SEGMENTS:
        raise BadManifest(f"The stream has more than {MAX_SEGMENTS} segments.")
    fragments: list[Fragment] = []
    ranges: dict[str, int] = {}
    current_init: tuple[str, tuple[int, int] | None] | None = None
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

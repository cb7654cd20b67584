"""Direct links to a media file, learnt from a small ranged request instead of a whole download.

For such a link yt-dlp's generic extractor sends a plain GET, looks only at the answer's headers
and returns without closing it, so the server goes on sending the file into buffers that nobody
reads: every download of a direct link cost its origin about twice the file. Here one request
asks for the first kilobyte, is closed at once, and its headers give the same description the
generic extractor builds (plus the file's size); yt-dlp then processes it as its own. Anything
that is not plainly a media file (pages, manifests, unknown types, a server that will not answer
the request) is left to the generic extractor, unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from yt_dlp.networking import Request
from yt_dlp.networking.exceptions import HTTPError
from yt_dlp.utils import determine_ext, unified_timestamp, unsmuggle_url, urlhandle_detect_ext

from savevid.engine.transport import ContentRange
from savevid.resolve.busy import BUSY
from savevid.resolve.mapping import Info
from savevid.resolve.shortcut import generic_only
from savevid.safety.media_files import AUDIO_VIDEO, sniff

# The generic extractor's test for a direct link, as it writes it: audio, video or Ogg, and its
# format id; playlists (mpegurl) and f4m manifests are extracted from the body instead.
_MEDIA_TYPE = re.compile(
    r"(?P<type>audio|video|application(?=/(?:ogg$|(?:vnd\.apple\.|x-)?mpegurl)))/(?P<format_id>[^;\s]+)"
)
# Enough of a file for sniff() to tell media from a page (MPEG-TS needs the most: 377 bytes).
PROBE_BYTES = 1024


def extract_direct(ydl: Any, url: str) -> Info | None:
    """yt-dlp's processed info for a direct link to a media file; None when url is not plainly one
    (the caller then extracts it as usual)."""
    if not _worth_probing(url):
        return None
    probed = _probe(ydl, url)
    if probed is None:
        return None
    response, head = probed
    final_url = str(response.url)
    ie = ydl.get_info_extractor("Generic")
    info = _describe(ie, final_url, response, head)
    if info is None or (final_url != url and not _only_generic(final_url)):
        return None
    info["original_url"] = url  # as yt-dlp keeps it when the generic extractor follows a redirect
    ydl.add_default_extra_info(info, ie, final_url)
    return ydl.process_ie_result(info, download=False)  # type: ignore[no-any-return]


def _worth_probing(url: str) -> bool:
    # Only a link named like a media file that the generic extractor alone handles; manifests go
    # to it directly (it reads their body anyway), as do links carrying yt-dlp's smuggled data.
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
    return suffix in AUDIO_VIDEO and generic_only(url) and not unsmuggle_url(url, {})[1]


def _probe(ydl: Any, url: str) -> tuple[Any, bytes] | None:
    """The answer to one ranged GET of url, already closed (its URL after redirects and headers
    stay), and its first bytes; None when the server answers with an error (the generic
    extractor then says what went wrong). A busy site's answer (429, 503) is raised, for
    resolving to wait as it asks before the next request."""
    # Through the YoutubeDL: its network rules (each redirect hop), cookies and headers apply.
    # identity: a compressed answer could not be cut short, and would describe other bytes.
    request = Request(url, headers={"Range": f"bytes=0-{PROBE_BYTES - 1}", "Accept-Encoding": "identity"})
    try:
        response = ydl.urlopen(request)
    except HTTPError as error:
        error.response.close()
        if error.status in BUSY:  # asking again at once, as the generic extractor would, only adds load
            raise
        return None
    try:
        # Media by its type need no bytes; for a vague type the first ones show what it is.
        head = b"" if _MEDIA_TYPE.match(_content_type(response.headers)) else response.read(PROBE_BYTES)
        return response, head
    finally:
        response.close()


def _content_type(headers: Mapping[str, str]) -> str:
    return str(headers.get("Content-Type") or "").lower()


def _describe(ie: Any, url: str, response: Any, head: bytes) -> Info | None:
    """What the generic extractor returns for a direct link to url, with the file's size; None
    if the answer does not show a media file."""
    media = _MEDIA_TYPE.match(_content_type(response.headers))
    found = _typed(media, url, response) if media else _sniffed(url, head)
    if found is None:
        return None
    size = file_size(response.headers)
    if size is not None:
        (found["formats"][0] if "formats" in found else found)["filesize"] = size
    return {
        "id": ie._generic_id(url),
        "title": ie._generic_title(url),
        "timestamp": unified_timestamp(response.headers.get("Last-Modified")),
        **found,
    }


def _typed(media: re.Match[str], url: str, response: Any) -> Info | None:
    """A file that its Content-Type calls audio or video, as the generic extractor lists it."""
    format_id = media.group("format_id")
    ext = determine_ext(url, default_ext=None) or urlhandle_detect_ext(response)
    if format_id.endswith("mpegurl") or format_id == "f4m" or ext not in AUDIO_VIDEO:
        return None  # a manifest (the generic extractor reads it), or not plainly media
    fmt = {"format_id": format_id, "url": url, "ext": ext,
           "vcodec": "none" if media.group("type") == "audio" else None}  # fmt: skip
    return {"formats": [fmt], "direct": True, "subtitles": {}, "http_headers": None, "hls_aes": None}


def _sniffed(url: str, head: bytes) -> Info | None:
    """A file under a vague type (application/octet-stream) whose first bytes show media. The
    generic extractor takes any answer that is not a page for a direct link; savevid only this."""
    ext = determine_ext(url)
    if sniff(head) is None or ext not in AUDIO_VIDEO:
        return None
    return {"direct": True, "url": url, "ext": ext}


def file_size(headers: Mapping[str, str]) -> int | None:
    """The whole file's size: a ranged answer's total, or the length of a whole one."""
    span = ContentRange.parse(headers.get("Content-Range"))
    if span is not None:
        return span.total
    length = str(headers.get("Content-Length") or "")
    return int(length) if length.isdigit() and not headers.get("Content-Encoding") else None


def _only_generic(url: str) -> bool:
    """Whether yt-dlp would give url (where a redirect led) to its generic extractor again."""
    if generic_only(url):
        return True
    from yt_dlp.extractor import gen_extractor_classes

    return all(ie.ie_key() == "Generic" for ie in gen_extractor_classes() if ie.suitable(url))

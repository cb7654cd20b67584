"""A shortcut past yt-dlp's extractor search for links straight to a media file.

yt-dlp finds the extractor for a URL by trying the URL pattern of each of its ~1,900 extractors,
and compiling those patterns costs a quarter of a second in every new process. A link that ends in
a media file name, on a site that no extractor's pattern names, can only be the generic
extractor's: for it savevid asks that one directly. Anything else takes the full search, so a
wrong guess here costs time, never a different result.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from savevid.safety.media_files import AUDIO_VIDEO

# A media file, or a playlist or manifest of one.
MEDIA_SUFFIXES = frozenset({f".{ext}" for ext in AUDIO_VIDEO} | {".m3u8", ".mpd"})


@cache
def _patterns() -> str:
    """Every extractor's URL pattern but the generic one's, as one lower-case text."""
    from yt_dlp.extractor import gen_extractor_classes

    texts = [ie._VALID_URL for ie in gen_extractor_classes() if ie.ie_key() != "Generic"]
    return "\n".join(t for t in texts if isinstance(t, str)).lower()


def _site_name(host: str) -> str | None:
    """The label that names the site: "example" in cdn.example.com; None for an address."""
    try:
        ipaddress.ip_address(host)
        return None  # no extractor is for a bare address
    except ValueError:
        labels = [label for label in host.lower().split(".") if label]
        return labels[-2] if len(labels) >= 2 else labels[0] if labels else None


def generic_only(url: str) -> bool:
    """True when only yt-dlp's generic extractor can match url (a direct link to a media file)."""
    parts = urlsplit(url)
    if PurePosixPath(parts.path).suffix.lower() not in MEDIA_SUFFIXES or not parts.hostname:
        return False
    name = _site_name(parts.hostname)
    if name is None:
        return True
    # As a whole word: "foo" in "foo\.io" or "(?:www\.)?foo", not in "football".
    return re.search(rf"(?<![a-z0-9-]){re.escape(name)}(?![a-z0-9-])", _patterns()) is None

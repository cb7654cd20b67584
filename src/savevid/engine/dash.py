"""DASH formats as yt-dlp resolves them: a list of fragments (the init section first)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from savevid.engine.fragments import Fragment
from savevid.engine.hls import MAX_RANGE, MAX_SEGMENTS, BadManifest, Unsupported


def dash_fragments(fmt: dict[str, Any]) -> list[Fragment]:
    """The fragments yt-dlp resolved for a DASH format."""
    base = fmt.get("fragment_base_url") or fmt.get("url") or ""
    listed = fmt.get("fragments") or []
    if len(listed) > MAX_SEGMENTS:
        raise BadManifest(f"The stream has more than {MAX_SEGMENTS} segments.")
    fragments = []
    for fragment in listed:
        url = fragment.get("url") or urljoin(base, fragment["path"])
        byte_range = fragment.get("byte_range")
        span = (int(byte_range["start"]), int(byte_range["end"])) if byte_range else None
        if span and not 0 <= span[0] < span[1] <= MAX_RANGE:
            raise BadManifest("The stream's manifest has an impossible byte range.")
        fragments.append(Fragment(url, span))
    if not fragments:
        raise Unsupported("a DASH format without fragments")
    return fragments

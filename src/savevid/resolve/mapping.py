"""From yt-dlp info dicts to savevid's Media."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from savevid.models import Entry, Media, Option

Info = dict[str, Any]

PLAYLIST_TYPES = frozenset({"playlist", "multi_video"})
# Extractors that handle any page: for them the host name says more than the extractor's name.
GENERIC_EXTRACTORS = frozenset({"generic", "html5mediaembed"})


def is_playlist(info: Info) -> bool:
    """True when the info describes several items rather than one."""
    return info.get("_type") in PLAYLIST_TYPES


def site_name(info: Info) -> str:
    """A short name of the site: the extractor's, or the host name for generic pages."""
    key = str(info.get("extractor_key") or info.get("ie_key") or "")
    if key and key.lower() not in GENERIC_EXTRACTORS:
        return key
    domain = info.get("webpage_url_domain") or urlsplit(str(info.get("webpage_url") or "")).hostname
    return str(domain or key or "web")


def entry_url(entry: Info) -> str | None:
    """The link to resolve one playlist entry by."""
    url = entry.get("webpage_url") or entry.get("original_url") or entry.get("url")
    return str(url) if url else None


def _entry(entry: Info) -> Entry | None:
    url = entry_url(entry)
    if not url:
        return None
    duration = entry.get("duration")
    return Entry(
        url=url, id=entry.get("id"), title=entry.get("title"), duration=float(duration) if duration else None
    )


def thumbnail_url(info: Info, page: str) -> str | None:
    """The preferred thumbnail as an absolute http(s) URL: a relative one (as an ``og:image`` may
    be) joined to the page's URL; ``data:``, ``javascript:`` and other schemes are left out."""
    listed = [t.get("url") for t in reversed(info.get("thumbnails") or [])]  # yt-dlp's best is last
    for candidate in (info.get("thumbnail"), *listed):
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        try:
            url = urljoin(page, candidate.strip())
            parts = urlsplit(url)
        except ValueError:  # e.g. a broken IPv6 address: not a link
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            return url
    return None


def to_media(info: Info, url: str, options: list[Option]) -> Media:
    """A Media for a resolved info dict, keeping the dict for the download that may follow."""
    duration = info.get("duration")
    entries = [e for e in map(_entry, info.get("entries") or []) if e] if is_playlist(info) else []
    page = str(info.get("webpage_url") or url)
    media = Media(
        url=page,
        id=str(info.get("id") or "media"),
        title=str(info.get("title") or info.get("id") or "media"),
        site=site_name(info),
        extractor=str(info.get("extractor_key") or "Generic"),
        uploader=info.get("uploader") or info.get("channel") or info.get("creator"),
        duration=float(duration) if duration else None,
        thumbnail=thumbnail_url(info, page),
        is_live=bool(info.get("is_live")),
        choices=options,
        entries=entries,
        is_playlist=is_playlist(info),
    )
    media._info = info
    return media

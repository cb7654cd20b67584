"""Mashable (mashable.com) video pages.

The page sets up its player with ``data: {...}``: ``title``, ``url`` (an MP4 on Mashable's CDN),
``thumbnail_url`` and ``duration``. Older pages describe the video as a schema.org
``VideoObject`` instead, and Open Graph is the last resort.
"""

from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError, determine_ext, float_or_none, url_or_none


class MashableIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "mashable"
    IE_DESC = "Mashable (savevid)"
    _VALID_URL = r"https?://(?:(?:www|[a-z]{2})\.)?mashable\.com/video/(?P<id>[\w-]+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        slug = self._match_id(url)
        webpage = self._download_webpage(url, slug)
        player = self._search_json(r"\bdata\s*:", webpage, "player data", slug, default={})
        ld: dict[str, Any] = self._search_json_ld(webpage, slug, expected_type="VideoObject", default={})
        media = (url_or_none(player.get("url")) or ld.pop("url", None)
                 or self._og_search_video_url(webpage, default=None))  # fmt: skip
        if not media:
            raise ExtractorError("This Mashable page has no video.", expected=True)
        if determine_ext(media) == "m3u8":
            formats = self._extract_m3u8_formats(media, slug, "mp4", m3u8_id="hls")
        else:
            formats = [{"url": media, "ext": "mp4"}]
        return {
            **ld,
            "id": slug,
            "title": player.get("title") or ld.get("title") or self._og_search_title(webpage),
            "description": ld.get("description") or self._og_search_description(webpage, default=None),
            "thumbnail": url_or_none(player.get("thumbnail_url"))
            or self._og_search_thumbnail(webpage, default=None),
            "duration": float_or_none(player.get("duration")) or ld.get("duration"),
            "formats": formats,
        }

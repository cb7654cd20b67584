"""Akıllı TV (akilli.tv), Turkish video site: the page's ``<source>`` tags, each labelled with its
quality in ``data-quality`` (e.g. ``720p``)."""

import re
from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError, determine_ext, extract_attributes, int_or_none, urljoin


class AkilliTvIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "akillitv"
    IE_DESC = "Akıllı TV (savevid)"
    _VALID_URL = r"https?://(?:(?:www|m)\.)?akilli\.tv/(?:[^/?#]+/)*(?P<id>[^/?#]+)/?(?:[?#]|$)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        video_id = self._match_id(url)
        webpage = self._download_webpage(url, video_id)
        formats = []
        for tag in re.findall(r"<source\b[^>]*>", webpage):
            source = extract_attributes(tag)
            src = urljoin(url, source.get("src"))
            if not src:
                continue
            label = source.get("data-quality") or source.get("label") or source.get("res")
            height = int_or_none(re.sub(r"\D", "", label or "") or None)
            if determine_ext(src) == "m3u8" or "mpegurl" in (source.get("type") or "").lower():
                formats.extend(self._extract_m3u8_formats(src, video_id, "mp4", m3u8_id="hls", fatal=False))
                continue
            formats.append(
                {
                    "format_id": label or f"source{len(formats)}",
                    "format_note": label,
                    "url": src,
                    "height": height,
                    "ext": determine_ext(src, "mp4"),
                }
            )
        if not formats:
            raise ExtractorError("This Akıllı TV page has no video.", expected=True)
        video_tag = extract_attributes(self._search_regex(r"(<video\b[^>]*>)", webpage, "video", default=""))
        poster = urljoin(url, video_tag.get("poster"))
        return {
            "id": video_id,
            "title": self._og_search_title(webpage, default=None)
            or self._html_search_regex(r"<h1[^>]*>([^<]+)</h1>", webpage, "title"),
            "description": self._og_search_description(webpage, default=None),
            "thumbnail": poster or self._og_search_thumbnail(webpage, default=None),
            "formats": formats,
        }

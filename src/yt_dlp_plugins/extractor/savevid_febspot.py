"""Febspot (febspot.com): the page's Open Graph ``og:video`` is a direct MP4."""

from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError, int_or_none


class FebspotIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "febspot"
    IE_DESC = "Febspot (savevid)"
    _VALID_URL = r"https?://(?:(?:www|m)\.)?febspot\.com/(?:video/)?(?P<id>\d+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        video_id = self._match_id(url)
        webpage = self._download_webpage(url, video_id)
        media = self._og_search_video_url(webpage, default=None)
        if not media:
            raise ExtractorError("This Febspot page has no video.", expected=True)
        return {
            "id": video_id,
            "title": self._og_search_title(webpage),
            "description": self._og_search_description(webpage, default=None),
            "thumbnail": self._og_search_thumbnail(webpage, default=None),
            "duration": int_or_none(
                self._html_search_meta(("video:duration", "og:video:duration"), webpage, default=None)
            ),
            "formats": [
                {
                    "url": media,
                    "ext": "mp4",
                    "width": int_or_none(self._og_search_property("video:width", webpage, default=None)),
                    "height": int_or_none(self._og_search_property("video:height", webpage, default=None)),
                }
            ],
        }

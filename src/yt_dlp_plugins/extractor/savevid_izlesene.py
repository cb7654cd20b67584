"""İzlesene (izlesene.com), Turkish video site: every quality of a video, labelled.

The video page defines ``videoObj = {...};`` in a script: ``videoTitle``, ``posterURL``, ``duration``
in milliseconds, and ``media.level``, one ``{"value": "720", "source": URL}`` per quality.
"""

from typing import Any
from urllib.parse import unquote

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError, float_or_none, int_or_none, traverse_obj, url_or_none


class IzleseneIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "izlesene"
    IE_DESC = "İzlesene (savevid)"
    _VALID_URL = r"https?://(?:(?:www|m)\.)?izlesene\.com/(?:video|embedplayer)/(?:[^/?#]+/)?(?P<id>\d+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        video_id = self._match_id(url)
        webpage = self._download_webpage(url, video_id)
        video = self._search_json(r"\bvideoObj\s*=", webpage, "video data", video_id)
        formats = []
        for level in traverse_obj(video, ("media", "level", lambda _, v: url_or_none(v["source"]))):
            height = int_or_none(str(level.get("value") or "").rstrip("p"))
            formats.append(
                {
                    "format_id": f"{height}p" if height else "sd",
                    "format_note": f"{height}p" if height else None,
                    "url": unquote(level["source"]),
                    "height": height,
                    "ext": "mp4",
                }
            )
        if not formats:
            raise ExtractorError("This İzlesene page has no video.", expected=True)
        return {
            "id": video_id,
            "title": video.get("videoTitle") or self._og_search_title(webpage),
            "description": self._og_search_description(webpage, default=None),
            "thumbnail": url_or_none(video.get("posterURL")) or self._og_search_thumbnail(webpage),
            "duration": float_or_none(video.get("duration"), scale=1000),
            "uploader": video.get("uploaderName") or traverse_obj(video, ("uploader", "name")),
            "formats": formats,
        }

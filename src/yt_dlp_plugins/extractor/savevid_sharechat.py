"""ShareChat (sharechat.com): the post page describes its video in a schema.org ``VideoObject``
(JSON-LD: ``name``, ``contentUrl``, ``thumbnail``, ``width``, ``height``, ``author``); a photo post
has an ``ImageObject`` instead."""

from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError


class ShareChatIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "sharechat"
    IE_DESC = "ShareChat (savevid)"
    _VALID_URL = r"https?://(?:(?:www|m)\.)?sharechat\.com/(?:[^/?#]+/)*(?:post|video)/(?P<id>[\w-]+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        post_id = self._match_id(url)
        webpage = self._download_webpage(url, post_id)
        video: dict[str, Any] = self._search_json_ld(
            webpage, post_id, expected_type="VideoObject", default={}
        )
        if not video.get("url"):
            photo = any(
                o.get("@type") == "ImageObject" for o in self._yield_json_ld(webpage, post_id, default=[])
            )
            kind = "a photo" if photo else "not a video"
            raise ExtractorError(f"This ShareChat post is {kind}: it has no video.", expected=True)
        media = {
            "url": video.pop("url"),
            "width": video.pop("width", None),
            "height": video.pop("height", None),
        }
        return {
            **video,
            "id": post_id,
            "formats": [{**media, "ext": "mp4"}],
            "title": video.get("title") or video.get("description") or self._og_search_title(webpage),
            "thumbnail": self._og_search_thumbnail(webpage, default=None),  # when the post names none
        }

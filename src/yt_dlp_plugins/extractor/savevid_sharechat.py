"""ShareChat (sharechat.com): the post page describes its video in a schema.org ``VideoObject``
(JSON-LD: ``name``, ``contentUrl``, ``thumbnail``, ``width``, ``height``, ``author``); a photo post
has an ``ImageObject`` instead."""

from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import (
    ExtractorError,
    int_or_none,
    parse_duration,
    traverse_obj,
    unified_timestamp,
    url_or_none,
)


class ShareChatIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "sharechat"
    IE_DESC = "ShareChat (savevid)"
    _VALID_URL = r"https?://(?:(?:www|m)\.)?sharechat\.com/(?:[^/?#]+/)*(?:post|video)/(?P<id>[\w-]+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        post_id = self._match_id(url)
        webpage = self._download_webpage(url, post_id)
        objects = list(self._yield_json_ld(webpage, post_id, default=[]))
        video = next((o for o in objects if o.get("@type") == "VideoObject"), None)
        if video is None or not url_or_none(video.get("contentUrl")):
            kind = "a photo" if any(o.get("@type") == "ImageObject" for o in objects) else "not a video"
            raise ExtractorError(f"This ShareChat post is {kind}: it has no video.", expected=True)
        return {
            "id": post_id,
            "title": video.get("name") or video.get("description") or self._og_search_title(webpage),
            "description": video.get("description"),
            "thumbnail": url_or_none(traverse_obj(video, "thumbnail", "thumbnailUrl", ("thumbnail", "url"))),
            "uploader": traverse_obj(video, ("author", "name"), expected_type=str),
            "timestamp": unified_timestamp(video.get("uploadDate")),
            "duration": parse_duration(video.get("duration")),
            "formats": [
                {
                    "url": video["contentUrl"],
                    "width": int_or_none(video.get("width")),
                    "height": int_or_none(video.get("height")),
                    "ext": "mp4",
                }
            ],
        }

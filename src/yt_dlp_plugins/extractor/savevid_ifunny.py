"""iFunny (ifunny.co): the video of the linked post only.

A post page also shows other posts' videos, so a page-wide search finds too many. The page's
``window.__INITIAL_STATE__`` describes the linked post under ``seo`` (``type``, ``title``,
``video``, ``image``), and its Open Graph tags say the same.
"""

from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError, traverse_obj, url_or_none


class IFunnyIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "ifunny"
    IE_DESC = "iFunny (savevid)"
    _VALID_URL = r"https?://(?:(?:www|[a-z]{2})\.)?ifunny\.co/(?:video|gif|picture)/(?:[\w-]*-)?(?P<id>\w+)/?(?:[?#]|$)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        post_id = self._match_id(url)
        webpage = self._download_webpage(url, post_id)
        state = self._search_json(r"window\.__INITIAL_STATE__\s*=", webpage, "state", post_id, default={})
        seo = traverse_obj(state, "seo", expected_type=dict) or {}
        video = url_or_none(seo.get("video")) or self._og_search_video_url(webpage, default=None)
        if not video:
            raise ExtractorError("This iFunny post is a picture: it has no video.", expected=True)
        return {
            "id": post_id,
            "title": seo.get("title") or self._og_search_title(webpage, default=None) or f"iFunny {post_id}",
            "description": seo.get("description") or self._og_search_description(webpage, default=None),
            "thumbnail": url_or_none(seo.get("image")) or self._og_search_thumbnail(webpage, default=None),
            "formats": [{"url": video, "ext": "mp4" if "/gif/" not in url else None}],
        }

"""Kwai (kwai.com), and its short links (s.kw.ai, kw.ai).

The video page is server-rendered: its state script lists the video's files as
``main_mv_urls:[{cdn:...,url:"..."}]`` (JavaScript string escapes), next to ``caption``,
``kwai_id`` (the author) and ``cover_thumbnail_urls``; Open Graph tags repeat title and cover.
"""

import json
import re
from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.networking import HEADRequest
from yt_dlp.utils import ExtractorError, url_or_none


def _js_string(text: str | None) -> str | None:
    """A JavaScript string literal's value (its body as written between the quotes)."""
    if not text:
        return None
    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:  # an escape JSON lacks (\x41, \u{...}): keep the text, minus escaped slashes
        return text.replace("\\/", "/")


_STRING = r'\b{}\s*:\s*"((?:[^"\\]|\\.)*)"'  # a string property of the page's state script


class KwaiIE(InfoExtractor):  # type: ignore[misc]
    IE_NAME = "kwai"
    IE_DESC = "Kwai (savevid)"
    _VALID_URL = r"https?://(?:(?:www|m)\.)?kwai\.com/(?:@[\w.-]+/)?(?:video|photo)/(?P<id>\d+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        video_id = self._match_id(url)
        webpage = self._download_webpage(url, video_id)
        files = self._search_regex(r"main_mv_urls\s*:\s*\[(.*?)\]", webpage, "video files", default="")
        sources = [_js_string(s) for s in re.findall(r'\burl\s*:\s*"((?:[^"\\]|\\.)+)"', files)]
        formats = [{"url": s, "ext": "mp4", "format_id": f"mp4-{n}"}
                   for n, s in enumerate(sources) if url_or_none(s)]  # fmt: skip
        if not formats and (og_video := self._og_search_video_url(webpage, default=None)):
            formats.append({"url": og_video, "ext": "mp4"})
        if not formats:
            raise ExtractorError("This Kwai post has no video.", expected=True)
        caption = _js_string(self._search_regex(_STRING.format("caption"), webpage, "caption", default=None))
        author = _js_string(self._search_regex(_STRING.format("kwai_id"), webpage, "author", default=None))
        cover = self._search_regex(
            r'cover_thumbnail_urls\s*:\s*\[\{[^}]*?\burl\s*:\s*"((?:[^"\\]|\\.)+)"',
            webpage,
            "cover",
            default=None,
        )
        return {
            "id": video_id,
            "title": caption or self._og_search_title(webpage, default=None) or f"Kwai video {video_id}",
            "uploader": author,
            "thumbnail": url_or_none(_js_string(cover)) or self._og_search_thumbnail(webpage, default=None),
            "formats": formats,
        }


class KwaiShortIE(InfoExtractor):  # type: ignore[misc]
    """``s.kw.ai/p/CODE`` and ``kw.ai/p/CODE`` redirect to the video page."""

    IE_NAME = "kwai:short"
    IE_DESC = "Kwai short links (savevid)"
    _VALID_URL = r"https?://(?:s\.)?kw\.ai/(?:p/)?(?P<id>[\w-]+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        code = self._match_id(url)
        landing = self._request_webpage(HEADRequest(url), code, "Following the short link").url
        if not KwaiIE.suitable(landing):
            raise ExtractorError("This Kwai short link does not lead to a video.", expected=True)
        result: dict[str, Any] = self.url_result(landing, KwaiIE)
        return result

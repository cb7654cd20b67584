"""The one adapter between savevid's typed settings and yt-dlp's untyped ``params`` dict."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, cast

from yt_dlp import YoutubeDL
from yt_dlp.cookies import SUPPORTED_BROWSERS, SUPPORTED_KEYRINGS
from yt_dlp.networking.exceptions import HTTPError

from savevid.config import Settings
from savevid.engine.ffmpeg import find_ffmpeg
from savevid.errors import InvalidOptionError
from savevid.resolve.busy import RetryWaits, note_answer, resolve_retries
from savevid.safety import network, xml

log = logging.getLogger("savevid.yt_dlp")

_BROWSER_SPEC = re.compile(
    r"^(?P<name>[^+:]+)(?:\+(?P<keyring>[^:]+))?(?::(?!:)(?P<profile>.+?))?(?:::(?P<container>.+))?$"
)


# yt-dlp's ffmpeg postprocessors, by the key its postprocessor_args use for them.
_FFMPEG_PPS = (
    "extractaudio", "metadata", "merger", "fixupm3u8", "fixupm4a", "fixupstretched", "fixupduration",
    "fixupduplicatemoov", "fixuptimestamp", "videoremuxer", "videoconvertor", "embedsubtitle",
    "embedthumbnail", "subtitlesconvertor", "thumbnailsconvertor", "splitchapters", "copystream", "concat",
)  # fmt: skip


class LogBridge:
    """yt-dlp's logger interface, writing to :mod:`logging` and never to stdout."""

    def debug(self, msg: str) -> None:
        log.debug(msg.removeprefix("[debug] "))

    def info(self, msg: str) -> None:
        log.debug(msg)

    def warning(self, msg: str) -> None:
        msg = msg.removeprefix("WARNING: ")
        # Expected for every direct link and plain page: no news for whoever reads the log.
        (log.debug if "Falling back on generic information extractor" in msg else log.warning)(msg)

    def error(self, msg: str) -> None:
        # yt-dlp raises right after reporting; the caller turns that into one clear line.
        log.debug(msg)


def parse_browser(spec: str) -> tuple[str, str | None, str | None, str | None]:
    """``NAME[+KEYRING][:PROFILE][::CONTAINER]`` as yt-dlp's ``cookiesfrombrowser`` tuple."""
    match = _BROWSER_SPEC.match(spec.strip())
    name = match.group("name").lower() if match else ""
    if name not in SUPPORTED_BROWSERS:
        known = ", ".join(sorted(SUPPORTED_BROWSERS))
        raise InvalidOptionError(f"Unknown browser {spec!r}; choose one of: {known}.")
    assert match is not None
    keyring = match.group("keyring")
    if keyring and keyring.upper() not in SUPPORTED_KEYRINGS:
        raise InvalidOptionError(f"Unknown keyring {keyring!r}.")
    return name, match.group("profile"), keyring and keyring.upper(), match.group("container")


def base_params(
    settings: Settings, *, playlist: bool = True, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """yt-dlp options shared by every extraction and download of one job; ``cancel`` ends its waits."""
    waits = RetryWaits(cancel)
    params: dict[str, Any] = {
        "logger": LogBridge(),
        "quiet": True,
        "noprogress": True,
        "color": {"stdout": "never", "stderr": "never"},
        "retries": settings.retries,
        "fragment_retries": settings.fragment_retries,
        "extractor_retries": resolve_retries(settings),
        "file_access_retries": 3,
        "retry_sleep_functions": dict.fromkeys(("http", "fragment", "extractor", "file_access"), waits),
        "socket_timeout": settings.socket_timeout,
        "concurrent_fragment_downloads": settings.connections,
        "skip_unavailable_fragments": False,  # a missing fragment fails the download
        "ffmpeg_location": str(find_ffmpeg(settings.ffmpeg)),
        "noplaylist": not playlist,
        "extract_flat": "in_playlist",
        "merge_output_format": "mp4/webm/mkv",
        # ffmpeg started by yt-dlp's postprocessors reads only the local files handed to it.
        "postprocessor_args": {f"{pp}+ffmpeg_i": ["-protocol_whitelist", "file,pipe"] for pp in _FFMPEG_PPS},
        "windowsfilenames": True,
    }
    if settings.cookies is not None:
        if not settings.cookies.is_file():
            raise InvalidOptionError(f"The cookies file does not exist: {settings.cookies}.")
        params["cookiefile"] = str(settings.cookies)
    if settings.cookies_from_browser:
        params["cookiesfrombrowser"] = parse_browser(settings.cookies_from_browser)
    return params


class GuardedYoutubeDL(YoutubeDL):  # type: ignore[misc]
    """A YoutubeDL that, under network rules, uses only the request handlers the rules cover."""

    def build_request_director(self, handlers: Any, preferences: Any = None) -> Any:
        if network.active_policy() is not None:
            handlers = [h for h in handlers if h.RH_KEY in network.GUARDED_HANDLERS]
        return super().build_request_director(handlers, preferences)

    @property
    def waits(self) -> RetryWaits:
        """The waits of yt-dlp's retry loops, for savevid's own retries with this YoutubeDL too."""
        return cast(RetryWaits, self.params["retry_sleep_functions"]["extractor"])

    def urlopen(self, req: Any) -> Any:
        """Every request of yt-dlp's extractors and downloaders; notes a failure's Retry-After."""
        note_answer(None)
        try:
            return super().urlopen(req)
        except HTTPError as error:
            note_answer(error)
            raise


def open_ydl(
    settings: Settings, *, playlist: bool = True, cancel: threading.Event | None = None, **extra: Any
) -> GuardedYoutubeDL:
    """A fresh YoutubeDL for one job: the object is not thread-safe, so never share it."""
    xml.install()
    return GuardedYoutubeDL({**base_params(settings, playlist=playlist, cancel=cancel), **extra})

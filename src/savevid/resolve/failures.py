"""Turning yt-dlp's exceptions into savevid errors with stable codes and one plain sentence."""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import (
    DownloadError,
    ExtractorError,
    GeoRestrictedError,
    PostProcessingError,
    UnsupportedError,
)

from savevid.engine.options import TooLarge
from savevid.engine.retry import Cancelled
from savevid.engine.transport import TransferError
from savevid.errors import (
    BLOCKED_ADDRESS_MESSAGE,
    FFMPEG_MISSING_MESSAGE,
    INTERNAL_MESSAGE,
    ErrorCode,
    SavevidError,
    StorageFullError,
    is_disk_full,
)
from savevid.safety.network import BlockedDestination

log = logging.getLogger("savevid")

_BUG_REPORT = re.compile(r";?\s*please report this issue on .*$", re.IGNORECASE | re.DOTALL)
_PREFIX = re.compile(r"^(?:ERROR:\s*)?(?:\[[\w:.-]+\]\s*)?(?:[\w-]+:\s(?=\S))?")

# First match wins: specific reasons before general ones.
_PATTERNS: list[tuple[ErrorCode, re.Pattern[str]]] = [
    (ErrorCode.DRM, re.compile(r"\bDRM\b|widevine|playready|encrypted media", re.I)),
    (
        ErrorCode.GEO_BLOCKED,
        re.compile(r"not available (?:in|from) your (?:country|location)|\bgeo[- ]?(?:restrict|block)", re.I),
    ),
    (ErrorCode.PRIVATE, re.compile(r"\bprivate\b", re.I)),
    (ErrorCode.AGE_RESTRICTED, re.compile(r"confirm your age|age[- ]restricted|age verification", re.I)),
    (ErrorCode.LOGIN_REQUIRED, re.compile(r"sign in|log ?in|logged[- ]in|cookies", re.I)),
    (ErrorCode.FORMAT_UNAVAILABLE, re.compile(r"requested format is not available", re.I)),
    (
        ErrorCode.UNAVAILABLE,
        re.compile(r"removed|deleted|no longer available|unavailable|does not exist|not available", re.I),
    ),
    (ErrorCode.FFMPEG_MISSING, re.compile(r"ffmpeg.*not (?:found|installed)", re.I)),
    (ErrorCode.NO_MEDIA, re.compile(r"\bhas no video\b|\bno video (?:in|on)\b", re.I)),
]
# Codes whose matched message is the site's own, more precise sentence (kept as it is).
_OWN_WORDS = frozenset({ErrorCode.NO_MEDIA})
# Codes whose matched message speaks to the operator: it becomes the error's detail.
_OPERATORS_WORDS = frozenset({ErrorCode.FFMPEG_MISSING})

MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.NO_MEDIA: "No video or audio was found at this link.",
    ErrorCode.NOT_FOUND: "The site says this page does not exist (404).",
    ErrorCode.UNAVAILABLE: "This video is unavailable: it may have been removed.",
    ErrorCode.PRIVATE: "This video is private.",
    ErrorCode.LOGIN_REQUIRED: "This video needs a logged-in account.",
    ErrorCode.AGE_RESTRICTED: "This video is age-restricted and needs a logged-in account.",
    ErrorCode.GEO_BLOCKED: "This video is not available in the server's country.",
    ErrorCode.DRM: "This video is DRM-protected; savevid does not break copy protection.",
    ErrorCode.RATE_LIMITED: "The site is limiting requests (429); try again later.",
    ErrorCode.FORBIDDEN: "The site refused the request (access denied).",
    ErrorCode.FORMAT_UNAVAILABLE: "The requested quality or format is not available for this video.",
    ErrorCode.PROCESSING_FAILED: "The file was downloaded but could not be converted.",
    ErrorCode.FFMPEG_MISSING: FFMPEG_MISSING_MESSAGE,
}

# Hints for anyone, the page's visitors included; the command line adds its own (cli/render.py).
HINTS: dict[ErrorCode, str] = {
    ErrorCode.NETWORK: "Check the connection and the link, then try again.",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        exc_info = getattr(current, "exc_info", None)
        nested = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None
        todo += [nested, getattr(current, "cause", None), current.__cause__, current.__context__]


def clean_message(text: str) -> str:
    """yt-dlp's message without 'ERROR:', extractor tags, video ids and bug-report boilerplate."""
    text = _BUG_REPORT.sub("", text.strip())
    text = _PREFIX.sub("", text, count=1).strip()
    return text[:1].upper() + text[1:] if text else "Unknown error."


def _error(code: ErrorCode, message: str | None = None, detail: str | None = None) -> SavevidError:
    return SavevidError(
        message or MESSAGES.get(code, "The download failed."), code=code, hint=HINTS.get(code), detail=detail
    )


def _from_http(error: HTTPError) -> SavevidError:
    status = error.status
    if status in (404, 410):
        return _error(ErrorCode.NOT_FOUND, f"The site says this does not exist (HTTP {status}).")
    if status == 429:
        return _error(ErrorCode.RATE_LIMITED)
    if status == 503:
        return SavevidError("The site is too busy to answer (HTTP 503).", code=ErrorCode.NETWORK,
                            hint="Try again in a while.")  # fmt: skip
    if status in (401, 403, 451):
        return _error(ErrorCode.FORBIDDEN, f"The site refused the request (HTTP {status}).")
    return _error(ErrorCode.NETWORK, f"The site answered with an error (HTTP {status}).")


def _from_transport(error: TransportError, url: str | None) -> SavevidError:
    host = urlsplit(url).netloc if url else "the site"
    reason = f"{error} {error.cause or ''}".lower()
    if "refused" in reason:
        detail = "connection refused"
    elif "timed out" in reason or "timeout" in reason:
        detail = "timed out"
    elif "name" in reason and ("resolv" in reason or "known" in reason):
        detail = "host name not found"
    else:
        detail = clean_message(str(error.cause or error)).rstrip(".")
    return _error(ErrorCode.NETWORK, f"Could not reach {host}: {detail}.")


def _from_engine(error: TransferError) -> SavevidError:
    codes = {403: ErrorCode.FORBIDDEN, 404: ErrorCode.NOT_FOUND, 410: ErrorCode.NOT_FOUND,
             429: ErrorCode.RATE_LIMITED}  # fmt: skip
    code = codes.get(error.status or 0, ErrorCode.NETWORK if error.retryable else ErrorCode.DOWNLOAD_FAILED)
    return _error(code, f"The download failed: {error}.")


def site_answer(exc: BaseException) -> HTTPError | None:
    """The site's HTTP error answer behind an exception raised by yt-dlp, if there is one."""
    return next((link for link in _chain(exc) if isinstance(link, HTTPError)), None)


def classify(exc: BaseException, url: str | None = None) -> SavevidError:
    """The savevid error that best explains an exception raised while resolving or downloading."""
    chain = list(_chain(exc))
    too_large = next((link for link in chain if isinstance(link, TooLarge)), None)
    if too_large is not None:
        return SavevidError(f"This download is too large: {too_large}.", code=ErrorCode.TOO_LARGE)
    if any(is_disk_full(link) for link in chain):  # a write anywhere: engine, yt-dlp, ffmpeg, a move
        return StorageFullError()
    if any(isinstance(link, OSError) and link.errno == errno.EFBIG for link in chain):
        # The server's file-size limit (ulimit -f) or its filesystem's largest file: space will not help.
        return SavevidError("This download is larger than this server can store as one file.",
                            code=ErrorCode.TOO_LARGE)  # fmt: skip
    if any(isinstance(link, Cancelled) for link in chain):  # raised by a wait, inside yt-dlp or ours
        return SavevidError("The download was cancelled.", code=ErrorCode.CANCELLED)
    blocked = next((link for link in chain if isinstance(link, BlockedDestination)), None)
    if blocked is not None:  # the network rules of this server, wherever the request came from
        detail = f"{blocked}. Allow it with SAVEVID_ALLOW_PRIVATE if it should be reached."
        return SavevidError(BLOCKED_ADDRESS_MESSAGE, code=ErrorCode.BLOCKED_ADDRESS, detail=detail)
    for link in chain:
        if isinstance(link, SavevidError):
            return link
        if isinstance(link, TransferError):
            return _from_engine(link)
        if isinstance(link, GeoRestrictedError):
            return _error(ErrorCode.GEO_BLOCKED)
        if isinstance(link, UnsupportedError):
            return _error(ErrorCode.NO_MEDIA)
        if isinstance(link, HTTPError):
            return _from_http(link)
        if isinstance(link, TransportError):
            return _from_transport(link, url)
    text = next(
        (
            str(getattr(c, "orig_msg", None) or c)
            for c in chain
            if isinstance(c, ExtractorError | DownloadError | PostProcessingError)
        ),
        str(exc),
    )
    for code, pattern in _PATTERNS:
        if pattern.search(text):
            if code in _OPERATORS_WORDS:
                return _error(code, detail=clean_message(text))
            keep = code in _OWN_WORDS or code not in MESSAGES
            return _error(code, clean_message(text) if keep else None)
    if any(isinstance(c, PostProcessingError) for c in chain):
        return _error(ErrorCode.PROCESSING_FAILED, f"Converting the file failed: {clean_message(text)}")
    if any(isinstance(c, OSError) for c in chain):
        return _error(ErrorCode.DOWNLOAD_FAILED, f"Writing the file failed: {clean_message(text)}")
    if not any(isinstance(c, ExtractorError | DownloadError) for c in chain):
        log.debug("unexpected error", exc_info=exc)  # a bug of ours: keep the details for -v
        detail = f"Something went wrong inside savevid ({type(exc).__name__}: {exc})."
        return _error(ErrorCode.INTERNAL, INTERNAL_MESSAGE, detail)
    return _error(ErrorCode.DOWNLOAD_FAILED, clean_message(text))

"""One exception tree with stable codes that the CLI, the API and the page map to messages."""

from __future__ import annotations

import errno
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable, machine-readable reasons a link could not become a file."""

    INVALID_URL = "invalid_url"
    INVALID_OPTION = "invalid_option"
    UNSUPPORTED_URL = "unsupported_url"
    NO_MEDIA = "no_media"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"
    PRIVATE = "private"
    LOGIN_REQUIRED = "login_required"
    AGE_RESTRICTED = "age_restricted"
    GEO_BLOCKED = "geo_blocked"
    DRM = "drm_protected"
    RATE_LIMITED = "rate_limited"  # the site's limit; this server's own is TOO_MANY_REQUESTS
    TOO_MANY_REQUESTS = "too_many_requests"
    TOO_MANY_DOWNLOADS = "too_many_downloads"
    UNAUTHORIZED = "unauthorized"  # no key where this server requires one
    INVALID_KEY = "invalid_key"
    STORAGE_FULL = "storage_full"
    FORBIDDEN = "forbidden"
    BLOCKED_ADDRESS = "blocked_address"
    TOO_LARGE = "too_large"
    TOO_LONG = "too_long"
    NETWORK = "network"
    FORMAT_UNAVAILABLE = "format_unavailable"
    FFMPEG_MISSING = "ffmpeg_missing"
    DOWNLOAD_FAILED = "download_failed"
    PROCESSING_FAILED = "processing_failed"
    CANCELLED = "cancelled"
    INTERNAL = "internal"
    CHOOSE_ITEMS = "choose_items"
    NO_SUCH_ITEM = "no_such_item"


# Reasons that are the asker's own mistake: the CLI exits 2 and the API answers 4xx for them.
USAGE_CODES = frozenset({ErrorCode.INVALID_URL, ErrorCode.INVALID_OPTION, ErrorCode.CHOOSE_ITEMS,
                         ErrorCode.NO_SUCH_ITEM})  # fmt: skip


class SavevidError(Exception):
    """Base of every error a person may see; ``message`` is one plain sentence.

    ``detail``, when set, is the account for whoever runs savevid (which address, which setting):
    the CLI prints it instead of the message and hint, the server logs it, and the API never sends it.
    """

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        hint: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint
        self.detail = detail

    @property
    def is_usage(self) -> bool:
        """True when the input itself was wrong, not the site or the network."""
        return self.code in USAGE_CODES

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"

    @property
    def for_operator(self) -> str:
        """What the one who runs savevid is told: the detail if there is one, else message and hint."""
        return self.detail or str(self)


FFMPEG_MISSING_MESSAGE = "This server cannot merge or convert videos right now."
BLOCKED_ADDRESS_MESSAGE = (
    "This link points to a private or local network, or to an unusual port, which this server does not open."
)
INTERNAL_MESSAGE = "Something went wrong inside savevid."


class InvalidURLError(SavevidError):
    """The text is not a link savevid can open."""

    code = ErrorCode.INVALID_URL


class InvalidOptionError(SavevidError):
    """An option (format spec, browser name, ...) is not one savevid understands."""

    code = ErrorCode.INVALID_OPTION


class ExtractionError(SavevidError):
    """The site answered, but no media could be had from it."""

    code = ErrorCode.NO_MEDIA


class NetworkError(SavevidError):
    """The site could not be reached, even after retries."""

    code = ErrorCode.NETWORK


class DownloadFailedError(SavevidError):
    """The media was found but its bytes could not be fetched or assembled."""

    code = ErrorCode.DOWNLOAD_FAILED


class FFmpegMissingError(SavevidError):
    """No ffmpeg binary could be found to merge or convert; what to install is the operator's detail."""

    code = ErrorCode.FFMPEG_MISSING

    def __init__(self, detail: str, hint: str | None = None) -> None:
        super().__init__(FFMPEG_MISSING_MESSAGE, detail=f"{detail} {hint}" if hint else detail)


class StorageFullError(SavevidError):
    """The server has no room for this download right now (its disk, its quota, or its reserve)."""

    code = ErrorCode.STORAGE_FULL

    def __init__(
        self, message: str = "This server is out of storage space right now.", hint: str = "Try again later."
    ) -> None:
        super().__init__(message, hint=hint)


_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# The same conditions in the words of the OS, ffmpeg's stderr, and SQLite (SQLITE_FULL).
_FULL_WORDS = ("no space left on device", "disk quota exceeded", "database or disk is full")


def says_disk_full(text: str) -> bool:
    """True when a message (an error's, or a tool's output) says a disk or quota is full."""
    text = text.lower()
    return any(words in text for words in _FULL_WORDS)


def is_disk_full(error: BaseException) -> bool:
    """True when error is ENOSPC or EDQUOT, or says so (SQLite's SQLITE_FULL has only words)."""
    if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
        return True
    return says_disk_full(str(error))

from __future__ import annotations

import sys

import pytest
from yt_dlp.networking.common import Response
from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import (
    DownloadError,
    ExtractorError,
    GeoRestrictedError,
    PostProcessingError,
    UnsupportedError,
)

from savevid.cli.render import error_line
from savevid.errors import ErrorCode
from savevid.resolve.failures import classify, clean_message


def wrapped(exc: BaseException) -> DownloadError:
    """As YoutubeDL raises it: a DownloadError carrying the original in exc_info."""
    try:
        raise exc
    except BaseException:
        return DownloadError(f"ERROR: {exc}", sys.exc_info())


def http_error(status: int) -> HTTPError:
    import io

    return HTTPError(Response(io.BytesIO(b""), "https://site.invalid/v", {}, status=status))


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("[youtube] abc: Private video. Sign in if you've been granted access", ErrorCode.PRIVATE),
        (
            "[youtube] abc: Video unavailable. This video has been removed by the uploader",
            ErrorCode.UNAVAILABLE,
        ),
        ("[youtube] abc: Sign in to confirm your age", ErrorCode.AGE_RESTRICTED),
        ("[vimeo] 1: This video is DRM protected", ErrorCode.DRM),
        (
            "[instagram] x: Requested content is not available, rate-limit reached or login required."
            " Use --cookies",
            ErrorCode.LOGIN_REQUIRED,
        ),
        ("[bbc] x: This video is not available in your country", ErrorCode.GEO_BLOCKED),
        ("Requested format is not available. Use --list-formats", ErrorCode.FORMAT_UNAVAILABLE),
    ],
)
def test_site_messages_map_to_codes(message: str, code: ErrorCode) -> None:
    error = classify(wrapped(ExtractorError(message, expected=True)))
    assert error.code is code
    assert "Traceback" not in str(error)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (404, ErrorCode.NOT_FOUND),
        (410, ErrorCode.NOT_FOUND),
        (403, ErrorCode.FORBIDDEN),
        (429, ErrorCode.RATE_LIMITED),
        (503, ErrorCode.NETWORK),
    ],
)
def test_http_statuses_map_to_codes(status: int, code: ErrorCode) -> None:
    try:
        raise http_error(status)
    except HTTPError as cause:
        extractor_error = ExtractorError("Unable to download webpage", cause=cause)
    assert classify(wrapped(extractor_error)).code is code


def test_connection_refused_names_the_host() -> None:
    try:
        raise TransportError(cause=ConnectionRefusedError(111, "Connection refused"))
    except TransportError as cause:
        extractor_error = ExtractorError("Unable to download webpage", cause=cause)
    error = classify(wrapped(extractor_error), "http://127.0.0.1:9/v")
    assert error.code is ErrorCode.NETWORK
    assert error.message == "Could not reach 127.0.0.1:9: connection refused."


def test_typed_yt_dlp_errors_win_over_messages() -> None:
    assert classify(wrapped(GeoRestrictedError("nope"))).code is ErrorCode.GEO_BLOCKED
    assert classify(wrapped(UnsupportedError("https://x.invalid"))).code is ErrorCode.NO_MEDIA


def test_unknown_errors_keep_a_clean_message() -> None:
    error = classify(wrapped(ExtractorError("[site] 42: something odd happened")))
    assert error.code is ErrorCode.DOWNLOAD_FAILED
    assert error.message == "Something odd happened"


def test_clean_message_strips_yt_dlp_boilerplate() -> None:
    text = "ERROR: [generic] abc: Unable to extract title; please report this issue on https://x"
    assert clean_message(text) == "Unable to extract title"


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("[youtube] abc: Sign in to confirm your age", "--cookies"),
        ("[youtube] abc: Private video. Sign in if you've been granted access", "--cookies-from-browser"),
        ("Requested format is not available. Use --list-formats", "savevid info URL"),
    ],
)
def test_command_line_hints_are_the_command_lines_alone(message: str, flag: str) -> None:
    error = classify(wrapped(ExtractorError(message, expected=True)))
    assert flag not in f"{error.message} {error.hint}"  # what the API sends a visitor
    assert flag in error_line(error, "https://x.invalid/v").plain  # what the CLI prints


def test_a_failure_of_our_own_keeps_its_details_from_the_visitor() -> None:
    error = classify(KeyError("/srv/savevid/secret-path"))
    assert error.code is ErrorCode.INTERNAL
    assert "secret-path" not in str(error) and "KeyError" not in str(error)
    assert error.detail is not None and "KeyError" in error.detail and "secret-path" in error.detail
    assert "secret-path" in error_line(error).plain  # the CLI's user runs savevid: they get it


def test_yt_dlp_missing_ffmpeg_is_the_operators_to_fix() -> None:
    error = classify(wrapped(PostProcessingError("ffmpeg not found. Please install or provide the path")))
    assert error.code is ErrorCode.FFMPEG_MISSING
    assert "install" not in str(error).lower() and "ffmpeg" not in str(error)
    assert error.detail is not None and "install" in error.detail
    assert "install" in error_line(error).plain

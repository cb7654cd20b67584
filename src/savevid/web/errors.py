"""SavevidErrors as JSON: a stable ``code``, a plain ``message``, and the right status."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from savevid.errors import INTERNAL_MESSAGE, ErrorCode, SavevidError, StorageFullError, is_disk_full

log = logging.getLogger("savevid.web")


class WebCode(StrEnum):
    """The codes of the web layer's own answers, beside the ``ErrorCode`` of a SavevidError."""

    BAD_REQUEST = "bad_request"
    UNKNOWN_FIELD = "unknown_field"
    NO_SUCH_DOWNLOAD = "no_such_download"  # no download has this id (or it was removed)
    NO_SUCH_PATH = "no_such_path"  # no page or route at this address
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_READY = "not_ready"
    SERVER_STOPPING = "server_stopping"
    BUSY = "busy"
    LENGTH_REQUIRED = "length_required"
    REQUEST_TOO_LARGE = "request_too_large"
    NOT_SIGNED = "not_signed"  # a thumbnail address this server did not hand out
    NO_THUMBNAIL = "no_thumbnail"  # a download without a thumbnail (yet)
    NOT_IMAGE = "not_image"  # the thumbnail's bytes are not an image
    TOO_MANY_FILES = "too_many_files"  # more downloads in one zip than it takes
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a body in a form the route does not read


WEB_CODES = frozenset(WebCode)
# Every code an answer of the API or a job's ``error_code`` can carry; each has a message in the
# page's catalogs (``error_<code>`` in static/i18n/*.json).
ALL_CODES: tuple[str, ...] = (*ErrorCode, *WebCode)

_STATUS = {ErrorCode.NETWORK: 502, ErrorCode.RATE_LIMITED: 503, ErrorCode.INTERNAL: 500,
           ErrorCode.FFMPEG_MISSING: 500,
           ErrorCode.UNAUTHORIZED: 401, ErrorCode.INVALID_KEY: 401, ErrorCode.STORAGE_FULL: 507}  # fmt: skip
_HTTP_CODES = {400: WebCode.BAD_REQUEST, 404: WebCode.NO_SUCH_PATH, 405: WebCode.METHOD_NOT_ALLOWED}


def status_for(error: SavevidError) -> int:
    """400 for a bad request, 422 for a link with nothing to download, 5xx for our side or the network."""
    if error.is_usage:
        return 400
    return _STATUS.get(error.code, 422)


def code_for_status(status: int) -> WebCode | ErrorCode:
    """The code of an HTTP error raised without one (the router's 404 and 405, a body it cannot read)."""
    return _HTTP_CODES.get(status, WebCode.BAD_REQUEST if status < 500 else ErrorCode.INTERNAL)


def error_body(code: WebCode | ErrorCode, message: str, hint: str | None = None) -> dict[str, str | None]:
    return {"code": code.value, "message": message, "hint": hint}


async def savevid_error(request: Request, error: Exception) -> JSONResponse:
    """The error as JSON; its operator's detail (an address, a setting) goes to the log, not the caller."""
    assert isinstance(error, SavevidError)
    if error.detail:
        log.warning("%s %s: %s: %s", request.method, request.url.path, error.code.value, error.detail)
    body = error_body(error.code, error.message, error.hint)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:  # this client's own limit
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})
    return JSONResponse(body, status_code=status_for(error))


async def validation_error(_: Request, error: Exception) -> JSONResponse:
    """400 ``bad_request`` for a missing or wrong value; 422 ``unknown_field`` for a field the API
    does not have, since a client that sent it believes it asked for something it did not get."""
    assert isinstance(error, RequestValidationError)
    unknown = [_where(problem) for problem in error.errors() if problem.get("type") == "extra_forbidden"]
    if unknown:
        names = ", ".join(f"'{name[:60]}'" for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        message = f"Unknown field{plural} {names}: the API has no such field{plural}."
        return JSONResponse(error_body(WebCode.UNKNOWN_FIELD, message,
                                       "The API's fields are listed at /docs."), status_code=422)  # fmt: skip
    first = error.errors()[0] if error.errors() else {}
    where = _where(first)
    message = f"Bad request: {where + ': ' if where else ''}{first.get('msg', 'invalid input')}."
    return JSONResponse(error_body(WebCode.BAD_REQUEST, message), status_code=400)


def _where(problem: Mapping[str, Any]) -> str:
    """Where in the request a problem is: ``items.2``, not ``body.items.2``."""
    return ".".join(str(part) for part in problem.get("loc", ()) if part != "body")


async def storage_error(request: Request, error: Exception) -> JSONResponse:
    """A write of the server's own that failed (the jobs database, the queue, a file): on a full
    disk ``507 storage_full``, else ``500 internal``; JSON either way, and the server stays up."""
    if is_disk_full(error):
        log.warning("%s %s: %s", request.method, request.url.path, error)
        return await savevid_error(request, StorageFullError())
    log.error("%s %s failed", request.method, request.url.path, exc_info=error)
    return await savevid_error(request, SavevidError(INTERNAL_MESSAGE))

"""SavevidErrors as JSON: a stable ``code``, a plain ``message``, and the right status."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from savevid.errors import ErrorCode, SavevidError, StorageFullError, is_disk_full

log = logging.getLogger("savevid.web")

_STATUS = {ErrorCode.NETWORK: 502, ErrorCode.RATE_LIMITED: 503, ErrorCode.INTERNAL: 500,
           ErrorCode.FFMPEG_MISSING: 500,
           ErrorCode.UNAUTHORIZED: 401, ErrorCode.STORAGE_FULL: 507}  # fmt: skip


def status_for(error: SavevidError) -> int:
    """400 for a bad request, 422 for a link with nothing to download, 5xx for our side or the network."""
    if error.is_usage:
        return 400
    return _STATUS.get(error.code, 422)


def error_body(code: str, message: str, hint: str | None = None) -> dict[str, str | None]:
    return {"code": code, "message": message, "hint": hint}


async def savevid_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SavevidError)
    body = error_body(error.code.value, error.message, error.hint)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:  # this client's own limit
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})
    return JSONResponse(body, status_code=status_for(error))


async def validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = f"Bad request: {where + ': ' if where else ''}{first.get('msg', 'invalid input')}."
    return JSONResponse(error_body("bad_request", message), status_code=400)


async def storage_error(request: Request, error: Exception) -> JSONResponse:
    """A write of the server's own that failed (the jobs database, the queue, a file): on a full
    disk ``507 storage_full``, else ``500 internal``; JSON either way, and the server stays up."""
    if is_disk_full(error):
        log.warning("%s %s: %s", request.method, request.url.path, error)
        return await savevid_error(request, StorageFullError())
    log.error("%s %s failed", request.method, request.url.path, exc_info=error)
    return JSONResponse(error_body(ErrorCode.INTERNAL.value, "Something went wrong inside savevid."),
                        status_code=500)  # fmt: skip

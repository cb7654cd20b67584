"""SavevidErrors as JSON: a stable ``code``, a plain ``message``, and the right status."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

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
    """400 ``bad_request`` for a missing or wrong value; 422 ``unknown_field`` for a field the API
    does not have, since a client that sent it believes it asked for something it did not get."""
    assert isinstance(error, RequestValidationError)
    unknown = [_where(problem) for problem in error.errors() if problem.get("type") == "extra_forbidden"]
    if unknown:
        names = ", ".join(f"'{name[:60]}'" for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        message = f"Unknown field{plural} {names}: the API has no such field{plural}."
        return JSONResponse(error_body("unknown_field", message, "The API's fields are listed at /docs."),
                            status_code=422)  # fmt: skip
    first = error.errors()[0] if error.errors() else {}
    where = _where(first)
    message = f"Bad request: {where + ': ' if where else ''}{first.get('msg', 'invalid input')}."
    return JSONResponse(error_body("bad_request", message), status_code=400)


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
    return await savevid_error(request, SavevidError("Something went wrong inside savevid."))

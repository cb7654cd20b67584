"""Thumbnails served by this server, so that a page shows them under its own Content-Security-Policy
and without the visitor's browser contacting the site (which would learn the visitor's address).

``POST /api/info`` hands out ``/api/thumbnail?u=URL&s=SIGNATURE``: the signature is an HMAC of the
URL with a key kept in the data directory, so the route fetches only URLs this server itself learnt
while resolving a link, never one a caller makes up. A download's thumbnail is at
``/api/downloads/{id}/thumbnail``, opened by the download's id as its file is.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from yt_dlp.networking import Request as YdlRequest

from savevid.config import Settings
from savevid.engine.transport import Body
from savevid.errors import ErrorCode
from savevid.resolve.failures import classify
from savevid.resolve.ydl import open_ydl
from savevid.safety.cutoff import Cutoff
from savevid.safety.images import HEAD, IMAGE_TYPES, sniff_image
from savevid.safety.urls import MAX_URL_LENGTH
from savevid.web.access import Caller, identify
from savevid.web.errors import WebCode, error_body
from savevid.web.image_cache import Failure, Image, ImageCache

KEY_FILE = "thumbnails.key"
KEY_BYTES = 32
SIGNATURE_CHARS = 32  # 128 bits of HMAC-SHA256
MAX_IMAGE_BYTES = 4_000_000
WAIT_SLACK = 1.0
FETCH_SECONDS = 10.0  # the whole fetch; a connection or read that gets nothing for half of it fails sooner
ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"
# The image alone: nothing in it runs, nothing guesses its type, no other site may embed it.
IMAGE_HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}

NOT_IMAGE = Failure(422, WebCode.NOT_IMAGE, "The thumbnail is not an image (JPEG, PNG, GIF, WebP or AVIF).")
TOO_LARGE = Failure(
    422, ErrorCode.TOO_LARGE, f"The thumbnail is larger than {MAX_IMAGE_BYTES // 1_000_000} MB."
)
TOO_SLOW = Failure(
    502, ErrorCode.NETWORK, f"The thumbnail's site did not send it within {FETCH_SECONDS:.0f} s."
)

router = APIRouter(prefix="/api")
CallerDep = Annotated[Caller, Depends(identify)]


def load_key(path: Path) -> bytes:
    """The signing key kept in path; made (random, readable by its owner alone) when there is none,
    so signatures handed out before a restart stay good after it."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) == KEY_BYTES:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        return key
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    os.replace(temporary, path)  # a damaged key is replaced whole
    return key


def fetchable(url: str | None) -> bool:
    """Whether url is an absolute http(s) URL this server would fetch a thumbnail from."""
    if not url or len(url) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def download_thumbnail_path(job_id: str, thumbnail: str | None) -> str | None:
    """Where a download's thumbnail is served; None while it has none."""
    return f"/api/downloads/{job_id}/thumbnail" if fetchable(thumbnail) else None


class Thumbnails:
    """Signs the thumbnail URLs this server hands out; fetches, checks and caches their images."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._key = load_key(settings.data_dir / KEY_FILE)
        # A request that waits for another's fetch of the same URL waits as long as that fetch may take.
        self.cache = ImageCache(wait_seconds=FETCH_SECONDS + WAIT_SLACK, late=TOO_SLOW)

    def signature(self, url: str) -> str:
        digest = hmac.new(self._key, b"thumbnail\0" + url.encode(), hashlib.sha256).hexdigest()
        return digest[:SIGNATURE_CHARS]

    def path_for(self, url: str | None) -> str | None:
        """The same-origin path that serves url's image; None for no url, or one never fetched."""
        if url is None or not fetchable(url) or not url.isprintable():
            return None
        return f"/api/thumbnail?{urlencode({'u': url, 's': self.signature(url)})}"

    def signed(self, url: str, signature: str) -> bool:
        """Whether signature is this server's for url (compared in constant time)."""
        return fetchable(url) and hmac.compare_digest(self.signature(url).encode(), signature.encode())

    def image(self, url: str) -> Image | Failure:
        """url's image, from the cache while it is fresh, else fetched once for all who ask."""
        return self.cache.get(url, lambda: fetch_image(self._settings, url))


def fetch_image(settings: Settings, url: str) -> Image | Failure:
    """The image at url, fetched through a guarded YoutubeDL: the server's network rules apply to
    the connection and to every redirect hop, as they do to every other fetch of the server.
    After ``FETCH_SECONDS`` in all its connections are cut, however slowly the site is sending."""
    request = YdlRequest(url, headers={"Accept": ACCEPT, "Accept-Encoding": "identity"},
                         extensions={"timeout": FETCH_SECONDS / 2})  # fmt: skip
    with Cutoff(FETCH_SECONDS) as cutoff:
        try:
            with open_ydl(settings, playlist=False) as ydl:
                body = Body(ydl.urlopen(request))
                try:
                    found = _read_image(body)
                finally:
                    body.abort()  # nothing more is wanted from this connection
        except Exception as exc:  # the network, the site, or the rules: one code for the page
            if cutoff.expired:
                return TOO_SLOW
            error = classify(exc, url)
            if error.code is ErrorCode.BLOCKED_ADDRESS:
                return Failure(422, error.code, error.message)
            return Failure(502, ErrorCode.NETWORK, f"The thumbnail could not be fetched: {error.message}")
        # A body cut at the deadline ends early, and its first part may look like a whole image.
        return TOO_SLOW if cutoff.expired else found


def _read_image(body: Body) -> Image | Failure:
    """The body as an image: refused as soon as its size or first bytes show it is none."""
    if body.length is not None and body.length > MAX_IMAGE_BYTES:
        return TOO_LARGE
    data = bytearray()
    kind: str | None = None
    while chunk := body.read(64 * 1024):
        data += chunk
        if len(data) > MAX_IMAGE_BYTES:
            return TOO_LARGE
        if kind is None and len(data) >= HEAD and (kind := sniff_image(bytes(data[:HEAD]))) is None:
            return NOT_IMAGE
    kind = kind or sniff_image(bytes(data))
    return Image(bytes(data), kind) if kind else NOT_IMAGE


def thumbnail_path(request: Request, url: str | None) -> str | None:
    """The same-origin path of url's image on this app (see Thumbnails.path_for)."""
    thumbnails: Thumbnails = request.app.state.thumbnails
    return thumbnails.path_for(url)


def _answer(found: Image | Failure) -> Response:
    if isinstance(found, Failure):
        headers = None if found.retry_after is None else {"Retry-After": str(found.retry_after)}
        raise HTTPException(found.status, detail=error_body(found.code, found.message), headers=headers)
    return Response(found.data, media_type=found.type, headers=IMAGE_HEADERS)


_IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {kind: {} for kind in sorted(IMAGE_TYPES)}, "description": "The image"}
}


@router.get("/thumbnail", response_class=Response, responses=_IMAGE_RESPONSES,
            summary="A thumbnail this server handed out (thumbnail_url), fetched by the server")  # fmt: skip
def thumbnail(
    request: Request, _: CallerDep,
    u: Annotated[str, Query(max_length=MAX_URL_LENGTH, description="The thumbnail's URL")] = "",
    s: Annotated[str, Query(max_length=64, description="This server's signature of u")] = "",
) -> Response:  # fmt: skip
    """Only a URL with this server's signature is fetched (403 ``not_signed`` otherwise)."""
    thumbnails: Thumbnails = request.app.state.thumbnails
    if not thumbnails.signed(u, s):
        refused = error_body(WebCode.NOT_SIGNED, "This server did not hand out this thumbnail address.")
        raise HTTPException(403, detail=refused)
    return _answer(thumbnails.image(u))


@router.get("/downloads/{job_id}/thumbnail", response_class=Response, responses=_IMAGE_RESPONSES,
            summary="A download's thumbnail, fetched by the server")  # fmt: skip
def download_thumbnail(job_id: str, request: Request, _: CallerDep) -> Response:
    job = request.app.state.queue.get(job_id)
    if job is None:
        raise HTTPException(404, detail=error_body(WebCode.NO_SUCH_DOWNLOAD, "There is no such download."))
    url = job.thumbnail
    if url is None or not fetchable(url):  # none yet, or one this server never fetches
        raise HTTPException(404, detail=error_body(WebCode.NO_THUMBNAIL, "This download has no thumbnail."))
    thumbnails: Thumbnails = request.app.state.thumbnails
    return _answer(thumbnails.image(url))

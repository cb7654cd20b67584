"""Turning what a person pasted into a link that savevid may open."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from savevid.errors import InvalidURLError

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_URL_LENGTH = 4096
_HOST_LIKE = re.compile(r"^[\w.-]+\.[a-z]{2,}(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def normalize_url(text: str) -> str:
    """The link in text, with ``https://`` added to a bare ``host/path``; InvalidURLError if none."""
    url = text.strip()
    if not url:
        raise InvalidURLError("No link given.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURLError(f"That link is too long (over {MAX_URL_LENGTH} characters).")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidURLError(f"That is not a link: {_shorten(url)!r}.")
    scheme = _SCHEME.match(url)
    if not scheme or (scheme.group(1).lower() not in ALLOWED_SCHEMES and _HOST_LIKE.match(url)):
        if not _HOST_LIKE.match(url):
            raise InvalidURLError(f"That is not a link: {_shorten(url)!r}.")
        url = f"https://{url}"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InvalidURLError(f"Only http and https links are supported, not {parts.scheme}:.")
    try:
        host, _ = parts.hostname, parts.port
    except ValueError as exc:
        raise InvalidURLError(f"That link has a bad port: {_shorten(url)!r}.") from exc
    if not host:
        raise InvalidURLError(f"That link has no host name: {_shorten(url)!r}.")
    if parts.username is not None or parts.password is not None:
        # user:password@ in a pasted link is a way to smuggle credentials or to disguise the host
        raise InvalidURLError("Links with a user name or password in them are not accepted.")
    return url


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"

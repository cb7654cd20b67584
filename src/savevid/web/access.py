"""Who is calling: an API key's holder, a browser, or an address; and what each may do.

API keys come from ``SAVEVID_API_KEYS`` as ``NAME:SECRET[:REQUESTS_PER_MINUTE]``. A caller shows
one as ``Authorization: Bearer SECRET``, or the page stores it in an HttpOnly cookie after asking
for it once (``POST /api/session``), since EventSource and file links cannot send headers.
Secrets are compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import Request, Response

from savevid.errors import ErrorCode, SavevidError
from savevid.web.limits import RateLimiter, client_key

KEY_COOKIE = "savevid_key"
OWNER_COOKIE = "savevid_owner"  # a random name per browser, so its list shows its own downloads
_OWNER = re.compile(r"[0-9a-f]{32}")
MIN_SECRET = 16


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: bytes  # SHA-256 of the secret: the secret itself is not kept
    per_minute: int | None = None  # None: the server's requests_per_minute


@dataclass(frozen=True)
class Caller:
    """``limit_key`` counts requests and downloads; ``owner`` decides whose downloads are listed."""

    limit_key: str
    owner: str
    key: ApiKey | None = None


class Unauthorized(SavevidError):
    """No key where one is required (``unauthorized``), or a key that is not one of the server's
    (``invalid_key``)."""

    code = ErrorCode.UNAUTHORIZED


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_keys(text: str) -> list[ApiKey]:
    """``NAME:SECRET[:PER_MINUTE]`` entries, comma separated; a ValueError says what is wrong."""
    keys: list[ApiKey] = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        name, _, rest = entry.partition(":")
        secret, _, limit = rest.partition(":")
        if not name or not re.fullmatch(r"[\w.-]+", name):
            raise ValueError("an API key needs a name of letters, digits, '.', '-' or '_' (NAME:SECRET)")
        if len(secret) < MIN_SECRET:
            raise ValueError(f"the API key {name!r} needs a secret of at least {MIN_SECRET} characters")
        if limit and not limit.isdigit():
            raise ValueError(f"the API key {name!r} has a limit that is not a whole number")
        if any(key.name == name for key in keys):
            raise ValueError(f"the API key name {name!r} is used twice")
        keys.append(ApiKey(name, _digest(secret), int(limit) if limit else None))
    return keys


def find_key(keys: list[ApiKey], secret: str) -> ApiKey | None:
    """The key whose secret this is; every key is compared, in constant time, whatever matches."""
    digest = _digest(secret)
    found = None
    for key in keys:
        if hmac.compare_digest(key.digest, digest):
            found = key
    return found


def presented_secret(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(KEY_COOKIE) or None


def check_key(request: Request, secret: str) -> ApiKey:
    """The server's key with this secret; Unauthorized if there is none.

    The address's token is taken before the secret is compared: past the address's rate no guess
    is tried at all (429), on any route. A right key gets the token back, since it counts against
    its own rate; a wrong one keeps it spent.
    """
    limiter: RateLimiter = request.app.state.limiter
    address = client_key(request, request.app.state.settings.trusted_proxies)
    limiter.check(address)
    key = find_key(request.app.state.api_keys, secret)
    if key is None:
        raise Unauthorized("This access key is not valid on this server.", code=ErrorCode.INVALID_KEY,
                           hint="Check the key, or ask the server's owner for one.")  # fmt: skip
    limiter.give_back(address)
    return key


def identify(request: Request) -> Caller:
    """The caller of this request; raises Unauthorized for a wrong key, or a missing required one."""
    settings = request.app.state.settings
    secret = presented_secret(request)
    if secret is not None:
        key = check_key(request, secret)
        return Caller(limit_key=f"key:{key.name}", owner=f"key:{key.name}", key=key)
    if settings.auth_required:
        raise Unauthorized("This server needs an access key.", hint="Ask the server's owner for one.")
    address = client_key(request, settings.trusted_proxies)
    browser = request.cookies.get(OWNER_COOKIE, "")
    owner = f"browser:{browser}" if _OWNER.fullmatch(browser) else f"client:{address}"
    return Caller(limit_key=address, owner=owner)


def keep_in_browser(
    reply: Response, request: Request, name: str, value: str, same_site: Literal["strict", "lax"] = "strict"
) -> None:
    """A cookie for a year that no script can read; with SameSite=Strict, no other site's page or
    link makes the browser send it."""
    reply.set_cookie(name, value, max_age=365 * 86400, httponly=True, samesite=same_site,
                     secure=request.url.scheme == "https")  # fmt: skip


def name_browser(reply: Response, request: Request) -> None:
    """Give this browser its own owner name. SameSite=Lax: it goes along when the browser arrives by
    a link from another site (a top-level GET), so that visit sees its own list; it never goes with
    another site's POST, fetch or embedded request."""
    keep_in_browser(reply, request, OWNER_COOKIE, secrets.token_hex(16), same_site="lax")

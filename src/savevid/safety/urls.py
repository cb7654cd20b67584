"""Turning what a person pasted into a link that savevid may open."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from savevid.errors import InvalidURLError

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_URL_LENGTH = 4096
_HOST_LIKE = re.compile(r"^[\w.-]+\.[a-z]{2,}(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_LINK_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>'\"»”’…"  # punctuation that ends a sentence, not a link
# Query parameters that only say who shared a link and how; dropping them changes nothing else.
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid", "igsh",
                       "mibextid", "ref_src", "ref_url", "_openstat"})  # fmt: skip
_TRACKING_BY_SITE: dict[tuple[str, ...], frozenset[str]] = {
    ("youtube.com", "youtu.be"): frozenset({"si", "feature", "pp"}),
    ("twitter.com", "x.com"): frozenset({"s", "t"}),
    ("tiktok.com",): frozenset(
        {
            "_t",
            "_r",
            "is_from_webapp",
            "sender_device",
            "web_id",
            "share_app_id",
            "share_link_id",
            "share_item_id",
        }
    ),
    ("instagram.com",): frozenset({"img_index", "hl"}),
}


def normalize_url(text: str) -> str:
    """The link in text (which may be a sentence around it), with ``https://`` added to a bare
    ``host/path`` and tracking parameters dropped; InvalidURLError if there is none."""
    url = text.strip()
    if not url:
        raise InvalidURLError("No link given.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURLError(f"That link is too long (over {MAX_URL_LENGTH} characters).")
    url = _link_in(url)
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
    try:
        host.encode("idna")  # as every request will: an empty or over-long label cannot be sent
    except UnicodeError:
        raise InvalidURLError(f"That link has a bad host name: {_shorten(host)!r}.") from None
    if parts.username is not None or parts.password is not None:
        # user:password@ in a pasted link is a way to smuggle credentials or to disguise the host
        raise InvalidURLError("Links with a user name or password in them are not accepted.")
    return _without_tracking(url)


def _link_in(text: str) -> str:
    """The first link in what was pasted ("look at this https://... !"), or text itself."""
    if not any(c.isspace() for c in text) and (_SCHEME.match(text) or _HOST_LIKE.match(text)):
        return text
    found = _LINK_IN_TEXT.search(text)
    if found is not None:
        link = found.group()
    else:
        link = next((word for word in text.split() if _HOST_LIKE.match(word)), text)
    while link and link[-1] in _TRAILING:
        if link[-1] == ")" and link.count("(") >= link.count(")"):
            break  # a parenthesis that belongs to the link
        link = link[:-1]
    return link


def _without_tracking(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    host = (parts.hostname or "").lower()
    drop = set(_TRACKING)
    for domains, names in _TRACKING_BY_SITE.items():
        if any(host == d or host.endswith(f".{d}") for d in domains):
            drop |= names
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k not in drop and not k.lower().startswith("utm_")]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"

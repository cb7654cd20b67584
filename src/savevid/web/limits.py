"""Per-client limits of a public instance: requests per minute, and downloads at once."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Sequence

from fastapi import Request

from savevid.errors import ErrorCode, SavevidError


def client_key(request: Request, trusted_proxies: Sequence[str] = ()) -> str:
    """Who is asking: the peer address, or X-Forwarded-For's nearest untrusted hop when the peer
    is a trusted proxy. An IPv6 client counts per /64, the block one subscriber usually has."""
    peer = request.client.host if request.client else "unknown"
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    address = peer
    while address in trusted_proxies and hops:
        address = hops.pop()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled steadily (a client may have its own)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float | None = None, per_minute: int | None = None) -> None:
        """Take a token for key, or raise a too_many_requests error saying when to come back."""
        capacity = float(self.per_minute if per_minute is None else per_minute)
        if capacity <= 0:
            return
        rate = capacity / 60.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, since = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - since) * rate)
            if tokens < 1:
                wait = math.ceil((1 - tokens) / rate)
                self._buckets[key] = (tokens, now)
                raise TooManyRequests(wait)
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 100_000:  # forget the idle, so memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 600}

    def give_back(self, key: str) -> None:
        """Return the token just taken for key: the request turned out to count elsewhere."""
        with self._lock:
            if key in self._buckets and self.per_minute > 0:
                tokens, since = self._buckets[key]
                self._buckets[key] = (min(float(self.per_minute), tokens + 1), since)


class TooManyRequests(SavevidError):
    """This client asked too often (or has too many downloads under way, with ``too_many_downloads``);
    ``retry_after`` seconds until it may again."""

    code = ErrorCode.TOO_MANY_REQUESTS

    def __init__(
        self, retry_after: int, message: str | None = None, *, code: ErrorCode | None = None
    ) -> None:
        super().__init__(message or f"Too many requests: try again in {retry_after} s.", code=code)
        self.retry_after = retry_after

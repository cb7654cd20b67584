"""Bounded retries: exponential backoff with jitter, honouring a server's Retry-After."""

from __future__ import annotations

import email.utils
import random
import threading
import time

MAX_PAUSE = 30.0


class Cancelled(Exception):
    """The download was cancelled (by the person, or because another part failed)."""


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt``: exponential, capped at 8 s, with jitter."""
    return float(min(0.25 * 2**attempt, 8.0) * random.uniform(0.5, 1.0))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def pause(attempt: int, cancel: threading.Event, retry_after: float | None = None) -> None:
    """Wait before the next attempt; raise Cancelled as soon as cancel is set."""
    delay = min(max(retry_after or 0.0, backoff(attempt)), MAX_PAUSE)
    if cancel.wait(delay):
        raise Cancelled

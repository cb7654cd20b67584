"""Busy sites: the waits of yt-dlp's retry loops and of savevid's, and when resolving asks again.

yt-dlp retries inside its extractors and downloaders and calls a sleep function between tries;
resolving retries a whole extraction when the site answered 429 or 503. Both wait through one
:class:`RetryWaits` per YoutubeDL, with the engine's policy (``engine.retry.pause``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from yt_dlp.networking.exceptions import HTTPError

from savevid.config import Settings
from savevid.engine.retry import parse_retry_after, pause
from savevid.resolve.failures import site_answer

log = logging.getLogger("savevid")

T = TypeVar("T")

BUSY = frozenset({429, 503})
# Resolving answers someone who waits (the info page, POST /api/info): a few retries, not a download's ten.
RESOLVE_RETRIES = 3

# The Retry-After of the last answer a request of this thread failed with: yt-dlp's retry loops
# call their sleep function in the thread whose request failed, right after it failed.
_last_failure = threading.local()


def resolve_retries(settings: Settings) -> int:
    """Retries while resolving, by savevid and by each retry loop of yt-dlp's extractors alike."""
    return min(settings.retries, RESOLVE_RETRIES)


def note_answer(error: HTTPError | None) -> None:
    """Record how a request of this thread ended (None: not with an HTTP error)."""
    headers = error.response.headers if error is not None else {}
    _last_failure.retry_after = parse_retry_after(headers.get("Retry-After"))


def _take_retry_after() -> float | None:
    seconds: float | None = getattr(_last_failure, "retry_after", None)
    _last_failure.retry_after = None
    return seconds


class RetryWaits:
    """The waits between retries of one YoutubeDL: backoff with jitter, at least the failed answer's
    Retry-After, at most MAX_PAUSE; Cancelled as soon as ``cancel`` is set.

    An instance is yt-dlp's ``retry_sleep_functions`` entry, called as ``func(n=retries_so_far)``:
    it waits itself (yt-dlp's own ``time.sleep`` could not be cancelled) and returns 0.
    """

    def __init__(self, cancel: threading.Event | None = None) -> None:
        self.cancel = cancel or threading.Event()
        self.count = 0  # waits so far, by yt-dlp and by savevid

    def wait(self, attempt: int, retry_after: float | None) -> None:
        """Wait before retry number ``attempt`` (from 0)."""
        self.count += 1
        pause(attempt, self.cancel, retry_after)

    def __call__(self, n: int) -> float:
        self.wait(n, _take_retry_after())
        return 0.0  # already waited


def retry_when_busy(action: Callable[[], T], retries: int, waits: RetryWaits) -> T:
    """``action()``, asked again while the site answers 429 or 503, until ``retries`` waits are spent.

    Waits of yt-dlp's own retry loops during ``action`` count too, so the two never multiply.
    The last error is raised as it is.
    """
    while True:
        try:
            return action()
        except Exception as exc:
            answer = site_answer(exc)
            if answer is None or answer.status not in BUSY or waits.count >= retries:
                raise
            retry_after = parse_retry_after(answer.response.headers.get("Retry-After"))
        log.info("the site answered %d; asking again (%d of %d)", answer.status, waits.count + 1, retries)
        waits.wait(waits.count, retry_after)

"""Knobs of the download engine, and the shared objects of one download."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

MiB = 1 << 20


@dataclass(frozen=True)
class EngineOptions:
    """How hard to pull, and when to give up."""

    connections: int = 16
    retries: int = 10
    fragment_retries: int = 10
    min_piece: int = 1 * MiB  # no connection is opened for less than this
    read_size: int = 256 * 1024  # at most min_piece
    low_speed_limit: int = 1024  # bytes per second ...
    low_speed_time: float = 20.0  # ... for this long, and the connection is dropped and retried
    max_buffered: int = 64 * MiB  # fragments held in memory waiting for their turn
    state_interval: float = 1.0  # seconds between saves of resume state at most ...
    state_share: float = 0.025  # ... or sooner, once this share of the file is written since the last
    solo_speed: int = 64 * MiB  # a connection this fast needs no company: no more are opened
    max_bytes: int | None = None  # a download past this size fails (server quota)


class TooLarge(Exception):
    """The download is over the size this server allows."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"it is at least {_megabytes(size)}; this server allows up to {_megabytes(limit)}")
        self.size, self.limit = size, limit


def _megabytes(size: int) -> str:
    # Whole megabytes, but never "0 MB" for a small quota or file.
    return f"{size / 1e6:.0f} MB" if size >= 10e6 else f"{size / 1e6:.3g} MB"


def check_size(size: int | None, options: EngineOptions) -> None:
    """Raise TooLarge when size (known or so far) is over the quota."""
    if options.max_bytes and size is not None and size > options.max_bytes:
        raise TooLarge(size, options.max_bytes)


@dataclass
class Counter:
    """Bytes done and (when known) the total of one part; thread-safe."""

    done: int = 0
    total: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, size: int) -> None:
        with self._lock:
            self.done += size

    def set(self, done: int, total: int | None) -> None:
        with self._lock:
            self.done, self.total = done, total

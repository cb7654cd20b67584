"""Which byte ranges of a file are still to fetch, and who fetches them (dynamic splitting)."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Piece:
    """Bytes [start, end) of the file; [start, pos) are written. Only its owner advances pos."""

    start: int
    end: int
    pos: int
    owned: bool = False

    @property
    def remaining(self) -> int:
        return self.end - self.pos


class PieceTable:
    """Thread-safe ranges of one file; a free worker takes a free piece or half the largest one.

    Splitting happens at least ``min_piece`` bytes past the owner's position, and owners write
    at most ``min_piece`` bytes at a time, so a write never crosses a piece's (new) end.
    """

    def __init__(self, total: int, pieces: list[tuple[int, int, int]], min_piece: int) -> None:
        self.total = total
        self.min_piece = min_piece
        self._pieces = [Piece(s, e, p) for s, p, e in pieces if p < e] + [
            Piece(s, e, e) for s, p, e in pieces if p >= e
        ]
        self._lock = threading.Lock()

    @classmethod
    def whole(cls, total: int, min_piece: int) -> PieceTable:
        return cls(total, [(0, 0, total)], min_piece)

    def claim(self, at: int | None = None) -> Piece | None:
        """A piece for a worker: the free one starting at ``at``, any free one, or a split."""
        with self._lock:
            free = [p for p in self._pieces if not p.owned and p.remaining > 0]
            if at is not None:
                free = [p for p in free if p.pos == at] or free
            if free:
                piece = free[0]
                piece.owned = True
                return piece
            return self._split()

    def _split(self) -> Piece | None:
        busy = [p for p in self._pieces if p.owned and p.remaining >= 2 * self.min_piece]
        if not busy:
            return None
        largest = max(busy, key=lambda p: p.remaining)
        middle = largest.pos + largest.remaining // 2
        piece = Piece(middle, largest.end, middle, owned=True)
        largest.end = middle
        self._pieces.append(piece)
        return piece

    def writable(self, piece: Piece, size: int) -> int:
        """How many of the next size bytes at piece.pos belong to the piece."""
        with self._lock:
            return max(0, min(size, piece.end - piece.pos))

    def advance(self, piece: Piece, size: int) -> None:
        """Record size more bytes written at piece.pos (call after the write)."""
        with self._lock:
            piece.pos += size

    def release(self, piece: Piece) -> None:
        """The owner stops (done or failed): what remains is free for others."""
        with self._lock:
            piece.owned = False

    @property
    def done(self) -> int:
        with self._lock:
            return sum(p.pos - p.start for p in self._pieces)

    @property
    def complete(self) -> bool:
        with self._lock:
            return all(p.remaining <= 0 for p in self._pieces)

    @property
    def busy(self) -> int:
        with self._lock:
            return sum(1 for p in self._pieces if p.owned)

    def snapshot(self) -> list[tuple[int, int, int]]:
        """(start, pos, end) of every piece, for resuming later."""
        with self._lock:
            return sorted((p.start, p.pos, p.end) for p in self._pieces)

    def first_gap(self) -> int | None:
        """The first byte not yet written, if any."""
        with self._lock:
            gaps = [p.pos for p in self._pieces if p.remaining > 0]
            return min(gaps) if gaps else None

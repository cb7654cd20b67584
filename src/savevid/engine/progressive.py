"""A progressive file over several connections: Range requests, dynamic splitting, resume."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from savevid.engine.durable import sync_data
from savevid.engine.options import Counter, EngineOptions, TooLarge, check_size
from savevid.engine.pieces import Piece, PieceTable
from savevid.engine.retry import Cancelled, pause
from savevid.engine.speed import SpeedMeter
from savevid.engine.state import clear_state, load_state, save_state
from savevid.engine.transport import Body, TransferError, Transport, with_retries

log = logging.getLogger("savevid.engine")
_ALLOCATING = threading.Lock()
MIN_STEP = 16 * 1024  # the fewest bytes written between two saves of the resume state


@dataclass(frozen=True)
class Source:
    """Where a file comes from and how to ask for it."""

    url: str
    headers: dict[str, str]
    impersonate: Any = None
    chunk_limit: int | None = None  # largest range to ask for at once (some CDNs throttle more)


class OriginChanged(Exception):
    """The file on the server is not the one the partial download started from."""


class SpeedGuard:
    """Raises when a connection stays below the low-speed limit for the low-speed time."""

    def __init__(self, options: EngineOptions) -> None:
        self.limit, self.window = options.low_speed_limit, options.low_speed_time
        self._since, self._bytes = time.monotonic(), 0

    def check(self, size: int) -> None:
        self._bytes += size
        elapsed = time.monotonic() - self._since
        if elapsed < self.window:
            return
        if self._bytes / elapsed < self.limit:
            raise TransferError(f"the connection stalled ({self._bytes} bytes in {elapsed:.0f} s)")
        self._since, self._bytes = time.monotonic(), 0


class ProgressiveDownload:
    """Fetches one file into path, complete and byte-identical, or raises."""

    def __init__(
        self, source: Source, path: Path, transport: Transport, options: EngineOptions,
        counter: Counter, cancel: threading.Event,
    ) -> None:  # fmt: skip
        self.source, self.path, self.transport = source, path, transport
        self.options, self.counter, self.cancel = options, counter, cancel
        self._validator: str | None = None
        self._errors: list[BaseException] = []
        self._stop = threading.Event()  # set when any worker fails or the download is cancelled
        self._wake = threading.Event()  # a worker ended, or wrote enough that the state is due
        self._saved, self._step = 0, 1  # bytes the saved state claims; bytes between saves

    def run(self) -> None:
        """Download (or resume) to self.path; on return the file is complete and flushed."""
        try:
            self._run()
        except OriginChanged:
            log.info("the file changed on the server; starting over: %s", self.source.url)
            clear_state(self.path)
            self.path.unlink(missing_ok=True)
            self._errors, self._stop = [], threading.Event()
            self._run()
        clear_state(self.path)

    def _run(self) -> None:
        state = load_state(self.path)
        if state and state.get("complete"):
            self.counter.set(state["total"], state["total"])
            return
        first = self._open_first(state)
        if first.status != 206:
            if state:  # If-Range did not match: the file changed
                self.transport.release(first)
                raise OriginChanged
            self._single_stream(first)
            return
        rng = first.content_range
        if rng is None or rng.total is None or (state and state.get("total") != rng.total):
            self.transport.release(first)
            if state:
                raise OriginChanged
            raise TransferError("the server sent no usable Content-Range", retryable=False)
        try:
            check_size(rng.total, self.options)  # the size the server announces
        except TooLarge:
            self.transport.release(first)  # now, not when the garbage collector finds it
            raise
        self._validator = _validator(first) or (state or {}).get("validator")
        pieces = [tuple(p) for p in state["pieces"]] if state else [(0, 0, rng.total)]
        table = PieceTable(rng.total, pieces, self.options.min_piece)
        self._parallel(table, first, rng.start)

    def _headers(self, start: int, end: int | None) -> dict[str, str]:
        headers = {**self.source.headers, "Range": f"bytes={start}-{'' if end is None else end - 1}"}
        if self._validator:
            headers["If-Range"] = self._validator
        return headers

    def _open(self, headers: dict[str, str]) -> Body:
        body = self.transport.open(self.source.url, headers, impersonate=self.source.impersonate)
        encoding = (body.header("Content-Encoding") or "identity").lower()
        if encoding != "identity":
            self.transport.release(body)
            raise TransferError(f"the server compressed the file ({encoding})", retryable=False)
        return body

    def _open_first(self, state: dict[str, Any] | None) -> Body:
        start, end = 0, None
        if state:  # ask for the first unfinished piece only: the rest is on disk or for others
            self._validator = state.get("validator")
            start, end = min(((p, e) for s, p, e in state["pieces"] if p < e), default=(0, None))
        if self.source.chunk_limit:
            end = min(end or start + self.source.chunk_limit, start + self.source.chunk_limit)
        return with_retries(lambda: self._open(self._headers(start, end)), self.options.retries, self.cancel)

    # -- a server without Range support: one connection, start again on failure ----------------

    def _single_stream(self, first: Body) -> None:
        bodies = [first]  # the response already open, then a new one for each attempt

        def attempt() -> None:
            body = bodies.pop() if bodies else self._open(self.source.headers)
            try:
                self._stream_whole(body)
            finally:
                self.transport.release(body)

        with_retries(attempt, self.options.retries, self.cancel)

    def _stream_whole(self, body: Body) -> None:
        expected, size, guard = body.length, 0, SpeedGuard(self.options)
        check_size(expected, self.options)
        self.counter.set(0, expected)
        with self.path.open("wb") as out:
            while chunk := body.read(self.options.read_size):
                if self.cancel.is_set():
                    raise Cancelled
                guard.check(len(chunk))
                out.write(chunk)
                size += len(chunk)
                check_size(size, self.options)  # a server may send more than it announced
                self.counter.set(size, expected)
        if expected is not None and size != expected:
            raise TransferError(f"the server sent {size} of {expected} bytes")

    # -- Range requests over several connections -----------------------------------------------

    def _parallel(self, table: PieceTable, first: Body, first_start: int) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        # A kill re-fetches what was written since the last save: a small share of the file.
        self._saved, self._step = table.done, max(int(table.total * self.options.state_share), MIN_STEP)
        try:
            reserve(fd, table.total, table.snapshot())
            self.counter.set(table.done, table.total)
            self._run_workers(table, fd, first, first_start)
            if not table.complete:
                raise self._errors[0] if self._errors else TransferError("the download stopped early")
            sync_data(fd)
        finally:
            if not table.complete:
                self._save(table, fd)
            os.close(fd)
        save_state(self.path, {"complete": True, "total": table.total})

    def _run_workers(self, table: PieceTable, fd: int, first: Body, first_start: int) -> None:
        opening = table.claim(at=first_start)
        if opening is None or opening.pos != first_start:  # nothing left where the body starts
            self.transport.release(first)
            if opening is not None:
                table.release(opening)
            opening, first = None, None  # type: ignore[assignment]
        wanted = max(1, min(self.options.connections, -(-table.total // self.options.min_piece)))
        ramp = threading.Event()  # more connections only once one has shown it is capped
        threads = [threading.Thread(target=self._worker, args=(table, fd, opening, first), daemon=True)]
        threads += [threading.Thread(target=self._helper, args=(table, fd, ramp), daemon=True)
                    for _ in range(wanted - 1)]  # fmt: skip
        for thread in threads:
            thread.start()
        self._watch(table, threads, ramp, fd)

    def _watch(
        self, table: PieceTable, threads: list[threading.Thread], ramp: threading.Event, fd: int
    ) -> None:
        meter, last_save = SpeedMeter(window=0.5), time.monotonic()
        started, done_at_start = last_save, table.done
        while any(t.is_alive() for t in threads):
            if self._wake.wait(0.05) and (table.complete or self._stop.is_set()):
                for thread in threads:  # ending now: wait for that, not for the next poll
                    thread.join(0.05)
            self._wake.clear()
            done = table.done
            self.counter.set(done, table.total)
            speed, elapsed = meter.update(done), time.monotonic() - started
            if elapsed < 0.5 and elapsed > 0:  # early on, the average since the start is steadier
                speed = (done - done_at_start) / elapsed
            if not ramp.is_set() and elapsed >= 0.05 and done > done_at_start:
                remaining = table.total - done
                if speed is not None and speed < self.options.solo_speed and remaining > speed * 0.3:
                    ramp.set()
            due = (
                done - self._saved >= self._step
                or time.monotonic() - last_save >= self.options.state_interval
            )
            if due and done > self._saved:
                self._save(table, fd)
                last_save = time.monotonic()
            if self.cancel.is_set():
                self._stop.set()
                self.transport.close_all()
                raise Cancelled
        self.counter.set(table.done, table.total)

    def _helper(self, table: PieceTable, fd: int, ramp: threading.Event) -> None:
        while not ramp.wait(0.05):
            if self._stop.is_set() or table.complete:
                return
        self._worker(table, fd, None, None)

    def _save(self, table: PieceTable, fd: int) -> None:
        pieces = table.snapshot()  # taken before the sync: the state claims no byte written after it
        sync_data(fd)
        save_state(self.path, {"total": table.total, "validator": self._validator, "pieces": pieces})
        self._saved = sum(pos - start for start, pos, _ in pieces)

    def _worker(self, table: PieceTable, fd: int, piece: Piece | None, body: Body | None) -> None:
        try:
            while not self._stop.is_set():
                piece = piece or table.claim()
                if piece is None:
                    return
                try:
                    if not self._fetch_piece(table, piece, fd, body):
                        return
                finally:
                    body = None
                    table.release(piece)
                    piece = None
        except Cancelled:
            pass
        except BaseException as error:
            self._errors.append(error)
            self._stop.set()
        finally:
            self._wake.set()
            if body is not None:
                self.transport.release(body)

    def _fetch_piece(self, table: PieceTable, piece: Piece, fd: int, body: Body | None) -> bool:
        """Fetch a piece to its end; False when this worker should stop and leave it to others."""
        attempt = 0
        while piece.remaining > 0 and not self._stop.is_set():
            before = piece.pos
            try:
                if body is None:
                    body = self._open_range(table, piece)
                self._stream_piece(table, piece, fd, body)
            except TransferError as error:
                # A failure after real progress starts the count again; a few bytes do not.
                attempt = 1 if piece.pos - before >= 4 * self.options.read_size else attempt + 1
                if table.busy > 1 and error.status in (200, 429, 503):
                    return False  # the server wants fewer connections: others finish the piece
                if not error.retryable or attempt > self.options.retries:
                    raise
                log.debug("retrying %s at byte %d: %s", self.source.url, piece.pos, error)
                pause(attempt, self._stop, error.retry_after)
            finally:
                if body is not None:
                    self.transport.release(body)
                body = None
        return True

    def _open_range(self, table: PieceTable, piece: Piece) -> Body:
        end = piece.end
        if self.source.chunk_limit:
            end = min(end, piece.pos + self.source.chunk_limit)
        body = self._open(self._headers(piece.pos, end))
        if body.status == 200:
            self.transport.release(body)
            if self._validator and _validator(body) not in (None, self._validator):
                raise OriginChanged
            raise TransferError("the server ignored the byte range", status=200)
        rng = body.content_range
        if rng is None or rng.start != piece.pos or rng.total not in (None, table.total):
            self.transport.release(body)
            raise TransferError(f"the server sent the wrong range ({body.header('Content-Range')})")
        return body

    def _stream_piece(self, table: PieceTable, piece: Piece, fd: int, body: Body) -> None:
        rng = body.content_range
        assert rng is not None
        request_end, guard = rng.end + 1, SpeedGuard(self.options)
        while piece.pos < min(piece.end, request_end):
            chunk = body.read(self.options.read_size)
            if not chunk:
                raise TransferError(f"the connection closed at byte {piece.pos}")
            guard.check(len(chunk))
            # Never past the range the server said it is sending, nor past the piece's end.
            size = min(table.writable(piece, len(chunk)), request_end - piece.pos)
            if size:
                os.pwrite(fd, chunk[:size], piece.pos)
                table.advance(piece, size)
                if table.done - self._saved >= self._step:
                    self._wake.set()
            if size < len(chunk):
                return  # the rest of this response belongs to another piece now


def reserve(fd: int, total: int, pieces: list[tuple[int, int, int]]) -> None:
    """Size the file to total and claim the disk blocks its unfinished pieces will need.

    A full disk then fails here (ENOSPC), before any byte is fetched, rather than halfway.
    A resumed file claims only what its pieces still miss. Where the filesystem cannot
    allocate ahead, the file is only sized (sparse), and a full disk shows in the writes.
    """
    if os.fstat(fd).st_size != total:
        os.ftruncate(fd, total)
    allocate = getattr(os, "posix_fallocate", None)  # not on macOS or Windows
    # One file at a time: two that do not both fit would otherwise both fail, each half allocated.
    with _ALLOCATING:
        _check_room(fd, total)
        for _, pos, end in pieces:
            if allocate is None or pos >= end:
                continue
            try:
                allocate(fd, pos, end - pos)
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                return


def _check_room(fd: int, total: int) -> None:
    # Refused from the free count, not by filling the disk up to the last block and undoing it:
    # meanwhile every other write (other downloads' state, the jobs database) would fail too.
    missing = total - os.fstat(fd).st_blocks * 512  # what the file does not hold yet
    disk = os.fstatvfs(fd)
    if missing > disk.f_bavail * disk.f_frsize:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _validator(body: Body) -> str | None:
    etag = body.header("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return body.header("Last-Modified")

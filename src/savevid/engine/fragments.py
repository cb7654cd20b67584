"""A stream made of fragments (HLS, DASH): fetched concurrently, decrypted, written in order.

Fragments go straight into the one output file, in order, without a temporary file each; a
window bounds how many are in flight and how many bytes wait in memory. A fragment that still
fails after its retries fails the download: none is ever skipped.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from yt_dlp.aes import aes_cbc_decrypt_bytes

from savevid.engine.durable import sync_data
from savevid.engine.options import Counter, EngineOptions, check_size
from savevid.engine.retry import Cancelled
from savevid.engine.state import clear_state, load_state, save_state
from savevid.engine.transport import TransferError, Transport, with_retries

MAX_FRAGMENT_BYTES = 512 << 20
MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class Key:
    """AES-128 (CBC, PKCS#7) key location and IV of a fragment."""

    url: str
    iv: bytes


@dataclass(frozen=True)
class Fragment:
    """One piece of the stream: a URL, optionally a byte range [start, end) and a key."""

    url: str
    byte_range: tuple[int, int] | None = None
    key: Key | None = None


class FragmentDownload:
    """Fetches fragments into path in order; resumes after the last fragment written."""

    def __init__(
        self, fragments: list[Fragment], headers: dict[str, str], path: Path,
        transport: Transport, options: EngineOptions, counter: Counter, cancel: threading.Event,
        *, impersonate: Any = None,
    ) -> None:  # fmt: skip
        self.fragments, self.headers, self.path = fragments, headers, path
        self.impersonate = impersonate  # the extractor's choice, for fragments and keys alike
        self.transport, self.options, self.counter = transport, options, counter
        self.cancel = cancel
        self._stop = threading.Event()  # set when the download ends, to stop fetches in flight
        self._keys: dict[str, bytes] = {}
        self._keys_lock = threading.Lock()

    def run(self) -> None:
        """Download (or resume) to self.path; on return the file is complete and flushed."""
        state = load_state(self.path) or {}
        if state.get("count") != len(self.fragments):
            state = {}
        done, offset = int(state.get("done", 0)), int(state.get("offset", 0))
        self.counter.set(offset, None)
        pool = ThreadPoolExecutor(self.options.connections, thread_name_prefix="fragment")
        try:
            with self.path.open("r+b" if done else "wb") as out:
                out.seek(offset)
                out.truncate()
                self._write_in_order(out, pool, done)
        finally:
            self._stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
        clear_state(self.path)

    def _write_in_order(self, out: BinaryIO, pool: ThreadPoolExecutor, done: int) -> None:
        window: deque[Future[bytes]] = deque()
        following, written, average = done, done, 1 << 20
        every = max(1, len(self.fragments) // 40)  # a kill re-fetches 2.5 % of them, or one
        while written < len(self.fragments):
            while (following < len(self.fragments) and len(window) < 2 * self.options.connections
                   and average * len(window) < self.options.max_buffered):  # fmt: skip
                window.append(pool.submit(self._fetch, following))
                following += 1
            data = self._wait(window.popleft())
            out.write(data)
            check_size(out.tell(), self.options)  # checked while streaming: no size is announced
            written += 1
            average = max(1, out.tell() // written)
            self.counter.add(len(data))
            if written % every == 0:
                out.flush()  # then synced, then recorded: a resume starts after the last one on disk
                sync_data(out.fileno())
                save_state(self.path, {"count": len(self.fragments), "done": written, "offset": out.tell()})

    def _wait(self, future: Future[bytes]) -> bytes:
        while True:
            if self.cancel.is_set():
                raise Cancelled
            try:
                return future.result(timeout=0.2)
            except TimeoutError:
                continue

    def _fetch(self, index: int) -> bytes:
        fragment = self.fragments[index]
        headers = dict(self.headers)
        if fragment.byte_range:
            start, end = fragment.byte_range
            headers["Range"] = f"bytes={start}-{end - 1}"

        def attempt() -> bytes:
            if self._stop.is_set() or self.cancel.is_set():
                raise Cancelled
            data = self.transport.read_all(fragment.url, headers, limit=MAX_FRAGMENT_BYTES,
                                           impersonate=self.impersonate)  # fmt: skip
            if fragment.byte_range and len(data) != fragment.byte_range[1] - fragment.byte_range[0]:
                raise TransferError(f"fragment {index} has {len(data)} bytes, not the range asked")
            return self._decrypt(data, fragment.key) if fragment.key else data

        try:
            return with_retries(attempt, self.options.fragment_retries, self._stop)
        except TransferError as error:
            raise TransferError(f"fragment {index + 1} of {len(self.fragments)} failed: {error}",
                                retryable=False) from error  # fmt: skip

    def _decrypt(self, data: bytes, key: Key) -> bytes:
        if len(data) % 16:
            raise TransferError("an encrypted fragment is not a whole number of AES blocks")
        return _unpadded(bytes(aes_cbc_decrypt_bytes(data, self._key(key.url), key.iv)))

    def _key(self, url: str) -> bytes:
        with self._keys_lock:
            if url not in self._keys:
                key = self.transport.read_all(url, self.headers, limit=MAX_KEY_BYTES,
                                              impersonate=self.impersonate)  # fmt: skip
                if len(key) != 16:
                    raise TransferError(f"the AES-128 key has {len(key)} bytes, not 16",
                                        retryable=False)  # fmt: skip
                self._keys[url] = key
            return self._keys[url]


def _unpadded(data: bytes) -> bytes:
    """data without its PKCS#7 padding. Padding that is not valid is how a wrong key shows: the
    bytes would be noise that only ffmpeg notices, later and in its own words."""
    pad = data[-1] if data else 0
    if not 1 <= pad <= 16 or data[-pad:] != bytes([pad]) * pad:
        raise TransferError("it does not decrypt with its AES-128 key (a wrong key)", retryable=False)
    return data[:-pad]

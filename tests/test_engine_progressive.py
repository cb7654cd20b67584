"""The progressive downloader against a server that misbehaves in every way we know of."""

from __future__ import annotations

import errno
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from savevid.config import get_settings
from savevid.engine.options import Counter, EngineOptions, TooLarge
from savevid.engine.progressive import ProgressiveDownload, Source
from savevid.engine.retry import Cancelled
from savevid.engine.state import load_state
from savevid.engine.transport import Body, TransferError, Transport
from savevid.resolve.ydl import open_ydl
from support.disk import small_disk
from support.faults import FAULTS, FaultyFile
from support.origin import Origin, Reply

KiB = 1024
DATA = random.Random(7).randbytes(3 * 1024 * KiB + 123)  # not a multiple of any piece size
OPTIONS = EngineOptions(connections=6, retries=3, min_piece=256 * KiB, read_size=64 * KiB,
                        low_speed_limit=20 * KiB, low_speed_time=1.0, state_interval=0.2,
                        solo_speed=1 << 40)  # fmt: skip

Download = Callable[..., Path]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def ydl() -> Iterator[object]:
    with open_ydl(get_settings(socket_timeout=2)) as opened:
        yield opened


@pytest.fixture
def transport(ydl: object) -> Transport:
    return Transport(ydl, timeout=2)


@pytest.fixture
def download(ydl: object, tmp_path: Path) -> Download:
    """Each download with a transport of its own, as each item of a job has (a cancelled one
    opens nothing more), unless the test hands it one."""

    def run(url: str, *, options: EngineOptions = OPTIONS, cancel: threading.Event | None = None,
            counter: Counter | None = None, chunk_limit: int | None = None,
            transport: Transport | None = None) -> Path:  # fmt: skip
        path = tmp_path / "file.bin"
        source = Source(url, {}, chunk_limit=chunk_limit)
        ProgressiveDownload(source, path, transport or Transport(ydl, timeout=2), options,
                            counter or Counter(), cancel or threading.Event()).run()  # fmt: skip
        return path

    return run


def serve(origin: Origin, file: FaultyFile) -> str:
    return origin.route("/file.bin", file)


def test_many_connections_make_an_identical_file(origin: Origin, download: Download) -> None:
    file = FaultyFile(DATA)
    file.rate = 1024 * KiB  # per connection, as CDNs do: splitting is what makes it fast
    counter = Counter()
    path = download(serve(origin, file), counter=counter)
    assert sha(path.read_bytes()) == sha(DATA)
    assert counter.done == counter.total == len(DATA)
    assert file.requests >= OPTIONS.connections  # every connection got a piece
    assert load_state(path) is None  # no resume state once complete


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_now_and_then_still_gives_an_identical_file(
    origin: Origin, download: Download, fault: str
) -> None:
    # Requests 0, 2 and 5 misbehave: the first one, and some of the split ones.
    file = FaultyFile(DATA, fault, faulty=range(0, 6, 2) if fault != "ignore-range" else range(1, 6, 2))
    path = download(serve(origin, file))
    assert sha(path.read_bytes()) == sha(DATA)


def test_one_fast_connection_is_left_alone(origin: Origin, download: Download) -> None:
    file = FaultyFile(DATA)
    file.rate = 1024 * KiB
    path = download(serve(origin, file), options=replace(OPTIONS, solo_speed=64 * KiB))
    assert sha(path.read_bytes()) == sha(DATA)
    assert file.requests == 1


def test_connections_never_exceed_the_limit(
    origin: Origin, download: Download, transport: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock, open_now, peak = threading.Lock(), [0], [0]
    real_open = transport.open

    def counting_open(*args: object, **kwargs: object) -> Body:
        body = real_open(*args, **kwargs)  # type: ignore[arg-type]
        with lock:
            open_now[0] += 1
            peak[0] = max(peak[0], open_now[0])
        real_close, closed = body.close, []

        def close() -> None:
            if not closed:
                closed.append(True)
                with lock:
                    open_now[0] -= 1
            real_close()

        body.close = close  # type: ignore[method-assign]
        return body

    monkeypatch.setattr(transport, "open", counting_open)
    file = FaultyFile(DATA)
    file.rate = 512 * KiB
    path = download(serve(origin, file), options=replace(OPTIONS, connections=3), transport=transport)
    assert sha(path.read_bytes()) == sha(DATA)
    assert peak[0] == 3


def test_a_server_without_range_support_gets_one_connection(origin: Origin, download: Download) -> None:
    file = FaultyFile(DATA, "ignore-range", faulty=range(1000))
    path = download(serve(origin, file))
    assert sha(path.read_bytes()) == sha(DATA)
    assert file.requests == 1


@pytest.mark.parametrize("fault", ["wrong-range", "cut", "416", "stall"])
def test_a_server_that_always_fails_gives_a_clean_error(
    origin: Origin, download: Download, fault: str
) -> None:
    file = FaultyFile(DATA, fault, faulty=range(1000))
    started = time.monotonic()
    with pytest.raises(TransferError):
        download(serve(origin, file), options=replace(OPTIONS, retries=2))
    assert time.monotonic() - started < 60  # retries are bounded


def test_small_chunks_when_the_site_asks_for_them(origin: Origin, download: Download) -> None:
    file = FaultyFile(DATA)
    path = download(serve(origin, file), chunk_limit=100 * KiB)
    assert sha(path.read_bytes()) == sha(DATA)
    assert file.requests >= len(DATA) // (100 * KiB)


def cancel_part_way(download: Download, url: str, fraction: float) -> float:
    """Start a download in a thread, cancel it once fraction of DATA is in; seconds it took to stop."""
    cancel, counter = threading.Event(), Counter()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            download(url, cancel=cancel, counter=counter)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    while counter.done < len(DATA) * fraction and thread.is_alive():
        time.sleep(0.05)
    cancel.set()
    started = time.monotonic()
    thread.join(10)
    assert [type(e) for e in errors] == [Cancelled]
    return time.monotonic() - started


def test_cancel_then_resume_fetches_little_again(origin: Origin, download: Download) -> None:
    file = FaultyFile(DATA)
    file.rate = 200 * KiB  # per connection
    url = serve(origin, file)
    assert cancel_part_way(download, url, 1 / 3) < 1.5  # stops within a moment
    asked_before = len(origin.server.ranges)
    file.rate = None
    path = download(url)
    assert sha(path.read_bytes()) == sha(DATA)
    asked_again = [r for _, r in origin.server.ranges[asked_before:]]
    assert all(r and not r.startswith("bytes=0-") for r in asked_again), asked_again
    refetched = sum(_span(r, len(DATA)) for r in asked_again)
    assert refetched < len(DATA) * 0.8, asked_again


def _span(header: str, size: int) -> int:
    start, _, end = header.removeprefix("bytes=").partition("-")
    return (int(end) + 1 if end else size) - int(start)


def test_a_changed_file_is_downloaded_again_from_the_start(origin: Origin, download: Download) -> None:
    file = FaultyFile(DATA)
    file.rate = 300 * KiB
    url = serve(origin, file)
    cancel_part_way(download, url, 1 / 3)
    new = random.Random(8).randbytes(len(DATA) + 5000)
    file.replace(new)
    file.rate = None
    path = download(url)
    assert sha(path.read_bytes()) == sha(new)


def test_a_file_over_the_size_quota_is_refused_from_its_announced_size(
    origin: Origin, download: Download
) -> None:
    file = FaultyFile(DATA)
    file.rate = 1024 * KiB  # sent as it is read, not all at once into the socket's buffers
    with pytest.raises(TooLarge) as caught:
        download(serve(origin, file), options=replace(OPTIONS, max_bytes=len(DATA) // 2))
    assert caught.value.size == len(DATA)  # the size the server announced
    # Closed at once, not when the error (kept by whoever reports it, as __cause__ keeps it) is freed.
    assert origin.closed_within(1), caught.value
    assert file.sent < len(DATA) // 2  # it stopped before fetching it all


def test_a_file_of_unannounced_size_is_held_to_the_quota_while_streaming(
    origin: Origin, download: Download
) -> None:
    file = FaultyFile(DATA, "chunked", faulty=range(1000))  # no Range, no Content-Length: no size to check
    limit = len(DATA) // 2
    with pytest.raises(TooLarge) as caught:
        download(serve(origin, file), options=replace(OPTIONS, max_bytes=limit))
    # Stopped by what has arrived, one read past the quota, not by a size announced up front.
    assert limit < caught.value.size <= limit + OPTIONS.read_size
    assert file.requests == 1


@pytest.mark.parametrize("moment", [0.0, 0.05, 0.3])
def test_cancel_closes_every_origin_connection_at_once(
    origin: Origin, download: Download, moment: float
) -> None:
    # Cancelled while connections are being opened (at the start, during the ramp) and while all stream.
    file = FaultyFile(DATA)
    file.rate = 100 * KiB  # per connection: slow enough that every connection is mid-body
    url = serve(origin, file)
    options = replace(OPTIONS, connections=16, min_piece=128 * KiB)
    cancel, errors = threading.Event(), []
    thread = threading.Thread(target=lambda: errors.extend(_cancelled(download, url, options, cancel)))
    thread.start()
    time.sleep(moment)
    cancel.set()
    thread.join(10)
    assert [type(e) for e in errors] == [Cancelled]
    assert origin.closed_within(1), f"{origin.open_connections()} still open after 1 s"


def _cancelled(
    download: Download, url: str, options: EngineOptions, cancel: threading.Event
) -> list[BaseException]:
    try:
        download(url, options=options, cancel=cancel)
    except BaseException as error:
        return [error]
    return []


def test_a_connection_that_opens_while_cancelling_is_cut(origin: Origin, transport: Transport) -> None:
    def late(_: object) -> Reply:
        time.sleep(0.5)  # the answer comes after close_all, while open() waits for it
        return Reply(200, DATA, {"Content-Type": "video/mp4"})

    url = origin.route("/late.bin", late)
    origin.server.rates["/late.bin"] = 50 * KiB
    outcome: list[object] = []

    def open_late() -> None:
        try:
            outcome.append(transport.open(url))
        except TransferError as error:
            outcome.append(error)

    thread = threading.Thread(target=open_late)
    thread.start()
    time.sleep(0.2)
    transport.close_all()
    thread.join(5)
    assert [type(o) for o in outcome] == [TransferError]  # not a body that streams on
    assert origin.closed_within(1), f"{origin.open_connections()} still open after 1 s"


def test_a_file_larger_than_the_disk_fails_before_its_bytes_are_fetched(
    origin: Origin, transport: Transport, tmp_path: Path
) -> None:
    file = FaultyFile(random.Random(9).randbytes(6 << 20))
    file.rate = 512 * KiB  # per connection: a refusal only after the writes would take seconds
    with small_disk(tmp_path / "disk", 4 << 20) as disk, pytest.raises(OSError) as raised:
        ProgressiveDownload(Source(serve(origin, file), {}), disk.path / "file.bin", transport, OPTIONS,
                            Counter(), threading.Event()).run()  # fmt: skip
    # A real tmpfs refuses the allocation (ENOSPC); the stand-in's file-size limit refuses the size.
    assert raised.value.errno == (errno.ENOSPC if disk.mounted else errno.EFBIG), disk.kind
    assert file.sent < 256 * KiB

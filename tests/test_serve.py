"""``savevid serve`` as a process: a bounded shutdown with clients attached, and slow clients."""

from __future__ import annotations

import contextlib
import json
import resource
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from savevid.jobs.store import JobState, SqliteJobStore
from savevid.models import Choice
from savevid.web.server import raise_fd_limit
from support.origin import Origin, Reply
from support.probe import probe
from support.serve import call, serving

SLACK = 2.5  # seconds past the shutdown timeout that starting to exit may take on a busy machine
# What "at once" means on a loaded machine with two cores: well short of any timeout in play.
PROMPT = 5.0


def answer(base: str, path: str, body: object) -> tuple[int, dict[str, object]]:
    """The status and JSON body of a POST, an error status included."""
    try:
        return 200, call(base, "POST", path, body)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def get(base: str, path: str) -> socket.socket:
    """A raw GET whose answer the caller reads (or not) at its own pace."""
    sock = connect(base)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    return sock


def closed_within(sock: socket.socket, timeout: float) -> bool:
    """True when the server closes sock within timeout (whatever it sent before)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def finished_job(data_dir: Path, size: int) -> str:
    """A done job whose file is size bytes (sparse: quick to make, slow to read)."""
    store = SqliteJobStore(data_dir / "jobs.db")
    job = store.create("https://example.com/big", Choice())
    folder = data_dir / "files" / job.id
    folder.mkdir(parents=True)
    with (folder / "big.mp4").open("wb") as out:
        out.truncate(size)
    store.update(job.id, state=JobState.DONE, path=str(folder / "big.mp4"), filename="big.mp4", size=size)
    store.close()
    return job.id


def connected(sock: socket.socket) -> bool:
    """True while the TCP connection is established (no FIN or reset from the server yet)."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1  # TCP_ESTABLISHED


@contextmanager
def slow_reader(base: str, path: str) -> Iterator[socket.socket]:
    """A client reading path 8 bytes a second, so the server's buffers stay full."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # so the server's writes back up
    host, port = base.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    stop = threading.Event()

    def read() -> None:
        with contextlib.suppress(OSError):
            while not stop.is_set() and sock.recv(8):
                time.sleep(1)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    time.sleep(0.5)  # the response has started
    assert connected(sock)
    try:
        yield sock
    finally:
        stop.set()
        sock.close()
        thread.join(5)


def events_client(base: str, job_id: str) -> socket.socket:
    """An open event stream of one job, its first event read."""
    sock = get(base, f"/api/downloads/{job_id}/events")
    seen = b""
    while b"data: " not in seen:
        chunk = sock.recv(4096)
        assert chunk, seen
        seen += chunk
    return sock


# -- shutdown ----------------------------------------------------------------------------------


def test_sigterm_ends_event_streams_at_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(data, workers="1", shutdown_timeout="20") as server:
        store = SqliteJobStore(data / "jobs.db")  # a job no worker runs: its stream would never end
        job = store.create("https://example.com/v", Choice())
        store.update(job.id, state=JobState.DOWNLOADING)
        store.close()
        stream = events_client(server.base, job.id)
        sent = server.signal(signal.SIGTERM)
        assert closed_within(stream, 5), "the event stream was not ended"
        took = server.wait_exit(sent)
    print(f"SIGTERM to exit with an event stream attached: {took:.2f} s")
    assert took < PROMPT, server.stderr()  # the stream ends at once: no waiting for the timeout
    assert "Traceback" not in server.stderr()


def test_sigterm_cuts_a_slow_reader_after_the_timeout(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    job_id = finished_job(data, 256 << 20)
    with (
        serving(data, shutdown_timeout="3") as server,
        slow_reader(server.base, f"/api/downloads/{job_id}/file") as reader,
    ):
        sent = server.signal(signal.SIGTERM)
        took = server.wait_exit(sent)
        # Cut, not left to the kernel to go on sending what it held after the process ended.
        assert not connected(reader), "the slow reader was never cut"
    print(f"SIGTERM to exit with a slow reader attached (timeout 3 s): {took:.2f} s")
    assert 2.5 < took < 3 + SLACK, server.stderr()  # the reader had its grace period, then no more
    assert "Traceback" not in server.stderr()


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_second_signal_exits_at_once(tmp_path: Path, second: int) -> None:
    data = tmp_path / "data"
    data.mkdir()
    job_id = finished_job(data, 256 << 20)
    with (
        serving(data, shutdown_timeout="60") as server,
        slow_reader(server.base, f"/api/downloads/{job_id}/file"),
    ):
        server.signal(signal.SIGTERM)
        time.sleep(0.5)
        sent = server.signal(second)
        took = server.wait_exit(sent)
    print(f"second signal to exit: {took:.2f} s")
    assert took < PROMPT, server.stderr()  # not the 60 s the first one would have waited


def test_sigterm_stops_a_running_download_which_resumes_after_restart(tmp_path: Path, origin: Origin) -> None:
    path = "/media/progressive.mp4"
    origin.server.rates[path] = 100_000
    data = tmp_path / "data"
    settings = {"allow_private": f"127.0.0.1:{origin.server.server_address[1]}", "workers": "1",
                "retries": "1", "socket_timeout": "5", "shutdown_timeout": "20"}  # fmt: skip
    with serving(data, **settings) as server:
        job = call(server.base, "POST", "/api/downloads", {"url": origin.url(path)})
        job_id = str(job["id"])

        def downloading() -> bool:
            now = call(server.base, "GET", f"/api/downloads/{job_id}")
            return now["state"] == "downloading" and int(now["downloaded"]) > 100_000  # type: ignore[call-overload]

        wait_until(downloading, 30, "the download to be under way")
        stream = events_client(server.base, job_id)
        sent = server.signal(signal.SIGTERM)
        took = server.wait_exit(sent)
        assert closed_within(stream, 1)
    print(f"SIGTERM to exit with a download running and its event stream attached: {took:.2f} s")
    assert took < PROMPT, server.stderr()
    store = SqliteJobStore(data / "jobs.db")
    stopped = store.get(job_id)
    store.close()
    assert stopped is not None and stopped.state is JobState.QUEUED
    assert 100_000 < stopped.downloaded < (stopped.total or 0), stopped  # stopped mid-download
    assert list((data / "files" / job_id).glob(".savevid-*/*.state.json")), "the part was not kept"
    origin.server.rates.clear()
    asked_before = len(origin.server.ranges)
    with serving(data, **settings) as server:
        wait_until(lambda: call(server.base, "GET", f"/api/downloads/{job_id}")["state"] == "done", 60,
                   "the job to finish after the restart")  # fmt: skip
        saved = tmp_path / "saved.mp4"
        with urllib.request.urlopen(f"{server.base}/api/downloads/{job_id}/file", timeout=30) as reply:
            saved.write_bytes(reply.read())
    asked = [r for p, r in origin.server.ranges[asked_before:] if p == path]
    assert "bytes=0-" not in asked, asked  # not started over: it went on from where it stopped
    assert probe(saved).has_video_and_audio


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_ends_the_wait_for_a_busy_site(tmp_path: Path, origin: Origin, sig: int) -> None:
    """Looking up a link whose site asks to come back in 30 s (three times) does not hold the exit."""
    url = origin.route("/busy.mp4", lambda _: Reply(503, b"busy", {"Retry-After": "30"}))
    settings = {"allow_private": f"127.0.0.1:{origin.server.server_address[1]}", "shutdown_timeout": "10",
                "socket_timeout": "5"}  # fmt: skip
    answers: list[tuple[int, dict[str, object]] | OSError] = []

    def look_up(base: str) -> None:
        try:
            answers.append(answer(base, "/api/info", {"url": url}))
        except OSError as error:  # cut without an answer
            answers.append(error)

    with serving(tmp_path / "data", **settings) as server:
        asking = threading.Thread(target=look_up, args=(server.base,))
        asking.start()
        wait_until(
            lambda: any(path == "/busy.mp4" for _, path in origin.server.timeline), 30, "the site to be asked"
        )
        time.sleep(0.5)  # waiting out the Retry-After
        sent = server.signal(sig)
        took = server.wait_exit(sent)
        asking.join(10)
    print(f"{signal.Signals(sig).name} to exit with a link being looked up on a busy site: {took:.2f} s")
    assert took < PROMPT, server.stderr()  # not the shutdown timeout, nor three Retry-Afters
    [result] = answers
    assert not isinstance(result, OSError), result  # answered, not cut
    status, body = result
    assert status == 503 and body["code"] == "server_stopping", body
    assert "Traceback" not in server.stderr() and "ERROR" not in server.stderr(), server.stderr()


# -- slow and idle clients ---------------------------------------------------------------------


@pytest.fixture
def many_files() -> Iterator[int]:
    """This process's soft limit of open files raised for a test that holds hundreds of sockets,
    whatever earlier tests left open; restored after. The descriptors still free."""
    before, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    free = raise_fd_limit() - len(list(Path("/proc/self/fd").iterdir()))
    try:
        yield free
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (before, hard))


def test_idle_connections_do_not_lock_clients_out(tmp_path: Path, many_files: int) -> None:
    if many_files < 600:
        pytest.skip(f"this process can open only {many_files} more files")
    # The server starts with fewer descriptors than the idle sockets (it raises its own limit).
    with ExitStack() as held:
        server = held.enter_context(serving(tmp_path / "data", soft_files=400))
        for _ in range(500):
            held.enter_context(connect(server.base))
        time.sleep(0.5)  # all accepted (or refused)
        started = time.monotonic()
        with urllib.request.urlopen(f"{server.base}/healthz", timeout=5) as reply:
            assert reply.status == 200
        latency = time.monotonic() - started
        print(f"a new client with 500 idle connections open: {latency * 1000:.1f} ms")
        assert latency < 3  # answered, not queued behind the idle sockets until they time out
    assert "accept()" not in server.stderr()


def test_a_client_that_never_finishes_its_request_is_dropped(tmp_path: Path) -> None:
    with serving(tmp_path / "data", header_timeout="1.5") as server:
        # Each deadline starts after the moment noted here: at the connection, or (reused) at
        # the end of its first response, which comes after its request was sent.
        since = {"silent": time.monotonic()}
        silent = connect(server.base)
        since["slow"] = time.monotonic()
        slow = connect(server.base)
        slow.sendall(b"GET /healthz HTTP/1.1\r\n")
        since["reused"] = time.monotonic()
        reused = get(server.base, "/healthz")  # a whole request first, then a slow second one
        assert b"200 OK" in reused.recv(4096)
        dropped: dict[str, float] = {}
        while len(dropped) < 3 and time.monotonic() - since["silent"] < 1.5 + SLACK + 2:
            for name, sock in (("silent", silent), ("slow", slow), ("reused", reused)):
                if name in dropped:
                    continue
                if not connected(sock):
                    dropped[name] = time.monotonic() - since[name]
                elif name != "silent":
                    with contextlib.suppress(OSError):  # a header byte every 0.2 s, never a whole request
                        sock.sendall(b"X")
            time.sleep(0.2)
        print(f"dropped after (header timeout 1.5 s): {dropped}")
        assert set(dropped) == {"silent", "slow", "reused"}, dropped
        assert all(1.0 < seconds < 1.5 + SLACK for seconds in dropped.values()), dropped
        with urllib.request.urlopen(f"{server.base}/healthz", timeout=5) as reply:
            assert reply.status == 200


def test_connections_over_the_cap_are_refused_and_logged_once(tmp_path: Path) -> None:
    with serving(tmp_path / "data", max_connections="20", header_timeout="2") as server, ExitStack() as held:
        socks = [held.enter_context(connect(server.base)) for _ in range(60)]
        time.sleep(0.5)
        refused = 0
        for sock in socks[20:]:
            sock.settimeout(2)
            if b"503 Service Unavailable" in sock.recv(4096):
                refused += 1
        assert refused == 40
        time.sleep(2.5)  # the idle ones are dropped after the header timeout
        with urllib.request.urlopen(f"{server.base}/healthz", timeout=5) as reply:
            assert reply.status == 200
    log = server.stderr()
    assert log.count("refused") == 1, log


def test_a_server_out_of_descriptors_says_so_once_and_recovers(tmp_path: Path) -> None:
    with serving(tmp_path / "data", files=24, header_timeout="2") as server, ExitStack() as held:
        for _ in range(40):  # more than it has descriptors for: accept() fails, again and again
            held.enter_context(connect(server.base))
        time.sleep(3)  # asyncio tries accept() again every second
        held.close()
        time.sleep(2.5)  # the idle ones it holds are dropped after the header timeout
        with urllib.request.urlopen(f"{server.base}/healthz", timeout=5) as reply:
            assert reply.status == 200
    log = server.stderr()
    assert log.count("refused") == 1 and "accept() failed" in log, log
    assert "out of system resource" not in log, log


def test_serve_raises_its_limit_of_open_files(tmp_path: Path, many_files: int) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 512:
        pytest.skip(f"the hard limit of open files is {hard}")
    with serving(tmp_path / "data", soft_files=512) as server:
        limits = Path(f"/proc/{server.proc.pid}/limits").read_text()
    line = next(line for line in limits.splitlines() if line.startswith("Max open files"))
    assert line.split()[3] == ("unlimited" if hard == resource.RLIM_INFINITY else str(hard)), line

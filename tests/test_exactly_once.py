"""A ``savevid serve`` killed with SIGKILL at the worst moments: each job still ends with exactly
one file, and a resumed download fetches little of it again."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from savevid.jobs.store import JobState, SqliteJobStore
from support.origin import Origin
from support.probe import probe
from support.serve import call, serving

PATH = "/media/progressive.mp4"
OVERHEAD = 4096  # bytes of headers: the requests of a download and of its resumption


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def settings(origin: Origin) -> dict[str, str]:
    return {"allow_private": f"127.0.0.1:{origin.server.server_address[1]}", "workers": "1",
            "retries": "1", "socket_timeout": "5"}  # fmt: skip


def visible(folder: Path) -> list[Path]:
    """The files a person would see in a job's folder (the work folder is hidden)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


@contextlib.contextmanager
def writes_held(database: Path) -> Iterator[None]:
    """Holds the jobs database's write lock: the server can read it but records nothing, so a job
    whose file is in place stays unrecorded for as long as this lasts."""
    db = sqlite3.connect(database, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()


def finished(data: Path, job_id: str, origin: Origin) -> Path:
    """Restart the server on data; once the job is done, the path of its one file."""
    store = SqliteJobStore(data / "jobs.db")
    with serving(data, **settings(origin)) as server:
        wait_until(lambda: call(server.base, "GET", f"/api/downloads/{job_id}")["state"] == "done", 60,
                   "the job to finish after the restart")  # fmt: skip
    job = store.get(job_id)
    store.close()
    assert job is not None and job.state is JobState.DONE and job.path is not None, job
    return Path(job.path)


def test_a_kill_between_delivery_and_done_leaves_one_file(tmp_path: Path, origin: Origin) -> None:
    origin.server.rates[PATH] = 400_000  # a few seconds: time to hold the database first
    data = tmp_path / "data"
    with serving(data, **settings(origin)) as server:
        job_id = str(call(server.base, "POST", "/api/downloads", {"url": origin.url(PATH)})["id"])
        folder = data / "files" / job_id
        wait_until(lambda: call(server.base, "GET", f"/api/downloads/{job_id}")["state"] == "downloading",
                   30, "the download to start")  # fmt: skip
        with writes_held(data / "jobs.db"):
            wait_until(lambda: bool(visible(folder)), 60, "the file to be delivered")
            server.signal(signal.SIGKILL)
            server.wait_exit(time.monotonic())
    [before] = visible(folder)
    store = SqliteJobStore(data / "jobs.db")
    killed = store.get(job_id)
    store.close()
    assert killed is not None and killed.state is not JobState.DONE, killed  # the window was hit
    origin.server.rates.clear()
    sent = origin.sent(PATH)

    path = finished(data, job_id, origin)
    assert visible(folder) == [before] == [path]  # the one file: no " (2)", nothing else
    assert list(folder.iterdir()) == [path]  # and no partial work left behind
    assert origin.sent(PATH) == sent  # recognised, not downloaded again
    size = (origin.server.media / PATH.removeprefix("/media/")).stat().st_size
    assert path.stat().st_size == size
    assert probe(path).has_video_and_audio


def saved_bytes(folder: Path) -> int:
    """Bytes the resume state of a job's partial download claims as written."""
    done = 0
    for state in folder.glob(".savevid-*/*.state.json"):
        with contextlib.suppress(ValueError, OSError, KeyError):
            done += sum(pos - start for start, pos, _ in json.loads(state.read_text())["pieces"])
    return done


def test_a_kill_mid_download_fetches_little_again(tmp_path: Path, origin: Origin) -> None:
    size = (origin.server.media / PATH.removeprefix("/media/")).stat().st_size
    origin.server.rates[PATH] = 100_000  # about ten seconds for the file
    data = tmp_path / "data"
    with serving(data, **settings(origin)) as server:
        job_id = str(call(server.base, "POST", "/api/downloads", {"url": origin.url(PATH)})["id"])
        folder = data / "files" / job_id
        wait_until(lambda: saved_bytes(folder) > size // 3, 60, "a third of the file to be saved")
        time.sleep(0.8)  # kill well after a save (the old engine saved once a second)
        server.signal(signal.SIGKILL)
        server.wait_exit(time.monotonic())
    kept = saved_bytes(folder)
    origin.server.rates.clear()
    before = origin.sent(PATH)

    path = finished(data, job_id, origin)
    assert visible(folder) == [path]
    assert path.stat().st_size == size
    assert probe(path).has_video_and_audio
    sent = origin.sent(PATH)
    print(f"file {size} B; saved at the kill {kept} B; sent before the kill {before} B, in all {sent} B")
    # What is lost: the bytes sent but not yet claimed by the saved state, and the requests' headers.
    assert sent <= 1.05 * size + OVERHEAD

"""A full disk is an answer: every job ends final, every route answers JSON, and space coming back
is enough for the next job. On a real small filesystem where one can be mounted (support/disk.py)."""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import savevid
from savevid.config import get_settings
from savevid.engine import fetch
from savevid.engine.ffmpeg import find_ffmpeg
from savevid.engine.mux import Input, mux
from savevid.errors import ErrorCode, SavevidError, StorageFullError
from savevid.jobs.queue import JobQueue
from savevid.jobs.space import SpaceLedger
from savevid.jobs.store import JobState
from savevid.models import Choice
from savevid.web.app import create_app
from support.disk import MiB, SmallDisk, small_disk
from support.origin import Origin
from support.probe import probe
from test_api import make_settings, wait_final

KiB = 1024
BIG = 15 * MiB  # two fit on the small disk, a third does not
DISK = 40 * MiB  # less a reserve of 5 %: 38 MiB of room


@pytest.fixture
def big_origin(media_dir: Path, tmp_path: Path) -> Iterator[Origin]:
    """An origin serving ``/media/big.mp4``: the sample clip followed by a ``free`` box (valid MP4)."""
    folder = tmp_path / "media"
    folder.mkdir()
    clip = (media_dir / "progressive.mp4").read_bytes()
    padding = BIG - len(clip)
    (folder / "big.mp4").write_bytes(clip + struct.pack(">I", padding) + b"free" + bytes(padding - 8))
    server = Origin(folder).start()
    yield server
    server.stop()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "disk", DISK) as small:
        yield small


@pytest.fixture
def client(tmp_path: Path, origin: Origin) -> Iterator[TestClient]:
    """The app as test_api runs it, on an ordinary disk."""
    with TestClient(create_app(make_settings(tmp_path / "data", origin))) as test_client:
        yield test_client


@pytest.fixture
def app(disk: SmallDisk, big_origin: Origin) -> Iterator[TestClient]:
    settings = make_settings(disk.path / "data", big_origin).model_copy(update={"workers": 4})
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def follow(api: TestClient, job_id: str, states: list[str]) -> threading.Thread:
    """Read a job's event stream in a thread, keeping the states it tells; the thread ends with it."""

    def read() -> None:
        with api.stream("GET", f"/api/downloads/{job_id}/events") as events:
            states.extend(
                json.loads(line[6:])["state"] for line in events.iter_lines() if line[:6] == "data: "
            )

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def is_json(reply: Any) -> bool:
    return bool(reply.headers.get("content-type", "").startswith("application/json"))


def test_downloads_that_together_outgrow_the_disk_all_end_and_say_why(
    app: TestClient, disk: SmallDisk, big_origin: Origin
) -> None:
    links = [big_origin.url(f"/media/big.mp4?copy={n}") for n in range(4)]  # one link would be one job
    ids = [app.post("/api/downloads", json={"url": link}).json()["id"] for link in links]
    streams = {job_id: [] for job_id in ids}
    readers = [follow(app, job_id, streams[job_id]) for job_id in ids]
    ended = [wait_final(app, job_id, timeout=60) for job_id in ids]
    for reader in readers:
        reader.join(10)
    outcome = [(job["state"], job["error_code"]) for job in ended]
    print(f"{disk.kind}: {outcome}")  # the trial's result, with -s
    assert not any(reader.is_alive() for reader in readers), "an event stream did not end"
    assert all(states and states[-1] in ("done", "failed") for states in streams.values()), streams
    assert {code for state, code in outcome if state == "failed"} == {"storage_full"}, outcome
    assert [state for state, _ in outcome].count("done") == 2, outcome  # the two that fit
    failed = [job for job in ended if job["state"] == "failed"]
    assert all("Try again later" in str(job["error_message"]) for job in failed)
    assert not any((disk.path / "data" / "files" / str(job["id"])).exists() for job in failed)


def test_a_full_disk_gets_json_answers_and_the_next_job_works_once_space_is_back(
    app: TestClient, disk: SmallDisk, big_origin: Origin
) -> None:
    url = big_origin.url("/media/big.mp4")
    disk.fill()
    created = app.post("/api/downloads", json={"url": url})
    info = app.post("/api/info", json={"url": url})
    listed = app.get("/api/downloads")
    print(f"{disk.kind}, full: downloads {created.status_code}, info {info.status_code}, "
          f"list {listed.status_code}")  # fmt: skip
    for reply in (created, info, listed):
        assert is_json(reply) and reply.status_code in (200, 202, 507), (reply.status_code, reply.text)
    assert info.status_code == 200 and listed.status_code == 200
    if created.status_code == 507:
        assert created.json()["code"] == "storage_full"
        assert app.get("/api/downloads").json() == []  # no job left waiting for nothing
    else:
        job = wait_final(app, created.json()["id"])
        assert (job["state"], job["error_code"]) == ("failed", "storage_full"), job
    disk.unfill()
    job = wait_final(app, app.post("/api/downloads", json={"url": url}).json()["id"])
    assert job["state"] == "done", job
    file = app.get(f"/api/downloads/{job['id']}/file")
    saved = disk.path.parent / "saved.mp4"
    saved.write_bytes(file.content)
    assert len(file.content) == BIG and probe(saved).has_video_and_audio


def test_admission_counts_what_running_downloads_still_need(disk: SmallDisk) -> None:
    space = SpaceLedger(disk.path)
    first, second = disk.path / "first", disk.path / "second"
    first.mkdir()
    space.admit("first", first)
    space.plan("first", 20 * MiB)  # announced, nothing written yet (a stream of fragments, say)
    space.admit("second", second)  # the disk is still almost empty: room enough to start
    with pytest.raises(StorageFullError, match="needs 21 MB"):
        space.plan("second", 20 * MiB)  # 38 MiB of room, 20 of them promised
    (first / "part").write_bytes(bytes(15 * MiB))  # written: on the disk now, no longer owed
    with pytest.raises(StorageFullError):
        space.plan("second", 20 * MiB)
    space.release("first")
    (first / "part").unlink()
    space.plan("second", 20 * MiB)
    assert space.room("other") < 20 * MiB  # what the second one will write is not the third's


def test_a_full_database_is_a_507_in_json(client: TestClient, origin: Origin) -> None:
    queue: JobQueue = client.app.state.queue  # type: ignore[attr-defined]

    def full(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    queue.store.create = full  # type: ignore[assignment,method-assign]
    reply = client.post("/api/downloads", json={"url": origin.url("/media/progressive.mp4")})
    assert reply.status_code == 507 and is_json(reply), reply.text
    assert reply.json()["code"] == "storage_full" and reply.json()["hint"] == "Try again later."
    queue.store.create = lambda *_, **__: (_ for _ in ()).throw(OSError(5, "Input/output error"))  # type: ignore[method-assign]
    other = client.post("/api/downloads", json={"url": origin.url("/media/progressive.mp4")})
    assert other.status_code == 500 and other.json()["code"] == "internal", other.text
    assert client.get("/healthz").json() == {"status": "ok"}  # still up


def test_a_failure_whose_first_record_fails_still_ends_final(client: TestClient, origin: Origin) -> None:
    queue: JobQueue = client.app.state.queue  # type: ignore[attr-defined]
    update, failures = queue.store.update, []

    def once_full(job_id: str, **fields: Any) -> None:
        if fields.get("state") is JobState.FAILED and not failures:
            failures.append(job_id)
            raise sqlite3.OperationalError("database or disk is full")
        update(job_id, **fields)

    queue.store.update = once_full  # type: ignore[method-assign]
    job = wait_final(client, client.post("/api/downloads", json={"url": origin.url("/gone")}).json()["id"])
    assert failures == [job["id"]]
    assert (job["state"], job["error_code"]) == ("failed", "not_found"), job


def test_the_reaper_ends_a_job_left_running_with_no_worker(client: TestClient, origin: Origin) -> None:
    queue: JobQueue = client.app.state.queue  # type: ignore[attr-defined]
    origin.server.rates["/media/progressive.mp4"] = 300_000  # about 3 s: running while the reaper looks
    live = client.post("/api/downloads", json={"url": origin.url("/media/progressive.mp4")}).json()["id"]
    orphan = queue.store.create("https://example.com/v", Choice(), owner="nobody")
    queue.store.update(orphan.id, state=JobState.DOWNLOADING)  # as a worker that died would leave it
    deadline = time.monotonic() + 20
    while client.get(f"/api/downloads/{live}").json()["state"] != "downloading":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    states: list[str] = []
    reader = follow(client, orphan.id, states)
    # The reaper's own thread may take the orphan first: its end is what counts, not who took it.
    assert live not in queue.reap()  # the running one is left alone
    reader.join(5)
    assert not reader.is_alive() and states[-1] == "failed"
    job = client.get(f"/api/downloads/{orphan.id}").json()
    assert (job["state"], job["error_code"]) == ("failed", "download_failed"), job  # not a bug of ours
    assert "without recording" in job["error_message"]
    assert wait_final(client, live)["state"] == "done"


def test_a_job_left_running_on_a_full_disk_ends_storage_full(disk: SmallDisk) -> None:
    queue = JobQueue(get_settings(data_dir=disk.path / "data"))
    orphan = queue.store.create("https://example.com/v", Choice())
    queue.store.update(orphan.id, state=JobState.DOWNLOADING)  # its worker could not record its end
    disk.fill(leave=MiB)  # under the reserve of 2 MiB, with room left for the database's write
    assert queue.reap() == [orphan.id]
    job = queue.store.get(orphan.id)
    assert job is not None and (job.state, job.error_code) == (JobState.FAILED, "storage_full"), job
    assert job.error_message == str(StorageFullError())
    queue.store.close()


@pytest.mark.parametrize("where", ["engine-progressive", "engine-fragments", "yt-dlp-downloader"])
def test_a_write_that_meets_a_full_disk_says_so(
    origin: Origin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "yt-dlp-downloader":  # a format only yt-dlp's own downloader takes
        monkeypatch.setattr(fetch, "is_native", lambda _: False)
    path = "/media/hls_ts/360p/index.m3u8" if where == "engine-fragments" else "/media/progressive.mp4"
    settings = get_settings(retries=1, fragment_retries=1, socket_timeout=5)
    media = savevid.resolve(origin.url(path), settings)
    with small_disk(tmp_path / "disk", 256 * KiB) as disk, pytest.raises(SavevidError) as caught:
        savevid.download(media, dest=disk.path, settings=settings)  # a file of 600 kB and more
    # A real tmpfs runs out of space (ENOSPC); the stand-in's file-size limit answers EFBIG, which
    # no amount of free space would cure: too_large.
    expected = ErrorCode.STORAGE_FULL if disk.mounted else ErrorCode.TOO_LARGE
    assert caught.value.code is expected, (disk.kind, caught.value)
    assert list(disk.path.iterdir()) == [], "the partial files were left behind"


def test_ffmpeg_writing_to_a_full_disk_is_storage_full(media_dir: Path, tmp_path: Path) -> None:
    # ffmpeg's output, in the work folder, written to a device that is always full (ENOSPC).
    (tmp_path / "media.muxing.mp4").symlink_to("/dev/full")
    inputs = [
        Input(media_dir / "video-only.mp4", True, False),
        Input(media_dir / "audio-only.m4a", False, True),
    ]
    with pytest.raises(StorageFullError):
        mux(find_ffmpeg(), inputs, tmp_path / "media.mp4")


def test_a_job_whose_queueing_failed_is_not_left_waiting(client: TestClient, origin: Origin) -> None:
    queue: JobQueue = client.app.state.queue  # type: ignore[attr-defined]
    task = queue._task

    def full(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    queue._task = full
    reply = client.post("/api/downloads", json={"url": origin.url("/media/progressive.mp4")})
    assert reply.status_code == 507 and reply.json()["code"] == "storage_full", reply.text
    assert client.get("/api/downloads").json() == []  # the asker was told; nothing waits for nothing
    queue._task = task
    lost = queue.store.create(origin.url("/media/progressive.mp4"), Choice(), owner="nobody")
    with queue.store._lock:  # a while ago: a row this fresh may still have its task on the way
        queue.store._db.execute("UPDATE jobs SET updated = ? WHERE id = ?", (time.time() - 60, lost.id))
    queue.reap()  # a queued job with no task (its row written, the queue's write failed) runs
    assert wait_final(client, lost.id)["state"] == "done"

"""The job store and queue on their own: retention, and `savevid serve` as a process."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.jobs import queue as job_queue
from savevid.jobs.queue import JobQueue
from savevid.jobs.runner import job_folder
from savevid.jobs.store import JobState
from savevid.models import Choice
from savevid.web.app import create_app
from support.origin import Origin
from support.serve import serving
from test_api import make_settings, wait_final

SLOW = "/media/progressive.mp4"


def finished(queue: JobQueue, size: int, age_hours: float) -> str:
    job = queue.store.create("https://example.com/v", Choice())
    folder = job_folder(queue.settings, job.id)
    folder.mkdir(parents=True)
    (folder / "v.mp4").write_bytes(b"\0" * size)
    queue.store.update(job.id, state=JobState.DONE, path=str(folder / "v.mp4"), size=size)
    with queue.store._lock:  # age it
        queue.store._db.execute("UPDATE jobs SET updated = ? WHERE id = ?",
                                (time.time() - age_hours * 3600, job.id))  # fmt: skip
    return job.id


def test_retention_removes_old_files_then_the_oldest_over_budget(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, retention_hours=24, disk_budget_gb=0.000_002)  # 2 kB
    queue = JobQueue(settings)
    old = finished(queue, 500, age_hours=30)
    older_fresh = finished(queue, 1500, age_hours=2)
    newer_fresh = finished(queue, 1500, age_hours=1)
    queue.clean()
    assert queue.store.get(old) is None and not job_folder(settings, old).exists()
    assert queue.store.get(older_fresh) is None  # over the budget: the oldest goes
    assert queue.store.get(newer_fresh) is not None and job_folder(settings, newer_fresh).exists()


def test_a_job_taken_as_the_queue_stops_stays_queued(tmp_path: Path) -> None:
    queue = JobQueue(get_settings(data_dir=tmp_path, workers=1))
    queue.start()
    queue.stop()
    job = queue.store.create("https://example.com/v", Choice())
    queue._run(job.id)  # a worker that took it from the queue just as the server stopped
    assert queue.store.get(job.id).state is JobState.QUEUED  # type: ignore[union-attr]
    queue.store.close()


def wait_downloading(client: TestClient, job_id: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while client.get(f"/api/downloads/{job_id}").json()["state"] != "downloading":
        assert time.monotonic() < deadline, client.get(f"/api/downloads/{job_id}").json()
        time.sleep(0.05)


def test_a_second_task_for_a_running_job_leaves_it_to_its_worker(origin: Origin, tmp_path: Path) -> None:
    data = (origin.server.media / "progressive.mp4").read_bytes()
    origin.server.rates[SLOW] = 300_000  # about 3 s: running while the test looks
    with TestClient(create_app(make_settings(tmp_path / "data", origin))) as client:
        queue: JobQueue = client.app.state.queue  # type: ignore[attr-defined]
        bodies = ({"url": origin.url(SLOW), "quality": q} for q in ("best", "720"))  # two choices: two jobs
        kept, cancelled = (client.post("/api/downloads", json=body).json()["id"] for body in bodies)
        for job_id in (kept, cancelled):
            wait_downloading(client, job_id)
            queue._run(job_id)  # the same job taken from the queue a second time
        assert queue.reap() == []  # both still have their worker
        assert client.get(f"/api/downloads/{kept}").json()["state"] == "downloading"
        assert queue.cancel(cancelled).state is JobState.CANCELLED  # type: ignore[union-attr]
        job = wait_final(client, kept)
        assert (job["state"], job["error_code"]) == ("done", None), job
        assert client.get(f"/api/downloads/{kept}/file").content == data
        origin.sent(SLOW)  # every download has ended: a worker the cancel missed would be done now
        job = client.get(f"/api/downloads/{cancelled}").json()
        assert job["state"] == "cancelled", job
        assert not job_folder(queue.settings, cancelled).exists()


def test_a_job_still_in_the_queue_at_a_restart_runs_once_to_its_end(
    origin: Origin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (origin.server.media / "progressive.mp4").read_bytes()
    monkeypatch.setattr(job_queue, "REAP_SECONDS", 0.2)  # the reaper looks many times during the download
    origin.server.rates[SLOW] = 300_000  # about 3 s
    settings = make_settings(tmp_path / "data", origin)  # two workers: a second task would find one free
    before = JobQueue(settings)  # a server that queued the job and stopped before a worker took it
    job = before.submit(origin.url(SLOW), Choice())
    before.store.close()
    with TestClient(create_app(settings)) as client:
        ended = wait_final(client, job.id)
        assert (ended["state"], ended["error_code"]) == ("done", None), ended
        assert client.get(f"/api/downloads/{job.id}/file").content == data
        time.sleep(1)  # the reaper's next rounds leave the finished job as it is
        assert client.get(f"/api/downloads/{job.id}").json()["state"] == "done"
    assert origin.sent(SLOW) < 2 * len(data)  # downloaded once


def test_serve_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    with serving(tmp_path / "data") as server:
        assert (tmp_path / "data" / "jobs.db").exists()
        server.wait_exit(server.signal(signal.SIGINT), timeout=20)
    assert server.proc.returncode == 0, server.stderr()
    assert "Traceback" not in server.stderr()


def test_a_database_from_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    from savevid.jobs.store import SqliteJobStore
    from savevid.models import Choice

    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as old:  # the table as the previous version made it: no owner column
        old.execute("CREATE TABLE jobs (id, url, choice, item, client, state, created, updated, stage, "
                    "downloaded, total, speed, eta, title, site, thumbnail, filename, path, size, "
                    "error_code, error_message, PRIMARY KEY (id))")  # fmt: skip
        old.execute("INSERT INTO jobs (id, url, choice, state, created, updated, downloaded) VALUES "
                    "('old1', 'https://example.com/v', '{}', 'done', 1, 1, 0)")  # fmt: skip
    store = SqliteJobStore(path)
    job = store.create("https://example.com/w", Choice(), owner="browser:ab")
    assert [j.id for j in store.recent("browser:ab")] == [job.id]
    assert store.get("old1") is not None and store.get("old1").owner is None  # type: ignore[union-attr]
    store.close()


def test_an_app_that_stops_closes_its_databases(tmp_path: Path, origin: Origin) -> None:
    def open_files() -> int:
        return len(list(Path("/proc/self/fd").iterdir()))

    settings = make_settings(tmp_path / "data", origin)
    with TestClient(create_app(settings)) as client:  # the first start opens what stays open (logging...)
        assert client.get("/api/downloads").status_code == 200
    before = open_files()
    for _ in range(3):
        with TestClient(create_app(settings)) as client:
            assert client.get("/api/downloads").status_code == 200
    assert open_files() - before <= 2, sorted(str(p.resolve()) for p in Path("/proc/self/fd").iterdir())

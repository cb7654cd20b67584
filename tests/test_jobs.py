"""The job store and queue on their own: retention, and `savevid serve` as a process."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from savevid.config import get_settings
from savevid.jobs.queue import JobQueue
from savevid.jobs.runner import job_folder
from savevid.jobs.store import JobState
from savevid.models import Choice
from support.serve import serving


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


def test_serve_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    with serving(tmp_path / "data") as server:
        assert (tmp_path / "data" / "jobs.db").exists()
        server.wait_exit(server.signal(signal.SIGINT), timeout=20)
    assert server.proc.returncode == 0, server.stderr()
    assert "Traceback" not in server.stderr()


def test_a_database_from_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    from savevid.jobs.store import JobStore
    from savevid.models import Choice

    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as old:  # the table as the previous version made it: no owner column
        old.execute("CREATE TABLE jobs (id, url, choice, item, client, state, created, updated, stage, "
                    "downloaded, total, speed, eta, title, site, thumbnail, filename, path, size, "
                    "error_code, error_message, PRIMARY KEY (id))")  # fmt: skip
        old.execute("INSERT INTO jobs (id, url, choice, state, created, updated, downloaded) VALUES "
                    "('old1', 'https://example.com/v', '{}', 'done', 1, 1, 0)")  # fmt: skip
    store = JobStore(path)
    job = store.create("https://example.com/w", Choice(), owner="browser:ab")
    assert [j.id for j in store.recent("browser:ab")] == [job.id]
    assert store.get("old1") is not None and store.get("old1").owner is None  # type: ignore[union-attr]
    store.close()

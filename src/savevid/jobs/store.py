"""Jobs and their history: the ``JobStore`` interface, and ``SqliteJobStore``, an embedded SQLite
database under the data directory (the one implementation today)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from savevid.models import Choice, Progress


class JobState(StrEnum):
    """Where a job is; the last three are final."""

    QUEUED = "queued"
    RESOLVING = "resolving"
    DOWNLOADING = "downloading"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


RUNNING = (JobState.RESOLVING, JobState.DOWNLOADING, JobState.PROCESSING)


class Job(BaseModel):
    """One download asked for through the API, and how it went."""

    id: str
    url: str
    choice: Choice
    item: int | None = None  # which item (from 1) of a playlist or multi-item post
    client: str | None = None  # who asked (an address, an IPv6 /64, or a key), for per-client limits
    owner: str | None = None  # whose list shows it (a browser, a key, or an address)
    state: JobState = JobState.QUEUED
    created: float
    updated: float
    stage: str | None = None
    downloaded: int = 0
    total: int | None = None
    speed: float | None = None
    eta: float | None = None
    title: str | None = None
    site: str | None = None
    thumbnail: str | None = None
    duration: float | None = None  # seconds, when known
    filename: str | None = None
    path: str | None = None
    size: int | None = None
    error_code: str | None = None
    error_message: str | None = None

    def finished_file(self) -> Path | None:
        """The finished file, when the job is done and its file is still there (not removed)."""
        if self.state is not JobState.DONE or not self.path or not Path(self.path).is_file():
            return None
        return Path(self.path)


_COLUMNS = list(Job.model_fields)
_SCHEMA = f"CREATE TABLE IF NOT EXISTS jobs ({', '.join(_COLUMNS)}, PRIMARY KEY (id))"
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM jobs"
# The lookups a request makes, so that none reads the whole table: an owner's list and its live
# stream's check for changes, an owner's jobs for one link, a client's unfinished jobs.
_INDEXES = {
    "jobs_by_owner": "owner, created",
    "jobs_by_owner_change": "owner, updated",
    "jobs_by_link": "owner, url, created",
    "jobs_by_client": "client, state",
}


class JobStore(Protocol):
    """Where jobs are kept: what the queue and its workers read and write. Thread-safe."""

    def close(self) -> None:
        """Release the store; no call follows."""

    def create(
        self, url: str, choice: Choice, item: int | None = None, client: str | None = None,
        owner: str | None = None, **known: Any,
    ) -> Job:  # fmt: skip
        """A new queued job; ``known`` sets what is already known of its media (title, site, ...)."""

    def get(self, job_id: str) -> Job | None:
        """One job, or None when there is none with this id."""

    def recent(self, owner: str, limit: int = 100) -> list[Job]:
        """One owner's newest jobs, newest first."""

    def changes(self, owner: str) -> tuple[int, float | None]:
        """A mark of an owner's jobs that moves whenever one is made, written or removed."""

    def for_link(self, owner: str, url: str) -> list[Job]:
        """One owner's jobs for one link, newest first."""

    def unfinished(self, client: str) -> int:
        """How many of a client's jobs are queued or running."""

    def counts(self) -> dict[JobState, int]:
        """How many jobs are in each state (every state, 0 when none)."""

    def in_states(self, *states: JobState) -> list[Job]:
        """The jobs in any of these states, oldest first."""

    def update(self, job_id: str, **fields: Any) -> None:
        """Write these fields of a job, and ``updated`` with the time."""

    def claim(self, job_id: str) -> bool:
        """Move a queued job to resolving; False if it is not queued (someone else has it)."""

    def progress(self, job_id: str, progress: Progress, state: JobState) -> None:
        """Write a running job's state and progress."""

    def delete(self, job_id: str) -> None:
        """Remove a job's record."""


class SqliteJobStore:
    """The jobs table in an embedded SQLite database, with thread-safe access."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for column in _COLUMNS:  # a database made by an older version gains the new columns
            if column not in present:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {column}")
        for name, columns in _INDEXES.items():  # after the columns: an older database gains them too
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON jobs ({columns})")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create(
        self, url: str, choice: Choice, item: int | None = None, client: str | None = None,
        owner: str | None = None, **known: Any,
    ) -> Job:  # fmt: skip
        """A new queued job; ``known`` sets what is already known of its media (title, site, ...)."""
        now = time.time()
        job = Job(id=uuid.uuid4().hex, url=url, choice=choice, item=item, client=client, owner=owner,
                  created=now, updated=now, **known)  # fmt: skip
        row = _to_row(job)
        with self._lock:
            self._db.execute(
                f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            cursor = self._db.execute(f"{_SELECT} WHERE id = ?", (job_id,))
            row = cursor.fetchone()
        return _from_row(row) if row else None

    def recent(self, owner: str, limit: int = 100) -> list[Job]:
        """One owner's newest jobs."""
        with self._lock:
            query = f"{_SELECT} WHERE owner = ? ORDER BY created DESC LIMIT ?"
            rows = self._db.execute(query, (owner, limit)).fetchall()
        return [_from_row(row) for row in rows]

    def changes(self, owner: str) -> tuple[int, float | None]:
        """A cheap mark of an owner's jobs that moves whenever one is made, written or removed:
        how many there are, and when the newest write was (every write sets ``updated``)."""
        with self._lock:
            query = "SELECT COUNT(*), MAX(updated) FROM jobs WHERE owner = ?"
            count, newest = self._db.execute(query, (owner,)).fetchone()
        return int(count), newest

    def for_link(self, owner: str, url: str) -> list[Job]:
        """One owner's jobs for one link, newest first."""
        with self._lock:
            query = f"{_SELECT} WHERE owner = ? AND url = ? ORDER BY created DESC"
            rows = self._db.execute(query, (owner, url)).fetchall()
        return [_from_row(row) for row in rows]

    def unfinished(self, client: str) -> int:
        """How many of a client's jobs are queued or running."""
        states = [JobState.QUEUED.value, *(s.value for s in RUNNING)]
        with self._lock:
            row = self._db.execute(
                f"SELECT COUNT(*) FROM jobs WHERE client = ? AND state IN ({', '.join('?' * len(states))})",
                [client, *states],
            ).fetchone()
        return int(row[0])

    def counts(self) -> dict[JobState, int]:
        """How many jobs are in each state."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        found = {JobState(state): int(count) for state, count in rows}
        return {state: found.get(state, 0) for state in JobState}

    def in_states(self, *states: JobState) -> list[Job]:
        marks = ", ".join("?" * len(states))
        with self._lock:
            query = f"{_SELECT} WHERE state IN ({marks}) ORDER BY created"
            rows = self._db.execute(query, [s.value for s in states]).fetchall()
        return [_from_row(row) for row in rows]

    def update(self, job_id: str, **fields: Any) -> None:
        fields["updated"] = time.time()
        values = [_to_value(v) for v in fields.values()]
        with self._lock:
            self._db.execute(
                f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                [*values, job_id],
            )

    def claim(self, job_id: str) -> bool:
        """Move a queued job to resolving; False if it is not queued (someone else has it)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET state = ?, stage = ?, updated = ? WHERE id = ? AND state = ?",
                (JobState.RESOLVING.value, "resolving", time.time(), job_id, JobState.QUEUED.value),
            )
        return cursor.rowcount == 1

    def progress(self, job_id: str, progress: Progress, state: JobState) -> None:
        self.update(job_id, state=state, stage=progress.stage.value, downloaded=progress.downloaded,
                    total=progress.total, speed=progress.speed, eta=progress.eta)  # fmt: skip

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))


def _to_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, StrEnum):
        return value.value
    return value


def _to_row(job: Job) -> dict[str, Any]:
    return {name: _to_value(getattr(job, name)) for name in _COLUMNS}


def _from_row(row: tuple[Any, ...]) -> Job:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["choice"] = json.loads(data["choice"])
    return Job.model_validate(data)

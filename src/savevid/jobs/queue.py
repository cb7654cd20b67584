"""The job queue: Huey with SQLite under the data directory, its workers inside the server.

Only this embedded shape exists today: one process, one machine. Several machines (a Redis
queue, a shared job store) are planned, not built.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from huey import SqliteHuey
from huey.consumer import Consumer

from savevid.config import Settings
from savevid.errors import DownloadFailedError, ErrorCode, SavevidError, StorageFullError
from savevid.jobs.runner import job_folder, run_job
from savevid.jobs.space import SpaceLedger
from savevid.jobs.store import RUNNING, Job, JobState, JobStore, SqliteJobStore
from savevid.models import Choice, Media
from savevid.resolve.cache import MediaCache, RecentMedia

log = logging.getLogger("savevid.jobs")

REAP_SECONDS = 5.0
STOPPED = "The download stopped without recording how it ended. Try again."


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer as threads of the server process, leaving its signal handlers alone."""

    def _set_signal_handlers(self) -> None:
        pass


class JobQueue:
    """Creates, runs, cancels and cleans up jobs."""

    def __init__(self, settings: Settings, cache: MediaCache | None = None) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else RecentMedia()  # what previews resolved, for the jobs
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store: JobStore = SqliteJobStore(settings.data_dir / "jobs.db")
        self.huey = SqliteHuey("savevid", filename=str(settings.data_dir / "queue.db"))
        self._task = self.huey.task(name="run_job")(self._run)
        self._cancels: dict[str, threading.Event] = {}  # the jobs this process is running
        self.space = SpaceLedger(settings.data_dir)
        self._lock = threading.Lock()
        self._submitting = threading.Lock()  # one job per owner, link, choice and item
        self._consumer: Any = None
        self._stop = threading.Event()
        self._stop_by: float | None = None  # when stop() stops waiting for the workers

    def _run(self, job_id: str) -> None:
        cancel = threading.Event()
        with self._lock:
            if self._stop.is_set():  # taken just as the server stops: it stays queued for the next start
                return
            if job_id in self._cancels:  # a second task for a job running here: its worker keeps it
                return
            self._cancels[job_id] = cancel
        try:
            run_job(job_id, self.store, self.settings, cancel, self._stop, self.space, self.cache)
        finally:
            with self._lock:
                if self._cancels.get(job_id) is cancel:
                    del self._cancels[job_id]

    def submit(
        self, url: str, choice: Choice, item: int | None = None, client: str | None = None,
        owner: str | None = None,
    ) -> Job:  # fmt: skip
        """Queue a new job; it survives a restart until it is done. When a preview resolved the link
        moments ago, the job starts with its title, site, thumbnail and duration."""
        job = self.store.create(url, choice, item, client, owner, **_known(self.cache.get(url)))
        try:
            self._task(job.id)
        except Exception:  # e.g. a full disk: the asker hears why, and no job waits for nothing
            with contextlib.suppress(sqlite3.Error):
                self.store.delete(job.id)
            raise
        return job

    def submit_each(
        self, url: str, choice: Choice, items: list[int | None], client: str | None = None,
        owner: str | None = None, admit: Callable[[int], None] | None = None,
    ) -> list[tuple[Job, bool]]:  # fmt: skip
        """For each item, in order: the owner's job for this link, choice and item while it is under
        way or done with its file, else a new one; True when the job is new. One query finds them.
        ``admit`` hears how many jobs would be new, first, and may refuse them by raising."""
        with self._submitting:  # two requests at once still make one job each, and meet one limit
            found = self._existing(url, choice, items, owner)
            if admit is not None:
                admit(sum(n not in found for n in items))
            return [(found[n], False) if n in found else (self.submit(url, choice, n, client, owner), True)
                    for n in items]  # fmt: skip

    def _existing(
        self, url: str, choice: Choice, items: list[int | None], owner: str | None
    ) -> dict[int | None, Job]:
        """The owner's jobs that ``submit_each`` would give again, by item: queued, running, or done
        with its file still there; a failed or cancelled one is never given again. One query."""
        if owner is None:
            return {}
        wanted, found = set(items), dict[int | None, Job]()
        for job in self.store.for_link(owner, url):  # newest first: the newest reusable one wins
            if job.item in wanted and job.item not in found and job.choice == choice and _reusable(job):
                found[job.item] = job
        return found

    def get(self, job_id: str) -> Job | None:
        """One job, or None when there is none with this id."""
        return self.store.get(job_id)

    def recent(self, owner: str) -> list[Job]:
        """One owner's newest jobs, newest first."""
        return self.store.recent(owner)

    def changes(self, owner: str) -> tuple[int, float | None]:
        """A mark of an owner's jobs that moves whenever one is made, written or removed."""
        return self.store.changes(owner)

    def unfinished(self, client: str) -> int:
        """How many of a client's jobs are queued or running."""
        return self.store.unfinished(client)

    def counts(self) -> dict[JobState, int]:
        """How many jobs are in each state."""
        return self.store.counts()

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job, or remove a finished one with its file."""
        job = self.store.get(job_id)
        if job is None:
            return None
        with self._lock:
            running = self._cancels.get(job_id)
        if running is not None:
            running.set()
            for _ in range(50):  # the worker stops within a moment, then removes the parts
                if (current := self.store.get(job_id)) is not None and current.state.final:
                    break
                time.sleep(0.02)
        elif not job.state.final:
            self.store.update(job_id, state=JobState.CANCELLED, error_code=ErrorCode.CANCELLED.value,
                              error_message="The download was cancelled.")  # fmt: skip
        shutil.rmtree(job_folder(self.settings, job_id), ignore_errors=True)
        if job.state.final:
            self.store.delete(job_id)
        return self.store.get(job_id) or job

    def start(self) -> None:
        """Start the workers; jobs a previous run left unfinished are queued again (and resume)."""
        waiting = self._waiting()  # tasks the queue kept from the last run: they run as they are
        for job in self.store.in_states(JobState.QUEUED, *RUNNING):
            self.store.update(job.id, state=JobState.QUEUED)
            if job.id not in waiting:
                self._task(job.id)
        self._consumer = EmbeddedConsumer(self.huey, workers=self.settings.workers,
                                          worker_type="thread", periodic=False)  # fmt: skip
        self._consumer.start()
        threading.Thread(target=self._clean_loop, daemon=True, name="retention").start()
        threading.Thread(target=self._reap_loop, daemon=True, name="reaper").start()

    def stop(self) -> None:
        """Stop the workers: no job starts, running downloads stop and resume after the next start.

        Waits for the workers until ``shutdown_timeout`` seconds after the first call at most.
        """
        with self._lock:
            self._stop.set()
            cancels = list(self._cancels.values())
            if self._stop_by is None:
                self._stop_by = time.monotonic() + self.settings.shutdown_timeout
            stop_by = self._stop_by
        for cancel in cancels:
            cancel.set()
        if self._consumer is not None:
            self._consumer.shutdown_timeout = max(0.0, stop_by - time.monotonic())
            self._consumer.stop(graceful=True)

    def close(self) -> None:
        """Close the jobs database and the queue's, once stop() has stopped every worker (a worker
        still finishing keeps them open: the process is ending anyway, and the next start resumes it)."""
        with self._lock:
            if self._cancels:
                return
            self.store.close()
            self.huey.storage.close()

    def _clean_loop(self) -> None:
        while not self._stop.wait(60):
            try:
                self.clean()
            except sqlite3.Error as error:  # a full disk: the next round tries again
                log.warning("cleaning up old files failed: %s", error)

    def _reap_loop(self) -> None:
        while not self._stop.wait(REAP_SECONDS):
            try:
                self.reap()
            except sqlite3.Error as error:  # a full disk: the next round tries again
                log.warning("reaping stuck jobs failed: %s", error)

    def reap(self) -> list[str]:
        """Fail the jobs left in a running state with no worker of this process on them (their
        worker could not record how they ended); the ids of the jobs it finished. Queued jobs
        that the queue lost (its write failed) are queued again."""
        self._requeue_lost()
        reaped = []
        for job in self.store.in_states(*RUNNING):
            with self._lock:  # a worker registers here before it claims a job: none can start now
                current = self.store.get(job.id)
                if job.id in self._cancels or current is None or current.state not in RUNNING:
                    continue
                why = self._why_stopped()  # before its files go: they may be what filled the disk
                shutil.rmtree(job_folder(self.settings, job.id), ignore_errors=True)
                # One try: the lock is held, and the next round is the retry.
                self.store.update(job.id, state=JobState.FAILED, error_code=why.code.value,
                                  error_message=str(why))  # fmt: skip
            reaped.append(job.id)
        return reaped

    def _why_stopped(self) -> SavevidError:
        """Why a job ended with no worker on it: mostly a full disk that kept its end unrecorded."""
        if shutil.disk_usage(self.settings.data_dir).free < self.space.reserve():
            return StorageFullError()
        return DownloadFailedError(STOPPED)

    def _waiting(self) -> set[str]:
        """The jobs with a task in the queue that no worker has taken yet."""
        return {task.args[0] for task in self.huey.pending() if task.args}

    def _requeue_lost(self) -> None:
        # A row this recent may have its task on the way (submit writes the row first) or just
        # taken by a worker that has not registered yet: a later round sees it settled.
        settled = time.time() - 2 * REAP_SECONDS
        with self._lock:
            idle = [job.id for job in self.store.in_states(JobState.QUEUED)
                    if job.id not in self._cancels and job.updated < settled]  # fmt: skip
        if not idle:
            return  # the usual case: no need to read the whole queue
        waiting = self._waiting()
        for job_id in idle:
            if job_id not in waiting:  # should a race queue it twice, the second task finds it taken
                self._task(job_id)

    def clean(self) -> None:
        """Remove finished files past their time, then the oldest until under the disk budget."""
        done = [j for j in self.store.in_states(JobState.DONE) if j.path]
        cutoff = time.time() - self.settings.retention_hours * 3600
        budget = int(self.settings.disk_budget_gb * 1e9)
        used = sum(j.size or 0 for j in done)
        for job in done:  # oldest first
            if job.updated >= cutoff and used <= budget:
                break
            shutil.rmtree(job_folder(self.settings, job.id), ignore_errors=True)
            self.store.delete(job.id)
            used -= job.size or 0


def _reusable(job: Job) -> bool:
    return job.finished_file() is not None if job.state is JobState.DONE else not job.state.final


def _known(media: Media | None) -> dict[str, Any]:
    """What a new job's record can show before it runs, from a preview's media. A playlist's items
    are numbered as they are resolved, so only the single item a link holds is known this early."""
    if media is None or media.is_playlist:
        return {}
    return {"title": media.title, "site": media.site, "thumbnail": media.thumbnail,
            "duration": media.duration}  # fmt: skip

"""Running one job: resolve the link, download it into the job's folder, record how it went."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from savevid import service
from savevid.config import Settings
from savevid.errors import ErrorCode, SavevidError
from savevid.jobs.store import JobState, JobStore
from savevid.models import Media, Progress, Stage

log = logging.getLogger("savevid.jobs")

_STATES = {Stage.RESOLVING: JobState.RESOLVING, Stage.DOWNLOADING: JobState.DOWNLOADING,
           Stage.DONE: JobState.PROCESSING}  # fmt: skip


def job_folder(settings: Settings, job_id: str) -> Path:
    """Where a job's files live: its own folder, named by the job, never by a title."""
    return settings.data_dir / "files" / job_id


class Reporter:
    """Writes a job's progress to the store, a few times a second at most."""

    def __init__(self, store: JobStore, job_id: str) -> None:
        self.store, self.job_id, self._last = store, job_id, 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage is Stage.DOWNLOADING and now - self._last < 0.25:
            return
        self._last = now
        state = _STATES.get(progress.stage, JobState.PROCESSING)
        self.store.progress(self.job_id, progress, state)


def storage_limit(settings: Settings) -> int:
    """Bytes one new download may take: within the disk budget and the free space (less a reserve),
    and the largest file allowed. Older finished files make room under the budget as they expire."""
    disk = shutil.disk_usage(settings.data_dir)  # made by the queue
    room = disk.free - min(disk.total // 20, 1 << 30)  # a reserve for the system and the database
    if room <= 0:
        raise SavevidError("This server is out of storage space right now.", code=ErrorCode.STORAGE_FULL,
                           hint="Try again later.")  # fmt: skip
    limits = [room, int(settings.disk_budget_gb * 1e9)]
    if settings.max_file_mb:
        limits.append(int(settings.max_file_mb * 1e6))
    return min(limits)


def _pick(media: Media, item: int | None, settings: Settings) -> Media:
    """The one item a job is for: the media itself, or item number ``item`` of a playlist."""
    if not media.is_playlist:
        return media
    if item is None:
        raise SavevidError(f"This link holds {len(media.entries)} items: choose which to download.",
                           code=ErrorCode.INVALID_OPTION)  # fmt: skip
    for number, entry in enumerate(service.expand(media, settings, choices=False), 1):
        if number == item:
            if isinstance(entry, SavevidError):
                raise entry
            return entry
    raise SavevidError(f"This link has no item {item}.", code=ErrorCode.INVALID_OPTION)


def run_job(
    job_id: str, store: JobStore, settings: Settings, cancel: threading.Event,
    shutdown: threading.Event,
) -> None:  # fmt: skip
    """Do one job to its end: done with a file, failed with a reason, or cancelled.

    A job stopped by a server shutdown goes back to the queue with its partial files.
    """
    job = store.get(job_id)
    if job is None or not store.claim(job_id):
        return  # cancelled while queued, or already taken
    folder = job_folder(settings, job_id)
    try:
        settings = settings.model_copy(update={"max_file_mb": storage_limit(settings) / 1e6})
        media = _pick(service.resolve(job.url, settings, playlist=job.item is not None, choices=False,
                                      cancel=cancel), job.item, settings)  # fmt: skip
        store.update(job_id, title=media.title, site=media.site, thumbnail=media.thumbnail)
        result = service.download(media, job.choice, folder, Reporter(store, job_id), settings, cancel)
    except SavevidError as error:
        if error.code is ErrorCode.CANCELLED and shutdown.is_set():
            store.update(job_id, state=JobState.QUEUED)  # resumes after the next start
            return
        shutil.rmtree(folder, ignore_errors=True)
        state = JobState.CANCELLED if error.code is ErrorCode.CANCELLED else JobState.FAILED
        store.update(job_id, state=state, error_code=error.code.value, error_message=str(error))
        return
    except Exception as error:  # a bug of ours: the job fails with a reason, never silently
        log.exception("job %s failed", job_id)
        shutil.rmtree(folder, ignore_errors=True)
        store.update(job_id, state=JobState.FAILED, error_code=ErrorCode.INTERNAL.value,
                     error_message=f"Something went wrong inside savevid ({error}).")  # fmt: skip
        return
    store.update(job_id, state=JobState.DONE, stage=Stage.DONE.value, path=str(result.path),
                 filename=result.path.name, size=result.size, downloaded=result.size,
                 total=result.size)  # fmt: skip

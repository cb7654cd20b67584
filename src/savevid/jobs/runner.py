"""Running one job: resolve the link (or take what a preview resolved), download it into the job's
folder, record how it went."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from savevid import service
from savevid.config import Settings
from savevid.errors import INTERNAL_MESSAGE, ErrorCode, SavevidError, StorageFullError, is_disk_full
from savevid.jobs.space import SpaceLedger
from savevid.jobs.store import Job, JobState, JobStore
from savevid.models import Media, Progress, Stage
from savevid.resolve.cache import MediaCache

log = logging.getLogger("savevid.jobs")

_STATES = {Stage.RESOLVING: JobState.RESOLVING, Stage.DOWNLOADING: JobState.DOWNLOADING,
           Stage.DONE: JobState.PROCESSING}  # fmt: skip
_RECORD_TRIES = 5


def job_folder(settings: Settings, job_id: str) -> Path:
    """Where a job's files live: its own folder, named by the job, never by a title."""
    return settings.data_dir / "files" / job_id


class Reporter:
    """Writes a job's progress to the store, a few times a second at most, and tells the space
    ledger the size the download announces (StorageFullError when it does not fit)."""

    def __init__(self, store: JobStore, job_id: str, space: SpaceLedger) -> None:
        self.store, self.job_id, self.space, self._last = store, job_id, space, 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage is Stage.DOWNLOADING and now - self._last < 0.25:
            return
        self._last = now
        if progress.stage is Stage.DOWNLOADING and progress.total is not None:
            self.space.plan(self.job_id, progress.total)
        state = _STATES.get(progress.stage, JobState.PROCESSING)
        try:
            self.store.progress(self.job_id, progress, state)
        except sqlite3.Error as error:  # progress is for show: a full database must not stop the bytes
            log.warning("job %s: progress not recorded (%s)", self.job_id, error)


def file_quota(settings: Settings) -> int:
    """The largest file one download may make: the disk budget, and SAVEVID_MAX_FILE_MB if set.

    Older finished files make room under the budget as they expire; the free space is the space
    ledger's to check (a full disk is ``storage_full``, not ``too_large``).
    """
    limits = [int(settings.disk_budget_gb * 1e9)]
    if settings.max_file_mb:
        limits.append(int(settings.max_file_mb * 1e6))
    return min(limits)


def _pick(media: Media, item: int | None, settings: Settings, cancel: threading.Event | None = None) -> Media:
    """The one item a job is for: the media itself, or item number ``item`` of a playlist;
    ``cancel`` ends the wait for a busy site while resolving that item."""
    if not media.is_playlist:
        return media
    if item is None:
        raise SavevidError(f"This link holds {len(media.entries)} items: choose which to download.",
                           code=ErrorCode.CHOOSE_ITEMS)  # fmt: skip
    for number, entry in enumerate(service.expand(media, settings, choices=False, cancel=cancel), 1):
        if number == item:
            if isinstance(entry, SavevidError):
                raise entry
            return entry
    raise SavevidError(f"This link has no item {item}.", code=ErrorCode.NO_SUCH_ITEM)


def _media(job: Job, settings: Settings, cancel: threading.Event, cache: MediaCache | None) -> Media:
    """The item the job downloads; a preview's media for its link is used when the cache has it,
    the link is resolved afresh otherwise. Without an item a link is resolved as one video (not
    the playlist it may also name), so a cached playlist does not serve such a job."""
    media = cache.get(job.url) if cache is not None else None
    if media is None or (media.is_playlist and job.item is None):
        playlist = job.item is not None
        media = service.resolve(job.url, settings, playlist=playlist, choices=False, cancel=cancel)
    return _pick(media, job.item, settings, cancel)


def record(store: JobStore, job_id: str, **fields: Any) -> bool:
    """Write how a job ended, trying again a few times over about 1.5 s: a full disk often has
    room again once the failed job's files are gone. False leaves the job to the queue's reaper."""
    for attempt in range(_RECORD_TRIES):
        try:
            store.update(job_id, **fields)
            return True
        except sqlite3.Error as error:
            log.warning("job %s: its end not recorded yet (%s)", job_id, error)
            if attempt + 1 < _RECORD_TRIES:
                time.sleep(0.1 * 2**attempt)
    log.error("job %s: its end could not be recorded; the reaper will finish it", job_id)
    return False


def run_job(
    job_id: str, store: JobStore, settings: Settings, cancel: threading.Event,
    shutdown: threading.Event, space: SpaceLedger, cache: MediaCache | None = None,
) -> None:  # fmt: skip
    """Do one job to its end: done with a file, failed with a reason, or cancelled.

    A job stopped by a server shutdown goes back to the queue with its partial files. A failed job
    drops its link's media from ``cache``: trying again resolves afresh.
    """
    job = store.get(job_id)
    if job is None or not store.claim(job_id):
        return  # cancelled while queued, or already taken
    try:
        fields = _attempt(job, store, settings, cancel, shutdown, space, cache)
    finally:
        space.release(job_id)
    if fields["state"] is JobState.FAILED and cache is not None:
        cache.drop(job.url)  # its format URLs may have expired
    record(store, job_id, **fields)


def delivered(folder: Path) -> Path | None:
    """The file a job has already delivered into its folder, if any.

    Only the final move of a download puts a visible name into a job's own folder (its work
    lives in a hidden ``.savevid-*`` folder), and that move is an atomic rename of a complete,
    synced file: one visible regular file there is the job's finished file, whole.
    """
    try:
        names = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except FileNotFoundError:
        return None
    files = [p for p in names if p.is_file() and not p.is_symlink()]
    return files[0] if len(files) == 1 and len(names) == 1 else None


def _finish_delivered(folder: Path, path: Path) -> dict[str, Any]:
    """The fields of a job whose file was delivered before a crash kept ``done`` from being
    recorded; the partial work it left beside the file goes."""
    for leftover in folder.glob(f"{service.WORKDIR_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    log.info("job %s: its file was delivered before the last stop; recorded as done", folder.name)
    return _done(path, path.stat().st_size)


def _done(path: Path, size: int) -> dict[str, Any]:
    return {"state": JobState.DONE, "stage": Stage.DONE.value, "path": str(path), "filename": path.name,
            "size": size, "downloaded": size, "total": size}  # fmt: skip


def _failed(error: SavevidError) -> dict[str, Any]:
    state = JobState.CANCELLED if error.code is ErrorCode.CANCELLED else JobState.FAILED
    return {"state": state, "error_code": error.code.value, "error_message": str(error)}


def _attempt(
    job: Job, store: JobStore, settings: Settings, cancel: threading.Event, shutdown: threading.Event,
    space: SpaceLedger, cache: MediaCache | None,
) -> dict[str, Any]:  # fmt: skip
    """Run the job; the fields that record how it ended."""
    folder = job_folder(settings, job.id)
    if (found := delivered(folder)) is not None:  # never a second download, nor a second copy
        return _finish_delivered(folder, found)
    try:
        space.admit(job.id, folder)
        settings = settings.model_copy(update={"max_file_mb": file_quota(settings) / 1e6})
        media = _media(job, settings, cancel, cache)
        store.update(job.id, title=media.title, site=media.site, thumbnail=media.thumbnail,
                     duration=media.duration)  # fmt: skip
        reporter = Reporter(store, job.id, space)
        result = service.download(media, job.choice, folder, reporter, settings, cancel)
    except SavevidError as error:
        if error.code is ErrorCode.CANCELLED and shutdown.is_set():
            return {"state": JobState.QUEUED}  # resumes after the next start
        shutil.rmtree(folder, ignore_errors=True)
        if error.detail:  # the operator's part (an address, a setting): the log's, not the visitor's
            log.warning("job %s: %s: %s", job.id, error.code.value, error.detail)
        return _failed(error)
    except Exception as error:
        shutil.rmtree(folder, ignore_errors=True)
        if is_disk_full(error):  # the jobs database, or a write outside the download itself
            return _failed(StorageFullError())
        log.exception("job %s failed", job.id)  # a bug of ours: the job fails with a reason
        return _failed(SavevidError(INTERNAL_MESSAGE))
    return _done(result.path, result.size)

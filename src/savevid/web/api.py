"""The HTTP API; the page uses nothing else."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from savevid import service
from savevid.config import Settings
from savevid.errors import ErrorCode, SavevidError
from savevid.jobs.queue import JobQueue
from savevid.jobs.store import Job
from savevid.models import AudioFormat, Choice, Media, Quality
from savevid.resolve.sites import SITES
from savevid.safety.urls import MAX_URL_LENGTH, normalize_url
from savevid.web.access import KEY_COOKIE, Caller, check_key, identify, keep_in_browser
from savevid.web.errors import WebCode, error_body
from savevid.web.limits import TooManyRequests
from savevid.web.streams import EventStream, StreamSlots
from savevid.web.thumbnails import download_thumbnail_path, thumbnail_path

router = APIRouter(prefix="/api")


def get_queue(request: Request) -> JobQueue:
    return request.app.state.queue  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def limited(request: Request) -> Caller:
    """The caller, after taking one of its requests per minute (429 past its limit); a wrong key
    has already spent one of its address's in ``identify``."""
    caller = identify(request)
    per_minute = caller.key.per_minute if caller.key else None
    request.app.state.limiter.check(caller.limit_key, per_minute=per_minute)
    return caller


QueueDep = Annotated[JobQueue, Depends(get_queue)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LimitedDep = Annotated[Caller, Depends(limited)]
CallerDep = Annotated[Caller, Depends(identify)]


class Body(BaseModel):
    """A request body: a field the API does not have is refused (422), never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class SessionRequest(Body):
    key: str = Field(min_length=1, max_length=512)


class InfoRequest(Body):
    url: str = Field(max_length=MAX_URL_LENGTH)


class DownloadRequest(Body):
    url: str = Field(max_length=MAX_URL_LENGTH)
    quality: Quality = Quality.BEST
    audio_only: bool = False
    audio_format: AudioFormat = AudioFormat.MP3
    format: str | None = Field(default=None, max_length=200)
    items: list[int] | None = Field(
        default=None, max_length=1000, description="Items (from 1) of a playlist or post: one job each"
    )


def _view(job: Job) -> dict[str, object]:
    data = job.model_dump(mode="json", exclude={"path", "client", "owner"})
    data["urls"] = {
        "self": f"/api/downloads/{job.id}",
        "events": f"/api/downloads/{job.id}/events",
        "file": f"/api/downloads/{job.id}/file",
        "thumbnail": download_thumbnail_path(job.id, job.thumbnail),
    }
    return data


def _job(queue: JobQueue, job_id: str) -> Job:
    job = queue.get(job_id)
    if job is None:
        raise HTTPException(404, detail=error_body(WebCode.NO_SUCH_DOWNLOAD, "There is no such download."))
    return job


@router.get("/sites", summary="The sites savevid promises by name, and how each is handled")
def sites() -> list[dict[str, object]]:
    return [asdict(site) for site in SITES]


@router.post("/session", status_code=204, summary="Remember an access key in this browser (a cookie)")
def open_session(body: SessionRequest, request: Request) -> Response:
    """For the page: EventSource and file links cannot send ``Authorization``, a cookie goes along."""
    check_key(request, body.key)
    reply = Response(status_code=204)
    keep_in_browser(reply, request, KEY_COOKIE, body.key)
    return reply


@router.delete("/session", status_code=204, summary="Forget this browser's access key")
def close_session() -> Response:
    reply = Response(status_code=204)
    reply.delete_cookie(KEY_COOKIE)
    return reply


@router.post("/info", summary="What a link holds: title, site, choices, or a playlist's entries")
def info(body: InfoRequest, settings: SettingsDep, queue: QueueDep, request: Request, _: LimitedDep) -> Media:
    """A busy site is waited for a little; a server that starts to stop ends the wait (503).
    A download of the same link that starts soon after uses what this resolved."""
    stopping = request.app.state.stopping
    try:
        url = normalize_url(body.url)
        media = service.resolve(url, settings, cancel=stopping)
        media.thumbnail_url = thumbnail_path(request, media.thumbnail)
        queue.cache.put(url, media)
    except SavevidError as error:
        if error.code is not ErrorCode.CANCELLED or not stopping.is_set():
            raise
        raise HTTPException(503, detail=error_body(WebCode.SERVER_STOPPING, "This server is stopping.",
                                                   "Try again in a moment."),
                            headers={"Retry-After": "5"}) from None  # fmt: skip
    return media


@router.post("/downloads", status_code=202, summary="Queue a download (or one per item)",
             responses={200: {"description": "The caller's same download, under way or done"}})  # fmt: skip
def create_download(body: DownloadRequest, queue: QueueDep, caller: LimitedDep) -> JSONResponse:
    """The job (202), or the caller's same job under way or done with its file (200); with ``items``,
    ``{"jobs": [...]}``, one job per item (200 when every one of them already existed)."""
    url = normalize_url(body.url)
    if body.items is not None and (not body.items or any(n < 1 for n in body.items)):
        raise HTTPException(400, detail=error_body(WebCode.BAD_REQUEST, "Items are numbered from 1."))
    items: list[int | None] = list(dict.fromkeys(body.items)) if body.items is not None else [None]
    limit = queue.settings.jobs_per_client
    client, owner = caller.limit_key, caller.owner
    choice = Choice(quality=body.quality, audio_only=body.audio_only, audio_format=body.audio_format,
                    format=body.format)  # fmt: skip

    def admit(new: int) -> None:  # a job given again takes no place
        if limit and new and queue.unfinished(client) + new > limit:
            message = f"You have {limit} downloads under way at most: wait for one to finish."
            raise TooManyRequests(30, message, code=ErrorCode.TOO_MANY_DOWNLOADS)

    made = queue.submit_each(url, choice, items, client=client, owner=owner, admit=admit)
    status = 202 if any(new for _, new in made) else 200
    if body.items is None:
        return JSONResponse(_view(made[0][0]), status_code=status)
    return JSONResponse({"jobs": [_view(job) for job, _ in made]}, status_code=status)


@router.get("/downloads", summary="The caller's recent downloads")
def list_downloads(queue: QueueDep, caller: CallerDep) -> list[dict[str, object]]:
    """Only the caller's own: this browser's, this key's, or (for other callers) this address's."""
    return [_view(job) for job in queue.recent(caller.owner)]


# One download's id (128 random bits) is what lets its caller see, fetch or cancel it.
@router.get("/downloads/{job_id}", summary="One download: state, progress, file, error")
def get_download(job_id: str, queue: QueueDep, _: CallerDep) -> dict[str, object]:
    return _view(_job(queue, job_id))


@router.get("/downloads/{job_id}/events", summary="Live progress of one download (Server-Sent Events)")
async def download_events(job_id: str, queue: QueueDep, request: Request, caller: CallerDep) -> EventStream:
    """One ``data:`` line with the download's view at each change; the stream ends with the download."""
    await run_in_threadpool(_job, queue, job_id)

    def read() -> list[Job]:
        job = queue.get(job_id)
        return [job] if job else []

    return _event_stream(request, caller, read, ends=True)


@router.get("/events", summary="Live changes to all of the caller's downloads (Server-Sent Events)")
async def events(queue: QueueDep, request: Request, caller: CallerDep) -> EventStream:
    """One ``data:`` line with a download's view whenever one of the caller's (newest 100) downloads
    changes; each is sent once when the stream opens. One connection for any number of downloads: a
    browser opens at most six to a server. A caller holds a few streams open at most (429 past them)."""
    owner = caller.owner
    return _event_stream(request, caller, lambda: queue.recent(owner), ends=False,
                         changes=lambda: queue.changes(owner))  # fmt: skip


def _event_stream(
    request: Request, caller: Caller, read: Callable[[], list[Job]], *, ends: bool,
    changes: Callable[[], object] | None = None,
) -> EventStream:  # fmt: skip
    """Server-Sent Events of the jobs ``read`` returns, each sent when it changes; with ``ends``, the
    stream ends once they are all final (or gone). It ends too when the server starts to stop.
    ``changes``, when given, is a cheap mark that moves when what ``read`` returns may have: while it
    stays, the jobs are not read again. The store is read in the thread pool, never on the event loop."""
    stopping = request.app.state.stopping
    slots: StreamSlots = request.app.state.streams
    slots.take(caller.limit_key)

    async def stream() -> AsyncIterator[str]:
        jobs, mark, sent, quiet = list[Job](), None, dict[str, float](), 0.0
        while not stopping.is_set() and not await request.is_disconnected():
            latest = await run_in_threadpool(changes) if changes else None
            if changes is None or latest != mark:
                mark, jobs = latest, await run_in_threadpool(read)
            for job in jobs:
                if sent.get(job.id) != job.updated:  # every write to a job moves its ``updated``
                    yield f"data: {json.dumps(_view(job))}\n\n"
                    sent[job.id], quiet = job.updated, 0.0
            if ends and all(job.state.final for job in jobs):
                return
            if quiet >= _KEEP_ALIVE:  # a comment, so that proxies keep a quiet stream open
                yield ": still here\n\n"
                quiet = 0.0
            await asyncio.sleep(_EVERY)
            quiet += _EVERY

    return EventStream(stream(), on_close=lambda: slots.give_back(caller.limit_key))


_EVERY = 0.25  # seconds between looks at the jobs
_KEEP_ALIVE = 15.0  # seconds of silence before a keep-alive comment


def content_disposition(name: str) -> str:
    """``attachment`` with one ASCII ``filename`` and an RFC 8187 ``filename*`` (RFC 6266)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/downloads/{job_id}/file", summary="The finished file (Range requests supported)")
def download_file(job_id: str, queue: QueueDep, _: CallerDep) -> FileResponse:
    job = _job(queue, job_id)
    file = job.finished_file()
    if file is None:
        raise HTTPException(
            409, detail=error_body(WebCode.NOT_READY, "The file is not ready (or was removed).")
        )
    headers = {"Content-Disposition": content_disposition(job.filename or file.name),
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return FileResponse(file, headers=headers, media_type="application/octet-stream")


@router.delete("/downloads/{job_id}", summary="Cancel a download, and delete its file")
def delete_download(job_id: str, queue: QueueDep, _: CallerDep) -> dict[str, object]:
    job = _job(queue, job_id)
    return _view(queue.cancel(job_id) or job)

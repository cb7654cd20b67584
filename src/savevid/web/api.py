"""The HTTP API; the page uses nothing else."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from savevid import service
from savevid.config import Settings
from savevid.jobs.queue import JobQueue
from savevid.jobs.store import Job
from savevid.models import AudioFormat, Choice, Media, Quality
from savevid.resolve.sites import SITES
from savevid.safety.urls import MAX_URL_LENGTH, normalize_url
from savevid.web.errors import error_body
from savevid.web.limits import TooManyRequests, client_key

router = APIRouter(prefix="/api")


def get_queue(request: Request) -> JobQueue:
    return request.app.state.queue  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def limited(request: Request) -> str:
    """The client's key, after taking one of its requests per minute (429 past the limit)."""
    settings: Settings = request.app.state.settings
    key = client_key(request, settings.trusted_proxies)
    request.app.state.limiter.check(key)
    return key


QueueDep = Annotated[JobQueue, Depends(get_queue)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientDep = Annotated[str, Depends(limited)]


class InfoRequest(BaseModel):
    url: str = Field(max_length=MAX_URL_LENGTH)


class DownloadRequest(BaseModel):
    url: str = Field(max_length=MAX_URL_LENGTH)
    quality: Quality = Quality.BEST
    audio_only: bool = False
    audio_format: AudioFormat = AudioFormat.MP3
    format: str | None = Field(default=None, max_length=200)
    items: list[int] | None = Field(
        default=None, max_length=1000, description="Items (from 1) of a playlist or post: one job each"
    )


def _view(job: Job) -> dict[str, object]:
    data = job.model_dump(mode="json", exclude={"path"})
    data["urls"] = {
        "self": f"/api/downloads/{job.id}",
        "events": f"/api/downloads/{job.id}/events",
        "file": f"/api/downloads/{job.id}/file",
    }
    return data


def _job(queue: JobQueue, job_id: str) -> Job:
    job = queue.store.get(job_id)
    if job is None:
        raise HTTPException(404, detail=error_body("not_found", "There is no such download."))
    return job


@router.get("/sites", summary="The sites savevid promises by name, and how each is handled")
def sites() -> list[dict[str, object]]:
    return [asdict(site) for site in SITES]


@router.post("/info", summary="What a link holds: title, site, choices, or a playlist's entries")
def info(body: InfoRequest, settings: SettingsDep, _: ClientDep) -> Media:
    return service.resolve(body.url, settings)


@router.post("/downloads", status_code=202, summary="Queue a download (or one per item)")
def create_download(body: DownloadRequest, queue: QueueDep, client: ClientDep) -> JSONResponse:
    """The job; with ``items``, ``{"jobs": [...]}``, one job per item."""
    url = normalize_url(body.url)
    wanted = len(set(body.items)) if body.items else 1
    limit = queue.settings.jobs_per_client
    if limit and queue.store.unfinished(client) + wanted > limit:
        raise TooManyRequests(30, f"You have {limit} downloads under way at most: wait for one to finish.")
    choice = Choice(quality=body.quality, audio_only=body.audio_only, audio_format=body.audio_format,
                    format=body.format)  # fmt: skip
    if body.items is None:
        return JSONResponse(_view(queue.submit(url, choice, client=client)), status_code=202)
    if not body.items or any(n < 1 for n in body.items):
        raise HTTPException(400, detail=error_body("bad_request", "Items are numbered from 1."))
    jobs = [_view(queue.submit(url, choice, n, client=client)) for n in dict.fromkeys(body.items)]
    return JSONResponse({"jobs": jobs}, status_code=202)


@router.get("/downloads", summary="Recent downloads on this server")
def list_downloads(queue: QueueDep) -> list[dict[str, object]]:
    return [_view(job) for job in queue.store.recent()]


@router.get("/downloads/{job_id}", summary="One download: state, progress, file, error")
def get_download(job_id: str, queue: QueueDep) -> dict[str, object]:
    return _view(_job(queue, job_id))


@router.get("/downloads/{job_id}/events", summary="Live progress (Server-Sent Events)")
async def download_events(job_id: str, queue: QueueDep, request: Request) -> StreamingResponse:
    _job(queue, job_id)

    async def stream() -> AsyncIterator[str]:
        last = None
        while not await request.is_disconnected():
            job = queue.store.get(job_id)
            if job is None:
                return
            text = json.dumps(_view(job))
            if text != last:
                yield f"data: {text}\n\n"
                last = text
            if job.state.final:
                return
            await asyncio.sleep(0.25)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})  # fmt: skip


def content_disposition(name: str) -> str:
    """``attachment`` with one ASCII ``filename`` and an RFC 8187 ``filename*`` (RFC 6266)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/downloads/{job_id}/file", summary="The finished file (Range requests supported)")
def download_file(job_id: str, queue: QueueDep) -> FileResponse:
    job = _job(queue, job_id)
    if not job.path or not Path(job.path).is_file():
        raise HTTPException(409, detail=error_body("not_ready", "The file is not ready (or was removed)."))
    headers = {"Content-Disposition": content_disposition(job.filename or Path(job.path).name),
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return FileResponse(job.path, headers=headers, media_type="application/octet-stream")


@router.delete("/downloads/{job_id}", summary="Cancel a download, and delete its file")
def delete_download(job_id: str, queue: QueueDep) -> dict[str, object]:
    job = queue.cancel(job_id)
    if job is None:
        raise HTTPException(404, detail=error_body("not_found", "There is no such download."))
    return _view(job)

"""``GET /api/downloads/zip``: several finished downloads as one ZIP, made while it is sent.

Media does not compress, so members are stored: the ZIP's length is known before its first byte
(``Content-Length``, so a browser shows progress), and it is read one file at a time, never built
in memory or on disk. A file is opened when its turn comes: a zip holds one descriptor at most.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send
from zipstream import ZipStream

from savevid.jobs.queue import JobQueue
from savevid.jobs.store import Job
from savevid.safety.filenames import safe_filename
from savevid.web.api import CallerDep, QueueDep, content_disposition
from savevid.web.errors import WebCode, error_body

log = logging.getLogger("savevid.web")
router = APIRouter(prefix="/api")

MAX_FILES = 200
CHUNK = 64 * 1024  # as Starlette reads a file it serves


@dataclass(frozen=True)
class Member:
    """One finished file and the name it has in the ZIP."""

    path: Path
    name: str
    size: int


class FileGone(Exception):
    """A file was removed (by retention, or its owner) or cut short after the ZIP was announced."""


def unique_names(names: list[str]) -> list[str]:
    """The names with repeats made unique as ``name (2).mp4``; case is ignored, as on Windows
    and macOS, where ``A.mp4`` and ``a.mp4`` would be one file."""
    taken: set[str] = set()
    result = []
    for name in names:
        stem, ext = os.path.splitext(name)
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem} ({n}){ext}"
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def _chunks(member: Member) -> Generator[bytes]:
    """The file's bytes, exactly as many as announced; FileGone if it is not there any more."""
    try:
        handle = member.path.open("rb")
    except FileNotFoundError:
        raise FileGone(member.name) from None
    with handle:
        left = member.size
        while left:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                raise FileGone(member.name)
            left -= len(chunk)
            yield chunk


class ZipResponse(StreamingResponse):
    """The members as one stored ZIP; each file is closed when the answer ends, however it ends."""

    def __init__(self, members: list[Member], filename: str) -> None:
        self._readers = [_chunks(member) for member in members]
        archive = ZipStream(sized=True)  # stored: the length is known up front
        for member, reader in zip(members, self._readers, strict=True):
            archive.add(reader, member.name, size=member.size)
        headers = {"Content-Length": str(len(archive)), "Content-Disposition": content_disposition(filename)}
        super().__init__(iter(archive), media_type="application/zip", headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except FileGone as gone:
            # The status and length are sent: all that is left is to end the connection early,
            # so that the client sees a download cut short rather than a wrong file.
            log.warning("a zip stopped: %s was removed while the zip was being sent", gone)
        finally:
            for reader in self._readers:  # a client that left mid-file leaves no file open
                reader.close()


def _ids(text: str) -> list[str]:
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not ids:
        raise HTTPException(400, detail=error_body(WebCode.BAD_REQUEST, "Name the downloads: ids=ID,ID,..."))
    if len(ids) > MAX_FILES:
        message = f"A zip holds {MAX_FILES} files at most."
        raise HTTPException(
            400, detail=error_body(WebCode.TOO_MANY_FILES, message, "Ask for the rest in another zip.")
        )
    return ids


def _file_size(job: Job) -> int | None:
    """The size of the job's finished file; None if it is not done or its file is gone."""
    file = job.finished_file()
    try:
        return file.stat().st_size if file is not None else None
    except FileNotFoundError:  # removed a moment ago
        return None


def _members(queue: JobQueue, ids: list[str]) -> list[Member]:
    """The finished files of these jobs; 404 if one is unknown, 409 if one has no file (yet)."""
    jobs = [queue.get(job_id) for job_id in ids]
    known = [job for job in jobs if job is not None]
    if len(known) < len(ids):
        unknown = len(ids) - len(known)
        verb = "does" if unknown == 1 else "do"
        message = (
            "There is no such download."
            if len(ids) == 1
            else f"{unknown} of these downloads {verb} not exist."
        )
        raise HTTPException(404, detail=error_body(WebCode.NO_SUCH_DOWNLOAD, message))
    sized = [(job, size) for job in known if (size := _file_size(job)) is not None]
    if len(sized) < len(known):
        missing = len(known) - len(sized)
        be, was = ("is", "was") if missing == 1 else ("are", "were")
        raise HTTPException(409, detail=error_body(
            WebCode.NOT_READY, f"{missing} of the {len(ids)} files {be} not ready (or {was} removed).",
            "Wait for every download to finish, or leave out the ones that failed."))  # fmt: skip
    paths = [Path(str(job.path)) for job, _ in sized]
    names = unique_names([job.filename or path.name for (job, _), path in zip(sized, paths, strict=True)])
    return [Member(path, name, size) for path, name, (_, size) in zip(paths, names, sized, strict=True)]


def zip_name(name: str | None) -> str:
    """The ZIP's own file name: the asked one made safe, ``.zip`` once; ``savevid.zip`` without one."""
    stem = (name or "").strip()
    if stem.lower().endswith(".zip"):
        stem = stem[:-4]
    return safe_filename(stem, None, "zip") if stem.strip() else "savevid.zip"


# Included before the API's router: "zip" must not be read as a job id by /downloads/{job_id}.
@router.get(
    "/downloads/zip",
    summary="Several finished files as one ZIP (streamed, with Content-Length)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_zip(
    queue: QueueDep,
    _: CallerDep,
    ids: Annotated[
        str, Query(max_length=16 * 1024, description=f"Job ids, comma separated ({MAX_FILES} at most)")
    ],
    name: Annotated[str | None, Query(max_length=200, description="The ZIP's file name")] = None,
) -> ZipResponse:
    """A job's id opens its file here as at ``/api/downloads/{id}/file``; same-named files are
    numbered (``name (2).mp4``)."""
    return ZipResponse(_members(queue, _ids(ids)), zip_name(name))

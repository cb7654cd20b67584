"""Several finished downloads as one ZIP, streamed from real files made by real downloads."""

from __future__ import annotations

import io
import os
import socket
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from savevid.config import Settings, get_settings
from savevid.web.app import create_app
from savevid.web.bundle import MAX_FILES, unique_names, zip_name
from support import pages
from support.media import DURATION
from support.origin import Origin
from support.probe import probe
from support.server import running_app

OG_NAME = "Open-Graph - a clip - part 1 [progressive].mp4"


def settings_for(data_dir: Path, origin: Origin, **overrides: object) -> Settings:
    allow = f"127.0.0.1:{origin.server.server_address[1]}"
    return get_settings(data_dir=data_dir, workers=2, retries=1, fragment_retries=1, socket_timeout=5,
                        allow_private=allow, requests_per_minute=0, jobs_per_client=0,
                        **overrides)  # fmt: skip


def download(client: httpx.Client, link: str) -> str:
    """Queue a download through the API; its id. A ``#1080`` at the end asks for that quality: the
    same link in another format is another download, of a file with the same name."""
    link, _, quality = link.partition("#")
    reply = client.post("/api/downloads", json={"url": link, "quality": quality or "best"})
    assert reply.status_code == 202, reply.text
    return str(reply.json()["id"])


def finished(client: httpx.Client, ids: list[str], timeout: float = 90) -> dict[str, dict[str, object]]:
    """Each job's view once every one has ended."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = {job_id: client.get(f"/api/downloads/{job_id}").json() for job_id in ids}
        if all(job["state"] in ("done", "failed", "cancelled") for job in jobs.values()):
            return jobs
        assert time.monotonic() < deadline, jobs
        time.sleep(0.2)


def open_files(data_dir: Path) -> set[Path]:
    """The downloaded files that this process holds open (the test server runs in it)."""
    folder = data_dir / "files"
    held = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = Path(os.readlink(fd).removesuffix(" (deleted)"))
        except OSError:  # closed meanwhile
            continue
        if target.is_relative_to(folder):
            held.add(target)
    return held


def job_file(data_dir: Path, job_id: str) -> Path:
    [path] = (data_dir / "files" / job_id).iterdir()
    return path


def zip_url(ids: list[str], name: str | None = None) -> str:
    return f"/api/downloads/zip?ids={','.join(ids)}" + (f"&name={name}" if name else "")


# A slow network: each end's socket holds a few kB, not the megabytes loopback gives. The server
# can then run ahead of its client by those, by its own write buffer and by one chunk it read:
# a few hundred kB, less than any one sample file.
SOCKET_BUFFER = 16 * 1024


def slow_reader() -> httpx.Client:
    options = [(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)]
    return httpx.Client(transport=httpx.HTTPTransport(socket_options=options))


@dataclass
class Served:
    app: FastAPI
    base: str
    client: httpx.Client
    data_dir: Path
    jobs: dict[str, dict[str, object]]  # by role: og, og_again, video, audio, failed, gone

    def id(self, role: str) -> str:
        return str(self.jobs[role]["id"])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, media_dir: Path) -> Iterator[Served]:
    """One server with finished downloads of several kinds, shared by the tests that only read them."""
    origin = Origin(media_dir).start()
    data_dir = tmp_path_factory.mktemp("bundle") / "data"
    app = create_app(settings_for(data_dir, origin))
    links = {
        "og": origin.page("/watch/og", pages.OPEN_GRAPH),
        "og_again": origin.url("/watch/og#1080"),
        "video": origin.url("/media/video-only.mp4"),
        "audio": origin.url("/media/audio-only.m4a"),
        "failed": origin.url("/media/no-such-file.mp4"),
        "gone": origin.url("/media/audio-only.m4a?again"),
    }
    try:
        with running_app(app, SOCKET_BUFFER) as base, httpx.Client(base_url=base, timeout=60) as client:
            ids = {role: download(client, link) for role, link in links.items()}
            views = finished(client, list(ids.values()))
            jobs = {role: views[job_id] for role, job_id in ids.items()}
            assert [role for role, job in jobs.items() if job["state"] != "done"] == ["failed"], jobs
            yield Served(app, base, client, data_dir, jobs)
    finally:
        origin.stop()


def test_three_downloads_come_as_one_zip_of_the_same_files(served: Served, tmp_path: Path) -> None:
    roles = ["og", "video", "audio"]
    with served.client.stream("GET", zip_url([served.id(r) for r in roles], "My clips")) as reply:
        assert reply.status_code == 200, reply.read()
        body = b"".join(reply.iter_raw())
    assert int(reply.headers["content-length"]) == len(body)
    assert reply.headers["content-type"] == "application/zip"
    assert reply.headers["content-disposition"].startswith('attachment; filename="My clips.zip"')
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None  # every member's CRC matches its bytes
        infos = archive.infolist()
        assert [info.filename for info in infos] == [served.jobs[r]["filename"] for r in roles]
        assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
        archive.extractall(tmp_path)
    for role, info in zip(roles, infos, strict=True):
        member = tmp_path / info.filename
        assert member.read_bytes() == served.client.get(f"/api/downloads/{served.id(role)}/file").content
        media = probe(member)
        assert media.duration == pytest.approx(DURATION, abs=0.5), (role, media)
        assert (bool(media.video), bool(media.audio)) == {"og": (True, True), "video": (True, False),
                                                          "audio": (False, True)}[role]  # fmt: skip


def test_files_of_the_same_name_are_numbered_and_an_id_counts_once(served: Served) -> None:
    ids = [served.id("og"), served.id("og_again"), served.id("og")]
    reply = served.client.get(zip_url(ids))
    assert reply.status_code == 200
    assert reply.headers["content-disposition"].startswith('attachment; filename="savevid.zip"')
    with zipfile.ZipFile(io.BytesIO(reply.content)) as archive:
        stem = OG_NAME.removesuffix(".mp4")
        assert archive.namelist() == [OG_NAME, f"{stem} (2).mp4"]
        for role, name in zip(["og", "og_again"], archive.namelist(), strict=True):
            assert archive.read(name) == job_file(served.data_dir, served.id(role)).read_bytes()


def test_the_zip_is_sent_while_it_is_read_and_a_client_that_leaves_leaves_no_file_open(
    served: Served,
) -> None:
    """Built in memory or on disk first, the zip would hold no media file open when its first bytes
    arrive; opening every file up front, it would hold all three."""
    roles = ["og", "video", "audio"]
    with (
        slow_reader() as client,
        client.stream("GET", served.base + zip_url([served.id(r) for r in roles])) as reply,
    ):
        chunks = reply.iter_raw(4096)  # kept: a dropped iterator closes the connection
        assert next(chunks).startswith(b"PK\x03\x04")  # a member's local header
        time.sleep(0.5)  # the server goes as far ahead as the connection lets it
        assert open_files(served.data_dir) == {job_file(served.data_dir, served.id("og"))}
    deadline = time.monotonic() + 5  # the client left in the middle of the first file
    while open_files(served.data_dir):
        assert time.monotonic() < deadline, open_files(served.data_dir)
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("query", "status", "code", "message"),
    [
        ("", 400, "bad_request", "ids"),
        ("?ids=", 400, "bad_request", "Name the downloads"),
        ("?ids=,%20,", 400, "bad_request", "Name the downloads"),
        ("?ids=" + ",".join(f"{n:032x}" for n in range(MAX_FILES + 1)), 400, "too_many_files", "200 files"),
        ("?ids=0123456789abcdef0123456789abcdef", 404, "no_such_download", "There is no such download."),
        ("?ids={og},nope,0123456789abcdef0123456789abcdef", 404, "no_such_download", "2 of these"),
        ("?ids={og},{failed}", 409, "not_ready", "1 of the 2 files is not ready"),
        ("?ids={gone},{og},{video}", 409, "not_ready", "1 of the 3 files is not ready (or was removed)"),
    ],
)  # fmt: skip
def test_what_cannot_be_zipped_is_a_clear_json_error(
    served: Served, query: str, status: int, code: str, message: str
) -> None:
    if "{gone}" in query:
        job_file(served.data_dir, served.id("gone")).unlink()  # its job stays done: removed by hand
    reply = served.client.get("/api/downloads/zip" + query.format(**{r: served.id(r) for r in served.jobs}))
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code and message in reply.json()["message"], reply.json()


def test_the_limit_counts_distinct_downloads(served: Served) -> None:
    ids = [served.id("audio"), served.id("video")] * (MAX_FILES * 3 // 4)
    reply = served.client.get(zip_url(ids))
    assert reply.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(reply.content)).namelist()) == 2


def test_a_file_removed_by_retention_mid_zip_cuts_the_answer_short(origin: Origin, tmp_path: Path) -> None:
    """The file being read is sent whole from its open handle; the next one is gone, so the answer
    ends before its announced length (the client sees a failed download, not a wrong file), and
    the server stays up with nothing left open."""
    data_dir = tmp_path / "data"
    # Every finished file is already past its time; retention runs when the test calls it.
    app = create_app(settings_for(data_dir, origin, retention_hours=1e-6))
    links = [origin.page("/watch/og", pages.OPEN_GRAPH), origin.url("/media/audio-only.m4a")]
    with running_app(app, SOCKET_BUFFER) as base, httpx.Client(base_url=base, timeout=60) as client:
        ids = [download(client, link) for link in links]
        views = finished(client, ids)
        first_size = int(str(views[ids[0]]["size"]))
        received = 0
        with slow_reader() as slow, slow.stream("GET", base + zip_url(ids)) as reply:
            assert reply.status_code == 200
            length = int(reply.headers["content-length"])
            chunks = reply.iter_raw()  # as they come: a cut leaves no partial chunk uncounted
            received += len(next(chunks))
            time.sleep(0.3)
            app.state.queue.clean()  # the real retention: both jobs and their folders go
            assert not any(data_dir.glob(f"files/{ids[0]}/*"))
            with pytest.raises(httpx.RemoteProtocolError):  # closed before the announced length
                for chunk in chunks:
                    received += len(chunk)
        assert first_size < received < length
        assert not open_files(data_dir)
        assert client.get("/healthz").status_code == 200
        assert client.get(zip_url(ids)).json()["code"] == "no_such_download"


def test_the_zip_asks_for_what_the_file_asks_for(tmp_path: Path) -> None:
    """A server that requires a key requires it here too; with the key, the usual answers."""
    secret = "s" * 24
    settings = get_settings(data_dir=tmp_path, api_keys=f"team:{secret}", auth_required=True)
    with TestClient(create_app(settings)) as client:
        url = zip_url(["0123456789abcdef0123456789abcdef"])
        assert client.get(url).json()["code"] == "unauthorized"
        assert client.get(url).status_code == 401
        keyed = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert (keyed.status_code, keyed.json()["code"]) == (404, "no_such_download")


def test_names_are_made_unique_ignoring_case() -> None:
    names = ["a.mp4", "A.mp4", "a.mp4", "a (2).mp4", "clip", "clip"]
    assert unique_names(names) == ["a.mp4", "A (2).mp4", "a (3).mp4", "a (2) (2).mp4", "clip", "clip (2)"]


@pytest.mark.parametrize(
    ("asked", "name"),
    [(None, "savevid.zip"), ("", "savevid.zip"), ("  ", "savevid.zip"), ("Trip", "Trip.zip"),
     ("Trip.ZIP", "Trip.zip"), ("a/b:c", "a-b -c.zip"), ("CON", "_CON.zip")],
)  # fmt: skip
def test_the_zip_name_is_made_safe(asked: str | None, name: str) -> None:
    assert zip_name(asked) == name

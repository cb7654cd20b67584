"""The HTTP API against the real app, its job queue and the local origin."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import Settings, get_settings
from savevid.engine.state import load_state
from savevid.jobs.store import JobState, SqliteJobStore
from savevid.models import Choice
from savevid.web.api import DownloadRequest
from savevid.web.app import create_app
from support import pages
from support.origin import Origin, Reply
from support.probe import probe


def make_settings(data_dir: Path, origin: Origin) -> Settings:
    # The server's network rules are on: the local origin is let through, by its port.
    allow = f"127.0.0.1:{origin.server.server_address[1]}"
    return get_settings(data_dir=data_dir, workers=2, retries=1, fragment_retries=1, socket_timeout=5,
                        allow_private=allow)  # fmt: skip


@pytest.fixture
def client(tmp_path: Path, origin: Origin) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path / "data", origin))) as test_client:
        yield test_client


def wait_final(client: TestClient, job_id: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/downloads/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_info_lists_choices(client: TestClient, origin: Origin) -> None:
    reply = client.post("/api/info", json={"url": origin.url("/media/hls_ts/master.m3u8")})
    assert reply.status_code == 200
    ids = [c["id"] for c in reply.json()["choices"]]
    assert ids[:2] == ["best", "240"] and "audio-mp3" in ids


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "not a link"}, 400, "invalid_url"),
        ({"url": "file:///etc/passwd"}, 400, "invalid_url"),
        ({}, 400, "bad_request"),
        ({"url": "x" * 5000}, 400, "bad_request"),
    ],
)
def test_bad_requests_get_4xx_json(client: TestClient, body: dict[str, str], status: int, code: str) -> None:
    reply = client.post("/api/info", json=body)
    assert reply.status_code == status
    assert reply.json()["code"] == code and reply.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [("/api/downloads", {"url": "https://example.com/v.mp4", "start": 2}, "'start'"),
     ("/api/downloads", {"url": "https://example.com/v.mp4", "Quality": "240", "end": 9}, "'Quality', 'end'"),
     ("/api/info", {"url": "https://example.com/v.mp4", "format": "best"}, "'format'"),
     ("/api/session", {"key": "k", "remember": True}, "'remember'")],
)  # fmt: skip
def test_an_unknown_field_is_refused_by_name(client: TestClient, path: str, body: dict[str, object],
                                             named: str) -> None:  # fmt: skip
    """Ignored, the field would leave the client believing it asked for something it did not get."""
    client.app.state.queue.stop()  # nothing may be queued either
    reply = client.post(path, json=body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["code"] == "unknown_field" and named in reply.json()["message"]
    assert client.get("/api/downloads").json() == []


def test_the_page_sends_only_fields_the_api_has() -> None:
    """The page posts an offered choice's fields as they are: each must be a field of the request."""
    assert set(Choice.model_fields) <= set(DownloadRequest.model_fields)


def test_a_page_without_video_is_a_clear_422(client: TestClient, origin: Origin) -> None:
    reply = client.post("/api/info", json={"url": origin.page("/article", pages.NO_VIDEO)})
    assert reply.status_code == 422
    assert reply.json()["code"] == "no_media"


def test_download_end_to_end(client: TestClient, origin: Origin, tmp_path: Path) -> None:
    created = client.post("/api/downloads", json={"url": origin.page("/watch/og", pages.OPEN_GRAPH)})
    assert created.status_code == 202
    job = created.json()
    assert job["state"] == "queued" and job["urls"]["file"].endswith("/file")
    done = wait_final(client, str(job["id"]))
    assert done["state"] == "done", done
    assert done["filename"] == "Open-Graph - a clip - part 1 [progressive].mp4"
    reply = client.get(str(job["urls"]["file"]))
    assert reply.status_code == 200
    assert reply.headers["content-length"] == str(done["size"])
    assert reply.headers["x-content-type-options"] == "nosniff"
    disposition = reply.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Open-Graph - a clip - part 1 [progressive].mp4"')
    assert "filename*=UTF-8''Open-Graph%20-%20a%20clip" in disposition
    saved = tmp_path / "saved.mp4"
    saved.write_bytes(reply.content)
    assert probe(saved).has_video_and_audio
    part = client.get(str(job["urls"]["file"]), headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == reply.content[100:200]
    assert [j["id"] for j in client.get("/api/downloads").json()] == [job["id"]]


def test_events_stream_progress_until_done(client: TestClient, origin: Origin) -> None:
    job = client.post("/api/downloads", json={"url": origin.url("/media/dash/manifest.mpd")}).json()
    states = []
    with client.stream("GET", str(job["urls"]["events"])) as events:
        for line in events.iter_lines():
            if line.startswith("data: "):
                states.append(json.loads(line[6:])["state"])
    assert states[-1] == "done"
    assert len(states) >= 2


def test_one_stream_follows_all_of_the_callers_downloads(client: TestClient, origin: Origin) -> None:
    links = [
        origin.url("/media/progressive.mp4"),
        origin.url("/media/hls_ts/master.m3u8"),
        origin.url("/gone"),
    ]
    made = {str(client.post("/api/downloads", json={"url": link}).json()["id"]) for link in links}
    final: dict[str, str] = {}
    with client.stream("GET", "/api/events") as events:
        for line in events.iter_lines():
            if line.startswith("data: "):
                job = json.loads(line[6:])
                if job["state"] in ("done", "failed", "cancelled"):
                    final[job["id"]] = job["state"]
            if set(final) == made:
                break
    assert sorted(final.values()) == ["done", "done", "failed"]


def test_a_failed_job_says_why(client: TestClient, origin: Origin) -> None:
    job = client.post("/api/downloads", json={"url": origin.url("/gone")}).json()
    done = wait_final(client, str(job["id"]))
    assert done["state"] == "failed"
    assert done["error_code"] == "not_found" and "404" in str(done["error_message"])
    assert client.get(str(job["urls"]["file"])).status_code == 409


def test_cancel_stops_a_running_download_and_removes_its_files(
    client: TestClient, origin: Origin, tmp_path: Path
) -> None:
    origin.server.rates["/media/progressive.mp4"] = 50_000
    job = client.post("/api/downloads", json={"url": origin.url("/media/progressive.mp4")}).json()
    deadline = time.monotonic() + 20
    while client.get(f"/api/downloads/{job['id']}").json()["downloaded"] < 50_000:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    reply = client.delete(f"/api/downloads/{job['id']}")
    assert time.monotonic() - started < 1.5
    assert reply.json()["state"] == "cancelled"
    assert not (tmp_path / "data" / "files" / str(job["id"])).exists()


def span(asked: str, size: int) -> tuple[int, int]:
    """``bytes=START-[END]`` of a file of size as [start, end)."""
    start, _, end = asked.removeprefix("bytes=").partition("-")
    return int(start), int(end) + 1 if end else size


def test_a_restart_resumes_the_download_under_way_and_keeps_the_queue(origin: Origin, tmp_path: Path) -> None:
    data = (origin.server.media / "progressive.mp4").read_bytes()
    origin.server.rates["/media/progressive.mp4"] = 100_000  # per connection: the restart comes mid-way
    settings = make_settings(tmp_path / "data", origin).model_copy(update={"workers": 1})
    paths = ["/media/progressive.mp4", "/media/hls_ts/360p/index.m3u8", "/media/dash/manifest.mpd"]
    with TestClient(create_app(settings)) as client:
        ids = [client.post("/api/downloads", json={"url": origin.url(path)}).json()["id"] for path in paths]
        deadline = time.monotonic() + 30
        while client.get(f"/api/downloads/{ids[0]}").json()["downloaded"] < 100_000:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    # Stopped mid-download: back in the queue, part of the file on disk, with the state that says
    # which part (the worker may take a moment to put it there after the server has stopped).
    store = SqliteJobStore(settings.data_dir / "jobs.db")
    deadline = time.monotonic() + 10
    while (first := store.get(ids[0])) is None or first.state is not JobState.QUEUED:
        assert time.monotonic() < deadline, first
        time.sleep(0.05)
    assert all(job is not None and not job.state.final for job in map(store.get, ids))
    downloaded = first.downloaded
    assert 100_000 <= downloaded < len(data)
    [part] = (settings.data_dir / "files" / ids[0]).glob(".savevid-*/part*.mp4")
    state = load_state(part)
    assert state is not None and state["total"] == len(data)
    position, end = min((p, e) for _, p, e in state["pieces"] if p < e)
    assert position >= downloaded  # what was reported is on disk
    asked_before = len(origin.server.ranges)
    origin.server.rates.clear()
    with TestClient(create_app(settings)) as client:
        done = [wait_final(client, job_id) for job_id in ids]
        assert [job["state"] for job in done] == ["done"] * 3, done
        resumed = client.get(f"/api/downloads/{ids[0]}/file").content
    # Resumed where it stopped (what resolving the link asks for comes before): no byte on disk
    # was asked for again.
    asked_after = [asked for path, asked in origin.server.ranges[asked_before:] if path == paths[0]]
    assert f"bytes={position}-{end - 1}" in asked_after, asked_after
    resumed_with = asked_after[asked_after.index(f"bytes={position}-{end - 1}") :]
    on_disk = [(s, p) for s, p, _ in state["pieces"] if p > s]
    for asked in resumed_with:
        assert asked is not None, resumed_with  # no Range: the whole file again
        start, stop = span(asked, len(data))
        assert not any(start < p and s < stop for s, p in on_disk), (asked, on_disk)
    assert resumed == data
    (tmp_path / "resumed.mp4").write_bytes(resumed)
    assert probe(tmp_path / "resumed.mp4").has_video_and_audio


def test_sites_are_listed(client: TestClient) -> None:
    listed = client.get("/api/sites").json()
    assert len(listed) == 44
    gaana = next(s for s in listed if s["name"] == "Gaana")
    assert gaana["handler"] == "none" and "copy protection" in gaana["reason"]
    blocked = client.post("/api/info", json={"url": "https://gaana.com/song/x"})
    assert blocked.status_code == 422 and blocked.json()["code"] == "unsupported_url"


def test_health_metrics_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert 'savevid_jobs{state="done"}' in client.get("/metrics").text
    assert "/api/downloads" in client.get("/openapi.json").text
    assert client.get("/docs").status_code == 200


def test_items_of_a_post_become_one_job_each(client: TestClient, origin: Origin) -> None:
    url = origin.page("/two", pages.TWO_VIDEOS)
    reply = client.post("/api/downloads", json={"url": url, "items": [2, 1, 2]})
    assert reply.status_code == 202
    jobs = reply.json()["jobs"]
    assert [j["item"] for j in jobs] == [2, 1]
    done = [wait_final(client, str(j["id"])) for j in jobs]
    assert [d["state"] for d in done] == ["done", "done"]
    assert sorted(str(d["title"]) for d in done) == ["Two clips (1)", "Two clips (2)"]


def test_a_post_without_items_says_to_choose(client: TestClient, origin: Origin) -> None:
    job = client.post("/api/downloads", json={"url": origin.page("/two", pages.TWO_VIDEOS)}).json()
    done = wait_final(client, str(job["id"]))
    assert done["state"] == "failed" and "holds 2 items" in str(done["error_message"])
    assert done["error_code"] == "choose_items"


def test_an_item_past_the_end_is_its_own_reason(client: TestClient, origin: Origin) -> None:
    reply = client.post("/api/downloads", json={"url": origin.page("/two", pages.TWO_VIDEOS), "items": [3]})
    [job] = reply.json()["jobs"]
    done = wait_final(client, str(job["id"]))
    assert (done["state"], done["error_code"]) == ("failed", "no_such_item"), done
    assert "no item 3" in str(done["error_message"])


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for path in ("/", "/api/downloads", "/static/page/main.js", "/api/downloads/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_oversized_bodies_are_refused_before_parsing(client: TestClient) -> None:
    reply = client.post("/api/info", content=b"{" * 100_000, headers={"Content-Type": "application/json"})
    assert reply.status_code == 413 and reply.json()["code"] == "request_too_large"
    deep = client.post("/api/info", content=b"[" * 5000 + b"]" * 5000,
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert deep.status_code == 400


@pytest.mark.parametrize(
    ("limits", "path", "code"),
    [
        ({"max_file_mb": 0.3}, "/media/progressive.mp4", "too_large"),  # announced size
        ({"max_file_mb": 0.3}, "/media/hls_ts/360p/index.m3u8", "too_large"),  # while streaming
        ({"max_duration_minutes": 0.01}, "/media/hls_ts/360p/index.m3u8", "too_long"),
        ({"disk_budget_gb": 0.0003}, "/media/progressive.mp4", "too_large"),  # one file over the budget
    ],
)
def test_quotas_fail_the_job_and_remove_its_files(
    tmp_path: Path, origin: Origin, limits: dict[str, float], path: str, code: str
) -> None:
    settings = make_settings(tmp_path / "data", origin).model_copy(update=limits)
    with TestClient(create_app(settings)) as client:
        job = client.post("/api/downloads", json={"url": origin.url(path)}).json()
        done = wait_final(client, str(job["id"]))
    assert done["state"] == "failed" and done["error_code"] == code, done
    assert "this server allows" in str(done["error_message"])
    assert not (tmp_path / "data" / "files" / str(job["id"])).exists()


def test_a_full_disk_fails_the_job_before_it_starts(
    client: TestClient, origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = shutil._ntuple_diskusage(total=100 * 10**9, used=100 * 10**9 - 10**6, free=10**6)  # type: ignore[attr-defined]
    monkeypatch.setattr(shutil, "disk_usage", lambda _: full)
    job = client.post("/api/downloads", json={"url": origin.url("/media/progressive.mp4")}).json()
    done = wait_final(client, str(job["id"]))
    assert done["state"] == "failed" and done["error_code"] == "storage_full", done
    assert "/media/progressive.mp4" not in origin.server.hits  # nothing was fetched


def test_only_media_files_are_ever_saved(client: TestClient, origin: Origin, tmp_path: Path) -> None:
    origin.route(
        "/files/setup.exe",
        lambda _: Reply(200, b"MZ" + bytes(5000), {"Content-Type": "application/octet-stream"}),
    )
    job = client.post("/api/downloads", json={"url": origin.url("/files/setup.exe")}).json()
    done = wait_final(client, str(job["id"]))
    assert done["state"] == "failed", done
    assert not list((tmp_path / "data" / "files").rglob("*.exe"))

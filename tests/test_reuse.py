"""A download that follows a preview uses what the preview resolved; one job per link and choice."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import Settings
from savevid.jobs.queue import JobQueue
from savevid.jobs.store import Job, SqliteJobStore
from savevid.models import Choice
from savevid.resolve.cache import TTL_SECONDS, RecentMedia
from savevid.web.app import create_app
from support import pages
from support.origin import Handler, Origin, Reply
from support.probe import probe
from test_api import make_settings, wait_final

OG_TITLE = "Open/Graph: a clip? | part 1"
MEDIA = "/media/progressive.mp4"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path, origin: Origin) -> Settings:
    return make_settings(tmp_path / "data", origin).model_copy(update={"requests_per_minute": 0})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, RecentMedia(clock=clock))) as test_client:
        yield test_client


def queue_of(client: TestClient) -> JobQueue:
    return client.app.state.queue  # type: ignore[attr-defined, no-any-return]


def test_a_download_after_a_preview_fetches_the_page_once(
    client: TestClient, origin: Origin, tmp_path: Path
) -> None:
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    preview = client.post("/api/info", json={"url": url})
    assert preview.status_code == 200 and preview.json()["title"] == OG_TITLE
    created = client.post("/api/downloads", json={"url": url})
    assert created.status_code == 202
    done = wait_final(client, created.json()["id"])
    assert done["state"] == "done", done
    assert origin.server.hits.count("/watch/og") == 1  # resolved by the preview alone
    saved = tmp_path / "saved.mp4"
    saved.write_bytes(client.get(f"/api/downloads/{done['id']}/file").content)
    assert probe(saved).has_video_and_audio


def test_the_download_leaves_the_kept_media_as_it_was(client: TestClient, origin: Origin) -> None:
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    client.post("/api/info", json={"url": url})
    cache = queue_of(client).cache
    before = cache.get(url)
    assert before is not None
    done = wait_final(client, client.post("/api/downloads", json={"url": url}).json()["id"])
    assert done["state"] == "done", done
    after = cache.get(url)
    assert after is not None and after.info == before.info and after == before


def test_a_job_shows_the_preview_title_while_queued(settings: Settings, origin: Origin) -> None:
    """One worker, held by a first job whose page does not answer yet: the second job waits."""
    gate = threading.Event()

    def held(_: Handler) -> Reply:
        gate.wait(30)
        return Reply(200, pages.OPEN_GRAPH.replace("{base}", origin.base).encode())

    first = origin.route("/watch/held", held)
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    with TestClient(create_app(settings.model_copy(update={"workers": 1}))) as client:
        try:
            holding = client.post("/api/downloads", json={"url": first}).json()
            preview = client.post("/api/info", json={"url": url}).json()
            created = client.post("/api/downloads", json={"url": url})
            listed = {job["id"]: job for job in client.get("/api/downloads").json()}
        finally:
            gate.set()
        job = created.json()
        assert job["state"] == "queued" and job["title"] == OG_TITLE == preview["title"]
        assert job["site"] == preview["site"] and job["thumbnail"] == origin.url("/media/thumb.jpg")
        assert listed[job["id"]]["state"] == "queued" and listed[job["id"]]["title"] == OG_TITLE
        assert listed[holding["id"]]["title"] is None  # no preview: known once resolved
        assert wait_final(client, job["id"])["state"] == "done"
        assert wait_final(client, holding["id"])["title"] == OG_TITLE


def test_the_job_records_the_duration(client: TestClient, origin: Origin) -> None:
    url = origin.page("/watch/ld", pages.JSON_LD)
    client.post("/api/info", json={"url": url})
    job = client.post("/api/downloads", json={"url": url}).json()
    assert job["duration"] == 4.0 and job["title"] == "JSON-LD clip"
    assert wait_final(client, job["id"])["duration"] == 4.0


def test_requests_at_once_for_one_link_and_choice_make_one_job(client: TestClient, origin: Origin) -> None:
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    body = {"url": url, "quality": "720"}
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: client.post("/api/downloads", json=body), range(4)))
    assert sorted(r.status_code for r in replies) == [200, 200, 200, 202]
    assert len({r.json()["id"] for r in replies}) == 1
    assert set(replies[0].json()) == set(replies[1].json())  # the same shape either way
    other = client.post("/api/downloads", json={**body, "quality": "360"})
    assert other.status_code == 202 and other.json()["id"] != replies[0].json()["id"]
    assert len(client.get("/api/downloads").json()) == 2


def test_items_already_asked_for_are_given_again(client: TestClient, origin: Origin) -> None:
    url = origin.page("/two", pages.TWO_VIDEOS)
    preview = client.post("/api/info", json={"url": url}).json()
    assert preview["is_playlist"] and len(preview["entries"]) == 2
    first = client.post("/api/downloads", json={"url": url, "items": [1]})
    both = client.post("/api/downloads", json={"url": url, "items": [1, 2]})
    again = client.post("/api/downloads", json={"url": url, "items": [2, 1]})
    assert (first.status_code, both.status_code, again.status_code) == (202, 202, 200)
    one, two = (job["id"] for job in both.json()["jobs"])
    assert one == first.json()["jobs"][0]["id"] and [j["id"] for j in again.json()["jobs"]] == [two, one]
    assert all(wait_final(client, job_id)["state"] == "done" for job_id in (one, two))
    assert origin.server.hits.count("/two") == 1  # the items came out of the preview's playlist


def test_a_done_download_is_offered_again_without_fetching(client: TestClient, origin: Origin) -> None:
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    job = client.post("/api/downloads", json={"url": url}).json()
    done = wait_final(client, job["id"])
    assert done["state"] == "done", done
    fetched = origin.sent(MEDIA)
    again = client.post("/api/downloads", json={"url": url})
    assert again.status_code == 200 and again.json() == client.get(f"/api/downloads/{job['id']}").json()
    file = client.get(again.json()["urls"]["file"])
    assert file.status_code == 200 and len(file.content) == done["size"]
    assert origin.sent(MEDIA) == fetched
    stored = queue_of(client).store.get(job["id"])
    assert stored is not None and stored.path is not None
    Path(stored.path).unlink()  # its file gone (as retention removes it): a new download
    fresh = client.post("/api/downloads", json={"url": url})
    assert fresh.status_code == 202 and fresh.json()["id"] != job["id"]
    assert wait_final(client, fresh.json()["id"])["state"] == "done"


def test_after_a_failure_the_link_is_resolved_afresh(client: TestClient, origin: Origin) -> None:
    """The preview's format URL stops working (as expired links do): trying again resolves anew."""
    expired = threading.Event()
    media = (origin.server.media / "progressive.mp4").read_bytes()

    def expiring(_: Handler) -> Reply:
        if expired.is_set():
            return Reply(404, b"expired")
        return Reply(200, media, {"Content-Type": "video/mp4"})

    origin.route("/media/expiring.mp4", expiring)
    url = origin.page("/watch/og", pages.OPEN_GRAPH.replace("/media/progressive.mp4", "/media/expiring.mp4"))
    client.post("/api/info", json={"url": url})
    expired.set()
    failed = wait_final(client, client.post("/api/downloads", json={"url": url}).json()["id"])
    assert failed["state"] == "failed" and failed["error_code"] == "not_found", failed
    assert queue_of(client).cache.get(url) is None
    expired.clear()
    retry = client.post("/api/downloads", json={"url": url})
    assert retry.status_code == 202 and retry.json()["id"] != failed["id"]
    assert retry.json()["title"] is None  # nothing kept: known once resolved
    assert wait_final(client, retry.json()["id"])["state"] == "done"
    assert origin.server.hits.count("/watch/og") == 2


def test_a_cancelled_job_is_not_given_again(client: TestClient, origin: Origin) -> None:
    queue_of(client).stop()  # nothing runs: the job stays queued until cancelled
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    job = client.post("/api/downloads", json={"url": url}).json()
    assert client.delete(f"/api/downloads/{job['id']}").json()["state"] == "cancelled"
    again = client.post("/api/downloads", json={"url": url})
    assert again.status_code == 202 and again.json()["id"] != job["id"]


def test_kept_media_expires(client: TestClient, origin: Origin, clock: Clock) -> None:
    url = origin.page("/watch/og", pages.OPEN_GRAPH)
    client.post("/api/info", json={"url": url})
    clock.now += TTL_SECONDS - 1
    soon = client.post("/api/downloads", json={"url": url}).json()
    assert soon["title"] == OG_TITLE and wait_final(client, soon["id"])["state"] == "done"
    assert origin.server.hits.count("/watch/og") == 1
    clock.now += 2  # past the preview's time to live
    later = client.post("/api/downloads", json={"url": url, "quality": "240"}).json()
    assert later["title"] is None
    assert wait_final(client, later["id"])["state"] == "done"
    assert origin.server.hits.count("/watch/og") == 2


def test_a_job_given_again_takes_no_place_under_the_limit(settings: Settings, origin: Origin) -> None:
    with TestClient(create_app(settings.model_copy(update={"jobs_per_client": 1}))) as client:
        queue_of(client).stop()  # nothing runs: every job stays queued
        body = {"url": origin.page("/watch/og", pages.OPEN_GRAPH)}
        codes = [client.post("/api/downloads", json=body).status_code for _ in range(3)]
        assert codes == [202, 200, 200]
        assert client.post("/api/downloads", json={**body, "items": [1]}).status_code == 429
        assert client.post("/api/downloads", json={**body, "audio_only": True}).status_code == 429


def test_the_network_rules_hold_for_kept_media(client: TestClient, origin: Origin, media_dir: Path) -> None:
    """A page on an allowed origin whose video is on another, not allowed: the preview reads the page
    only, and the download that uses the preview's media still may not connect to the other."""
    inside = Origin(media_dir).start()
    try:
        page = pages.OPEN_GRAPH.replace("{base}/media/progressive.mp4", inside.url(MEDIA))
        url = origin.page("/watch/og", page)
        assert client.post("/api/info", json={"url": url}).status_code == 200
        assert queue_of(client).cache.get(url) is not None
        done = wait_final(client, client.post("/api/downloads", json={"url": url}).json()["id"])
        assert done["state"] == "failed" and done["error_code"] == "blocked_address", done
        assert inside.server.hits == [] and origin.server.hits.count("/watch/og") == 1
    finally:
        inside.stop()


def test_a_jobs_database_of_an_older_version_gains_the_duration(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as old:  # as the version before this column wrote it
        columns = ", ".join(name for name in Job.model_fields if name != "duration")
        old.execute(f"CREATE TABLE jobs ({columns}, PRIMARY KEY (id))")
        old.execute("INSERT INTO jobs (id, url, choice, state, created, updated, downloaded) "
                    "VALUES ('a', 'https://x.example/v', '{}', 'done', 1, 1, 0)")  # fmt: skip
    old.close()
    store = SqliteJobStore(path)
    try:
        kept = store.get("a")
        assert kept is not None and kept.duration is None
        new = store.create("https://x.example/w", Choice(), owner="o", title="W", duration=12.5)
        assert store.get(new.id) == new and new.duration == 12.5
    finally:
        store.close()


def test_many_items_are_looked_up_in_one_query(settings: Settings, origin: Origin) -> None:
    """Whether each of 300 items was asked for before is one look at the caller's jobs of the link,
    under the lock that makes them (the limit is checked there too): not one per item."""
    with TestClient(create_app(settings.model_copy(update={"jobs_per_client": 1000}))) as client:
        queue_of(client).stop()  # nothing runs: every job stays queued
        body = {"url": origin.page("/two", pages.TWO_VIDEOS), "items": list(range(1, 301))}
        store = queue_of(client).store
        sent: list[str] = []
        store._db.set_trace_callback(sent.append)
        made = client.post("/api/downloads", json=body)
        lookups = [sql for sql in sent if sql.startswith("SELECT") and "url = " in sql]
        given = client.post("/api/downloads", json=body)
        store._db.set_trace_callback(None)
        assert (made.status_code, given.status_code) == (202, 200)
        assert [job["item"] for job in given.json()["jobs"]] == body["items"]
        assert [job["id"] for job in given.json()["jobs"]] == [job["id"] for job in made.json()["jobs"]]
        assert len(lookups) == 1, lookups
        assert len([sql for sql in sent if sql.startswith("SELECT") and "url = " in sql]) == 2

"""The job store: what every ``JobStore`` does, run against each implementation; and the SQLite one's
lookups with many jobs in the table, each one an index search, not a scan."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from savevid.jobs.store import JobState, JobStore, SqliteJobStore
from savevid.models import Choice, Progress, Stage
from support.load import add_jobs

OTHERS = 50_000
ME, LINK, ADDRESS = "browser:" + "ab" * 16, "https://example.com/mine", "192.0.2.7"
OTHER = "browser:" + "cd" * 16

# Each implementation of JobStore, made in an empty folder; the shared tests below run against each.
STORES: dict[str, Callable[[Path], JobStore]] = {
    "sqlite": lambda folder: SqliteJobStore(folder / "jobs.db"),
}


@pytest.fixture(params=list(STORES))
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    jobs = STORES[request.param](tmp_path)
    yield jobs
    jobs.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteJobStore]:
    jobs = SqliteJobStore(tmp_path / "jobs.db")
    add_jobs(tmp_path / "jobs.db", OTHERS)
    yield jobs
    jobs.close()


def test_a_job_is_made_found_claimed_written_and_removed(any_store: JobStore) -> None:
    store = any_store
    job = store.create(LINK, Choice(), item=2, client=ADDRESS, owner=ME, title="Clip")
    assert (job.state, job.item, job.client, job.owner) == (JobState.QUEUED, 2, ADDRESS, ME)
    assert job.title == "Clip"
    assert store.get(job.id) == job
    assert store.get("no-such-job") is None
    assert store.unfinished(ADDRESS) == 1
    assert store.claim(job.id) and not store.claim(job.id)  # the second claim finds it taken
    assert store.in_states(JobState.RESOLVING) == [store.get(job.id)]
    store.progress(job.id, Progress(stage=Stage.DOWNLOADING, downloaded=10, total=40), JobState.DOWNLOADING)
    running = store.get(job.id)
    assert running is not None
    assert (running.state, running.stage, running.downloaded, running.total) == (
        JobState.DOWNLOADING, "downloading", 10, 40)  # fmt: skip
    store.update(job.id, state=JobState.DONE, size=40, path="/data/clip.mp4")
    done = store.get(job.id)
    assert done is not None and (done.state, done.size, done.path) == (JobState.DONE, 40, "/data/clip.mp4")
    assert done.updated >= running.updated
    assert store.unfinished(ADDRESS) == 0
    assert store.counts() == {state: int(state is JobState.DONE) for state in JobState}
    store.delete(job.id)
    assert store.get(job.id) is None
    assert store.counts() == dict.fromkeys(JobState, 0)


def test_an_owners_lists_hold_only_theirs_newest_first(any_store: JobStore) -> None:
    store = any_store
    older = store.create(LINK, Choice(), owner=ME)
    other_link = store.create("https://example.com/other", Choice(), owner=ME)
    newer = store.create(LINK, Choice(audio_only=True), owner=ME)
    theirs = store.create(LINK, Choice(), owner=OTHER)
    assert [job.id for job in store.recent(ME)] == [newer.id, other_link.id, older.id]
    assert [job.id for job in store.recent(ME, limit=2)] == [newer.id, other_link.id]
    assert [job.id for job in store.recent(OTHER)] == [theirs.id]
    assert [job.id for job in store.for_link(ME, LINK)] == [newer.id, older.id]
    queued = [older.id, other_link.id, newer.id, theirs.id]  # oldest first
    assert [job.id for job in store.in_states(JobState.QUEUED)] == queued


def plans(store: SqliteJobStore, lookup: Callable[[], object]) -> list[str]:
    """How SQLite runs each statement the lookup sends: the statements as the store sent them, with
    their values, traced on its own connection."""
    sent: list[str] = []
    store._db.set_trace_callback(sent.append)
    try:
        lookup()
    finally:
        store._db.set_trace_callback(None)
    assert sent
    return [" / ".join(row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {sql}")) for sql in sent]


def test_an_owners_lookups_search_an_index_among_50000_other_jobs(store: SqliteJobStore) -> None:
    older = store.create(LINK, Choice(), client=ADDRESS, owner=ME)
    newer = store.create(LINK, Choice(audio_only=True), client=ADDRESS, owner=ME)
    assert store.counts()[JobState.DONE] == OTHERS
    lookups: dict[str, Callable[[], object]] = {
        "recent": lambda: store.recent(ME),
        "for_link": lambda: store.for_link(ME, LINK),
        "changes": lambda: store.changes(ME),
        "unfinished": lambda: store.unfinished(ADDRESS),
    }
    for name, lookup in lookups.items():
        for plan in plans(store, lookup):
            assert plan.startswith("SEARCH jobs USING ") and "INDEX" in plan, (name, plan)
            assert "TEMP B-TREE" not in plan, (name, plan)  # the index gives the order too
    assert [job.id for job in store.recent(ME)] == [newer.id, older.id]
    assert [job.id for job in store.for_link(ME, LINK)] == [newer.id, older.id]
    assert store.unfinished(ADDRESS) == 2


def test_an_owners_mark_moves_with_each_of_its_writes_and_no_one_elses(any_store: JobStore) -> None:
    store = any_store
    marks = [store.changes(ME)]
    job = store.create(LINK, Choice(), owner=ME)
    marks.append(store.changes(ME))
    store.claim(job.id)
    marks.append(store.changes(ME))
    store.update(job.id, state=JobState.DOWNLOADING, downloaded=10)
    marks.append(store.changes(ME))
    other = store.create(LINK, Choice(), owner=OTHER)
    store.update(other.id, downloaded=5)
    assert store.changes(ME) == marks[-1]  # another owner's writes leave this one's mark
    store.delete(job.id)
    marks.append(store.changes(ME))
    assert all(before != after for before, after in itertools.pairwise(marks)), marks


def test_a_database_from_an_older_version_gains_the_indexes(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as old:  # the table as an older version made it: no owner, no index
        old.execute("CREATE TABLE jobs (id, url, choice, item, client, state, created, updated, stage, "
                    "downloaded, total, speed, eta, title, site, thumbnail, filename, path, size, "
                    "error_code, error_message, PRIMARY KEY (id))")  # fmt: skip
    old.close()
    SqliteJobStore(path).close()
    with sqlite3.connect(path) as db:
        indexed = {row[1]: [col[2] for col in db.execute(f"PRAGMA index_info({row[1]})")]
                   for row in db.execute("PRAGMA index_list(jobs)") if row[3] == "c"}  # fmt: skip
    db.close()
    assert sorted(indexed.values()) == [["client", "state"], ["owner", "created"], ["owner", "updated"],
                                        ["owner", "url", "created"]]  # fmt: skip

"""The job store's lookups with many jobs in the table: each one an index search, not a scan."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from savevid.jobs.store import JobState, JobStore
from savevid.models import Choice
from support.load import add_jobs

OTHERS = 50_000
ME, LINK, ADDRESS = "browser:" + "ab" * 16, "https://example.com/mine", "192.0.2.7"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    jobs = JobStore(tmp_path / "jobs.db")
    add_jobs(tmp_path / "jobs.db", OTHERS)
    yield jobs
    jobs.close()


def plans(store: JobStore, lookup: Callable[[], object]) -> list[str]:
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


def test_an_owners_lookups_search_an_index_among_50000_other_jobs(store: JobStore) -> None:
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


def test_an_owners_mark_moves_with_each_of_its_writes_and_no_one_elses(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.db")
    marks = [store.changes(ME)]
    job = store.create(LINK, Choice(), owner=ME)
    marks.append(store.changes(ME))
    store.claim(job.id)
    marks.append(store.changes(ME))
    store.update(job.id, state=JobState.DOWNLOADING, downloaded=10)
    marks.append(store.changes(ME))
    other = store.create(LINK, Choice(), owner="browser:" + "cd" * 16)
    store.update(other.id, downloaded=5)
    assert store.changes(ME) == marks[-1]  # another owner's writes leave this one's mark
    store.delete(job.id)
    marks.append(store.changes(ME))
    assert all(before != after for before, after in itertools.pairwise(marks)), marks
    store.close()


def test_a_database_from_an_older_version_gains_the_indexes(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as old:  # the table as an older version made it: no owner, no index
        old.execute("CREATE TABLE jobs (id, url, choice, item, client, state, created, updated, stage, "
                    "downloaded, total, speed, eta, title, site, thumbnail, filename, path, size, "
                    "error_code, error_message, PRIMARY KEY (id))")  # fmt: skip
    old.close()
    JobStore(path).close()
    with sqlite3.connect(path) as db:
        indexed = {row[1]: [col[2] for col in db.execute(f"PRAGMA index_info({row[1]})")]
                   for row in db.execute("PRAGMA index_list(jobs)") if row[3] == "c"}  # fmt: skip
    db.close()
    assert sorted(indexed.values()) == [["client", "state"], ["owner", "created"], ["owner", "updated"],
                                        ["owner", "url", "created"]]  # fmt: skip

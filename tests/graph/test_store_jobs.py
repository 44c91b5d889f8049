"""Contract tests of the jobs area on both stores: create, progress, finish once, heartbeat, list, prune."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_jobs import JobRecord

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def job(n: int = 0, tag: str | None = None, **changes: object) -> JobRecord:
    fields: dict[str, object] = {
        "id": f"job-{tag or 'x'}-{n:03d}",
        "kind": "import",
        "owner_user_id": "u-owner",
        "status": "queued",
        "created_at": T0,
        "updated_at": T0,
        "heartbeat_at": T0,
        "scope": {"organisation_id": "org-1"},
        "total": 10,
        "message": "Waiting to start",
    }
    return JobRecord(**(fields | changes))  # type: ignore[arg-type]


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


def test_a_created_job_reads_back_exactly(store: GraphStore, tag: str) -> None:
    made = store.create_job(job(1, tag))
    assert store.get_job(made.id) == made
    assert made.finished is False


def test_a_job_id_is_unique_and_a_missing_one_is_not_found(store: GraphStore, tag: str) -> None:
    store.create_job(job(1, tag))
    with pytest.raises(Conflict):
        store.create_job(job(1, tag, kind="other"))
    with pytest.raises(NotFound):
        store.get_job(f"job-{tag}-999")
    with pytest.raises(NotFound):
        store.update_job(f"job-{tag}-999", T0, done=1)


def test_progress_then_finish_sets_the_fields_given_and_keeps_the_rest(store: GraphStore, tag: str) -> None:
    made = store.create_job(job(1, tag))
    t1, t2 = T0 + timedelta(seconds=5), T0 + timedelta(seconds=9, microseconds=250)
    running = store.update_job(made.id, t1, status="running", done=3, message="Checking rows")
    assert (running.status, running.done, running.total, running.message) == ("running", 3, 10, "Checking rows")
    assert running.updated_at == t1 and running.heartbeat_at == t1 and running.created_at == T0
    result = {"created": {"assessors": 3}, "ids": ["a-1", "a-2"], "ratio": 0.5}
    finished = store.update_job(made.id, t2, status="done", done=10, message="Imported", result=result)
    assert finished.result == result and finished.error is None and finished.finished
    assert store.get_job(made.id) == finished


def test_a_finished_job_never_changes_again(store: GraphStore, tag: str) -> None:
    made = store.create_job(job(1, tag))
    failed = store.update_job(made.id, T0 + timedelta(seconds=1), status="failed", error="The store was not available.")
    with pytest.raises(Invalid):
        store.update_job(made.id, T0 + timedelta(seconds=2), status="done", done=10)
    assert store.get_job(made.id) == failed
    assert store.heartbeat_jobs([made.id], T0 + timedelta(seconds=3)) == 0
    assert store.get_job(made.id).heartbeat_at == failed.heartbeat_at


def test_heartbeat_touches_only_unfinished_jobs_and_keeps_updated_at(store: GraphStore, tag: str) -> None:
    a, b, c = (store.create_job(job(n, tag)) for n in (1, 2, 3))
    store.update_job(c.id, T0, status="done")
    later = T0 + timedelta(minutes=2)
    assert store.heartbeat_jobs([a.id, b.id, c.id, a.id, f"job-{tag}-404"], later) == 2
    assert store.get_job(a.id).heartbeat_at == later
    assert store.get_job(a.id).updated_at == T0
    assert store.heartbeat_jobs([], later) == 0


def test_listing_is_newest_first_and_filters_by_owner_kind_and_scope(store: GraphStore, tag: str) -> None:
    store.create_job(job(1, tag))
    store.create_job(job(2, tag, owner_user_id="u-else", scope={"organisation_id": "org-2"}))
    store.create_job(job(3, tag, kind="form_sets", scope={"programme_id": "p-1"}))
    store.create_job(job(4, tag))
    ids = lambda page: [j.id[-3:] for j in page.items]  # noqa: E731
    assert ids(store.list_jobs()) == ["004", "003", "002", "001"]
    first = store.list_jobs(limit=3)
    assert ids(first) == ["004", "003", "002"] and first.next_after == f"job-{tag}-002"
    rest = store.list_jobs(limit=3, after=first.next_after)
    assert ids(rest) == ["001"] and rest.next_after is None
    assert ids(store.list_jobs(owner_user_id="u-owner")) == ["004", "003", "001"]
    assert ids(store.list_jobs(kind="import")) == ["004", "002", "001"]
    assert ids(store.list_jobs(scope_key="organisation_id", scope_value="org-1")) == ["004", "001"]
    assert ids(store.list_jobs(kind="import", scope_key="organisation_id", scope_value="org-2")) == ["002"]
    assert ids(store.list_jobs(scope_key="programme_id", scope_value="org-1")) == []


def test_pruning_deletes_only_finished_jobs_older_than_the_cut(store: GraphStore, tag: str) -> None:
    old_done, old_running, new_done = (store.create_job(job(n, tag)) for n in (1, 2, 3))
    store.update_job(old_done.id, T0, status="done")
    store.update_job(old_running.id, T0, status="running")
    store.update_job(new_done.id, T0 + timedelta(days=40), status="done")
    assert store.delete_finished_jobs(T0 + timedelta(days=30)) == 1
    with pytest.raises(NotFound):
        store.get_job(old_done.id)
    assert store.get_job(old_running.id).status == "running"
    assert store.get_job(new_done.id).status == "done"

"""Background jobs: start, progress, result, failure as a plain message, stale jobs, and who may read them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import jobs
from api.extensions import get_store
from graph.embedded.store import EmbeddedStore
from graph.port import Unavailable
from graph.port_jobs import JobRecord
from network.domain import InvalidValue
from tests.api.conftest import Auth


def wait_for(store: EmbeddedStore, job_id: str, timeout: float = 20.0) -> JobRecord:
    """The job once finished (polling the store, as a page would)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.finished:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish")


def start(app: Flask, work: Callable[[jobs.JobContext], dict[str, Any]], owner: str = "u-1", **kw: Any) -> str:
    with app.app_context():
        return jobs.start_job("test", owner, work, **kw)


def test_a_job_runs_in_the_background_reports_progress_and_stores_its_result(app: Flask, store: EmbeddedStore) -> None:
    release = threading.Event()
    seen: list[JobRecord] = []

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        ctx.progress(1, 4, "First step")
        release.wait(10)
        for n in range(2, 5):
            ctx.progress(n, 4, f"Step {n}")
        assert get_store() is ctx.store  # the work runs inside the app context
        return {"rows": 4, "ids": ["a-1"]}

    job_id = start(app, work, scope={"organisation_id": "org-1"})
    first = store.get_job(job_id)
    assert first.owner_user_id == "u-1" and first.scope == {"organisation_id": "org-1"}
    deadline = time.monotonic() + 10
    while store.get_job(job_id).done < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    seen.append(store.get_job(job_id))
    release.set()
    done = wait_for(store, job_id)
    assert (seen[0].status, seen[0].done, seen[0].total, seen[0].message) == ("running", 1, 4, "First step")
    assert (done.status, done.done, done.total, done.result, done.error) == ("done", 4, 4, {"rows": 4, "ids": ["a-1"]}, None)


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (jobs.JobFailed("The file is empty."), "The file is empty."),
        (InvalidValue("email", "must be an email address"), "email: must be an email address"),
        (Unavailable("bolt://secret-host:7687 refused"), "The graph store was not available"),
        (KeyError("/srv/app/secret/path.py line 12"), jobs.UNEXPECTED_MESSAGE),
    ],
)
def test_a_failure_is_recorded_as_a_plain_message_never_a_traceback(app: Flask, store: EmbeddedStore, exc: Exception, message: str) -> None:
    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        raise exc

    failed = wait_for(store, start(app, work))
    assert failed.status == "failed" and failed.result is None
    assert failed.error is not None and failed.error.startswith(message)
    assert "Traceback" not in failed.error and "secret" not in failed.error


def test_a_result_that_is_not_json_fails_the_job(app: Flask, store: EmbeddedStore) -> None:
    failed = wait_for(store, start(app, lambda ctx: {"when": object()}))
    assert failed.status == "failed" and failed.error == jobs.UNEXPECTED_MESSAGE


def test_a_job_without_a_heartbeat_for_too_long_reads_as_failed(store: EmbeddedStore) -> None:
    at = jobs.now()
    store.create_job(
        JobRecord(id="job-1-a", kind="test", owner_user_id="u-1", status="running", created_at=at, updated_at=at, heartbeat_at=at)
    )
    assert jobs.job_state(store, "job-1-a", at + timedelta(seconds=40)).status == "running"
    stale = jobs.job_state(store, "job-1-a", at + timedelta(seconds=50))  # a dead job reads as failed within a minute
    assert stale.status == "failed" and stale.error == jobs.STALE_MESSAGE
    store.update_job("job-1-a", at, status="done")
    assert jobs.job_state(store, "job-1-a", at + timedelta(days=1)).status == "done"  # finished jobs never go stale


def test_the_pool_is_bounded_and_waiting_jobs_stay_queued(app: Flask, store: EmbeddedStore) -> None:
    release = threading.Event()
    started: list[str] = []

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        started.append(ctx.job_id)
        release.wait(10)
        return {}

    ids = [start(app, work) for _ in range(jobs.DEFAULT_WORKERS + 1)]
    deadline = time.monotonic() + 10
    while len(started) < jobs.DEFAULT_WORKERS and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert len(started) == jobs.DEFAULT_WORKERS
    assert store.get_job(ids[-1]).status == "queued"
    release.set()
    assert [wait_for(store, i).status for i in ids] == ["done"] * len(ids)


def test_the_owner_and_admins_read_a_job_others_get_403_and_nobody_learns_which_ids_exist(
    app: Flask, client: FlaskClient, store: EmbeddedStore, auth: Auth
) -> None:
    owner = auth(("org_admin",))
    owner_id = auth.last_user_id  # type: ignore[attr-defined]
    other, admin = auth(("org_admin",)), auth(("admin",))
    job_id = start(app, lambda ctx: {"created": 3}, owner=owner_id)
    wait_for(store, job_id)

    body = client.get(f"/api/v1/jobs/{job_id}", headers=owner).get_json()
    assert body["status"] == "done" and body["result"] == {"created": 3} and body["kind"] == "test"
    assert set(body) == {"id", "kind", "status", "done", "total", "message", "result", "error", "scope", "created_at", "updated_at"}
    assert client.get(f"/api/v1/jobs/{job_id}", headers=admin).status_code == 200
    assert client.get(f"/api/v1/jobs/{job_id}", headers=other).status_code == 403
    assert client.get("/api/v1/jobs/job-1-missing", headers=other).status_code == 403
    assert client.get("/api/v1/jobs/job-1-missing", headers=admin).status_code == 404
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401
    assert client.get("/api/v1/jobs/bad id!", headers=owner).status_code == 422

    listed = client.get("/api/v1/jobs", headers=owner).get_json()
    assert [j["id"] for j in listed["items"]] == [job_id]
    assert client.get("/api/v1/jobs", headers=other).get_json()["items"] == []


def test_a_listed_stale_job_reads_as_failed_too(client: FlaskClient, store: EmbeddedStore, auth: Auth) -> None:
    headers = auth(("assessor",))
    owner = auth.last_user_id  # type: ignore[attr-defined]
    old = jobs.now() - timedelta(hours=1)
    store.create_job(
        JobRecord(id="job-1-old", kind="test", owner_user_id=owner, status="running", created_at=old, updated_at=old, heartbeat_at=old)
    )
    listed = client.get("/api/v1/jobs", headers=headers).get_json()["items"]
    assert [(j["id"], j["status"], j["error"]) for j in listed] == [("job-1-old", "failed", jobs.STALE_MESSAGE)]
    assert client.get("/api/v1/jobs/job-1-old", headers=headers).get_json()["status"] == "failed"


def test_a_running_job_keeps_its_heartbeat_fresh_so_only_a_dead_one_goes_stale(app: Flask, store: EmbeddedStore, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    release = threading.Event()
    job_id = start(app, lambda ctx: (release.wait(20), {"ok": 1})[1])
    try:
        first = store.get_job(job_id).heartbeat_at
        deadline = time.monotonic() + 20
        while store.get_job(job_id).heartbeat_at == first and time.monotonic() < deadline:
            time.sleep(0.02)
        beat = store.get_job(job_id).heartbeat_at
        assert beat > first  # the heartbeat thread touched it while the work was still going
        assert jobs.job_state(store, job_id, beat + jobs.STALE_AFTER - timedelta(seconds=1)).status in {"queued", "running"}
        assert jobs.job_state(store, job_id, beat + timedelta(minutes=1)).status == "failed"  # had its process died
    finally:
        release.set()
    assert wait_for(store, job_id).status == "done"

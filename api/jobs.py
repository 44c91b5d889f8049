"""Long-running operations as background jobs: run in this process, followed from any worker through the store.

``start_job(kind, owner_user_id, work, scope=...)`` stores a ``queued`` job and hands ``work`` to a
small, bounded thread pool of this process; it returns the job id at once, so a request never waits
for an import or a large set formation. ``work(ctx)`` reports how far it got with
``ctx.progress(done, total, message)`` and returns a JSON-able result (ids and figures, never
personal details). State, progress, result and error live in the store (area ``jobs``), so any
gunicorn worker answers ``GET /api/v1/jobs/<job_id>`` and a page can be left and opened again.

Failure. An exception in ``work`` marks the job ``failed`` with a plain message for people
(:class:`JobFailed` and :class:`~network.domain.InvalidValue` carry their own; store errors say what
happened; anything else is logged with its traceback and shown as "something went wrong"). A
process that dies takes its threads with it: while a job is queued or running, a heartbeat thread
touches it every :data:`HEARTBEAT_SECONDS`; a job whose heartbeat is older than ``JOBS_STALE_SECONDS``
(default :data:`STALE_AFTER`, well under a minute) reads as ``failed`` (:func:`job_state`), whatever it
last stored, so a coordinator waiting on a job whose server died is told within a minute.

Why threads, not a task queue: the product runs as one app image with no broker; imports and set
formation are a few seconds to a few minutes of work. The pool is bounded (``JOBS_WORKERS``, default
:data:`DEFAULT_WORKERS`) so background work cannot starve the request threads; further jobs wait
``queued``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context

from graph.port import GraphStore, Invalid, NotFound, StoreError, Unavailable
from graph.port_jobs import JobRecord
from network.domain import InvalidValue

log = logging.getLogger(__name__)

#: Seconds between heartbeats of the jobs this process is running or holding in its queue.
HEARTBEAT_SECONDS = 10.0
#: A job whose heartbeat is older than this reads as failed (its process has gone): four missed heartbeats and a margin.
STALE_AFTER = timedelta(seconds=45)
#: Background threads per process, unless ``JOBS_WORKERS`` says otherwise.
DEFAULT_WORKERS = 2
#: Finished jobs older than this are deleted when a new job starts.
KEEP_FINISHED = timedelta(days=30)
#: The least time between two progress writes of one job (the first, a new message and the end always go through).
PROGRESS_INTERVAL = 0.5
#: What a job that lost its process says.
STALE_MESSAGE = "The job stopped without finishing (the server running it was restarted). Nothing more will happen; start it again."
#: What a job that failed for an unexpected reason says (the details are in the server log).
UNEXPECTED_MESSAGE = "Something went wrong on our side while doing this. It has been logged; please try again."


class JobFailed(Exception):
    """Raise from a job's ``work`` to fail it with ``message``, shown to people as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_job_id(at: datetime | None = None) -> str:
    """A fresh job id that sorts by creation time: ``job-<UTC timestamp>-<16 random hex digits>``."""
    return f"job-{(at or now()):%Y%m%dT%H%M%S%f}-{secrets.token_hex(8)}"


class JobContext:
    """What a job's ``work`` gets: its id, the store, and :meth:`progress`."""

    def __init__(self, job_id: str, store: GraphStore) -> None:
        self.job_id = job_id
        self.store = store
        self._last_write = 0.0
        self._last_message: str | None = None

    def progress(self, done: int, total: int, message: str) -> None:
        """Record that ``done`` of ``total`` steps are done, with a short message for people (writes are throttled)."""
        moment = time.monotonic()
        if message == self._last_message and done < total and moment - self._last_write < PROGRESS_INTERVAL:
            return
        self._last_write, self._last_message = moment, message
        self.store.update_job(self.job_id, now(), status="running", done=max(0, int(done)), total=max(0, int(total)), message=message)


def job_state(store: GraphStore, job_id: str, at: datetime | None = None, stale_after: timedelta | None = None) -> JobRecord:
    """The job as people should see it (see :func:`as_seen`); :class:`NotFound` if there is no such job."""
    return as_seen(store.get_job(job_id), at, stale_after)


def as_seen(job: JobRecord, at: datetime | None = None, stale_after: timedelta | None = None) -> JobRecord:
    """``job``, except that an unfinished job with no heartbeat for ``stale_after`` (its process has gone) reads as failed."""
    limit = stale_after if stale_after is not None else _stale_after()
    if not job.finished and (at or now()) - job.heartbeat_at > limit:
        return replace(job, status="failed", error=STALE_MESSAGE, message=STALE_MESSAGE)
    return job


def job_body(job: JobRecord) -> dict[str, Any]:
    """The job as the API and pages show it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "result": None if job.result is None else dict(job.result),
        "error": job.error,
        "scope": dict(job.scope),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def start_job(
    kind: str,
    owner_user_id: str,
    work: Callable[[JobContext], Mapping[str, Any]],
    *,
    scope: dict[str, str] | None = None,
    store: GraphStore | None = None,
    total: int = 0,
    message: str = "Waiting to start",
) -> str:
    """Store a queued job and run ``work`` in a background thread of this process; return the job id at once.

    ``store`` defaults to the current app's. When called inside an app context, ``work`` runs inside one
    too (``get_store()`` and ``current_app.config`` work there). Called inside a use case, the job is
    stored in its unit of work and its thread starts only once that has committed
    (:meth:`~graph.port.GraphStore.after_commit`): a job never runs for a change that was rolled back,
    and never looks for its own record before it is there.
    """
    app: Flask | None = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    if store is None:
        from api.extensions import get_store

        store = get_store()
    at = now()
    job = JobRecord(
        id=new_job_id(at),
        kind=kind,
        owner_user_id=owner_user_id,
        status="queued",
        created_at=at,
        updated_at=at,
        heartbeat_at=at,
        scope=dict(scope or {}),
        total=total,
        message=message,
    )
    store.create_job(job)
    store.after_commit(lambda: _RUNNER.submit(job.id, store, work, app))
    store.after_commit(lambda: _prune(store, at))
    log.info("job %s (%s) queued for user %s", job.id, kind, owner_user_id)
    return job.id


def _prune(store: GraphStore, at: datetime) -> None:
    """Delete finished jobs older than :data:`KEEP_FINISHED`, in a transaction of its own (never stops a job)."""
    try:
        store.delete_finished_jobs(at - KEEP_FINISHED)
    except StoreError:
        log.warning("could not prune old jobs", exc_info=True)


def failure_message(exc: BaseException) -> str:
    """The plain message a failed job shows for ``exc`` (never a traceback, never the text of an unexpected error)."""
    if isinstance(exc, JobFailed):
        return exc.message
    if isinstance(exc, InvalidValue):
        return f"{exc.field}: {exc.message}"
    if isinstance(exc, Unavailable):
        return "The graph store was not available, so nothing was written. Please try again shortly."
    if isinstance(exc, NotFound | Invalid):
        return f"{exc} Nothing was written."
    if isinstance(exc, StoreError):
        return f"{exc}"
    return UNEXPECTED_MESSAGE


def _stale_after() -> timedelta:
    if has_app_context():
        seconds = current_app.config.get("JOBS_STALE_SECONDS")
        if seconds:
            return timedelta(seconds=float(seconds))
    return STALE_AFTER


def _run(job_id: str, store: GraphStore, work: Callable[[JobContext], Mapping[str, Any]]) -> None:
    """Run one job to its end, recording the outcome; never raises."""
    ctx = JobContext(job_id, store)
    try:
        store.update_job(job_id, now(), status="running", message="Started")
        result = dict(work(ctx))
        json.dumps(result)  # a result that cannot be stored is a programming error: fail the job, not the thread
        job = store.get_job(job_id)
        store.update_job(job_id, now(), status="done", done=job.total, result=result, message="Finished")
        log.info("job %s done", job_id)
    except BaseException as exc:  # noqa: BLE001 - every failure must end the job, never the pool thread
        if isinstance(exc, JobFailed | InvalidValue | StoreError):
            log.info("job %s failed: %s", job_id, exc)
        else:
            log.exception("job %s failed unexpectedly", job_id)
        try:
            store.update_job(job_id, now(), status="failed", error=failure_message(exc))
        except StoreError:
            log.warning("could not record the failure of job %s", job_id, exc_info=True)
        if not isinstance(exc, Exception):
            raise


class _Runner:
    """The process's bounded pool of job threads and the heartbeat of the jobs it holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._workers = DEFAULT_WORKERS
        self._active: dict[str, GraphStore] = {}
        self._beat: threading.Thread | None = None
        self._wake = threading.Event()

    def submit(self, job_id: str, store: GraphStore, work: Callable[[JobContext], Mapping[str, Any]], app: Flask | None) -> None:
        """Queue ``work`` for a pool thread, and keep the job's heartbeat going until it ends."""
        with self._lock:
            if self._pool is None:
                workers = int(app.config.get("JOBS_WORKERS") or DEFAULT_WORKERS) if app is not None else DEFAULT_WORKERS
                self._workers = max(1, workers)
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="bridgework-job")
            self._active[job_id] = store
            if self._beat is None or not self._beat.is_alive():
                self._beat = threading.Thread(target=self._heartbeat, name="bridgework-job-heartbeat", daemon=True)
                self._beat.start()
            pool = self._pool
        pool.submit(self._call, job_id, store, work, app)

    def _call(self, job_id: str, store: GraphStore, work: Callable[[JobContext], Mapping[str, Any]], app: Flask | None) -> None:
        try:
            if app is not None:
                with app.app_context():
                    _run(job_id, store, work)
            else:
                _run(job_id, store, work)
        finally:
            with self._lock:
                self._active.pop(job_id, None)

    def _heartbeat(self) -> None:
        while True:
            self._wake.wait(HEARTBEAT_SECONDS)
            self._wake.clear()
            with self._lock:
                if not self._active:
                    self._beat = None
                    return
                by_store: dict[int, tuple[GraphStore, list[str]]] = {}
                for job_id, store in self._active.items():
                    by_store.setdefault(id(store), (store, []))[1].append(job_id)
            for store, ids in by_store.values():
                try:
                    store.heartbeat_jobs(ids, now())
                except StoreError:
                    log.warning("could not record the heartbeat of %d job(s)", len(ids), exc_info=True)


_RUNNER = _Runner()

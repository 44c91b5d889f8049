"""Embedded (SQLite) implementation of the jobs area port.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.
Times are stored as ISO 8601 text in UTC (so text order is time order); ``scope`` and ``result`` as JSON text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from graph.embedded.base import EmbeddedBase
from graph.port_jobs import JobRecord
from graph.values import Conflict, Invalid, NotFound, Page, clamp_limit

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    # No foreign keys: a job outlives its owner and the nodes it names (it holds ids and figures only).
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        owner_user_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        status TEXT NOT NULL,
        done INTEGER NOT NULL,
        total INTEGER NOT NULL,
        message TEXT NOT NULL,
        result TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner_user_id, id)",
    "CREATE INDEX IF NOT EXISTS jobs_by_updated ON jobs (status, updated_at)",
)

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = ("DELETE FROM jobs",)

_INSERT = """INSERT INTO jobs (id, kind, owner_user_id, scope, status, done, total, message, result, error,
    created_at, updated_at, heartbeat_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_GET = """SELECT id, kind, owner_user_id, scope, status, done, total, message, result, error, created_at, updated_at, heartbeat_at
FROM jobs WHERE id = ?"""
_UPDATE = """UPDATE jobs SET
    status = coalesce(?, status),
    done = coalesce(?, done),
    total = coalesce(?, total),
    message = coalesce(?, message),
    result = coalesce(?, result),
    error = coalesce(?, error),
    updated_at = ?,
    heartbeat_at = ?
WHERE id = ? AND status NOT IN ('done', 'failed')"""
_HEARTBEAT = "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND status NOT IN ('done', 'failed')"
# '' as after means "from the newest"; a null filter matches everything.
_PAGE = """SELECT id, kind, owner_user_id, scope, status, done, total, message, result, error, created_at, updated_at, heartbeat_at
FROM jobs
WHERE (? = '' OR id < ?)
  AND (? IS NULL OR owner_user_id = ?)
  AND (? IS NULL OR kind = ?)
  AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(jobs.scope) AS s WHERE s.key = ? AND s.value = ?))
ORDER BY id DESC
LIMIT ?"""
_DELETE_FINISHED = "DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated_at < ?"


def _text(at: datetime) -> str:
    """Fixed-width UTC text (microseconds always written), so text order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), sort_keys=True)


def _job(r: tuple[Any, ...]) -> JobRecord:
    return JobRecord(
        id=r[0],
        kind=r[1],
        owner_user_id=r[2],
        scope=json.loads(r[3]),
        status=r[4],
        done=r[5],
        total=r[6],
        message=r[7],
        result=None if r[8] is None else json.loads(r[8]),
        error=r[9],
        created_at=_time(r[10]),
        updated_at=_time(r[11]),
        heartbeat_at=_time(r[12]),
    )


class EmbeddedJobs(EmbeddedBase):
    """The jobs area on SQLite."""

    def create_job(self, job: JobRecord) -> JobRecord:
        """Store a new job; :class:`Conflict` if the id exists."""
        row = (
            job.id,
            job.kind,
            job.owner_user_id,
            _json(job.scope),
            job.status,
            job.done,
            job.total,
            job.message,
            _json(job.result),
            job.error,
            _text(job.created_at),
            _text(job.updated_at),
            _text(job.heartbeat_at),
        )
        with self._transaction(write=True) as conn:
            try:
                conn.execute(_INSERT, row)
            except sqlite3.IntegrityError:
                raise Conflict(f"job {job.id!r} already exists") from None
        return job

    def get_job(self, job_id: str) -> JobRecord:
        """The job with this id; :class:`NotFound` if none."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET, (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no job with id {job_id!r}")
        return _job(tuple(row))

    def update_job(
        self,
        job_id: str,
        at: datetime,
        *,
        status: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> JobRecord:
        """Change the given fields of an unfinished job; :class:`NotFound` if missing, :class:`Invalid` if finished."""
        when = _text(at)
        with self._transaction(write=True) as conn:
            changed = conn.execute(_UPDATE, (status, done, total, message, _json(result), error, when, when, job_id)).rowcount
            row = conn.execute(_GET, (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no job with id {job_id!r}")
        if not changed:
            raise Invalid(f"job {job_id!r} has already finished")
        return _job(tuple(row))

    def heartbeat_jobs(self, job_ids: list[str], at: datetime) -> int:
        """Set ``heartbeat_at`` of the unfinished jobs among ``job_ids``; return how many were touched."""
        when = _text(at)
        with self._transaction(write=True) as conn:
            return sum(conn.execute(_HEARTBEAT, (when, job_id)).rowcount for job_id in sorted(set(job_ids)))

    def list_jobs(
        self,
        limit: int = 50,
        after: str | None = None,
        *,
        owner_user_id: str | None = None,
        kind: str | None = None,
        scope_key: str | None = None,
        scope_value: str | None = None,
    ) -> Page[JobRecord]:
        """Jobs newest first, optionally of one owner, one kind and/or one scope value."""
        limit = clamp_limit(limit)
        scoped = None if scope_key is None else 1
        params = (after or "", after or "", owner_user_id, owner_user_id, kind, kind, scoped, scope_key, scope_value, limit + 1)
        with self._transaction(write=False) as conn:
            rows = conn.execute(_PAGE, params).fetchall()
        items = [_job(tuple(r)) for r in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit else None)

    def delete_finished_jobs(self, before: datetime) -> int:
        """Delete finished jobs last updated before ``before``; return how many went."""
        with self._transaction(write=True) as conn:
            return conn.execute(_DELETE_FINISHED, (_text(before),)).rowcount

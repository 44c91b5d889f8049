"""Neo4j implementation of the jobs area port.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.
Its Cypher is in :mod:`graph.neo4j.queries_jobs`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import neo4j.time
from neo4j import ManagedTransaction

from graph.neo4j import queries_jobs as q
from graph.neo4j.base import Neo4jBase
from graph.port_jobs import JobRecord
from graph.values import Invalid, NotFound, Page, clamp_limit


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _when(value: Any) -> datetime:
    """A stored ``DateTime`` as an aware ``datetime`` in UTC."""
    if isinstance(value, neo4j.time.DateTime):
        value = value.to_native()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), sort_keys=True)


def _pair(key: str, value: str) -> str:
    return f"{key}={value}"


def _job(p: Mapping[str, Any]) -> JobRecord:
    result = p.get("result")
    return JobRecord(
        id=p["id"],
        kind=p["kind"],
        owner_user_id=p["owner_user_id"],
        scope=json.loads(p.get("scope") or "{}"),
        status=p["status"],
        done=p.get("done", 0),
        total=p.get("total", 0),
        message=p.get("message", ""),
        result=None if result is None else json.loads(result),
        error=p.get("error"),
        created_at=_when(p["created_at"]),
        updated_at=_when(p["updated_at"]),
        heartbeat_at=_when(p["heartbeat_at"]),
    )


class Neo4jJobs(Neo4jBase):
    """The jobs area on Neo4j."""

    def create_job(self, job: JobRecord) -> JobRecord:
        """Store a new job; :class:`Conflict` if the id exists."""
        props = {
            "id": job.id,
            "kind": job.kind,
            "owner_user_id": job.owner_user_id,
            "scope": _json(job.scope),
            "scope_pairs": sorted(_pair(k, v) for k, v in job.scope.items()),
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "message": job.message,
            "created_at": _utc(job.created_at),
            "updated_at": _utc(job.updated_at),
            "heartbeat_at": _utc(job.heartbeat_at),
        }
        if job.result is not None:
            props["result"] = _json(job.result)
        if job.error is not None:
            props["error"] = job.error
        self._write(lambda tx: tx.run(q.CREATE_JOB, props=props).consume(), conflict=f"job {job.id!r} already exists")
        return job

    def get_job(self, job_id: str) -> JobRecord:
        """The job with this id; :class:`NotFound` if none."""
        record = self._read(lambda tx: tx.run(q.GET_JOB, id=job_id).single())
        if record is None:
            raise NotFound(f"no job with id {job_id!r}")
        return _job(record["props"])

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
        params = {
            "id": job_id,
            "at": _utc(at),
            "status": status,
            "done": done,
            "total": total,
            "message": message,
            "result": _json(result),
            "error": error,
        }

        def work(tx: ManagedTransaction) -> tuple[dict[str, Any], bool] | None:
            record = tx.run(q.UPDATE_JOB, params).single()
            return None if record is None else (dict(record["props"]), bool(record["finished"]))

        found = self._write(work)
        if found is None:
            raise NotFound(f"no job with id {job_id!r}")
        props, finished = found
        if finished:
            raise Invalid(f"job {job_id!r} has already finished")
        return _job(props)

    def heartbeat_jobs(self, job_ids: list[str], at: datetime) -> int:
        """Set ``heartbeat_at`` of the unfinished jobs among ``job_ids``; return how many were touched."""
        ids = sorted(set(job_ids))
        if not ids:
            return 0
        record = self._write(lambda tx: tx.run(q.HEARTBEAT_JOBS, ids=ids, at=_utc(at)).single())
        return 0 if record is None else int(record["touched"])

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
        pair = None if scope_key is None else _pair(scope_key, scope_value or "")
        params = {"after": after or "", "owner_user_id": owner_user_id, "kind": kind, "pair": pair, "limit": limit + 1}
        records = self._read(lambda tx: [dict(r["props"]) for r in tx.run(q.PAGE_JOBS, params)])
        items = [_job(p) for p in records[:limit]]
        return Page(items, items[-1].id if len(records) > limit else None)

    def delete_finished_jobs(self, before: datetime) -> int:
        """Delete finished jobs last updated before ``before``; return how many went."""
        record = self._write(lambda tx: tx.run(q.DELETE_FINISHED_JOBS, before=_utc(before)).single())
        return 0 if record is None else int(record["deleted"])

"""Area port of :class:`graph.port.GraphStore`: long-running operations (imports, set formation) and their progress.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.

Schema (both adapters): ``Job {id, kind, owner_user_id, scope (JSON text), status, done, total, message,
result (JSON text), error, created_at, updated_at, heartbeat_at}``, no relationships (a job outlives
the user and the nodes it names, like an audit entry; it holds ids and figures only).

* ``status`` is ``queued`` -> ``running`` -> ``done`` | ``failed``; ``done`` and ``failed`` are final:
  a finished job is never changed again (:meth:`JobsPort.update_job` raises :class:`Invalid`).
* ``updated_at`` is the last change of state or progress; ``heartbeat_at`` the last sign of life of the
  process running it (the service decides when a job whose heartbeat is old reads as failed).
* Ids sort by creation time, so listings are newest first by id.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.values import Page

#: Every state a job can be in, in the order it passes through them.
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed")

#: States after which a job never changes again.
FINISHED: frozenset[str] = frozenset({"done", "failed"})


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A long-running operation as stored: what, whose, how far, and how it ended."""

    id: str
    kind: str
    owner_user_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    heartbeat_at: datetime
    scope: Mapping[str, str] = field(default_factory=dict)
    done: int = 0
    total: int = 0
    message: str = ""
    result: Mapping[str, Any] | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        """True once the job is ``done`` or ``failed``."""
        return self.status in FINISHED


class JobsPort(ABC):
    """The jobs area of the store."""

    @abstractmethod
    def create_job(self, job: JobRecord) -> JobRecord:
        """Store a new job; :class:`Conflict` if the id exists."""

    @abstractmethod
    def get_job(self, job_id: str) -> JobRecord:
        """The job with this id; :class:`NotFound` if none."""

    @abstractmethod
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
        """Change the given fields (``None`` keeps one), setting ``updated_at`` and ``heartbeat_at`` to ``at``.

        :class:`NotFound` if the job is missing; :class:`Invalid` if it is already finished (nothing changes).
        """

    @abstractmethod
    def heartbeat_jobs(self, job_ids: list[str], at: datetime) -> int:
        """Set ``heartbeat_at`` of the unfinished jobs among ``job_ids`` to ``at``; return how many were touched."""

    @abstractmethod
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
        """Jobs newest first (descending id), optionally of one owner, one kind, and/or with ``scope[scope_key] == scope_value``."""

    @abstractmethod
    def delete_finished_jobs(self, before: datetime) -> int:
        """Delete finished jobs last updated before ``before``; return how many went."""

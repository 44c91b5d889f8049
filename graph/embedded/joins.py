"""Embedded (SQLite) implementation of the joins area port: join requests, decisions, the one-transaction join, candidate sets.

Table ``join_requests`` (one row per request; an erased assessor takes theirs with them). Writers
take SQLite's single write lock (``BEGIN IMMEDIATE``) before reading what they re-check, so two
acceptances racing for a set's last place run one after the other and the second sees the first's
membership. Candidate sets are filtered by the hard rules in one query over ``sets`` (a few hundred
rows), and only the candidates' members are read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from graph.embedded.base import EmbeddedBase
from graph.embedded.common import (
    DESCRIBE_MEMBERS,
    THEMES_OF,
    need_assessor,
    need_programme,
    need_set,
    set_records,
    themes_by_assessor,
    to_pool_member,
    to_programme,
)
from graph.port_joins import (
    AUTOMATIC,
    DECISIONS,
    JOIN_STATUSES,
    CandidateSet,
    JoinRequest,
    SetCandidates,
    join_problem,
)
from graph.port_sets import PoolMember
from graph.values import Conflict, Invalid, NotFound, clamp_limit
from network import availability
from network.domain import Programme

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS join_requests (
        id TEXT PRIMARY KEY,
        set_id TEXT NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        requested_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT,
        note TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS join_requests_by_assessor ON join_requests (assessor_id, set_id)",
    "CREATE INDEX IF NOT EXISTS join_requests_by_set ON join_requests (set_id, requested_at)",
)

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = ("DELETE FROM join_requests",)

_GET_REQUEST = """
SELECT r.id, r.set_id, r.assessor_id, s.programme_id, r.status, r.message, r.requested_at, r.decided_at, r.decided_by, r.note
FROM join_requests r JOIN sets s ON s.id = r.set_id WHERE r.id = ?
"""
_REQUESTS_OF_PROGRAMME = """
SELECT r.id, r.set_id, r.assessor_id, s.programme_id, r.status, r.message, r.requested_at, r.decided_at, r.decided_by, r.note
FROM sets s JOIN join_requests r ON r.set_id = s.id
WHERE s.programme_id = ?1 AND (?2 IS NULL OR r.status = ?2) ORDER BY r.requested_at, r.id
"""
_REQUESTS_OF_ASSESSOR = """
SELECT r.id, r.set_id, r.assessor_id, s.programme_id, r.status, r.message, r.requested_at, r.decided_at, r.decided_by, r.note
FROM join_requests r JOIN sets s ON s.id = r.set_id
WHERE r.assessor_id = ?1 AND (?2 IS NULL OR r.status = ?2) ORDER BY r.requested_at DESC, r.id
"""
_INSERT_REQUEST = """
INSERT INTO join_requests (id, set_id, assessor_id, status, message, requested_at, decided_at, decided_by, note)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')
"""
_DECIDE = "UPDATE join_requests SET status = ?2, decided_at = ?3, decided_by = ?4, note = ?5 WHERE id = ?1 AND status = 'requested'"
_PENDING = "SELECT id FROM join_requests WHERE set_id = ? AND assessor_id = ? AND status = 'requested'"
_REQUEST_EXISTS = "SELECT 1 FROM join_requests WHERE id = ?"

# Everything join_problem needs, in one row (the add_member rules plus paused, declined and the programme's status).
_JOIN_CHECK = """
SELECT s.status, s.programme_id, s.meeting_slot, a.active, a.capacity, a.availability_mask, a.paused,
       (SELECT count(*) FROM memberships m JOIN sets x ON x.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND x.status <> 'closed'),
       (SELECT min(x.id) FROM memberships m JOIN sets x ON x.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND x.status <> 'closed' AND x.programme_id = s.programme_id),
       (SELECT joined FROM memberships m WHERE m.set_id = s.id AND m.assessor_id = a.id),
       w.organisation_id,
       (SELECT count(*) FROM memberships m JOIN works_for w2 ON w2.assessor_id = m.assessor_id
        WHERE m.set_id = s.id AND m.left IS NULL AND w2.organisation_id = w.organisation_id),
       (SELECT count(*) FROM memberships m WHERE m.set_id = s.id AND m.left IS NULL),
       p.max_per_organisation, p.set_size_max, p.status,
       EXISTS (SELECT 1 FROM join_requests r WHERE r.set_id = s.id AND r.assessor_id = a.id AND r.status = 'declined')
FROM sets s JOIN assessors a ON a.id = ?2 LEFT JOIN works_for w ON w.assessor_id = a.id
LEFT JOIN programmes p ON p.id = s.programme_id WHERE s.id = ?1
"""
_INSERT_MEMBERSHIP = "INSERT INTO memberships (set_id, assessor_id, role, joined, left) VALUES (?, ?, 'member', ?, NULL)"

# -- candidate sets ------------------------------------------------------------------------------

# The seeker: employer, active set count, the programmes where they are in a set, sets they are or were in,
# sets they asked to join (pending) or were declined by.
_SEEKER_PROGRAMMES = """
SELECT DISTINCT x.programme_id FROM memberships m JOIN sets x ON x.id = m.set_id
WHERE m.assessor_id = ? AND m.left IS NULL AND x.status <> 'closed' AND x.programme_id IS NOT NULL
"""
_SEEKER_EXCLUDED_SETS = """
SELECT set_id FROM memberships WHERE assessor_id = ?1
UNION SELECT set_id FROM join_requests WHERE assessor_id = ?1 AND status IN ('requested', 'declined')
"""
# ?1 seeker, ?2 JSON list of their slots, ?3 their organisation (or NULL), ?4 JSON excluded sets,
# ?5 JSON programmes where they are in a set, ?6 limit. Cheap column tests first; counts only for sets still in the running.
_CANDIDATE_SETS = """
SELECT s.id,
       (SELECT count(*) FROM set_themes st JOIN works_on l ON l.theme_id = st.theme_id
        WHERE st.set_id = s.id AND l.assessor_id = ?1) AS shared
FROM sets s JOIN programmes p ON p.id = s.programme_id
WHERE s.status IN ('forming', 'active') AND p.status <> 'closed'
  AND (s.meeting_slot IS NULL OR s.meeting_slot IN (SELECT value FROM json_each(?2)))
  AND s.id NOT IN (SELECT value FROM json_each(?4))
  AND s.programme_id NOT IN (SELECT value FROM json_each(?5))
  AND (SELECT count(*) FROM memberships m WHERE m.set_id = s.id AND m.left IS NULL) < p.set_size_max
  AND (?3 IS NULL OR (SELECT count(*) FROM memberships m JOIN works_for w ON w.assessor_id = m.assessor_id
                      WHERE m.set_id = s.id AND m.left IS NULL AND w.organisation_id = ?3) < p.max_per_organisation)
ORDER BY shared DESC, s.id LIMIT ?6
"""
_PROGRAMMES_IN = """
SELECT id, name, region, status, set_size_min, set_size_max, set_size_target, cadence, meetings,
       max_per_organisation, require_common_slot, starts_on, settings
FROM programmes WHERE id IN (SELECT value FROM json_each(?))
"""
# Which of ?2 (JSON ids) are tied to ?1: accepted contacts either way, current or former set-mates
# (two members of a set still forming are not tied yet, as in the sets area's ties).
_SEEKER_TIES = """
WITH chosen (id) AS (SELECT value FROM json_each(?2))
SELECT c.to_id FROM contacts c WHERE c.from_id = ?1 AND c.status = 'accepted' AND c.to_id IN chosen
UNION
SELECT c.from_id FROM contacts c WHERE c.to_id = ?1 AND c.status = 'accepted' AND c.from_id IN chosen
UNION
SELECT m2.assessor_id FROM memberships m1 JOIN memberships m2 ON m2.set_id = m1.set_id JOIN sets s ON s.id = m1.set_id
WHERE m1.assessor_id = ?1 AND m2.assessor_id <> ?1 AND m2.assessor_id IN chosen
  AND (s.status <> 'forming' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
"""
_ASSESSOR_REGION = """
SELECT coalesce(a.region, o.region) FROM assessors a LEFT JOIN works_for w ON w.assessor_id = a.id
LEFT JOIN organisations o ON o.id = w.organisation_id WHERE a.id = ?
"""
_OPEN_PROGRAMMES = """
SELECT p.id, p.name, p.region, p.status, p.set_size_min, p.set_size_max, p.set_size_target, p.cadence, p.meetings,
       p.max_per_organisation, p.require_common_slot, p.starts_on, p.settings
FROM programmes p
WHERE p.status = 'open' AND (p.region IS NULL OR p.region = ?2)
  AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.programme_id = p.id AND e.assessor_id = ?1)
ORDER BY p.id LIMIT ?3
"""


def _stamp(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _request(r: tuple[Any, ...]) -> JoinRequest:
    return JoinRequest(
        id=r[0],
        set_id=r[1],
        assessor_id=r[2],
        programme_id=r[3],
        status=r[4],
        message=r[5],
        requested_at=_stamp(r[6]),
        decided_at=_stamp(r[7]),
        decided_by=r[8],
        note=r[9],
    )


def _json(values: Sequence[str] | set[str]) -> str:
    return json.dumps(sorted(values), separators=(",", ":"))


def _check_status(status: str | None) -> None:
    if status is not None and status not in JOIN_STATUSES:
        raise Invalid(f"status must be one of {', '.join(JOIN_STATUSES)}, got {status!r}")


class EmbeddedJoins(EmbeddedBase):
    """The joins area on SQLite."""

    # -- helpers (inside a transaction) ---------------------------------------------------------

    @staticmethod
    def _join_problem(conn: sqlite3.Connection, set_id: str, assessor_id: str) -> str | None:
        """Why the assessor cannot join the set now, read under the write lock (NotFound for a missing set or assessor)."""
        need_set(conn, set_id)
        need_assessor(conn, assessor_id)
        r = conn.execute(_JOIN_CHECK, (set_id, assessor_id)).fetchone()
        slot = r[2]
        return join_problem(
            {
                "set_id": set_id,
                "assessor_id": assessor_id,
                "set_status": r[0],
                "programme_id": r[1],
                "slot": slot,
                "active": bool(r[3]),
                "capacity": r[4],
                "available": slot is not None and bool(r[5] & availability.to_mask([slot])),
                "paused": bool(r[6]),
                "active_sets": r[7],
                "set_in_programme": r[8],
                "already": r[9],
                "organisation_id": r[10],
                "same_org": r[11],
                "size": r[12],
                "max_per_organisation": r[13],
                "size_max": r[14],
                "programme_status": r[15],
                "declined": bool(r[16]),
            }
        )

    # -- candidate sets and programmes ------------------------------------------------------------

    def set_candidates(self, assessor_id: str, limit: int = 200) -> SetCandidates:
        """The sets that could take the assessor, with their programmes, members' features and ties to the assessor."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            need_assessor(conn, assessor_id)
            seeker = self._describe(conn, [assessor_id])[0]
            a = seeker.assessor
            blocked = "inactive" if not a.active else "paused" if a.paused else "at_capacity" if seeker.capacity_left <= 0 else None
            if blocked is not None:
                return SetCandidates(seeker=seeker, blocked=blocked)
            excluded = [r[0] for r in conn.execute(_SEEKER_EXCLUDED_SETS, (assessor_id,))]
            busy = [r[0] for r in conn.execute(_SEEKER_PROGRAMMES, (assessor_id,))]
            rows = conn.execute(
                _CANDIDATE_SETS,
                (assessor_id, _json(list(a.availability)), seeker.organisation_id, _json(excluded), _json(busy), limit),
            ).fetchall()
            if not rows:
                return SetCandidates(seeker=seeker)
            shared = {r[0]: r[1] for r in rows}
            records = {r.id: r for r in set_records(conn, list(shared))}
            programme_ids = {r.set.programme_id for r in records.values() if r.set.programme_id is not None}
            programmes = {p.id: p for p in (to_programme(tuple(r)) for r in conn.execute(_PROGRAMMES_IN, (_json(programme_ids),)))}
            member_ids = sorted({m for r in records.values() for m in r.current_member_ids})
            people = {p.assessor.id: p for p in self._describe(conn, member_ids)} if member_ids else {}
            tied = {r[0] for r in conn.execute(_SEEKER_TIES, (assessor_id, _json(member_ids)))} if member_ids else set()
        out = []
        for set_id, _ in rows:
            record = records[set_id]
            current = record.current_member_ids
            out.append(
                CandidateSet(
                    record=record,
                    programme=programmes[record.set.programme_id or ""],
                    members=tuple(people[m] for m in sorted(current) if m in people),
                    tied_ids=tuple(sorted(m for m in current if m in tied)),
                    shared_focus=shared[set_id],
                )
            )
        return SetCandidates(seeker=seeker, sets=tuple(out))

    @staticmethod
    def _describe(conn: sqlite3.Connection, ids: Sequence[str]) -> list[PoolMember]:
        """What formation needs to know of these assessors, with the query and row reader the sets area uses too."""
        themes = themes_by_assessor(conn.execute(THEMES_OF, (_json(set(ids)),)))
        return [to_pool_member(tuple(r), themes.get(r[0], ())) for r in conn.execute(DESCRIBE_MEMBERS, (_json(set(ids)),))]

    def open_programmes(self, assessor_id: str, limit: int = 50) -> list[Programme]:
        """Open programmes in the assessor's region (or with none) that they are not enrolled in, by id."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            row = conn.execute(_ASSESSOR_REGION, (assessor_id,)).fetchone()
            if row is None:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            return [to_programme(tuple(r)) for r in conn.execute(_OPEN_PROGRAMMES, (assessor_id, row[0], limit))]

    # -- requests -------------------------------------------------------------------------------------

    def request_join(self, request: JoinRequest, *, accept: bool = False, joined: date | None = None) -> JoinRequest:
        """Store a new request in one transaction that re-checks every rule; with ``accept``, write the membership too."""
        now = datetime.now(UTC)
        day = joined or date.today()
        with self._transaction(write=True) as conn:
            problem = self._join_problem(conn, request.set_id, request.assessor_id)
            if conn.execute(_PENDING, (request.set_id, request.assessor_id)).fetchone() is not None:
                raise Conflict(f"{request.assessor_id} has already asked to join set {request.set_id}; the request waits for a decision")
            if problem is not None:
                raise Invalid(problem)
            if conn.execute(_REQUEST_EXISTS, (request.id,)).fetchone() is not None:
                raise Conflict(f"join request {request.id!r} already exists")
            status, decided_at, decided_by = ("accepted", now.isoformat(), AUTOMATIC) if accept else ("requested", None, None)
            conn.execute(
                _INSERT_REQUEST,
                (request.id, request.set_id, request.assessor_id, status, request.message, now.isoformat(), decided_at, decided_by),
            )
            if accept:
                conn.execute(_INSERT_MEMBERSHIP, (request.set_id, request.assessor_id, day.isoformat()))
            return _request(tuple(conn.execute(_GET_REQUEST, (request.id,)).fetchone()))

    def decide_join(
        self, request_id: str, decision: str, *, decided_by: str | None, joined: date | None = None, note: str = ""
    ) -> JoinRequest:
        """Decide a pending request; accepting re-checks every rule and writes the membership in the same transaction."""
        if decision not in DECISIONS:
            raise Invalid(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
        now = datetime.now(UTC)
        day = joined or date.today()
        # BEGIN IMMEDIATE: the write lock is held from here, so what is read below stays true until COMMIT.
        with self._transaction(write=True) as conn:
            row = conn.execute(_GET_REQUEST, (request_id,)).fetchone()
            if row is None:
                raise NotFound(f"no join request with id {request_id!r}")
            current = _request(tuple(row))
            if current.status != "requested":
                raise Conflict(f"join request {request_id} was already {current.status}")
            if decision == "accepted":
                problem = self._join_problem(conn, current.set_id, current.assessor_id)
                if problem is not None:
                    raise Conflict(problem)
                conn.execute(_INSERT_MEMBERSHIP, (current.set_id, current.assessor_id, day.isoformat()))
            conn.execute(_DECIDE, (request_id, decision, now.isoformat(), decided_by, note))
            return _request(tuple(conn.execute(_GET_REQUEST, (request_id,)).fetchone()))

    def join_check(self, set_id: str, assessor_id: str) -> str | None:
        """Why the assessor could not join the set now, or ``None``."""
        with self._transaction(write=False) as conn:
            return self._join_problem(conn, set_id, assessor_id)

    def get_join_request(self, request_id: str) -> JoinRequest:
        """The request with this id; :class:`NotFound` if none."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_REQUEST, (request_id,)).fetchone()
        if row is None:
            raise NotFound(f"no join request with id {request_id!r}")
        return _request(tuple(row))

    def join_requests_of_programme(self, programme_id: str, status: str | None = None) -> list[JoinRequest]:
        """Requests to join the programme's sets, oldest first; :class:`NotFound` if no programme."""
        _check_status(status)
        with self._transaction(write=False) as conn:
            need_programme(conn, programme_id)
            return [_request(tuple(r)) for r in conn.execute(_REQUESTS_OF_PROGRAMME, (programme_id, status))]

    def join_requests_of_assessor(self, assessor_id: str, status: str | None = None) -> list[JoinRequest]:
        """The assessor's requests, newest first; :class:`NotFound` if no assessor."""
        _check_status(status)
        with self._transaction(write=False) as conn:
            need_assessor(conn, assessor_id)
            return [_request(tuple(r)) for r in conn.execute(_REQUESTS_OF_ASSESSOR, (assessor_id, status))]

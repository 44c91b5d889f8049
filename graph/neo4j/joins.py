"""Neo4j implementation of the joins area port: join requests, decisions, the one-transaction join, candidate sets.

Its Cypher is in :mod:`graph.neo4j.queries_joins`. Creating or accepting a request locks the
assessor and then the set before re-reading the rules, so two acceptances racing for a set's last
place are serialised and the second is refused with the rule it now breaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from neo4j import ManagedTransaction

from graph.neo4j import queries_joins as q
from graph.neo4j import queries_sets as qs
from graph.neo4j.base import Neo4jBase
from graph.neo4j.common import native, need, set_records, to_pool_member, to_programme
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
from network.domain import Programme


def _request(r: Mapping[str, Any]) -> JoinRequest:
    p = r["props"]
    return JoinRequest(
        id=p["id"],
        set_id=r["set_id"],
        assessor_id=r["assessor_id"],
        programme_id=r["programme_id"],
        status=p["status"],
        message=p.get("message") or "",
        requested_at=native(p.get("requested_at")),
        decided_at=native(p.get("decided_at")),
        decided_by=p.get("decided_by"),
        note=p.get("note") or "",
    )


def _check_status(status: str | None) -> None:
    if status is not None and status not in JOIN_STATUSES:
        raise Invalid(f"status must be one of {', '.join(JOIN_STATUSES)}, got {status!r}")


def _lock_and_check(tx: ManagedTransaction, set_id: str, assessor_id: str) -> tuple[str | None, bool]:
    """Lock the assessor, then the set; ``(why they cannot join now or None, whether a request of theirs is pending)``."""
    if tx.run(q.LOCK_ASSESSOR, id=assessor_id).single() is None:
        raise NotFound(f"no assessor with id {assessor_id!r}")
    if tx.run(q.LOCK_SET, id=set_id).single() is None:
        raise NotFound(f"no set with id {set_id!r}")
    return _check(tx, set_id, assessor_id)


def _check(tx: ManagedTransaction, set_id: str, assessor_id: str) -> tuple[str | None, bool]:
    """``(why the assessor cannot join the set now or None, whether a request of theirs is pending)``; NotFound for either missing."""
    r = tx.run(q.JOIN_CHECK, set_id=set_id, assessor_id=assessor_id).single()
    if r is None:
        need(tx, q.EXISTS_SET, set_id, "set")
        raise NotFound(f"no assessor with id {assessor_id!r}")
    in_programme = sorted(r["sets_in_programme"])
    problem = join_problem(
        {
            "set_id": set_id,
            "assessor_id": assessor_id,
            "set_status": r["set_status"],
            "programme_id": r["programme_id"],
            "programme_status": r["programme_status"],
            "slot": r["slot"],
            "active": r["active"] is not False,
            "paused": r["paused"] is True,
            "capacity": 1 if r["capacity"] is None else r["capacity"],
            "available": r["slot"] in r["availability"],
            "active_sets": r["active_sets"],
            "set_in_programme": in_programme[0] if in_programme else None,
            "already": r["already"],
            "organisation_id": r["organisation_id"],
            "same_org": r["same_org"],
            "size": r["size"],
            "max_per_organisation": r["max_per_organisation"],
            "size_max": r["size_max"],
            "declined": r["declined"],
        }
    )
    return problem, bool(r["pending"])


class Neo4jJoins(Neo4jBase):
    """The joins area on Neo4j."""

    # -- candidate sets and programmes ------------------------------------------------------------

    def set_candidates(self, assessor_id: str, limit: int = 200) -> SetCandidates:
        """The sets that could take the assessor, with their programmes, members' features and ties to the assessor."""
        limit = clamp_limit(limit)

        def work(tx: ManagedTransaction) -> SetCandidates:
            rows = [to_pool_member(r) for r in tx.run(qs.DESCRIBE_MEMBERS, ids=[assessor_id])]
            if not rows:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            seeker = rows[0]
            a = seeker.assessor
            blocked = "inactive" if not a.active else "paused" if a.paused else "at_capacity" if seeker.capacity_left <= 0 else None
            if blocked is not None:
                return SetCandidates(seeker=seeker, blocked=blocked)
            found = [(r["id"], r["shared"]) for r in tx.run(q.CANDIDATE_SETS, assessor_id=assessor_id, limit=limit)]
            if not found:
                return SetCandidates(seeker=seeker)
            records = {r.id: r for r in set_records(tx, [i for i, _ in found])}
            programme_ids = sorted({r.set.programme_id for r in records.values() if r.set.programme_id is not None})
            programmes = {p.id: p for p in (to_programme(r["props"]) for r in tx.run(q.PROGRAMMES_IN, ids=programme_ids))}
            member_ids = sorted({m for r in records.values() for m in r.current_member_ids})
            people: dict[str, PoolMember] = {}
            tied: set[str] = set()
            if member_ids:
                people = {p.assessor.id: p for p in (to_pool_member(r) for r in tx.run(qs.DESCRIBE_MEMBERS, ids=member_ids))}
                tied = {r["id"] for r in tx.run(q.SEEKER_CONTACT_TIES, assessor_id=assessor_id, ids=member_ids)}
                tied |= {r["id"] for r in tx.run(q.SEEKER_SET_TIES, assessor_id=assessor_id, ids=member_ids)}
            out = []
            for set_id, shared in found:
                record = records[set_id]
                current = record.current_member_ids
                out.append(
                    CandidateSet(
                        record=record,
                        programme=programmes[record.set.programme_id or ""],
                        members=tuple(people[m] for m in sorted(current) if m in people),
                        tied_ids=tuple(sorted(m for m in current if m in tied)),
                        shared_focus=shared,
                    )
                )
            return SetCandidates(seeker=seeker, sets=tuple(out))

        return self._read(work)

    def open_programmes(self, assessor_id: str, limit: int = 50) -> list[Programme]:
        """Open programmes in the assessor's region (or with none) that they are not enrolled in, by id."""
        limit = clamp_limit(limit)

        def work(tx: ManagedTransaction) -> list[Programme]:
            need(tx, q.EXISTS_ASSESSOR, assessor_id, "assessor")
            return [to_programme(r["props"]) for r in tx.run(q.OPEN_PROGRAMMES, assessor_id=assessor_id, limit=limit)]

        return self._read(work)

    # -- requests -------------------------------------------------------------------------------------

    def request_join(self, request: JoinRequest, *, accept: bool = False, joined: date | None = None) -> JoinRequest:
        """Store a new request in one transaction that re-checks every rule; with ``accept``, write the membership too."""
        now = datetime.now(UTC)
        day = joined or date.today()
        props: dict[str, Any] = {"id": request.id, "status": "requested", "message": request.message, "requested_at": now, "note": ""}
        if accept:
            props |= {"status": "accepted", "decided_at": now, "decided_by": AUTOMATIC}

        def work(tx: ManagedTransaction) -> JoinRequest:
            problem, pending = _lock_and_check(tx, request.set_id, request.assessor_id)
            if pending:
                raise Conflict(f"{request.assessor_id} has already asked to join set {request.set_id}; the request waits for a decision")
            if problem is not None:
                raise Invalid(problem)
            if tx.run(q.EXISTS_REQUEST, id=request.id).single() is not None:
                raise Conflict(f"join request {request.id!r} already exists")
            tx.run(q.CREATE_REQUEST, assessor_id=request.assessor_id, set_id=request.set_id, props=props).consume()
            if accept:
                tx.run(q.ADD_MEMBER, set_id=request.set_id, assessor_id=request.assessor_id, joined=day).consume()
            return _request(tx.run(q.GET_REQUEST, id=request.id).single(strict=True))

        return self._write(work, conflict=f"join request {request.id!r} already exists")

    def decide_join(
        self, request_id: str, decision: str, *, decided_by: str | None, joined: date | None = None, note: str = ""
    ) -> JoinRequest:
        """Decide a pending request; accepting re-checks every rule and writes the membership in the same transaction."""
        if decision not in DECISIONS:
            raise Invalid(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
        now = datetime.now(UTC)
        day = joined or date.today()

        def work(tx: ManagedTransaction) -> JoinRequest:
            found = tx.run(q.GET_REQUEST, id=request_id).single()
            if found is None:
                raise NotFound(f"no join request with id {request_id!r}")
            first = _request(found)
            problem = None
            if decision == "accepted":
                problem, _ = _lock_and_check(tx, first.set_id, first.assessor_id)
            tx.run(q.LOCK_REQUEST, id=request_id).consume()
            # Re-read under the locks: a racing decision on the same request has finished by now.
            current = _request(tx.run(q.GET_REQUEST, id=request_id).single(strict=True))
            if current.status != "requested":
                raise Conflict(f"join request {request_id} was already {current.status}")
            if decision == "accepted":
                if problem is not None:
                    raise Conflict(problem)
                tx.run(q.ADD_MEMBER, set_id=current.set_id, assessor_id=current.assessor_id, joined=day).consume()
            tx.run(q.DECIDE, id=request_id, status=decision, now=now, decided_by=decided_by, note=note).consume()
            return _request(tx.run(q.GET_REQUEST, id=request_id).single(strict=True))

        return self._write(work)

    def join_check(self, set_id: str, assessor_id: str) -> str | None:
        """Why the assessor could not join the set now, or ``None``."""
        return self._read(lambda tx: _check(tx, set_id, assessor_id)[0])

    def get_join_request(self, request_id: str) -> JoinRequest:
        """The request with this id; :class:`NotFound` if none."""
        record = self._read(lambda tx: tx.run(q.GET_REQUEST, id=request_id).single())
        if record is None:
            raise NotFound(f"no join request with id {request_id!r}")
        return _request(record)

    def join_requests_of_programme(self, programme_id: str, status: str | None = None) -> list[JoinRequest]:
        """Requests to join the programme's sets, oldest first; :class:`NotFound` if no programme."""
        _check_status(status)

        def work(tx: ManagedTransaction) -> list[JoinRequest]:
            need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
            return [_request(r) for r in tx.run(q.REQUESTS_OF_PROGRAMME, programme_id=programme_id, status=status)]

        return self._read(work)

    def join_requests_of_assessor(self, assessor_id: str, status: str | None = None) -> list[JoinRequest]:
        """The assessor's requests, newest first; :class:`NotFound` if no assessor."""
        _check_status(status)

        def work(tx: ManagedTransaction) -> list[JoinRequest]:
            need(tx, q.EXISTS_ASSESSOR, assessor_id, "assessor")
            return [_request(r) for r in tx.run(q.REQUESTS_OF_ASSESSOR, assessor_id=assessor_id, status=status)]

        return self._read(work)

"""Neo4j implementation of the sets area port: programmes, enrolment, sets, memberships and proposals.

Its Cypher is in :mod:`graph.neo4j.queries_sets`. Writes that re-check capacity or membership
(``commit_sets``, ``add_member``) lock the assessors involved in id order before reading, so
two coordinators committing overlapping proposals at once are serialised and the second one
is refused with the names of the people the first one placed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from neo4j import ManagedTransaction

from graph import sets_common as common
from graph.fields import apply_changes
from graph.neo4j import queries_sets as q
from graph.neo4j.base import Neo4jBase
from graph.neo4j.common import native, need, set_records, stored_props, to_pool_member, to_programme
from graph.port_sets import (
    CANDIDATES_MAX,
    CandidateFilter,
    CANDIDATE_SOURCES,
    MEMBERSHIP_ROLES,
    Enrolment,
    Membership,
    NewSet,
    Pool,
    PoolMember,
    PoolTie,
    ProposalRecord,
    ProposalVersion,
    SetRecord,
)
from graph.values import Conflict, Invalid, NotFound, Page, clamp_limit
from network import availability
from network.domain import ActionLearningSet, Programme, today


def _programme_props(p: Programme) -> dict[str, Any]:
    return stored_props(common.programme_values(p))


def _set_props(s: ActionLearningSet) -> dict[str, Any]:
    return stored_props(
        {
            "id": s.id,
            "name": s.name,
            "status": s.status,
            "meeting_slot": s.meeting_slot,
            "cadence": s.cadence,
            "starts_on": s.starts_on,
        }
    )


def _proposal(p: Mapping[str, Any]) -> ProposalRecord:
    return ProposalRecord(
        id=p["id"],
        programme_id=p["programme_id"],
        payload=p["payload"],
        version=p["version"],
        status=p["status"],
        created_by=p.get("created_by"),
        created_at=native(p.get("created_at")),
        updated_at=native(p.get("updated_at")),
        committed_set_ids=tuple(p.get("committed_set_ids") or ()),
    )


def _version(p: Mapping[str, Any]) -> ProposalVersion:
    return ProposalVersion(
        proposal_id=p["proposal_id"],
        version=p["version"],
        label=p["label"],
        snapshot=p.get("snapshot"),
        made_by=p.get("made_by"),
        made_at=native(p.get("made_at")),
    )


class Neo4jSets(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for programmes, enrolment, sets, memberships and proposals."""

    # -- helpers (inside a transaction) --------------------------------------------------

    @staticmethod
    def _open_proposal(tx: ManagedTransaction, proposal_id: str, version: int | None) -> ProposalRecord:
        """Lock the proposal and check it is open (and at ``version``, if given)."""
        if tx.run(q.LOCK_PROPOSAL, id=proposal_id).single() is None:
            raise NotFound(f"no proposal with id {proposal_id!r}")
        proposal = _proposal(tx.run(q.GET_PROPOSAL, id=proposal_id).single(strict=True)["props"])
        if proposal.status != "open":
            raise Conflict(f"proposal {proposal_id} is already committed")
        if version is not None and proposal.version != version:
            raise Conflict(f"proposal {proposal_id} changed meanwhile (version {proposal.version}, not {version}); reload it")
        return proposal

    # -- programmes -----------------------------------------------------------------------

    def create_programme(self, programme: Programme) -> Programme:
        """Store a new programme; :class:`Conflict` if the id exists."""
        props = _programme_props(programme)
        self._write(lambda tx: tx.run(q.CREATE_PROGRAMME, props=props).consume(), conflict=f"programme {programme.id!r} already exists")
        return programme

    def get_programme(self, programme_id: str) -> Programme:
        """The programme with this id; :class:`NotFound` if none."""
        record = self._read(lambda tx: tx.run(q.GET_PROGRAMME, id=programme_id).single())
        if record is None:
            raise NotFound(f"no programme with id {programme_id!r}")
        return to_programme(record["props"])

    def update_programme(self, programme: Programme) -> Programme:
        """Replace a programme's settings; :class:`NotFound` if none."""
        props = _programme_props(programme)
        if self._write(lambda tx: tx.run(q.UPDATE_PROGRAMME, id=programme.id, props=props).single()) is None:
            raise NotFound(f"no programme with id {programme.id!r}")
        return programme

    def update_programme_fields(self, programme_id: str, changes: Mapping[str, Any]) -> Programme:
        """Change only the named settings: lock the programme, check the merged settings whole, write only what changed."""

        def work(tx: ManagedTransaction) -> Programme:
            record = tx.run(q.LOCK_PROGRAMME, id=programme_id).single()
            if record is None:
                raise NotFound(f"no programme with id {programme_id!r}")
            values = {k: v.to_native() if hasattr(v, "to_native") else v for k, v in record["props"].items()}
            current = common.programme_from(values)
            updated, changed = apply_changes(current, changes, "programme")
            if changed:  # only the stored properties that differ (weights, region mode and join policy share one)
                before, after = common.programme_values(current), common.programme_values(updated)
                keys = sorted(k for k in after if after[k] != before[k])
                tx.run(q.SET_PROGRAMME_FIELDS, id=programme_id, changes={k: after[k] for k in keys}).consume()
            return updated

        return self._write(work)

    def list_programmes(self, limit: int = 50, after: str | None = None) -> Page[Programme]:
        """Programmes in id order, ``limit`` at a time."""
        limit = clamp_limit(limit)
        rows = self._read(lambda tx: [dict(r["props"]) for r in tx.run(q.LIST_PROGRAMMES, after=after or "", limit=limit + 1)])
        items = [to_programme(p) for p in rows[:limit]]
        return Page(items=items, next_after=items[-1].id if len(rows) > limit else None)

    # -- enrolment ------------------------------------------------------------------------

    def enrol(self, programme_id: str, assessor_id: str, on: date | None = None) -> Enrolment:
        """Put the assessor in the programme's pool; :class:`NotFound` if either is missing, :class:`Conflict` if enrolled."""
        day = on or date.today()

        def work(tx: ManagedTransaction) -> None:
            record = tx.run(q.ENROL, assessor_id=assessor_id, programme_id=programme_id, on=day).single()
            if record is None:
                need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
                raise NotFound(f"no assessor with id {assessor_id!r}")
            if not record["created"]:
                raise Conflict(f"assessor {assessor_id!r} is already enrolled in programme {programme_id!r}")

        self._write(work)
        return Enrolment(assessor_id=assessor_id, programme_id=programme_id, enrolled_on=day)

    def unenrol(self, programme_id: str, assessor_id: str) -> None:
        """Take the assessor out of the pool; :class:`NotFound` if they are not enrolled."""
        record = self._write(lambda tx: tx.run(q.UNENROL, assessor_id=assessor_id, programme_id=programme_id).single(strict=True))
        if record["removed"] == 0:
            raise NotFound(f"assessor {assessor_id!r} is not enrolled in programme {programme_id!r}")

    def enrolments(self, programme_id: str) -> list[Enrolment]:
        """The programme's pool in assessor-id order; :class:`NotFound` if the programme is missing."""

        def work(tx: ManagedTransaction) -> list[Enrolment]:
            need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
            return [Enrolment(r["assessor_id"], programme_id, native(r["on"])) for r in tx.run(q.ENROLMENTS, programme_id=programme_id)]

        return self._read(work)

    def enrolments_of(self, assessor_id: str) -> list[Enrolment]:
        """The programmes the assessor is enrolled in; :class:`NotFound` if the assessor is missing."""

        def work(tx: ManagedTransaction) -> list[Enrolment]:
            need(tx, q.EXISTS_ASSESSOR, assessor_id, "assessor")
            return [Enrolment(assessor_id, r["programme_id"], native(r["on"])) for r in tx.run(q.ENROLMENTS_OF, assessor_id=assessor_id)]

        return self._read(work)

    def load_pool(self, programme_id: str) -> Pool:
        """The programme, its pool and the ties among the pool, in one read transaction."""

        def work(tx: ManagedTransaction) -> Pool:
            record = tx.run(q.GET_PROGRAMME, id=programme_id).single()
            if record is None:
                raise NotFound(f"no programme with id {programme_id!r}")
            members = tuple(to_pool_member(r) for r in tx.run(q.POOL_MEMBERS, programme_id=programme_id))
            ties = sorted({(r["a_id"], r["b_id"], r["kind"]) for r in tx.run(q.POOL_TIES, programme_id=programme_id)})
            return Pool(programme=to_programme(record["props"]), members=members, ties=tuple(PoolTie(a, b, k) for a, b, k in ties))

        return self._read(work)

    def describe_members(self, assessor_ids: Sequence[str]) -> list[PoolMember]:
        """What formation needs to know of these assessors, in id order; unknown ids are left out."""
        ids = sorted(set(assessor_ids))
        if not ids:
            return []
        return self._read(lambda tx: [to_pool_member(r) for r in tx.run(q.DESCRIBE_MEMBERS, ids=ids)])

    def ties_among(self, assessor_ids: Sequence[str]) -> list[PoolTie]:
        """The ties among these assessors, in (a, b, kind) order."""
        ids = sorted(set(assessor_ids))
        if len(ids) < 2:
            return []
        rows = self._read(lambda tx: {(r["a_id"], r["b_id"], r["kind"]) for r in tx.run(q.TIES_AMONG, ids=ids)})
        return [PoolTie(a, b, k) for a, b, k in sorted(rows)]

    # -- sets and memberships -------------------------------------------------------------

    def commit_sets(
        self,
        programme_id: str,
        sets: Sequence[NewSet],
        joined: date,
        proposal_id: str | None = None,
        proposal_version: int | None = None,
    ) -> list[SetRecord]:
        """Create the sets, memberships and focus themes in one transaction, re-checking enrolment and capacity."""
        member_ids = common.check_new_sets(programme_id, sets)
        set_ids = sorted(s.set.id for s in sets)
        ids = sorted(member_ids)
        theme_ids = sorted({t for s in sets for t in s.set.theme_ids})
        set_rows = [_set_props(s.set) for s in sets]
        focus_rows = [[s.set.id, t] for s in sets for t in s.set.theme_ids]
        member_rows = [[s.set.id, m] for s in sets for m in s.member_ids]
        now = datetime.now(UTC)

        def work(tx: ManagedTransaction) -> list[SetRecord]:
            # Lock everyone first (id order): a racing commit for the same people waits here,
            # then reads the memberships this one wrote and refuses.
            tx.run(q.LOCK_ASSESSORS, ids=ids).consume()
            need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
            if proposal_id is not None:
                self._open_proposal(tx, proposal_id, proposal_version)
            rows = []
            for r in tx.run(q.COMMIT_CHECK, ids=ids, programme_id=programme_id):
                in_programme = sorted(r["sets_in_programme"])
                rows.append(
                    {
                        "id": r["id"],
                        "active": r["active"] is not False,
                        "capacity": 1 if r["capacity"] is None else r["capacity"],
                        "active_sets": r["active_sets"],
                        "enrolled": r["enrolled"],
                        "set_in_programme": in_programme[0] if in_programme else None,
                    }
                )
            missing = sorted(set(ids) - {r["id"] for r in rows})
            if missing:
                raise NotFound(f"no assessor with id {', '.join(missing)}")
            problems = common.commit_problems(rows, programme_id)
            if problems:
                raise Conflict("the pool changed since the proposal was made: " + "; ".join(problems))
            known = {r["id"] for r in tx.run(q.EXISTING_THEMES, ids=theme_ids)} if theme_ids else set()
            if set(theme_ids) - known:
                raise NotFound(f"no theme with id {', '.join(sorted(set(theme_ids) - known))}")
            if set_ids and tx.run(q.EXISTING_SETS, ids=set_ids).peek() is not None:
                raise Conflict("a set with one of these ids already exists")
            tx.run(q.CREATE_SETS, programme_id=programme_id, rows=set_rows).consume()
            if focus_rows:
                tx.run(q.CREATE_FOCUS, rows=focus_rows).consume()
            created = tx.run(q.CREATE_MEMBERSHIPS, rows=member_rows, role="member", joined=joined).single(strict=True)["created"]
            if created != len(member_rows):
                raise Conflict("an assessor or set vanished while the sets were created; nothing was written")
            if proposal_id is not None:
                tx.run(q.COMMIT_PROPOSAL, id=proposal_id, now=now, set_ids=set_ids).consume()
            return set_records(tx, set_ids)

        return self._write(work, conflict="a set with one of these ids already exists")

    def get_set(self, set_id: str) -> SetRecord:
        """The set with all its memberships; :class:`NotFound` if none."""
        records = self._read(lambda tx: set_records(tx, [set_id]))
        if not records:
            raise NotFound(f"no set with id {set_id!r}")
        return records[0]

    def sets_of_programme(self, programme_id: str) -> list[SetRecord]:
        """The programme's sets in id order; :class:`NotFound` if the programme is missing."""

        def work(tx: ManagedTransaction) -> list[SetRecord]:
            need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
            return set_records(tx, [r["id"] for r in tx.run(q.SET_IDS_OF_PROGRAMME, programme_id=programme_id)])

        return self._read(work)

    def sets_of_assessor(self, assessor_id: str, current_only: bool = True) -> list[SetRecord]:
        """Sets the assessor is (or ever was) a member of, in id order; :class:`NotFound` if the assessor is missing."""

        def work(tx: ManagedTransaction) -> list[SetRecord]:
            need(tx, q.EXISTS_ASSESSOR, assessor_id, "assessor")
            return set_records(tx, [r["id"] for r in tx.run(q.SET_IDS_OF_ASSESSOR, assessor_id=assessor_id, current_only=current_only)])

        return self._read(work)

    def members_of(self, set_id: str, current_only: bool = False) -> list[Membership]:
        """The set's memberships in (joined, assessor id) order; :class:`NotFound` if the set is missing."""
        record = self.get_set(set_id)
        return [m for m in record.members if m.current or not current_only]

    def end_membership(self, set_id: str, assessor_id: str, left: date) -> Membership:
        """Record that the member left on ``left``; :class:`NotFound` unless a current member."""

        def work(tx: ManagedTransaction) -> Membership:
            tx.run(q.LOCK_ASSESSORS, ids=[assessor_id]).consume()
            record = tx.run(q.GET_MEMBERSHIP, set_id=set_id, assessor_id=assessor_id).single()
            if record is None or record["left"] is not None:
                raise NotFound(f"assessor {assessor_id!r} is not a current member of set {set_id!r}")
            joined = native(record["joined"])
            common.check_left(joined, left)
            tx.run(q.END_MEMBERSHIP, set_id=set_id, assessor_id=assessor_id, left=left).consume()
            return Membership(set_id=set_id, assessor_id=assessor_id, joined=joined, left=left, role=record["role"] or "member")

        return self._write(work)

    def add_member(self, set_id: str, assessor_id: str, joined: date, role: str = "member") -> Membership:
        """Add a member to a set that is not closed, re-checking capacity, slot and the programme's rules in the transaction."""
        if role not in MEMBERSHIP_ROLES:
            raise Invalid(f"role must be one of {', '.join(MEMBERSHIP_ROLES)}, got {role!r}")

        def work(tx: ManagedTransaction) -> None:
            # The assessor first, then the set (one order everywhere): capacity and the set's size/organisation counts hold still.
            tx.run(q.LOCK_ASSESSORS, ids=[assessor_id]).consume()
            if tx.run(q.LOCK_SET, id=set_id).single() is None:
                raise NotFound(f"no set with id {set_id!r}")
            r = tx.run(q.ADD_MEMBER_CHECK, set_id=set_id, assessor_id=assessor_id).single()
            if r is None:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            in_programme = sorted(r["sets_in_programme"])
            problem = common.add_member_problem(
                {
                    "set_id": set_id,
                    "assessor_id": assessor_id,
                    "set_status": r["set_status"],
                    "active": r["active"] is not False,
                    "capacity": 1 if r["capacity"] is None else r["capacity"],
                    "available": r["slot"] in r["availability"],
                    "active_sets": r["active_sets"],
                    "set_in_programme": in_programme[0] if in_programme else None,
                    "already": r["already"],
                    "slot": r["slot"],
                    "organisation_id": r["organisation_id"],
                    "same_org": r["same_org"],
                    "size": r["size"],
                    "max_per_organisation": r["max_per_organisation"],
                    "size_max": r["size_max"],
                }
            )
            if problem is not None:
                raise Conflict(problem)
            tx.run(q.ADD_MEMBER, set_id=set_id, assessor_id=assessor_id, role=role, joined=joined).consume()

        self._write(work)
        return Membership(set_id=set_id, assessor_id=assessor_id, joined=joined, left=None, role=role)

    def set_set_status(self, set_id: str, status: str, on: date | None = None) -> ActionLearningSet:
        """Change a set's status; closing ends the current memberships on ``on`` (default today)."""
        common.check_status(status)
        day = on or date.today()

        def work(tx: ManagedTransaction) -> list[SetRecord]:
            if tx.run(q.SET_STATUS, id=set_id, status=status).single() is None:
                raise NotFound(f"no set with id {set_id!r}")
            if status == "closed":
                tx.run(q.END_CURRENT_MEMBERSHIPS, set_id=set_id, on=day).consume()
            return set_records(tx, [set_id])

        return self._write(work)[0].set

    def active_set_counts(self, assessor_ids: Sequence[str]) -> dict[str, int]:
        """Each given assessor's active set count (unknown ids count 0)."""
        ids = sorted(set(assessor_ids))
        counts = self._read(lambda tx: {r["id"]: r["n"] for r in tx.run(q.ACTIVE_SET_COUNTS, ids=ids)}) if ids else {}
        return {i: counts.get(i, 0) for i in ids}

    def vacancy_candidates(self, set_id: str, source: str, limit: int = 200) -> list[PoolMember]:
        """Assessors who could fill a vacancy in the set without moving anyone (most shared focus themes first, then id)."""
        statement = q.VACANCY_CANDIDATES.get(source)
        if statement is None:
            raise Invalid(f"source must be one of {', '.join(CANDIDATE_SOURCES)}, got {source!r}")
        limit = clamp_limit(limit)

        def work(tx: ManagedTransaction) -> list[PoolMember]:
            s = tx.run(q.SET_PROGRAMME, set_id=set_id).single()
            if s is None:
                raise NotFound(f"no set with id {set_id!r}")
            max_per_org = s["max_per_organisation"] or 1
            rows = tx.run(statement, set_id=set_id, slot=s["slot"], max_per_organisation=max_per_org, limit=limit, today=today())
            return [to_pool_member(r) for r in rows]

        return self._read(work)

    def enrolment_candidates(self, programme_id: str, criteria: CandidateFilter, limit: int = CANDIDATES_MAX) -> list[PoolMember]:
        """Findable people not yet enrolled who match ``criteria``, by organisation name, name and id."""
        if criteria.slot is not None and not availability.is_slot(criteria.slot):
            raise Invalid(f"unknown weekly slot {criteria.slot!r}")
        limit = max(1, min(int(limit), CANDIDATES_MAX))

        def work(tx: ManagedTransaction) -> list[PoolMember]:
            need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
            rows = tx.run(
                q.ENROLMENT_CANDIDATES,
                programme_id=programme_id,
                orgs=list(criteria.organisation_ids) or None,
                kinds=list(criteria.kinds) or None,
                region=criteria.region,
                slot=criteria.slot,
                exp_min=criteria.experience_min,
                exp_max=criteria.experience_max,
                not_in_set=criteria.not_in_set,
                limit=limit,
                today=today(),
            )
            return [to_pool_member(r) for r in rows]

        return self._read(work)

    # -- proposals ------------------------------------------------------------------------

    def save_proposal(self, proposal: ProposalRecord) -> ProposalRecord:
        """Store a new proposal (version 1, open); :class:`Conflict` if the id exists, :class:`NotFound` without the programme."""
        now = datetime.now(UTC)
        props = stored_props(
            {
                "id": proposal.id,
                "programme_id": proposal.programme_id,
                "payload": proposal.payload,
                "version": 1,
                "status": "open",
                "created_by": proposal.created_by,
                "created_at": now,
                "updated_at": now,
                "committed_set_ids": [],
            }
        )
        record = self._write(
            lambda tx: tx.run(q.SAVE_PROPOSAL, programme_id=proposal.programme_id, props=props).single(),
            conflict=f"proposal {proposal.id!r} already exists",
        )
        if record is None:
            raise NotFound(f"no programme with id {proposal.programme_id!r}")
        return _proposal(record["props"])

    def get_proposal(self, proposal_id: str) -> ProposalRecord:
        """The proposal with this id; :class:`NotFound` if none."""
        record = self._read(lambda tx: tx.run(q.GET_PROPOSAL, id=proposal_id).single())
        if record is None:
            raise NotFound(f"no proposal with id {proposal_id!r}")
        return _proposal(record["props"])

    def update_proposal(self, proposal_id: str, payload: str, expected_version: int) -> ProposalRecord:
        """Replace an open proposal's payload, bumping its version; :class:`Conflict` if committed or changed meanwhile."""
        now = datetime.now(UTC)

        def work(tx: ManagedTransaction) -> ProposalRecord:
            state = tx.run(q.LOCK_PROPOSAL_STATE, id=proposal_id).single()
            if state is None:
                raise NotFound(f"no proposal with id {proposal_id!r}")
            if state["status"] != "open":
                raise Conflict(f"proposal {proposal_id} is already committed")
            if state["version"] != expected_version:
                raise Conflict(f"proposal {proposal_id} changed meanwhile (version {state['version']}, not {expected_version}); reload it")
            props = tx.run(q.UPDATE_PROPOSAL_LEAN, id=proposal_id, payload=payload, now=now).single(strict=True)["props"]
            return _proposal({**props, "payload": payload})

        return self._write(work)

    def list_proposals(self, programme_id: str) -> list[ProposalRecord]:
        """The programme's proposals, newest first; :class:`NotFound` if the programme is missing."""

        def work(tx: ManagedTransaction) -> list[ProposalRecord]:
            need(tx, q.EXISTS_PROGRAMME, programme_id, "programme")
            return [_proposal(r["props"]) for r in tx.run(q.LIST_PROPOSALS, programme_id=programme_id)]

        return self._read(work)

    def delete_proposal(self, proposal_id: str) -> None:
        """Delete a proposal; :class:`NotFound` if none."""
        record = self._write(lambda tx: tx.run(q.DELETE_PROPOSAL, id=proposal_id).single(strict=True))
        if record["deleted"] == 0:
            raise NotFound(f"no proposal with id {proposal_id!r}")

    def keep_proposal_version(self, kept: ProposalVersion) -> ProposalVersion:
        """Keep a version of a proposal; :class:`NotFound` without the proposal, :class:`Conflict` if kept already."""
        if not kept.snapshot:
            raise Invalid("a kept version needs its snapshot")
        props = stored_props(
            {
                "proposal_id": kept.proposal_id,
                "version": kept.version,
                "label": kept.label,
                "snapshot": kept.snapshot,
                "made_by": kept.made_by,
                "made_at": datetime.now(UTC),
            }
        )

        def work(tx: ManagedTransaction) -> ProposalVersion:
            record = tx.run(q.KEEP_VERSION, id=kept.proposal_id, props=props).single(strict=True)
            if not record["found"]:
                raise NotFound(f"no proposal with id {kept.proposal_id!r}")
            if record["kept_already"]:
                raise Conflict(f"version {kept.version} of proposal {kept.proposal_id!r} is kept already")
            return _version(props)

        return self._write(work)

    def proposal_versions(self, proposal_id: str) -> list[ProposalVersion]:
        """The proposal's kept versions, oldest first, without snapshots; :class:`NotFound` if there is no such proposal."""

        def work(tx: ManagedTransaction) -> list[ProposalVersion]:
            if tx.run(q.PROPOSAL_EXISTS, id=proposal_id).single() is None:
                raise NotFound(f"no proposal with id {proposal_id!r}")
            return [_version(r) for r in tx.run(q.LIST_VERSIONS, id=proposal_id)]

        return self._read(work)

    def get_proposal_version(self, proposal_id: str, version: int) -> ProposalVersion:
        """One kept version with its snapshot; :class:`NotFound` if not kept."""
        record = self._read(lambda tx: tx.run(q.GET_VERSION, id=proposal_id, version=version).single())
        if record is None:
            raise NotFound(f"proposal {proposal_id!r} has no kept version {version}")
        return _version(record["props"])

"""Area port of :class:`graph.port.GraphStore`: programmes, enrolment, action learning sets and memberships (with ``joined``/``left``).

Semantics every adapter keeps (``tests/graph/test_store_sets.py`` checks them on both):

* A membership is *current* while its ``left`` is empty. An assessor's **active set count**
  (what ``capacity`` limits) counts their current memberships of sets that are not ``closed``.
* Within one programme an assessor is a current member of at most one set.
* :meth:`SetsPort.commit_sets` and :meth:`SetsPort.add_member` re-check enrolment,
  capacity and the programme's rules inside their one write transaction and raise
  :class:`~graph.values.Conflict` naming who or what changed; two commits racing for the
  same people are serialised (the Neo4j adapter locks every member in id order first),
  so nobody is ever booked twice.
* Proposals are opaque JSON documents kept for the coordinator workflow (so the app
  servers stay stateless); updates are optimistic: they name the version they replace.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from graph.values import Page
from network.domain import ActionLearningSet, Assessor, Programme

#: Roles a member can hold in a set (the facilitator rotates; see :mod:`network.rota`).
MEMBERSHIP_ROLES: tuple[str, ...] = ("member",)

#: Where repair looks for replacements: the programme's enrolment pool, then the wider network.
CANDIDATE_SOURCES: tuple[str, ...] = ("pool", "network")

#: States of a stored proposal: ``open`` while it is edited, ``committed`` once its sets exist.
PROPOSAL_STATUSES: tuple[str, ...] = ("open", "committed")

#: Kinds of tie :meth:`SetsPort.load_pool` reports between pool members.
TIE_KINDS: tuple[str, ...] = ("contact", "set_mate", "former_set_mate")


@dataclass(frozen=True, slots=True)
class Enrolment:
    """``(Assessor)-[:ENROLLED_IN {on}]->(Programme)``: the assessor is in the programme's pool."""

    assessor_id: str
    programme_id: str
    enrolled_on: date | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """``(Assessor)-[:MEMBER_OF {role, joined, left}]->(Set)``; current while ``left`` is ``None``."""

    set_id: str
    assessor_id: str
    joined: date
    left: date | None = None
    role: str = "member"

    @property
    def current(self) -> bool:
        """True while the assessor has not left the set."""
        return self.left is None


@dataclass(frozen=True, slots=True)
class SetRecord:
    """A stored set with all its memberships (current and former) in (joined, assessor id) order."""

    set: ActionLearningSet
    members: tuple[Membership, ...] = ()

    @property
    def id(self) -> str:
        return self.set.id

    @property
    def current_member_ids(self) -> tuple[str, ...]:
        """Ids of the members who have not left, in (joined, id) order."""
        return tuple(m.assessor_id for m in self.members if m.current)

    @property
    def former_member_ids(self) -> tuple[str, ...]:
        """Ids of the members who have left, in (joined, id) order."""
        return tuple(m.assessor_id for m in self.members if not m.current)


@dataclass(frozen=True, slots=True)
class NewSet:
    """A set to create by :meth:`SetsPort.commit_sets`: the set (its ``theme_ids`` become FOCUSES_ON) and its members."""

    set: ActionLearningSet
    member_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PoolMember:
    """What set formation and repair need to know of one candidate, read in one transaction."""

    assessor: Assessor
    organisation_id: str | None = None
    organisation_kind: str | None = None
    themes: tuple[tuple[str, str], ...] = ()  # (theme id, level) in theme-id order
    active_sets: int = 0
    enrolled_on: date | None = None

    @property
    def capacity_left(self) -> int:
        """How many more sets the assessor can join (never below 0)."""
        return max(0, self.assessor.capacity - self.active_sets)


@dataclass(frozen=True, slots=True)
class PoolTie:
    """A tie between two pool members (``a_id < b_id``): an accepted contact, current set-mates or former set-mates."""

    a_id: str
    b_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class Pool:
    """A programme's enrolment pool in assessor-id order, with the ties among its members."""

    programme: Programme
    members: tuple[PoolMember, ...] = ()
    ties: tuple[PoolTie, ...] = ()


@dataclass(frozen=True, slots=True)
class ProposalRecord:
    """A stored proposal: an opaque JSON ``payload`` owned by the service layer, versioned for optimistic updates."""

    id: str
    programme_id: str
    payload: str
    version: int = 1
    status: str = "open"
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    committed_set_ids: tuple[str, ...] = field(default=())


#: The most people one search for enrolment candidates returns (a programme's pool is at most a few thousand).
CANDIDATES_MAX = 2000


@dataclass(frozen=True, slots=True)
class CandidateFilter:
    """Who a coordinator is looking for to enrol (issue 17); every part is optional (empty: anyone).

    ``region`` is the assessor's own, else their organisation's; ``slot`` a weekly slot they are free at;
    experience bounds are inclusive years; ``not_in_set``: in no current set of any programme.
    """

    organisation_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    region: str | None = None
    slot: str | None = None
    experience_min: float | None = None
    experience_max: float | None = None
    not_in_set: bool = False


@dataclass(frozen=True, slots=True)
class ProposalVersion:
    """One kept version of a proposal (issue 17): what changed (``label``) and the proposal as it then was (``snapshot``).

    Both are opaque JSON owned by the service layer (ids and numbers only, never names). ``snapshot`` is ``None``
    in a listing (:meth:`SetsPort.proposal_versions`), which need not carry every version's sets.
    """

    proposal_id: str
    version: int
    label: str
    snapshot: str | None = None
    made_by: str | None = None
    made_at: datetime | None = None


class SetsPort(ABC):
    """Programmes, enrolment, action learning sets, memberships (with ``joined``/``left``) and stored proposals."""

    # -- programmes ---------------------------------------------------------

    @abstractmethod
    def create_programme(self, programme: Programme) -> Programme:
        """Store a new programme; :class:`Conflict` if the id exists."""

    @abstractmethod
    def get_programme(self, programme_id: str) -> Programme:
        """The programme with this id; :class:`NotFound` if none."""

    @abstractmethod
    def update_programme(self, programme: Programme) -> Programme:
        """Replace a programme's settings; :class:`NotFound` if none."""

    @abstractmethod
    def update_programme_fields(self, programme_id: str, changes: Mapping[str, Any]) -> Programme:
        """Change some of a programme's settings (any field but ``id``).

        Only the named settings change. In one transaction the programme is locked and read, the
        changes are applied and the whole programme is checked by the domain (e.g. the target size
        between the smallest and largest), and only the stored values that differ are written: a
        concurrent change of other settings is never undone, and for the same setting the last
        write wins. :class:`NotFound` if none; :class:`Invalid` (the message starts with the
        field's name, nothing written) for ``id``, an unknown field or a refused value. Returns
        the programme as now stored.
        """

    @abstractmethod
    def list_programmes(self, limit: int = 50, after: str | None = None) -> Page[Programme]:
        """Programmes in id order, ``limit`` at a time."""

    # -- enrolment ----------------------------------------------------------

    @abstractmethod
    def enrol(self, programme_id: str, assessor_id: str, on: date | None = None) -> Enrolment:
        """Put the assessor in the programme's pool (``on`` or today).

        :class:`NotFound` if either is missing, :class:`Conflict` if already enrolled.
        """

    @abstractmethod
    def unenrol(self, programme_id: str, assessor_id: str) -> None:
        """Take the assessor out of the pool; :class:`NotFound` if they are not enrolled."""

    @abstractmethod
    def enrolments(self, programme_id: str) -> list[Enrolment]:
        """The programme's pool in assessor-id order; :class:`NotFound` if the programme is missing."""

    @abstractmethod
    def enrolments_of(self, assessor_id: str) -> list[Enrolment]:
        """The programmes the assessor is enrolled in, in programme-id order; :class:`NotFound` if the assessor is missing."""

    @abstractmethod
    def load_pool(self, programme_id: str) -> Pool:
        """The programme and its pool (organisation, kind, themes, active set count of each member) and the ties among them.

        One read transaction. Ties are accepted contacts, current set-mates and former
        set-mates (see ``/tmp/common.md``), one row per pair and kind, in (a, b, kind) order.
        """

    @abstractmethod
    def describe_members(self, assessor_ids: Sequence[str]) -> list[PoolMember]:
        """What formation needs to know of these assessors (as in a pool, no ``enrolled_on``), in id order; unknown ids left out."""

    @abstractmethod
    def ties_among(self, assessor_ids: Sequence[str]) -> list[PoolTie]:
        """The ties (accepted contacts, current and former set-mates) among these assessors, in (a, b, kind) order."""

    # -- sets and memberships -----------------------------------------------

    @abstractmethod
    def commit_sets(
        self,
        programme_id: str,
        sets: Sequence[NewSet],
        joined: date,
        proposal_id: str | None = None,
        proposal_version: int | None = None,
    ) -> list[SetRecord]:
        """Create the sets, their memberships (``joined``) and focus themes in ONE transaction.

        Inside the transaction it re-checks, and raises :class:`Conflict` naming who if any
        fails: each member is still enrolled in the programme, active, below capacity and
        not already a current member of another set of this programme. :class:`Conflict`
        for an existing set id or a proposal already committed or changed since
        ``proposal_version``; :class:`NotFound` for a missing programme, assessor or theme;
        :class:`Invalid` for a member listed twice. With ``proposal_id``, that proposal is
        marked ``committed`` in the same transaction.
        """

    @abstractmethod
    def get_set(self, set_id: str) -> SetRecord:
        """The set with all its memberships; :class:`NotFound` if none."""

    @abstractmethod
    def sets_of_programme(self, programme_id: str) -> list[SetRecord]:
        """The programme's sets in id order; :class:`NotFound` if the programme is missing."""

    @abstractmethod
    def sets_of_assessor(self, assessor_id: str, current_only: bool = True) -> list[SetRecord]:
        """Sets the assessor is (or, with ``current_only=False``, ever was) a member of, in id order."""

    @abstractmethod
    def members_of(self, set_id: str, current_only: bool = False) -> list[Membership]:
        """The set's memberships in (joined, assessor id) order; :class:`NotFound` if the set is missing."""

    @abstractmethod
    def end_membership(self, set_id: str, assessor_id: str, left: date) -> Membership:
        """Record that the member left on ``left``; :class:`NotFound` unless a current member, :class:`Invalid` if before ``joined``."""

    @abstractmethod
    def add_member(self, set_id: str, assessor_id: str, joined: date, role: str = "member") -> Membership:
        """Add a member to a set that is not closed (repair), in one transaction that re-checks the rules.

        :class:`Conflict` naming the rule if the assessor is inactive, already a member
        (now or before), at capacity, already in another current set of the programme,
        not available at the set's meeting slot, from an organisation already at the
        programme's per-organisation limit in this set, or the set is full (programme's
        ``set_size_max``) or closed. :class:`NotFound` if the set or assessor is missing.
        """

    @abstractmethod
    def set_set_status(self, set_id: str, status: str, on: date | None = None) -> ActionLearningSet:
        """Change a set's status (forming, active, closed); :class:`NotFound` if none, :class:`Invalid` for an unknown status.

        Closing a set also ends its current memberships on ``on`` (default today), so the
        history of ties knows when they ended.
        """

    @abstractmethod
    def active_set_counts(self, assessor_ids: Sequence[str]) -> dict[str, int]:
        """Each given assessor's active set count (unknown ids count 0)."""

    @abstractmethod
    def vacancy_candidates(self, set_id: str, source: str, limit: int = 200) -> list[PoolMember]:
        """Assessors who could fill a vacancy in the set without moving anyone, best first by id.

        ``source`` is ``"pool"`` (enrolled in the set's programme) or ``"network"``
        (findable assessors not enrolled). Everyone returned is active, not a member of
        the set now or before, below capacity, not in another current set of the
        programme, available at the set's meeting slot (if it has one) and from an
        organisation below the programme's per-organisation limit in the set; at most
        ``limit`` in assessor-id order. :class:`NotFound` if the set is missing.
        """

    @abstractmethod
    def enrolment_candidates(self, programme_id: str, criteria: CandidateFilter, limit: int = CANDIDATES_MAX) -> list[PoolMember]:
        """People who could be enrolled in the programme and match ``criteria`` (issue 17): active, findable (opted in and
        not paused today) and not enrolled yet; by organisation name (no organisation first), then name, then id; at most
        ``limit`` (1..:data:`CANDIDATES_MAX`). :class:`NotFound` if the programme is missing, :class:`Invalid` for an
        unknown slot."""

    # -- proposals ----------------------------------------------------------

    @abstractmethod
    def save_proposal(self, proposal: ProposalRecord) -> ProposalRecord:
        """Store a new proposal (version 1, status open, timestamps set).

        :class:`Conflict` if the id exists, :class:`NotFound` if the programme is missing.
        """

    @abstractmethod
    def get_proposal(self, proposal_id: str) -> ProposalRecord:
        """The proposal with this id; :class:`NotFound` if none."""

    @abstractmethod
    def update_proposal(self, proposal_id: str, payload: str, expected_version: int) -> ProposalRecord:
        """Replace an open proposal's payload, bumping its version; :class:`Conflict` if committed or not at ``expected_version``."""

    @abstractmethod
    def list_proposals(self, programme_id: str) -> list[ProposalRecord]:
        """The programme's proposals, newest first (then by id); :class:`NotFound` if the programme is missing."""

    @abstractmethod
    def delete_proposal(self, proposal_id: str) -> None:
        """Delete a proposal (and its kept versions); :class:`NotFound` if none."""

    @abstractmethod
    def keep_proposal_version(self, kept: ProposalVersion) -> ProposalVersion:
        """Keep a version of a proposal (``made_at`` set now); :class:`NotFound` without the proposal, :class:`Conflict` if that
        version is kept already, :class:`Invalid` without a snapshot."""

    @abstractmethod
    def proposal_versions(self, proposal_id: str) -> list[ProposalVersion]:
        """The proposal's kept versions, oldest first, without their snapshots; :class:`NotFound` if there is no such proposal."""

    @abstractmethod
    def get_proposal_version(self, proposal_id: str, version: int) -> ProposalVersion:
        """One kept version with its snapshot; :class:`NotFound` if the proposal or that version is not kept."""

"""Area port of :class:`graph.port.GraphStore`: requests to join existing sets, their decisions, and the one-transaction join.

Semantics every adapter keeps (``tests/graph/test_store_joins.py`` checks them on both):

* A join request is ``requested`` until it is ``accepted`` (by the programme's coordinator, or
  automatically), ``declined`` (by the coordinator) or ``withdrawn`` (by the assessor). Only a
  ``requested`` one can be decided. At most one ``requested`` request per assessor and set.
* A declined request is remembered: the assessor cannot ask to join that set again, and the set is
  never among their :meth:`JoinsPort.set_candidates`.
* Creating a request and accepting one both re-check every hard rule inside their one write
  transaction (:func:`join_problem`); accepting writes the membership and the decision together,
  after locking the assessor and then the set (the order ``add_member`` uses), so two people can
  never take the last place: the second is refused with the rule it breaks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph import sets_common
from graph.port_sets import PoolMember, SetRecord
from network.domain import Programme

#: States of a join request.
JOIN_STATUSES: tuple[str, ...] = ("requested", "accepted", "declined", "withdrawn")
#: Decisions that end a request.
DECISIONS: tuple[str, ...] = ("accepted", "declined", "withdrawn")
#: ``decided_by`` of a request accepted by the programme's ``automatic`` join policy.
AUTOMATIC = "automatic"
#: Set statuses that take new members.
JOINABLE_SET_STATUSES: tuple[str, ...] = ("forming", "active")
#: Why :meth:`JoinsPort.set_candidates` found nothing for this assessor whatever the sets.
BLOCKED_CODES: tuple[str, ...] = ("inactive", "paused", "at_capacity")
#: Longest message an assessor may send with a request, and longest note of a decision.
MAX_MESSAGE = 1000


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """An assessor's request to join a set; ``decided_by`` is a user id, or ``"automatic"``."""

    id: str
    set_id: str
    assessor_id: str
    programme_id: str | None = None
    status: str = "requested"
    message: str = ""
    requested_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class CandidateSet:
    """A set that could take the assessor: the set with its memberships, its programme, its current members' features.

    ``tied_ids`` are the current members already tied to the assessor (accepted contacts, current
    or former set-mates); ``shared_focus`` counts the set's focus themes the assessor works on.
    """

    record: SetRecord
    programme: Programme
    members: tuple[PoolMember, ...]
    tied_ids: tuple[str, ...] = ()
    shared_focus: int = 0


@dataclass(frozen=True, slots=True)
class SetCandidates:
    """What :meth:`JoinsPort.set_candidates` returns: the assessor's features, and the candidate sets (best focus match first, then id).

    ``blocked`` is a :data:`BLOCKED_CODES` code when no set can take the assessor whatever the
    sets (inactive, paused, at capacity); then ``sets`` is empty.
    """

    seeker: PoolMember
    sets: tuple[CandidateSet, ...] = ()
    blocked: str | None = None


def join_problem(r: dict[str, Any]) -> str | None:
    """Why the assessor cannot join the set now (the first rule broken, in words), or ``None``.

    ``r`` holds what the adapter read inside its transaction: the keys of
    :func:`graph.sets_common.add_member_problem` (set status, membership now or before, active,
    capacity, a set of the same programme, meeting slot, organisation count, size) plus
    ``paused``, ``declined`` (a declined request for this set), ``programme_status`` and
    ``programme_id``. The set's own rules are the sets area's, so a repair and a join are refused
    with the same words.
    """
    who, where = r["assessor_id"], r["set_id"]
    if r["programme_id"] is None:
        return f"set {where} belongs to no programme, so nobody can ask to join it"
    if r["programme_status"] == "closed":
        return f"the programme of set {where} is closed"
    if r["declined"]:
        return f"{who} asked to join set {where} before and was declined"
    problem = sets_common.add_member_problem(r)
    if problem is not None:
        return problem
    if r["paused"]:
        return f"{who} has paused Bridgework"
    return None


class JoinsPort(ABC):
    """Requests to join existing sets, their decisions, the one-transaction join, and the sets an assessor could join."""

    @abstractmethod
    def set_candidates(self, assessor_id: str, limit: int = 200) -> SetCandidates:
        """The sets that could take the assessor, with what ranking needs, in one read transaction.

        A set is a candidate when it is forming or active, belongs to a programme that is not
        closed, has fewer current members than the programme's ``set_size_max``, meets at a slot
        in the assessor's availability (or has no meeting slot yet), has fewer current members
        from the assessor's organisation than the programme's ``max_per_organisation``, is not a
        set the assessor is or was in, has no ``requested`` or ``declined`` request of theirs, and
        is not in a programme where they are a current member of another set. Nobody paused,
        inactive or at capacity gets candidates (``blocked`` says which). At most ``limit`` sets,
        most shared focus themes first, then by id. :class:`NotFound` if the assessor is missing.
        """

    @abstractmethod
    def open_programmes(self, assessor_id: str, limit: int = 50) -> list[Programme]:
        """Open programmes in the assessor's region that they are not enrolled in, by id.

        The region is the assessor's own, else their employer's; a programme with no region is
        open to every region.

        :class:`NotFound` if the assessor is missing.
        """

    @abstractmethod
    def request_join(self, request: JoinRequest, *, accept: bool = False, joined: date | None = None) -> JoinRequest:
        """Store a new request (status ``requested``, ``requested_at`` now) in one transaction that re-checks :func:`join_problem`.

        With ``accept`` (the programme's automatic policy) the membership (``joined``, default
        today) is written in the same transaction and the request stored ``accepted`` by
        :data:`AUTOMATIC`. :class:`Invalid` naming the rule when one is broken (nothing written);
        :class:`Conflict` if the assessor already has a ``requested`` request for the set or the id
        exists; :class:`NotFound` for a missing set or assessor.
        """

    @abstractmethod
    def decide_join(
        self, request_id: str, decision: str, *, decided_by: str | None, joined: date | None = None, note: str = ""
    ) -> JoinRequest:
        """Decide a ``requested`` request: ``accepted``, ``declined`` or ``withdrawn``, in one transaction.

        Accepting locks the assessor and then the set, re-checks :func:`join_problem` and writes
        the membership (``joined``, default today) and the decision together; :class:`Conflict`
        naming the rule if one is broken now (nothing written). :class:`Conflict` if the request
        was already decided; :class:`Invalid` for an unknown decision; :class:`NotFound` if none.
        """

    @abstractmethod
    def join_check(self, set_id: str, assessor_id: str) -> str | None:
        """Why the assessor could not join the set now (:func:`join_problem`, read in one transaction), or ``None``.

        A read for display (the coordinator sees which waiting requests could be accepted); the
        write that accepts checks again under its locks. :class:`NotFound` for a missing set or assessor.
        """

    @abstractmethod
    def get_join_request(self, request_id: str) -> JoinRequest:
        """The request with this id; :class:`NotFound` if none."""

    @abstractmethod
    def join_requests_of_programme(self, programme_id: str, status: str | None = None) -> list[JoinRequest]:
        """Requests to join the programme's sets (of one status, if given), oldest first then by id; :class:`NotFound` if no programme."""

    @abstractmethod
    def join_requests_of_assessor(self, assessor_id: str, status: str | None = None) -> list[JoinRequest]:
        """The assessor's requests (of one status, if given), newest first then by id; :class:`NotFound` if no assessor."""

"""Enrolment: putting people in a programme's pool and taking them out, one use case for every door.

The JSON API (one person), the programme page (a ticked batch), the join pages (an assessor
enrolling themselves in an open programme) and ``bridgework enrol`` (a list of ids) all call
:func:`enrol` and :func:`unenrol`. A batch is all or nothing: everyone is checked before anyone
is enrolled, the enrolments and their audit entry are written in ONE unit of work, and a write
the store refuses for one person (someone enrolled them meanwhile) leaves nobody enrolled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date

from api.services import accounts
from api.services.usecase import use_case
from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_sets import Enrolment, PoolMember
from network.domain import Assessor


class EnrolmentProblems(Exception):
    """What stops a batch from being enrolled, found before anything was written.

    ``unknown``: ids no assessor has. ``already``: ids already in the pool, and ``already_names``
    their names (in the same order), for messages people read.
    """

    def __init__(self, message: str, unknown: Sequence[str] = (), already: Sequence[str] = (), already_names: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.unknown, self.already, self.already_names = tuple(unknown), tuple(already), tuple(already_names)

    def problems(self) -> list[str]:
        """The problems in plain words, one sentence each."""
        out = []
        if self.unknown:
            out.append("No assessor has the id " + ", ".join(self.unknown) + ".")
        if self.already:
            out.append("Already enrolled: " + ", ".join(self.already_names) + ".")
        return out


class UnknownAssessors(EnrolmentProblems, NotFound):
    """Some ids name no assessor (404); nobody was enrolled."""


class AlreadyEnrolled(EnrolmentProblems, Conflict):
    """Some people are already in the pool (409); nobody was enrolled."""


def asked_to_join(store: GraphStore, programme_id: str) -> set[str]:
    """The people who asked to be in the programme: they enrolled themselves, or asked to join one of its sets.

    Such a person may be enrolled and shown to the programme's coordinators even when they are not findable.
    """
    asked = {r.assessor_id for r in store.join_requests_of_programme(programme_id)}
    after: str | None = None
    users: dict[str, str | None] = {}
    while True:
        page = store.list_audit(limit=200, after=after, action="enrolments:add", target_id=programme_id)
        for entry in page.items:
            if entry.actor_id is None:
                continue
            if entry.actor_id not in users:
                try:
                    users[entry.actor_id] = store.get_user(entry.actor_id).assessor_id
                except NotFound:  # the login was deleted (or erased)
                    users[entry.actor_id] = None
            own = users[entry.actor_id]
            if own is not None and own in (entry.details or {}).get("assessor_ids", ()):
                asked.add(own)
        if page.next_after is None:
            return asked
        after = page.next_after


def visible_to_coordinators(assessor: Assessor, asked: Collection[str]) -> bool:
    """Whether a programme's coordinators may see and enrol ``assessor``: active, and findable or asked to join.

    People who chose not to be found, are paused or inactive are never shown to a coordinator unless they
    asked to be in the programme (``asked``, from :func:`asked_to_join`); inactive people never.
    """
    return assessor.active and (assessor.findable or assessor.id in asked)


def _ids(assessor_ids: Sequence[str]) -> list[str]:
    if isinstance(assessor_ids, str):
        raise TypeError("assessor_ids is a sequence of ids, not one id")
    wanted = list(dict.fromkeys(assessor_ids))
    if not wanted:
        raise Invalid("name at least one assessor")
    return wanted


def _names(store: GraphStore, ids: Sequence[str]) -> list[str]:
    found = {p.assessor.id: p.assessor.name for p in store.describe_members(list(ids))} if ids else {}
    return [found.get(i, i) for i in ids]


@use_case
def enrol(
    store: GraphStore,
    programme_id: str,
    assessor_ids: Sequence[str],
    *,
    on: date | None = None,
    actor_id: str | None,
    open_only: bool = False,
    skip_enrolled: bool = False,
    visible_only: Collection[str] = (),
) -> list[Enrolment]:
    """Put everyone in ``assessor_ids`` in the programme's pool (on ``on``, default today), all or nothing.

    Everyone is checked before anyone is enrolled: :class:`NotFound` for a missing programme,
    :class:`UnknownAssessors` (404) naming ids no assessor has, :class:`AlreadyEnrolled` (409) naming
    those already in the pool (with ``skip_enrolled`` they are left as they are instead),
    :class:`Invalid` for an empty list or, with ``open_only`` (an assessor enrolling themselves), a
    programme that is not open. A concurrent enrolment of one of them refuses the whole batch.
    Audited once as ``enrolments:add`` with the ids enrolled. Returns the new enrolments, in the order asked.

    ``visible_only`` names the ids the caller may enrol only if a coordinator may see them
    (:func:`visible_to_coordinators`: the doors pass every id but the caller's own and those of
    organisations they administer); the others are refused as :class:`UnknownAssessors`, in the
    same words as ids no assessor has (to the caller they are not there), so guessing ids tells nothing.
    """
    wanted = _ids(assessor_ids)
    programme = store.get_programme(programme_id)
    if open_only and programme.status != "open":
        raise Invalid(f"programme {programme.name} is {programme.status}, not open for enrolment")
    known = store.existing_ids("Assessor", wanted)
    must_show = [i for i in wanted if i in known and i in set(visible_only)]
    if must_show:
        asked = asked_to_join(store, programme_id)
        shown = {p.assessor.id for p in store.describe_members(must_show) if visible_to_coordinators(p.assessor, asked)}
        known = {i for i in known if i not in must_show or i in shown}
    unknown = [i for i in wanted if i not in known]
    pool = {e.assessor_id for e in store.enrolments(programme_id)}
    already = [i for i in wanted if i in pool and i in known]
    if unknown:
        raise UnknownAssessors(f"no assessor has the id {', '.join(unknown)}", unknown, already, _names(store, already))
    if already and not skip_enrolled:
        names = _names(store, already)
        raise AlreadyEnrolled(f"already enrolled in {programme.name}: {', '.join(names)}", (), already, names)
    day = on or date.today()
    enrolled = [store.enrol(programme_id, assessor_id, on=day) for assessor_id in wanted if assessor_id not in pool]
    if enrolled:
        details = {"assessor_ids": [e.assessor_id for e in enrolled], "on": day.isoformat()}
        accounts.audit(store, "enrolments:add", "programme", programme_id, actor_id, details)
    return enrolled


@use_case
def unenrol(store: GraphStore, programme_id: str, assessor_ids: Sequence[str], *, actor_id: str | None) -> None:
    """Take everyone in ``assessor_ids`` out of the programme's pool, all or nothing; audited as ``enrolments:remove``.

    :class:`NotFound` (nobody taken out) if one of them is not enrolled. Their sets, if any, do not change.
    """
    wanted = _ids(assessor_ids)
    for assessor_id in wanted:
        store.unenrol(programme_id, assessor_id)
    accounts.audit(store, "enrolments:remove", "programme", programme_id, actor_id, {"assessor_ids": wanted})


def shown_to_coordinators(
    store: GraphStore, programme_id: str, members: Sequence[PoolMember], sees_hidden: Callable[[PoolMember], bool]
) -> list[PoolMember]:
    """The pool ``members`` a coordinator is shown: those :func:`visible_to_coordinators`, and those ``sees_hidden`` says the
    caller may see anyway (themself, people of an organisation they administer, everyone for an admin)."""
    asked: set[str] | None = None
    shown = []
    for p in members:
        if not sees_hidden(p):
            if asked is None:
                asked = asked_to_join(store, programme_id)
            if not visible_to_coordinators(p.assessor, asked):
                continue
        shown.append(p)
    return shown

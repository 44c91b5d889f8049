"""What each person sees first after signing in (issue 17): one part per role they hold, read in words.

* assessor: the next meeting, requests waiting for them, new peer suggestions, questionnaires due;
* coordinator: their programmes by state, sets at risk, requests to join waiting for a decision;
* organisation admin: the organisation's reach in figures and its isolated people, each with an action;
* admin: the size of the network and the latest changes from the audit log.

Reads only; every figure comes from the same services the detailed pages use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from api.services import auditlog, joins, meetings, outcomes, suggestions
from graph.port import GraphStore, NotFound, StoreError
from network.domain import Organisation, Programme
from network.reach import IsolatedAssessor


@dataclass(frozen=True, slots=True)
class NextMeeting:
    set_id: str
    set_name: str
    on: date
    slot: str
    number: int


@dataclass
class AssessorHome:
    next_meeting: NextMeeting | None
    contact_requests: list[str]
    join_requests: list[str]
    suggestions: list[str]
    questionnaires: list[tuple[str, str, str]]  # programme id, programme name, wave


@dataclass
class ProgrammeLine:
    programme: Programme
    sets: int
    at_risk: int
    waiting: int


@dataclass
class CoordinatorHome:
    by_state: dict[str, list[ProgrammeLine]] = field(default_factory=dict)

    @property
    def at_risk(self) -> int:
        return sum(p.at_risk for lines in self.by_state.values() for p in lines)

    @property
    def waiting(self) -> int:
        return sum(p.waiting for lines in self.by_state.values() for p in lines)


@dataclass
class OrganisationHome:
    organisation: Organisation
    assessors: int
    in_active_set: int
    reached: int
    regions: int
    isolated_count: int
    isolated: list[IsolatedAssessor]


def assessor_home(store: GraphStore, assessor_id: str, today: date) -> AssessorHome:
    """The assessor's part of the home page."""
    upcoming: list[NextMeeting] = []
    for record in store.sets_of_assessor(assessor_id):
        for m in store.meetings_of_set(record.id):
            if m.on >= today:
                upcoming.append(NextMeeting(record.id, record.set.name, m.on, m.slot, m.number))
                break
    upcoming.sort(key=lambda n: n.on)
    names = meetings.names_of(store, [c.from_id for c in store.contacts_of(assessor_id, status="requested") if c.to_id == assessor_id])
    asked = [r.set_name for r in joins.assessor_requests(store, assessor_id, status="requested")]
    try:
        found = [s.name for s in suggestions.suggestions_for(store, assessor_id, limit=3).items]
    except StoreError:
        found = []
    due = [
        (q.programme.id, q.programme.name, q.window.wave) for q in outcomes.my_questionnaires(store, assessor_id, today) if q.answer is None
    ]
    return AssessorHome(upcoming[0] if upcoming else None, sorted(names.values()), asked, found, due)


def coordinator_home(store: GraphStore, programme_ids: Sequence[str], today: date) -> CoordinatorHome:
    """The coordinator's programmes grouped by state (in lifecycle order), with sets at risk and requests waiting."""
    home = CoordinatorHome()
    for programme_id in programme_ids:
        try:
            programme = store.get_programme(programme_id)
        except NotFound:
            continue
        set_count = len(store.sets_of_programme(programme_id))
        at_risk = len(meetings.programme_health(store, programme_id, today).at_risk) if programme.status == "running" else 0
        waiting = len(joins.programme_requests(store, programme_id, status="requested"))
        home.by_state.setdefault(programme.status, []).append(ProgrammeLine(programme, set_count, at_risk, waiting))
    order = ("draft", "open", "forming", "running", "closed")
    home.by_state = {s: sorted(home.by_state[s], key=lambda p: p.programme.name) for s in order if s in home.by_state}
    return home


def organisation_home(store: GraphStore, organisation_id: str, isolated_shown: int = 5) -> OrganisationHome | None:
    """One organisation's reach in figures and its longest-isolated people (``None`` if it no longer exists)."""
    try:
        figures = store.organisation_reach(organisation_id, hops=1)
    except NotFound:
        return None
    return OrganisationHome(
        organisation=figures.organisation,
        assessors=figures.assessors,
        in_active_set=figures.in_active_set,
        reached=len(figures.reached),
        regions=len(figures.regions_reached),
        isolated_count=figures.isolated_count,
        isolated=list(figures.isolated[:isolated_shown]),
    )


@dataclass
class AdminHome:
    counts: dict[str, int]
    recent: list[auditlog.Line]


def admin_home(store: GraphStore, recent: int = 8) -> AdminHome:
    """The size of the network and the latest changes, in words."""
    return AdminHome(dict(store.counts()), auditlog.lines(store, store.list_audit(limit=recent).items))

"""Joining existing sets (issue 9): set suggestions for an assessor, open programmes, join requests and their decisions.

Shared by the JSON API, the CLI and the pages; nothing here knows Flask. Each use case is a few
store calls around a pure engine, in the order STYLE asks for:

* :func:`set_suggestions` reads the candidate sets the store found by the hard rules
  (:meth:`graph.port_joins.JoinsPort.set_candidates`), asks the reach area which of the people
  involved are isolated (one definition of isolation across the product), and ranks the sets with
  :func:`network.set_suggestions.suggest_sets` (the formation objective).
* :func:`request_join` stores a request in one transaction that re-checks every rule; under a
  programme's ``automatic`` join policy the same transaction writes the membership. It records
  :class:`~network.events.JoinAsked` (the programme's coordinators are told), or under the
  automatic policy :class:`~network.events.JoinDecided` and :class:`~network.events.PlacedInSet`.
* :func:`decide` accepts or declines: accepting writes the membership in one transaction that
  re-checks every rule (the last place cannot be taken twice). It records
  :class:`~network.events.JoinDecided` (the asker is told) and, on acceptance,
  :class:`~network.events.PlacedInSet`: the dispatcher (:mod:`api.services.dispatch`) tells the
  set's members and re-plans its future rota turns. A declined request is remembered by the store:
  that set is never suggested to that person again.

Both are use cases (:func:`api.services.usecase.use_case`): the request or decision, its audit
entry, the re-planned rota and the notices commit in one unit of work, or none of them does.
Enrolling in an open programme is :func:`api.services.enrolment.enrol` (``open_only``).

Errors: the port's (:class:`NotFound` 404, :class:`Conflict` 409, :class:`Invalid` 422) leave this
module. A request that breaks a rule (a full set, the organisation's limit reached, already a
member) is :class:`Invalid`: bad input, nothing written. Accepting a request that breaks a rule
*now* (someone took the last place meanwhile) is :class:`Conflict`, naming the rule.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from api.services import accounts
from api.services.sets import theme_names as all_theme_names
from api.services.sets import to_member
from api.services.usecase import record as record_event
from api.services.usecase import use_case
from graph.port import GraphStore, Invalid, NotFound
from graph.port_joins import MAX_MESSAGE, CandidateSet, JoinRequest
from graph.port_sets import PoolMember
from network import availability, words
from network.domain import Programme
from network.events import JoinAsked, JoinDecided, PlacedInSet
from network.formation import Member, Rules, Weights
from network.set_suggestions import OpenSet, SetSuggestions, notice, suggest_sets

log = logging.getLogger(__name__)

#: Candidate sets read from the store before ranking (every candidate at the working size of ~300 sets).
SCAN = 300
#: Most suggestions one request may ask for.
MAX_LIMIT = 50


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuggestionsView:
    """Ranked sets for one assessor, with the theme names their reasons use and what the page needs to show them."""

    assessor_id: str
    result: SetSuggestions
    theme_names: Mapping[str, str] = field(default_factory=dict)
    blocked: str | None = None


def _rules(programme: Programme) -> Rules:
    """The programme's rules and weights as formation reads them (the same as a formation run's defaults)."""
    return Rules.from_programme(programme, weights=Weights.from_mapping(dict(programme.weights)))


def _member(person: PoolMember, isolated: bool) -> Member:
    """A current member of a candidate set as formation sees them.

    They are in the set already, so capacity is not theirs to spend here: every one counts in the
    programme's pool (``capacity_left`` 1) for theme rarity and the mean experience.
    """
    a = person.assessor
    return Member(
        id=a.id,
        organisation_id=person.organisation_id,
        organisation_kind=person.organisation_kind,
        region=a.region,
        experience_years=a.experience_years,
        availability=a.availability,
        themes=dict(person.themes),
        capacity_left=1,
        isolated=isolated,
    )


def _isolation_needed(assessor_id: str, sets: Sequence[CandidateSet]) -> list[str]:
    """Whom to ask the reach area about: the seeker, and members not already known to be tied across organisations.

    By the one definition of ties, an active member of an ``active`` set with another active
    current member from a different organisation is tied across organisations, so not isolated;
    asking the reach area about them could not change the answer. Everyone else is asked (members
    of forming sets, of single-organisation sets, inactive ones). Same result as asking about all,
    at a fraction of the cost (most candidates are in active mixed sets).
    """
    ask = {assessor_id}
    for c in sets:
        active_set = c.record.set.status == "active"
        for p in c.members:
            crossing = (
                active_set
                and p.assessor.active
                and any(
                    q.assessor.id != p.assessor.id
                    and q.assessor.active
                    and (p.organisation_id is None or q.organisation_id is None or q.organisation_id != p.organisation_id)
                    for q in c.members
                )
            )
            if not crossing:
                ask.add(p.assessor.id)
    return sorted(ask)


def set_suggestions(store: GraphStore, assessor_id: str, limit: int = 10) -> SuggestionsView:
    """The sets the assessor could join, best first, with reasons; :class:`NotFound` for an unknown assessor."""
    if not 0 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
    found = store.set_candidates(assessor_id, limit=SCAN)
    seeker_row = found.seeker
    if found.blocked is not None:
        result = SetSuggestions(assessor_id, (), notice(found.blocked))
        return SuggestionsView(assessor_id, result, blocked=found.blocked)
    isolated = {i for i, iso in store.isolation(_isolation_needed(assessor_id, found.sets)).items() if iso.isolated}
    seeker = to_member(seeker_row, assessor_id in isolated)
    sets = [
        OpenSet(
            id=c.record.id,
            name=c.record.set.name,
            status=c.record.set.status,
            programme_id=c.programme.id,
            programme_name=c.programme.name,
            rules=_rules(c.programme),
            meeting_slot=c.record.set.meeting_slot,
            focus_themes=c.record.set.theme_ids,
            members=tuple(_member(p, p.assessor.id in isolated) for p in c.members),
            tied=frozenset(c.tied_ids),
            join_policy=c.programme.join_policy,
        )
        for c in found.sets
    ]
    names = all_theme_names(store)
    result = suggest_sets(seeker, sets, theme_names=names, limit=limit)
    for set_id, rule in result.dropped:
        log.info("set %s left out of %s's suggestions: %s", set_id, assessor_id, rule)
    return SuggestionsView(assessor_id, result, names)


def open_programmes(store: GraphStore, assessor_id: str, limit: int = 20) -> list[Programme]:
    """Open programmes in the assessor's region (or open to every region) they are not enrolled in."""
    return store.open_programmes(assessor_id, limit=limit)


# -- requests and decisions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestView:
    """A join request with the names people read: who asked, which set, which programme, how full the set is now."""

    request: JoinRequest
    assessor_name: str
    organisation_id: str | None
    organisation_name: str | None
    set_name: str
    programme_name: str | None
    meeting_slot: str | None
    members: int
    size_max: int | None
    #: For a waiting request: the rule accepting it would break now (None: it can be accepted).
    blocked_by: str | None = None

    @property
    def meeting_time(self) -> str | None:
        """The set's meeting slot in words."""
        return None if self.meeting_slot is None else availability.describe_slot(self.meeting_slot)


def _message(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_MESSAGE:
        raise Invalid(f"the message must be at most {MAX_MESSAGE} characters")
    return text


@use_case
def request_join(
    store: GraphStore, set_id: str, assessor_id: str, *, message: str = "", actor_id: str | None = None, today: date | None = None
) -> JoinRequest:
    """Ask to join a set; accepted at once when its programme's join policy is ``automatic`` (every rule holds).

    :class:`Invalid` naming the rule for a full set, the organisation's limit reached, someone
    already in it (and every other rule); :class:`Conflict` for a request already waiting;
    :class:`NotFound` for an unknown set or assessor. Nothing is written on any of these.
    """
    record = store.get_set(set_id)
    if record.set.programme_id is None:
        raise Invalid(f"set {record.set.name} belongs to no programme, so nobody can ask to join it")
    programme = store.get_programme(record.set.programme_id)
    day = today or date.today()
    automatic = programme.join_policy == "automatic"
    request = JoinRequest(id=f"join-{secrets.token_hex(8)}", set_id=set_id, assessor_id=assessor_id, message=_message(message))
    stored = store.request_join(request, accept=automatic, joined=day)
    details = {"request_id": stored.id, "assessor_id": assessor_id, "status": stored.status}
    accounts.audit(store, "joins:request", "set", set_id, actor_id, details)
    # The dispatcher (api.services.dispatch) tells the people concerned and re-plans the rota.
    if stored.status == "accepted":
        record_event(JoinDecided(actor_id, stored.id, set_id, assessor_id, "accepted", automatic=True))
        record_event(PlacedInSet(actor_id, set_id, (assessor_id,), "join", day))
    elif not automatic:
        record_event(JoinAsked(actor_id, stored.id, set_id, assessor_id))
    return stored


@use_case
def decide(
    store: GraphStore, request_id: str, decision: str, *, actor_id: str | None, note: str = "", today: date | None = None
) -> JoinRequest:
    """Accept or decline a waiting request (the coordinator), or withdraw it (the assessor).

    Accepting writes the membership in one transaction that re-checks every rule (:class:`Conflict`
    naming the rule if one is broken now; nothing written), then re-plans the set's future rota
    turns. Declining is remembered: the set is never suggested to that person again.
    """
    if decision not in ("accepted", "declined", "withdrawn"):
        raise Invalid(f"decision must be accepted, declined or withdrawn, got {decision!r}")
    day = today or date.today()
    decided = store.decide_join(request_id, decision, decided_by=actor_id, joined=day, note=_message(note))
    details = {"request_id": request_id, "assessor_id": decided.assessor_id}
    accounts.audit(store, f"joins:{decision}", "set", decided.set_id, actor_id, details)
    # The dispatcher (api.services.dispatch) tells the asker (and, on acceptance, the set) and re-plans the rota.
    record_event(JoinDecided(actor_id, request_id, decided.set_id, decided.assessor_id, decision, note=decided.note or ""))
    if decision == "accepted":
        record_event(PlacedInSet(actor_id, decided.set_id, (decided.assessor_id,), "join", day))
    return decided


def programme_requests(store: GraphStore, programme_id: str, status: str | None = None) -> list[RequestView]:
    """Requests to join the programme's sets (waiting ones first, then the rest, each oldest first), with names."""
    requests = store.join_requests_of_programme(programme_id, status)
    requests.sort(key=lambda r: (r.status != "requested", r.requested_at, r.id))
    return request_views(store, requests)


def assessor_requests(store: GraphStore, assessor_id: str, status: str | None = None) -> list[RequestView]:
    """The assessor's requests, newest first, with set and programme names."""
    return request_views(store, store.join_requests_of_assessor(assessor_id, status))


def request_views(store: GraphStore, requests: Sequence[JoinRequest]) -> list[RequestView]:
    """The requests with the names people read (who asked, which set and programme, how full the set is now)."""
    if not requests:
        return []
    people = {p.assessor.id: p for p in store.describe_members(sorted({r.assessor_id for r in requests}))}
    sets = {}
    for set_id in sorted({r.set_id for r in requests}):
        sets[set_id] = store.get_set(set_id)
    programmes: dict[str, Programme] = {}
    for pid in sorted({r.programme_id for r in requests if r.programme_id}):
        programmes[pid] = store.get_programme(pid)
    org_names: dict[str, str] = {}
    for org_id in sorted({p.organisation_id for p in people.values() if p.organisation_id}):
        try:
            org_names[org_id] = store.get_organisation(org_id).name
        except NotFound:
            pass
    out = []
    for r in requests:
        person: PoolMember | None = people.get(r.assessor_id)
        record = sets[r.set_id]
        programme = programmes.get(r.programme_id or "")
        blocked = None
        if r.status == "requested":
            try:
                blocked = store.join_check(r.set_id, r.assessor_id)
            except NotFound:
                blocked = "the set or the assessor no longer exists"
            else:
                who = person.assessor.name if person else "the assessor"
                blocked = blocked and words.name_ids(blocked, {r.assessor_id: who, f"set {r.set_id}": record.set.name})
        out.append(
            RequestView(
                request=r,
                assessor_name=person.assessor.name if person else "Former assessor",
                organisation_id=person.organisation_id if person else None,
                organisation_name=org_names.get(person.organisation_id or "") if person else None,
                set_name=record.set.name,
                programme_name=programme.name if programme else None,
                meeting_slot=record.set.meeting_slot,
                members=len(record.current_member_ids),
                size_max=programme.set_size_max if programme else None,
                blocked_by=blocked,
            )
        )
    return out

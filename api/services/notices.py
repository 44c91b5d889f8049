"""Who is told of each domain event: the notices an event makes, stored by reference.

:func:`notices_for` is the one table of "event -> the people concerned"; the dispatcher
(:mod:`api.services.dispatch`) stores what it gives in the use case's own unit of work, and the
reminders run checks its reminders with it first. Every notice names people, sets and programmes
by id only (``refs``); :func:`api.services.notify.render` words it when it is read.

=====================  ===========================================================================
event                  who is told
=====================  ===========================================================================
ContactRequested       the person asked
ContactAccepted        the person who asked
PlacedInSet (commit)   each member placed ("You are in <set> of <programme>, meeting <slot>")
PlacedInSet (fill)     the newcomer, and the set's other current members
PlacedInSet (join)     the set's other current members (the newcomer hears by JoinDecided)
LeftSet                the set's remaining current members (their turns were shared out again)
MeetingMoved           every current member except the one who moved it
TurnSwapped            the member(s) of the swap who did not make it (both, if a coordinator did)
JoinAsked              the programme's coordinators (their user accounts)
JoinDecided            the asker, when accepted or declined (nobody for their own withdrawal)
ProgrammeOpened        the programme's other coordinators (the one who opened it knows; assessors
                       find open programmes among their set suggestions, so nobody else is told)
QuestionnaireDue       the member whose questionnaire is due
SetAtRisk              the programme's coordinators (once a week per set and reason)
MeetingDue, TurnDue    the member the reminder is for
=====================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from api.services.notify import Notice, notice_key
from graph.port import GraphStore, NotFound
from network import events as ev
from network.domain import today


class _Lookups:
    """Store reads shared by one batch of events (coordinators, current members, who a user is)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._coordinators: dict[str, list[str]] | None = None
        self._members: dict[str, tuple[str, ...]] = {}
        self._users: dict[str, str | None] = {}

    def coordinators(self, programme_id: str | None) -> list[str]:
        """User ids of the programme's active coordinators."""
        if programme_id is None:
            return []
        if self._coordinators is None:
            found: dict[str, list[str]] = {}
            after: str | None = None
            while True:
                page = self.store.list_users(limit=200, after=after, role="coordinator")
                for u in page.items:
                    if u.active:
                        for p in u.programme_ids:
                            found.setdefault(p, []).append(u.id)
                if page.next_after is None:
                    break
                after = page.next_after
            self._coordinators = found
        return sorted(self._coordinators.get(programme_id, []))

    def members(self, set_id: str) -> tuple[str, ...]:
        """The set's current members (after the change: reads see the unit's own writes)."""
        if set_id not in self._members:
            try:
                self._members[set_id] = tuple(self.store.get_set(set_id).current_member_ids)
            except NotFound:
                self._members[set_id] = ()
        return self._members[set_id]

    def programme_of(self, set_id: str) -> str | None:
        try:
            return self.store.get_set(set_id).set.programme_id
        except NotFound:
            return None

    def assessor_of(self, user_id: str | None) -> str | None:
        """The assessor a user account is (None for the system, or a user who is no assessor)."""
        if user_id is None:
            return None
        if user_id not in self._users:
            try:
                self._users[user_id] = self.store.get_user(user_id).assessor_id
            except NotFound:
                self._users[user_id] = None
        return self._users[user_id]

    def meeting_on(self, meeting_id: str) -> str | None:
        try:
            return self.store.get_meeting(meeting_id).on.isoformat()
        except NotFound:
            return None


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _refs(**values: str | None) -> dict[str, str]:
    return {k.rstrip("_"): v for k, v in values.items() if v}


def _to(assessor_id: str, key: str, kind: str, refs: dict[str, str], link: str | None = None, due_on: date | None = None) -> Notice:
    return Notice(key, None, assessor_id, kind, "", "", link, due_on, refs)


def _to_user(user_id: str, key: str, kind: str, refs: dict[str, str], link: str | None = None) -> Notice:
    return Notice(key, user_id, None, kind, "", "", link, None, refs)


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _one(e: ev.Event, look: _Lookups) -> list[Notice]:  # noqa: C901 - one branch per event, read as the table above
    if isinstance(e, ev.ContactRequested):
        key = notice_key("contact", e.from_id, e.to_id, "requested", today().isoformat())
        return [_to(e.to_id, key, "contact_requested", _refs(**{"from": e.from_id}), "/me/contacts")]
    if isinstance(e, ev.ContactAccepted):
        key = notice_key("contact", e.requester_id, e.by_id, "accepted", today().isoformat())
        return [_to(e.requester_id, key, "contact_accepted", _refs(by=e.by_id), "/me/contacts")]
    if isinstance(e, ev.PlacedInSet):
        link = f"/sets/{e.set_id}"
        on = (e.on or today()).isoformat()
        out: list[Notice] = []
        if e.how != "join":  # a newcomer by join hears of it from the decision (JoinDecided)
            for a in e.assessor_ids:
                key = notice_key("placed", e.set_id, a) if e.how == "commit" else notice_key("placed", e.set_id, a, on)
                out.append(_to(a, key, "placed", _refs(set=e.set_id, how=e.how), link))
        if e.how != "commit":  # a committed set is new: everyone in it was just placed
            newcomers = set(e.assessor_ids)
            for who in e.assessor_ids:
                for m in look.members(e.set_id):
                    if m not in newcomers:
                        out.append(_to(m, notice_key("joined", e.set_id, who, on, m), "member_joined", _refs(set=e.set_id, who=who), link))
        return out
    if isinstance(e, ev.LeftSet):
        on = (e.on or today()).isoformat()
        return [
            _to(
                m,
                notice_key("left", e.set_id, e.assessor_id, on, m),
                "member_left",
                _refs(set=e.set_id, who=e.assessor_id),
                f"/sets/{e.set_id}",
            )
            for m in look.members(e.set_id)
            if m != e.assessor_id
        ]
    if isinstance(e, ev.MeetingMoved):
        mover = look.assessor_of(e.actor_id)
        refs = _refs(set=e.set_id, meeting=e.meeting_id, on=_iso(e.on), slot=e.slot, was_on=_iso(e.was_on), was_slot=e.was_slot, by=mover)
        return [
            _to(
                m,
                notice_key("moved", e.meeting_id, _iso(e.was_on) or "", e.on.isoformat(), e.slot, m),
                "meeting_moved",
                refs,
                f"/sets/{e.set_id}",
            )
            for m in look.members(e.set_id)
            if m != mover
        ]
    if isinstance(e, ev.TurnSwapped):
        actor = look.assessor_of(e.actor_id)
        given, taken = look.meeting_on(e.meeting_id), look.meeting_on(e.other_meeting_id)
        # e.assessor_id gave their turn at meeting_id to other_id and took other_id's at other_meeting_id.
        sides = [(e.other_id, e.assessor_id, given, taken), (e.assessor_id, e.other_id, taken, given)]
        return [
            _to(
                who,
                notice_key("swap", e.meeting_id, e.other_meeting_id, e.kind, today().isoformat(), who),
                "turn_swapped",
                _refs(set=e.set_id, role=e.kind, with_=other, yours_on=yours, theirs_on=theirs),
                f"/sets/{e.set_id}",
            )
            for who, other, yours, theirs in sides
            if who != actor
        ]
    if isinstance(e, ev.JoinAsked):
        programme = look.programme_of(e.set_id)
        link = f"/programmes/{programme}/join-requests" if programme else None
        refs = _refs(request=e.request_id, set=e.set_id, who=e.assessor_id)
        return [
            _to_user(u, notice_key("join", e.request_id, "asked", "user", u), "join_request", refs, link)
            for u in look.coordinators(programme)
        ]
    if isinstance(e, ev.JoinDecided):
        if e.decision not in ("accepted", "declined"):
            return []  # withdrawn by the asker: nobody else is waiting on it
        refs = _refs(request=e.request_id, set=e.set_id, decision=e.decision, note=e.note, automatic="yes" if e.automatic else None)
        link = "/me/sets" if e.decision == "accepted" else "/me/set-suggestions"
        return [_to(e.assessor_id, notice_key("join", e.request_id, "decided"), "join_decided", refs, link)]
    if isinstance(e, ev.ProgrammeOpened):
        return [
            _to_user(
                u,
                notice_key("opened", e.programme_id, today().isoformat(), u),
                "programme_opened",
                _refs(programme=e.programme_id),
                "/programmes",
            )
            for u in look.coordinators(e.programme_id)
            if u != e.actor_id
        ]
    if isinstance(e, ev.QuestionnaireDue):
        key = notice_key("questionnaire", e.programme_id, e.wave, e.assessor_id)
        refs = _refs(programme=e.programme_id, wave=e.wave, closes_on=_iso(e.due_on))
        return [_to(e.assessor_id, key, "questionnaire", refs, "/me/questionnaires", e.due_on)]
    if isinstance(e, ev.SetAtRisk):
        week = _week(e.on or today())
        refs = _refs(set=e.set_id, reason=e.reason, who=e.assessor_id, meeting_on=_iso(e.meeting_on))
        link = f"/programmes/{e.programme_id}/health"
        return [
            _to_user(u, notice_key("risk", e.set_id, e.reason, week, u), "set_at_risk", refs, link)
            for u in look.coordinators(e.programme_id)
        ]
    if isinstance(e, ev.MeetingDue):
        refs = _refs(set=e.set_id, number=str(e.number), on=_iso(e.on), slot=e.slot, video_link=e.video_link)
        key = notice_key("meeting", e.set_id, e.on.isoformat(), e.assessor_id)
        return [_to(e.assessor_id, key, "meeting", refs, f"/sets/{e.set_id}", e.on)]
    if isinstance(e, ev.TurnDue):
        refs = _refs(set=e.set_id, number=str(e.number), role=e.role, on=_iso(e.on), slot=e.slot)
        key = notice_key("turn", e.meeting_id, e.role, e.assessor_id, e.on.isoformat())
        return [_to(e.assessor_id, key, "rota", refs, f"/sets/{e.set_id}", e.on)]
    return []


def notices_for(store: GraphStore, events: Iterable[ev.Event]) -> list[Notice]:
    """The notices these events make, for exactly the people concerned (nobody twice for one event)."""
    look = _Lookups(store)
    out: list[Notice] = []
    seen: set[str] = set()
    for e in events:
        for n in _one(e, look):
            if n.key not in seen:
                seen.add(n.key)
                out.append(n)
    return out


def kinds(notices: Sequence[Notice]) -> dict[str, int]:
    """How many notices of each kind."""
    counts: dict[str, int] = {}
    for n in notices:
        counts[n.kind] = counts.get(n.kind, 0) + 1
    return counts

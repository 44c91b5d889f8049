"""Running sets online (issue 8): stored meetings, turns, moves, attendance, actions, set health and reminders.

Shared by the JSON API, the pages and the CLI; nothing here knows Flask. Each change is a use case
(:func:`api.services.usecase.use_case`): it reads from the store, runs a quick pure engine
(:mod:`network.meetings`, :mod:`network.health`, :mod:`network.rota`) and writes the result with its
audit entry in one unit of work. Reads (health, reminders) materialise meetings set by set, each in
its own unit, so one set's bad data never undoes another's.

Meetings are materialised from the programme's rota (:func:`api.services.sets.set_rota`: dates
from the set's slot and cadence, turns shared out fairly) the first time a set needs them
(:func:`ensure_meetings`); from then on the stored meetings are the record: members swap turns,
move a meeting, set the video link and record attendance. Confidentiality: no case content is
stored, only logistics and each presenter's own one-line action, which only that presenter sees.

Errors: :class:`network.domain.InvalidValue` (bad input, 422 naming the field),
:class:`NeedsConfirmation` (a move where someone is unavailable, not confirmed; 409) and the
port's errors (NotFound, Conflict, Invalid).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from api.services import accounts, batch, notices, notify
from api.services import sets as sets_service
from api.services.notify import Notifier, check_notice, deliver_pending
from api.services.usecase import record as record_event
from api.services.usecase import use_case
from graph.port import Conflict, GraphStore, Invalid, Transient
from graph.port_meetings import (
    ATTENDANCE_STATUSES,
    MAX_ACTION,
    MAX_LINK,
    MeetingPlan,
    MeetingRecord,
    Participation,
    TurnChange,
    UpcomingMeeting,
)
from graph.port_sets import SetRecord
from network import calendar, health, limits, rota
from network import meetings as engine
from network.domain import InvalidValue, Programme
from network.events import Event, MeetingDue, MeetingMoved, SetAtRisk, TurnDue, TurnSwapped
from network.meetings import day_words, when_words

log = logging.getLogger(__name__)

#: Days ahead a meeting reminder goes out, and a turn reminder (facilitating or presenting needs some preparation).
MEETING_REMINDER_DAYS = 3
TURN_REMINDER_DAYS = 7
#: Name shown for someone no longer in the store (erased) or unknown.
FORMER_MEMBER = "Former member"


def now_uk() -> datetime:
    """The time now in the UK (:data:`network.calendar.ZONE`): meetings start, and days are counted, in UK time."""
    return datetime.now(calendar.ZONE)


def today_uk() -> date:
    """Today's date in the UK (the day meetings, turns and reminders are counted in)."""
    return now_uk().date()


class NeedsConfirmation(Conflict):
    """A move to a slot where some members are unavailable, asked without ``confirm``: nothing was written."""

    def __init__(self, message: str, unavailable: Sequence[str]) -> None:
        super().__init__(message)
        self.unavailable = tuple(unavailable)


# -- reading -----------------------------------------------------------------------------------


def _turns(m: MeetingRecord) -> engine.Turns:
    return engine.Turns(m.id, m.number, m.on, m.facilitator, m.presenters, m.held)


def _programme(store: GraphStore, record: SetRecord) -> Programme | None:
    if record.set.programme_id is None:
        return None
    return store.get_programme(record.set.programme_id)


def plans_for(store: GraphStore, record: SetRecord) -> list[MeetingPlan]:
    """The set's meetings as its programme's rota plans them (dates from slot and cadence, fair turns)."""
    view = sets_service.set_rota(store, record.id)
    slot = record.set.meeting_slot
    assert slot is not None  # set_rota refuses a set without one
    return [MeetingPlan(record.id, m.number, m.on, slot, m.facilitator, m.presenters) for m in view.meetings]


def ensure_meetings(store: GraphStore, set_id: str) -> list[MeetingRecord]:
    """The set's stored meetings, materialised from its rota the first time they are needed (empty without a meeting slot).

    Reads first, so a page showing a set whose meetings exist opens no write transaction (see api.readunit).
    """
    stored = store.meetings_of_set(set_id)
    if stored:
        return stored
    return _materialise_meetings(store, set_id)


@use_case
def _materialise_meetings(store: GraphStore, set_id: str) -> list[MeetingRecord]:
    """Store the set's meetings from its rota, unless a concurrent request already did (checked again in the unit)."""
    stored = store.meetings_of_set(set_id)
    if stored:
        return stored
    record = store.get_set(set_id)
    if record.set.meeting_slot is None:
        return []
    return store.create_meetings(set_id, plans_for(store, record))


def names_of(store: GraphStore, ids: Sequence[str]) -> dict[str, str]:
    """Display names by assessor id (erased people read as "Former member")."""
    wanted = sorted(set(ids))
    found = {p.assessor.id: p.assessor.name for p in store.describe_members(wanted)} if wanted else {}
    return {i: found.get(i, FORMER_MEMBER) for i in wanted}


@dataclass(frozen=True, slots=True)
class MeetingView:
    """One meeting as a member sees it: times, turns, attendance and (only for the viewer) their own action."""

    record: MeetingRecord
    starts_at: datetime
    ends_at: datetime
    my_action: str | None = None
    i_present: bool = False
    editable: bool = True
    started: bool = False  # it has begun (UK time): attendance can be recorded from then on


@dataclass(frozen=True, slots=True)
class SetMeetingsView:
    """A set's page: the set, its programme, its meetings and the names of everyone they mention."""

    set: SetRecord
    programme: Programme | None
    meetings: tuple[MeetingView, ...]
    names: Mapping[str, str]
    today: date
    health: health.SetHealth | None = None

    @property
    def next_meeting(self) -> MeetingView | None:
        """The first meeting on or after today that has not been held."""
        return next((m for m in self.meetings if m.record.on >= self.today and not m.record.held), None)

    def name(self, assessor_id: str | None) -> str:
        """A person's name for display."""
        return "nobody yet" if assessor_id is None else self.names.get(assessor_id, FORMER_MEMBER)


def meeting_view(m: MeetingRecord, viewer: str | None, today: date, now: datetime | None = None) -> MeetingView:
    """A stored meeting as ``viewer`` (an assessor id, or ``None``) sees it: their own action only."""
    now = now or now_uk()
    start, end = calendar.meeting_window(m.on, m.slot)
    mine = viewer is not None and viewer in m.presenters
    return MeetingView(
        record=m,
        starts_at=start,
        ends_at=end,
        my_action=m.action_of(viewer) if mine and viewer is not None else None,
        i_present=mine,
        editable=not m.held and m.on >= today,
        started=now >= start,
    )


def set_meetings(
    store: GraphStore, set_id: str, *, viewer: str | None = None, today: date | None = None, now: datetime | None = None
) -> SetMeetingsView:
    """The set with its meetings (materialised if needed); ``viewer`` (an assessor id) sees only their own actions."""
    now = now or now_uk()
    today = today or now.date()
    record = store.get_set(set_id)
    meetings = ensure_meetings(store, set_id)
    if stale_turns(record, meetings, today):
        # Someone left (or the set changed) without the rota being re-planned: re-plan now, once.
        membership_changed(store, set_id, today)
        meetings = store.meetings_of_set(set_id)
    programme = _programme(store, record)
    ids = [m.assessor_id for m in record.members] + [a for m in meetings for a in (m.facilitator, *m.presenters) if a is not None]
    ids += [a for m in meetings for a, _s in m.attendance]
    names = names_of(store, ids)
    facts = set_facts(record.id, record.set.name, record.set.status, record.current_member_ids, meetings, programme)
    return SetMeetingsView(
        set=record,
        programme=programme,
        meetings=tuple(meeting_view(m, viewer, today, now) for m in meetings),
        names=names,
        today=today,
        health=health.set_health(facts, today, names),
    )


def stale_turns(record: SetRecord, meetings: Sequence[MeetingRecord], today: date) -> bool:
    """True when a meeting still to come gives a turn to someone who is no longer a member."""
    current = set(record.current_member_ids)
    return record.set.status == "active" and any(
        a not in current for m in meetings if not m.held and m.on >= today for a in (m.facilitator, *m.presenters) if a is not None
    )


def meeting_set(store: GraphStore, meeting_id: str) -> SetRecord:
    """The set a meeting belongs to."""
    return store.get_set(store.get_meeting(meeting_id).set_id)


# -- turns --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SwapOutcome:
    """What a swap changed: ``holder`` gave their ``role`` turn at ``given`` to ``other`` and took theirs at ``taken``.

    A swap is always an exchange of two turns (``exchanged`` is kept for the API's answer).
    """

    meetings: tuple[MeetingRecord, ...]
    role: str
    holder: str
    other: str
    given: MeetingRecord
    taken: MeetingRecord
    exchanged: bool = True


@use_case
def swap_turn(
    store: GraphStore,
    set_id: str,
    meeting_id: str,
    role: str,
    assessor_id: str,
    with_assessor_id: str,
    *,
    with_meeting_id: str | None = None,
    today: date | None = None,
    actor_id: str | None = None,
) -> SwapOutcome:
    """Exchange ``assessor_id``'s ``role`` turn at a meeting with another current member's; everyone else's turns stay.

    Each of the two keeps as many turns as before, and a presenter's own action goes with them to
    their new turn. :class:`InvalidValue` (422, nothing written) for someone outside the set, a
    turn they do not have, a held or past meeting, someone ending up facilitating and presenting
    at one meeting, or another member with no turn to give back (a swap never just hands a turn over).
    """
    today = today or today_uk()
    record = store.get_set(set_id)
    meetings = ensure_meetings(store, set_id)
    current = record.current_member_ids
    known = names_of(store, [*current, assessor_id, with_assessor_id])
    names = {a: n for a, n in known.items() if a in current or n != FORMER_MEMBER}
    result = engine.swap(
        [_turns(m) for m in meetings],
        meeting_id,
        role,
        assessor_id,
        with_assessor_id,
        current,
        with_meeting_id=with_meeting_id,
        today=today,
        names=names,
    )
    before = {m.id: m for m in meetings}
    changes = [
        TurnChange(t.meeting_id, t.facilitator, t.presenters, before[t.meeting_id].facilitator, before[t.meeting_id].presenters)
        for t in result.changed
    ]
    try:
        changed = store.set_turns(set_id, changes)
    except Conflict as exc:
        raise Conflict("someone changed these turns meanwhile; reload and try again") from exc
    accounts.audit(
        store,
        "meetings:swap",
        "set",
        set_id,
        actor_id,
        {"meetings": [t.meeting_id for t in result.changed], "role": role, "exchanged": result.exchanged},
    )
    record_event(TurnSwapped(actor_id, set_id, role, assessor_id, result.given, with_assessor_id, result.taken))
    by_id = {m.id: m for m in changed}
    return SwapOutcome(tuple(changed), role, assessor_id, with_assessor_id, by_id[result.given], by_id[result.taken], result.exchanged)


def describe_swap(outcome: SwapOutcome, names: Mapping[str, str], viewer: str | None = None) -> str:
    """What a swap changed, in words, as ``viewer`` (an assessor id) reads it.

    E.g. ``"You now present on Tuesday 19 January 2027; Dan Dale presents on Tuesday 22 December 2026."``
    """
    infinitive, third = engine.ROLE_VERBS[outcome.role]
    first, second = (outcome.other, outcome.holder) if viewer == outcome.other else (outcome.holder, outcome.other)
    on = {outcome.holder: outcome.taken.on, outcome.other: outcome.given.on}

    def clause(assessor_id: str, now: str) -> str:
        who, verb = ("You", infinitive) if assessor_id == viewer else (names.get(assessor_id, FORMER_MEMBER), third)
        return f"{who} {now}{verb} on {day_words(on[assessor_id])}"

    return f"{clause(first, 'now ')}; {clause(second, '')}."


def _taken(meetings: Sequence[MeetingRecord]) -> dict[str, tuple[int, int]]:
    counts = rota.turns(
        [rota.Meeting(m.number, m.on, m.facilitator, m.presenters) for m in meetings]  # the meetings already past or held
    )
    return dict(counts)


@use_case
def membership_changed(store: GraphStore, set_id: str, today: date) -> None:
    """Re-plan the turns of the set's meetings still to come (on or after ``today``, not held) over its current members.

    Turns already taken (past or held meetings) are counted so the rota stays fair; past meetings
    are never changed. Someone who joined since the last meeting starts level with the least
    served member. Meetings are materialised first if the set has none yet (they then already
    reflect the current membership). Nothing happens for a set without a meeting slot.
    """
    record = store.get_set(set_id)
    stored = store.meetings_of_set(set_id)
    if not stored:
        ensure_meetings(store, set_id)
        return
    past = [m for m in stored if m.held or m.on < today]
    future = [m for m in stored if not (m.held or m.on < today)]
    if not future:
        return
    current = [m for m in record.members if m.current]
    taken_all = _taken(past)
    members_then = {m.assessor_id for m in record.members if past and m.joined <= max(p.on for p in past)}
    taken = {a: taken_all.get(a, (0, 0)) for a in members_then if a in {c.assessor_id for c in current}}
    first_future = future[0].on
    people = [rota.RotaMember(m.assessor_id, joined=None if m.joined <= first_future else m.joined, left=m.left) for m in current]
    programme = _programme(store, record)
    count = programme.meetings if programme is not None else len(stored)
    presenters = rota.presenters_per_meeting(len(current), count)
    planned = engine.replan([_turns(m) for m in future], people, taken, presenters)
    changes = [
        TurnChange(t.meeting_id, t.facilitator, t.presenters, m.facilitator, m.presenters)
        for t, m in zip(planned, future, strict=True)
        if (t.facilitator, tuple(sorted(t.presenters))) != (m.facilitator, tuple(sorted(m.presenters)))
    ]
    if changes:
        try:
            store.set_turns(set_id, changes)
        except Conflict as exc:  # turns changed since they were read (a swap meanwhile): the unit ends, the use case runs again
            raise Transient(f"set {set_id}: turns changed while they were re-planned") from exc


def stored_calendar(store: GraphStore, set_id: str, now: datetime | None = None, site: str = "") -> bytes:
    """The set's stored meetings (moves and swaps included) as an iCalendar document; same UIDs as the rota calendar.

    Each meeting names its video link and, beside it, its live meeting page (``site`` is the site's address).
    """
    view = set_meetings(store, set_id)
    events = []
    for m in view.meetings:
        r = m.record
        lines = [
            f"Meeting {r.number} of {len(view.meetings)} of {view.set.set.name} (self-managed action learning set, online).",
            f"Facilitator: {view.name(r.facilitator) if r.facilitator else 'to be agreed'}",
            f"Presenting: {', '.join(view.name(p) for p in r.presenters) or 'to be agreed'}",
        ]
        if r.video_link:
            lines.append(f"Video link: {r.video_link}")
        lines.append(f"Live meeting page (opens on the day): {site}/sets/{set_id}/meetings/{r.number}/live")
        events.append(
            calendar.Event(
                uid=f"{set_id}-meeting-{r.number}@bridgework",
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                summary=f"{view.set.set.name}: meeting {r.number}",
                description="\n".join(lines),
                url=r.video_link,
            )
        )
    return calendar.to_ics(events, view.set.set.name, now or datetime.now(UTC))


# -- moving a meeting ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoveCheck:
    """Who could not come to a meeting moved to ``on`` in ``slot`` (by stated availability), and who stated none."""

    meeting: MeetingRecord
    on: date
    slot: str
    unavailable: tuple[str, ...]
    unknown: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def everyone_available(self) -> bool:
        return not self.unavailable

    def unavailable_names(self) -> list[str]:
        """The names of those who would be unavailable."""
        return [self.names.get(a, FORMER_MEMBER) for a in self.unavailable]


def check_move(store: GraphStore, meeting_id: str, on: date, slot: str, *, today: date | None = None) -> MoveCheck:
    """Check every current member's stated availability for a move; :class:`InvalidValue` for a date or slot that cannot be."""
    today = today or today_uk()
    meeting = store.get_meeting(meeting_id)
    engine.check_slot_day(on, slot)
    if meeting.held:
        raise InvalidValue("meeting_id", f"the meeting on {day_words(meeting.on)} has been held (attendance is recorded); it cannot move")
    if meeting.on < today:
        raise InvalidValue("meeting_id", f"the meeting on {day_words(meeting.on)} is in the past")
    if on < today:
        raise InvalidValue("on", f"{day_words(on)} is in the past")
    if on == meeting.on and slot == meeting.slot:
        raise InvalidValue("on", f"the meeting is already on {when_words(on, slot)}")
    if any(m.on == on and m.id != meeting.id for m in store.meetings_of_set(meeting.set_id)):
        raise Conflict(f"the set already meets on {day_words(on)}")
    record = store.get_set(meeting.set_id)
    people = store.describe_members(list(record.current_member_ids))
    unavailable, unknown = engine.unavailable_for(slot, {p.assessor.id: p.assessor.availability for p in people})
    names = {p.assessor.id: p.assessor.name for p in people}
    return MoveCheck(meeting, on, slot, unavailable, unknown, names)


@use_case
def move_meeting(
    store: GraphStore,
    meeting_id: str,
    on: date,
    slot: str,
    *,
    confirm: bool = False,
    today: date | None = None,
    actor_id: str | None = None,
) -> tuple[MeetingRecord, MoveCheck]:
    """Move one meeting. If someone would be unavailable it needs ``confirm``; else :class:`NeedsConfirmation` naming them."""
    check = check_move(store, meeting_id, on, slot, today=today)
    if check.unavailable and not confirm:
        names = check.unavailable_names()
        who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        raise NeedsConfirmation(
            f"{who} could not come on {when_words(on, slot)} (by their stated availability); confirm to move anyway",
            check.unavailable,
        )
    try:
        moved = store.move_meeting(meeting_id, on, slot, check.meeting.on)
    except Conflict as exc:
        raise Conflict(
            f"the meeting on {day_words(check.meeting.on)} changed meanwhile (moved, or attendance recorded); reload and try again"
        ) from exc
    accounts.audit(store, "meetings:move", "set", moved.set_id, actor_id, {"meeting_id": meeting_id, "on": on.isoformat(), "slot": slot})
    record_event(MeetingMoved(actor_id, moved.set_id, meeting_id, on, slot, check.meeting.on, check.meeting.slot))
    return moved, check


# -- links, attendance, actions -------------------------------------------------------------------


def check_link(link: str | None) -> str | None:
    """A video link: an https (or http) address, or ``None`` to clear it."""
    if link is None or not link.strip():
        return None
    link = link.strip()
    if len(link) > MAX_LINK or not (link.startswith("https://") or link.startswith("http://")) or any(c.isspace() for c in link):
        raise InvalidValue("video_link", f"must be a web address starting https:// (at most {MAX_LINK} characters)")
    return link


@use_case
def set_video_link(
    store: GraphStore,
    set_id: str,
    link: str | None,
    *,
    meeting_id: str | None = None,
    today: date | None = None,
    actor_id: str | None = None,
) -> int:
    """Set the video link of one meeting, or of every meeting still to come; how many meetings changed.

    Audited as ``meetings:video-link`` (the meetings' ids; never the link) when any meeting changed.
    """
    today = today or today_uk()
    link = check_link(link)
    meetings = ensure_meetings(store, set_id)
    if meeting_id is not None:
        if meeting_id not in {m.id for m in meetings}:
            raise InvalidValue("meeting_id", "that meeting is not one of the set's")
        ids = [meeting_id]
    else:
        ids = [m.id for m in meetings if not m.held and m.on >= today]
    if not ids:
        return 0
    changed = store.set_video_link(ids, link)
    accounts.audit(store, "meetings:video-link", "set", set_id, actor_id, {"meetings": ids})
    return changed


@use_case
def record_attendance(
    store: GraphStore, meeting_id: str, entries: Mapping[str, str], *, now: datetime | None = None, actor_id: str | None = None
) -> MeetingRecord:
    """Record attendance at a meeting once it has started (UK time, on its own day).

    :class:`InvalidValue` (nothing written) before its start, or for someone not a member of the set on its day.
    """
    now = now or now_uk()
    meeting = store.get_meeting(meeting_id)
    if not entries:
        raise InvalidValue("attendance", "name at least one member")
    start, _end = calendar.meeting_window(meeting.on, meeting.slot)
    if now < start:
        raise InvalidValue(
            "meeting_id",
            f"the meeting on {day_words(meeting.on)} starts at {start:%H:%M} (UK time); record attendance once it has started",
        )
    record = store.get_set(meeting.set_id)
    members_then = {m.assessor_id for m in record.members if m.joined <= meeting.on and (m.left is None or meeting.on < m.left)}
    strangers = sorted(set(entries) - members_then)
    if strangers:
        known = names_of(store, strangers)
        who = sorted({known[a] if known[a] != FORMER_MEMBER else "someone outside the set" for a in strangers})
        raise InvalidValue("attendance", f"not a member of the set on {day_words(meeting.on)}: {', '.join(who)}")
    bad = sorted({s for s in entries.values() if s not in ATTENDANCE_STATUSES})
    if bad:
        raise InvalidValue("attendance", "choose attended, sent apologies or absent for each member")
    saved = store.record_attendance(meeting_id, entries)
    accounts.audit(store, "meetings:attendance", "set", meeting.set_id, actor_id, {"meeting_id": meeting_id, "members": len(entries)})
    return saved


def check_action(text: str | None) -> str | None:
    """A presenter's action: one line of at most :data:`MAX_ACTION` characters (empty clears it)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if "\n" in text or "\r" in text:
        raise InvalidValue("action", "must be one line")
    if len(text) > MAX_ACTION:
        raise InvalidValue("action", f"must be at most {MAX_ACTION} characters")
    return text


@use_case
def set_my_action(store: GraphStore, meeting_id: str, assessor_id: str, text: str | None) -> MeetingRecord:
    """The presenter's own one-line "action I will take" (only they see it); :class:`InvalidValue` if they do not present then."""
    action = check_action(text)
    meeting = store.get_meeting(meeting_id)
    if assessor_id not in meeting.presenters:
        raise InvalidValue("meeting_id", f"you do not present on {day_words(meeting.on)}")
    return store.set_action(meeting_id, assessor_id, action)


# -- set health and participation ---------------------------------------------------------------


def set_facts(
    set_id: str, name: str, status: str, members: Sequence[str], meetings: Sequence[MeetingRecord], programme: Programme | None
) -> health.SetFacts:
    """What the health engine needs of one set."""
    return health.SetFacts(
        set_id=set_id,
        name=name,
        members=tuple(members),
        meetings=tuple(health.MeetingFacts(m.number, m.on, m.facilitator, m.attendance) for m in meetings),
        minimum=programme.set_size_min if programme is not None else 2,
        status=status,
    )


@dataclass(frozen=True, slots=True)
class ProgrammeHealth:
    """Every set's health in a programme, the sets at risk (most urgent first) and the names they mention.

    ``failures``: the sets that could not be judged (each logged with its id); the others are judged all the same.
    """

    programme: Programme
    sets: tuple[health.SetHealth, ...]
    at_risk: tuple[health.SetHealth, ...]
    names: Mapping[str, str]
    failures: tuple[batch.Failure, ...] = ()


def programme_health(store: GraphStore, programme_id: str, today: date | None = None) -> ProgrammeHealth:
    """Set health of a programme from one store read (active sets without stored meetings are planned first)."""
    today = today or today_uk()
    programme = store.get_programme(programme_id)
    activity = store.programme_activity(programme_id)
    # Active sets whose meetings were never needed yet are planned now, so their turns count too (once per set).
    unplanned = [a for a in activity if a.status == "active" and not a.meetings]
    planned = 0
    failures: list[batch.Failure] = []
    for a in unplanned:
        try:
            planned += bool(ensure_meetings(store, a.set_id))
        except Exception as exc:  # one set's bad data must not hide the others' health
            failures.append(batch.failure("set", a.set_id, exc, name=a.name, doing="planning its meetings"))
    if planned:
        activity = store.programme_activity(programme_id)
    facts = []
    flagged = []
    for a in activity:
        if any(f.id == a.set_id for f in failures):
            continue
        try:
            fact = set_facts(a.set_id, a.name, a.status, a.current_members, a.meetings, programme)
            judged = health.set_health(fact, today)
        except Exception as exc:
            failures.append(batch.failure("set", a.set_id, exc, name=a.name, doing="judging its health"))
            continue
        facts.append(fact)
        if judged.at_risk:
            flagged.append(judged)
    ids = sorted({s.assessor_id for h in flagged for s in h.signals if s.assessor_id})
    names = names_of(store, ids)
    everyone = tuple(health.set_health(f, today, names) for f in facts)
    return ProgrammeHealth(programme, everyone, tuple(health.sets_at_risk(facts, today, names)), names, tuple(failures))


def tell_coordinators_of_risk(store: GraphStore, programme_id: str, today: date | None = None) -> ProgrammeHealth:
    """Judge the programme's sets and tell its coordinators of each set at risk; the health, as :func:`programme_health`.

    One :class:`~network.events.SetAtRisk` per set at risk, for its most urgent signal; the
    coordinators hear of a set once a week per reason however often this runs (the notice key
    holds the ISO week). The health is judged first (meetings planned set by set, as for the
    page); the events are then recorded in one use case.
    """
    day = today or today_uk()
    view = programme_health(store, programme_id, day)
    events: list[Event] = []
    for h in view.at_risk:
        top = h.signals[0]
        meeting_on = None
        if top.meeting_number is not None:
            meeting_on = next((m.on for m in store.meetings_of_set(h.set_id) if m.number == top.meeting_number), None)
        events.append(SetAtRisk(None, h.set_id, programme_id, top.code, day, top.assessor_id, meeting_on))
    if events:
        _happened(store, events)
    return view


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    """One of the organisation's assessors in one set: attendance counts."""

    row: Participation
    summary: health.ParticipationSummary


def organisation_participation(store: GraphStore, organisation_id: str) -> list[ParticipationRow]:
    """The organisation's assessors' participation in sets, by name then set."""
    rows = store.participation(organisation_id)
    out = [ParticipationRow(r, health.participation(r.assessor_id, r.set_id, r.left is None, r.attendance)) for r in rows]
    return sorted(out, key=lambda p: (p.row.name.lower(), p.row.assessor_id, p.row.set_name, p.row.set_id))


# -- reminders ----------------------------------------------------------------------------------


def meeting_reminders(store: GraphStore, today: date, failures: list[batch.Failure] | None = None) -> list[Event]:
    """Reminders of meetings in the next :data:`MEETING_REMINDER_DAYS` days, and of turns in the next :data:`TURN_REMINDER_DAYS`.

    Each is an event (:class:`~network.events.MeetingDue`, :class:`~network.events.TurnDue`) that the
    dispatcher turns into a notice for the member it is for. With ``failures``, a meeting whose
    reminders cannot be worked out is logged, added to it and skipped (the other meetings'
    reminders are still produced); without, its error is raised.
    """
    due: list[Event] = []
    horizon = max(MEETING_REMINDER_DAYS, TURN_REMINDER_DAYS)
    for u in store.meetings_between(today, limits.add_days(today, horizon)):
        if u.meeting.held:
            continue
        try:
            due += _meeting_reminders(u, today)
        except Exception as exc:
            if failures is None:
                raise
            failures.append(batch.failure("set", u.meeting.set_id, exc, name=u.set_name, doing=f"reminding of meeting {u.meeting.id}"))
    return due


def _meeting_reminders(u: UpcomingMeeting, today: date) -> list[Event]:
    """The reminders of one upcoming meeting (``u``: a meeting with its set's name and current members)."""
    due: list[Event] = []
    m = u.meeting
    if m.on <= limits.add_days(today, MEETING_REMINDER_DAYS):
        due += [MeetingDue(None, m.set_id, m.id, m.number, a, m.on, m.slot, m.video_link) for a in u.members]
    turns = ([("facilitator", m.facilitator)] if m.facilitator else []) + [("presenter", p) for p in m.presenters]
    due += [TurnDue(None, m.set_id, m.id, m.number, role, a, m.on, m.slot) for role, a in turns if a in u.members]
    return due


def questionnaire_reminders(store: GraphStore, today: date, failures: list[batch.Failure] | None = None) -> tuple[list[Event], bool]:
    """Questionnaires due (from the outcomes area, as :class:`~network.events.QuestionnaireDue`), and whether that area is present.

    With ``failures``, a programme whose reminders cannot be worked out is logged, added to it and skipped.
    """
    try:
        from api.services import outcomes  # late: another area, optional in a build without follow-up outcomes
    except ImportError:
        log.warning("api.services.outcomes is not available: no questionnaire reminders")
        return [], False
    return list(outcomes.questionnaires_due(store, today, failures=failures)), True


@use_case
def _happened(store: GraphStore, events: Sequence[Event]) -> None:
    """Record events found by a batch (reminders due, sets at risk): the dispatcher stores their notices in this one unit."""
    for e in events:
        record_event(e)


@dataclass(frozen=True, slots=True)
class ReminderReport:
    """What one reminders run did: sets whose meetings it materialised, notices due and new, retries."""

    today: date
    materialised: int
    due: int
    new: int
    by_kind: Mapping[str, int]
    retried_sent: int = 0
    retried_failed: int = 0
    questionnaires: bool = True
    skipped_sets: tuple[str, ...] = ()
    failures: tuple[batch.Failure, ...] = ()


def _set_name(store: GraphStore, set_id: str) -> str | None:
    """The set's name for a report, if it can be read."""
    try:
        return store.get_set(set_id).set.name
    except Exception:  # the report names the set by its id then
        return None


def send_reminders(store: GraphStore, today: date, *, notifier: Notifier | None = None) -> ReminderReport:
    """Produce the reminders due ``today`` and send the new ones; running it again sends nothing twice.

    Active sets whose meetings were never materialised are materialised first (so their members
    get reminders too). Notices a notifier failed to deliver before are tried again.

    One set, programme or notice that cannot be processed (bad stored data, say) is logged with
    its id, left out and named in the report's ``failures``; everyone else's reminders go out.
    """
    materialised = 0
    skipped: list[str] = []
    failures: list[batch.Failure] = []
    for set_id in store.sets_without_meetings():
        try:
            ensure_meetings(store, set_id)
            materialised += 1
        except Exception as exc:  # one set's bad data must not stop reminders for the others
            failures.append(batch.failure("set", set_id, exc, name=_set_name(store, set_id), doing="planning its meetings"))
            skipped.append(set_id)
    retried = deliver_pending(store, notifier=notifier)
    due = meeting_reminders(store, today, failures)
    questionnaires, present = questionnaire_reminders(store, today, failures)
    due += questionnaires
    sendable: list[Event] = []
    made: list[notify.Notice] = []
    for e in due:
        its = notices.notices_for(store, [e])  # a reminder's notice needs no store read: this is only a check
        bad = None
        for n in its:
            try:
                check_notice(n)
            except Invalid as exc:
                bad = (n.key, exc)
        if bad is not None:
            failures.append(batch.failure("notice", bad[0], bad[1], doing="checking it"))
            continue
        sendable.append(e)
        made += its
    with notify.sending(notifier) as sent:  # the dispatcher stores them in one unit of work; delivered once it commits
        if sendable:
            _happened(store, sendable)
    by_kind = notices.kinds(made)
    return ReminderReport(
        today, materialised, len(made), len(sent.keys), by_kind, retried[0], retried[1], present, tuple(skipped), tuple(failures)
    )


def describe(report: ReminderReport) -> dict[str, Any]:
    """A report as plain data (CLI JSON output and logs)."""
    return {
        "date": report.today,
        "materialised_sets": report.materialised,
        "due": report.due,
        "new": report.new,
        "by_kind": dict(sorted(report.by_kind.items())),
        "retried": {"sent": report.retried_sent, "failed": report.retried_failed},
        "questionnaires": report.questionnaires,
        "skipped_sets": list(report.skipped_sets),
        "failures": [f.as_dict() for f in report.failures],
    }


def personal_data(store: GraphStore, assessor_id: str, user_id: str | None = None) -> dict[str, Any]:
    """What this area holds about a person, for their data export: turns, attendance, their own actions and notices."""
    turns, attendance, actions = [], [], []
    for record in store.sets_of_assessor(assessor_id, current_only=False):
        for m in store.meetings_of_set(record.id):
            role = "facilitator" if m.facilitator == assessor_id else "presenter" if assessor_id in m.presenters else None
            if role is not None:
                turns.append({"set_id": m.set_id, "meeting": m.number, "date": m.on.isoformat(), "role": role})
            status = m.status_of(assessor_id)
            if status is not None:
                attendance.append({"set_id": m.set_id, "meeting": m.number, "date": m.on.isoformat(), "status": status})
            action = m.action_of(assessor_id)
            if action is not None:
                actions.append({"set_id": m.set_id, "meeting": m.number, "action": action})
    told = []
    after: str | None = None
    while True:
        page = store.notices_for(assessor_id=assessor_id, user_id=user_id, limit=500, after=after)
        # Worded as they read now: someone erased since reads as "a former member" (notify.render).
        told += [
            {
                "key": n.key,
                "kind": n.kind,
                "subject": w.subject,
                "body": w.body,
                "created_at": n.created_at.isoformat() if n.created_at else None,
            }
            for n, w in zip(page.items, notify.render(store, page.items), strict=True)
        ]
        if page.next_after is None:
            break
        after = page.next_after
    return {"meeting_turns": turns, "attendance": attendance, "my_actions": actions, "notices": told}

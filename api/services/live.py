"""The meeting itself (issue 19): a live companion every member of a set sees, run by the day's facilitator.

Shared by the JSON API and the pages; nothing here knows Flask. The state lives in the store
(:mod:`graph.port_live`), never in an app server: each change reads the stored state, applies one
pure step of :mod:`network.live` and stores the result against the version it read, in one use case
(:func:`api.services.usecase.use_case`). A clash with a concurrent change runs a member's step again
on the new state (a bid, a check-in); a facilitator's step names the version the facilitator saw, and
if the meeting moved on meanwhile it is refused (:class:`Stale`, 409) instead of landing twice.

What is recorded, and what never is: who joined (that fills attendance when the meeting closes;
members can correct it), who presented (the meeting's presenter turns, so each presenter can keep
their own action, private to them), the review's ratings and one line for the set, and the
facilitator's private note to self. Nothing about the cases discussed is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from api.services import accounts
from api.services import meetings as meetings_service
from api.services.usecase import use_case
from graph.port import Conflict, GraphStore, NotFound, Transient
from graph.port_live import LiveRecord
from graph.port_meetings import ATTENDANCE_STATUSES, MeetingRecord, TurnChange
from graph.port_sets import SetRecord
from network import calendar
from network import events as ev
from network import live as engine
from network.domain import InvalidValue
from network.live import LiveError, LiveState
from network.meetings import day_words
from network.outcomes import MIN_GROUP

#: Steps any member may take, and steps only the facilitator takes (these name the version they saw).
MEMBER_STEPS: tuple[str, ...] = ("join", "checkin", "bid", "pass", "rate", "line")
FACILITATOR_STEPS: tuple[str, ...] = ("advance", "skip", "pause", "resume", "extend", "close")
STEPS: tuple[str, ...] = MEMBER_STEPS + FACILITATOR_STEPS

#: What the page says about what is kept.
PRIVACY_WORDS = (
    "Nothing about the cases you discuss is written down here. Bridgework keeps only who came, who presented, "
    "each presenter's own action (only they see it) and the set's review of how the process went."
)


class Stale(Conflict):
    """A facilitator's step sent against a version the meeting has moved on from: nothing was written."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def _state(record: LiveRecord | None) -> LiveState | None:
    return None if record is None else LiveState.from_dict(record.state)


def _meeting_of(store: GraphStore, set_id: str, meeting_id: str) -> tuple[SetRecord, MeetingRecord]:
    meeting = store.get_meeting(meeting_id)
    if meeting.set_id != set_id:
        raise NotFound("This set has no such meeting.")
    return store.get_set(set_id), meeting


def _members(record: SetRecord) -> tuple[str, ...]:
    return tuple(sorted(record.current_member_ids))


def _need_member(record: SetRecord, assessor_id: str | None) -> str:
    if assessor_id is None or assessor_id not in record.current_member_ids:
        raise InvalidValue("assessor_id", "only current members of the set take part in its meetings")
    return assessor_id


def _invalid(exc: LiveError) -> InvalidValue:
    return InvalidValue(exc.field, exc.message)


def _save(store: GraphStore, record: LiveRecord | None, state: LiveState, now: datetime, note: str | None = None) -> LiveRecord:
    meeting_id = record.meeting_id if record is not None else None
    assert meeting_id is not None
    try:
        return store.save_live_meeting(meeting_id, state.to_dict(), note if note is not None else record.note, record.version, now)
    except Conflict as exc:  # someone saved first: run the whole step again on what they saved
        raise Transient(f"live meeting {meeting_id} changed while it was saved") from exc


# -- starting --------------------------------------------------------------------------------------


@use_case
def start_meeting(
    store: GraphStore, set_id: str, meeting_id: str, assessor_id: str | None, *, now: datetime | None = None, actor_id: str | None = None
) -> LiveRecord:
    """Open the meeting live (the one who opens it facilitates today); if it is live already, the caller joins it.

    :class:`InvalidValue` for someone not a current member, a meeting already held (attendance
    recorded before it was opened live) or one not on today's date (UK).
    """
    now = now or now_utc()
    record, meeting = _meeting_of(store, set_id, meeting_id)
    me = _need_member(record, assessor_id)
    existing = store.get_live_meeting(meeting_id, lock=True)
    if existing is not None:
        state = _state(existing)
        assert state is not None
        if me in state.joined or state.phase == "closed":
            return existing
        try:
            joined = engine.join(state, me)
        except LiveError as exc:
            raise _invalid(exc) from None
        saved = _save(store, existing, joined, now)
        return saved
    if meeting.held:
        raise InvalidValue("meeting_id", f"the meeting on {day_words(meeting.on)} has been recorded already")
    today = now.astimezone(calendar.ZONE).date()
    if meeting.on != today:
        raise InvalidValue("meeting_id", f"this meeting is on {day_words(meeting.on)}: its live page opens on the day")
    if meeting.facilitator != me:
        # Whoever opens the meeting facilitates today; the rota's turn moves to them (they do not present as well).
        presenters = tuple(p for p in meeting.presenters if p != me)
        change = TurnChange(meeting.id, me, presenters, meeting.facilitator, meeting.presenters)
        try:
            store.set_turns(set_id, [change])
        except Conflict as exc:
            raise Transient("the meeting's turns changed while it was opened") from exc
    start, end = calendar.meeting_window(meeting.on, meeting.slot)
    state = engine.start(me, _members(record), now, end - start)
    try:
        saved = store.save_live_meeting(meeting_id, state.to_dict(), None, 0, now)
    except Conflict as exc:  # opened by someone else at the same moment: run again, and join theirs
        raise Transient(f"meeting {meeting_id} was opened at the same moment") from exc
    accounts.audit(store, "live:start", "set", set_id, actor_id, {"meeting_id": meeting_id})
    return saved


# -- one step --------------------------------------------------------------------------------------


@use_case
def step(
    store: GraphStore,
    set_id: str,
    meeting_id: str,
    assessor_id: str | None,
    do: str,
    *,
    run: int | None = None,
    minutes: int | None = None,
    ratings: Mapping[str, int] | None = None,
    line: str | None = None,
    now: datetime | None = None,
    actor_id: str | None = None,
) -> LiveRecord:
    """Take one step of the meeting (``do`` one of :data:`STEPS`) as ``assessor_id``.

    :class:`InvalidValue` for a step that does not fit (wrong phase, not the facilitator, a bad value);
    :class:`Stale` for a facilitator's step whose ``run`` (the facilitator steps it saw) is not the stored one; :class:`NotFound` if
    the meeting is not live.
    """
    now = now or now_utc()
    if do not in STEPS:
        raise InvalidValue("do", f"one of {', '.join(STEPS)}")
    record, meeting = _meeting_of(store, set_id, meeting_id)
    me = _need_member(record, assessor_id)
    stored = store.get_live_meeting(meeting_id, lock=True)
    state = _state(stored)
    if stored is None or state is None:
        raise NotFound("This meeting has not been opened yet.")
    if do in FACILITATOR_STEPS:
        # Members joining, bidding or rating never get in the facilitator's way; another facilitator step does.
        if run is None:
            raise InvalidValue("run", "say which step of the meeting you saw (run)")
        if run != state.runs:
            raise Stale("The meeting was moved on a moment ago (from another window?). Look at it again, then try once more.")
    try:
        new = _apply(state, me, do, now, minutes=minutes, ratings=ratings, line=line)
    except LiveError as exc:
        raise _invalid(exc) from None
    if new == state:
        return stored
    if do in FACILITATOR_STEPS:
        new = replace(new, runs=state.runs + 1)
    if state.phase == "bids" and new.phase in ("slots", "review"):
        _record_presenters(store, set_id, meeting, new)
    if new.phase == "closed" and state.phase != "closed":
        store.record_attendance(meeting_id, engine.attendance(new))
    saved = _save(store, stored, new, now)
    if do in FACILITATOR_STEPS or do == "join":
        accounts.audit(store, f"live:{do}", "set", set_id, actor_id, {"meeting_id": meeting_id, "version": saved.version})
    return saved


def _apply(
    state: LiveState, me: str, do: str, now: datetime, *, minutes: int | None, ratings: Mapping[str, int] | None, line: str | None
) -> LiveState:
    if do == "join":
        return engine.join(state, me)
    if do == "checkin":
        return engine.check_in(state, me)
    if do == "bid":
        if minutes is None:
            raise LiveError("minutes", "say how many minutes you would like")
        return engine.bid(state, me, minutes)
    if do == "pass":
        return engine.bid(state, me, 0)
    if do == "rate":
        return engine.rate(state, me, ratings or {})
    if do == "line":
        return engine.review_line(state, me, line)
    if do == "advance":
        return engine.advance(state, me, now)
    if do == "skip":
        return engine.skip(state, me, now)
    if do == "pause":
        return engine.pause(state, me, now)
    if do == "resume":
        return engine.resume(state, me, now)
    if do == "extend":
        return engine.extend(state, me, minutes if minutes is not None else 0)
    return engine.close(state, me, now)


def _record_presenters(store: GraphStore, set_id: str, meeting: MeetingRecord, state: LiveState) -> None:
    """The meeting's presenter turns become who took a slot, so each of them can keep their own action."""
    presenters = tuple(sorted(s.presenter for s in state.slots))
    if (meeting.facilitator, tuple(sorted(meeting.presenters))) == (state.facilitator, presenters):
        return
    change = TurnChange(meeting.id, state.facilitator, presenters, meeting.facilitator, meeting.presenters)
    try:
        store.set_turns(set_id, [change])
    except Conflict as exc:
        raise Transient("the meeting's turns changed while the slots were set") from exc


@use_case
def save_note(
    store: GraphStore, set_id: str, meeting_id: str, assessor_id: str | None, note: str | None, *, now: datetime | None = None
) -> LiveRecord:
    """The facilitator's private note to self: one thing to try next time (only they ever see it)."""
    now = now or now_utc()
    record, _meeting = _meeting_of(store, set_id, meeting_id)
    me = _need_member(record, assessor_id)
    stored = store.get_live_meeting(meeting_id, lock=True)
    state = _state(stored)
    if stored is None or state is None:
        raise NotFound("This meeting has not been opened yet.")
    if state.facilitator != me:
        raise InvalidValue("note", "only the meeting's facilitator keeps a note to self here")
    try:
        text = engine.check_line(note, engine.MAX_NOTE, "note")
    except LiveError as exc:
        raise _invalid(exc) from None
    try:
        return store.save_live_meeting(meeting_id, stored.state, text or "", stored.version, now)
    except Conflict as exc:
        raise Transient("live meeting changed while the note was saved") from exc


@use_case
def correct_attendance(
    store: GraphStore,
    set_id: str,
    meeting_id: str,
    assessor_id: str | None,
    entries: Mapping[str, str],
    *,
    now: datetime | None = None,
    actor_id: str | None = None,
) -> LiveRecord:
    """A member corrects the attendance the closed meeting filled in from who joined (someone there without joining, apologies).

    Every member's page shows the correction (the live record's version moves on). :class:`InvalidValue`
    (nothing written) before the meeting is closed, for someone not in the meeting or an unknown status.
    """
    now = now or now_utc()
    record, _meeting = _meeting_of(store, set_id, meeting_id)
    _need_member(record, assessor_id)
    stored = store.get_live_meeting(meeting_id, lock=True)
    state = _state(stored)
    if stored is None or state is None or state.phase != "closed":
        raise InvalidValue("attendance", "attendance is corrected here once the meeting is closed")
    if not entries:
        raise InvalidValue("attendance", "name at least one member")
    strangers = sorted(set(entries) - set(state.members))
    if strangers:
        raise InvalidValue("attendance", "name only members who were in this meeting's set")
    if any(s not in ATTENDANCE_STATUSES for s in entries.values()):
        raise InvalidValue("attendance", "choose attended, sent apologies or absent for each member")
    store.record_attendance(meeting_id, entries)
    saved = _save(store, stored, replace(state, events=state.events + 1, last_step="attendance_corrected"), now)
    accounts.audit(store, "meetings:attendance", "set", set_id, actor_id, {"meeting_id": meeting_id, "members": len(entries)})
    return saved


# -- reading ---------------------------------------------------------------------------------------


def current_version(store: GraphStore, meeting_id: str) -> int:
    """Only the stored version (a poll compares it before building the whole view)."""
    return store.live_version(meeting_id)


def live_view(store: GraphStore, set_id: str, meeting_id: str, viewer: str | None, *, now: datetime | None = None) -> dict[str, Any]:
    """The meeting as ``viewer`` sees it now, as plain data (the JSON API and the page both show this)."""
    now = now or now_utc()
    record, meeting = _meeting_of(store, set_id, meeting_id)
    stored = store.get_live_meeting(meeting_id)
    state = _state(stored)
    ids = list(record.current_member_ids) + ([] if state is None else list(state.members))
    names = meetings_service.names_of(store, ids)
    start, end = calendar.meeting_window(meeting.on, meeting.slot)
    base: dict[str, Any] = {
        "set": {"id": set_id, "name": record.set.name},
        "meeting": {
            "id": meeting.id,
            "number": meeting.number,
            "when": f"{day_words(meeting.on)}, {start:%H:%M}–{end:%H:%M} (UK time)",
            "video_link": meeting.video_link,
            "today": meeting.on == now.astimezone(calendar.ZONE).date(),
        },
        "privacy": PRIVACY_WORDS,
        "now": now.isoformat(),
        "me": viewer,
        "version": 0 if stored is None else stored.version,
        "run": 0 if state is None else state.runs,
        "live": state is not None,
    }
    if state is None:
        base["people"] = [{"id": a, "name": names.get(a, meetings_service.FORMER_MEMBER)} for a in sorted(record.current_member_ids)]
        base["prompts"] = list(engine.PROMPTS["checkin"])
        return base
    clock = engine.clock(state, now)
    shares = state.shares(now)
    people = []
    for a in state.members:
        people.append(
            {
                "id": a,
                "name": names.get(a, meetings_service.FORMER_MEMBER),
                "joined": a in state.joined,
                "checked_in": a in state.checked_in,
                "bid": state.bid_of(a),
                "share": shares.get(a),
                "facilitator": a == state.facilitator,
                "rated": any(m == a for m, _r in state.ratings),
            }
        )
    timer = state.timer
    base.update(
        {
            "phase": state.phase,
            "stage": state.stage,
            "facilitator": {"id": state.facilitator, "name": names.get(state.facilitator, meetings_service.FORMER_MEMBER)},
            "i_facilitate": viewer == state.facilitator,
            "presenter": None if state.presenter is None else {"id": state.presenter, "name": names.get(state.presenter)},
            "i_present": viewer is not None and viewer == state.presenter,
            "people": people,
            "slots": [
                {
                    "presenter": {"id": s.presenter, "name": names.get(s.presenter, meetings_service.FORMER_MEMBER)},
                    "minutes": s.minutes,
                    "stage": s.stage,
                    "outcome": s.outcome,
                    "current": state.phase == "slots" and i == state.current,
                }
                for i, s in enumerate(state.slots)
            ],
            "timer": None
            if timer is None or clock is None
            else {
                "started_at": timer.started_at.isoformat(),
                "allowed_s": timer.allowed_s,
                "paused_s": timer.paused_s,
                "paused_since": None if timer.paused_since is None else timer.paused_since.isoformat(),
                "remaining_s": round(clock.remaining_s, 1),
                "words": clock.words,
                "paused": clock.paused,
                "over": clock.over,
            },
            "over_time": engine.OVER_TIME if clock is not None and clock.over else None,
            "over_time_words": engine.OVER_TIME,
            "minutes_left": state.minutes_left(now),
            "ends_at": state.ends_at.isoformat(),
            "prompts": list(engine.PROMPTS.get(state.stage, ())),
            "hint": engine.HINTS["presenter"]
            if viewer is not None and viewer == state.presenter and state.stage in ("presenting", "questions")
            else engine.HINTS.get(state.stage, ""),
            "questions": [{"key": k, "text": t} for k, t in engine.REVIEW_QUESTIONS.items()],
            "my_ratings": dict(next((r for m, r in state.ratings if m == viewer), ())),
            "ratings_given": len(state.ratings),
            "review_line": state.review_line,
            "last_step": state.last_step,
            "closed": state.phase == "closed",
            "limits": {"bid": engine.MAX_BID, "extend": engine.MAX_EXTEND, "line": engine.MAX_REVIEW_LINE, "note": engine.MAX_NOTE},
        }
    )
    if viewer is not None and viewer in meeting.presenters:
        base["my_action"] = meeting.action_of(viewer) or ""
    if viewer is not None and viewer == state.facilitator and stored is not None:
        base["my_note"] = stored.note or ""
    if state.phase == "closed":
        base["attendance"] = [{"id": a, "name": names.get(a, meetings_service.FORMER_MEMBER), "status": s} for a, s in meeting.attendance]
    return base


# -- growing facilitators --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FacilitatedMeeting:
    """A meeting the person facilitated, with its review and their own note."""

    set_name: str
    set_id: str
    number: int
    on: str
    completed: bool
    ratings: Mapping[str, float]  # question -> average
    raters: int
    line: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class MyFacilitation:
    """How often a person has facilitated and presented (live meetings), the reviews of those they facilitated and their notes."""

    facilitated: int
    presented: int
    meetings: tuple[FacilitatedMeeting, ...]


def _average(ratings: Sequence[tuple[str, tuple[tuple[str, int], ...]]]) -> dict[str, float]:
    by: dict[str, list[int]] = {}
    for _m, rs in ratings:
        for q, v in rs:
            by.setdefault(q, []).append(v)
    return {q: round(sum(vs) / len(vs), 1) for q, vs in by.items()}


def my_facilitation(store: GraphStore, assessor_id: str) -> MyFacilitation:
    """The person's own record: counts, the reviews of meetings they facilitated (whoever rated), their private notes."""
    sets = {s.id: s for s in store.sets_of_assessor(assessor_id, current_only=False)}
    records = store.live_meetings_of_sets(sorted(sets))
    facilitated: list[FacilitatedMeeting] = []
    presented = 0
    for r in records:
        state = LiveState.from_dict(r.state)
        if assessor_id in state.presenters:
            presented += 1
        if state.facilitator != assessor_id:
            continue
        number = int(r.meeting_id.rsplit(":", 1)[1])
        facilitated.append(
            FacilitatedMeeting(
                set_name=sets[r.set_id].set.name,
                set_id=r.set_id,
                number=number,
                on=day_words(state.started_at.astimezone(calendar.ZONE).date()),
                completed=engine.completed(state),
                ratings=_average(state.ratings),
                raters=len(state.ratings),
                line=state.review_line,
                note=r.note or None,
            )
        )
    return MyFacilitation(len(facilitated), presented, tuple(reversed(facilitated)))


@dataclass(frozen=True, slots=True)
class SetFacilitation:
    """One set's process over time, for its coordinators: aggregates only, no individual notes or ratings.

    ``average`` is ``None`` (shown as "fewer than 5") when fewer than :data:`MIN_GROUP` ratings were given;
    ``not_yet`` is how many current members have not facilitated a live meeting yet.
    """

    set_id: str
    name: str
    meetings: int
    completed: int
    average: float | None
    ratings: int
    not_yet: int
    members: int

    @property
    def completed_share(self) -> int | None:
        return None if not self.meetings else round(100 * self.completed / self.meetings)


def programme_facilitation(store: GraphStore, programme_id: str) -> list[SetFacilitation]:
    """Per set of the programme: meetings run live, share completed, average review (small-number rule), members yet to facilitate."""
    sets = store.sets_of_programme(programme_id)
    records = store.live_meetings_of_sets([s.id for s in sets])
    out = []
    for s in sets:
        states = [LiveState.from_dict(r.state) for r in records if r.set_id == s.id]
        values = [v for st in states for _m, rs in st.ratings for _q, v in rs]
        raters = sum(len(st.ratings) for st in states)
        facilitators = {st.facilitator for st in states}
        current = set(s.current_member_ids)
        out.append(
            SetFacilitation(
                set_id=s.id,
                name=s.set.name,
                meetings=len(states),
                completed=sum(1 for st in states if engine.completed(st)),
                average=round(sum(values) / len(values), 1) if raters >= MIN_GROUP and values else None,
                ratings=raters,
                not_yet=len(current - facilitators),
                members=len(current),
            )
        )
    return out


# -- privacy ---------------------------------------------------------------------------------------


def forget_erased(store: GraphStore, events: Sequence[ev.Event]) -> None:
    """An erased person's private notes to self go with them (run by the dispatcher in the erasure's own unit of work)."""
    for e in events:
        if isinstance(e, ev.Erased):
            store.forget_live_notes(e.assessor_id)


def personal_data(store: GraphStore, assessor_id: str) -> dict[str, Any]:
    """What the live meetings keep about the person: how often they facilitated and presented, and their notes to self."""
    mine = my_facilitation(store, assessor_id)
    return {
        "facilitated": mine.facilitated,
        "presented": mine.presented,
        "notes_to_self": [{"set_id": m.set_id, "meeting": m.number, "on": m.on, "note": m.note} for m in mine.meetings if m.note],
    }

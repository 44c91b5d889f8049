"""Set health: which action learning sets are fading, why, and what a coordinator could do about it.

Voluntary sets tend to fade away quietly. :func:`set_health` reads one set's meetings and
membership and gives its signals, each with a reason a person can read:

* ``attendance``: the share of recorded places that were attended, overall and over the last
  few held meetings, and whether it is rising, steady or falling;
* ``missed_twice``: a current member who missed (absent or apologies) their last two recorded meetings;
* ``below_minimum``: fewer current members than the programme's minimum set size;
* ``no_facilitator``: a meeting still to come with nobody to facilitate it (or one that was held without one).

:func:`sets_at_risk` orders the sets that show any signal by urgency and suggests an action
for each: fill the vacancy (with the set formation repair), check in with a member, or ask the set
to agree a facilitator. :func:`participation` sums up one organisation's assessors' attendance.

Pure Python; deterministic (ties broken by id).

>>> from datetime import date
>>> m = [MeetingFacts(1, date(2026, 1, 6), "ann", (("ann", "attended"), ("bob", "absent"))),
...      MeetingFacts(2, date(2026, 2, 3), "bob", (("ann", "attended"), ("bob", "apologies")))]
>>> h = set_health(SetFacts("s1", "Set 1", ("ann", "bob"), m, minimum=3), today=date(2026, 2, 10))
>>> [s.code for s in h.signals], h.attendance_rate
(['below_minimum', 'missed_twice', 'low_attendance'], 0.5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from network.meetings import day_words

#: Signals, with how much each adds to a set's urgency.
WEIGHTS: dict[str, int] = {
    "below_minimum": 4,  # plus one per missing member
    "missed_twice": 3,
    "no_facilitator_soon": 3,
    "no_facilitator": 1,
    "low_attendance": 2,
    "falling_attendance": 1,
}

#: Attendance below this share of recorded places is low.
LOW_ATTENDANCE = 0.6
#: A change in the attendance rate of at least this much counts as rising or falling.
TREND_STEP = 0.15
#: Held meetings compared for the trend (the last this many against the ones before).
TREND_WINDOW = 3
#: An unfacilitated meeting within this many days is urgent.
SOON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """What health needs of one meeting: number, date, facilitator and attendance ((assessor id, status) pairs)."""

    number: int
    on: date
    facilitator: str | None
    attendance: tuple[tuple[str, str], ...] = ()

    @property
    def held(self) -> bool:
        return bool(self.attendance)


@dataclass(frozen=True, slots=True)
class SetFacts:
    """One set's current members (by id) and meetings, and its programme's minimum size."""

    set_id: str
    name: str
    members: tuple[str, ...]
    meetings: tuple[MeetingFacts, ...]
    minimum: int = 4
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason for concern, in words; ``assessor_id`` / ``meeting_number`` say who or which meeting."""

    code: str
    message: str
    weight: int
    assessor_id: str | None = None
    meeting_number: int | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """A suggested step: ``fill_vacancy`` (repair), ``check_in`` (with ``assessor_id``, or the set) or ``agree_facilitator``."""

    code: str
    message: str
    assessor_id: str | None = None


@dataclass(frozen=True, slots=True)
class SetHealth:
    """One set's signals, attendance figures and suggested actions; ``urgency`` orders the sets at risk."""

    set_id: str
    name: str
    size: int
    minimum: int
    attendance_rate: float | None
    recent_rate: float | None
    trend: str | None  # rising | steady | falling | None (fewer than two held meetings)
    held: int
    signals: tuple[Signal, ...] = ()
    actions: tuple[Action, ...] = ()
    next_meeting: date | None = None

    @property
    def urgency(self) -> int:
        return sum(s.weight for s in self.signals)

    @property
    def at_risk(self) -> bool:
        return bool(self.signals)


def _rate(meetings: Sequence[MeetingFacts]) -> float | None:
    places = [s for m in meetings for _a, s in m.attendance]
    if not places:
        return None
    return sum(1 for s in places if s == "attended") / len(places)


def _missed_run(member: str, held: Sequence[MeetingFacts]) -> list[str]:
    """The member's statuses at the held meetings where they were recorded, most recent last."""
    return [s for m in held for a, s in m.attendance if a == member]


def set_health(facts: SetFacts, today: date, names: Mapping[str, str] | None = None) -> SetHealth:
    """The health of one set on ``today``.

    Parameters
    ----------
    facts
        The set's current members and its meetings (any order).
    today
        Meetings on or after it are still to come.
    names
        Display names by assessor id, for the messages (ids otherwise).

    Returns
    -------
    SetHealth
        Signals (most urgent first) with readable reasons, and one suggested action per problem.
        A closed set has no signals.

    Notes
    -----
    O(meetings x members). The attendance rate counts recorded places only (a member with no
    record for a held meeting is not counted either way).
    """
    names = names or {}

    def who(a: str) -> str:
        return names.get(a, a)

    meetings = sorted(facts.meetings, key=lambda m: (m.on, m.number))
    held = [m for m in meetings if m.held]
    rate = _rate(held)
    window = min(TREND_WINDOW, len(held) // 2)
    recent = _rate(held[-window:]) if window else None
    earlier = _rate(held[-2 * window : -window]) if window else None
    trend = None
    if recent is not None and earlier is not None:
        change = recent - earlier
        trend = "falling" if change <= -TREND_STEP else "rising" if change >= TREND_STEP else "steady"
    upcoming = [m for m in meetings if not m.held and m.on >= today]
    base = dict(
        set_id=facts.set_id,
        name=facts.name,
        size=len(facts.members),
        minimum=facts.minimum,
        attendance_rate=rate,
        recent_rate=recent,
        trend=trend,
        held=len(held),
        next_meeting=upcoming[0].on if upcoming else None,
    )
    if facts.status == "closed":
        return SetHealth(**base)  # type: ignore[arg-type]

    signals: list[Signal] = []
    actions: list[Action] = []
    missing = facts.minimum - len(facts.members)
    if missing > 0:
        signals.append(
            Signal(
                "below_minimum",
                f"{len(facts.members)} members, below the minimum of {facts.minimum}",
                WEIGHTS["below_minimum"] + missing,
            )
        )
        places = "place" if missing == 1 else "places"
        actions.append(Action("fill_vacancy", f"Fill the vacancy: {missing} {places} to reach the minimum (see replacement suggestions)"))
    for member in sorted(facts.members):
        statuses = _missed_run(member, held)
        if len(statuses) >= 2 and all(s != "attended" for s in statuses[-2:]):
            how = "gave apologies for" if all(s == "apologies" for s in statuses[-2:]) else "missed"
            signals.append(
                Signal("missed_twice", f"{who(member)} {how} the last two meetings", WEIGHTS["missed_twice"], assessor_id=member)
            )
            actions.append(Action("check_in", f"Check in with {who(member)}", assessor_id=member))
    members = set(facts.members)
    # A facilitator who has left the set will not come: the meeting has nobody to facilitate it.
    unfacilitated = [m for m in upcoming if m.facilitator is None or m.facilitator not in members]
    for m in unfacilitated:
        soon = m.on - today <= SOON
        code = "no_facilitator_soon" if soon else "no_facilitator"
        signals.append(
            Signal("no_facilitator", f"The meeting on {day_words(m.on)} has no facilitator", WEIGHTS[code], meeting_number=m.number)
        )
    for m in held:
        if m.facilitator is None:
            signals.append(
                Signal("no_facilitator", f"The meeting on {day_words(m.on)} was held without a facilitator", 1, meeting_number=m.number)
            )
    if unfacilitated:
        actions.append(
            Action("agree_facilitator", f"Ask the set to agree a facilitator for the meeting on {day_words(unfacilitated[0].on)}")
        )
    if rate is not None and len(held) >= 2 and rate < LOW_ATTENDANCE:
        signals.append(Signal("low_attendance", f"Attendance is {round(rate * 100)}% of places", WEIGHTS["low_attendance"]))
    if trend == "falling" and recent is not None and earlier is not None:
        signals.append(
            Signal(
                "falling_attendance",
                f"Attendance fell from {round(earlier * 100)}% to {round(recent * 100)}% over the last {window} meetings",
                WEIGHTS["falling_attendance"],
            )
        )
    if any(s.code in ("low_attendance", "falling_attendance") for s in signals) and not any(a.code == "check_in" for a in actions):
        actions.append(Action("check_in", "Check in with the set about attendance"))
    signals.sort(key=lambda s: (-s.weight, s.code, s.assessor_id or "", s.meeting_number or 0))
    return SetHealth(**base, signals=tuple(signals), actions=tuple(actions))  # type: ignore[arg-type]


def sets_at_risk(all_facts: Sequence[SetFacts], today: date, names: Mapping[str, str] | None = None) -> list[SetHealth]:
    """The sets showing any signal, most urgent first (then the sooner next meeting, then set id).

    >>> from datetime import date
    >>> ok = SetFacts("a", "A", ("x", "y", "z", "w"), ())
    >>> small = SetFacts("b", "B", ("x",), ())
    >>> [h.set_id for h in sets_at_risk([ok, small], date(2026, 1, 1))]
    ['b']
    """
    found = [h for h in (set_health(f, today, names) for f in all_facts) if h.at_risk]
    return sorted(found, key=lambda h: (-h.urgency, h.next_meeting or date.max, h.set_id))


@dataclass(frozen=True, slots=True)
class ParticipationSummary:
    """One assessor's attendance in one set."""

    assessor_id: str
    set_id: str
    current: bool
    recorded: int
    attended: int
    apologies: int
    absent: int
    missed_in_a_row: int
    last_attended: date | None = None
    rate: float | None = field(default=None)


def participation(assessor_id: str, set_id: str, current: bool, attendance: Sequence[tuple[date, str]]) -> ParticipationSummary:
    """Counts of one membership's attendance ((meeting date, status) pairs, any order).

    >>> from datetime import date
    >>> participation("ann", "s", True, [(date(2026, 1, 6), "attended"), (date(2026, 2, 3), "absent")]).missed_in_a_row
    1
    """
    ordered = sorted(attendance)
    statuses = [s for _d, s in ordered]
    run = 0
    for s in reversed(statuses):
        if s == "attended":
            break
        run += 1
    attended = statuses.count("attended")
    last = max((d for d, s in ordered if s == "attended"), default=None)
    return ParticipationSummary(
        assessor_id=assessor_id,
        set_id=set_id,
        current=current,
        recorded=len(statuses),
        attended=attended,
        apologies=statuses.count("apologies"),
        absent=statuses.count("absent"),
        missed_in_a_row=run,
        last_attended=last,
        rate=attended / len(statuses) if statuses else None,
    )

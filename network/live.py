"""A meeting of a self-managed action learning set as it happens: phases, bids for time, timers, prompts.

Pure: no Flask, no store, no clock. Every function takes ``now`` and returns a new :class:`LiveState`
(states are frozen values); the use cases (:mod:`api.services.live`) read the stored state, apply one
step here and store the result with a version check, so nothing ticks on a server: a timer is its
start time, its pauses and its allowance, and what it shows is worked out when it is read.

The process (as the programme's sets run it):

1. **check-in**: members join (opening the live page joins them; that is where attendance comes from)
   and say briefly how they are arriving;
2. **bids**: each member except the facilitator asks for minutes or passes; the time left is shared
   out fairly (:func:`fair_shares`: nobody gets more than they asked, and nobody is cut while
   someone who asked for more keeps more);
3. **a slot per presenter**, in three stages: *presenting* (uninterrupted), *questions* (open
   questions, no advice) and *action* (the presenter says what they will do);
4. **review**: a few ratings of how the process went and one line for the set; then it is closed.

Nothing about the cases discussed is part of the state: only who, how long and the review.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

#: The phases of a meeting, in order.
PHASES: tuple[str, ...] = ("checkin", "bids", "slots", "review", "closed")

#: The stages of one presenter's slot, in order.
STAGES: tuple[str, ...] = ("presenting", "questions", "action")

#: Share of a slot each stage is given (the rest goes to questions).
STAGE_SHARE: Mapping[str, float] = {"presenting": 0.3, "action": 0.15}

#: Minutes kept for the review at the end.
REVIEW_MINUTES = 10
#: Minutes check-in is planned to take (its timer; going over only shows a gentle note).
CHECKIN_MINUTES = 10
#: Minutes bidding is planned to take.
BIDS_MINUTES = 5
#: The most minutes anyone may bid, and the most one extension adds.
MAX_BID = 60
MAX_EXTEND = 15
#: The shortest slot worth having: bids are shared out in whole minutes, at least this many each when possible.
MIN_SLOT = 5

#: The review's questions (ratings 1-5), with the words a person reads.
REVIEW_QUESTIONS: Mapping[str, str] = {
    "questions": "We asked open questions and held back advice",
    "uninterrupted": "Presenters could speak without being interrupted",
    "time": "We kept to time and shared it fairly",
}
RATING_MIN, RATING_MAX = 1, 5
#: Longest review line ("one line for the set").
MAX_REVIEW_LINE = 200
#: Longest private note a facilitator keeps for next time.
MAX_NOTE = 300

#: Prompts for the facilitator of the day, for someone doing it for the first time (phase or stage -> lines).
PROMPTS: Mapping[str, tuple[str, ...]] = {
    "checkin": (
        "Welcome everyone and remind them: nothing said about cases leaves the meeting, and nothing is written down here.",
        "Ask each person in turn for a sentence or two on how they are arriving today. No discussion yet.",
        "When everyone has checked in, open the bids for time.",
    ),
    "bids": (
        "Ask who would like time today and how many minutes. Passing is fine.",
        "The page shares the time left out fairly. You can agree the order together.",
        "As facilitator you run the meeting today, so you do not bid.",
    ),
    "presenting": (
        "Let the presenter finish uninterrupted.",
        "Others listen and may note questions for later. Silence is fine: it is thinking time.",
    ),
    "questions": (
        "Questions, not advice: 'What would…', 'How did you feel when…', 'What have you tried?'",
        "If someone starts giving advice or their own story, gently ask them to turn it into a question.",
        "Give the presenter time to answer; you do not need to fill pauses.",
    ),
    "action": (
        "Ask the presenter: 'What will you do before we next meet?'",
        "The action is theirs. Others do not suggest one. Only the presenter sees what they write.",
    ),
    "review": (
        "Ask the group how the process went today, not the cases: did we keep to questions? Did we keep to time?",
        "Agree one line for the set to keep, then close the meeting.",
    ),
    "closed": ("The meeting is closed. Thank you for facilitating.",),
}

#: What everyone else is asked to do at each part (the facilitator has the prompts); ``presenter`` while one presents.
HINTS: Mapping[str, str] = {
    "checkin": "Say briefly how you are arriving today. No discussion yet.",
    "bids": "Ask for the minutes you would like today, or pass.",
    "presenting": "Listen without interrupting. Note questions for later.",
    "questions": "Ask open questions. Hold back advice and your own stories.",
    "action": "The presenter says what they will do. The action is theirs to choose.",
    "review": "Rate how the process went today, not the cases.",
    "closed": "Thank you. Check who was there below.",
    "presenter": "Take your time. The others will listen and then ask questions; you do not have to answer at once.",
}

#: What a gentle over-time note says.
OVER_TIME = "Time is up for this part. Finish the thought, then move on, or add a few minutes."


class LiveError(ValueError):
    """A step that does not fit the meeting now (wrong phase, not the facilitator, a bad value); ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Timer:
    """A countdown kept as data: started at, allowance, paused seconds so far and since when (if paused)."""

    started_at: datetime
    allowed_s: int
    paused_s: float = 0.0
    paused_since: datetime | None = None

    def elapsed(self, now: datetime) -> float:
        """Seconds run (pauses do not count)."""
        end = self.paused_since or now
        return max(0.0, (end - self.started_at).total_seconds() - self.paused_s)

    def remaining(self, now: datetime) -> float:
        """Seconds left (negative once over time)."""
        return self.allowed_s - self.elapsed(now)

    def over(self, now: datetime) -> bool:
        return self.remaining(now) < 0

    def pause(self, now: datetime) -> Timer:
        return self if self.paused_since is not None else replace(self, paused_since=now)

    def resume(self, now: datetime) -> Timer:
        if self.paused_since is None:
            return self
        return replace(self, paused_s=self.paused_s + max(0.0, (now - self.paused_since).total_seconds()), paused_since=None)

    def extend(self, seconds: int) -> Timer:
        return replace(self, allowed_s=self.allowed_s + seconds)


@dataclass(frozen=True, slots=True)
class Slot:
    """One presenter's time: minutes given, the stage they are at, and how it ended."""

    presenter: str
    minutes: int
    stage: str = "presenting"
    outcome: str | None = None  # None while to come or running; "done" or "skipped"


@dataclass(frozen=True, slots=True)
class LiveState:
    """The whole state of one live meeting (what every member's page shows)."""

    facilitator: str
    members: tuple[str, ...]
    started_at: datetime
    ends_at: datetime
    phase: str = "checkin"
    joined: tuple[str, ...] = ()
    checked_in: tuple[str, ...] = ()
    bids: tuple[tuple[str, int], ...] = ()  # (member, minutes); 0 is a pass
    slots: tuple[Slot, ...] = ()
    current: int = -1  # index into slots while phase == "slots"
    timer: Timer | None = None
    ratings: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()  # (member, ((question, 1-5), ...))
    review_line: str | None = None
    closed_at: datetime | None = None
    events: int = 0  # steps taken by anyone
    runs: int = 0  # steps taken by the facilitator: what a facilitator's next step says it saw
    last_step: str = "started"

    # -- reading ------------------------------------------------------------------------------

    @property
    def stage(self) -> str:
        """The phase, or the presenter's stage while in a slot (what the prompts and timer are about)."""
        if self.phase == "slots" and 0 <= self.current < len(self.slots):
            return self.slots[self.current].stage
        return self.phase

    @property
    def presenter(self) -> str | None:
        if self.phase == "slots" and 0 <= self.current < len(self.slots):
            return self.slots[self.current].presenter
        return None

    @property
    def presenters(self) -> tuple[str, ...]:
        """Who presented (or is presenting): slots reached and not skipped."""
        return tuple(s.presenter for i, s in enumerate(self.slots) if s.outcome == "done" or (i == self.current and self.phase == "slots"))

    def bid_of(self, member: str) -> int | None:
        return dict(self.bids).get(member)

    def paused(self) -> bool:
        return self.timer is not None and self.timer.paused_since is not None

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes until the meeting's planned end (0 when past it)."""
        return max(0, int((self.ends_at - now).total_seconds() // 60))

    def shares(self, now: datetime) -> dict[str, int]:
        """Minutes each bidder gets: stored for slots started, a fair share of the time left for the rest."""
        if self.phase in ("checkin", "bids"):
            left = self.minutes_left(now) - REVIEW_MINUTES - (BIDS_MINUTES if self.phase == "checkin" else 0)
            return fair_shares([(m, b) for m, b in self.bids if b > 0], left)
        return {s.presenter: s.minutes for s in self.slots}

    def average_rating(self) -> float | None:
        values = [v for _m, rs in self.ratings for _q, v in rs]
        return sum(values) / len(values) if values else None

    # -- storing ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        t = self.timer
        return {
            "facilitator": self.facilitator,
            "members": list(self.members),
            "started_at": _iso(self.started_at),
            "ends_at": _iso(self.ends_at),
            "phase": self.phase,
            "joined": list(self.joined),
            "checked_in": list(self.checked_in),
            "bids": [[m, b] for m, b in self.bids],
            "slots": [{"presenter": s.presenter, "minutes": s.minutes, "stage": s.stage, "outcome": s.outcome} for s in self.slots],
            "current": self.current,
            "timer": None
            if t is None
            else {"started_at": _iso(t.started_at), "allowed_s": t.allowed_s, "paused_s": t.paused_s, "paused_since": _iso(t.paused_since)},
            "ratings": {m: dict(rs) for m, rs in self.ratings},
            "review_line": self.review_line,
            "closed_at": _iso(self.closed_at),
            "events": self.events,
            "runs": self.runs,
            "last_step": self.last_step,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LiveState:
        t = d.get("timer")
        return cls(
            facilitator=d["facilitator"],
            members=tuple(d["members"]),
            started_at=_time(d["started_at"]),
            ends_at=_time(d["ends_at"]),
            phase=d["phase"],
            joined=tuple(d.get("joined", ())),
            checked_in=tuple(d.get("checked_in", ())),
            bids=tuple((m, int(b)) for m, b in d.get("bids", ())),
            slots=tuple(Slot(s["presenter"], int(s["minutes"]), s["stage"], s.get("outcome")) for s in d.get("slots", ())),
            current=int(d.get("current", -1)),
            timer=None
            if t is None
            else Timer(_time(t["started_at"]), int(t["allowed_s"]), float(t.get("paused_s", 0.0)), _maybe_time(t.get("paused_since"))),
            ratings=tuple((m, tuple(sorted((q, int(v)) for q, v in rs.items()))) for m, rs in sorted(d.get("ratings", {}).items())),
            review_line=d.get("review_line"),
            closed_at=_maybe_time(d.get("closed_at")),
            events=int(d.get("events", 0)),
            runs=int(d.get("runs", 0)),
            last_step=d.get("last_step", ""),
        )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _maybe_time(text: str | None) -> datetime | None:
    return None if text is None else _time(text)


# -- fair shares -------------------------------------------------------------------------------


def fair_shares(bids: Sequence[tuple[str, int]], minutes: int) -> dict[str, int]:
    """Share ``minutes`` out among ``bids`` (member, minutes asked > 0) fairly, in whole minutes.

    Max-min fair ("water filling"): if all asks fit, each gets what they asked; otherwise everyone
    gets the same level except those who asked for less, who get their ask. Minutes left over by
    rounding go one each to the earliest bidders still below their ask. Nobody gets more than they
    asked, the total never exceeds ``minutes`` (none when it is 0 or less), and the result does not
    depend on anything but the bids and the time.
    """
    asks = [(m, b) for m, b in bids if b > 0]
    if not asks:
        return {}
    budget = max(0, int(minutes))
    if sum(b for _m, b in asks) <= budget:
        return dict(asks)
    given = {m: 0 for m, _b in asks}
    open_ = [(m, b) for m, b in asks]
    left = budget
    while open_ and left > 0:
        level = left // len(open_)
        if level == 0:
            break
        small = [(m, b) for m, b in open_ if b - given[m] <= level]
        if small:
            for m, b in small:
                left -= b - given[m]
                given[m] = b
            open_ = [(m, b) for m, b in open_ if (m, b) not in small]
            continue
        for m, _b in open_:
            given[m] += level
        left -= level * len(open_)
    for m, b in open_:
        if left <= 0:
            break
        if given[m] < b:
            given[m] += 1
            left -= 1
    return given


def stage_seconds(minutes: int, stage: str) -> int:
    """Seconds a stage of a ``minutes``-minute slot is given: presenting and action a share, questions the rest."""
    total = minutes * 60
    presenting = round(total * STAGE_SHARE["presenting"])
    action = max(60, round(total * STAGE_SHARE["action"])) if total >= 180 else round(total * STAGE_SHARE["action"])
    if stage == "presenting":
        return presenting
    if stage == "action":
        return action
    return max(0, total - presenting - action)


# -- steps -------------------------------------------------------------------------------------


def start(facilitator: str, members: Iterable[str], now: datetime, length: timedelta) -> LiveState:
    """A meeting opened by its facilitator: check-in begins, the facilitator has joined."""
    members_ = tuple(sorted(set(members) | {facilitator}))
    return LiveState(
        facilitator=facilitator,
        members=members_,
        started_at=now,
        ends_at=now + length,
        joined=(facilitator,),
        timer=Timer(now, CHECKIN_MINUTES * 60),
        last_step="started",
    )


def _step(state: LiveState, what: str, **changes: Any) -> LiveState:
    return replace(state, events=state.events + 1, last_step=what, **changes)


def _member(state: LiveState, member: str) -> None:
    if member not in state.members:
        raise LiveError("member", "only members of the set take part in its meeting")


def _open(state: LiveState) -> None:
    if state.phase == "closed":
        raise LiveError("phase", "the meeting is closed")


def _facilitates(state: LiveState, member: str) -> None:
    if member != state.facilitator:
        raise LiveError("member", "only today's facilitator can do that")


def join(state: LiveState, member: str) -> LiveState:
    """``member`` opened the meeting (this is what fills attendance); joining twice changes nothing."""
    _member(state, member)
    _open(state)
    if member in state.joined:
        return state
    return _step(state, "joined", joined=(*state.joined, member))


def check_in(state: LiveState, member: str) -> LiveState:
    """``member`` has checked in (they joined too, if they had not)."""
    state = join(state, member)
    if state.phase != "checkin":
        raise LiveError("phase", "check-in is over")
    if member in state.checked_in:
        return state
    return _step(state, "checked_in", checked_in=(*state.checked_in, member))


def bid(state: LiveState, member: str, minutes: int) -> LiveState:
    """``member`` asks for ``minutes`` (0 passes) while bids are open; a new bid replaces their last."""
    state = join(state, member)
    if state.phase not in ("checkin", "bids"):
        raise LiveError("phase", "bids for time are closed")
    if member == state.facilitator:
        raise LiveError("minutes", "the facilitator runs the meeting and does not bid for time")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= MAX_BID:
        raise LiveError("minutes", f"ask for 1 to {MAX_BID} minutes, or pass")
    bids = tuple((m, b) for m, b in state.bids if m != member) + ((member, minutes),)
    return _step(state, "passed" if minutes == 0 else "bid", bids=bids)


def _start_slot(state: LiveState, index: int, now: datetime) -> LiveState:
    if index >= len(state.slots):
        return replace(state, phase="review", current=-1, timer=Timer(now, REVIEW_MINUTES * 60))
    slot = state.slots[index]
    slots = tuple(replace(s, stage="presenting") if i == index else s for i, s in enumerate(state.slots))
    return replace(state, phase="slots", current=index, slots=slots, timer=Timer(now, stage_seconds(slot.minutes, "presenting")))


def advance(state: LiveState, member: str, now: datetime) -> LiveState:
    """The facilitator moves on: check-in -> bids -> each slot's stages -> review."""
    _facilitates(state, member)
    _open(state)
    if state.phase == "checkin":
        return _step(state, "bids_opened", phase="bids", timer=Timer(now, BIDS_MINUTES * 60))
    if state.phase == "bids":
        left = state.minutes_left(now) - REVIEW_MINUTES
        asks = [(m, b) for m, b in state.bids if b > 0]
        shares = fair_shares(asks, left)
        # Whoever asked gets a slot, at least a minute even when the meeting has run out of time.
        slots = tuple(Slot(m, max(1, shares.get(m, 0))) for m, _b in asks)
        return _step(_start_slot(replace(state, slots=slots), 0, now), "slots_started")
    if state.phase == "slots":
        slot = state.slots[state.current]
        at = STAGES.index(slot.stage)
        if at + 1 < len(STAGES):
            stage = STAGES[at + 1]
            slots = tuple(replace(s, stage=stage) if i == state.current else s for i, s in enumerate(state.slots))
            return _step(state, f"stage_{stage}", slots=slots, timer=Timer(now, stage_seconds(slot.minutes, stage)))
        done = tuple(replace(s, outcome="done") if i == state.current else s for i, s in enumerate(state.slots))
        nxt = _start_slot(replace(state, slots=done), state.current + 1, now)
        return _step(nxt, "next_slot" if nxt.phase == "slots" else "review_opened")
    raise LiveError("phase", "the review is the last part: close the meeting when it is done")


def skip(state: LiveState, member: str, now: datetime) -> LiveState:
    """The facilitator skips the rest of the current slot (the presenter ran out of need or time), or the current phase."""
    _facilitates(state, member)
    _open(state)
    if state.phase != "slots":
        return advance(state, member, now)
    skipped = tuple(
        replace(s, outcome="skipped" if s.stage == "presenting" else "done") if i == state.current else s for i, s in enumerate(state.slots)
    )
    nxt = _start_slot(replace(state, slots=skipped), state.current + 1, now)
    return _step(nxt, "skipped")


def pause(state: LiveState, member: str, now: datetime) -> LiveState:
    _facilitates(state, member)
    _open(state)
    if state.timer is None or state.paused():
        return state
    return _step(state, "paused", timer=state.timer.pause(now))


def resume(state: LiveState, member: str, now: datetime) -> LiveState:
    _facilitates(state, member)
    _open(state)
    if state.timer is None or not state.paused():
        return state
    assert state.timer.paused_since is not None
    pause_length = now - state.timer.paused_since
    # A pause stops the clock for the whole meeting: its planned end moves with it.
    return _step(state, "resumed", timer=state.timer.resume(now), ends_at=state.ends_at + max(pause_length, timedelta(0)))


def extend(state: LiveState, member: str, minutes: int) -> LiveState:
    """The facilitator adds ``minutes`` to the current part."""
    _facilitates(state, member)
    _open(state)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_EXTEND:
        raise LiveError("minutes", f"add 1 to {MAX_EXTEND} minutes")
    if state.timer is None:
        raise LiveError("phase", "there is no timer to extend now")
    return _step(state, "extended", timer=state.timer.extend(minutes * 60))


def rate(state: LiveState, member: str, ratings: Mapping[str, int]) -> LiveState:
    """``member`` rates how the process went (each question 1-5; their new ratings replace their last)."""
    _member(state, member)
    if state.phase not in ("review", "closed"):
        raise LiveError("phase", "the review comes at the end of the meeting")
    unknown = sorted(set(ratings) - set(REVIEW_QUESTIONS))
    if unknown or not ratings:
        raise LiveError("ratings", f"rate these: {', '.join(REVIEW_QUESTIONS)}")
    for q, v in ratings.items():
        if not isinstance(v, int) or isinstance(v, bool) or not RATING_MIN <= v <= RATING_MAX:
            raise LiveError("ratings", f"{REVIEW_QUESTIONS[q]}: give {RATING_MIN} to {RATING_MAX}")
    mine = tuple(sorted((q, v) for q, v in ratings.items()))
    others = tuple((m, r) for m, r in state.ratings if m != member)
    return _step(state, "rated", ratings=tuple(sorted((*others, (member, mine)))))


def check_line(text: str | None, limit: int, field_name: str) -> str | None:
    """One line of text: trimmed, no line breaks or control characters, at most ``limit`` characters; empty is ``None``."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise LiveError(field_name, "must be text")
    line = " ".join(text.split())
    if any(ord(c) < 32 or ord(c) == 127 for c in text if c not in "\n\r\t"):
        raise LiveError(field_name, "must be plain text")
    if len(line) > limit:
        raise LiveError(field_name, f"keep it to one line of at most {limit} characters")
    return line or None


def review_line(state: LiveState, member: str, text: str | None) -> LiveState:
    """The one line the set keeps about its process (e.g. "we kept to questions"); any member may write it at the review."""
    _member(state, member)
    if state.phase not in ("review", "closed"):
        raise LiveError("phase", "the review comes at the end of the meeting")
    return _step(state, "review_line", review_line=check_line(text, MAX_REVIEW_LINE, "line"))


def close(state: LiveState, member: str, now: datetime) -> LiveState:
    """The facilitator closes the meeting after the review."""
    _facilitates(state, member)
    if state.phase == "closed":
        return state
    if state.phase != "review":
        raise LiveError("phase", "close the meeting after the review")
    timer = state.timer.resume(now) if state.timer is not None else None
    return _step(state, "closed", phase="closed", closed_at=now, timer=timer)


def completed(state: LiveState) -> bool:
    """The process was followed to the end: the meeting went through check-in, bids and slots to the review and was closed."""
    return state.phase == "closed"


# -- the clock, for people ---------------------------------------------------------------------


def clock_words(seconds: float) -> str:
    """Time left (or over) as a person says it: ``'4 minutes left'``, ``'under a minute left'``, ``'2 minutes over'``."""
    if seconds >= 0:
        whole = math.ceil(seconds / 60) if seconds > 0 else 0
        if seconds < 60:
            return "under a minute left" if seconds > 0 else "no time left"
        return f"{whole} minute{'s' if whole != 1 else ''} left"
    over = math.floor(-seconds / 60)
    if over < 1:
        return "just over time"
    return f"{over} minute{'s' if over != 1 else ''} over"


@dataclass(frozen=True, slots=True)
class Clock:
    """What the timer shows at ``now``: seconds left (negative when over), the words, whether paused or over."""

    remaining_s: float
    allowed_s: int
    words: str
    paused: bool
    over: bool


def clock(state: LiveState, now: datetime) -> Clock | None:
    """The current part's timer at ``now`` (``None`` when there is none, e.g. after closing)."""
    if state.timer is None or state.phase == "closed":
        return None
    left = state.timer.remaining(now)
    return Clock(left, state.timer.allowed_s, clock_words(left), state.paused(), left < 0)


def attendance(state: LiveState) -> dict[str, str]:
    """Attendance as the meeting shows it: who joined attended, everyone else in the set was absent."""
    return {m: ("attended" if m in state.joined else "absent") for m in state.members}

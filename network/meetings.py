"""Editing a set's stored meetings: swapping turns, re-planning after a membership change, checking a move.

Pure functions over :class:`Turns` (one meeting's date and turns). The service layer reads
the stored meetings, calls these, and writes the result in one transaction.

* :func:`swap` exchanges one member's facilitator or presenter turn with another member's
  (their nearest turn of the same role still to come, or one named); every other turn stays as it
  is. It is always an exchange: if the other member has no turn to give back, nothing changes.
* :func:`replan` shares the turns of the meetings still to come out again over the current
  members, counting the turns each has already taken, so the rota stays fair after someone
  leaves or joins. Held meetings (attendance recorded) and past ones are never passed in.
* :func:`unavailable_for` names the members whose stated weekly availability does not include
  a slot (to warn before moving a meeting there).

Messages name people by their display names (``names``) and meetings by their dates in words
(:func:`day_words`), never by ids or slot codes.

>>> from datetime import date
>>> t = [Turns("m1", 1, date(2026, 1, 6), "ann", ("cat",)), Turns("m2", 2, date(2026, 2, 3), "bob", ("cat",))]
>>> result = swap(t, "m1", "facilitator", "ann", "bob", {"ann", "bob", "cat"}, today=date(2026, 1, 1))
>>> [(x.meeting_id, x.facilitator) for x in result.changed]
[('m1', 'bob'), ('m2', 'ann')]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from network import availability
from network.domain import InvalidValue
from network.rota import RotaMember

#: The turns a member can take, and swap.
ROLES: tuple[str, ...] = ("facilitator", "presenter")


@dataclass(frozen=True, slots=True)
class Turns:
    """One meeting's date and turns; ``held`` once attendance is recorded."""

    meeting_id: str
    number: int
    on: date
    facilitator: str | None
    presenters: tuple[str, ...]
    held: bool = False

    def holds(self, assessor_id: str, role: str) -> bool:
        """True when the assessor has this turn at the meeting."""
        return self.facilitator == assessor_id if role == "facilitator" else assessor_id in self.presenters

    def involves(self, assessor_id: str) -> bool:
        """True when the assessor facilitates or presents at the meeting."""
        return self.facilitator == assessor_id or assessor_id in self.presenters

    def handed(self, role: str, giver: str, taker: str) -> Turns:
        """These turns with ``giver``'s ``role`` turn given to ``taker``."""
        if role == "facilitator":
            return replace(self, facilitator=taker)
        return replace(self, presenters=tuple(taker if p == giver else p for p in self.presenters))


@dataclass(frozen=True, slots=True)
class SwapResult:
    """The two meetings a swap changed, in number order: ``given`` was the holder's turn, ``taken`` is theirs now."""

    changed: tuple[Turns, ...]
    given: str
    taken: str

    @property
    def exchanged(self) -> bool:
        """Always true: a swap exchanges two turns (the other member gives one back) or is refused."""
        return True


#: Turns in words: what someone does at a meeting ("facilitate", "facilitates"), and the kind of turn ("facilitating").
ROLE_VERBS: dict[str, tuple[str, str]] = {"facilitator": ("facilitate", "facilitates"), "presenter": ("present", "presents")}
ROLE_WORDS: dict[str, str] = {"facilitator": "facilitating", "presenter": "presenting"}


def day_words(on: date) -> str:
    """A meeting date as people say it: ``'Tuesday 3 March 2026'``."""
    return f"{on:%A} {on.day} {on:%B %Y}"


def slot_words(slot: str) -> str:
    """One meeting's time of day in words: ``'Monday afternoon'`` (from :func:`network.availability.describe_slot`)."""
    return availability.describe_slot(slot).removesuffix("s")


def when_words(on: date, slot: str) -> str:
    """A meeting's day and time of day in words: ``'Thursday 10 December 2026 in the morning'``."""
    return f"{day_words(on)} in the {slot_words(slot).split()[-1]}"


def _editable(t: Turns, today: date, field: str) -> None:
    if t.held:
        raise InvalidValue(field, f"the meeting on {day_words(t.on)} has been held (attendance is recorded), so its turns are history")
    if t.on < today:
        raise InvalidValue(field, f"the meeting on {day_words(t.on)} is in the past")


def _does(t: Turns, assessor_id: str) -> str:
    """What ``assessor_id`` does at ``t`` (they have a turn there): ``'facilitates'`` or ``'presents'``."""
    return ROLE_VERBS["facilitator" if t.facilitator == assessor_id else "presenter"][1]


def swap(
    turns: Sequence[Turns],
    meeting_id: str,
    role: str,
    holder: str,
    other: str,
    current_members: Collection[str],
    *,
    with_meeting_id: str | None = None,
    today: date,
    names: Mapping[str, str] | None = None,
) -> SwapResult:
    """Exchange ``holder``'s ``role`` turn at ``meeting_id`` with ``other``'s turn of the same role.

    Parameters
    ----------
    turns
        The set's meetings (any order).
    meeting_id, role, holder
        The turn being given away: ``holder`` must have ``role`` at that meeting.
    other
        Who takes it: a current member of the set other than ``holder``.
    with_meeting_id
        The meeting of ``other``'s turn that ``holder`` takes in return; by default ``other``'s
        nearest turn of the same role that can still change and that ``holder`` can take (one
        where ``holder`` has no turn already).
    today
        Meetings before it, or held, cannot change.
    names
        Display names by assessor id, for the messages (ids otherwise).

    Returns
    -------
    SwapResult
        The two changed meetings only: everyone else's turns are untouched, and each of the two
        members has as many turns of ``role`` as before.

    Raises
    ------
    InvalidValue
        Naming the field: someone outside the set, a turn the holder does not have, a held or past
        meeting, a swap that would make someone facilitate and present at the same meeting, or
        ``other`` having no turn of the same role still to come that ``holder`` could take in return.
    """

    def who(assessor_id: str, unknown: str | None = None) -> str:
        return (names or {}).get(assessor_id, unknown or assessor_id)

    if role not in ROLES:
        raise InvalidValue("role", "choose a facilitating or a presenting turn")
    members = set(current_members)
    if holder not in members:
        raise InvalidValue("assessor_id", f"{who(holder, 'the person giving the turn')} is not a current member of the set")
    if other not in members:
        raise InvalidValue("with_assessor_id", f"{who(other, 'the person chosen')} is not a current member of the set")
    if holder == other:
        raise InvalidValue("with_assessor_id", "a swap needs two different members")
    by_id = {t.meeting_id: t for t in turns}
    mine = by_id.get(meeting_id)
    if mine is None:
        raise InvalidValue("meeting_id", "that meeting is not one of the set's")
    _editable(mine, today, "meeting_id")
    if not mine.holds(holder, role):
        raise InvalidValue("assessor_id", f"{who(holder)} does not {ROLE_VERBS[role][0]} on {day_words(mine.on)}")
    if mine.involves(other):
        raise InvalidValue("with_assessor_id", f"{who(other)} already {_does(mine, other)} on {day_words(mine.on)}")
    theirs: Turns | None
    if with_meeting_id is not None:
        theirs = by_id.get(with_meeting_id)
        if theirs is None:
            raise InvalidValue("with_meeting_id", "that meeting is not one of the set's")
        if theirs.meeting_id == meeting_id:
            raise InvalidValue("with_meeting_id", "name a different meeting to swap with")
        _editable(theirs, today, "with_meeting_id")
        if not theirs.holds(other, role):
            raise InvalidValue("with_meeting_id", f"{who(other)} does not {ROLE_VERBS[role][0]} on {day_words(theirs.on)}")
        if theirs.involves(holder):
            raise InvalidValue("with_meeting_id", f"{who(holder)} already {_does(theirs, holder)} on {day_words(theirs.on)}")
    else:
        later = sorted(
            (t for t in turns if t.meeting_id != meeting_id and not t.held and t.on >= today and t.holds(other, role)),
            key=lambda t: (abs((t.on - mine.on).days), t.number),
        )
        # The nearest of their turns the holder can take (not one where the holder already has a turn).
        theirs = next((t for t in later if not t.involves(holder)), None)
        if theirs is None:
            # No exchange is possible: never hand the turn over (one of them would end up with a turn too few).
            blocked = "; ".join(
                f"{who(other)} {ROLE_VERBS[role][1]} on {day_words(t.on)}, when {who(holder)} {_does(t, holder)}" for t in later
            )
            raise InvalidValue(
                "with_assessor_id",
                f"{who(other)} has no {ROLE_WORDS[role]} turn still to come that {who(holder)} could take in return"
                + (f" ({blocked})" if blocked else ""),
            )
    changed = sorted([mine.handed(role, holder, other), theirs.handed(role, other, holder)], key=lambda t: t.number)
    return SwapResult(tuple(changed), given=mine.meeting_id, taken=theirs.meeting_id)


def replan(
    future: Sequence[Turns],
    members: Sequence[RotaMember],
    taken: Mapping[str, tuple[int, int]],
    presenters: int,
) -> list[Turns]:
    """Share the turns of ``future`` meetings fairly over the members, counting turns already taken.

    Parameters
    ----------
    future
        The meetings still to come (not held), in date order; their current turns are ignored.
    members
        The current members; each takes turns only on dates they belong to the set
        (:meth:`network.rota.RotaMember.attends`).
    taken
        ``{assessor id: (facilitated, presented)}`` so far, for members who were in the set for
        earlier meetings. Members missing from it (newcomers) start level with the fewest turns
        anyone attending has had, so they are not made to catch up.
    presenters
        Presenters per meeting (fewer if not enough members attend).

    Returns
    -------
    list[Turns]
        ``future`` with new turns, in the same order. Nobody facilitates and presents at one meeting.

    Notes
    -----
    Greedy, as :func:`network.rota.build_rota`: each meeting's facilitator is the attending
    member with the fewest facilitations so far (then longest ago, then joined, then id);
    presenters likewise among the others. With everyone attending every meeting this never
    widens the gap between the most and least served member, and closes it to at most one
    turn once there are enough meetings. O(meetings x members log members). Deterministic.
    """
    order = sorted(members, key=lambda m: (m.joined or date.min, m.id))
    rank = {m.id: r for r, m in enumerate(order)}
    facilitated = {m: f for m, (f, _p) in taken.items()}
    presented = {m: p for m, (_f, p) in taken.items()}
    last_f: dict[str, int] = {}
    last_p: dict[str, int] = {}
    out = []
    for i, t in enumerate(future):
        attending = [m.id for m in order if m.attends(t.on)]
        if not attending:
            out.append(replace(t, facilitator=None, presenters=()))
            continue
        _level(facilitated, attending)
        _level(presented, attending)
        chair = min(attending, key=lambda a: (facilitated[a], last_f.get(a, -1), rank[a]))
        facilitated[chair] += 1
        last_f[chair] = i
        chosen = sorted(
            (a for a in attending if a != chair),
            key=lambda a: (presented[a], last_p.get(a, -1), rank[a]),
        )[: max(0, presenters)]
        for a in chosen:
            presented[a] += 1
            last_p[a] = i
        out.append(replace(t, facilitator=chair, presenters=tuple(sorted(chosen, key=rank.__getitem__))))
    return out


def _level(counts: dict[str, int], attending: Iterable[str]) -> None:
    attending = list(attending)
    known = [counts[a] for a in attending if a in counts]
    floor = min(known) if known else 0
    for a in attending:
        counts.setdefault(a, floor)


def check_slot_day(on: date, slot: str) -> None:
    """:class:`InvalidValue` unless ``slot`` is a weekly slot on ``on``'s weekday."""
    if not availability.is_slot(slot):
        raise InvalidValue("slot", "choose a time of day: morning, afternoon or evening")
    day = availability.DAYS[on.weekday()]
    if not slot.startswith(day + "-"):
        weekday = f"{on:%A}"
        choices = [slot_words(f"{day}-{part}") for part in availability.PARTS]
        raise InvalidValue(
            "slot",
            f"{day_words(on)} is a {weekday}, not a {slot_words(slot).split()[0]}; "
            f"choose a {weekday} time ({', '.join(choices[:-1])} or {choices[-1]})",
        )


def unavailable_for(slot: str, members: Mapping[str, Sequence[str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Who would be unavailable in ``slot`` by their stated weekly availability, and who has stated none.

    >>> unavailable_for("tue-pm", {"ann": ("tue-pm",), "bob": ("wed-am",), "cat": ()})
    (('bob',), ('cat',))
    """
    unavailable = tuple(sorted(m for m, slots in members.items() if slots and slot not in slots))
    unknown = tuple(sorted(m for m, slots in members.items() if not slots))
    return unavailable, unknown

"""Editing a set's stored meetings: swapping turns, re-planning after a membership change, checking a move.

Pure functions over :class:`Turns` (one meeting's date and turns). The service layer reads
the stored meetings, calls these, and writes the result in one transaction.

* :func:`swap` exchanges one member's facilitator or presenter turn with another member's
  (their next turn of the same role, or one named); every other turn stays as it is.
* :func:`replan` shares the turns of the meetings still to come out again over the current
  members, counting the turns each has already taken, so the rota stays fair after someone
  leaves or joins. Held meetings (attendance recorded) and past ones are never passed in.
* :func:`unavailable_for` names the members whose stated weekly availability does not include
  a slot (to warn before moving a meeting there).

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
    """The turns a swap changes (one meeting if it was a hand-over, two for an exchange), in number order."""

    changed: tuple[Turns, ...]
    exchanged: bool


def _editable(t: Turns, today: date, field: str) -> None:
    if t.held:
        raise InvalidValue(field, f"meeting {t.number} has been held (attendance is recorded), so its turns are history")
    if t.on < today:
        raise InvalidValue(field, f"meeting {t.number} was on {t.on.isoformat()}, in the past")


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
        The meeting of ``other``'s turn that ``holder`` takes in return; by default ``other``'s next
        turn of the same role that can still change. If ``other`` has none, ``other`` just takes
        the turn (a hand-over) and ``holder`` gets nothing back.
    today
        Meetings before it, or held, cannot change.

    Returns
    -------
    SwapResult
        The changed meetings only: everyone else's turns are untouched.

    Raises
    ------
    InvalidValue
        Naming the field: someone outside the set, a turn the holder does not have, a held or past
        meeting, or a swap that would make someone facilitate and present at the same meeting.
    """
    if role not in ROLES:
        raise InvalidValue("role", f"must be one of {', '.join(ROLES)}, got {role!r}")
    members = set(current_members)
    if holder not in members:
        raise InvalidValue("assessor_id", f"{holder} is not a current member of the set")
    if other not in members:
        raise InvalidValue("with_assessor_id", f"{other} is not a current member of the set")
    if holder == other:
        raise InvalidValue("with_assessor_id", "a swap needs two different members")
    by_id = {t.meeting_id: t for t in turns}
    mine = by_id.get(meeting_id)
    if mine is None:
        raise InvalidValue("meeting_id", f"{meeting_id} is not a meeting of the set")
    _editable(mine, today, "meeting_id")
    if not mine.holds(holder, role):
        raise InvalidValue("assessor_id", f"{holder} is not the {role} of meeting {mine.number}")
    if mine.involves(other):
        raise InvalidValue("with_assessor_id", f"{other} already has a turn at meeting {mine.number}")
    theirs: Turns | None
    if with_meeting_id is not None:
        theirs = by_id.get(with_meeting_id)
        if theirs is None:
            raise InvalidValue("with_meeting_id", f"{with_meeting_id} is not a meeting of the set")
        if theirs.meeting_id == meeting_id:
            raise InvalidValue("with_meeting_id", "name a different meeting to swap with")
        _editable(theirs, today, "with_meeting_id")
        if not theirs.holds(other, role):
            raise InvalidValue("with_meeting_id", f"{other} is not the {role} of meeting {theirs.number}")
    else:
        later = sorted(
            (t for t in turns if t.meeting_id != meeting_id and not t.held and t.on >= today and t.holds(other, role)),
            key=lambda t: (abs((t.on - mine.on).days), t.number),
        )
        # The nearest of their turns the holder can take (not one where the holder already has a turn).
        theirs = next((t for t in later if not t.involves(holder)), None)
    if theirs is None:
        return SwapResult((mine.handed(role, holder, other),), exchanged=False)
    if theirs.involves(holder):
        raise InvalidValue("with_meeting_id", f"{holder} already has a turn at meeting {theirs.number}")
    changed = sorted([mine.handed(role, holder, other), theirs.handed(role, other, holder)], key=lambda t: t.number)
    return SwapResult(tuple(changed), exchanged=True)


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
        raise InvalidValue("slot", f"unknown slot {slot!r}")
    day = availability.DAYS[on.weekday()]
    if not slot.startswith(day + "-"):
        weekday = availability.describe_slot(f"{day}-am").split()[0]
        raise InvalidValue("slot", f"{on.isoformat()} is a {weekday}; choose a {weekday} slot ({day}-am, {day}-pm or {day}-eve)")


def unavailable_for(slot: str, members: Mapping[str, Sequence[str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Who would be unavailable in ``slot`` by their stated weekly availability, and who has stated none.

    >>> unavailable_for("tue-pm", {"ann": ("tue-pm",), "bob": ("wed-am",), "cat": ()})
    (('bob',), ('cat',))
    """
    unavailable = tuple(sorted(m for m, slots in members.items() if slots and slot not in slots))
    unknown = tuple(sorted(m for m, slots in members.items() if not slots))
    return unavailable, unknown

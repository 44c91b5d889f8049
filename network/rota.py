"""The facilitator and presenter rota of a self-managed action learning set.

In a self-managed set there is no expert facilitator: members take turns to facilitate, and at
each meeting one or two members present a live case. :func:`build_rota` shares both roles out as
evenly as the membership allows.

>>> from datetime import date
>>> people = [RotaMember("ann"), RotaMember("bob"), RotaMember("cat")]
>>> days = [date(2026, 1, 6), date(2026, 2, 3), date(2026, 3, 3)]
>>> [(m.facilitator, m.presenters) for m in build_rota(people, days)]
[('ann', ('bob',)), ('bob', ('cat',)), ('cat', ('ann',))]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

#: Most presenters one meeting hears (a meeting of about two hours has room for two cases at most).
MAX_PRESENTERS = 2


@dataclass(frozen=True, slots=True)
class RotaMember:
    """A member of the set, taking turns from ``joined`` and no longer on or after ``left``."""

    id: str
    joined: date | None = None
    left: date | None = None

    def attends(self, day: date) -> bool:
        """True when the member belongs to the set on ``day``."""
        return (self.joined is None or self.joined <= day) and (self.left is None or day < self.left)


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting of the rota: its number (from 1), date, facilitator and presenters (``None``/empty if nobody is a member then)."""

    number: int
    on: date
    facilitator: str | None
    presenters: tuple[str, ...]


def presenters_per_meeting(members: int, meetings: int) -> int:
    """How many should present at each meeting so everyone presents at least once, within :data:`MAX_PRESENTERS`.

    >>> presenters_per_meeting(6, 6), presenters_per_meeting(8, 6), presenters_per_meeting(3, 12)
    (1, 2, 1)
    """
    if members < 2 or meetings < 1:
        return 1
    return max(1, min(MAX_PRESENTERS, members - 1, math.ceil(members / meetings)))


def build_rota(members: Sequence[RotaMember], dates: Sequence[date], presenters: int | None = None) -> list[Meeting]:
    """Share facilitating and presenting out over the meetings on ``dates``, as evenly as possible.

    Parameters
    ----------
    members
        The set's members, current and former; each takes turns only while :meth:`RotaMember.attends`.
    dates
        Meeting dates, in order.
    presenters
        Presenters per meeting; default :func:`presenters_per_meeting` for the members at the first meeting.

    Returns
    -------
    list[Meeting]
        One per date. Nobody facilitates and presents at the same meeting.

    Notes
    -----
    Members rotate in (joined, id) order. The facilitator is whoever attending has facilitated
    least (then longest ago, then rotation order): a plain round robin while the membership is
    stable. Presenters are then those attending, other than the facilitator, who have presented
    least; among equals, whoever facilitates soonest goes first (they could not present at that
    meeting), then longest ago, then rotation order. For a stable membership this keeps every
    member's facilitation count and presentation count within one of everyone else's (checked by
    ``tests/network/test_rota.py`` over all small cases); someone who joins later starts level
    with the fewest turns anyone attending has had, so they are not made to catch up. O(meetings x members).
    Deterministic: no randomness.
    """
    order = sorted(members, key=lambda m: (m.joined or date.min, m.id))
    rank = {m.id: r for r, m in enumerate(order)}
    if presenters is None:
        first = [m for m in order if dates and m.attends(dates[0])]
        presenters = presenters_per_meeting(len(first) or len(order), len(dates))
    if presenters < 0:
        raise ValueError(f"presenters must be 0 or more, got {presenters}")

    facilitators = _facilitators(order, rank, dates)
    next_turn = _next_turns(facilitators)
    presented: dict[str, int] = {}
    last_presented: dict[str, int] = {}
    rota: list[Meeting] = []
    for i, day in enumerate(dates):
        attending = [m.id for m in order if m.attends(day)]
        facilitator = facilitators[i]
        _start_level(presented, attending)
        candidates = sorted(
            (a for a in attending if a != facilitator),
            key=lambda a: (presented.get(a, 0), next_turn[i].get(a, len(dates)), last_presented.get(a, -1), rank[a]),
        )
        chosen = tuple(sorted(candidates[:presenters], key=rank.__getitem__))
        for a in chosen:
            presented[a] = presented.get(a, 0) + 1
            last_presented[a] = i
        rota.append(Meeting(number=i + 1, on=day, facilitator=facilitator, presenters=chosen))
    return rota


def _facilitators(order: Sequence[RotaMember], rank: dict[str, int], dates: Sequence[date]) -> list[str | None]:
    """The facilitator of each meeting: fewest turns so far, then longest ago, then rotation order."""
    count: dict[str, int] = {}
    last: dict[str, int] = {}
    out: list[str | None] = []
    for i, day in enumerate(dates):
        attending = [m.id for m in order if m.attends(day)]
        if not attending:
            out.append(None)
            continue
        _start_level(count, attending)
        chosen = min(attending, key=lambda a: (count[a], last.get(a, -1), rank[a]))
        count[chosen] += 1
        last[chosen] = i
        out.append(chosen)
    return out


def _start_level(counts: dict[str, int], attending: Sequence[str]) -> None:
    """Newcomers start level with the least-served member already taking turns (so they are not made to catch up)."""
    known = [counts[a] for a in attending if a in counts]
    floor = min(known) if known else 0
    for a in attending:
        counts.setdefault(a, floor)


def _next_turns(facilitators: Sequence[str | None]) -> list[dict[str, int]]:
    """For each meeting, when each member next facilitates after it (absent: not again)."""
    upcoming: dict[str, int] = {}
    out: list[dict[str, int]] = [{} for _ in facilitators]
    for i in range(len(facilitators) - 1, -1, -1):
        out[i] = dict(upcoming)
        f = facilitators[i]
        if f is not None:
            upcoming[f] = i
    return out


def turns(rota: Sequence[Meeting]) -> dict[str, tuple[int, int]]:
    """How many times each person facilitates and presents in ``rota``: ``{id: (facilitated, presented)}``."""
    out: dict[str, list[int]] = {}
    for m in rota:
        if m.facilitator is not None:
            out.setdefault(m.facilitator, [0, 0])[0] += 1
        for p in m.presenters:
            out.setdefault(p, [0, 0])[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}

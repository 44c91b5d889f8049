"""Set health signals, sets at risk, participation; and the meeting engines (swap, re-plan, availability) with Hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network import health
from network.domain import InvalidValue
from network.health import MeetingFacts, SetFacts, participation, set_health, sets_at_risk
from network.meetings import Turns, check_slot_day, day_words, replan, swap, unavailable_for
from network.rota import RotaMember

TODAY = date(2026, 6, 1)


def held(n: int, on: date, facilitator: str | None, **statuses: str) -> MeetingFacts:
    return MeetingFacts(n, on, facilitator, tuple(sorted(statuses.items())))


def test_healthy_set_has_no_signals() -> None:
    people = ("ann", "bob", "cat", "dan")
    meetings = tuple(
        held(n, TODAY - timedelta(days=28 * (4 - n)), "ann", **{p: "absent" if i == n - 1 else "attended" for i, p in enumerate(people)})
        for n in range(1, 4)
    )
    h = set_health(SetFacts("s", "S", ("ann", "bob", "cat", "dan"), meetings, minimum=4), TODAY)
    assert h.signals == () and not h.at_risk
    assert h.attendance_rate == 0.75 and h.trend == "steady" and h.held == 3


def test_missed_twice_names_the_member_and_suggests_a_check_in() -> None:
    m = (
        held(1, date(2026, 3, 3), "ann", ann="attended", bob="attended", cat="attended", dan="attended"),
        held(2, date(2026, 4, 7), "bob", ann="attended", bob="absent", cat="attended", dan="attended"),
        held(3, date(2026, 5, 5), "cat", ann="attended", bob="apologies", cat="attended", dan="attended"),
    )
    h = set_health(SetFacts("s", "S", ("ann", "bob", "cat", "dan"), m), TODAY, {"bob": "Bob Jones"})
    assert [(s.code, s.assessor_id) for s in h.signals] == [("missed_twice", "bob")]
    assert h.signals[0].message == "Bob Jones missed the last two meetings"
    assert [(a.code, a.assessor_id) for a in h.actions] == [("check_in", "bob")]


def test_below_minimum_and_no_facilitator_and_falling_attendance() -> None:
    m = (
        held(1, date(2026, 1, 6), "ann", ann="attended", bob="attended", cat="attended"),
        held(2, date(2026, 2, 3), "bob", ann="attended", bob="attended", cat="attended"),
        held(3, date(2026, 3, 3), None, ann="attended", bob="absent", cat="absent"),
        held(4, date(2026, 4, 7), "ann", ann="attended", bob="attended", cat="absent"),
        MeetingFacts(5, TODAY + timedelta(days=7), None),
        MeetingFacts(6, TODAY + timedelta(days=40), "bob"),
    )
    h = set_health(SetFacts("s", "S", ("ann", "bob", "cat"), m, minimum=4), TODAY)
    codes = [s.code for s in h.signals]
    assert codes[0] == "below_minimum"
    assert {"missed_twice", "no_facilitator", "falling_attendance"} <= set(codes)
    assert h.trend == "falling"
    assert [a.code for a in h.actions][:1] == ["fill_vacancy"]
    assert "agree_facilitator" in [a.code for a in h.actions]
    assert h.next_meeting == TODAY + timedelta(days=7)


def test_closed_sets_are_never_at_risk_and_risk_is_ordered_by_urgency() -> None:
    small = SetFacts("b-small", "B", ("x",), (), minimum=4)
    closed = SetFacts("a-closed", "A", ("x",), (), minimum=4, status="closed")
    unfacilitated = SetFacts("c-nofac", "C", ("x", "y", "z", "w"), (MeetingFacts(1, TODAY + timedelta(days=3), None),), minimum=4)
    fine = SetFacts("d-fine", "D", ("x", "y", "z", "w"), (), minimum=4)
    ranked = sets_at_risk([fine, unfacilitated, closed, small], TODAY)
    assert [h.set_id for h in ranked] == ["b-small", "c-nofac"]
    assert ranked[0].urgency > ranked[1].urgency


def test_participation_counts() -> None:
    p = participation("ann", "s", True, [(date(2026, 3, 3), "absent"), (date(2026, 1, 6), "attended"), (date(2026, 2, 3), "apologies")])
    assert (p.recorded, p.attended, p.apologies, p.absent, p.missed_in_a_row, p.last_attended) == (3, 1, 1, 1, 2, date(2026, 1, 6))
    assert participation("ann", "s", False, []).rate is None


# -- the meeting engines --------------------------------------------------------------------------

MEMBERS = ("ann", "bob", "cat", "dan", "eve")


def rota_turns(n: int, members: tuple[str, ...] = MEMBERS) -> list[Turns]:
    out = []
    for i in range(n):
        f = members[i % len(members)]
        p = members[(i + 1) % len(members)]
        out.append(Turns(f"m{i + 1}", i + 1, TODAY + timedelta(days=28 * i), f, (p,)))
    return out


def test_swap_exchanges_two_turns() -> None:
    t = rota_turns(5)
    r = swap(t, "m1", "facilitator", "ann", "cat", MEMBERS, today=TODAY)
    assert r.exchanged and [(x.meeting_id, x.facilitator) for x in r.changed] == [("m1", "cat"), ("m3", "ann")]
    assert (r.given, r.taken) == ("m1", "m3")
    # Presenter turns: bob presents at m1, dan at m3.
    r = swap(t, "m1", "presenter", "bob", "dan", MEMBERS, with_meeting_id="m3", today=TODAY)
    assert [(x.meeting_id, x.presenters) for x in r.changed] == [("m1", ("dan",)), ("m3", ("bob",))]


NAMES = {"ann": "Ann Archer", "bob": "Bob Brown", "cat": "Cat Cole", "dan": "Dan Dale", "eve": "Eve Evans"}


def test_a_swap_never_hands_a_turn_over() -> None:
    """Bob presents at m1; Cat presents only at m2, which Bob facilitates: no exchange is possible, so nothing changes."""
    t = rota_turns(5)
    with pytest.raises(InvalidValue) as caught:
        swap(t, "m1", "presenter", "bob", "cat", MEMBERS, today=TODAY, names=NAMES)
    assert caught.value.field == "with_assessor_id"
    assert caught.value.message == (
        "Cat Cole has no presenting turn still to come that Bob Brown could take in return "
        f"(Cat Cole presents on {day_words(t[1].on)}, when Bob Brown facilitates)"
    )
    # Someone with no presenting turn at all still to come: refused too (it used to be handed over).
    with pytest.raises(InvalidValue) as caught:
        swap(rota_turns(2), "m1", "presenter", "bob", "eve", MEMBERS, today=TODAY, names=NAMES)
    assert caught.value.message == "Eve Evans has no presenting turn still to come that Bob Brown could take in return"


def test_swap_refusals_name_people_and_days_in_words() -> None:
    t = rota_turns(5)
    with pytest.raises(InvalidValue) as caught:
        swap(t, "m1", "facilitator", "ann", "bob", MEMBERS, today=TODAY, names=NAMES)
    assert caught.value.message == f"Bob Brown already presents on {day_words(t[0].on)}"
    with pytest.raises(InvalidValue) as caught:
        swap(t, "m1", "facilitator", "bob", "cat", MEMBERS, today=TODAY, names=NAMES)
    assert caught.value.message == f"Bob Brown does not facilitate on {day_words(t[0].on)}"
    with pytest.raises(InvalidValue) as caught:
        swap(t, "m1", "facilitator", "ann", "zed", MEMBERS, today=TODAY, names=NAMES)
    assert caught.value.message == "the person chosen is not a current member of the set"
    with pytest.raises(InvalidValue) as caught:
        check_slot_day(date(2026, 3, 2), "tue-pm")
    assert caught.value.message == (
        "Monday 2 March 2026 is a Monday, not a Tuesday; choose a Monday time (Monday morning, Monday afternoon or Monday evening)"
    )


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("m1", "facilitator", "ann", "zed"), "with_assessor_id"),  # outside the set
        (("m1", "facilitator", "bob", "cat"), "assessor_id"),  # bob does not facilitate m1
        (("m1", "facilitator", "ann", "bob"), "with_assessor_id"),  # bob already presents at m1
        (("m9", "facilitator", "ann", "cat"), "meeting_id"),
        (("m1", "chair", "ann", "cat"), "role"),
    ],
)
def test_swap_refusals_name_the_field(args: tuple[str, str, str, str], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        swap(rota_turns(5), *args, MEMBERS, today=TODAY)
    assert caught.value.field == field


def test_held_or_past_meetings_cannot_be_swapped() -> None:
    t = rota_turns(3)
    t[0] = Turns("m1", 1, TODAY, "ann", ("bob",), held=True)
    with pytest.raises(InvalidValue):
        swap(t, "m1", "facilitator", "ann", "cat", MEMBERS, today=TODAY)
    with pytest.raises(InvalidValue):
        swap(t, "m2", "facilitator", "bob", "cat", MEMBERS, today=TODAY + timedelta(days=60))


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=10),
    size=st.integers(min_value=3, max_value=5),
    pick=st.data(),
)
def test_a_swap_changes_only_the_two_turns(n: int, size: int, pick: st.DataObject) -> None:
    members = MEMBERS[:size]
    turns = rota_turns(n, members)
    k = pick.draw(st.integers(min_value=0, max_value=n - 1))
    role = pick.draw(st.sampled_from(["facilitator", "presenter"]))
    mine = turns[k]
    holder = mine.facilitator if role == "facilitator" else mine.presenters[0]
    other = pick.draw(st.sampled_from([m for m in members if m != holder]))
    assert holder is not None
    try:
        result = swap(turns, mine.meeting_id, role, holder, other, members, today=TODAY)
    except InvalidValue:
        return  # refused (e.g. the other already has a turn at that meeting, or none to give back): nothing changes
    changed = {t.meeting_id: t for t in result.changed}
    # Always an exchange: exactly two meetings change, the holder's and the one they take in return.
    assert result.exchanged and len(changed) == 2 and {result.given, result.taken} == set(changed) and result.given == mine.meeting_id
    after = [changed.get(t.meeting_id, t) for t in turns]
    for before, now in zip(turns, after, strict=True):
        if before.meeting_id not in changed:
            assert now == before
        # Nobody facilitates and presents at once.
        assert now.facilitator not in now.presenters
    # Only the two people's turns moved: everyone else holds exactly what they held.
    for person in members:
        if person in (holder, other):
            continue
        assert [t.holds(person, role) for t in after] == [t.holds(person, role) for t in turns]
    # Each of the two has exactly as many turns of the role as before: one given, one taken.
    count = sum(t.holds(holder, role) for t in after), sum(t.holds(other, role) for t in after)
    assert count == (sum(t.holds(holder, role) for t in turns), sum(t.holds(other, role) for t in turns))
    assert changed[result.given].holds(other, role) and changed[result.taken].holds(holder, role)


@settings(max_examples=200, deadline=None)
@given(
    members=st.integers(min_value=2, max_value=7),
    meetings=st.integers(min_value=1, max_value=12),
    taken=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=7, max_size=7),
    newcomers=st.integers(min_value=0, max_value=2),
    presenters=st.integers(min_value=1, max_value=2),
)
def test_replan_keeps_turns_fair(members: int, meetings: int, taken: list[tuple[int, int]], newcomers: int, presenters: int) -> None:
    ids = [f"p{i}" for i in range(members)]
    old = ids[: max(1, members - newcomers)]
    counts = {a: taken[i] for i, a in enumerate(old)}
    future = [Turns(f"m{i}", i + 1, TODAY + timedelta(days=14 * i), None, ()) for i in range(meetings)]
    planned = replan(future, [RotaMember(a) for a in ids], counts, presenters)
    assert [(t.meeting_id, t.on) for t in planned] == [(t.meeting_id, t.on) for t in future]
    for t in planned:
        assert t.facilitator in ids and t.facilitator not in t.presenters
        assert len(t.presenters) == min(presenters, members - 1)
    # Newcomers start level with the least served old member; the gap never widens, and closes to one given enough meetings.
    start = {a: counts.get(a, (min(c[0] for c in counts.values()), 0))[0] for a in ids}
    end = dict(start)
    for t in planned:
        end[t.facilitator] += 1  # type: ignore[index]
    spread_before = max(start.values()) - min(start.values())
    spread_after = max(end.values()) - min(end.values())
    assert spread_after <= max(1, spread_before)
    if meetings >= members * (spread_before + 1):
        assert spread_after <= 1


def test_replan_respects_joining_dates() -> None:
    future = [Turns(f"m{i}", i + 1, TODAY + timedelta(days=28 * i), None, ()) for i in range(4)]
    late = RotaMember("zed", joined=TODAY + timedelta(days=50))
    planned = replan(future, [RotaMember("ann"), RotaMember("bob"), late], {"ann": (1, 1), "bob": (1, 1)}, 1)
    assert all(not t.involves("zed") for t in planned[:2])
    assert any(t.involves("zed") for t in planned[2:])


def test_availability_and_slot_day() -> None:
    assert unavailable_for("tue-pm", {"a": ("tue-pm",), "b": ("mon-am",), "c": ()}) == (("b",), ("c",))
    check_slot_day(date(2026, 6, 2), "tue-eve")
    with pytest.raises(InvalidValue):
        check_slot_day(date(2026, 6, 2), "wed-pm")
    with pytest.raises(InvalidValue):
        check_slot_day(date(2026, 6, 2), "tue-night")


def test_weights_cover_every_signal() -> None:
    assert set(health.WEIGHTS) >= {"below_minimum", "missed_twice", "low_attendance", "falling_attendance"}

"""The facilitator and presenter rota: everyone takes each role as evenly as the membership allows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network.rota import MAX_PRESENTERS, Meeting, RotaMember, build_rota, presenters_per_meeting, turns

START = date(2026, 1, 6)


def weekly(n: int) -> list[date]:
    return [START + timedelta(days=7 * k) for k in range(n)]


def members(n: int) -> list[RotaMember]:
    return [RotaMember(f"m{k:02d}") for k in range(n)]


def spread(values: list[int]) -> int:
    return max(values) - min(values)


@given(n=st.integers(2, 12), meetings=st.integers(1, 36), presenters=st.integers(1, MAX_PRESENTERS))
def test_a_stable_set_shares_both_roles_evenly(n, meetings, presenters):
    people = members(n)
    presenters = min(presenters, n - 1)
    rota = build_rota(people, weekly(meetings), presenters=presenters)
    counts = turns(rota)
    facilitated = [counts.get(p.id, (0, 0))[0] for p in people]
    presented = [counts.get(p.id, (0, 0))[1] for p in people]
    assert spread(facilitated) <= 1, facilitated
    assert spread(presented) <= 1, presented
    assert sum(facilitated) == meetings and sum(presented) == meetings * presenters
    for m in rota:
        assert m.facilitator is not None and m.facilitator not in m.presenters
        assert len(m.presenters) == presenters == len(set(m.presenters))


def test_six_members_six_meetings_everyone_facilitates_and_presents_once():
    rota = build_rota(members(6), weekly(6))
    assert set(turns(rota).values()) == {(1, 1)}
    assert [m.number for m in rota] == [1, 2, 3, 4, 5, 6]
    assert [m.on for m in rota] == weekly(6)


def test_default_number_of_presenters():
    assert presenters_per_meeting(6, 6) == 1
    assert presenters_per_meeting(8, 6) == 2  # everyone presents within six meetings
    assert presenters_per_meeting(12, 3) == MAX_PRESENTERS  # never more than two cases a meeting
    assert presenters_per_meeting(2, 1) == 1  # someone must facilitate
    rota = build_rota(members(8), weekly(6))
    assert all(len(m.presenters) == 2 for m in rota)
    assert all(presented >= 1 for _, presented in turns(rota).values())


def test_the_rota_is_deterministic_and_independent_of_input_order():
    people = members(7)
    assert build_rota(people, weekly(10)) == build_rota(list(reversed(people)), weekly(10))


def test_leavers_stop_and_newcomers_take_turns_without_catching_up():
    days = weekly(12)
    leaver = RotaMember("m01", left=days[4])
    newcomer = RotaMember("m09", joined=days[5])
    people = [RotaMember("m00"), leaver, RotaMember("m02"), RotaMember("m03"), newcomer]
    rota = build_rota(people, days, presenters=1)
    assert all("m01" not in (m.facilitator, *m.presenters) for m in rota[4:])
    assert all("m09" not in (m.facilitator, *m.presenters) for m in rota[:5])
    later = turns(rota[5:])
    # From the newcomer's arrival the four current members share the turns evenly.
    assert spread([later.get(i, (0, 0))[0] for i in ("m00", "m02", "m03", "m09")]) <= 1
    assert spread([later.get(i, (0, 0))[1] for i in ("m00", "m02", "m03", "m09")]) <= 1


def test_a_meeting_with_nobody_in_the_set_has_no_roles():
    rota = build_rota([RotaMember("m00", joined=START + timedelta(days=30))], weekly(2))
    assert rota[0] == Meeting(number=1, on=START, facilitator=None, presenters=())


def test_negative_presenters_are_refused():
    with pytest.raises(ValueError):
        build_rota(members(3), weekly(2), presenters=-1)

"""The live meeting's pure rules (issue 19): fair shares of time, timers from stored times, the phases in order, who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network import live
from network.live import LiveError, LiveState, Timer, fair_shares

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
MEMBERS = ("ann", "bob", "cat", "dan", "eve")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


bids = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 60)), max_size=8, unique_by=lambda t: t[0])


@given(bids, st.integers(-10, 200))
def test_fair_shares_never_give_more_than_asked_nor_more_than_the_time(asks: list[tuple[str, int]], minutes: int) -> None:
    shares = fair_shares(asks, minutes)
    asked = dict(asks)
    assert set(shares) == {m for m, b in asks if b > 0}
    assert all(0 <= shares[m] <= asked[m] for m in shares)
    assert sum(shares.values()) <= max(0, minutes)
    if sum(b for _m, b in asks) <= max(0, minutes):
        assert shares == {m: b for m, b in asks if b > 0}
    else:  # the time is all used (whole minutes), and nobody is cut while someone who asked more keeps 2+ minutes more
        assert sum(shares.values()) == max(0, minutes)
        for m in shares:
            for o in shares:
                if shares[m] < asked[m]:
                    assert shares[o] <= shares[m] + 1


def test_fair_shares_give_small_asks_in_full_and_split_the_rest_evenly() -> None:
    assert fair_shares([("ann", 10), ("bob", 40), ("cat", 40)], 60) == {"ann": 10, "bob": 25, "cat": 25}
    assert fair_shares([("ann", 20), ("bob", 20)], 60) == {"ann": 20, "bob": 20}
    assert fair_shares([("ann", 30), ("bob", 0), ("cat", 30)], 31) == {"ann": 16, "cat": 15}
    assert fair_shares([("ann", 30)], 0) == {"ann": 0}


def test_a_timer_is_arithmetic_on_stored_times_and_pauses() -> None:
    t = Timer(T0, 600)
    assert t.remaining(at(4)) == 360
    paused = t.pause(at(4))
    assert paused.remaining(at(9)) == 360  # the clock stands still while paused
    resumed = paused.resume(at(9))
    assert resumed.paused_s == 300 and resumed.remaining(at(10)) == 300
    assert resumed.extend(120).remaining(at(19)) == -120  # 14 minutes run of 12
    assert resumed.remaining(at(16)) == -60 and resumed.over(at(16))
    assert (
        live.clock_words(-60) == "1 minute over"
        and live.clock_words(239) == "4 minutes left"
        and live.clock_words(30) == "under a minute left"
    )


def run_to_review(state: LiveState) -> LiveState:
    state = live.check_in(state, "bob")
    state = live.advance(state, "ann", at(8))
    state = live.bid(state, "bob", 20)
    state = live.bid(state, "cat", 0)
    state = live.bid(state, "dan", 20)
    state = live.advance(state, "ann", at(12))
    return state


def test_a_meeting_goes_through_its_phases_in_order_and_survives_a_round_trip_through_storage() -> None:
    state = live.start("ann", MEMBERS, T0, timedelta(hours=2))
    assert (state.phase, state.joined, state.stage) == ("checkin", ("ann",), "checkin")
    state = run_to_review(state)
    assert state.phase == "slots" and state.presenter == "bob" and state.stage == "presenting"
    assert [(s.presenter, s.minutes) for s in state.slots] == [("bob", 20), ("dan", 20)]
    assert state.timer is not None and state.timer.allowed_s == live.stage_seconds(20, "presenting") == 360
    for stage in ("questions", "action"):
        state = live.advance(state, "ann", at(20))
        assert state.stage == stage
    state = live.advance(state, "ann", at(40))
    assert state.presenter == "dan" and state.slots[0].outcome == "done"
    state = live.skip(state, "ann", at(41))
    assert state.phase == "review" and state.slots[1].outcome == "skipped" and state.presenters == ("bob",)
    state = live.rate(state, "cat", {"questions": 5, "time": 3})
    state = live.review_line(state, "dan", "We kept to  questions\n")
    assert state.review_line == "We kept to questions" and state.average_rating() == 4
    state = live.close(state, "ann", at(50))
    assert live.completed(state) and live.clock(state, at(51)) is None
    assert LiveState.from_dict(state.to_dict()) == state
    assert live.attendance(state) == {"ann": "attended", "bob": "attended", "cat": "attended", "dan": "attended", "eve": "absent"}


def test_a_pause_stops_the_timer_and_moves_the_planned_end() -> None:
    state = run_to_review(live.start("ann", MEMBERS, T0, timedelta(hours=2)))
    left = state.timer.remaining(at(13))  # type: ignore[union-attr]
    state = live.pause(state, "ann", at(13))
    assert live.clock(state, at(30)).paused and state.timer.remaining(at(30)) == left  # type: ignore[union-attr]
    state = live.resume(state, "ann", at(30))
    assert state.ends_at == T0 + timedelta(hours=2, minutes=17)
    state = live.extend(state, "ann", 5)
    assert state.timer.remaining(at(30)) == left + 300  # type: ignore[union-attr]


def test_only_the_facilitator_runs_the_meeting_and_bad_values_are_refused() -> None:
    state = live.start("ann", MEMBERS, T0, timedelta(hours=2))
    for step in (lambda s: live.advance(s, "bob", at(1)), lambda s: live.pause(s, "cat", at(1)), lambda s: live.extend(s, "dan", 2)):
        with pytest.raises(LiveError, match="facilitator"):
            step(state)
    with pytest.raises(LiveError) as bad:
        live.bid(state, "bob", 61)
    assert bad.value.field == "minutes"
    with pytest.raises(LiveError):
        live.bid(state, "ann", 10)  # the facilitator does not bid
    with pytest.raises(LiveError):
        live.join(state, "stranger")
    with pytest.raises(LiveError):
        live.extend(state, "ann", 0)
    with pytest.raises(LiveError):
        live.rate(state, "bob", {"questions": 4})  # not at the review yet
    with pytest.raises(LiveError):
        live.close(state, "ann", at(2))
    with pytest.raises(LiveError):
        live.check_line("x" * (live.MAX_REVIEW_LINE + 1), live.MAX_REVIEW_LINE, "line")


def test_there_are_plain_prompts_for_every_part() -> None:
    for part in (*live.PHASES, *live.STAGES):
        if part == "slots":
            continue
        assert live.PROMPTS[part] and all(p.strip() for p in live.PROMPTS[part])
    assert any("uninterrupted" in p for p in live.PROMPTS["presenting"])
    assert any("Questions, not advice" in p for p in live.PROMPTS["questions"])

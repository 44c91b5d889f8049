"""The request's budget for waiting on the store: spent by each call, shared by nested budgets, ended by a failure."""

from __future__ import annotations

import time

import pytest

from graph import deadline
from graph.port import Unavailable


def test_outside_a_budget_calls_keep_their_own_limits() -> None:
    assert deadline.remaining() is None and deadline.allowance() is None
    with deadline.waiting(15.0) as limit:
        assert limit == 15.0
    deadline.exhaust()  # harmless outside a budget
    assert deadline.remaining() is None


def test_each_call_is_limited_to_what_is_left_and_spends_from_it() -> None:
    with deadline.budget(4.0):
        with deadline.waiting(15.0) as limit:
            assert 3.9 < limit <= 4.0
            time.sleep(0.2)
        left = deadline.remaining()
        assert left is not None and left <= 3.8  # the first call's wait counts against the second
        with deadline.waiting(None) as limit:
            assert limit == pytest.approx(left, abs=0.05)


def test_a_store_that_stopped_answering_ends_the_budget_so_later_calls_fail_at_once() -> None:
    with deadline.budget(4.0):
        deadline.exhaust()
        with pytest.raises(Unavailable, match="did not answer in time"):
            deadline.allowance()
        with pytest.raises(Unavailable), deadline.waiting(15.0):
            raise AssertionError("never starts")


def test_a_nested_budget_is_never_longer_than_the_outer_and_its_waiting_counts_for_both() -> None:
    with deadline.budget(1.0):
        with deadline.budget(30.0):
            assert deadline.remaining() <= 1.0
        with deadline.budget(0.5):
            with deadline.waiting(None):
                time.sleep(0.2)
        assert deadline.remaining() <= 0.8
    assert deadline.remaining() is None

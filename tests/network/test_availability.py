"""Weekly availability slots: normalising, parsing, comparing and bit masks."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network import availability
from network.availability import (
    DAYS,
    PARTS,
    SLOTS,
    UnknownSlot,
    common_slots,
    describe_slot,
    format_slots,
    from_mask,
    is_slot,
    normalise,
    overlaps,
    parse,
    to_mask,
)

slot_sets = st.sets(st.sampled_from(SLOTS))


def week_order(slots: set[str]) -> tuple[str, ...]:
    return tuple(s for s in SLOTS if s in slots)


def test_vocabulary_is_every_day_and_part_in_week_order() -> None:
    assert len(SLOTS) == len(DAYS) * len(PARTS) == 21
    assert SLOTS[0] == "mon-am" and SLOTS[-1] == "sun-eve"
    assert all(is_slot(s) for s in SLOTS)
    assert not is_slot("Tue-PM") and not is_slot("tue") and not is_slot("")


def test_normalise_cleans_case_space_duplicates_and_order() -> None:
    assert normalise([" Wed-PM", "mon-am", "wed-pm", "", "  "]) == ("mon-am", "wed-pm")


def test_normalise_names_every_unknown_slot() -> None:
    with pytest.raises(UnknownSlot) as info:
        normalise(["tue-pm", "tuesday", "mon-night"])
    message = str(info.value)
    assert "tuesday" in message and "mon-night" in message
    assert "tue-pm," not in message  # a known slot is not blamed


def test_normalise_rejects_items_that_are_not_text() -> None:
    with pytest.raises(TypeError):
        normalise(["mon-am", 3])  # type: ignore[list-item]


def test_unknown_slot_is_a_value_error() -> None:
    assert issubclass(UnknownSlot, ValueError)


@given(slot_sets)
def test_normalise_is_idempotent_and_ordered(slots: set[str]) -> None:
    once = normalise(slots)
    assert once == week_order(slots)
    assert normalise(once) == once


@given(slot_sets, st.sampled_from([";", ",", "|"]))
def test_parse_inverts_format(slots: set[str], sep: str) -> None:
    text = format_slots(slots, sep)
    assert parse(text, sep) == week_order(slots)


def test_parse_tolerates_spaces_and_empty_text() -> None:
    assert parse("tue-pm; MON-AM ;") == ("mon-am", "tue-pm")
    assert parse("") == ()
    with pytest.raises(UnknownSlot, match="fri-lunch"):
        parse("mon-am;fri-lunch")


@given(slot_sets, slot_sets, slot_sets)
def test_common_slots_is_the_ordered_intersection(a: set[str], b: set[str], c: set[str]) -> None:
    assert common_slots(a, b, c) == week_order(a & b & c)
    assert common_slots(a, b) == common_slots(b, a)
    assert overlaps(a, b) == bool(common_slots(a, b))


def test_common_slots_edge_cases() -> None:
    assert common_slots() == ()
    assert common_slots(["tue-pm", "mon-am"]) == ("mon-am", "tue-pm")
    assert common_slots(["tue-pm", "not-a-slot"], ["not-a-slot", "tue-pm"]) == ("tue-pm",)
    assert not overlaps([], ["mon-am"])


@given(slot_sets)
def test_mask_round_trip(slots: set[str]) -> None:
    mask = to_mask(slots)
    assert 0 <= mask < 1 << len(SLOTS)
    assert bin(mask).count("1") == len(slots)
    assert from_mask(mask) == week_order(slots)


@given(slot_sets, slot_sets)
def test_mask_and_is_common_slots(a: set[str], b: set[str]) -> None:
    assert from_mask(to_mask(a) & to_mask(b)) == common_slots(a, b)


def test_mask_bits_follow_the_vocabulary() -> None:
    assert to_mask(["mon-am"]) == 1
    assert to_mask(["sun-eve"]) == 1 << 20
    assert to_mask([]) == 0


def test_mask_rejects_an_unknown_slot() -> None:
    with pytest.raises(UnknownSlot, match="tue-night"):
        to_mask(["mon-am", "tue-night"])


def test_describe_slot() -> None:
    assert describe_slot("tue-pm") == "Tuesday afternoons"
    assert describe_slot("sun-eve") == "Sunday evenings"
    assert len({describe_slot(s) for s in SLOTS}) == len(SLOTS)
    with pytest.raises(UnknownSlot):
        describe_slot("someday")


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(availability)
    assert result.attempted > 0 and result.failed == 0

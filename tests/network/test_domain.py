"""Domain types check their own invariants and name the field that breaks one."""

from __future__ import annotations

import dataclasses
import doctest
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network import domain
from network.domain import (
    MAX_BIO,
    MAX_NAME,
    ORGANISATION_KINDS,
    REGIONS,
    ActionLearningSet,
    Assessor,
    Contact,
    Employment,
    InvalidValue,
    Organisation,
    Programme,
    Theme,
    ThemeLink,
    check_id,
)

VALID: dict[type, dict[str, Any]] = {
    Organisation: {"id": "org-1", "name": "Northmoor County Council", "kind": "local_authority", "region": "north_east"},
    Theme: {"id": "t-1", "name": "Kinship care", "framework": "practice"},
    Assessor: {"id": "a-1", "name": "Amara Okafor"},
    Employment: {"assessor_id": "a-1", "organisation_id": "org-1"},
    ThemeLink: {"assessor_id": "a-1", "theme_id": "t-1"},
    Contact: {"from_id": "a-1", "to_id": "a-2"},
    Programme: {"id": "p-1", "name": "North East 2025"},
    ActionLearningSet: {"id": "s-1", "name": "Set A"},
}


def build(cls: type, **changes: Any) -> Any:
    return cls(**{**VALID[cls], **changes})


def rejected(cls: type, field: str, **changes: Any) -> InvalidValue:
    with pytest.raises(InvalidValue) as info:
        build(cls, **changes)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    return info.value


@pytest.mark.parametrize("cls", list(VALID))
def test_valid_values_build(cls: type) -> None:
    value = build(cls)
    assert dataclasses.replace(value) == value
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, dataclasses.fields(value)[0].name, "other")


def test_invalid_value_is_a_value_error_with_field_and_message() -> None:
    err = InvalidValue("capacity", "must be 0 or more, got -1")
    assert isinstance(err, ValueError)
    assert (err.field, err.message, str(err)) == ("capacity", "must be 0 or more, got -1", "capacity: must be 0 or more, got -1")


@pytest.mark.parametrize("good", ["a", "A1", "org-001", "a_b.c:d-e", "x" * 64])
def test_check_id_accepts(good: str) -> None:
    assert check_id(good) == good


@pytest.mark.parametrize("bad", ["", "-a", ".a", "a b", "a/b", "x" * 65, "é", None, 7, ["a"]])
def test_check_id_rejects_naming_the_field(bad: Any) -> None:
    with pytest.raises(InvalidValue) as info:
        check_id(bad, "organisation_id")
    assert info.value.field == "organisation_id"


@given(st.text(max_size=80))
def test_check_id_never_crashes_otherwise(text: str) -> None:
    try:
        assert check_id(text) == text
    except InvalidValue as exc:
        assert exc.field == "id"


@pytest.mark.parametrize("cls", [Organisation, Theme, Assessor, Programme, ActionLearningSet])
@pytest.mark.parametrize("name", ["", "   ", None, 5])
def test_empty_names_are_rejected(cls: type, name: Any) -> None:
    rejected(cls, "name", name=name)


@pytest.mark.parametrize("cls", [Organisation, Theme, Assessor, Programme, ActionLearningSet])
def test_names_are_trimmed_and_limited(cls: type) -> None:
    assert build(cls, name="  Set  A ").name == "Set  A"
    assert len(build(cls, name="n" * MAX_NAME).name) == MAX_NAME
    rejected(cls, "name", name="n" * (MAX_NAME + 1))


@pytest.mark.parametrize("cls", [Organisation, Theme, Assessor, Programme, ActionLearningSet])
def test_ids_are_checked(cls: type) -> None:
    rejected(cls, "id", id="not an id")


# Organisation --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ORGANISATION_KINDS)
def test_every_organisation_kind_is_accepted(kind: str) -> None:
    assert build(Organisation, kind=kind).kind == kind


@pytest.mark.parametrize("region", list(REGIONS))
def test_every_region_is_accepted(region: str) -> None:
    assert build(Organisation, region=region).region == region


@pytest.mark.parametrize("kind", ["council", "Local_Authority", "", None, ["agency"]])
def test_unknown_organisation_kinds_are_rejected(kind: Any) -> None:
    rejected(Organisation, "kind", kind=kind)


@pytest.mark.parametrize("region", ["North East", "scotland", "", None, ["london"], {"london": 1}])
def test_unknown_regions_are_rejected(region: Any) -> None:
    rejected(Organisation, "region", region=region)


def test_england_has_nine_regions() -> None:
    assert len(REGIONS) == 9 and REGIONS["london"] == "London"


# Theme ---------------------------------------------------------------------------------------


def test_theme_framework_defaults_to_practice_and_is_checked() -> None:
    assert Theme(id="t", name="Kinship care").framework == "practice"
    rejected(Theme, "framework", framework="nice")


# Assessor ------------------------------------------------------------------------------------


def test_assessor_defaults_keep_people_hidden() -> None:
    a = build(Assessor)
    assert (a.discoverable, a.paused, a.active, a.capacity, a.experience_years) == (False, False, True, 1, 0)
    assert a.availability == () and a.bio == "" and a.email is None and a.region is None
    assert not a.findable


@pytest.mark.parametrize(
    ("discoverable", "paused", "active", "findable"),
    [(True, False, True, True), (False, False, True, False), (True, True, True, False), (True, False, False, False)],
)
def test_findable_needs_opt_in_not_paused_and_active(discoverable: bool, paused: bool, active: bool, findable: bool) -> None:
    assert build(Assessor, discoverable=discoverable, paused=paused, active=active).findable is findable


def test_a_dated_pause_lasts_through_its_last_day() -> None:
    a = build(Assessor, discoverable=True, paused=True, paused_until=date(2026, 3, 31))
    assert a.paused_on(date(2026, 3, 31)) and not a.paused_on(date(2026, 4, 1))
    assert build(Assessor, paused=True).paused_on(date(2100, 1, 1))  # no end: until lifted
    assert not build(Assessor).paused_on(date(2026, 3, 31))
    assert build(Assessor, discoverable=True, paused=True, paused_until=domain.today()).findable is False
    assert build(Assessor, discoverable=True, paused=True, paused_until=date(2000, 1, 1)).findable is True


@pytest.mark.parametrize("value", ["2026-03-31", 20260331, datetime(2026, 3, 31, 9, 0)])
def test_a_pause_end_must_be_a_date(value: Any) -> None:
    rejected(Assessor, "paused_until", paused=True, paused_until=value)


def test_a_pause_end_needs_a_pause() -> None:
    rejected(Assessor, "paused_until", paused=False, paused_until=date(2026, 3, 31))


@pytest.mark.parametrize("field", ["experience_years", "capacity"])
@pytest.mark.parametrize("value", [-1, 1.5, "3", True, None])
def test_counts_must_be_whole_and_not_negative(field: str, value: Any) -> None:
    rejected(Assessor, field, **{field: value})


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=5))
def test_counts_of_zero_or_more_are_kept(years: int, capacity: int) -> None:
    a = build(Assessor, experience_years=years, capacity=capacity)
    assert (a.experience_years, a.capacity) == (years, capacity)


@pytest.mark.parametrize(
    ("cls", "field", "limit"),
    [
        (Assessor, "experience_years", domain.EXPERIENCE_MAX),
        (Assessor, "capacity", domain.CAPACITY_MAX),
        (Programme, "meetings", domain.MEETINGS_MAX),
        (Programme, "set_size_max", domain.SET_SIZE_MAX),
    ],
)
def test_counts_have_a_sane_upper_bound(cls: type, field: str, limit: int) -> None:
    assert getattr(build(cls, **{field: limit}), field) == limit
    assert "at most" in str(rejected(cls, field, **{field: limit + 1}))


def test_the_lower_bounds_every_door_uses_hold_in_the_domain() -> None:
    """The limits are defined once (network.domain) and the domain holds all of them, not only the ones it once had."""
    assert "1 or more" in str(rejected(Programme, "meetings", meetings=domain.MEETINGS_MIN - 1))
    assert "at least 2 members" in str(rejected(Programme, "set_size_min", set_size_min=domain.SET_SIZE_MIN - 1))
    assert "at most 1000" in str(rejected(Programme, "weights", weights={"themes": domain.WEIGHT_MAX + 1}))
    long = "a" * (domain.EMAIL_MAX - len("@example.org")) + "@example.org"
    assert build(Assessor, email=long).email == long
    rejected(Assessor, "email", email="a" + long)


@pytest.mark.parametrize("field", ["discoverable", "paused", "active"])
@pytest.mark.parametrize("value", [1, "yes", None])
def test_flags_must_be_booleans(field: str, value: Any) -> None:
    rejected(Assessor, field, **{field: value})


def test_email_is_trimmed_and_checked() -> None:
    assert build(Assessor, email="  sam@example.org ").email == "sam@example.org"
    for bad in ("", "sam", "sam@example", "sam @example.org", "a@b@c.org", 42):
        rejected(Assessor, "email", email=bad)


def test_assessor_region_is_optional_but_checked() -> None:
    assert build(Assessor, region="london").region == "london"
    rejected(Assessor, "region", region="wales")


def test_availability_is_normalised() -> None:
    a = build(Assessor, availability=["Tue-PM", "mon-am", "tue-pm"])
    assert a.availability == ("mon-am", "tue-pm")
    assert build(Assessor, availability={"wed-eve"}).availability == ("wed-eve",)


@pytest.mark.parametrize("bad", [["tue-pm", "tuesday"], "tue-pm", 5, [1], None])
def test_unknown_or_malformed_slots_are_rejected(bad: Any) -> None:
    rejected(Assessor, "availability", availability=bad)


def test_bio_is_text_of_limited_length() -> None:
    assert build(Assessor, bio="b" * MAX_BIO).bio == "b" * MAX_BIO
    rejected(Assessor, "bio", bio="b" * (MAX_BIO + 1))
    rejected(Assessor, "bio", bio=None)


def test_with_changes_validates_again() -> None:
    a = build(Assessor, discoverable=True)
    assert a.with_changes(capacity=2).capacity == 2
    assert a.with_changes(capacity=2).discoverable is True
    with pytest.raises(InvalidValue) as info:
        a.with_changes(capacity=-2)
    assert info.value.field == "capacity"


# Relationships -------------------------------------------------------------------------------


def test_employment_checks_ends_and_date() -> None:
    assert build(Employment, since=date(2020, 5, 1)).since == date(2020, 5, 1)
    rejected(Employment, "assessor_id", assessor_id="")
    rejected(Employment, "organisation_id", organisation_id="a b")
    rejected(Employment, "since", since="2020-05-01")


@pytest.mark.parametrize("level", ["exploring", "experienced"])
def test_theme_levels(level: str) -> None:
    assert build(ThemeLink, level=level).level == level


@pytest.mark.parametrize("level", ["expert", "", None, "Experienced"])
def test_unknown_levels_are_rejected(level: Any) -> None:
    rejected(ThemeLink, "level", level=level)


def test_theme_link_defaults_to_experienced_and_checks_ends() -> None:
    assert build(ThemeLink).level == "experienced"
    rejected(ThemeLink, "theme_id", theme_id="no such id!")


def test_contact_rules() -> None:
    c = build(Contact, status="accepted", since=date(2024, 1, 1), via="demo")
    assert c.involves("a-1") and c.involves("a-2") and not c.involves("a-3")
    assert (c.other("a-1"), c.other("a-2")) == ("a-2", "a-1")
    assert build(Contact).status == "requested"
    rejected(Contact, "to_id", to_id="a-1")
    rejected(Contact, "status", status="declined")
    rejected(Contact, "since", since="yesterday")
    rejected(Contact, "via", via=3)


# Programme and sets --------------------------------------------------------------------------


def test_programme_defaults_are_a_consistent_size_rule() -> None:
    p = build(Programme)
    assert p.set_size_min <= p.set_size_target <= p.set_size_max
    assert (p.status, p.cadence, p.max_per_organisation, p.require_common_slot) == ("draft", "monthly", 1, True)


@given(st.integers(2, 10), st.integers(0, 5), st.integers(0, 5))
def test_programme_accepts_every_consistent_size_rule(low: int, to_target: int, to_high: int) -> None:
    p = build(Programme, set_size_min=low, set_size_target=low + to_target, set_size_max=low + to_target + to_high)
    assert p.set_size_min <= p.set_size_target <= p.set_size_max


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"set_size_min": 1, "set_size_target": 1, "set_size_max": 1}, "set_size_min"),
        ({"set_size_min": 5, "set_size_target": 5, "set_size_max": 4}, "set_size_max"),
        ({"set_size_min": 4, "set_size_target": 3, "set_size_max": 7}, "set_size_target"),
        ({"set_size_min": 4, "set_size_target": 8, "set_size_max": 7}, "set_size_target"),
        ({"set_size_min": -4}, "set_size_min"),
        ({"meetings": -1}, "meetings"),
        ({"set_size_max": 6.5}, "set_size_max"),
        ({"max_per_organisation": 0}, "max_per_organisation"),
        ({"max_per_organisation": 3}, "max_per_organisation"),
        ({"max_per_organisation": True}, "max_per_organisation"),
        ({"status": "paused"}, "status"),
        ({"cadence": "daily"}, "cadence"),
        ({"region": "wales"}, "region"),
        ({"require_common_slot": "yes"}, "require_common_slot"),
    ],
)
def test_programme_rules(changes: dict[str, Any], field: str) -> None:
    rejected(Programme, field, **changes)


def test_programme_allows_two_per_organisation() -> None:
    assert build(Programme, max_per_organisation=2).max_per_organisation == 2


def test_action_learning_set_rules() -> None:
    s = build(ActionLearningSet, meeting_slot="tue-pm", programme_id="p-1", theme_ids=["t-1", "t-2"])
    assert s.theme_ids == ("t-1", "t-2")
    assert hash(s) == hash(build(ActionLearningSet, meeting_slot="tue-pm", programme_id="p-1", theme_ids=("t-1", "t-2")))
    rejected(ActionLearningSet, "meeting_slot", meeting_slot="tue-lunch")
    rejected(ActionLearningSet, "status", status="running")
    rejected(ActionLearningSet, "cadence", cadence="yearly")
    rejected(ActionLearningSet, "programme_id", programme_id="p 1")
    rejected(ActionLearningSet, "theme_ids", theme_ids=["ok", "not ok"])
    rejected(ActionLearningSet, "theme_ids", theme_ids="t-1")


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(domain)
    assert result.attempted > 0 and result.failed == 0


class TestProgrammeSettings:
    def test_weights_are_normalised_to_sorted_pairs(self) -> None:
        p = Programme(id="p1", name="Cohort", weights={"ties": 2, "themes": 4.5})
        assert p.weights == (("themes", 4.5), ("ties", 2.0))

    @pytest.mark.parametrize(
        "weights",
        [{"themes": -1}, {"themes": float("nan")}, {"": 1}, [("ties", 1), ("ties", 2)], "themes=1", [("ties",)], {"ties": True}],
    )
    def test_bad_weights_are_refused(self, weights: object) -> None:
        with pytest.raises(InvalidValue) as info:
            Programme(id="p1", name="Cohort", weights=weights)  # type: ignore[arg-type]
        assert info.value.field == "weights"

    def test_region_mode_and_start_date_are_checked(self) -> None:
        assert Programme(id="p1", name="Cohort", region_mode="close", starts_on=date(2027, 1, 4)).region_mode == "close"
        with pytest.raises(InvalidValue) as info:
            Programme(id="p1", name="Cohort", region_mode="near")
        assert info.value.field == "region_mode"
        with pytest.raises(InvalidValue) as info:
            ActionLearningSet(id="s1", name="Set 1", starts_on="2027-01-04")  # type: ignore[arg-type]
        assert info.value.field == "starts_on"

"""Set formation: hard rules always hold, planted good partitions are found, reasons are exact, bad input is named."""

from __future__ import annotations

import doctest
import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import network.formation
from network.domain import Assessor, Organisation, Programme, ThemeLink
from network.formation import (
    Constraints,
    FormationError,
    LockedSet,
    Member,
    Rules,
    Weights,
    form_sets,
    is_valid_partition,
    objective,
    score_partition,
    validate,
)
from network.formation.problem import Problem
from network.formation_exact import enumerate_columns

ITER = 600  # search steps: results never depend on machine speed


def mk(mid: str, org: str | None = None, slots: tuple[str, ...] = ("tue-pm",), **kw) -> Member:
    return Member(id=mid, organisation_id=org if org is not None else f"org-{mid}", availability=slots, **kw)


def form(members, rules=None, constraints=None, seed=1, iterations=ITER, **kw):
    return form_sets(members, rules, constraints, seed=seed, time_limit=None, max_iterations=iterations, **kw)


def groups(proposal) -> set[frozenset[str]]:
    return {frozenset(s.members) for s in proposal.sets}


# ---------------------------------------------------------------------- doctests and small API


def test_doctests_of_the_package_pass() -> None:
    failures, tried = doctest.testmod(network.formation)
    assert tried and not failures


def test_member_of_builds_from_domain_values() -> None:
    a = Assessor(id="a-1", name="Sam", region="london", experience_years=4, capacity=2, availability=("tue-pm", "mon-am"))
    org = Organisation(id="org-1", name="Riverside Trust", kind="nhs_trust", region="london")
    links = [ThemeLink("a-1", "practice-amhp", "experienced"), ThemeLink("a-2", "practice-asye", "exploring")]
    m = Member.of(a, org, links, isolated=True)
    assert (m.organisation_id, m.organisation_kind, m.region, m.capacity_left) == ("org-1", "nhs_trust", "london", 2)
    assert m.availability == ("mon-am", "tue-pm") and m.themes == {"practice-amhp": "experienced"} and m.isolated


def test_rules_from_programme_and_weights_from_mapping() -> None:
    p = Programme(id="p-1", name="North", set_size_min=3, set_size_max=5, set_size_target=4, max_per_organisation=2)
    rules = Rules.from_programme(p, weights={"themes": 2.5}, region_mode="close")
    assert (rules.size_min, rules.size_max, rules.size_target, rules.max_per_organisation) == (3, 5, 4, 2)
    assert rules.weights.themes == 2.5 and rules.weights.ties == Weights().ties and rules.region_mode == "close"
    own = Programme(id="p-2", name="South", weights={"kinds": 0.5}, region_mode="close")
    assert Rules.from_programme(own).weights == Weights(kinds=0.5) and Rules.from_programme(own).region_mode == "close"
    with pytest.raises(FormationError) as info:
        Weights.from_mapping({"charm": 1})
    assert info.value.field == "weights" and "charm" in info.value.message


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("build", "field", "words"),
    [
        (lambda: Rules(size_min=6, size_max=4), "size_min", "above the maximum"),
        (lambda: Rules(size_target=9), "size_target", "between 4 and 7"),
        (lambda: Rules(region_mode="far"), "region_mode", "mix, close"),
        (lambda: Weights(themes=-1), "weights.themes", "between 0"),
        (lambda: Member("a", availability=("someday",)), "members[a].availability", "someday"),
        (lambda: Member("a", themes={"t": "expert"}), "members[a].themes", "exploring or experienced"),
        (lambda: Constraints(must_link=[("a", "a")]), "must_link", "two different members"),
    ],
)
def test_bad_values_are_named(build, field: str, words: str) -> None:
    with pytest.raises(FormationError) as info:
        build()
    assert info.value.field == field
    assert words in info.value.message
    assert isinstance(info.value, ValueError)


def _pool(n: int = 8) -> list[Member]:
    return [mk(f"m{i}") for i in range(n)]


@pytest.mark.parametrize(
    ("members", "rules", "constraints", "field", "words"),
    [
        (_pool(3), None, None, "members", "too small for one set: 3 people can be placed"),
        (_pool(3) + [mk("m9", capacity_left=0)], None, None, "members", "(1 more are at capacity)"),
        (_pool(), None, Constraints(must_link=[("m1", "m2")], cannot_link=[("m1", "m2")]), "cannot_link", "m1 - m2"),
        (
            _pool(),
            None,
            Constraints(must_link=[("m1", "m2"), ("m2", "m3")], cannot_link=[("m1", "m3")]),
            "cannot_link",
            "must-link pairs join them: m1 - m2 - m3",
        ),
        (_pool(), None, Constraints(must_link=[("m1", "x")]), "must_link", "x is not in the pool"),
        ([mk("a", "o1"), mk("b", "o1")] + _pool(4), None, Constraints(must_link=[("a", "b")]), "must_link", "work for o1"),
        (
            [mk("a", slots=("mon-am",)), mk("b", slots=("tue-am",))] + _pool(4),
            None,
            Constraints(must_link=[("a", "b")]),
            "must_link",
            "no weekly slot in common",
        ),
        (
            [mk("a", "o1"), mk("b", "o1")] + _pool(4),
            None,
            Constraints(locked=[LockedSet(("a", "b", "m0", "m1"))]),
            "locked",
            "2 of them work for o1",
        ),
        (_pool(6), None, Constraints(locked=[LockedSet(("m0", "m1"))]), "locked", "fewer than the minimum set size of 4"),
        (
            [mk("a", slots=("mon-am",))] + _pool(6),
            None,
            Constraints(locked=[LockedSet(("a", "m0", "m1", "m2"), open=True)]),
            "locked",
            "no weekly slot in common",
        ),
        (
            [mk("a", capacity_left=0)] + _pool(6),
            None,
            Constraints(locked=[LockedSet(("a", "m0"), open=True)]),
            "locked",
            "a is pinned but at capacity",
        ),
        (
            _pool(),
            None,
            Constraints(locked=[LockedSet(("m0", "m1"), open=True), LockedSet(("m1", "m2"), open=True)]),
            "locked",
            "two locked sets",
        ),
        (
            _pool(),
            None,
            Constraints(locked=[LockedSet(("m0", "m1", "m2", "m3"))], cannot_link=[("m0", "m3")]),
            "locked",
            "m0 and m3 cannot be together",
        ),
        (
            _pool(),
            None,
            Constraints(locked=[LockedSet(("m0", "m1"), open=True, slot="mon-am")]),
            "locked",
            "not everyone is available at Monday mornings",
        ),
        ([mk("m0"), mk("m0")] + _pool(5)[1:], None, None, "members", "m0 appears twice"),
    ],
)
def test_bad_input_is_rejected_with_the_problem_named(members, rules, constraints, field: str, words: str) -> None:
    with pytest.raises(FormationError) as info:
        validate(members, rules, constraints)
    assert info.value.field == field
    assert words in info.value.message, info.value.message
    with pytest.raises(FormationError):
        form(members, rules, constraints)


def test_bad_budget_is_rejected() -> None:
    with pytest.raises(FormationError) as info:
        form_sets(_pool(), time_limit=-1)
    assert info.value.field == "time_limit"
    with pytest.raises(FormationError) as info:
        form_sets(_pool(), time_limit=None, max_iterations=-5)
    assert info.value.field == "max_iterations"


def test_an_open_locked_set_that_cannot_be_completed_is_an_error() -> None:
    members = [mk("a", slots=("mon-am",)), mk("b", slots=("mon-am",))] + _pool(6)
    with pytest.raises(FormationError) as info:
        form(members, constraints=Constraints(locked=[LockedSet(("a", "b"), open=True)]))
    assert info.value.field == "locked" and "cannot be completed to 4 members" in info.value.message


# ---------------------------------------------------------------------- planted partitions


def test_sets_follow_the_slots_people_share() -> None:
    members = [mk(f"{slot}-{k}", slots=(slot,)) for slot in ("mon-am", "wed-pm", "thu-eve") for k in range(4)]
    p = form(members)
    assert groups(p) == {frozenset(f"{slot}-{k}" for k in range(4)) for slot in ("mon-am", "wed-pm", "thu-eve")}
    assert [s.reasons[0] for s in p.sets] == ["meets Monday mornings", "meets Wednesday afternoons", "meets Thursday evenings"]
    assert p.unplaced == () and p.placed == 12


def test_people_who_share_a_theme_are_grouped_and_the_reason_names_it() -> None:
    themes = {"a": "practice-amhp", "b": "practice-kinship-care"}
    members = [mk(f"{t}{k}", themes={themes[t]: "experienced" if k % 2 else "exploring"}) for t in "ab" for k in range(4)]
    p = form(members, theme_names={"practice-amhp": "AMHP practice"})
    assert groups(p) == {frozenset(f"a{k}" for k in range(4)), frozenset(f"b{k}" for k in range(4))}
    reasons = {s.members[0][0]: s.reasons for s in p.sets}
    assert "all 4 share AMHP practice" in reasons["a"]
    assert "all 4 share Kinship care" in reasons["b"]  # the built-in taxonomy name when no name is given
    assert all(s.breakdown["themes"] > 0 for s in p.sets)


def test_experience_is_balanced_across_sets() -> None:
    members = [mk(f"new{k}", experience_years=0) for k in range(4)] + [mk(f"old{k}", experience_years=20) for k in range(4)]
    p = form(members)
    for s in p.sets:
        assert sum(m.startswith("old") for m in s.members) == 2
        assert "experience 0 to 20 years, mean 10 years (pool mean 10 years)" in s.reasons


def test_experience_reads_in_words_with_a_singular_year() -> None:
    p = form([mk(f"m{k}", experience_years=1) for k in range(4)])
    assert "experience 1 year each (pool mean 1 year)" in p.sets[0].reasons
    assert not any("1 years" in r for r in p.sets[0].reasons)


def test_unplaced_reasons_name_people_by_name_when_given() -> None:
    members = [mk(f"m{i}", name=f"Person {i}") for i in range(4)] + [
        mk("buddy", slots=("tue-pm",), name="Sam Patel"),
        mk("busy", capacity_left=0, name="Ravi Shah"),
    ]
    p = form(members, constraints=Constraints(must_link=[("buddy", "busy")]))
    reasons = {u.member_id: u.reason for u in p.unplaced}
    assert reasons["buddy"] == "must be in the same set as Ravi Shah, who is at capacity"
    pair = [mk("ann", slots=("sun-eve",), name="Ann Lee"), mk("bea", slots=("sun-eve",), name="Bea Brown")]
    p = form([mk(f"m{i}", name=f"Person {i}") for i in range(4)] + pair, constraints=Constraints(must_link=[("ann", "bea")]))
    reasons = {u.member_id: u.reason for u in p.unplaced}
    assert reasons["ann"].endswith("(with Bea Brown, who must be in their set)")


def test_kinds_are_mixed() -> None:
    kinds = ["local_authority", "nhs_trust", "voluntary", "agency"]
    members = [mk(f"{kind}{k}", organisation_kind=kind) for kind in kinds for k in range(2)]
    p = form(members)
    for s in p.sets:
        assert len({m[:-1] for m in s.members}) == 4
        assert "4 organisations, 4 kinds (agency, local authority, NHS trust, voluntary)" in s.reasons


def test_new_ties_beat_existing_ones_and_isolated_members_gain_the_most() -> None:
    members = [mk(f"m{i}", isolated=i in (0, 1)) for i in range(8)]
    # m0..m3 already know each other: the best split keeps old pairs apart.
    ties = [(f"m{a}", f"m{b}") for a, b in itertools.combinations(range(4), 2)]
    p = form(members, constraints=Constraints(ties=ties))
    for s in p.sets:
        assert sum(m in ("m0", "m1", "m2", "m3") for m in s.members) == 2
    reasons = " ".join(r for s in p.sets for r in s.reasons)
    # m0 and m1 (isolated, tied to each other) are split, each with one old tie in their set.
    assert reasons.count("5 new cross-organisation ties, 2 for isolated members") == 2


def test_region_close_mode_groups_by_region() -> None:
    members = [mk(f"{r}{k}", region=r) for r in ("london", "south_west") for k in range(4)]
    close = form(members, Rules(region_mode="close"))
    assert groups(close) == {frozenset(f"london{k}" for k in range(4)), frozenset(f"south_west{k}" for k in range(4))}
    assert any("all in London" in s.reasons for s in close.sets)
    mix = form(members, Rules(region_mode="mix"))
    assert all("from 2 regions" in s.reasons for s in mix.sets)


def test_size_target_is_preferred() -> None:
    p = form(_pool(18))
    assert sorted(len(s.members) for s in p.sets) == [6, 6, 6]


def test_two_per_organisation_when_allowed() -> None:
    members = [mk(f"a{k}", "o1") for k in range(4)] + [mk(f"b{k}", "o2") for k in range(4)]
    one = form(members + _pool(2), Rules())
    assert one.placed < 10
    two = form(members, Rules(max_per_organisation=2))
    assert two.placed == 8 and all(len(s.members) == 4 for s in two.sets)


def test_common_slot_can_be_switched_off() -> None:
    members = [mk(f"m{i}", slots=(("mon-am",), ("tue-pm",), ())[i % 3]) for i in range(8)]
    assert form(members).placed < 8
    p = form(members, Rules(require_common_slot=False))
    assert p.placed == 8 and is_valid_partition(members, [s.members for s in p.sets], Rules(require_common_slot=False)) == []


# ---------------------------------------------------------------------- constraints and locks


def test_must_link_and_cannot_link_are_kept() -> None:
    members = _pool(12)
    c = Constraints(must_link=[("m0", "m7"), ("m7", "m11")], cannot_link=[("m1", "m2"), ("m1", "m3"), ("m2", "m3")])
    p = form(members, constraints=c)
    home = {m: k for k, s in enumerate(p.sets) for m in s.members}
    assert home["m0"] == home["m7"] == home["m11"]
    assert len({home["m1"], home["m2"], home["m3"]}) == 3
    assert is_valid_partition(members, [s.members for s in p.sets], constraints=c) == []


def test_a_closed_locked_set_is_kept_as_it_is_and_the_rest_reformed() -> None:
    members = _pool(13)
    first = form(members, seed=1)
    keep = first.sets[0].members
    c = Constraints(locked=[LockedSet(keep)])
    again = form(members, constraints=c, seed=99)
    assert frozenset(keep) in groups(again)
    locked = [s for s in again.sets if s.locked]
    assert [s.members for s in locked] == [keep] and "locked by the coordinator" in locked[0].reasons
    assert again.placed == first.placed


def test_an_open_locked_set_is_completed_around_its_pinned_members() -> None:
    members = _pool(10) + [mk("p1", slots=("tue-pm", "mon-am")), mk("p2", slots=("tue-pm", "mon-am"))]
    p = form(members, constraints=Constraints(locked=[LockedSet(("p1", "p2"), open=True, slot="tue-pm")]))
    pinned = next(s for s in p.sets if "p1" in s.members)
    assert "p2" in pinned.members and 4 <= len(pinned.members) <= 7 and pinned.meeting_slot == "tue-pm"


def test_a_pinned_slot_is_kept_when_no_common_slot_is_required() -> None:
    members = [mk(f"m{i:02d}", slots=(("mon-am",), ("tue-pm", "mon-am"), ())[i % 3]) for i in range(12)]
    rules = Rules(require_common_slot=False)
    p = form(members, rules, Constraints(locked=[LockedSet(("m01", "m04"), open=True, slot="tue-pm")]))
    pinned = next(s for s in p.sets if "m01" in s.members)
    # Only four people are free on Tuesday afternoons: the pinned set is exactly them.
    assert pinned.meeting_slot == "tue-pm" and pinned.members == ("m01", "m04", "m07", "m10")
    assert p.placed == 12


def test_at_capacity_members_are_not_placed() -> None:
    members = _pool(8) + [mk("busy", capacity_left=0)]
    p = form(members)
    assert [(u.member_id, u.code, u.reason) for u in p.unplaced] == [
        ("busy", "at_capacity", "at capacity: already in as many active sets as they can take")
    ]


# ---------------------------------------------------------------------- unplaced reasons


def test_unplaced_reasons_are_exact() -> None:
    members = (
        _pool(8)
        + [mk("lonely", slots=("sun-eve",)), mk("nobody", slots=())]
        + [mk("x1", "ox", slots=("fri-am",)), mk("x2", "ox", slots=("fri-am",))]
        + [mk("x3", slots=("fri-am",)), mk("x4", slots=("fri-am",)), mk("x5", slots=("fri-am",))]
        + [mk("buddy", slots=("tue-pm",)), mk("busy", capacity_left=0)]
    )
    c = Constraints(must_link=[("buddy", "busy")], cannot_link=[("x3", "x4")])
    p = form(members, constraints=c)
    reasons = {u.member_id: (u.code, u.reason) for u in p.unplaced}
    assert reasons["lonely"] == ("no_common_slot", "no common slot with 3 or more people from other organisations")
    assert reasons["nobody"] == ("no_availability", "has not given any weekly availability, and every set needs a common weekly slot")
    assert reasons["buddy"] == ("must_link", "must be in the same set as busy, who is at capacity")
    assert reasons["busy"][0] == "at_capacity"
    # Friday: x1/x2 share an organisation and x3/x4 may not meet, so no set of 4 is possible there.
    assert reasons["x3"] == (
        "cannot_link",
        "cannot-link with everyone available: leaving out the people they cannot be with, "
        "no common slot with 3 or more people from other organisations",
    )
    # True of the pool (issue 22): x1 can only meet x2 (a colleague), x3 or x4 (who cannot meet) and x5: no valid set at all.
    assert reasons["x1"] == (
        "no_valid_set",
        "no valid set can contain them: of the people free when they are (Friday mornings), no 3 or more can meet with them by "
        "every rule (some of them cannot be in the same set as them or as each other; some work for the same organisation)",
    )


def test_someone_left_out_for_lack_of_room_is_offered_a_swap_not_told_no_set_can_take_them() -> None:
    # Nine people free only on Tuesdays, sets of exactly 4: two sets, and one person must stay out. A valid set could
    # hold them (issue 22: the reason is true of the pool), in place of someone else, and that swap is offered.
    rules = Rules(size_min=4, size_max=4, size_target=4)
    members = _pool(9)
    p = form(members, rules)
    (u,) = p.unplaced
    assert u.code == "rearrange"
    assert u.reason.startswith("a valid set could include them, but only in place of m") and u.reason.endswith(
        "who would be left out instead"
    )
    assert _apply(p, u.moves) and is_valid_partition(members, _apply(p, u.moves), rules) == []
    assert any(u.member_id in s for s in _apply(p, u.moves)) and sum(map(len, _apply(p, u.moves))) == 8


def _apply(p, moves) -> list[list[str]]:
    """The partition the offered moves make from the proposal."""
    sets = [list(s.members) for s in p.sets]
    for m in moves:
        if m.from_set is not None:
            sets[m.from_set].remove(m.member_id)
        if m.to_set is not None:
            while m.to_set >= len(sets):
                sets.append([])
            sets[m.to_set].append(m.member_id)
    return [s for s in sets if s]


def test_isolated_people_come_first_even_when_a_colleague_scores_higher() -> None:
    # One set of 4 on Tuesdays: one of three colleagues at org-a joins b, c and d. The two who are not isolated share
    # every theme with b, c and d (a higher score); the isolated one shares none. Connecting them comes first.
    shared = {"practice-amhp": "experienced", "law-mca": "exploring"}
    members = [
        mk("a-iso", "org-a", isolated=True),
        mk("a-1", "org-a", themes=shared),
        mk("a-2", "org-a", themes=shared),
    ] + [mk(x, themes=shared) for x in ("b", "c", "d")]
    rules = Rules(size_min=4, size_max=4, size_target=4)
    p = form(members, rules)
    assert groups(p) == {frozenset({"a-iso", "b", "c", "d"})}
    assert p.connected == 1 and p.connected_bound == 1


def test_the_priority_decides_between_connecting_isolated_people_and_placing_more() -> None:
    # x (isolated) can only meet on Mondays with y1 and y2; y1, y2, z1 and z2 could all meet on Tuesdays instead.
    members = [
        mk("x", slots=("mon-am",), isolated=True),
        mk("y1", slots=("mon-am", "tue-pm")),
        mk("y2", slots=("mon-am", "tue-pm")),
        mk("z1", slots=("tue-pm",)),
        mk("z2", slots=("tue-pm",)),
    ]
    first = form(members, Rules(size_min=3, size_max=4, size_target=4))
    assert groups(first) == {frozenset({"x", "y1", "y2"})} and (first.connected, first.placed) == (1, 3)
    placed = form(members, Rules(size_min=3, size_max=4, size_target=4, priority="placed"))
    assert groups(placed) == {frozenset({"y1", "y2", "z1", "z2"})} and (placed.connected, placed.placed) == (0, 4)
    with pytest.raises(FormationError) as info:
        Rules(priority="score")
    assert info.value.field == "priority"


def test_score_partition_flags_broken_rules_after_an_edit() -> None:
    members = [mk(f"m{i}") for i in range(8)] + [mk("c1", "o1"), mk("c2", "o1")]
    rules = Rules(size_min=4, size_max=5, size_target=5)
    p = form(members, rules)
    sets = [list(s.members) for s in p.sets]
    # Coordinator edit: move c2 next to c1 (same organisation).
    a = next(k for k, s in enumerate(sets) if "c1" in s)
    b = next(k for k, s in enumerate(sets) if "c2" in s)
    sets[b].remove("c2")
    sets[a].append("c2")
    edited = score_partition(members, sets, rules)
    assert not edited.valid
    assert "2 members work for o1 (at most 1 per organisation)" in edited.sets[a].violations
    assert any("fewer than the minimum of 4" in v for v in edited.sets[b].violations) or len(sets[b]) >= 4
    assert edited.score == pytest.approx(objective(members, sets, rules)[1])
    assert is_valid_partition(members, sets, rules)


def test_score_partition_flags_an_edited_locked_set_instead_of_raising() -> None:
    members = _pool(9)
    c = Constraints(locked=[LockedSet(("m0", "m1", "m2"))])  # locked, then edited down to 3
    edited = score_partition(members, [["m0", "m1", "m2"], ["m3", "m4", "m5", "m6", "m7", "m8"]], constraints=c)
    assert edited.sets[0].violations == ("has 3 members, fewer than the minimum of 4",) and edited.sets[0].locked
    assert is_valid_partition(members, [["m0", "m1", "m2"]], constraints=c) == ["set 1: has 3 members, fewer than the minimum of 4"]
    with pytest.raises(FormationError):
        validate(members, constraints=c)


def test_score_partition_reports_left_out_people_who_could_join() -> None:
    members = _pool(9)
    edited = score_partition(members, [["m0", "m1", "m2", "m3"], ["m4", "m5", "m6", "m7"]])
    assert edited.valid
    assert [(u.member_id, u.code, u.reason) for u in edited.unplaced] == [("m8", "left_out", "could join set 1, but is left out")]


def test_score_partition_rejects_unknown_people() -> None:
    with pytest.raises(FormationError) as info:
        score_partition(_pool(), [["m0", "ghost"]])
    assert info.value.field == "sets" and "ghost" in info.value.message


def test_is_valid_partition_lists_every_violation() -> None:
    members = _pool(9) + [mk("busy", capacity_left=0)]
    c = Constraints(must_link=[("m0", "m8")], cannot_link=[("m1", "m2")], locked=[LockedSet(("m4", "m5", "m6", "m7"))])
    problems = is_valid_partition(members, [["m0", "m1", "m2", "busy"], ["m3", "m4", "m5", "m6", "m7"], ["m3", "ghost"]], constraints=c)
    assert problems == [
        "set 3: ghost is not in the pool",
        "set 1: m1 and m2 cannot be in the same set",
        "set 1: busy is at capacity",
        "set 3: has 1 member, fewer than the minimum of 4",
        "m3 is in sets 2 and 3",
        "m0, m8 must be in the same set",
        "the locked set (m4, m5, m6, m7) must be kept exactly as it is",
    ]


# ---------------------------------------------------------------------- properties

SLOTS = ("mon-am", "tue-pm", "wed-pm", "thu-eve")
THEMES = ("t-a", "t-b", "t-c", "t-d")


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[Member], Rules, Constraints]:
    n = draw(st.integers(4, 22))
    orgs = draw(st.integers(2, 9))
    members = []
    for i in range(n):
        members.append(
            Member(
                id=f"m{i:02d}",
                organisation_id=draw(st.sampled_from([None] + [f"o{k}" for k in range(orgs)])),
                organisation_kind=draw(st.sampled_from([None, "local_authority", "nhs_trust", "voluntary"])),
                region=draw(st.sampled_from([None, "london", "north_east"])),
                experience_years=draw(st.integers(0, 20)),
                availability=tuple(draw(st.sets(st.sampled_from(SLOTS), max_size=3))),
                themes=draw(st.dictionaries(st.sampled_from(THEMES), st.sampled_from(("exploring", "experienced")), max_size=3)),
                capacity_left=draw(st.sampled_from((0, 1, 1, 1, 2))),
                isolated=draw(st.booleans()),
            )
        )
    size_min = draw(st.integers(2, 4))
    size_max = draw(st.integers(size_min, size_min + 3))
    rules = Rules(
        size_min=size_min,
        size_max=size_max,
        size_target=draw(st.integers(size_min, size_max)),
        max_per_organisation=draw(st.integers(1, 2)),
        require_common_slot=draw(st.booleans()),
        region_mode=draw(st.sampled_from(("mix", "close"))),
    )
    ids = [m.id for m in members]
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    constraints = Constraints(
        must_link=draw(st.lists(pairs, max_size=2)),
        cannot_link=draw(st.lists(pairs, max_size=4)),
        ties=draw(st.lists(pairs, max_size=6)),
    )
    return members, rules, constraints


def _checked(members, rules, constraints):
    try:
        validate(members, rules, constraints)
    except FormationError:
        assume(False)
    return form(members, rules, constraints, seed=7, iterations=300)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@PROPERTY
@given(problems())
def test_every_result_is_a_valid_partition_with_everyone_accounted_for(case) -> None:
    members, rules, constraints = case
    p = _checked(members, rules, constraints)
    sets = [s.members for s in p.sets]
    assert is_valid_partition(members, sets, rules, constraints) == []
    placed = [m for s in sets for m in s]
    assert len(placed) == len(set(placed)) == p.placed
    assert sorted(placed + [u.member_id for u in p.unplaced]) == sorted(m.id for m in members)
    assert p.score == pytest.approx(sum(s.score for s in p.sets))
    assert (p.placed, p.score) == pytest.approx(objective(members, sets, rules, constraints))
    for s in p.sets:
        assert s.score == pytest.approx(sum(s.breakdown.values()))
        assert s.reasons and all(isinstance(r, str) and r for r in s.reasons)


@PROPERTY
@given(problems(), st.integers(0, 3))
def test_same_seed_same_proposal(case, seed: int) -> None:
    members, rules, constraints = case
    try:
        validate(members, rules, constraints)
    except FormationError:
        assume(False)
    one = form(members, rules, constraints, seed=seed, iterations=200)
    two = form(list(reversed(members)), rules, constraints, seed=seed, iterations=200)
    assert one == two


@PROPERTY
@given(problems())
def test_unplaced_reasons_are_true(case) -> None:
    members, rules, constraints = case
    p = _checked(members, rules, constraints)
    pb = Problem(members, rules, constraints)
    columns = enumerate_columns(pb, limit=200_000)
    assume(columns is not None)
    feasible = [frozenset(pb.ids[i] for i in c) for c, _ in columns]
    by_id = {m.id: m for m in members}
    left = {u.member_id for u in p.unplaced}
    sets = [set(s.members) for s in p.sets]
    for u in p.unplaced:
        m = by_id[u.member_id]
        if u.code == "at_capacity":
            assert m.capacity_left <= 0
        elif u.code in ("no_common_slot", "cannot_link", "no_availability", "must_link", "no_valid_set"):
            # Reasons true of the pool: no valid set anywhere contains them.
            assert not any(u.member_id in c for c in feasible), u
        elif u.code == "rearrange":
            # A valid set could contain them, but no set of this proposal can take them as it is, nor can the people left out
            # form one with them; the moves offered (if any) make a valid partition that places them.
            assert any(u.member_id in c for c in feasible), u
            unit = next(c for c in [set(x) for x in _units(pb)] if u.member_id in c)
            for s in sets:
                assert is_valid_partition(members, [sorted(s | unit)], rules, constraints=Constraints(cannot_link=constraints.cannot_link))
            assert not any(u.member_id in c and c <= left for c in feasible)
            if u.moves:
                moved = _apply(p, u.moves)
                assert is_valid_partition(members, moved, rules, constraints) == [] and any(u.member_id in s for s in moved)
        else:
            raise AssertionError(f"unexpected code {u.code} in an engine result")


def _units(pb: Problem) -> list[list[str]]:
    return [[pb.ids[i] for i in unit] for unit in pb.units]


@PROPERTY
@given(problems(), st.data())
def test_locked_sets_are_preserved_on_re_run(case, data) -> None:
    members, rules, constraints = case
    first = _checked(members, rules, constraints)
    assume(first.sets)
    keep = [s for s in first.sets if data.draw(st.booleans())]
    locked = Constraints(
        must_link=constraints.must_link,
        cannot_link=constraints.cannot_link,
        ties=constraints.ties,
        locked=[LockedSet(s.members) for s in keep],
    )
    again = form(members, rules, locked, seed=11, iterations=300)
    for s in keep:
        assert frozenset(s.members) in groups(again)
    assert is_valid_partition(members, [s.members for s in again.sets], rules, locked) == []


# ---------------------------------------------------------------------- issue 22: reproducible results


def _busy_pool() -> list[Member]:
    """40 people of 12 organisations (one large), free at one or two of four slots: enough work for the search."""
    slots = ("mon-am", "tue-pm", "wed-pm", "thu-eve")
    return [
        mk(
            f"p{i:02d}",
            f"o{0 if i % 3 == 0 else i % 12}",
            slots=(slots[i % 4],) if i % 5 else (slots[i % 4], slots[(i + 1) % 4]),
            isolated=i % 4 == 0,
            experience_years=i % 9,
            themes={THEMES[i % 4]: "experienced" if i % 2 else "exploring"},
        )
        for i in range(40)
    ]


def test_the_same_seed_and_step_budget_give_the_same_sets_while_another_thread_burns_cpu() -> None:
    """Issue 22: a step budget makes the result independent of how fast the machine runs (a wall-clock budget is not)."""
    import threading

    members = _busy_pool()
    rules = Rules()
    first = form_sets(members, rules, seed=9, time_limit=600, max_iterations=4000)
    stop = threading.Event()

    def burn() -> None:
        x = 0
        while not stop.is_set():
            x = (x * 31 + 7) % 1_000_003

    burners = [threading.Thread(target=burn, daemon=True) for _ in range(2)]
    for t in burners:
        t.start()
    try:
        second = form_sets(members, rules, seed=9, time_limit=600, max_iterations=4000)
    finally:
        stop.set()
        for t in burners:
            t.join()
    assert first.stopped in ("iterations", "converged") and second.stopped == first.stopped
    assert [s.members for s in first.sets] == [s.members for s in second.sets]
    assert first == second
    assert (first.seed, first.steps, first.engine) == (9, 4000, network.formation.ENGINE_VERSION)


def test_a_proposal_says_how_many_could_be_placed_at_most() -> None:
    members = _busy_pool()
    p = form(members, iterations=3000)
    assert p.placed_bound is not None and p.connected_bound is not None
    assert p.placed <= p.placed_bound and p.connected <= p.connected_bound
    assert p.connected == sum(1 for s in p.sets for m in s.members if next(x for x in members if x.id == m).isolated)

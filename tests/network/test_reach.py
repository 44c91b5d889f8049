"""The pure part of reach: month ranges, roll-ups of store rows, what-if deltas, paging, CSV and sentences."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network.domain import Organisation
from network.reach import (
    MAX_MONTHS,
    BadRange,
    Bridge,
    IsolatedAssessor,
    OrganisationFigures,
    OrganisationTie,
    PartnerRow,
    Person,
    ReachBaseline,
    RegionRow,
    assemble_reach,
    components,
    isolated_order_key,
    isolated_since,
    month_end,
    month_range,
    network_reach,
    page_isolated,
    parse_month,
    proposal_pairs,
    region_coverage,
    tie_matrix_csv,
    what_if,
)

# -- months --------------------------------------------------------------------------------------


def test_parse_month():
    assert parse_month("2025-02") == date(2025, 2, 1)
    assert parse_month(" 1999-12 ") == date(1999, 12, 1)
    for bad in ("2025-13", "2025-00", "2025-2", "25-02", "2025/02", "", "2025-02-01", "1800-01"):
        with pytest.raises(BadRange):
            parse_month(bad)


def test_month_end():
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2025, 12, 1)) == date(2025, 12, 31)
    assert month_end(date(2025, 4, 17)) == date(2025, 4, 30)


def test_month_range_defaults_to_the_last_twelve_months():
    months = month_range(None, None, today=date(2025, 3, 14))
    assert months[0] == date(2024, 4, 1) and months[-1] == date(2025, 3, 1) and len(months) == 12


def test_month_range_across_a_year():
    assert month_range(date(2024, 11, 1), date(2025, 2, 1), today=date(2025, 6, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert month_range(date(2025, 2, 1), date(2025, 2, 1), today=date(2025, 2, 3)) == [date(2025, 2, 1)]


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (date(2025, 3, 1), date(2025, 1, 1), "from"),
        (None, date(2025, 7, 1), "to"),
        (date(2000, 1, 1), date(2025, 1, 1), "from"),
    ],
)
def test_month_range_errors(first, last, field):
    with pytest.raises(BadRange) as info:
        month_range(first, last, today=date(2025, 6, 1))
    assert info.value.field == field


def test_month_range_longest():
    assert len(month_range(date(2015, 7, 1), date(2025, 6, 1), today=date(2025, 6, 1))) == MAX_MONTHS


# -- isolation helpers -----------------------------------------------------------------------------


def test_isolated_since_is_the_later_known_date():
    assert isolated_since(None, None) is None
    assert isolated_since(date(2020, 1, 1), None) == date(2020, 1, 1)
    assert isolated_since(None, date(2021, 1, 1)) == date(2021, 1, 1)
    assert isolated_since(date(2022, 1, 1), date(2021, 1, 1)) == date(2022, 1, 1)


@given(
    st.lists(
        st.tuples(st.none() | st.dates(max_value=date(9998, 12, 31)), st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)),
        unique_by=lambda t: t[1],
    )
)
def test_order_key_sorts_by_date_then_id_with_unknown_last(entries):
    by_key = sorted(entries, key=lambda e: isolated_order_key(*e))
    assert by_key == sorted(entries, key=lambda e: (e[0] is None, e[0] or date.min, e[1]))


def _iso(n: int, since: date | None) -> IsolatedAssessor:
    return IsolatedAssessor(f"a-{n:02d}", f"Person {n}", "o1", False, since)


def test_paging_walks_every_item_once_in_order():
    items = [_iso(n, None if n % 3 == 0 else date(2020, 1, 1 + n % 5)) for n in range(10)]
    seen, after = [], None
    while True:
        page, after = page_isolated(items, 3, after)
        seen += page
        if after is None:
            break
    assert seen == sorted(items, key=lambda i: isolated_order_key(i.isolated_since, i.assessor_id))
    assert page_isolated([], 3) == ([], None)


# -- one organisation ------------------------------------------------------------------------------

ORG = Organisation(id="o1", name="Northmoor Council", kind="local_authority", region="north_east")


def test_assemble_reach():
    r = assemble_reach(
        ORG,
        2,
        assessors=4,
        in_active_set=1,
        isolated=[_iso(2, None), _iso(1, date(2021, 1, 1))],
        partners=[PartnerRow("o3", "C", "london", 1, 1, "a-01"), PartnerRow("o2", "B", "london", 3, 2, "a-01")],
        regions=[RegionRow("south_west", 1, "a-03"), RegionRow("london", 2, "a-01")],
        two_hops=[("o2", "B", "london"), ("o5", "E", "london"), ("o4", "D", "north_east")],
        names={"a-01": "Ann", "a-03": "Cy"},
    )
    assert [(x.organisation_id, x.hops) for x in r.reached] == [("o2", 1), ("o3", 1), ("o4", 2), ("o5", 2)]
    assert [i.assessor_id for i in r.isolated] == ["a-01", "a-02"]
    assert r.bridges == (Bridge("a-01", "Ann", ("o3",), ()), Bridge("a-03", "Cy", (), ("south_west",)))
    assert r.regions_reached == ("london", "south_west")
    assert (r.reached_direct, r.reached_within_two, r.active_set_share) == (2, 4, 0.25)
    text = " ".join(r.sentences())
    assert "4 active assessors; 2 are isolated and 25.0% are in an active set" in text
    assert "tied directly to 2 other organisations; the closest partner is B (3 ties)" in text
    assert "1 partner organisation is reached through one assessor only" in text


def test_sentences_of_an_unconnected_organisation():
    r = assemble_reach(ORG, 1, assessors=1, in_active_set=0, isolated=[_iso(1, None)], partners=[], regions=[], two_hops=[], names={})
    assert r.sentences() == [
        "Northmoor Council has 1 active assessor; 1 is isolated and 0.0% are in an active set.",
        "None of its assessors has a tie to another organisation yet.",
    ]


# -- the network ----------------------------------------------------------------------------------


def test_components():
    ties = [OrganisationTie("b", "d", 1), OrganisationTie("a", "a", 4), OrganisationTie("c", "e", 2), OrganisationTie("d", "e", 1)]
    assert components("abcdef", ties) == (("b", "c", "d", "e"), ("a",), ("f",))
    assert components([], []) == ()


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 3)), max_size=30))
def test_components_partition_the_organisations(raw):
    orgs = [f"o{k}" for k in range(10)]
    ties = [OrganisationTie(f"o{min(a, b)}", f"o{max(a, b)}", n) for a, b, n in raw]
    groups = components(orgs, ties)
    assert sorted(o for g in groups for o in g) == orgs
    where = {o: k for k, g in enumerate(groups) for o in g}
    assert all(where[t.organisation_id] == where[t.partner_id] for t in ties)
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)


def test_region_coverage():
    orgs = [
        OrganisationFigures("a", "A", "london", 3, 1, 1),
        OrganisationFigures("b", "B", "london", 2, 2, 0),
        OrganisationFigures("c", "C", "north_east", 4, 0, 2),
    ]
    cover = region_coverage(orgs, [OrganisationTie("a", "c", 2), OrganisationTie("b", "b", 1)])
    assert [
        (g.region, g.organisations, g.assessors, g.isolated, g.in_active_set, g.organisations_tied, g.regions_reached) for g in cover
    ] == [
        ("north_east", 1, 4, 0, 2, 1, ("london",)),
        ("london", 2, 5, 3, 1, 1, ("north_east",)),
    ]
    assert cover[1].connected_share == pytest.approx(0.4)


def _network():
    orgs = [
        OrganisationFigures("o1", "One", "london", 2, 1, 0),
        OrganisationFigures("o2", "Two", "london", 1, 0, 0),
        OrganisationFigures("o3", "=Three", "north_east", 1, 1, 0),
    ]
    return network_reach(
        orgs, [OrganisationTie("o1", "o2", 1), OrganisationTie("o1", "o1", 2)], assessors=5, isolated=3, without_organisation=1
    )


def test_network_reach_rolls_up():
    n = _network()
    assert n.components == (("o1", "o2"), ("o3",))
    assert (n.cross_ties, n.isolated_share) == (1, 0.6)
    assert n.matrix() == {"o1": {"o1": 2, "o2": 1}, "o2": {"o1": 1}}
    assert n.sentences()[0] == "5 active assessors in 3 organisations; 3 are isolated (60.0%)."


def test_tie_matrix_csv_layouts_and_formula_safety():
    n = _network()
    rows = list(csv.reader(io.StringIO(tie_matrix_csv(n))))
    assert rows == [
        ["organisation_id", "organisation_name", "o1", "o2", "o3"],
        ["o1", "One", "2", "1", "0"],
        ["o2", "Two", "1", "0", "0"],
        ["o3", "'=Three", "0", "0", "0"],
    ]
    assert tie_matrix_csv(n, "pairs").splitlines() == [
        "organisation_id,organisation_name,partner_id,partner_name,ties",
        "o1,One,o1,One,2",
        "o1,One,o2,Two,1",
    ]
    with pytest.raises(ValueError):
        tie_matrix_csv(n, "wide")


# -- what-if ----------------------------------------------------------------------------------------


def test_proposal_pairs():
    assert proposal_pairs(sets=[["c", "a", "b", "a"]], contacts=[["b", "a"], ["d", "d"], ["e", "a"]]) == [
        ("a", "b"),
        ("a", "c"),
        ("a", "e"),
        ("b", "c"),
    ]
    assert proposal_pairs() == []


def _baseline():
    """o1: p1 (isolated), p2 (tied to o2's q1); o2: q1; o3: r1 (isolated); u (no employer, isolated); z inactive (o3)."""
    people = {
        "p1": Person("p1", "Pat", True, "o1", True),
        "p2": Person("p2", "Pip", True, "o1", False),
        "q1": Person("q1", "Quin", True, "o2", False),
        "r1": Person("r1", "Rae", True, "o3", True),
        "u": Person("u", "Uma", True, None, True),
        "z": Person("z", "Zed", False, "o3", True),
    }
    return ReachBaseline(network=_network(), people=people, tied_pairs=frozenset({("p2", "q1")}))


def test_what_if_sets():
    w = what_if(_baseline(), proposal_pairs(sets=[["p1", "p2", "r1", "z"]]), kind="sets")
    # new: p1-p2 (inside o1), p1-r1 and p2-r1 (o1-o3, new pair of organisations); z is inactive.
    assert (w.new_ties, w.new_cross_ties, w.newly_connected) == (3, 2, 2)
    assert (w.isolated_before, w.isolated_after, w.components_before, w.components_after, w.new_organisation_pairs) == (3, 1, 2, 1, 1)
    o1, o3 = w.organisations
    assert (o1.organisation_id, o1.new_ties, o1.newly_connected, o1.new_partners, o1.partners_before, o1.partners_after) == (
        "o1",
        3,
        (("p1", "Pat"),),
        ("o3",),
        1,
        2,
    )
    assert (o3.organisation_id, o3.new_ties, o3.newly_connected, o3.isolated_after) == ("o3", 2, (("r1", "Rae"),), 0)
    assert w.inactive == ("z",)
    assert w.summary == (
        "These sets would add 3 new ties, 2 across organisations, and give 2 isolated assessors their first cross-organisation tie.",
        "One reaches 1 new organisation.",
        "=Three reaches 1 new organisation.",
        "1 pair of organisations would be tied for the first time.",
        "Isolated assessors would fall from 60.0% to 20.0%.",
        "The organisation graph would go from 2 connected groups to 1.",
        "1 person named is inactive; ties with them are not counted.",
    )


def test_what_if_a_tie_with_someone_without_employer_crosses():
    w = what_if(_baseline(), [("p1", "u")], kind="suggestions")
    assert (w.new_cross_ties, w.newly_connected, w.new_organisation_pairs) == (1, 2, 0)
    assert w.summary[0].startswith("These contacts would add 1 new tie")


def test_what_if_of_existing_ties_changes_nothing():
    w = what_if(_baseline(), [("p2", "q1"), ("q1", "z")])
    assert (w.new_ties, w.newly_connected, w.organisations, w.components_after) == (0, 0, (), 2)
    assert w.summary[0] == "This proposal would add no new tie: everyone named is tied already or inactive."


@given(
    st.lists(
        st.tuples(st.sampled_from(["p1", "p2", "q1", "r1", "u", "z"]), st.sampled_from(["p1", "p2", "q1", "r1", "u", "z"])), max_size=12
    )
)
def test_what_if_invariants(raw):
    pairs = proposal_pairs(contacts=raw)
    w = what_if(_baseline(), pairs)
    assert 0 <= w.newly_connected <= 3  # only the three active isolated people can be connected
    assert w.isolated_after == w.isolated_before - w.newly_connected
    assert w.components_after <= w.components_before
    assert w.new_cross_ties <= w.new_ties <= len(pairs)
    assert what_if(_baseline(), pairs) == w  # deterministic

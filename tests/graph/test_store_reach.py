"""Contract: reach figures of organisations and of the network, on a graph whose answers are worked out by hand.

Both stores run the same tests on the same graph, so they must give the same numbers.

The graph (``net``), organisations with their regions and active assessors::

    A north_east: a1 (since 2020-01-01), a2 (since 2024-10-15), a3 (no date)
    B london:     b1 (since 2024-12-01), b2, and x1 (inactive)
    C london:     c1
    D south_west: d1
    E north_east: e1 (no ties at all)
    F east_of_england: f1
    u1 works for nobody (own region north_west)

Ties (accepted contacts, with the day they were accepted, and sets):

    a1-b1 2025-01-10   a1-c1 2025-03-05   a2-b2 2025-02-20   b1-d1 2024-11-01
    a3-u1 2025-04-01   a2-a3 2024-06-01 (colleagues)        d1-f1 2025-06-01
    c1-x1 (x1 is inactive: no tie)       a1-b2 requested only (no tie)
    set S0 {a2, c1}: joined 2024-09-01, closed 2025-01-31   (a former tie)
    set S2 {b2, c1}: active, joined 2025-02-01, c1 left 2025-04-15 (b2 is still in an active set)
    set S1 {a3, d1}: active, joined 2025-05-01                (a current tie A-D)
"""

from __future__ import annotations

from datetime import date

import pytest

from graph.port import Invalid, NotFound
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Programme
from network.reach import Bridge, MonthReach, OrganisationFigures, OrganisationTie, RegionCoverage, month_range, proposal_pairs, what_if


class Net:
    """Ids of the hand-worked graph."""

    def __init__(self, make) -> None:
        self.org = {k: make.id("org", n) for n, k in enumerate("ABCDEF", start=1)}
        self.a = {k: make.id(k, 0) for k in ("a1", "a2", "a3", "b1", "b2", "x1", "c1", "d1", "e1", "f1", "u1")}


def _set(store, make, n: int, members: list[str], joined: date) -> str:
    programme = store.create_programme(Programme(id=make.id("prog", n), name=f"Programme {n}"))
    for m in members:
        store.enrol(programme.id, m)
    s = ActionLearningSet(id=make.id("set", n), name=f"Set {n}", programme_id=programme.id, status="active")
    store.commit_sets(programme.id, [NewSet(set=s, member_ids=tuple(members))], joined=joined)
    return s.id


@pytest.fixture
def net(store, make) -> Net:
    n = Net(make)
    regions = {"A": "north_east", "B": "london", "C": "london", "D": "south_west", "E": "north_east", "F": "east_of_england"}
    for k, org_id in n.org.items():
        store.create_organisation(make.org(0, id=org_id, name=f"Org {k}", region=regions[k]))
    employers = {
        "a1": ("A", date(2020, 1, 1)),
        "a2": ("A", date(2024, 10, 15)),
        "a3": ("A", None),
        "b1": ("B", date(2024, 12, 1)),
        "b2": ("B", None),
        "x1": ("B", None),
        "c1": ("C", None),
        "d1": ("D", None),
        "e1": ("E", None),
        "f1": ("F", None),
    }
    for k, aid in n.a.items():
        store.create_assessor(Assessor(id=aid, name=f"Person {k}", region="north_west" if k == "u1" else None))
        if k in employers:
            org, since = employers[k]
            store.set_employer(aid, n.org[org], since=since)
    for x, y, on in [
        ("a1", "b1", date(2025, 1, 10)),
        ("a1", "c1", date(2025, 3, 5)),
        ("a2", "b2", date(2025, 2, 20)),
        ("b1", "d1", date(2024, 11, 1)),
        ("a3", "u1", date(2025, 4, 1)),
        ("a2", "a3", date(2024, 6, 1)),
        ("d1", "f1", date(2025, 6, 1)),
        ("c1", "x1", date(2024, 1, 1)),
    ]:
        store.request_contact(n.a[x], n.a[y], on=on)
        store.accept_contact(n.a[x], n.a[y], on=on)
    store.request_contact(n.a["a1"], n.a["b2"], on=date(2025, 1, 1))
    s0 = _set(store, make, 0, [n.a["a2"], n.a["c1"]], date(2024, 9, 1))
    store.set_set_status(s0, "closed", on=date(2025, 1, 31))
    s2 = _set(store, make, 2, [n.a["b2"], n.a["c1"]], date(2025, 2, 1))
    store.end_membership(s2, n.a["c1"], date(2025, 4, 15))
    _set(store, make, 1, [n.a["a3"], n.a["d1"]], date(2025, 5, 1))
    store.update_assessor(store.get_assessor(n.a["x1"]).with_changes(active=False))
    return n


# -- one organisation --------------------------------------------------------------------------


def test_reach_of_a(store, net):
    o, a = net.org, net.a
    r = store.organisation_reach(o["A"], hops=2)
    assert r.organisation.id == o["A"]
    assert (r.assessors, r.in_active_set, r.isolated_count) == (3, 1, 0)
    assert [(x.organisation_id, x.hops, x.ties, x.via_assessors) for x in r.reached] == [
        (o["B"], 1, 2, 2),
        (o["C"], 1, 1, 1),
        (o["D"], 1, 1, 1),
        (o["F"], 2, 0, 0),  # through d1
    ]
    assert (r.reached_direct, r.reached_within_two) == (3, 4)
    assert [p.organisation_id for p in r.partners(2)] == [o["B"], o["C"]]
    assert r.regions_reached == ("north_west", "london", "south_west")  # u1's own region counts: u1 has no organisation
    assert r.bridges == (
        Bridge(a["a1"], "Person a1", organisation_ids=(o["C"],)),
        Bridge(a["a3"], "Person a3", organisation_ids=(o["D"],), regions=("north_west", "south_west")),
    )


def test_reach_with_one_hop_leaves_two_hop_organisations_out(store, net):
    r = store.organisation_reach(net.org["A"], hops=1)
    assert [x.organisation_id for x in r.reached] == [net.org["B"], net.org["C"], net.org["D"]]
    assert r.reached_within_two is None


def test_reach_of_b(store, net):
    o, a = net.org, net.a
    r = store.organisation_reach(o["B"])
    assert (r.assessors, r.in_active_set, r.isolated_count) == (2, 1, 0)  # x1 is inactive; b2 is in S2
    assert [(x.organisation_id, x.hops, x.ties, x.via_assessors) for x in r.reached] == [
        (o["A"], 1, 2, 2),
        (o["D"], 1, 1, 1),
        (o["C"], 2, 0, 0),
        (o["F"], 2, 0, 0),
    ]
    assert r.regions_reached == ("north_east", "south_west")
    assert r.bridges == (Bridge(a["b1"], "Person b1", organisation_ids=(o["D"],), regions=("south_west",)),)


def test_reach_of_c_ignores_an_inactive_contact_and_a_left_set(store, net):
    o, a = net.org, net.a
    r = store.organisation_reach(o["C"])
    assert (r.assessors, r.in_active_set, r.isolated_count) == (1, 0, 0)
    assert [(x.organisation_id, x.hops, x.ties) for x in r.reached] == [(o["A"], 1, 1), (o["B"], 2, 0)]
    assert r.bridges == (Bridge(a["c1"], "Person c1", organisation_ids=(o["A"],), regions=("north_east",)),)


def test_reach_of_an_isolated_organisation(store, net):
    r = store.organisation_reach(net.org["E"])
    assert (r.assessors, r.isolated_count, r.reached, r.bridges, r.regions_reached) == (1, 1, (), (), ())
    (e1,) = r.isolated
    assert (e1.assessor_id, e1.sole_in_organisation, e1.isolated_since) == (net.a["e1"], True, None)
    assert r.active_set_share == 0.0


def test_reach_of_unknown_organisation_or_bad_hops(store, net, make):
    with pytest.raises(NotFound):
        store.organisation_reach(make.id("org", 99))
    for hops in (0, 3, True):
        with pytest.raises(Invalid):
            store.organisation_reach(net.org["A"], hops=hops)


# -- history -------------------------------------------------------------------------------------


def test_history_of_a_month_by_month(store, net):
    months = month_range(date(2024, 10, 1), date(2025, 6, 1), today=date(2025, 7, 3))
    got = store.organisation_history(net.org["A"], months)
    # (month, assessors, isolated, cross ties, organisations reached), worked out from the ties' dates:
    expected = [
        ("2024-10", 3, 2, 1, 1),  # a2 in set S0 with c1 (C); a1 has no tie yet; a3 only a colleague
        ("2024-11", 3, 2, 1, 1),
        ("2024-12", 3, 2, 1, 1),
        ("2025-01", 3, 2, 1, 1),  # S0 closed on the 31st; a1-b1 from the 10th (b1 at B since December)
        ("2025-02", 3, 1, 2, 1),  # a2-b2
        ("2025-03", 3, 1, 3, 2),  # a1-c1
        ("2025-04", 3, 0, 4, 2),  # a3-u1: u1 is in no organisation, so it crosses but reaches none
        ("2025-05", 3, 0, 5, 3),  # set S1: a3 with d1 (D)
        ("2025-06", 3, 0, 5, 3),
    ]
    assert [(m.label, m.assessors, m.isolated, m.cross_ties, m.organisations_reached) for m in got] == expected
    now = store.organisation_reach(net.org["A"])
    assert (got[-1].isolated, got[-1].organisations_reached) == (now.isolated_count, now.reached_direct)


def test_history_counts_people_from_when_they_joined(store, net):
    got = store.organisation_history(net.org["A"], [date(2024, 9, 1)])
    # a2 joins A in October: in September a2 counts as in no organisation, so a3's tie to a2 crosses.
    assert got == [MonthReach(month=date(2024, 9, 1), assessors=2, isolated=1, cross_ties=1, organisations_reached=0)]


def test_history_of_b(store, net):
    got = store.organisation_history(net.org["B"], [date(2024, 11, 1), date(2024, 12, 1), date(2025, 2, 1)])
    # b1-d1 from 2024-11-01, but b1 joins B only on 2024-12-01. In February b2 shares set S2 with c1
    # (who leaves in April) and has a2 as a contact: ties b1-d1, b1-a1, b2-a2, b2-c1 reach D, A and C.
    assert [(m.assessors, m.isolated, m.cross_ties, m.organisations_reached) for m in got] == [(1, 1, 0, 0), (2, 1, 1, 1), (2, 0, 4, 3)]


def test_history_errors(store, net, make):
    assert store.organisation_history(net.org["A"], []) == []
    with pytest.raises(NotFound):
        store.organisation_history(make.id("org", 99), [date(2025, 1, 1)])
    with pytest.raises(Invalid):
        store.organisation_history(net.org["A"], [date(2000 + k // 12, k % 12 + 1, 1) for k in range(121)])


# -- the whole network ---------------------------------------------------------------------------


def test_tie_matrix(store, net):
    o = net.org
    expected = [
        (o["A"], o["A"], 1),
        (o["A"], o["B"], 2),
        (o["A"], o["C"], 1),
        (o["A"], o["D"], 1),
        (o["B"], o["D"], 1),
        (o["D"], o["F"], 1),
    ]
    assert store.organisation_ties() == [OrganisationTie(*t) for t in expected]


def test_network_report(store, net):
    o = net.org
    r = store.network_reach()
    assert (r.assessors, r.isolated, r.without_organisation, r.cross_ties) == (10, 1, 1, 6)
    assert r.isolated_share == pytest.approx(0.1)
    assert r.organisations == tuple(
        OrganisationFigures(o[k], f"Org {k}", region, *figures)
        for k, region, figures in [
            ("A", "north_east", (3, 0, 1)),
            ("B", "london", (2, 0, 1)),
            ("C", "london", (1, 0, 0)),
            ("D", "south_west", (1, 0, 1)),
            ("E", "north_east", (1, 1, 0)),
            ("F", "east_of_england", (1, 0, 0)),
        ]
    )
    assert r.ties == tuple(store.organisation_ties())
    assert r.components == ((o["A"], o["B"], o["C"], o["D"], o["F"]), (o["E"],))
    assert r.regions == (
        RegionCoverage("north_east", 2, 4, 1, 1, 1, ("london", "south_west")),
        RegionCoverage("east_of_england", 1, 1, 0, 0, 1, ("south_west",)),
        RegionCoverage("london", 2, 3, 0, 1, 2, ("north_east", "south_west")),
        RegionCoverage("south_west", 1, 1, 0, 1, 1, ("north_east", "east_of_england", "london")),
    )


def test_empty_network(store):
    r = store.network_reach()
    assert (r.assessors, r.isolated, r.organisations, r.ties, r.components, r.regions) == (0, 0, (), (), (), ())


# -- what-if -------------------------------------------------------------------------------------


def test_baseline_and_what_if(store, net):
    o, a = net.org, net.a
    ids = [a["e1"], a["a1"], a["b1"], a["x1"]]
    base = store.reach_baseline(ids)
    assert base.network == store.network_reach()
    assert base.tied_pairs == {tuple(sorted((a["a1"], a["b1"])))}
    assert {k: (p.active, p.organisation_id, p.isolated) for k, p in base.people.items()} == {
        a["e1"]: (True, o["E"], True),
        a["a1"]: (True, o["A"], False),
        a["b1"]: (True, o["B"], False),
        a["x1"]: (False, o["B"], True),
    }
    w = what_if(base, proposal_pairs(sets=[ids]), kind="sets")
    # e1-a1, e1-b1 new (a1-b1 tied already; x1 inactive): e1 gets a first tie; E reaches A and B.
    assert (w.new_ties, w.new_cross_ties, w.newly_connected, w.isolated_after) == (2, 2, 1, 0)
    assert (w.components_before, w.components_after, w.new_organisation_pairs) == (2, 1, 2)
    assert w.inactive == (a["x1"],)
    e = next(c for c in w.organisations if c.organisation_id == o["E"])
    assert (e.new_partners, e.newly_connected, e.partners_before, e.partners_after) == ((o["A"], o["B"]), ((a["e1"], "Person e1"),), 0, 2)
    assert (
        w.summary[0]
        == "These sets would add 2 new ties, 2 across organisations, and give 1 isolated assessor their first cross-organisation tie."
    )


def test_baseline_names_unknown_assessors(store, net, make):
    with pytest.raises(Invalid, match=make.id("zz", 1)):
        store.reach_baseline([net.a["a1"], make.id("zz", 1)])

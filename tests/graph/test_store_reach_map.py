"""Contract: an organisation's network map, on a graph whose answer is worked out by hand (both stores).

The graph (organisation A is the one mapped)::

    A: a1 (not discoverable), a2, a3 (inactive)
    B: b1, b2 (not discoverable), b3, b4 (discoverable, paused: still shown, pausing only stops suggestions)
    C: c1, c2
    D: d1 (inactive)
    u1 works for nobody

Ties: a1-a2 (colleagues), a1-b1, a1-b2, a1-b3, a1-d1, b1-b3, b1-u1, b2-c2, b3-b4 (accepted contacts);
b1 and c1 are current set-mates in an active set; a2 and c1 were set-mates in a closed set (no tie);
a1-c2 is a request only (no tie).

Expected: own a1, a2 (hops 0; a3 inactive); b1, b3 (hops 1; b2 not discoverable, d1 inactive);
b4, c1, u1 (hops 2, through b1 and b3; c2 only through the hidden b2, so not shown).
a1 is tied out of A; a2 is isolated.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.port import Invalid, NotFound
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Programme
from network.reach import Isolation, ReachMap, assemble_map, isolated_since, select_map_people
from tests.strategies import bundles


class Net:
    """Ids of the hand-worked graph."""

    def __init__(self, make) -> None:
        self.org = {k: make.id("org", n) for n, k in enumerate("ABCD", start=1)}
        self.a = {k: make.id(k, 0) for k in ("a1", "a2", "a3", "b1", "b2", "b3", "b4", "c1", "c2", "d1", "u1")}


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
    for k, org_id in n.org.items():
        store.create_organisation(make.org(0, id=org_id, name=f"Org {k}"))
    hidden = {"a1", "b2"}
    for k, aid in n.a.items():
        store.create_assessor(
            Assessor(id=aid, name=f"Person {k}", discoverable=k not in hidden, paused=k == "b4", region="north_west" if k == "u1" else None)
        )
        if k != "u1":
            store.set_employer(aid, n.org[k[0].upper()], since=date(2024, 1, 1))
    for x, y in [
        ("a1", "a2"),
        ("a1", "b1"),
        ("a1", "b2"),
        ("a1", "b3"),
        ("a1", "d1"),
        ("b1", "b3"),
        ("b1", "u1"),
        ("b2", "c2"),
        ("b3", "b4"),
    ]:
        store.request_contact(n.a[x], n.a[y], on=date(2025, 1, 1))
        store.accept_contact(n.a[x], n.a[y], on=date(2025, 1, 2))
    store.request_contact(n.a["a1"], n.a["c2"], on=date(2025, 1, 1))
    former = _set(store, make, 2, [n.a["a2"], n.a["c1"]], date(2024, 9, 1))
    store.set_set_status(former, "closed", on=date(2025, 1, 31))
    _set(store, make, 1, [n.a["b1"], n.a["c1"]], date(2025, 2, 1))
    for k in ("a3", "d1"):
        store.update_assessor(store.get_assessor(n.a[k]).with_changes(active=False))
    return n


def test_the_map_shows_own_people_and_whom_they_reach_through_people_who_may_be_found(store, net):
    a, o = net.a, net.org
    m = store.reach_map(o["A"])
    assert m.organisation.id == o["A"]
    assert [(p.assessor_id, p.name, p.organisation_id, p.hops) for p in m.people] == [
        (a["a1"], "Person a1", o["A"], 0),
        (a["a2"], "Person a2", o["A"], 0),
        (a["b1"], "Person b1", o["B"], 1),
        (a["b3"], "Person b3", o["B"], 1),
        (a["b4"], "Person b4", o["B"], 2),
        (a["c1"], "Person c1", o["C"], 2),
        (a["u1"], "Person u1", None, 2),
    ]
    assert m.ties == tuple(
        sorted((a[x], a[y]) for x, y in [("a1", "a2"), ("a1", "b1"), ("a1", "b3"), ("b1", "b3"), ("b1", "c1"), ("b1", "u1"), ("b3", "b4")])
    )
    assert [org.id for org in m.organisations] == [o["A"], o["B"], o["C"]]
    assert (m.total_people, m.truncated) == (7, False)


def test_only_own_people_carry_isolation(store, net):
    m = store.reach_map(net.org["A"])
    people = {p.assessor_id: p for p in m.people}
    assert people[net.a["a2"]].isolated is True
    assert people[net.a["a2"]].isolated_since == date(2025, 1, 31)  # the closed set with c1 ended then
    assert people[net.a["a1"]].isolated is False
    assert not any(p.isolated for p in m.people if p.hops > 0)


def test_people_who_may_not_be_found_and_inactive_people_are_never_on_another_organisations_map(store, net):
    a = net.a
    shown = {p.assessor_id for p in store.reach_map(net.org["B"]).people}
    # B's own b2 is shown on B's map although not discoverable; A's a1 is not (it is not discoverable), so
    # a2 (reached only through a1) is not either.
    assert a["b2"] in shown
    assert not {a["a1"], a["a2"], a["a3"], a["d1"]} & shown
    assert a["c2"] in shown  # through b2, who is B's own


def test_a_limit_keeps_the_nearest_people_and_says_how_many_there_were(store, net):
    a = net.a
    m = store.reach_map(net.org["A"], limit=3)
    assert [p.assessor_id for p in m.people] == [a["a1"], a["a2"], a["b1"]]
    assert m.ties == tuple(sorted([(a["a1"], a["a2"]), (a["a1"], a["b1"])]))
    assert (m.total_people, m.limit, m.truncated) == (7, 3, True)
    assert [org.id for org in m.organisations] == [net.org["A"], net.org["B"]]


def test_an_organisation_without_assessors_has_an_empty_map(store, make):
    store.create_organisation(make.org(9))
    m = store.reach_map(make.id("org", 9))
    assert (m.people, m.ties, m.total_people) == ((), (), 0)
    assert [org.id for org in m.organisations] == [make.id("org", 9)]


def test_unknown_organisation_and_bad_limits_are_refused(store, make):
    with pytest.raises(NotFound):
        store.reach_map(make.id("org", 404))
    store.create_organisation(make.org(1))
    for bad in (0, -1, 1001, True, "5"):
        with pytest.raises(Invalid):
            store.reach_map(make.id("org", 1), limit=bad)


# -- property: any small network gives the map worked out from the bundle itself -----------------


def reference_map(bundle, organisation_id: str, limit: int) -> ReachMap:
    """The map computed in Python from a bundle (contacts only), by the rules of :mod:`network.reach`."""
    active = {a.id for a in bundle.assessors if a.active}
    findable = {a.id for a in bundle.assessors if a.active and a.discoverable}
    names = {a.id: a.name for a in bundle.assessors}
    employer = {e.assessor_id: e for e in bundle.employments}
    ties: dict[str, set[str]] = {a: set() for a in active}
    for c in bundle.contacts:
        if c.status == "accepted" and c.from_id in active and c.to_id in active:
            ties[c.from_id].add(c.to_id)
            ties[c.to_id].add(c.from_id)

    def org(a: str) -> str | None:
        return employer[a].organisation_id if a in employer else None

    def visible(b: str) -> bool:
        return b in findable and org(b) != organisation_id

    own = sorted(a for a in active if org(a) == organisation_id)
    near = {b for a in own for b in ties[a] if visible(b)}
    far = {c for b in near for c in ties[b] if visible(c)}
    kept, total = select_map_people([(a, 0) for a in own] + [(b, 1) for b in near] + [(c, 2) for c in far], limit)
    isolation = {}
    for a in own:
        tied_out = any(org(b) is None or org(b) != organisation_id for b in ties[a])
        since = isolated_since(employer[a].since, None) if not tied_out else None
        isolation[a] = Isolation(a, not tied_out, not any(x != a for x in own), since)
    people = {i: (names[i], org(i)) for i, _ in kept}
    shown_ties = [(a, b) for a in people for b in ties[a] if b in people]
    organisations = {o.id: o for o in bundle.organisations}
    shown_orgs = [organisations[o] for _, o in people.values() if o is not None]
    return assemble_map(
        organisations[organisation_id],
        kept,
        total,
        limit,
        people=people,
        isolation=isolation,
        ties=shown_ties,
        organisations=set(shown_orgs),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bundle=bundles(), limit=st.integers(1, 8))
def test_random_networks_give_the_reference_map(store, bundle, limit):
    store._wipe()
    store.bulk_upsert(bundle)
    hidden = {a.id for a in bundle.assessors if not (a.active and a.discoverable)}
    employer = {e.assessor_id: e.organisation_id for e in bundle.employments}
    for o in bundle.organisations:
        m = store.reach_map(o.id, limit=limit)
        assert m == reference_map(bundle, o.id, limit)
        # the privacy rule, stated directly: nobody hidden appears outside their own organisation
        assert not {p.assessor_id for p in m.people if employer.get(p.assessor_id) != o.id} & hidden

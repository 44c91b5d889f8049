"""Contract: who is isolated, who is alone in their organisation, and since when (both stores, hand-worked graphs).

The definitions are those of :mod:`network.reach`: a tie is an accepted contact or current
membership of one active set, between two active assessors; isolated means no tie crosses
organisations; "isolated since" is the later of joining the organisation and the end of the
last former cross-organisation set tie.
"""

from __future__ import annotations

from datetime import date

import pytest

from graph.port import NotFound
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Programme
from network.reach import Isolation


def add_set(store, make, n: int, members: list[str], joined: date, status: str = "active") -> str:
    """A set of its own programme (so capacity and one-set-per-programme rules never interfere), with ``members``."""
    programme = store.create_programme(Programme(id=make.id("prog", n), name=f"Programme {n}"))
    for m in members:
        store.enrol(programme.id, m)
    s = ActionLearningSet(id=make.id("set", n), name=f"Set {n}", programme_id=programme.id, status=status)
    store.commit_sets(programme.id, [NewSet(set=s, member_ids=tuple(members))], joined=joined)
    return s.id


@pytest.fixture
def contacts_only(store, make):
    """Isolation through contacts alone.

    O1: a0 (2020-01-01), a1 (2021-01-01), a6 (no date). O2: a2 (2019-05-01), a5 (inactive).
    O3: a3 (2022-02-01, alone). O4: a7 (2023-03-01), a8 (inactive). a4 works for nobody.
    Accepted: a0-a2 (crosses), a1-a6 (colleagues), a6-a5 (a5 inactive), a4-a6 (a4 has no employer).
    Requested only: a1-a3.
    """
    orgs = [make.org(n) for n in range(1, 5)]
    for o in orgs:
        store.create_organisation(o)
    a = [make.assessor(n, active=n not in (5, 8)) for n in range(9)]
    for x in a:
        store.create_assessor(x)
    o1, o2, o3, o4 = (o.id for o in orgs)
    employers = {0: (o1, date(2020, 1, 1)), 1: (o1, date(2021, 1, 1)), 6: (o1, None), 2: (o2, date(2019, 5, 1)), 5: (o2, None)}
    employers |= {3: (o3, date(2022, 2, 1)), 7: (o4, date(2023, 3, 1)), 8: (o4, None)}
    for n, (org, since) in employers.items():
        store.set_employer(a[n].id, org, since=since)
    for x, y in [(0, 2), (1, 6), (6, 5), (4, 6)]:
        store.request_contact(a[x].id, a[y].id, on=date(2024, 1, 1))
        store.accept_contact(a[x].id, a[y].id, on=date(2024, 1, 2))
    store.request_contact(a[1].id, a[3].id, on=date(2024, 1, 1))
    return orgs, [x.id for x in a]


def test_isolation_through_contacts(store, contacts_only):
    _, a = contacts_only
    got = store.isolation(a)
    assert got == {
        a[0]: Isolation(a[0], isolated=False, sole_in_organisation=False),
        a[1]: Isolation(a[1], isolated=True, sole_in_organisation=False, isolated_since=date(2021, 1, 1)),  # a colleague only
        a[2]: Isolation(a[2], isolated=False, sole_in_organisation=True),  # a5, the other in O2, is inactive
        a[3]: Isolation(a[3], isolated=True, sole_in_organisation=True, isolated_since=date(2022, 2, 1)),  # a request is no tie
        a[4]: Isolation(a[4], isolated=False, sole_in_organisation=False),  # no employer: every tie crosses
        a[5]: Isolation(a[5], isolated=True, sole_in_organisation=False, isolated_since=None),  # inactive: out of the network
        a[6]: Isolation(a[6], isolated=False, sole_in_organisation=False),  # tied to a4, who works for nobody
        a[7]: Isolation(a[7], isolated=True, sole_in_organisation=True, isolated_since=date(2023, 3, 1)),  # a8 is inactive
        a[8]: Isolation(a[8], isolated=True, sole_in_organisation=False, isolated_since=None),
    }


def test_isolation_leaves_unknown_ids_out(store, contacts_only, make):
    _, a = contacts_only
    assert set(store.isolation([a[0], make.id("a", 999)])) == {a[0]}
    assert store.isolation([]) == {}


def test_isolated_list_is_longest_first_active_only(store, contacts_only):
    (o1, _, o3, _), a = contacts_only
    page = store.isolated_assessors()
    assert [i.assessor_id for i in page.items] == [a[1], a[3], a[7]]
    assert page.next_after is None
    first = page.items[0]
    assert (first.name, first.organisation_id, first.sole_in_organisation, first.isolated_since) == (
        "Assessor 1",
        o1.id,
        False,
        date(2021, 1, 1),
    )
    assert [i.assessor_id for i in store.isolated_assessors(o3.id).items] == [a[3]]
    assert store.isolated_assessors(o1.id).items == [first]


def test_isolated_list_pages(store, contacts_only):
    _, a = contacts_only
    first = store.isolated_assessors(limit=2)
    assert [i.assessor_id for i in first.items] == [a[1], a[3]]
    assert first.next_after is not None
    second = store.isolated_assessors(limit=2, after=first.next_after)
    assert [i.assessor_id for i in second.items] == [a[7]]
    assert second.next_after is None


def test_isolated_list_of_unknown_organisation_is_not_found(store, contacts_only, make):
    with pytest.raises(NotFound):
        store.isolated_assessors(make.id("org", 999))


def test_contact_with_a_colleague_who_moves_away_crosses(store, contacts_only):
    (_, o2, _, _), a = contacts_only
    store.set_employer(a[6], o2.id)  # a1's only contact now works elsewhere
    assert store.isolation([a[1]])[a[1]].isolated is False


@pytest.fixture
def with_sets(store, make):
    """Isolation through sets, hand-worked.

    O1: a9 (2022-01-01), a13, a14, a17 (2018-01-01). O2: a10, a12, a18. O3: a11 (2023-01-01), a15. O4: a16 (2020-06-01).
    * closed set a9 + a11, joined 2024-06-01, closed 2024-12-01: a former tie for both, ended 2024-12-01;
    * active set a9 + a10 joined 2025-01-10, a10 left 2025-03-01: a9's former tie ended 2025-03-01;
    * active set a12 + a13 + a14 (2025-02-01): a12 crosses to O1, so all three are tied;
    * forming set a15 + a16: not tied yet;
    * active set a17 + a18, then a18 made inactive: a17 isolated, and no former tie (it has not ended).
    """
    orgs = [make.org(n) for n in range(1, 5)]
    for o in orgs:
        store.create_organisation(o)
    o1, o2, o3, o4 = (o.id for o in orgs)
    employers = {9: (o1, date(2022, 1, 1)), 13: (o1, None), 14: (o1, None), 17: (o1, date(2018, 1, 1))}
    employers |= {10: (o2, None), 12: (o2, None), 18: (o2, None), 11: (o3, date(2023, 1, 1)), 15: (o3, None), 16: (o4, date(2020, 6, 1))}
    ids = {}
    for n, (org, since) in employers.items():
        ids[n] = store.create_assessor(make.assessor(n, capacity=3)).id
        store.set_employer(ids[n], org, since=since)
    closed = add_set(store, make, 1, [ids[9], ids[11]], joined=date(2024, 6, 1))
    store.set_set_status(closed, "closed", on=date(2024, 12, 1))
    left = add_set(store, make, 2, [ids[9], ids[10]], joined=date(2025, 1, 10))
    store.end_membership(left, ids[10], date(2025, 3, 1))
    add_set(store, make, 3, [ids[12], ids[13], ids[14]], joined=date(2025, 2, 1))
    add_set(store, make, 4, [ids[15], ids[16]], joined=date(2025, 2, 1), status="forming")
    add_set(store, make, 5, [ids[17], ids[18]], joined=date(2025, 2, 1))
    store.update_assessor(store.get_assessor(ids[18]).with_changes(active=False))
    return orgs, ids


def test_isolation_through_sets(store, with_sets):
    _, a = with_sets
    got = store.isolation(a.values())
    isolated = {i: (v.isolated_since, v.sole_in_organisation) for i, v in got.items() if v.isolated}
    assert isolated == {
        a[9]: (date(2025, 3, 1), False),  # a10 left the set they shared
        a[10]: (date(2025, 3, 1), False),  # the same former tie, seen from a10 (no employment date)
        a[11]: (date(2024, 12, 1), False),  # the closed set ended their tie with a9
        a[15]: (None, False),  # a forming set ties nobody; no date known
        a[16]: (date(2020, 6, 1), True),
        a[17]: (date(2018, 1, 1), False),  # an inactive set-mate is no tie, and that tie has not ended
        a[18]: (None, False),  # inactive
    }


def test_isolated_list_through_sets_orders_by_date_then_unknown(store, with_sets):
    _, a = with_sets
    assert [i.assessor_id for i in store.isolated_assessors().items] == [a[17], a[16], a[11], a[9], a[10], a[15]]


def test_a_set_becoming_active_ties_its_members(store, with_sets):
    _, a = with_sets
    forming = next(s for s in store.sets_of_assessor(a[15]) if s.set.status == "forming")
    store.set_set_status(forming.id, "active")
    got = store.isolation([a[15], a[16]])
    assert not got[a[15]].isolated and not got[a[16]].isolated

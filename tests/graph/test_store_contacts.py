"""Contract: peer contacts (request, accept, decline) and declined suggestions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from threading import Barrier

import pytest

from graph.port import Conflict, Declined, Invalid, NotFound
from network.domain import Contact

ON = date(2024, 3, 5)
LATER = date(2024, 4, 9)


@pytest.fixture
def a(store, make):
    """Four assessors, ids in order a < b < c < d."""
    people = [make.assessor(n) for n in range(4)]
    for p in people:
        store.create_assessor(p)
    return [p.id for p in people]


def pairs(contacts):
    return [(c.from_id, c.to_id, c.status) for c in contacts]


# -- request --------------------------------------------------------------------


def test_request_creates_a_pending_contact_seen_from_both_ends(store, a):
    contact = store.request_contact(a[0], a[1], via="suggestion", on=ON)
    assert contact == Contact(a[0], a[1], "requested", ON, "suggestion")
    assert store.contacts_of(a[0]) == [contact]
    assert store.contacts_of(a[1]) == [contact]
    assert store.contacts_of(a[2]) == []


def test_request_without_a_date_is_dated_today(store, a):
    before = date.today()
    contact = store.request_contact(a[0], a[1])
    assert before <= contact.since <= date.today()
    assert contact.via is None
    assert store.contacts_of(a[0]) == [contact]


def test_requesting_oneself_is_invalid(store, a):
    with pytest.raises(Invalid):
        store.request_contact(a[0], a[0])
    assert store.contacts_of(a[0]) == []


def test_requesting_with_a_missing_assessor_is_not_found(store, a, make):
    ghost = make.assessor(99).id
    with pytest.raises(NotFound):
        store.request_contact(a[0], ghost)
    with pytest.raises(NotFound):
        store.request_contact(ghost, a[0])
    assert store.counts()["contacts"] == 0


@pytest.mark.parametrize("accepted", [False, True], ids=["pending", "accepted"])
def test_a_second_request_either_way_is_a_conflict(store, a, accepted):
    store.request_contact(a[0], a[1], on=ON)
    if accepted:
        store.accept_contact(a[0], a[1], on=LATER)
    before = store.contacts_of(a[0])
    with pytest.raises(Conflict):
        store.request_contact(a[0], a[1])
    with pytest.raises(Conflict):
        store.request_contact(a[1], a[0])
    assert store.contacts_of(a[0]) == before


def test_after_a_declined_request_neither_may_ask_again(store, a):
    store.request_contact(a[0], a[1], on=ON)
    store.decline_contact(a[0], a[1], on=LATER)
    with pytest.raises(Conflict):
        store.request_contact(a[0], a[1])
    with pytest.raises(Conflict):
        store.request_contact(a[1], a[0])
    assert store.contacts_of(a[0]) == []


@pytest.mark.parametrize("asker", [0, 1], ids=["decliner-asks", "declined-asks"])
def test_after_a_declined_suggestion_neither_may_ask(store, a, asker):
    store.decline_suggestion(a[0], a[1], on=ON)
    with pytest.raises(Conflict):
        store.request_contact(a[asker], a[1 - asker])
    assert store.contacts_of(a[0]) == []
    store.request_contact(a[0], a[2])  # others are unaffected


# -- accept ---------------------------------------------------------------------


def test_accept_turns_the_request_into_a_contact(store, a):
    store.request_contact(a[0], a[1], via="set", on=ON)
    accepted = store.accept_contact(a[0], a[1], on=LATER)
    assert accepted == Contact(a[0], a[1], "accepted", LATER, "set")
    assert store.contacts_of(a[1]) == [accepted]
    assert store.contacts_of(a[0], status="accepted") == [accepted]
    assert store.contacts_of(a[0], status="requested") == []


def test_accept_without_a_date_is_dated_today(store, a):
    store.request_contact(a[0], a[1], on=ON)
    before = date.today()
    accepted = store.accept_contact(a[0], a[1])
    assert before <= accepted.since <= date.today()


def test_accepting_without_a_request_is_not_found(store, a):
    with pytest.raises(NotFound):
        store.accept_contact(a[0], a[1])
    store.request_contact(a[0], a[1], on=ON)
    with pytest.raises(NotFound):
        store.accept_contact(a[1], a[0])  # only the one asked can accept
    assert pairs(store.contacts_of(a[0])) == [(a[0], a[1], "requested")]


def test_accepting_twice_is_a_conflict(store, a):
    store.request_contact(a[0], a[1], on=ON)
    first = store.accept_contact(a[0], a[1], on=LATER)
    with pytest.raises(Conflict):
        store.accept_contact(a[0], a[1], on=date(2025, 1, 1))
    assert store.contacts_of(a[0]) == [first]


# -- decline --------------------------------------------------------------------


def test_decline_removes_the_request_and_records_who_declined(store, a):
    store.request_contact(a[0], a[1], on=ON)
    declined = store.decline_contact(a[0], a[1], on=LATER)
    assert declined == Declined(a[1], a[0], LATER)
    assert store.contacts_of(a[0]) == []
    assert store.contacts_of(a[1]) == []
    assert store.declines_of(a[0]) == [declined]
    assert store.declines_of(a[1]) == [declined]


def test_declining_without_a_pending_request_is_not_found(store, a):
    with pytest.raises(NotFound):
        store.decline_contact(a[0], a[1])
    store.request_contact(a[0], a[1], on=ON)
    with pytest.raises(NotFound):
        store.decline_contact(a[1], a[0])  # only the one asked can decline
    store.accept_contact(a[0], a[1], on=LATER)
    with pytest.raises(NotFound):
        store.decline_contact(a[0], a[1])  # accepted is no longer pending
    assert pairs(store.contacts_of(a[0])) == [(a[0], a[1], "accepted")]
    assert store.declines_of(a[0]) == []


def test_withdrawing_a_request_removes_it_without_a_decline(store, a):
    store.request_contact(a[0], a[1], on=ON)
    store.withdraw_contact(a[0], a[1])
    assert store.contacts_of(a[0]) == [] and store.contacts_of(a[1]) == []
    assert store.declines_of(a[0]) == [] and store.declines_of(a[1]) == []
    store.request_contact(a[0], a[1], on=LATER)  # nothing stops asking again later
    assert pairs(store.contacts_of(a[0])) == [(a[0], a[1], "requested")]


def test_only_the_asker_withdraws_and_only_a_pending_request(store, a):
    with pytest.raises(NotFound):
        store.withdraw_contact(a[0], a[1])
    store.request_contact(a[0], a[1], on=ON)
    with pytest.raises(NotFound):
        store.withdraw_contact(a[1], a[0])  # the one asked declines instead
    store.accept_contact(a[0], a[1], on=LATER)
    with pytest.raises(NotFound):
        store.withdraw_contact(a[0], a[1])  # accepted is no longer a request
    assert pairs(store.contacts_of(a[0])) == [(a[0], a[1], "accepted")]


def test_decline_suggestion(store, a):
    declined = store.decline_suggestion(a[2], a[0], on=ON)
    assert declined == Declined(a[2], a[0], ON)
    assert store.declines_of(a[0]) == [declined]
    assert store.declines_of(a[2]) == [declined]
    assert store.declines_of(a[1]) == []


def test_declining_a_suggestion_again_is_harmless_and_keeps_the_first(store, a):
    """Resolves "harmless if repeated": one tie stays, with the date of the first decline."""
    first = store.decline_suggestion(a[0], a[1], on=ON)
    again = store.decline_suggestion(a[0], a[1], on=LATER)
    assert again == first == Declined(a[0], a[1], ON)
    assert store.declines_of(a[0]) == [first]


def test_declining_a_suggestion_both_ways_gives_two_ties(store, a):
    store.decline_suggestion(a[1], a[0], on=ON)
    store.decline_suggestion(a[0], a[1], on=LATER)
    assert store.declines_of(a[0]) == [Declined(a[0], a[1], LATER), Declined(a[1], a[0], ON)]


def test_decline_suggestion_errors(store, a, make):
    ghost = make.assessor(99).id
    with pytest.raises(Invalid):
        store.decline_suggestion(a[0], a[0])
    with pytest.raises(NotFound):
        store.decline_suggestion(a[0], ghost)
    with pytest.raises(NotFound):
        store.decline_suggestion(ghost, a[0])
    assert store.declines_of(a[0]) == []


# -- listing ----------------------------------------------------------------------


def test_contacts_of_are_ordered_and_filtered_by_status(store, a):
    store.request_contact(a[2], a[0], on=ON)
    store.request_contact(a[0], a[3], on=ON)
    store.request_contact(a[1], a[0], on=ON)
    store.accept_contact(a[1], a[0], on=LATER)
    store.request_contact(a[1], a[3], on=ON)  # not a[0]'s

    assert pairs(store.contacts_of(a[0])) == [
        (a[0], a[3], "requested"),
        (a[1], a[0], "accepted"),
        (a[2], a[0], "requested"),
    ]
    assert pairs(store.contacts_of(a[0], status="requested")) == [(a[0], a[3], "requested"), (a[2], a[0], "requested")]
    assert pairs(store.contacts_of(a[0], status="accepted")) == [(a[1], a[0], "accepted")]
    assert pairs(store.contacts_of(a[3])) == [(a[0], a[3], "requested"), (a[1], a[3], "requested")]


def test_contacts_of_a_missing_assessor_is_not_found(store, a, make):
    with pytest.raises(NotFound):
        store.contacts_of(make.assessor(99).id)


def test_declines_of_are_ordered(store, a):
    store.decline_suggestion(a[3], a[0], on=ON)
    store.decline_suggestion(a[0], a[2], on=ON)
    store.request_contact(a[0], a[1], on=ON)
    store.decline_contact(a[0], a[1], on=LATER)  # a[1] declines a[0]
    store.decline_suggestion(a[1], a[2], on=ON)  # not a[0]'s
    assert [(d.by_id, d.other_id) for d in store.declines_of(a[0])] == [(a[0], a[2]), (a[1], a[0]), (a[3], a[0])]


# -- concurrency -------------------------------------------------------------------


def test_opposite_requests_at_the_same_moment_leave_one_contact(store, make):
    """Two people asking each other at once: one request wins, the other is a Conflict."""
    rounds = 6
    people = [make.assessor(100 + n) for n in range(2 * rounds)]
    for p in people:
        store.create_assessor(p)
    for r in range(rounds):
        x, y = people[2 * r].id, people[2 * r + 1].id
        barrier = Barrier(2)

        def ask(frm: str, to: str, barrier: Barrier = barrier) -> str:
            barrier.wait()
            try:
                store.request_contact(frm, to, on=ON)
            except Conflict:
                return "conflict"
            return "ok"

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = sorted(pool.map(ask, [x, y], [y, x]))
        assert results == ["conflict", "ok"]
        assert len(store.contacts_of(x)) == 1
        assert store.contacts_of(x) == store.contacts_of(y)


def test_only_accepted_contacts_are_counted_as_contacts(store, a):
    """A pending request is not a peer contact yet (the start page's figure)."""
    assert store.accepted_contact_count() == 0
    store.request_contact(a[0], a[1], on=ON)
    store.request_contact(a[2], a[3], on=ON)
    assert store.accepted_contact_count() == 0
    store.accept_contact(a[0], a[1], on=LATER)
    assert store.accepted_contact_count() == 1
    store.decline_contact(a[2], a[3], on=LATER)
    assert store.accepted_contact_count() == 1

"""Contract: a unit of work is one transaction that every store call on the thread joins, on both stores."""

from __future__ import annotations

import threading

import pytest

from graph.port import Conflict, GraphStore, NotFound
from tests.graph.conftest import Maker


class Boom(Exception):
    """Raised inside a unit to make it roll back."""


def test_writes_in_a_unit_commit_together(store: GraphStore, make: Maker) -> None:
    org, other = make.org(1), make.org(2)
    with store.unit_of_work():
        store.create_organisation(org)
        store.create_organisation(other)
        assert store.get_organisation(org.id).name == org.name  # reads see the unit's own writes
    assert {store.get_organisation(o.id).id for o in (org, other)} == {org.id, other.id}


def test_a_unit_that_raises_leaves_nothing(store: GraphStore, make: Maker) -> None:
    org, other = make.org(1), make.org(2)
    with pytest.raises(Boom), store.unit_of_work():
        store.create_organisation(org)
        store.create_organisation(other)
        raise Boom
    for o in (org, other):
        with pytest.raises(NotFound):
            store.get_organisation(o.id)


def test_a_method_that_finds_nothing_leaves_the_unit_usable(store: GraphStore, make: Maker) -> None:
    org = make.org(1)
    with store.unit_of_work():
        with pytest.raises(NotFound):
            store.get_organisation(make.id("org", 9))
        store.create_organisation(org)
    assert store.get_organisation(org.id).id == org.id


def test_a_refusal_by_the_database_ends_the_unit_on_both_stores(store: GraphStore, make: Maker) -> None:
    org = make.org(1)
    store.create_organisation(org)
    other = make.org(2)
    with pytest.raises(Conflict), store.unit_of_work():
        store.create_organisation(other)
        with pytest.raises(Conflict):
            store.create_organisation(org)  # already there: Neo4j ends the transaction, so both stores roll back
    with pytest.raises(NotFound):
        store.get_organisation(other.id)


def test_nested_units_join_the_outer_one(store: GraphStore, make: Maker) -> None:
    org, other = make.org(1), make.org(2)
    with pytest.raises(Boom), store.unit_of_work():
        with store.unit_of_work():
            store.create_organisation(org)
        store.create_organisation(other)
        raise Boom
    with pytest.raises(NotFound):
        store.get_organisation(org.id)


def test_after_commit_runs_only_after_a_commit(store: GraphStore, make: Maker) -> None:
    ran: list[str] = []
    with store.unit_of_work():
        store.create_organisation(make.org(1))
        store.after_commit(lambda: ran.append("committed"))
        assert store.in_unit_of_work()
        assert ran == []
    assert ran == ["committed"] and not store.in_unit_of_work()
    with pytest.raises(Boom), store.unit_of_work():
        store.after_commit(lambda: ran.append("rolled back"))
        raise Boom
    assert ran == ["committed"]
    store.after_commit(lambda: ran.append("no unit"))
    assert ran[-1] == "no unit"


def test_another_thread_does_not_see_or_join_an_open_unit(store: GraphStore, make: Maker) -> None:
    org = make.org(1)
    seen: list[bool] = []

    def look() -> None:
        seen.append(store.in_unit_of_work())
        try:
            store.get_organisation(org.id)
            seen.append(True)
        except NotFound:
            seen.append(False)

    with store.unit_of_work():
        store.create_organisation(org)
        worker = threading.Thread(target=look)
        worker.start()
        worker.join(timeout=30)
        assert seen == [False, False]
    look()
    assert seen[-2:] == [False, True]

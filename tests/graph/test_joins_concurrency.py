"""Racing for a set's last place: exactly one newcomer gets it, the other gets a clear refusal (both stores; Neo4j is the real race).

Threads start each round together at a barrier. Two shapes of the race: a coordinator (or two)
accepting two waiting requests at once, and two people asking at once under a programme's
automatic join policy.
"""

from __future__ import annotations

from datetime import date

import pytest

from graph.port import Conflict, GraphStore, Invalid
from graph.port_joins import JoinRequest
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Programme
from tests.graph.test_sets_concurrency import _race

JOINED = date(2026, 1, 5)
ROUNDS = 6


def _one_place_left(store: GraphStore, make, newcomers: int) -> tuple[str, list[str]]:
    """A set of three with one free place (four at most), and ``newcomers`` people from other organisations free at its slot."""
    people = []
    for k in range(3 + newcomers):
        a = store.create_assessor(make.assessor(k, availability=("tue-pm",), capacity=2))
        org = store.create_organisation(make.org(k))
        store.set_employer(a.id, org.id)
        people.append(a.id)
    p = store.create_programme(Programme(id=make.id("prog"), name="Race", set_size_min=2, set_size_max=4, set_size_target=3))
    for a in people[:3]:
        store.enrol(p.id, a)
    set_id = make.id("set")
    the_set = ActionLearningSet(id=set_id, name="Last place", programme_id=p.id, status="active", meeting_slot="tue-pm")
    store.commit_sets(p.id, [NewSet(the_set, tuple(people[:3]))], JOINED)
    return set_id, people[3:]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_acceptances_race_for_the_last_place(store, make, round_):
    set_id, newcomers = _one_place_left(store, make, 2)
    requests = [store.request_join(JoinRequest(id=make.id("jr", k), set_id=set_id, assessor_id=a)) for k, a in enumerate(newcomers)]
    results = _race([lambda r=r: store.decide_join(r.id, "accepted", decided_by="coordinator", joined=JOINED) for r in requests])
    won = [r for r in results if isinstance(r, JoinRequest)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and "is full (4 of at most 4 members)" in str(lost[0])
    current = store.get_set(set_id).current_member_ids
    assert len(current) == 4 and won[0].assessor_id in current
    loser = next(r for r in requests if r.id != won[0].id)
    assert store.get_join_request(loser.id).status == "requested"  # nothing written for the refused one
    assert loser.assessor_id not in current


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_automatic_joins_race_for_the_last_place(store, make, round_):
    set_id, newcomers = _one_place_left(store, make, 2)
    results = _race(
        [
            lambda k=k, a=a: store.request_join(JoinRequest(id=make.id("jr", k), set_id=set_id, assessor_id=a), accept=True, joined=JOINED)
            for k, a in enumerate(newcomers)
        ]
    )
    won = [r for r in results if isinstance(r, JoinRequest)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0].status == "accepted"
    assert isinstance(lost[0], Invalid) and "is full" in str(lost[0])
    assert len(store.get_set(set_id).current_member_ids) == 4
    program = store.get_set(set_id).set.programme_id or ""
    assert [r.id for r in store.join_requests_of_programme(program)] == [won[0].id]


@pytest.mark.parametrize("round_", range(ROUNDS // 2))
def test_one_request_decided_twice_at_once_is_decided_once(store, make, round_):
    set_id, newcomers = _one_place_left(store, make, 1)
    request = store.request_join(JoinRequest(id=make.id("jr"), set_id=set_id, assessor_id=newcomers[0]))
    results = _race(
        [
            lambda: store.decide_join(request.id, "accepted", decided_by="c1", joined=JOINED),
            lambda: store.decide_join(request.id, "declined", decided_by="c2"),
        ]
    )
    won = [r for r in results if isinstance(r, JoinRequest)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], Conflict) and "already" in str(lost[0]), results
    final = store.get_join_request(request.id)
    assert final.status == won[0].status
    assert (newcomers[0] in store.get_set(set_id).current_member_ids) == (final.status == "accepted")

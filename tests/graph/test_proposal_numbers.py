"""Set numbers in a proposal are names: a locked set keeps its number through re-runs, and no edit renumbers a set.

On both stores (the proposal lives in the store between steps). The number checked is the one the workspace
shows ("Set 7"), read from the JSON body the page draws its cards from.
"""

from __future__ import annotations

import json

import pytest

from api.services import sets as service
from api.v1.sets import _proposal_body
from graph.port import GraphStore, Invalid
from network.domain import Programme
from network.formation import Proposal, ProposedSet

#: Deterministic runs: a step cap, never the clock, ends the search.
RUN = service.RunSettings(seed=1, time_limit=service.MAX_TIME_LIMIT, max_iterations=300)


def _pool(store: GraphStore, make, people: int = 32) -> Programme:
    """Four organisations, everyone free on Tuesday afternoons, sets of exactly four: every set has one person of each."""
    for k in range(4):
        store.create_organisation(make.org(k))
    programme = store.create_programme(Programme(id=make.id("prog"), name="Numbers", set_size_min=4, set_size_max=4, set_size_target=4))
    for k in range(people):
        a = store.create_assessor(make.assessor(k, availability=("tue-pm",), experience_years=k % 7))
        store.set_employer(a.id, make.id("org", k % 4))
        store.enrol(programme.id, a.id)
    return programme


def shown(view: service.ProposalView) -> dict[int, frozenset[str]]:
    """``{number: member ids}`` as the workspace shows the sets."""
    return {s["number"]: frozenset(m["id"] for m in s["members"]) for s in _proposal_body(view)["sets"]}


def _set_7_with_the_first_person(store: GraphStore, programme: Programme) -> service.ProposalView:
    """A proposal whose Set 7 holds the pool's first person (by id), swapped in by hand; the engine lists sets in id
    order, so a re-run that numbered sets by position would call this set "Set 1"."""
    view = service.propose(store, programme.id, RUN)
    sets = shown(view)
    assert len(sets) == 8
    first = min(m for s in sets.values() for m in s)
    home = next(n for n, s in sets.items() if first in s)
    assert home != 7
    employers = {p.assessor.id: p.organisation_id for p in view.people.values()}
    org = employers[first]
    partner = next(m for m in sets[7] if employers[m] == org)  # one of each organisation per set: a like-for-like swap
    view = service.edit_proposal(store, view.record.id, view.record.version, swap=(first, partner))
    assert first in shown(view)[7] and view.result.valid
    return view


def test_a_locked_set_keeps_its_number_through_a_rerun(store: GraphStore, make) -> None:
    programme = _pool(store, make)
    view = _set_7_with_the_first_person(store, programme)
    view = service.lock_sets(store, view.record.id, view.record.version, [7])
    locked = shown(view)[7]

    after = service.rerun(store, view.record.id, view.record.version, seed=5)

    assert shown(after)[7] == locked, "the locked set is no longer Set 7"
    assert [lock for n, _s, lock in after.numbered() if n == 7] == [True]
    again = service.get_proposal(store, after.record.id)  # as stored: the page opened again shows the same
    assert shown(again)[7] == locked and sorted(shown(again)) == list(range(1, 9))
    change = again.renumbering
    assert change is not None and change.locked == (7,) and change.gone == () and change.moved == ()
    assert sorted(change.kept + change.new) == [1, 2, 3, 4, 5, 6, 8]
    assert change.summary.startswith("Re-run: Locked Set 7 kept its members and its number.")


def test_a_locked_set_keeps_its_number_when_a_rerun_makes_fewer_sets(store: GraphStore, make) -> None:
    programme = _pool(store, make)
    view = _set_7_with_the_first_person(store, programme)
    view = service.lock_sets(store, view.record.id, view.record.version, [7])
    locked = shown(view)[7]
    for number in (1, 2):  # eight people leave the programme: room for five sets besides the locked one
        for member in shown(view)[number]:
            store.unenrol(programme.id, member)

    after = service.rerun(store, view.record.id, view.record.version)

    numbers = shown(after)
    assert numbers[7] == locked and len(numbers) == 6
    change = after.renumbering
    assert change is not None and change.locked == (7,) and change.moved == ()
    kept = {7, *change.kept}
    free = [n for n in range(1, 9) if n not in kept]
    assert list(change.new) == free[: len(change.new)]  # new sets take the lowest free numbers
    gone = tuple(sorted(set(range(1, 9)) - set(numbers)))
    assert len(gone) == 2 and change.gone == gone
    assert f"There are no Sets {gone[0]} and {gone[1]} now" in change.summary


def test_no_edit_renumbers_a_set(store: GraphStore, make) -> None:
    programme = _pool(store, make)
    view = service.propose(store, programme.id, RUN)
    view = service.lock_sets(store, view.record.id, view.record.version, [7])
    before = shown(view)
    for member in sorted(before[2]):  # Set 2 emptied by hand: it goes, every other set keeps its number
        view = service.edit_proposal(store, view.record.id, view.record.version, move=(member, None))
    assert shown(view) == {n: s for n, s in before.items() if n != 2}
    assert view.renumbering is None

    with pytest.raises(Invalid, match="there is no set 2: the sets are 1 and 3 to 8 \\(or 9 for a new set\\)"):
        service.edit_proposal(store, view.record.id, view.record.version, move=(sorted(before[2])[0], 2))
    mover = sorted(before[2])[0]
    view = service.edit_proposal(store, view.record.id, view.record.version, move=(mover, 9))  # a new set: one past the highest
    assert shown(view)[9] == {mover} and shown(view)[7] == before[7]
    view = service.lock_sets(store, view.record.id, view.record.version, [9])
    assert [n for n, _s, lock in view.numbered() if lock] == [7, 9]


# -- the numbering rule on its own (no store) ---------------------------------------------------------------


def _set(*members: str, locked: bool = False) -> ProposedSet:
    return ProposedSet(
        members=members,
        meeting_slot="tue-pm",
        common_slots=("tue-pm",),
        shared_themes=(),
        score=0.0,
        breakdown={},
        reasons=(),
        locked=locked,
    )


def _result(*sets: ProposedSet) -> Proposal:
    return Proposal(sets=sets, unplaced=(), score=0.0, breakdown={}, placed=sum(len(s.members) for s in sets))


def test_a_set_formed_again_with_most_of_its_members_keeps_its_number() -> None:
    old = [
        (1, frozenset("abcd"), False),
        (2, frozenset("efgh"), False),
        (3, frozenset("ijkl"), True),
        (5, frozenset("mnop"), False),
    ]
    # Engine order: a fresh set first, then Set 5 with three of its four, the locked set, Set 2 with only half of its members.
    new = _result(_set("a", "e", "i2", "m2"), _set("m", "n", "o", "x"), _set("i", "j", "k", "l", locked=True), _set("e", "f", "y", "z"))
    result, numbers, locked, change = service._renumber(old, new)
    assert numbers == (1, 2, 3, 5)
    assert [set(s.members) for s in result.sets] == [set("ae") | {"i2", "m2"}, set("efyz"), set("ijkl"), set("mnox")]
    assert locked == (False, False, True, False)
    assert change == service.Renumbering(locked=(3,), kept=(5,), new=(1, 2), gone=())
    assert change.summary == (
        "Re-run: Locked Set 3 kept its members and its number. Set 5 kept most of its members and its number. "
        "Sets 1 and 2 were formed afresh."
    )


def test_a_proposal_stored_before_numbers_were_kept_is_numbered_in_order() -> None:
    result = _result(_set("a", "b"), _set("c", "d"))
    body = json.loads(service._encode(RUN, result, [False, True]))
    del body["numbers"]
    decoded = service._decode(json.dumps(body))
    assert decoded.numbers == (1, 2) and decoded.renumbering is None

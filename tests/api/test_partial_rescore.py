"""Edits re-score only the sets they touch (issue 17), and give the very scores a whole re-score gives, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.services import sets as service
from graph.port import GraphStore
from network import demo
from network.domain import Programme
from tests.stores import KINDS, open_empty


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    s = open_empty(request.param, tmp_path / "partial.sqlite3")
    yield s
    s.close()


def _proposal(store: GraphStore, pool: int = 80) -> service.ProposalView:
    net = demo.generate(assessors=300, organisations=20, seed=5)
    store.bulk_upsert(net.bundle)
    store.create_programme(Programme(id="prog-partial", name="Partial"))
    for a in [a.id for a in net.bundle.assessors if a.availability and a.active][:pool]:
        store.enrol("prog-partial", a)
    return service.propose(store, "prog-partial", service.RunSettings(seed=3, max_iterations=2000))


def _same_as_whole(store: GraphStore, view: service.ProposalView) -> None:
    """The stored proposal after partial edits scores exactly as the whole proposal re-scored against the pool."""
    kept = service.get_proposal(store, view.record.id)
    whole = service.rescore(store, view.record.id)
    assert [s.members for s in kept.sets] == [s.members for s in whole.sets]
    for a, b in zip(kept.sets, whole.sets, strict=True):
        assert (a.score, a.breakdown, a.violations, a.meeting_slot, a.shared_themes, a.reasons) == (
            b.score, b.breakdown, b.violations, b.meeting_slot, b.shared_themes, b.reasons
        )
    assert kept.result.score == pytest.approx(whole.result.score)
    assert kept.result.placed == whole.result.placed
    assert kept.result.connected == whole.result.connected
    assert kept.result.violations == whole.result.violations
    assert {u.member_id for u in kept.result.unplaced} == {u.member_id for u in whole.result.unplaced}


def test_a_move_and_a_swap_rescore_only_the_sets_they_touch_and_score_as_the_whole(store: GraphStore) -> None:
    view = _proposal(store)
    first, second = view.numbers[0], view.numbers[1]
    a = view.sets[0].members[0]
    b = view.sets[2].members[0]
    moved = service.edit_proposal(store, view.record.id, view.record.version, move=(a, second), changes_only=True)
    assert moved.changed == (first, second)
    assert set(moved.people) >= set(moved.sets[0].members) | set(moved.sets[1].members)
    assert len(moved.people) < len(view.people)  # not the whole pool
    _same_as_whole(store, moved)
    swapped = service.edit_proposal(store, view.record.id, moved.record.version, swap=(a, b), changes_only=True)
    assert sorted(swapped.changed or ()) == sorted({second, view.numbers[2]})
    _same_as_whole(store, swapped)


def test_leaving_someone_out_and_emptying_a_set_keep_the_other_numbers(store: GraphStore) -> None:
    view = _proposal(store)
    last = view.numbers[-1]
    v = view
    members = list(view.sets[-1].members)
    for m in members:  # empty the last set by hand: it goes, the others keep their numbers
        v = service.edit_proposal(store, view.record.id, v.record.version, move=(m, None), changes_only=True)
    assert v.numbers == view.numbers[:-1]
    assert last not in v.numbers
    out = {u.member_id: u for u in v.result.unplaced}
    assert set(members) <= set(out)
    assert all(out[m].reason.startswith("left out by hand") for m in members)
    _same_as_whole(store, v)
    v = service.edit_proposal(store, view.record.id, v.record.version, move=(members[0], last), changes_only=True)  # a new set, one past the highest
    assert v.numbers[-1] == last and v.changed == (last,)
    _same_as_whole(store, v)


def test_a_person_taken_out_of_the_pool_meanwhile_is_refused_and_nothing_changes(store: GraphStore) -> None:
    from graph.port import Conflict

    view = _proposal(store)
    a = view.sets[0].members[0]
    store.unenrol("prog-partial", a)
    with pytest.raises(Conflict, match="no longer in the pool"):
        service.edit_proposal(store, view.record.id, view.record.version, move=(a, None))
    assert store.get_proposal(view.record.id).version == view.record.version

"""Sets are listed in the order people count them (issue 17): "set 2" before "set 10", whatever their internal ids, and a
set committed with the name the coordinator gave it keeps that name."""

from __future__ import annotations

from datetime import date

from api.services import sets as sets_service
from graph.port_sets import NewSet
from network.domain import ActionLearningSet
from tests.web.test_coordinator_views import app, arrange_pool, as_user, client, store, text  # noqa: F401  (fixtures)


def test_the_programme_page_lists_sets_by_number_not_by_id(client, store, as_user) -> None:  # noqa: F811
    arrange_pool(store, programme_id="prog-1")
    # Ids in the opposite order of the numbers in the names.
    for n, set_id in ((10, "set-a"), (2, "set-b"), (1, "set-c")):
        s = ActionLearningSet(id=set_id, name=f"North East 2026: set {n}", programme_id="prog-1", status="active", meeting_slot="tue-pm")
        store.commit_sets("prog-1", [NewSet(s, (f"a-{n:02d}",))], date(2026, 1, 5))
    page = text(client.get("/programmes/prog-1", headers=as_user(("coordinator",), programme_ids=("prog-1",))))
    at = [page.index(f"North East 2026: set {n}<") for n in (1, 2, 10)]
    assert at == sorted(at)


def test_a_named_set_is_committed_with_its_name(store) -> None:  # noqa: F811
    arrange_pool(store, programme_id="prog-1")
    view = sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=2, max_iterations=300))
    named = sets_service.rename_set(store, view.record.id, view.record.version, view.numbers[0], "Tuesday thinkers")
    records = sets_service.commit(store, view.record.id, named.record.version)
    assert sorted(r.set.name for r in records)[-1] == "Tuesday thinkers"
    assert sum(r.set.name == "Tuesday thinkers" for r in records) == 1

"""Field-level updates (``update_*_fields``): only the named fields change, the merged record is checked whole, races keep both.

The same tests run against both stores. The race tests release two threads together at a barrier:
two updates of different fields both stay, and two updates that are each valid but together would
break a rule of the record (a programme's target size above its largest size) never both land.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest

from graph.port import GraphStore, Invalid, NotFound
from network.domain import Programme

ROUNDS = 30


def _race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; each result is the return value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        try:
            results[k] = calls[k]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "an update hung"
    return results


# -- one update ------------------------------------------------------------------------------------


def test_assessor_fields_change_only_what_is_named(store: GraphStore, make) -> None:
    before = store.create_assessor(
        make.assessor(1, email="sam@example.org", region="london", bio="Before", experience_years=3, availability=("tue-pm",))
    )
    after = store.update_assessor_fields(before.id, {"bio": "After", "availability": ["thu-am", "tue-pm"]})
    assert after == before.with_changes(bio="After", availability=("tue-pm", "thu-am"))
    assert store.get_assessor(before.id) == after


def test_assessor_fields_to_none_are_cleared(store: GraphStore, make) -> None:
    a = store.create_assessor(make.assessor(1, email="sam@example.org", region="london", paused=True, paused_until=date(2030, 1, 31)))
    after = store.update_assessor_fields(a.id, {"email": None, "paused": False, "paused_until": None})
    assert (after.email, after.region, after.paused, after.paused_until) == (None, "london", False, None)
    assert store.get_assessor(a.id) == after


def test_a_merged_record_the_domain_refuses_writes_nothing(store: GraphStore, make) -> None:
    a = store.create_assessor(make.assessor(1, bio="Before"))
    with pytest.raises(Invalid, match="^paused_until"):  # a pause end without a pause
        store.update_assessor_fields(a.id, {"bio": "After", "paused_until": date(2030, 1, 31)})
    with pytest.raises(Invalid, match="^experience_years"):
        store.update_assessor_fields(a.id, {"bio": "After", "experience_years": 71})
    with pytest.raises(Invalid, match="^id"):
        store.update_assessor_fields(a.id, {"id": "someone-else"})
    with pytest.raises(Invalid, match="^shoe_size"):
        store.update_assessor_fields(a.id, {"shoe_size": 9})
    assert store.get_assessor(a.id) == a


def test_missing_records_are_not_found(store: GraphStore, make) -> None:
    with pytest.raises(NotFound):
        store.update_assessor_fields(make.id("a", 9), {"bio": "x"})
    with pytest.raises(NotFound):
        store.update_organisation_fields(make.id("org", 9), {"name": "x"})
    with pytest.raises(NotFound):
        store.update_theme_fields(make.id("theme", 9), {"name": "x"})
    with pytest.raises(NotFound):
        store.update_programme_fields(make.id("prog", 9), {"name": "x"})


def test_organisation_and_theme_fields(store: GraphStore, make) -> None:
    org = store.create_organisation(make.org(1))
    theme = store.create_theme(make.theme(1))
    assert store.update_organisation_fields(org.id, {"region": "london"}) == org.__class__(org.id, org.name, org.kind, "london")
    assert store.get_organisation(org.id).region == "london" and store.get_organisation(org.id).name == org.name
    with pytest.raises(Invalid, match="^kind"):
        store.update_organisation_fields(org.id, {"kind": "pub"})
    assert store.update_theme_fields(theme.id, {"name": "  Renamed  "}).name == "Renamed"
    assert store.get_theme(theme.id).framework == theme.framework


def test_programme_settings_change_only_what_is_named(store: GraphStore, make) -> None:
    p = store.create_programme(
        Programme(id=make.id("prog"), name="Spring", region_mode="close", join_policy="automatic", starts_on=date(2027, 1, 4))
    )
    after = store.update_programme_fields(p.id, {"weights": {"new_ties": 3.0}, "set_size_max": 8})
    assert after.weights == (("new_ties", 3.0),) and after.set_size_max == 8
    assert (after.region_mode, after.join_policy, after.name) == ("close", "automatic", "Spring")  # kept beside the weights
    assert store.get_programme(p.id) == after
    cleared = store.update_programme_fields(p.id, {"starts_on": None})
    assert cleared.starts_on is None and store.get_programme(p.id) == cleared
    with pytest.raises(Invalid, match="^set_size_target"):
        store.update_programme_fields(p.id, {"set_size_target": 9, "name": "Never"})
    assert store.get_programme(p.id) == cleared


def test_field_updates_join_a_unit_of_work(store: GraphStore, make) -> None:
    a = store.create_assessor(make.assessor(1))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.unit_of_work():
        store.update_assessor_fields(a.id, {"bio": "Rolled back"})
        raise Boom
    assert store.get_assessor(a.id).bio == ""


# -- races -------------------------------------------------------------------------------------------


def test_racing_updates_of_different_assessor_fields_both_stay(store: GraphStore, make) -> None:
    a = store.create_assessor(make.assessor(1))
    lost = []
    for n in range(ROUNDS):
        bio, years = f"Round {n}", n + 1
        results = _race(
            [
                lambda bio=bio: store.update_assessor_fields(a.id, {"bio": bio}),
                lambda years=years: store.update_assessor_fields(a.id, {"experience_years": years}),
            ]
        )
        assert not any(isinstance(r, Exception) for r in results), results
        stored = store.get_assessor(a.id)
        lost += [f"round {n}: bio"] * (stored.bio != bio) + [f"round {n}: experience_years"] * (stored.experience_years != years)
    assert lost == []


def test_racing_updates_never_land_a_programme_its_rules_refuse(store: GraphStore, make) -> None:
    p = store.create_programme(Programme(id=make.id("prog"), name="Spring", set_size_min=4, set_size_target=5, set_size_max=7))
    for _ in range(ROUNDS // 3):
        store.update_programme_fields(p.id, {"set_size_target": 5, "set_size_max": 7})
        # Each alone is fine (4 <= 7 <= 7; 4 <= 5 <= 6); together the target would exceed the largest size.
        results = _race(
            [
                lambda: store.update_programme_fields(p.id, {"set_size_target": 7}),
                lambda: store.update_programme_fields(p.id, {"set_size_max": 6}),
            ]
        )
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], Invalid), results
        stored = store.get_programme(p.id)  # reading it back builds the domain value: it must still be valid
        assert stored.set_size_target <= stored.set_size_max

"""Contract (issue 17): the people a coordinator could enrol, found by filters in the store, on both stores. Only active,
findable people not yet enrolled are ever returned; by organisation name, then name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph.port import GraphStore, Invalid, NotFound
from graph.port_sets import CandidateFilter, NewSet
from network.domain import ActionLearningSet, Programme, today


def _world(store: GraphStore, make) -> dict[str, str]:
    orgs = [
        make.org(0, name="Beta Council", kind="local_authority", region="north_east"),
        make.org(1, name="Alpha Trust", kind="nhs_trust", region="london"),
    ]
    for o in orgs:
        store.create_organisation(o)
    people = {
        "ann": make.assessor(0, name="Ann", availability=("tue-pm",), experience_years=2),
        "bob": make.assessor(1, name="Bob", availability=("thu-am",), experience_years=9),
        "cat": make.assessor(2, name="Cat", availability=("tue-pm", "thu-am"), experience_years=5, region="south_west"),
        "dan": make.assessor(3, name="Dan", availability=("tue-pm",), experience_years=4),
        "hidden": make.assessor(4, name="Hidden", availability=("tue-pm",), discoverable=False),
        "inactive": make.assessor(5, name="Inactive", availability=("tue-pm",), active=False),
        "paused": make.assessor(6, name="Paused", availability=("tue-pm",), paused=True, paused_until=today() + timedelta(days=30)),
        "enrolled": make.assessor(7, name="Enrolled", availability=("tue-pm",)),
        "free": make.assessor(8, name="Eve", availability=("tue-pm",)),
    }
    for key, a in people.items():
        store.create_assessor(a if key == "hidden" else a.with_changes(discoverable=True))
        if key in ("ann", "cat", "hidden", "inactive", "paused", "enrolled"):
            store.set_employer(a.id, orgs[0].id)
        elif key in ("bob", "dan"):
            store.set_employer(a.id, orgs[1].id)
    programme = store.create_programme(Programme(id=make.id("prog"), name="Candidates 2026"))
    other = store.create_programme(Programme(id=make.id("prog", 2), name="Other 2026"))
    store.enrol(programme.id, people["enrolled"].id)
    store.enrol(other.id, people["dan"].id)
    store.commit_sets(
        other.id,
        [NewSet(ActionLearningSet(id=make.id("set"), name="S", programme_id=other.id, status="active", meeting_slot="tue-pm"), (people["dan"].id,))],
        date(2026, 1, 5),
    )
    ids = {k: a.id for k, a in people.items()}
    ids["programme"] = programme.id
    ids["beta"], ids["alpha"] = orgs[0].id, orgs[1].id
    return ids


def names(found) -> list[str]:
    return [p.assessor.name for p in found]


def test_candidates_by_every_filter_and_never_hidden_inactive_paused_or_enrolled(store: GraphStore, make) -> None:
    w = _world(store, make)
    everyone = store.enrolment_candidates(w["programme"], CandidateFilter())
    # No organisation first, then by organisation name (Alpha Trust before Beta Council), then name.
    assert names(everyone) == ["Eve", "Bob", "Dan", "Ann", "Cat"]
    assert everyone[1].organisation_id == w["alpha"] and everyone[3].organisation_id == w["beta"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(organisation_ids=(w["beta"],)))) == ["Ann", "Cat"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(kinds=("nhs_trust",)))) == ["Bob", "Dan"]
    # Region: their own, else their organisation's (Cat lives in the south west though Beta Council is in the north east).
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(region="north_east"))) == ["Ann"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(region="south_west"))) == ["Cat"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(slot="thu-am"))) == ["Bob", "Cat"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(experience_min=4, experience_max=5))) == ["Dan", "Cat"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(not_in_set=True))) == ["Eve", "Bob", "Ann", "Cat"]
    assert names(store.enrolment_candidates(w["programme"], CandidateFilter(), limit=2)) == ["Eve", "Bob"]
    with pytest.raises(Invalid):
        store.enrolment_candidates(w["programme"], CandidateFilter(slot="someday"))
    with pytest.raises(NotFound):
        store.enrolment_candidates(make.id("prog", 9), CandidateFilter())

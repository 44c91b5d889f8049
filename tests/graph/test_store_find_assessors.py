"""Contract: finding assessors by name or email, organisation and region, a page at a time (issue 17, the people page)."""

from __future__ import annotations

from graph.port import GraphStore
from network.domain import Assessor, Organisation


def _arrange(store: GraphStore) -> None:
    store.create_organisation(Organisation("o-north", "Northshire Council", "local_authority", "north_west"))
    store.create_organisation(Organisation("o-south", "Southby Trust", "nhs_trust", "south_east"))
    people = [
        ("a-1", "Sam Patel", "sam.patel@north.example.org", None, "o-north"),
        ("a-2", "Samira Khan", "skhan@south.example.org", None, "o-south"),
        ("a-3", "Jo Bloggs", "jo@north.example.org", "london", "o-north"),
        ("a-4", "Ann Adams", "ann@nowhere.example.org", "south_east", None),
    ]
    for assessor_id, name, email, region, org in people:
        store.create_assessor(Assessor(assessor_id, name, email=email, region=region))
        if org:
            store.set_employer(assessor_id, org)


def _ids(page) -> list[str]:
    return [a.id for a in page.items]


def test_assessors_are_found_by_name_or_email_in_any_case(store: GraphStore) -> None:
    _arrange(store)
    assert _ids(store.find_assessors("sam")) == ["a-1", "a-2"]
    assert _ids(store.find_assessors("SAM")) == ["a-1", "a-2"]
    assert _ids(store.find_assessors("north.example")) == ["a-1", "a-3"]
    assert _ids(store.find_assessors("nobody")) == []
    assert _ids(store.find_assessors()) == ["a-1", "a-2", "a-3", "a-4"]


def test_organisations_and_region_narrow_the_search(store: GraphStore) -> None:
    _arrange(store)
    assert _ids(store.find_assessors(organisation_ids=["o-north"])) == ["a-1", "a-3"]
    assert _ids(store.find_assessors("sam", organisation_ids=["o-south"])) == ["a-2"]
    assert _ids(store.find_assessors(organisation_ids=[])) == []
    # their own region, else their organisation's
    assert _ids(store.find_assessors(region="north_west")) == ["a-1"]
    assert _ids(store.find_assessors(region="south_east")) == ["a-2", "a-4"]
    assert _ids(store.find_assessors(region="london", organisation_ids=["o-north", "o-south"])) == ["a-3"]


def test_the_search_pages_in_id_order(store: GraphStore) -> None:
    _arrange(store)
    first = store.find_assessors(limit=3)
    assert _ids(first) == ["a-1", "a-2", "a-3"] and first.next_after == "a-3"
    second = store.find_assessors(limit=3, after=first.next_after)
    assert _ids(second) == ["a-4"] and second.next_after is None

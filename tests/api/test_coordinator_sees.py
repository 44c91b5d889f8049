"""What a coordinator may see and enrol (issue 16), on both stores, through the API and the programme page.

A coordinator may enrol only people who can be found and are active, or who asked to join; people who chose
not to be found, are paused or inactive never appear to them: not in the pool listing, not in the programme
page's list of an organisation's assessors, and not by guessing ids (refused as if there were no such id,
nothing written). Their own organisation's admin still enrols and sees them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bridgework import create_app
from graph.port import GraphStore
from network.domain import Assessor, Organisation, Programme
from tests.api.conftest import Auth
from tests.stores import KINDS, open_empty

NAMES = {
    "a-found": "Findable Fiona",
    "a-hidden": "Hidden Harriet",
    "a-paused": "Paused Percival",
    "a-gone": "Inactive Ingrid",
    "a-asked": "Asking Aurelio",
}
HIDDEN = ("a-hidden", "a-paused", "a-gone")


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = open_empty(request.param, tmp_path / "bridgework.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def app(store: GraphStore) -> Flask:
    """Forms posted with bearer headers (the CSRF check is the browser tests' business)."""
    return create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def world(store: GraphStore) -> None:
    store.create_organisation(Organisation(id="org-1", name="Tees Council", kind="local_authority", region="north_east"))
    store.create_programme(Programme(id="p-1", name="North East 2026", status="open"))
    people = {
        "a-found": dict(discoverable=True),
        "a-hidden": dict(discoverable=False),
        "a-paused": dict(discoverable=True, paused=True),
        "a-gone": dict(discoverable=True, active=False),
        "a-asked": dict(discoverable=False),
    }
    for assessor_id, flags in people.items():
        store.create_assessor(Assessor(id=assessor_id, name=NAMES[assessor_id], availability=("tue-pm",), **flags))
        store.set_employer(assessor_id, "org-1")


def _pool(store: GraphStore) -> set[str]:
    return {e.assessor_id for e in store.enrolments("p-1")}


def test_a_coordinator_cannot_enrol_hidden_paused_or_inactive_people_by_guessing_their_ids(
    store: GraphStore, client: FlaskClient, auth: Auth, world: None
) -> None:
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    for assessor_id in HIDDEN:
        r = client.put(f"/api/v1/programmes/p-1/enrolments/{assessor_id}", json={}, headers=coordinator)
        assert r.status_code == 404, (assessor_id, r.get_json())
        assert NAMES[assessor_id] not in r.get_data(as_text=True)
        page = client.post("/programmes/p-1/enrolments", data={"assessor_ref": assessor_id}, headers=coordinator)
        assert page.status_code == 422 and f"No assessor has the id {assessor_id}." in page.get_data(as_text=True)
    assert _pool(store) == set()
    # Someone who can be found is enrolled as before; so is someone hidden who asked to join (they enrolled themselves).
    assert client.put("/api/v1/programmes/p-1/enrolments/a-found", json={}, headers=coordinator).status_code == 201
    assert client.put("/api/v1/programmes/p-1/enrolments/a-asked", json={}, headers=auth(assessor_id="a-asked")).status_code == 201
    assert _pool(store) == {"a-found", "a-asked"}


def test_hidden_people_enrolled_by_their_organisation_never_appear_to_the_coordinator(
    store: GraphStore, client: FlaskClient, auth: Auth, world: None
) -> None:
    org_admin = auth(roles=("org_admin",), organisation_ids=("org-1",))
    for assessor_id in ("a-found", *HIDDEN):
        r = client.put(f"/api/v1/programmes/p-1/enrolments/{assessor_id}", json={}, headers=org_admin)
        assert r.status_code == 201, (assessor_id, r.get_json())  # their own organisation's admin may
    assert client.put("/api/v1/programmes/p-1/enrolments/a-asked", json={}, headers=auth(assessor_id="a-asked")).status_code == 201
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    listing = client.get("/api/v1/programmes/p-1/enrolments", headers=coordinator)
    assert listing.status_code == 200
    assert {i["assessor_id"] for i in listing.get_json()["items"]} == {"a-found", "a-asked"}
    pages = [
        client.get("/programmes/p-1", headers=coordinator),
        client.get("/programmes/p-1?organisation=org-1", headers=coordinator),  # the list to enrol from
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert NAMES["a-found"] in text
        for assessor_id in HIDDEN:
            assert NAMES[assessor_id] not in text, assessor_id
    # Enrolling a hidden person again says nothing of them being in the pool.
    again = client.post("/programmes/p-1/enrolments", data={"assessor_ref": "a-hidden"}, headers=coordinator)
    assert again.status_code == 422 and NAMES["a-hidden"] not in again.get_data(as_text=True)
    # Their organisation's admin (and an admin) still sees everyone it enrolled.
    admin = auth(roles=("admin",))
    assert {i["assessor_id"] for i in client.get("/api/v1/programmes/p-1/enrolments", headers=admin).get_json()["items"]} == {
        "a-found",
        "a-asked",
        *HIDDEN,
    }


def test_the_enrol_list_offers_only_people_a_coordinator_may_see(store: GraphStore, client: FlaskClient, auth: Auth, world: None) -> None:
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    text = client.get("/programmes/p-1?organisation=org-1", headers=coordinator).get_data(as_text=True)
    assert NAMES["a-found"] in text
    assert all(NAMES[i] not in text for i in (*HIDDEN, "a-asked"))

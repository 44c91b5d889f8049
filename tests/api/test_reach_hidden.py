"""Reach, map and isolated lists show someone who chose not to be found only to their own organisation's admin (issue 16).

On both stores: a coordinator (who may read any organisation's reach) and another organisation's admin never
see a hidden or paused person's name in an organisation's reach, its map or the isolated lists; the
organisation's own admin does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bridgework import create_app
from graph.port import GraphStore
from network.domain import Assessor, Organisation
from tests.api.conftest import Auth
from tests.stores import KINDS, open_empty

HIDDEN = {"a-hidden": "Hidden Hermione", "a-paused": "Paused Prudence"}
SHOWN = "Findable Felix"


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = open_empty(request.param, tmp_path / "bridgework.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def app(store: GraphStore) -> Flask:
    return create_app({"TESTING": True, "STORE": store})


@pytest.fixture
def world(store: GraphStore) -> None:
    for k in (1, 2):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Organisation {k}", kind="local_authority", region="north_east"))
    people = [
        Assessor(id="a-hidden", name=HIDDEN["a-hidden"], discoverable=False),
        Assessor(id="a-paused", name=HIDDEN["a-paused"], discoverable=True, paused=True),
        Assessor(id="a-shown", name=SHOWN, discoverable=True),
        Assessor(id="a-tied", name="Tied Tamsin", discoverable=True),
        Assessor(id="a-other", name="Other Otto", discoverable=True),
    ]
    for a in people:
        store.create_assessor(a)
    for assessor_id in ("a-hidden", "a-paused", "a-shown", "a-tied"):
        store.set_employer(assessor_id, "org-1")
    store.set_employer("a-other", "org-2")
    # The hidden person has a tie inside their organisation (so the map draws them), the others are isolated.
    store.request_contact("a-hidden", "a-tied")
    store.accept_contact("a-hidden", "a-tied")


def _responses(client: FlaskClient, headers: dict[str, str]) -> dict[str, str]:
    paths = [
        "/api/v1/organisations/org-1/reach",
        "/api/v1/organisations/org-1/map",
        "/api/v1/isolated?organisation=org-1",
        "/api/v1/isolated",
        "/organisations/org-1/reach",
    ]
    out = {}
    for path in paths:
        r = client.get(path, headers=headers)
        if r.status_code == 200:
            out[path] = r.get_data(as_text=True)
    return out


def test_a_coordinator_never_sees_who_chose_not_to_be_found(client: FlaskClient, auth: Auth, world: None) -> None:
    seen = _responses(client, auth(roles=("coordinator",)))
    assert set(seen) == {
        "/api/v1/organisations/org-1/reach",
        "/api/v1/organisations/org-1/map",
        "/api/v1/isolated?organisation=org-1",
        "/api/v1/isolated",
        "/organisations/org-1/reach",
    }
    assert SHOWN in seen["/api/v1/isolated"] and SHOWN in seen["/api/v1/organisations/org-1/map"]
    for path, text in seen.items():
        for name in HIDDEN.values():
            assert name not in text, (path, name)
    # Nor anonymised: the map leaves them out altogether (their tie too).
    nodes = client.get("/api/v1/organisations/org-1/map", headers=auth(roles=("coordinator",))).get_json()["nodes"]
    assert sorted(n["name"] for n in nodes) == [SHOWN, "Tied Tamsin"]


def test_another_organisations_admin_never_sees_them_either(client: FlaskClient, auth: Auth, world: None) -> None:
    for path, text in _responses(client, auth(roles=("org_admin",), organisation_ids=("org-2",))).items():
        for name in HIDDEN.values():
            assert name not in text, (path, name)


def test_their_own_organisations_admin_sees_them(client: FlaskClient, auth: Auth, world: None) -> None:
    seen = _responses(client, auth(roles=("org_admin",), organisation_ids=("org-1",)))
    for path in ("/api/v1/organisations/org-1/map", "/api/v1/isolated?organisation=org-1", "/organisations/org-1/reach"):
        assert HIDDEN["a-paused"] in seen[path] or path.endswith("/map"), path
    assert HIDDEN["a-hidden"] in seen["/api/v1/organisations/org-1/map"]
    assert HIDDEN["a-paused"] in seen["/api/v1/isolated?organisation=org-1"]

"""Store transactions per request (issue 20), on both stores: each GET reads in one transaction.

Who is calling (a bearer token, or the session cookie's user), what they may do (the policy's scope
reads) and the data asked for join one read unit of work (:mod:`api.readunit`). The counts come from
the adapters' own hook (:meth:`graph.port.GraphStore.on_transaction`) and are pinned here: a change
that adds a transaction to one of these requests fails this test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts, sets
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from network.domain import Assessor, Organisation, Programme, today
from tests.graph.conftest import ADAPTERS, neo4j_store  # noqa: F401 - the session's Neo4j store, for the fixture below

PROGRAMME = "prog-tx"
PASSWORD = "a long enough password"


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        embedded = EmbeddedStore(tmp_path / "bridgework.sqlite3")
        embedded.ensure_schema()
        yield embedded
        embedded.close()
    else:
        neo4j: Any = request.getfixturevalue("neo4j_store")
        neo4j._wipe()
        yield neo4j


@dataclass
class World:
    store: GraphStore
    app: Flask
    set_id: str
    assessor: dict[str, str]  # bearer headers of p0 (assessor of org-0 and its organisation admin)
    coordinator: dict[str, str]


class Counter:
    """Counts the store's transactions (reads and writes) while it listens."""

    def __init__(self, store: GraphStore) -> None:
        self.reads = self.writes = 0
        self._remove = store.on_transaction(self._began)

    def _began(self, write: bool) -> None:
        if write:
            self.writes += 1
        else:
            self.reads += 1

    def reset(self) -> None:
        self.reads = self.writes = 0

    def close(self) -> None:
        self._remove()


@pytest.fixture
def world(store: GraphStore) -> World:
    for k in range(6):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="voluntary", region="london"))
        store.create_assessor(Assessor(id=f"p{k}", name=f"Person {k}", availability=("tue-pm",), capacity=2, discoverable=True))
        store.set_employer(f"p{k}", f"org-{k}")
    store.create_programme(
        Programme(id=PROGRAMME, name="London 2026", status="open", set_size_min=4, set_size_max=5, set_size_target=4, starts_on=today() + timedelta(days=30))
    )
    for k in range(4):
        store.enrol(PROGRAMME, f"p{k}")
    coordinator = accounts.create_user(store, "coord@example.org", roles=("coordinator",), programme_ids=(PROGRAMME,), password=PASSWORD)
    person = accounts.create_user(
        store, "p0@example.org", roles=("assessor", "org_admin"), assessor_id="p0", organisation_ids=("org-0",), password=PASSWORD
    )
    view = sets.propose(store, PROGRAMME, sets.RunSettings(seed=1, time_limit=0))
    (record,) = sets.commit(store, view.record.id, view.record.version, actor_id=coordinator.id)
    app = create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "transactions"})

    def bearer(user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_token(store, user_id, 'count', days=1).secret}"}

    return World(store, app, record.id, bearer(person.id), bearer(coordinator.id))


def _count(w: World, client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> tuple[int, int]:
    counter = Counter(w.store)
    try:
        response = client.get(path, headers=headers or {})
    finally:
        counter.close()
    assert response.status_code == 200, (path, response.status_code)
    return counter.reads, counter.writes


#: GETs and their transactions (reads, writes) once warm: one read transaction each.
READS = [
    ("/api/v1/assessors/p0", "assessor"),
    ("/api/v1/assessors/p0/suggestions", "assessor"),
    ("/api/v1/organisations/org-0/reach", "assessor"),
    ("/api/v1/me", "assessor"),
    ("/me/profile", "assessor"),
    ("/me/suggestions", "assessor"),
    ("/me/contacts", "assessor"),
    ("/me/sets", "assessor"),
    ("/me/notices", "assessor"),
    ("/sets/{set_id}", "assessor"),
    ("/programmes", "coordinator"),
    ("/programmes/{programme_id}", "coordinator"),
    ("/programmes/{programme_id}/health", "coordinator"),
    ("/organisations/org-0/participation", "assessor"),
    ("/", "assessor"),
]


def test_each_get_reads_who_is_calling_their_rights_and_the_data_in_one_transaction(world: World) -> None:
    client = world.app.test_client()
    for template, who in READS:
        path = template.format(set_id=world.set_id, programme_id=PROGRAMME)
        headers = world.assessor if who == "assessor" else world.coordinator
        _count(world, client, path, headers)  # warm: a token's first use is marked, a set's meetings are stored
        # Fresh entries kept by a first visit are written after it; the second visit costs one read transaction.
        assert _count(world, client, path, headers) == (1, 0), path


def test_a_signed_in_page_reads_the_session_user_in_the_same_transaction(world: World) -> None:
    client = world.app.test_client()
    assert client.post("/login", data={"email": "p0@example.org", "password": PASSWORD}).status_code == 302
    for path in ("/me/profile", "/me/suggestions", f"/sets/{world.set_id}", "/me/notices"):
        _count(world, client, path)
        assert _count(world, client, path) == (1, 0), path


def test_a_get_that_writes_commits_the_write_on_its_own_and_reads_on(world: World) -> None:
    """A set's page first stores its meetings (a use case): the write commits, and the page still reads in a read unit."""
    assert not world.store.meetings_of_set(world.set_id)  # stored when first needed
    client = world.app.test_client()
    _count(world, client, "/api/v1/me", world.assessor)  # the token's first use is marked (a write of its own)
    reads, writes = _count(world, client, f"/sets/{world.set_id}", world.assessor)
    assert writes == 1 and reads == 2  # the read unit, the meetings' own write unit, the read unit carried on
    assert world.store.meetings_of_set(world.set_id)  # the write was committed, not rolled back with the read
    assert _count(world, client, f"/sets/{world.set_id}", world.assessor) == (1, 0)


def test_without_the_request_unit_the_same_pages_cost_several_transactions(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the unit saves: the same requests, each helper opening its own transaction."""
    from api import readunit

    monkeypatch.setattr(readunit.ReadUnit, "__call__", lambda self, environ, start: self.app(environ, start))
    client = world.app.test_client()
    for path in ("/me/profile", "/api/v1/assessors/p0"):
        _count(world, client, path, world.assessor)
        reads, writes = _count(world, client, path, world.assessor)
        assert reads + writes > 1, path

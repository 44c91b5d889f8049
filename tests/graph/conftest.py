"""Fixtures of the GraphStore contract suite: the same tests, the same data, both adapters.

``store`` is parametrised as ``embedded`` (a fresh SQLite file per test) and ``neo4j``
(one connection per session to the server named by ``NEO4J_URI``, wiped before each
test). Ids carry a random tag per test, so nothing depends on what another test or
another run left behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from graph.settings import StoreSettings
from network.domain import Assessor, Organisation, Theme

ADAPTERS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]


@pytest.fixture(scope="session")
def neo4j_store() -> Iterator[GraphStore]:
    """One Neo4jStore for the whole session, on the server named by ``NEO4J_URI``."""
    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but NEO4J_URI is not set: the Neo4j contract tests must run")
        pytest.skip('NEO4J_URI is not set (start a test server with: eval "$(scripts/neo4j-test-server start)")')
    from graph.neo4j.store import Neo4jStore

    settings = StoreSettings.from_env()
    assert settings.neo4j_uri is not None
    store = Neo4jStore.connect(
        settings.neo4j_uri,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        database=settings.neo4j_database,
    )
    try:
        store.ensure_schema()
        yield store
        store._wipe()
    finally:
        store.close()


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each kind."""
    if request.param == "embedded":
        embedded = EmbeddedStore(tmp_path / "graph.sqlite3")
        yield embedded
        embedded.close()
    else:
        neo4j: Any = request.getfixturevalue("neo4j_store")
        neo4j._wipe()
        yield neo4j


class Maker:
    """Builds valid domain values whose ids carry this test's random tag; ``n`` orders them."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:8]

    def id(self, prefix: str, n: int = 0) -> str:
        """``<prefix>-<tag>-<n>``, zero-padded so id order is number order."""
        return f"{prefix}-{self.tag}-{n:03d}"

    def org(self, n: int = 0, **changes: Any) -> Organisation:
        fields: dict[str, Any] = {"id": self.id("org", n), "name": f"Organisation {n}", "kind": "local_authority", "region": "north_east"}
        return Organisation(**(fields | changes))

    def theme(self, n: int = 0, **changes: Any) -> Theme:
        fields: dict[str, Any] = {"id": self.id("theme", n), "name": f"Theme {n}", "framework": "pcf"}
        return Theme(**(fields | changes))

    def assessor(self, n: int = 0, **changes: Any) -> Assessor:
        fields: dict[str, Any] = {"id": self.id("a", n), "name": f"Assessor {n}"}
        return Assessor(**(fields | changes))


@pytest.fixture
def make() -> Maker:
    """A :class:`Maker` with a fresh random tag."""
    return Maker()

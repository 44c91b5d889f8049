"""One way for test modules to open an empty store of either kind (their own ``store`` fixtures share it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore

#: The two kinds, the Neo4j one marked so it fails (not skips) under CI=true without a server.
KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def open_empty(kind: str, path: Path) -> GraphStore:
    """An empty store: a SQLite file at ``path``, or the Neo4j of ``NEO4J_URI`` wiped (skipped without one, failed under CI)."""
    if kind == "embedded":
        return EmbeddedStore(path)
    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but NEO4J_URI is not set: the Neo4j tests must run")
        pytest.skip("NEO4J_URI is not set")
    from graph.neo4j.store import Neo4jStore
    from graph.settings import StoreSettings

    settings = StoreSettings.from_env()
    assert settings.neo4j_uri is not None
    store = Neo4jStore.connect(
        settings.neo4j_uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database
    )
    store.ensure_schema()
    store._wipe()
    return store

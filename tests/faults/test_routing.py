"""``neo4j://`` (the driver's routing, as for a cluster) against the single test server: writes go to the writer,
reads run as read transactions and see them."""

from __future__ import annotations

import os

import pytest

from graph.neo4j.store import Neo4jStore
from network.domain import Organisation
from tests.stores import open_empty

pytestmark = pytest.mark.neo4j


def test_a_routing_uri_serves_writes_and_reads(tmp_path) -> None:
    open_empty("neo4j", tmp_path / "unused").close()  # a wiped database (fails under CI=true without NEO4J_URI)
    routed = os.environ["NEO4J_URI"].replace("bolt://", "neo4j://", 1)
    store = Neo4jStore.connect(routed)
    try:
        store.ensure_schema()
        store.create_organisation(Organisation(id="org-r", name="Routed Org", kind="voluntary", region="london"))
        with store.unit_of_work(write=False):  # a read transaction, routed to a reader
            assert store.get_organisation("org-r").name == "Routed Org"
        assert store.counts()["organisations"] == 1
    finally:
        store.close()

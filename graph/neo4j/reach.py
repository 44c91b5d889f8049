"""Neo4j implementation of the reach area port: reach figures.

Its Cypher is in :mod:`graph.neo4j.queries_reach`."""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jReach(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for reach figures."""

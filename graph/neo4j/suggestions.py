"""Neo4j implementation of the suggestions area port: suggestion candidates, graph features and isolation.

Its Cypher is in :mod:`graph.neo4j.queries_suggestions`."""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jSuggestions(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for suggestion candidates, graph features and isolation."""

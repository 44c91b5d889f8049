"""Neo4j implementation of the sets area port: programmes, enrolment, sets and memberships.

Its Cypher is in :mod:`graph.neo4j.queries_sets`."""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jSets(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for programmes, enrolment, sets and memberships."""

"""Neo4j implementation of the accounts area port: users, roles, tokens, reset links and the audit log.

Its Cypher is in :mod:`graph.neo4j.queries_accounts`."""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jAccounts(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for users, roles, tokens, reset links and the audit log."""

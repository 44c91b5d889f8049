"""Neo4j implementation of the joins area port.

The area: requests to join existing sets, their decisions, and the one-transaction join.
"""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jJoins(Neo4jBase):
    """The joins area on Neo4j."""

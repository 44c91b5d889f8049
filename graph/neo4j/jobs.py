"""Neo4j implementation of the jobs area port.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.
"""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jJobs(Neo4jBase):
    """The jobs area on Neo4j."""

"""Neo4j implementation of the outcomes area port.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.
"""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jOutcomes(Neo4jBase):
    """The outcomes area on Neo4j."""

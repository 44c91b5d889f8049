"""Neo4j implementation of the meetings area port.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).
"""

from __future__ import annotations

from graph.neo4j.base import Neo4jBase


class Neo4jMeetings(Neo4jBase):
    """The meetings area on Neo4j."""

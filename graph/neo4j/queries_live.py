"""Every Cypher statement of the live meetings area (issue 19).

Stored shape: ``(:LiveMeeting {meeting_id, set_id, version, state, note, updated_at})-[:OF]->(:Meeting)``;
``state`` is JSON text, ``updated_at`` a ``DateTime`` in UTC. Writers lock the live node (or, for the
first save, the meeting) before checking the version, so two saves against one version cannot both land.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT live_meeting_id IF NOT EXISTS FOR (n:LiveMeeting) REQUIRE n.meeting_id IS UNIQUE",
    "CREATE INDEX live_meeting_set IF NOT EXISTS FOR (n:LiveMeeting) ON (n.set_id)",
    "CREATE INDEX live_meeting_facilitator IF NOT EXISTS FOR (n:LiveMeeting) ON (n.facilitator)",
)

_COLUMNS = "RETURN l {.meeting_id, .set_id, .version, .state, .note, .updated_at} AS l"

GET = "MATCH (l:LiveMeeting {meeting_id: $id}) " + _COLUMNS

#: Lock the live node, then read it: the read sees the last committed state and nobody saves before this transaction ends.
GET_LOCKED = (
    """
MATCH (l:LiveMeeting {meeting_id: $id})
SET l._lock = true
REMOVE l._lock
"""
    + _COLUMNS
)

VERSION = "MATCH (l:LiveMeeting {meeting_id: $id}) RETURN l.version AS version"

#: Lock the meeting (and say whether it exists): first saves of one meeting run one after the other.
LOCK_MEETING = """
MATCH (m:Meeting {id: $id})
SET m._lock = true
REMOVE m._lock
RETURN m.set_id AS set_id
"""

CREATE = (
    """
MATCH (m:Meeting {id: $id})
OPTIONAL MATCH (existing:LiveMeeting {meeting_id: $id})
WITH m, existing WHERE existing IS NULL
CREATE (l:LiveMeeting {meeting_id: $id, set_id: m.set_id, version: 1, state: $state, note: $note, updated_at: $at,
                       facilitator: $facilitator})-[:OF]->(m)
"""
    + _COLUMNS
)

#: Lock the live node first, then compare the version it holds now (committed by whoever held the lock before).
UPDATE = (
    """
MATCH (l:LiveMeeting {meeting_id: $id})
SET l._lock = true
REMOVE l._lock
WITH l WHERE l.version = $expected
SET l.version = l.version + 1, l.state = $state, l.note = $note, l.updated_at = $at, l.facilitator = $facilitator
"""
    + _COLUMNS
)

#: ``facilitator`` repeats the state's facilitator so a person's notes can be found (and forgotten on erasure).
FORGET_NOTES = """
MATCH (l:LiveMeeting {facilitator: $assessor_id})
WHERE l.note IS NOT NULL
SET l.note = null
RETURN count(l) AS cleared"""

OF_SETS = (
    """
MATCH (l:LiveMeeting)-[:OF]->(m:Meeting)
WHERE l.set_id IN $set_ids
WITH l, m ORDER BY m.set_id, m.number
"""
    + _COLUMNS
)

"""Every Cypher statement of the meetings area.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).

Named constants, with ``$parameters`` for every value. Stored shape:
``(:Meeting {id, set_id, number, on, slot, video_link, moved_from})-[:OF]->(:Set)``,
``(:Assessor)-[:FACILITATED]->(:Meeting)``, ``(:Assessor)-[:PRESENTED {action}]->(:Meeting)``
(the presenter's own one-line action lives on their turn), ``(:Assessor)-[:ATTENDED {status}]->(:Meeting)``
(status attended | apologies | absent) and ``(:Notice {key, user_id, assessor_id, kind, subject, body, link,
due_on, created_at, status, sent_at, via, error, refs})`` (the outbox; ``key`` unique; ``refs``: what a notice
stored by reference is about, as JSON text of ids and dates).
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones
#: (the core already makes Meeting ids unique).
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT notice_key IF NOT EXISTS FOR (n:Notice) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX notice_assessor IF NOT EXISTS FOR (n:Notice) ON (n.assessor_id)",
    "CREATE INDEX notice_user IF NOT EXISTS FOR (n:Notice) ON (n.user_id)",
    "CREATE INDEX notice_status IF NOT EXISTS FOR (n:Notice) ON (n.status)",
    "CREATE INDEX meeting_set IF NOT EXISTS FOR (n:Meeting) ON (n.set_id)",
    "CREATE INDEX meeting_on IF NOT EXISTS FOR (n:Meeting) ON (n.on)",
)

# -- meetings ------------------------------------------------------------------------

#: Write-lock a set (and check it exists): writers of one set's meetings run one after the other.
LOCK_SET = """
MATCH (s:Set {id: $set_id})
SET s._lock = true
REMOVE s._lock
RETURN s.id AS id
"""
LOCK_MEETING = """
MATCH (m:Meeting {id: $id})
SET m._lock = true
REMOVE m._lock
RETURN m.id AS id
"""
SET_EXISTS = "MATCH (s:Set {id: $set_id}) RETURN s.id AS id"
EVER_MEMBERS = "MATCH (a:Assessor)-[:MEMBER_OF]->(:Set {id: $set_id}) RETURN a.id AS id"
CURRENT_MEMBERS = "MATCH (a:Assessor)-[r:MEMBER_OF]->(:Set {id: $set_id}) WHERE r.left IS NULL RETURN a.id AS id"

#: The columns every meeting read returns (m, facilitators, presenters [[id, action]], attendance [[id, status]]).
MEETING_COLUMNS = """
RETURN m {.id, .set_id, .number, .on, .slot, .video_link, .moved_from} AS m,
       COLLECT { MATCH (a:Assessor)-[:FACILITATED]->(m) RETURN a.id } AS facilitators,
       COLLECT { MATCH (a:Assessor)-[r:PRESENTED]->(m) RETURN [a.id, r.action] } AS presenters,
       COLLECT { MATCH (a:Assessor)-[r:ATTENDED]->(m) RETURN [a.id, r.status] } AS attendance
"""
MEETINGS_OF_SET = "MATCH (m:Meeting)-[:OF]->(:Set {id: $set_id})" + MEETING_COLUMNS + "ORDER BY m.number"
MEETINGS_IN = "MATCH (m:Meeting) WHERE m.id IN $ids" + MEETING_COLUMNS + "ORDER BY m.set_id, m.number"
COUNT_MEETINGS = "MATCH (m:Meeting)-[:OF]->(:Set {id: $set_id}) RETURN count(m) AS n"
CREATE_MEETINGS = """
MATCH (s:Set {id: $set_id})
UNWIND $rows AS r
CREATE (m:Meeting {id: r.id, set_id: $set_id, number: r.number, on: r.on, slot: r.slot})
SET m.video_link = r.video_link
CREATE (m)-[:OF]->(s)
"""
ADD_FACILITATORS = """
UNWIND $rows AS r
MATCH (m:Meeting {id: r.meeting_id}), (a:Assessor {id: r.assessor_id})
CREATE (a)-[:FACILITATED]->(m)
"""
ADD_PRESENTERS = """
UNWIND $rows AS r
MATCH (m:Meeting {id: r.meeting_id}), (a:Assessor {id: r.assessor_id})
CREATE (a)-[t:PRESENTED]->(m)
SET t.action = r.action
"""
DELETE_TURNS = """
UNWIND $ids AS id
MATCH (:Assessor)-[r:FACILITATED|PRESENTED]->(:Meeting {id: id})
DELETE r
"""
SAME_DAY = "MATCH (m:Meeting {set_id: $set_id, on: $on}) WHERE m.id <> $id RETURN m.id AS id LIMIT 1"
MOVE = """
MATCH (m:Meeting {id: $id})
SET m.on = $on, m.slot = $slot, m.moved_from = coalesce(m.moved_from, $was)
"""
SET_LINK = """
UNWIND $ids AS id
MATCH (m:Meeting {id: id})
SET m.video_link = $link
RETURN count(m) AS n
"""
RECORD_ATTENDANCE = """
MATCH (m:Meeting {id: $id})
UNWIND $rows AS r
MATCH (a:Assessor {id: r.assessor_id})
MERGE (a)-[t:ATTENDED]->(m)
SET t.status = r.status
"""
SET_ACTION = """
MATCH (:Assessor {id: $assessor_id})-[t:PRESENTED]->(:Meeting {id: $id})
SET t.action = $action
RETURN count(t) AS n
"""
PROGRAMME_EXISTS = "MATCH (p:Programme {id: $programme_id}) RETURN p.id AS id"
SETS_OF_PROGRAMME = """
MATCH (s:Set)-[:PART_OF]->(p:Programme {id: $programme_id})
RETURN s.id AS id, s.name AS name, s.status AS status, p.id AS programme_id,
       COLLECT { MATCH (a:Assessor)-[r:MEMBER_OF]->(s) WHERE r.left IS NULL RETURN [a.id, r.joined] } AS members
ORDER BY s.id
"""
MEETINGS_OF_PROGRAMME = (
    "MATCH (:Programme {id: $programme_id})<-[:PART_OF]-(:Set)<-[:OF]-(m:Meeting)" + MEETING_COLUMNS + "ORDER BY m.set_id, m.number"
)
ORGANISATION_EXISTS = "MATCH (o:Organisation {id: $organisation_id}) RETURN o.id AS id"
PARTICIPATION = """
MATCH (:Organisation {id: $organisation_id})<-[:WORKS_FOR]-(a:Assessor)-[r:MEMBER_OF]->(s:Set)
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
RETURN a.id AS assessor_id, a.name AS name, s.id AS set_id, s.name AS set_name, p.id AS programme_id,
       r.joined AS joined, r.left AS left,
       COLLECT { MATCH (a)-[t:ATTENDED]->(m:Meeting)-[:OF]->(s) RETURN [m.on, t.status] } AS attendance
ORDER BY assessor_id, set_id
"""
BETWEEN = (
    "MATCH (m:Meeting)-[:OF]->(s:Set) WHERE m.on >= $start AND m.on <= $end AND s.status = 'active'"
    + " WITH m, s"
    + MEETING_COLUMNS
    + """, s.name AS set_name,
       COLLECT { MATCH (a:Assessor)-[r:MEMBER_OF]->(s) WHERE r.left IS NULL RETURN a.id } AS members
ORDER BY m.on, m.id
"""
)
WITHOUT_MEETINGS = """
MATCH (s:Set {status: 'active'})
WHERE s.meeting_slot IS NOT NULL AND NOT EXISTS { (:Meeting)-[:OF]->(s) }
RETURN s.id AS id
ORDER BY id
"""

#: Erasure (run by ``erase_assessor`` in graph/neo4j/accounts.py, before the account is deleted): the person's notices.
ERASE_NOTICES = """
OPTIONAL MATCH (u:User)-[:IS]->(:Assessor {id: $id})
WITH collect(u.id) AS users
MATCH (n:Notice)
WHERE n.assessor_id = $id OR n.user_id IN users
DELETE n
"""
#: Erasure: a presenter's private action does not pass to the "Former member" placeholder.
DROP_PLACEHOLDER_ACTIONS = "MATCH (:Assessor {id: $placeholder_id})-[t:PRESENTED]->(:Meeting) REMOVE t.action"

# -- notices -------------------------------------------------------------------------

#: Create the notices whose key is new; returns the keys it created.
ADD_NOTICES = """
UNWIND $rows AS r
MERGE (n:Notice {key: r.key})
ON CREATE SET n += r.props, n.created_at = $at, n.status = 'pending', n._new = true
WITH n
WHERE n._new = true
REMOVE n._new
RETURN n.key AS key
"""
NOTICE_COLUMNS = """
RETURN n {.key, .user_id, .assessor_id, .kind, .subject, .body, .link, .due_on, .created_at, .status, .sent_at, .via, .error,
          .refs} AS n
"""
NOTICE_EXISTS = "MATCH (n:Notice {key: $key}) RETURN n.key AS key"
NOTICES_FOR = (
    """
OPTIONAL MATCH (c:Notice {key: $after})
WITH c.created_at AS cursor
MATCH (n:Notice)
WHERE (($assessor_id IS NOT NULL AND n.assessor_id = $assessor_id) OR ($user_id IS NOT NULL AND n.user_id = $user_id))
  AND (cursor IS NULL OR n.created_at < cursor OR (n.created_at = cursor AND n.key > $after))
"""
    + NOTICE_COLUMNS
    + "ORDER BY n.created_at DESC, n.key LIMIT $limit"
)
UNDELIVERED = "MATCH (n:Notice) WHERE n.status IN ['pending', 'failed']" + NOTICE_COLUMNS + "ORDER BY n.created_at, n.key LIMIT $limit"
MARK_NOTICES = """
UNWIND $keys AS key
MATCH (n:Notice {key: key})
SET n.status = $status, n.sent_at = $sent_at, n.via = $via, n.error = $error
RETURN count(n) AS n
"""

#: The names notices refer to, in one read: assessors, sets (slot, programme) and programmes by id.
NOTICE_SUBJECTS = """
CALL () {
  UNWIND $people AS id
  MATCH (a:Assessor {id: id})
  RETURN collect([a.id, a.name]) AS people
}
CALL () {
  UNWIND $sets AS id
  MATCH (s:Set {id: id})
  OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
  RETURN collect([s.id, s.name, s.meeting_slot, p.id, p.name]) AS sets
}
CALL () {
  UNWIND $programmes AS id
  MATCH (p:Programme {id: id})
  RETURN collect([p.id, p.name]) AS programmes
}
RETURN people, sets, programmes
"""

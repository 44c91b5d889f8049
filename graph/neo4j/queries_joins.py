"""Every Cypher statement of the joins area: join requests, decisions, the one-transaction join, candidate sets.

Named constants, with ``$parameters`` for every value.

Model: a request is the relationship ``(:Assessor)-[:ASKED_TO_JOIN {id, status, message,
requested_at, decided_at, decided_by, note}]->(:Set)``, found by its indexed ``id``. Being a
relationship of the assessor, it goes with them when they are erased (DETACH DELETE), message
and all, as the embedded store's foreign key cascades; who asked and which programme are read
through the graph, never copied.

Concurrency: creating or accepting a request write-locks the assessor and then the set (the order
``add_member`` of the sets area uses, so the two cannot deadlock on each other), then re-reads
everything :func:`graph.port_joins.join_problem` needs; a racing acceptance for the set's last
place waits on the set lock and then sees the first one's membership.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
#: Request ids are random 64-bit tokens checked inside the creating transaction (relationship uniqueness
#: constraints need a newer server than the 5.x LTS line everywhere), so an index is enough.
SCHEMA: tuple[str, ...] = ("CREATE INDEX join_request_rel_id IF NOT EXISTS FOR ()-[r:ASKED_TO_JOIN]-() ON (r.id)",)

# -- locks -------------------------------------------------------------------------------------

LOCK_ASSESSOR = """
MATCH (n:Assessor {id: $id})
SET n._lock = true
REMOVE n._lock
RETURN n.id AS id
"""
LOCK_SET = """
MATCH (n:Set {id: $id})
SET n._lock = true
REMOVE n._lock
RETURN n.id AS id
"""
LOCK_REQUEST = """
MATCH (:Assessor)-[r:ASKED_TO_JOIN {id: $id}]->(:Set)
SET r._lock = true
REMOVE r._lock
RETURN r.id AS id
"""

# -- the rules, re-read inside the write transaction --------------------------------------------

# Everything join_problem needs, in one row (the add_member rules plus paused, declined and the programme's status).
JOIN_CHECK = """
MATCH (s:Set {id: $set_id})
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
OPTIONAL MATCH (a)-[old:MEMBER_OF]->(s)
RETURN s.status AS set_status, s.meeting_slot AS slot, a.active AS active, a.paused AS paused, a.capacity AS capacity,
       coalesce(a.availability, []) AS availability,
       COUNT { (a)-[m:MEMBER_OF]->(x:Set) WHERE m.left IS NULL AND x.status <> 'closed' } AS active_sets,
       [(a)-[m:MEMBER_OF]->(x:Set) WHERE m.left IS NULL AND x.status <> 'closed' AND EXISTS { (x)-[:PART_OF]->(p) } | x.id]
         AS sets_in_programme,
       old.joined AS already,
       o.id AS organisation_id,
       CASE WHEN o IS NULL THEN 0
            ELSE COUNT { (s)<-[m:MEMBER_OF]-(:Assessor)-[:WORKS_FOR]->(o) WHERE m.left IS NULL } END AS same_org,
       COUNT { (s)<-[m:MEMBER_OF]-(:Assessor) WHERE m.left IS NULL } AS size,
       p.id AS programme_id, p.status AS programme_status,
       p.max_per_organisation AS max_per_organisation, p.set_size_max AS size_max,
       EXISTS { (a)-[r:ASKED_TO_JOIN]->(s) WHERE r.status = 'declined' } AS declined,
       EXISTS { (a)-[r:ASKED_TO_JOIN]->(s) WHERE r.status = 'requested' } AS pending
"""
ADD_MEMBER = """
MATCH (s:Set {id: $set_id})
MATCH (a:Assessor {id: $assessor_id})
CREATE (a)-[m:MEMBER_OF {role: 'member', joined: $joined}]->(s)
RETURN m.joined AS joined
"""

# -- requests --------------------------------------------------------------------------------------

CREATE_REQUEST = """
MATCH (a:Assessor {id: $assessor_id})
MATCH (s:Set {id: $set_id})
CREATE (a)-[r:ASKED_TO_JOIN]->(s)
SET r = $props
RETURN r.id AS id
"""
DECIDE = """
MATCH (:Assessor)-[r:ASKED_TO_JOIN {id: $id}]->(:Set)
WHERE r.status = 'requested'
SET r.status = $status, r.decided_at = $now, r.decided_by = $decided_by, r.note = $note
RETURN r.id AS id
"""
# One request with the ids it links.
GET_REQUEST = """
MATCH (a:Assessor)-[r:ASKED_TO_JOIN {id: $id}]->(s:Set)
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
RETURN properties(r) AS props, a.id AS assessor_id, s.id AS set_id, p.id AS programme_id
"""
REQUESTS_OF_PROGRAMME = """
MATCH (p:Programme {id: $programme_id})<-[:PART_OF]-(s:Set)<-[r:ASKED_TO_JOIN]-(a:Assessor)
WHERE $status IS NULL OR r.status = $status
RETURN properties(r) AS props, a.id AS assessor_id, s.id AS set_id, p.id AS programme_id
ORDER BY r.requested_at, r.id
"""
REQUESTS_OF_ASSESSOR = """
MATCH (a:Assessor {id: $assessor_id})-[r:ASKED_TO_JOIN]->(s:Set)
WHERE $status IS NULL OR r.status = $status
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
RETURN properties(r) AS props, a.id AS assessor_id, s.id AS set_id, p.id AS programme_id
ORDER BY r.requested_at DESC, r.id
"""
EXISTS_REQUEST = "MATCH (:Assessor)-[r:ASKED_TO_JOIN {id: $id}]->(:Set) RETURN r.id AS id"
EXISTS_PROGRAMME = "MATCH (n:Programme {id: $id}) RETURN n.id AS id"
EXISTS_ASSESSOR = "MATCH (n:Assessor {id: $id}) RETURN n.id AS id"
EXISTS_SET = "MATCH (n:Set {id: $id}) RETURN n.id AS id"

# -- candidate sets ---------------------------------------------------------------------------------

# The hard rules as filters, anchored on the seeker's few relationships (read once into lists) and on the
# programmes' sets (a few hundred); each set's current members are collected once. Most focus themes shared
# with the seeker first, then id.
CANDIDATE_SETS = """
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
WITH a, o,
     [(a)-[:MEMBER_OF]->(x:Set) | x.id] +
     [(a)-[r:ASKED_TO_JOIN]->(x:Set) WHERE r.status IN ['requested', 'declined'] | x.id] AS excluded,
     [(a)-[m:MEMBER_OF]->(x:Set)-[:PART_OF]->(q:Programme) WHERE m.left IS NULL AND x.status <> 'closed' | q.id] AS busy,
     [(a)-[:WORKS_ON]->(t:Theme) | t.id] AS mine,
     coalesce(a.availability, []) AS free
MATCH (p:Programme)<-[:PART_OF]-(s:Set)
WHERE p.status <> 'closed' AND s.status IN ['forming', 'active'] AND NOT p.id IN busy AND NOT s.id IN excluded
  AND (s.meeting_slot IS NULL OR s.meeting_slot IN free)
WITH o, mine, s, p, [(s)<-[m:MEMBER_OF]-(b:Assessor) WHERE m.left IS NULL | b] AS current
WHERE size(current) < p.set_size_max
  AND (o IS NULL OR size([b IN current WHERE EXISTS { (b)-[:WORKS_FOR]->(o) }]) < p.max_per_organisation)
WITH s, size([(s)-[:FOCUSES_ON]->(t:Theme) WHERE t.id IN mine | 1]) AS shared
ORDER BY shared DESC, s.id
LIMIT $limit
RETURN s.id AS id, shared
"""
PROGRAMMES_IN = """
UNWIND $ids AS id
MATCH (p:Programme {id: id})
RETURN properties(p) AS props
"""
# Which of $ids are tied to the seeker: accepted contacts either way, then current or former set-mates
# (two members of a set still forming are not tied yet, as in the sets area's ties).
SEEKER_CONTACT_TIES = """
MATCH (a:Assessor {id: $assessor_id})-[c:CONNECTED_WITH]-(b:Assessor)
WHERE c.status = 'accepted' AND b.id IN $ids
RETURN DISTINCT b.id AS id
"""
SEEKER_SET_TIES = """
MATCH (a:Assessor {id: $assessor_id})-[m1:MEMBER_OF]->(s:Set)<-[m2:MEMBER_OF]-(b:Assessor)
WHERE b.id IN $ids AND b <> a AND (s.status <> 'forming' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
RETURN DISTINCT b.id AS id
"""
SEEKER_STATE = """
MATCH (a:Assessor {id: $assessor_id})
RETURN a.active AS active, a.paused AS paused
"""

# -- open programmes -------------------------------------------------------------------------------

OPEN_PROGRAMMES = """
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
WITH a, coalesce(a.region, o.region) AS region
MATCH (p:Programme)
WHERE p.status = 'open' AND (p.region IS NULL OR p.region = region) AND NOT EXISTS { (a)-[:ENROLLED_IN]->(p) }
RETURN properties(p) AS props
ORDER BY p.id
LIMIT $limit
"""

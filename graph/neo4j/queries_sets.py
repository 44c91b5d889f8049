"""Every Cypher statement of the sets area (programmes, enrolment, sets, memberships and proposals).

Named constants, with ``$parameters`` for every value. Stored shape (see "Sets schema" in
the shared notes): ``(:Programme {id, ..., starts_on, settings})``, ``(:Set {id, name, status,
meeting_slot, cadence, starts_on})-[:PART_OF]->(:Programme)``,
``(:Assessor)-[:ENROLLED_IN {on}]->(:Programme)``, ``(:Assessor)-[:MEMBER_OF {role, joined,
left}]->(:Set)``, ``(:Set)-[:FOCUSES_ON]->(:Theme)`` and ``(:Proposal {id, programme_id,
payload, version, status, created_by, created_at, updated_at, committed_set_ids})-[:FOR]->(:Programme)``.

Concurrency: every write that re-checks capacity or membership first write-locks the
assessors involved in id order (:data:`LOCK_ASSESSORS`, like the core's ``LOCK_PAIR``), so
two transactions touching the same people run one after the other and the second sees what
the first wrote; locking in one global order means they cannot deadlock on those nodes.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones
#: (which already make Programme, Set and Meeting ids unique).
#: No index on Set.status on purpose: with one, the planner answers "(a)-[:MEMBER_OF]->(x:Set) WHERE
#: x.status <> 'closed'" by scanning every set per person instead of expanding from the person (a repair
#: query took 25 s instead of well under one at 20k assessors and 300 sets).
SCHEMA: tuple[str, ...] = ("CREATE CONSTRAINT proposal_id IF NOT EXISTS FOR (n:Proposal) REQUIRE n.id IS UNIQUE",)

# -- locks ----------------------------------------------------------------------------

#: Write-lock the assessors with these ids, in id order (a global order, so no deadlock between two lockers).
LOCK_ASSESSORS = """
MATCH (n:Assessor) WHERE n.id IN $ids
WITH n ORDER BY n.id
SET n._lock = true
REMOVE n._lock
"""
LOCK_SET = """
MATCH (n:Set {id: $id})
SET n._lock = true
REMOVE n._lock
RETURN n.id AS id
"""
LOCK_PROPOSAL = """
MATCH (n:Proposal {id: $id})
SET n._lock = true
REMOVE n._lock
RETURN n.id AS id
"""

# -- programmes -----------------------------------------------------------------------

CREATE_PROGRAMME = "CREATE (n:Programme $props) RETURN n.id AS id"
GET_PROGRAMME = "MATCH (n:Programme {id: $id}) RETURN properties(n) AS props"
UPDATE_PROGRAMME = "MATCH (n:Programme {id: $id}) SET n = $props RETURN n.id AS id"
# A field-level update: lock the programme, read it, then write only the changed properties (see queries.LOCK_ASSESSOR).
LOCK_PROGRAMME = "MATCH (n:Programme {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"
SET_PROGRAMME_FIELDS = "MATCH (n:Programme {id: $id}) SET n += $changes RETURN n.id AS id"
LIST_PROGRAMMES = """
MATCH (n:Programme) USING INDEX n:Programme(id)
WHERE n.id > $after
RETURN properties(n) AS props ORDER BY n.id LIMIT $limit
"""
EXISTS_PROGRAMME = "MATCH (n:Programme {id: $id}) RETURN n.id AS id"
EXISTS_ASSESSOR = "MATCH (n:Assessor {id: $id}) RETURN n.id AS id"
EXISTS_SET = "MATCH (n:Set {id: $id}) RETURN n.id AS id"

# -- enrolment ------------------------------------------------------------------------

# MERGE between two bound nodes locks both ends, so two identical enrolments cannot both create.
ENROL = """
MATCH (a:Assessor {id: $assessor_id})
MATCH (p:Programme {id: $programme_id})
MERGE (a)-[e:ENROLLED_IN]->(p)
ON CREATE SET e.on = $on, e._created = true
WITH e, e._created IS NOT NULL AS created
REMOVE e._created
RETURN created, e.on AS on
"""
UNENROL = """
MATCH (:Assessor {id: $assessor_id})-[e:ENROLLED_IN]->(:Programme {id: $programme_id})
DELETE e
RETURN count(*) AS removed
"""
ENROLMENTS = """
MATCH (:Programme {id: $programme_id})<-[e:ENROLLED_IN]-(a:Assessor)
RETURN a.id AS assessor_id, e.on AS on
ORDER BY assessor_id
"""
ENROLMENTS_OF = """
MATCH (:Assessor {id: $assessor_id})-[e:ENROLLED_IN]->(p:Programme)
RETURN p.id AS programme_id, e.on AS on
ORDER BY programme_id
"""

# One row per pool member: properties, employer and its kind, themes, active set count.
POOL_MEMBERS = """
MATCH (:Programme {id: $programme_id})<-[e:ENROLLED_IN]-(a:Assessor)
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
RETURN properties(a) AS props, o.id AS organisation_id, o.kind AS organisation_kind, e.on AS enrolled_on,
       COUNT { (a)-[m:MEMBER_OF]->(s:Set) WHERE m.left IS NULL AND s.status <> 'closed' } AS active_sets,
       [(a)-[l:WORKS_ON]->(t:Theme) | [t.id, l.level]] AS themes
ORDER BY a.id
"""
# Accepted contacts, then set-mates: current in an active set with both still members, former when
# either left or the set closed (two members of a set still forming are not tied yet).
POOL_TIES = """
MATCH (p:Programme {id: $programme_id})<-[:ENROLLED_IN]-(a:Assessor)-[c:CONNECTED_WITH]-(b:Assessor)-[:ENROLLED_IN]->(p)
WHERE a.id < b.id AND c.status = 'accepted'
RETURN a.id AS a_id, b.id AS b_id, 'contact' AS kind
UNION
MATCH (p:Programme {id: $programme_id})<-[:ENROLLED_IN]-(a:Assessor)-[m1:MEMBER_OF]->(s:Set)
MATCH (s)<-[m2:MEMBER_OF]-(b:Assessor)-[:ENROLLED_IN]->(p)
WHERE a.id < b.id AND (s.status <> 'forming' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
RETURN a.id AS a_id, b.id AS b_id,
       CASE WHEN s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL THEN 'set_mate' ELSE 'former_set_mate' END AS kind
"""

DESCRIBE_MEMBERS = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id}) USING INDEX a:Assessor(id)
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
RETURN properties(a) AS props, o.id AS organisation_id, o.kind AS organisation_kind, null AS enrolled_on,
       COUNT { (a)-[m:MEMBER_OF]->(s:Set) WHERE m.left IS NULL AND s.status <> 'closed' } AS active_sets,
       [(a)-[l:WORKS_ON]->(t:Theme) | [t.id, l.level]] AS themes
ORDER BY a.id
"""
# As POOL_TIES, among a given list of assessors instead of a programme's pool.
TIES_AMONG = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id}) USING INDEX a:Assessor(id)
MATCH (a)-[c:CONNECTED_WITH]-(b:Assessor)
WHERE a.id < b.id AND c.status = 'accepted' AND b.id IN $ids
RETURN a.id AS a_id, b.id AS b_id, 'contact' AS kind
UNION
UNWIND $ids AS id
MATCH (a:Assessor {id: id}) USING INDEX a:Assessor(id)
MATCH (a)-[m1:MEMBER_OF]->(s:Set)<-[m2:MEMBER_OF]-(b:Assessor)
WHERE a.id < b.id AND b.id IN $ids AND (s.status <> 'forming' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
RETURN a.id AS a_id, b.id AS b_id,
       CASE WHEN s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL THEN 'set_mate' ELSE 'former_set_mate' END AS kind
"""

# -- commit ---------------------------------------------------------------------------

# What commit_sets re-checks for each member, read after LOCK_ASSESSORS. Patterns are anchored on the
# person (a few memberships), never on the programme or a set label scan: the programme's open sets
# are read once into a list (see the note on SCHEMA).
COMMIT_CHECK = """
MATCH (p:Programme {id: $programme_id})
WITH p, [(p)<-[:PART_OF]-(x:Set) WHERE x.status <> 'closed' | x.id] AS programme_sets
UNWIND $ids AS id
MATCH (a:Assessor {id: id}) USING INDEX a:Assessor(id)
WITH a, p, programme_sets, [(a)-[m:MEMBER_OF]->(y:Set) WHERE m.left IS NULL AND y.status <> 'closed' | y.id] AS current
RETURN a.id AS id, a.active AS active, a.capacity AS capacity, size(current) AS active_sets,
       EXISTS { (a)-[:ENROLLED_IN]->(p) } AS enrolled,
       [x IN current WHERE x IN programme_sets] AS sets_in_programme
"""
EXISTING_SETS = "UNWIND $ids AS id MATCH (s:Set {id: id}) USING INDEX s:Set(id) RETURN s.id AS id"
EXISTING_THEMES = "UNWIND $ids AS id MATCH (t:Theme {id: id}) USING INDEX t:Theme(id) RETURN t.id AS id"
# Rows: set property maps.
CREATE_SETS = """
MATCH (p:Programme {id: $programme_id})
UNWIND $rows AS row
CREATE (s:Set)
SET s = row
CREATE (s)-[:PART_OF]->(p)
RETURN count(s) AS created
"""
# Rows: [set id, theme id].
CREATE_FOCUS = """
UNWIND $rows AS row
MATCH (s:Set {id: row[0]}) USING INDEX s:Set(id)
MATCH (t:Theme {id: row[1]}) USING INDEX t:Theme(id)
CREATE (s)-[:FOCUSES_ON]->(t)
RETURN count(*) AS created
"""
# Rows: [set id, assessor id].
CREATE_MEMBERSHIPS = """
UNWIND $rows AS row
MATCH (s:Set {id: row[0]}) USING INDEX s:Set(id)
MATCH (a:Assessor {id: row[1]}) USING INDEX a:Assessor(id)
CREATE (a)-[:MEMBER_OF {role: $role, joined: $joined}]->(s)
RETURN count(*) AS created
"""

# -- sets and memberships -------------------------------------------------------------

SET_RECORDS = """
UNWIND $ids AS id
MATCH (s:Set {id: id}) USING INDEX s:Set(id)
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
RETURN properties(s) AS props, p.id AS programme_id,
       [(s)-[:FOCUSES_ON]->(t:Theme) | t.id] AS theme_ids,
       [(a:Assessor)-[m:MEMBER_OF]->(s) | {assessor_id: a.id, role: m.role, joined: m.joined, left: m.left}] AS members
ORDER BY s.id
"""
SET_IDS_OF_PROGRAMME = """
MATCH (:Programme {id: $programme_id})<-[:PART_OF]-(s:Set)
RETURN s.id AS id ORDER BY id
"""
SET_IDS_OF_ASSESSOR = """
MATCH (:Assessor {id: $assessor_id})-[m:MEMBER_OF]->(s:Set)
WHERE NOT $current_only OR (m.left IS NULL AND s.status <> 'closed')
RETURN s.id AS id ORDER BY id
"""
GET_MEMBERSHIP = """
MATCH (a:Assessor {id: $assessor_id})-[m:MEMBER_OF]->(s:Set {id: $set_id})
RETURN m.role AS role, m.joined AS joined, m.left AS left
"""
END_MEMBERSHIP = """
MATCH (:Assessor {id: $assessor_id})-[m:MEMBER_OF]->(:Set {id: $set_id})
WHERE m.left IS NULL
SET m.left = $left
RETURN m.joined AS joined
"""
# What add_member re-checks, in one row (see graph.sets_common.add_member_problem).
ADD_MEMBER_CHECK = """
MATCH (s:Set {id: $set_id})
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
OPTIONAL MATCH (a)-[old:MEMBER_OF]->(s)
RETURN s.status AS set_status, s.meeting_slot AS slot, a.active AS active, a.capacity AS capacity,
       coalesce(a.availability, []) AS availability,
       COUNT { (a)-[m:MEMBER_OF]->(x:Set) WHERE m.left IS NULL AND x.status <> 'closed' } AS active_sets,
       [(a)-[m:MEMBER_OF]->(x:Set) WHERE m.left IS NULL AND x.status <> 'closed' AND EXISTS { (x)-[:PART_OF]->(p) } | x.id]
         AS sets_in_programme,
       old.joined AS already,
       o.id AS organisation_id,
       CASE WHEN o IS NULL THEN 0
            ELSE COUNT { (s)<-[m:MEMBER_OF]-(:Assessor)-[:WORKS_FOR]->(o) WHERE m.left IS NULL } END AS same_org,
       COUNT { (s)<-[m:MEMBER_OF]-(:Assessor) WHERE m.left IS NULL } AS size,
       p.max_per_organisation AS max_per_organisation, p.set_size_max AS size_max
"""
ADD_MEMBER = """
MATCH (s:Set {id: $set_id})
MATCH (a:Assessor {id: $assessor_id})
CREATE (a)-[m:MEMBER_OF {role: $role, joined: $joined}]->(s)
RETURN m.joined AS joined
"""
SET_STATUS = "MATCH (s:Set {id: $id}) SET s.status = $status RETURN s.id AS id"
# A membership never ends before it began: a set closed on the day someone joined ends it that day.
END_CURRENT_MEMBERSHIPS = """
MATCH (:Set {id: $set_id})<-[m:MEMBER_OF]-(:Assessor)
WHERE m.left IS NULL
SET m.left = CASE WHEN m.joined > $on THEN m.joined ELSE $on END
"""
ACTIVE_SET_COUNTS = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id}) USING INDEX a:Assessor(id)
RETURN a.id AS id, COUNT { (a)-[m:MEMBER_OF]->(s:Set) WHERE m.left IS NULL AND s.status <> 'closed' } AS n
"""

# -- vacancy candidates: one literal variant per source ----------------------------------
# The rules of add_member as filters; most focus themes shared with the set first, then id.

# The set's focus themes are read once into a list, and each candidate's themes are expanded from the
# candidate (a handful) rather than from the themes (supernodes of thousands): 30 s -> well under 1 s at 20k.
# Themes are listed only for the candidates kept after ORDER BY ... LIMIT.
VACANCY_FROM_POOL = """
MATCH (s:Set {id: $set_id})-[:PART_OF]->(p:Programme)
WITH s, p,
     [(s)<-[m:MEMBER_OF]-(:Assessor)-[:WORKS_FOR]->(o:Organisation) WHERE m.left IS NULL | o.id] AS member_orgs,
     [(s)-[:FOCUSES_ON]->(t:Theme) | t.id] AS focus,
     [(p)<-[:PART_OF]-(x:Set) WHERE x.status <> 'closed' | x.id] AS programme_sets
MATCH (p)<-[e:ENROLLED_IN]-(a:Assessor)
WHERE a.active = true AND ($slot IS NULL OR $slot IN a.availability)
WITH s, a, e, member_orgs, focus, programme_sets,
     [(a)-[m:MEMBER_OF]->(y:Set) WHERE m.left IS NULL AND y.status <> 'closed' | y.id] AS current
WHERE size(current) < a.capacity AND none(x IN current WHERE x IN programme_sets) AND NOT EXISTS { (a)-[:MEMBER_OF]->(s) }
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
WITH a, o, e, size(current) AS active_sets, size([(a)-[:WORKS_ON]->(t:Theme) WHERE t.id IN focus | 1]) AS shared, member_orgs
WHERE o IS NULL OR size([x IN member_orgs WHERE x = o.id]) < $max_per_organisation
WITH a, o, e, active_sets, shared
ORDER BY shared DESC, a.id
LIMIT $limit
RETURN properties(a) AS props, o.id AS organisation_id, o.kind AS organisation_kind, e.on AS enrolled_on, active_sets,
       [(a)-[l:WORKS_ON]->(t:Theme) | [t.id, l.level]] AS themes
ORDER BY shared DESC, a.id
"""
VACANCY_FROM_NETWORK = """
MATCH (s:Set {id: $set_id})
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
WITH s, p,
     [(s)<-[m:MEMBER_OF]-(:Assessor)-[:WORKS_FOR]->(o:Organisation) WHERE m.left IS NULL | o.id] AS member_orgs,
     [(s)-[:FOCUSES_ON]->(t:Theme) | t.id] AS focus,
     CASE WHEN p IS NULL THEN [] ELSE [(p)<-[:PART_OF]-(x:Set) WHERE x.status <> 'closed' | x.id] END AS programme_sets
MATCH (a:Assessor)
WHERE a.active = true AND a.discoverable = true AND (a.paused = false OR a.paused_until < $today)
  AND ($slot IS NULL OR $slot IN a.availability)
WITH s, p, a, member_orgs, focus, programme_sets,
     [(a)-[m:MEMBER_OF]->(y:Set) WHERE m.left IS NULL AND y.status <> 'closed' | y.id] AS current
WHERE size(current) < a.capacity AND none(x IN current WHERE x IN programme_sets)
  AND NOT EXISTS { (a)-[:MEMBER_OF]->(s) } AND (p IS NULL OR NOT EXISTS { (a)-[:ENROLLED_IN]->(p) })
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
WITH a, o, size(current) AS active_sets, size([(a)-[:WORKS_ON]->(t:Theme) WHERE t.id IN focus | 1]) AS shared, member_orgs
WHERE o IS NULL OR size([x IN member_orgs WHERE x = o.id]) < $max_per_organisation
WITH a, o, active_sets, shared
ORDER BY shared DESC, a.id
LIMIT $limit
RETURN properties(a) AS props, o.id AS organisation_id, o.kind AS organisation_kind, null AS enrolled_on, active_sets,
       [(a)-[l:WORKS_ON]->(t:Theme) | [t.id, l.level]] AS themes
ORDER BY shared DESC, a.id
"""
#: The vacancy query of each candidate source (the only sources a caller may name).
VACANCY_CANDIDATES: dict[str, str] = {"pool": VACANCY_FROM_POOL, "network": VACANCY_FROM_NETWORK}
# issue 17: people a coordinator could enrol, by the filters of the enrolment page
ENROLMENT_CANDIDATES = """
MATCH (a:Assessor)
WHERE a.active = true AND a.discoverable = true AND (coalesce(a.paused, false) = false OR a.paused_until < $today)
  AND NOT EXISTS { (a)-[:ENROLLED_IN]->(:Programme {id: $programme_id}) }
  AND ($slot IS NULL OR $slot IN a.availability)
  AND ($exp_min IS NULL OR a.experience_years >= $exp_min) AND ($exp_max IS NULL OR a.experience_years <= $exp_max)
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
WITH a, o, COUNT { (a)-[m:MEMBER_OF]->(s:Set) WHERE m.left IS NULL AND s.status <> 'closed' } AS active_sets
WHERE ($orgs IS NULL OR o.id IN $orgs) AND ($kinds IS NULL OR o.kind IN $kinds)
  AND ($region IS NULL OR coalesce(a.region, o.region) = $region)
  AND (NOT $not_in_set OR active_sets = 0)
WITH a, o, active_sets
ORDER BY o IS NOT NULL, o.name, a.name, a.id
LIMIT $limit
RETURN properties(a) AS props, o.id AS organisation_id, o.kind AS organisation_kind, null AS enrolled_on, active_sets,
       [(a)-[l:WORKS_ON]->(t:Theme) | [t.id, l.level]] AS themes
"""
SET_PROGRAMME = """
MATCH (s:Set {id: $set_id})
OPTIONAL MATCH (s)-[:PART_OF]->(p:Programme)
RETURN s.meeting_slot AS slot, p.id AS programme_id, p.max_per_organisation AS max_per_organisation
"""

# -- proposals ------------------------------------------------------------------------

SAVE_PROPOSAL = """
MATCH (p:Programme {id: $programme_id})
CREATE (x:Proposal)-[:FOR]->(p)
SET x = $props
RETURN properties(x) AS props
"""
GET_PROPOSAL = "MATCH (x:Proposal {id: $id}) RETURN properties(x) AS props"
UPDATE_PROPOSAL = """
MATCH (x:Proposal {id: $id})
SET x.payload = $payload, x.version = x.version + 1, x.updated_at = $now
RETURN properties(x) AS props
"""
COMMIT_PROPOSAL = """
MATCH (x:Proposal {id: $id})
SET x.status = 'committed', x.version = x.version + 1, x.updated_at = $now, x.committed_set_ids = $set_ids
RETURN x.id AS id
"""
LIST_PROPOSALS = """
MATCH (:Programme {id: $programme_id})<-[:FOR]-(x:Proposal)
RETURN properties(x) AS props
ORDER BY x.created_at DESC, x.id
"""
DELETE_PROPOSAL = """
MATCH (x:Proposal {id: $id})
OPTIONAL MATCH (x)<-[:VERSION_OF]-(v:ProposalVersion)
DETACH DELETE v
WITH DISTINCT x
DETACH DELETE x
RETURN count(*) AS deleted
"""
# issue 17: every version of a proposal kept, listed and restorable
PROPOSAL_EXISTS = "MATCH (x:Proposal {id: $id}) RETURN x.id AS id"
# One round trip (an edit keeps a version every time): whether the proposal is there and the version kept already, and
# the version created when neither stops it; the snapshot is not sent back.
KEEP_VERSION = """
OPTIONAL MATCH (x:Proposal {id: $id})
OPTIONAL MATCH (x)<-[:VERSION_OF]-(old:ProposalVersion {version: $props.version})
FOREACH (_ IN CASE WHEN x IS NOT NULL AND old IS NULL THEN [1] ELSE [] END |
  CREATE (v:ProposalVersion)-[:VERSION_OF]->(x) SET v = $props)
RETURN x IS NOT NULL AS found, old IS NOT NULL AS kept_already
"""
# issue 17: an update checks the state and writes the payload without reading it back (an edit is on the hot path)
LOCK_PROPOSAL_STATE = """
MATCH (n:Proposal {id: $id})
SET n._lock = true
REMOVE n._lock
RETURN n.status AS status, n.version AS version
"""
UPDATE_PROPOSAL_LEAN = """
MATCH (x:Proposal {id: $id})
SET x.payload = $payload, x.version = x.version + 1, x.updated_at = $now
RETURN x {.*, payload: null} AS props
"""
LIST_VERSIONS = """
MATCH (:Proposal {id: $id})<-[:VERSION_OF]-(v:ProposalVersion)
RETURN v.proposal_id AS proposal_id, v.version AS version, v.label AS label, v.made_by AS made_by, v.made_at AS made_at
ORDER BY v.version
"""
GET_VERSION = """
MATCH (:Proposal {id: $id})<-[:VERSION_OF]-(v:ProposalVersion {version: $version})
RETURN properties(v) AS props
"""

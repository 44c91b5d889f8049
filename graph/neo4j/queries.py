"""Every Cypher statement the Neo4j adapter runs, as named constants.

Every value is a ``$parameter``. Where a label must vary, the adapter picks one of
the literal variants from a fixed table below (keyed by :data:`graph.port.LABELS`),
never by formatting input into a query.

Conventions the adapter relies on:

* nodes are written with ``SET n = $props`` (or ``row``), so the stored
  properties are exactly the given map; a ``None`` field is an absent property.
* listings page by id with ``WHERE n.id > $after`` (``$after`` is ``""`` for the
  first page, below every valid id), which the uniqueness constraint's index
  answers in id order without sorting the whole label.
* bulk statements take ``$rows`` and return one row per outcome
  (``created`` / ``updated`` / ``unchanged``) with how many input rows had it,
  so the driver never streams per-row results back.
* lookups by id that run once per ``UNWIND`` row carry ``USING INDEX`` hints.
  Neo4j caches a plan made while a label was still empty, and without the hint
  that plan may scan the whole label once per row: the stored-reverse-contact
  check once took 74 s instead of 0.3 s for 30,000 rows that way.
"""

from __future__ import annotations

# -- schema (ensure_schema) ------------------------------------------------------
# Neo4j Community accepts uniqueness constraints and indexes only (no existence or
# type constraints). A uniqueness constraint also gives the id lookup index.

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT organisation_id IF NOT EXISTS FOR (n:Organisation) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT assessor_id IF NOT EXISTS FOR (n:Assessor) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT theme_id IF NOT EXISTS FOR (n:Theme) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT programme_id IF NOT EXISTS FOR (n:Programme) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT set_id IF NOT EXISTS FOR (n:Set) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT meeting_id IF NOT EXISTS FOR (n:Meeting) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (n:User) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX assessor_email IF NOT EXISTS FOR (n:Assessor) ON (n.email)",
    "CREATE INDEX assessor_region IF NOT EXISTS FOR (n:Assessor) ON (n.region)",
    "CREATE INDEX organisation_region IF NOT EXISTS FOR (n:Organisation) ON (n.region)",
)

#: Wait (at most ``$seconds``) until every index is online, so the first bulk load uses them.
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

PING = "RETURN 1 AS ok"

#: Test isolation only: fine for test-sized graphs, one transaction.
WIPE = "MATCH (n) DETACH DELETE n"

# -- nodes, one literal variant per label ----------------------------------------

CREATE_ORGANISATION = "CREATE (n:Organisation $props) RETURN n.id AS id"
CREATE_THEME = "CREATE (n:Theme $props) RETURN n.id AS id"
CREATE_ASSESSOR = "CREATE (n:Assessor $props) RETURN n.id AS id"

GET_ORGANISATION = "MATCH (n:Organisation {id: $id}) RETURN properties(n) AS props"
GET_THEME = "MATCH (n:Theme {id: $id}) RETURN properties(n) AS props"
GET_ASSESSOR = "MATCH (n:Assessor {id: $id}) RETURN properties(n) AS props"

UPDATE_ORGANISATION = "MATCH (n:Organisation {id: $id}) SET n = $props RETURN n.id AS id"
UPDATE_THEME = "MATCH (n:Theme {id: $id}) SET n = $props RETURN n.id AS id"
UPDATE_ASSESSOR = "MATCH (n:Assessor {id: $id}) SET n = $props RETURN n.id AS id"

# Field-level updates: take the node's write lock first (a property set and removed again), so the
# read that follows and the write of the changed properties are never interleaved with another
# update of the same node; then `SET n += $changes` writes only those (a null removes a property).
LOCK_ORGANISATION = "MATCH (n:Organisation {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"
LOCK_THEME = "MATCH (n:Theme {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"
LOCK_ASSESSOR = "MATCH (n:Assessor {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"

SET_ORGANISATION_FIELDS = "MATCH (n:Organisation {id: $id}) SET n += $changes RETURN n.id AS id"
SET_THEME_FIELDS = "MATCH (n:Theme {id: $id}) SET n += $changes RETURN n.id AS id"
SET_ASSESSOR_FIELDS = "MATCH (n:Assessor {id: $id}) SET n += $changes RETURN n.id AS id"

# An organisation is deleted only while nobody works for it; `staff` says how many do.
DELETE_ORGANISATION = """
MATCH (n:Organisation {id: $id})
OPTIONAL MATCH (n)<-[w:WORKS_FOR]-(:Assessor)
WITH n, count(w) AS staff
FOREACH (_ IN CASE WHEN staff = 0 THEN [1] ELSE [] END | DETACH DELETE n)
RETURN staff
"""
DELETE_THEME = "MATCH (n:Theme {id: $id}) DETACH DELETE n RETURN count(*) AS deleted"
DELETE_ASSESSOR = "MATCH (n:Assessor {id: $id}) DETACH DELETE n RETURN count(*) AS deleted"

LIST_ORGANISATIONS = """
MATCH (n:Organisation) USING INDEX n:Organisation(id)
WHERE n.id > $after
RETURN properties(n) AS props ORDER BY n.id LIMIT $limit
"""
LIST_THEMES = """
MATCH (n:Theme) USING INDEX n:Theme(id)
WHERE n.id > $after
RETURN properties(n) AS props ORDER BY n.id LIMIT $limit
"""
LIST_ASSESSORS = """
MATCH (n:Assessor) USING INDEX n:Assessor(id)
WHERE n.id > $after
RETURN properties(n) AS props ORDER BY n.id LIMIT $limit
"""
LIST_ASSESSORS_OF_ORGANISATION = """
MATCH (:Organisation {id: $organisation_id})<-[:WORKS_FOR]-(n:Assessor)
WHERE n.id > $after
RETURN properties(n) AS props ORDER BY n.id LIMIT $limit
"""
#: Assessors whose name or email contains $text (lower case), working for one of $orgs (null: anyone), in $region.
FIND_ASSESSORS = """
MATCH (n:Assessor) WHERE n.id > $after
  AND ($text IS NULL OR toLower(n.name) CONTAINS $text OR toLower(coalesce(n.email, '')) CONTAINS $text)
OPTIONAL MATCH (n)-[:WORKS_FOR]->(o:Organisation)
WITH n, o WHERE ($orgs IS NULL OR o.id IN $orgs) AND ($region IS NULL OR coalesce(n.region, o.region) = $region)
RETURN properties(n) AS props ORDER BY n.id LIMIT $limit
"""

EXISTS_ORGANISATION = "MATCH (n:Organisation {id: $id}) RETURN n.id AS id"
EXISTS_THEME = "MATCH (n:Theme {id: $id}) RETURN n.id AS id"
EXISTS_ASSESSOR = "MATCH (n:Assessor {id: $id}) RETURN n.id AS id"

EXISTING_ORGANISATIONS = "UNWIND $ids AS id MATCH (n:Organisation {id: id}) USING INDEX n:Organisation(id) RETURN n.id AS id"
EXISTING_THEMES = "UNWIND $ids AS id MATCH (n:Theme {id: id}) USING INDEX n:Theme(id) RETURN n.id AS id"
EXISTING_ASSESSORS = "UNWIND $ids AS id MATCH (n:Assessor {id: id}) USING INDEX n:Assessor(id) RETURN n.id AS id"

#: Which of ``$ids`` exist, by label (the only labels a caller may name).
EXISTING_IDS: dict[str, str] = {
    "Organisation": EXISTING_ORGANISATIONS,
    "Theme": EXISTING_THEMES,
    "Assessor": EXISTING_ASSESSORS,
}
EXISTS: dict[str, str] = {
    "Organisation": EXISTS_ORGANISATION,
    "Theme": EXISTS_THEME,
    "Assessor": EXISTS_ASSESSOR,
}

# -- WORKS_FOR ------------------------------------------------------------------

# Replaces any earlier employer: an assessor has at most one.
SET_EMPLOYER = """
MATCH (a:Assessor {id: $assessor_id})
MATCH (o:Organisation {id: $organisation_id})
OPTIONAL MATCH (a)-[old:WORKS_FOR]->()
DELETE old
WITH DISTINCT a, o
CREATE (a)-[r:WORKS_FOR]->(o)
SET r = $props
RETURN r.since AS since
"""
GET_EMPLOYMENT = """
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (a)-[r:WORKS_FOR]->(o:Organisation)
RETURN o.id AS organisation_id, r.since AS since
ORDER BY organisation_id
LIMIT 1
"""
CLEAR_EMPLOYER = """
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (a)-[r:WORKS_FOR]->()
DELETE r
RETURN count(*) AS found
"""

# -- WORKS_ON -------------------------------------------------------------------

SET_THEME = """
MATCH (a:Assessor {id: $assessor_id})
MATCH (t:Theme {id: $theme_id})
MERGE (a)-[r:WORKS_ON]->(t)
SET r = $props
RETURN r.level AS level
"""
REMOVE_THEME = """
MATCH (:Assessor {id: $assessor_id})-[r:WORKS_ON]->(:Theme {id: $theme_id})
DELETE r
RETURN count(*) AS removed
"""
THEME_LINKS = """
MATCH (a:Assessor {id: $assessor_id})
OPTIONAL MATCH (a)-[r:WORKS_ON]->(t:Theme)
RETURN t.id AS theme_id, r.level AS level
ORDER BY theme_id
"""

# -- contacts and declines ------------------------------------------------------

# Both ends, and any contact or decline between them (either direction).
# Write-lock both assessors (in id order, so two transactions cannot deadlock) before a contact
# is checked and changed: two opposite requests at the same moment then run one after the other.
LOCK_PAIR = """
MATCH (n:Assessor) WHERE n.id IN [$from_id, $to_id]
WITH n ORDER BY n.id
SET n._lock = true
REMOVE n._lock
"""
CONTACT_STATE = """
OPTIONAL MATCH (a:Assessor {id: $from_id})
OPTIONAL MATCH (b:Assessor {id: $to_id})
OPTIONAL MATCH (a)-[c:CONNECTED_WITH]-(b)
OPTIONAL MATCH (a)-[d:DECLINED]-(b)
RETURN a IS NOT NULL AS has_from, b IS NOT NULL AS has_to,
       startNode(c).id AS contact_from, endNode(c).id AS contact_to, c.status AS contact_status,
       startNode(d).id AS declined_by, endNode(d).id AS declined_other
LIMIT 1
"""
CREATE_CONTACT = """
MATCH (a:Assessor {id: $from_id})
MATCH (b:Assessor {id: $to_id})
CREATE (a)-[r:CONNECTED_WITH]->(b)
SET r = $props
RETURN r.status AS status
"""
GET_CONTACT = """
MATCH (:Assessor {id: $from_id})-[r:CONNECTED_WITH]->(:Assessor {id: $to_id})
RETURN r.status AS status, r.since AS since, r.via AS via
LIMIT 1
"""
ACCEPT_CONTACT = """
MATCH (:Assessor {id: $from_id})-[r:CONNECTED_WITH]->(:Assessor {id: $to_id})
WHERE r.status = 'requested'
SET r.status = 'accepted', r.since = $since
RETURN r.via AS via
"""
# The request goes; a DECLINED tie from the one asked to the one who asked stays (the first one kept).
WITHDRAW_CONTACT = """
OPTIONAL MATCH (:Assessor {id: $from_id})-[r:CONNECTED_WITH {status: 'requested'}]->(:Assessor {id: $to_id})
DELETE r
RETURN count(r) AS withdrawn
"""
DECLINE_CONTACT = """
MATCH (a:Assessor {id: $from_id})-[r:CONNECTED_WITH]->(b:Assessor {id: $to_id})
WHERE r.status = 'requested'
DELETE r
MERGE (b)-[d:DECLINED]->(a)
ON CREATE SET d.since = $since
RETURN d.since AS since
"""
DECLINE_SUGGESTION = """
MATCH (a:Assessor {id: $by_id})
MATCH (b:Assessor {id: $other_id})
MERGE (a)-[d:DECLINED]->(b)
ON CREATE SET d.since = $since
RETURN d.since AS since
"""
CONTACTS_OF = """
MATCH (a:Assessor {id: $assessor_id})-[r:CONNECTED_WITH]-(:Assessor)
WHERE $status IS NULL OR r.status = $status
WITH startNode(r) AS f, endNode(r) AS t, r
RETURN f.id AS from_id, t.id AS to_id, r.status AS status, r.since AS since, r.via AS via
ORDER BY from_id, to_id
"""
DECLINES_OF = """
MATCH (:Assessor {id: $assessor_id})-[d:DECLINED]-(:Assessor)
RETURN startNode(d).id AS by_id, endNode(d).id AS other_id, d.since AS since
ORDER BY by_id, other_id
"""

# -- bulk upsert ----------------------------------------------------------------
# One statement per kind and batch, all inside one write transaction. Each row's
# outcome is decided against what is stored *before* writing, and unchanged rows
# are not written at all, so re-importing the same bundle writes nothing.
# Nodes are found by their unique id (index seek); relationships MATCH both ends
# by id, so every row costs two index seeks and an expand between two bound
# nodes: no label scans, no cartesian products.

UPSERT_ORGANISATIONS = """
UNWIND $rows AS row
OPTIONAL MATCH (old:Organisation {id: row.id}) USING INDEX old:Organisation(id)
WITH row, old, CASE WHEN old IS NULL THEN 'created' WHEN properties(old) = row THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END | MERGE (n:Organisation {id: row.id}) SET n = row)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET old = row)
RETURN outcome, count(*) AS rows
"""
UPSERT_THEMES = """
UNWIND $rows AS row
OPTIONAL MATCH (old:Theme {id: row.id}) USING INDEX old:Theme(id)
WITH row, old, CASE WHEN old IS NULL THEN 'created' WHEN properties(old) = row THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END | MERGE (n:Theme {id: row.id}) SET n = row)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET old = row)
RETURN outcome, count(*) AS rows
"""
UPSERT_ASSESSORS = """
UNWIND $rows AS row
OPTIONAL MATCH (old:Assessor {id: row.id}) USING INDEX old:Assessor(id)
WITH row, old, CASE WHEN old IS NULL THEN 'created' WHEN properties(old) = row THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END | MERGE (n:Assessor {id: row.id}) SET n = row)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET old = row)
RETURN outcome, count(*) AS rows
"""
# Relationship rows are lists, [from id, to id, properties], because the driver packs a
# list noticeably faster than a map; the first line names the fields again.
# Keyed by the assessor (one employer at most): a different employer or date replaces the tie.
UPSERT_EMPLOYMENTS = """
UNWIND $rows AS row
WITH row[0] AS assessor_id, row[1] AS organisation_id, row[2] AS props
MATCH (a:Assessor {id: assessor_id}) USING INDEX a:Assessor(id)
MATCH (o:Organisation {id: organisation_id}) USING INDEX o:Organisation(id)
OPTIONAL MATCH (a)-[old:WORKS_FOR]->(cur:Organisation)
WITH a, o, props, old,
     CASE WHEN old IS NULL THEN 'created' WHEN cur = o AND properties(old) = props THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | DELETE old)
FOREACH (_ IN CASE WHEN outcome = 'unchanged' THEN [] ELSE [1] END | CREATE (a)-[r:WORKS_FOR]->(o) SET r = props)
RETURN outcome, count(*) AS rows
"""
# Row: [assessor id, theme id, level].
UPSERT_THEME_LINKS = """
UNWIND $rows AS row
WITH row[0] AS assessor_id, row[1] AS theme_id, {level: row[2]} AS props
MATCH (a:Assessor {id: assessor_id}) USING INDEX a:Assessor(id)
MATCH (t:Theme {id: theme_id}) USING INDEX t:Theme(id)
OPTIONAL MATCH (a)-[old:WORKS_ON]->(t)
WITH a, t, props, old,
     CASE WHEN old IS NULL THEN 'created' WHEN properties(old) = props THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END | MERGE (a)-[r:WORKS_ON]->(t) SET r = props)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET old = props)
RETURN outcome, count(*) AS rows
"""
UPSERT_CONTACTS = """
UNWIND $rows AS row
WITH row[0] AS from_id, row[1] AS to_id, row[2] AS props
MATCH (a:Assessor {id: from_id}) USING INDEX a:Assessor(id)
MATCH (b:Assessor {id: to_id}) USING INDEX b:Assessor(id)
OPTIONAL MATCH (a)-[old:CONNECTED_WITH]->(b)
WITH a, b, props, old,
     CASE WHEN old IS NULL THEN 'created' WHEN properties(old) = props THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END | MERGE (a)-[r:CONNECTED_WITH]->(b) SET r = props)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET old = props)
RETURN outcome, count(*) AS rows
"""
#: Bundle contact rows (``[from, to]``) whose reverse (to → from) is already stored.
STORED_REVERSE_CONTACTS = """
UNWIND $rows AS row
WITH row[0] AS from_id, row[1] AS to_id
MATCH (b:Assessor {id: to_id})-[:CONNECTED_WITH]->(a:Assessor {id: from_id})
USING INDEX a:Assessor(id)
RETURN from_id, to_id
"""

#: The upsert statement of each bundle kind.
UPSERT: dict[str, str] = {
    "organisations": UPSERT_ORGANISATIONS,
    "themes": UPSERT_THEMES,
    "assessors": UPSERT_ASSESSORS,
    "employments": UPSERT_EMPLOYMENTS,
    "theme_links": UPSERT_THEME_LINKS,
    "contacts": UPSERT_CONTACTS,
}

# -- export and counts ----------------------------------------------------------

EXPORT_ORGANISATIONS = "MATCH (n:Organisation) RETURN properties(n) AS props ORDER BY n.id"
EXPORT_THEMES = "MATCH (n:Theme) RETURN properties(n) AS props ORDER BY n.id"
EXPORT_ASSESSORS = "MATCH (n:Assessor) RETURN properties(n) AS props ORDER BY n.id"
EXPORT_EMPLOYMENTS = """
MATCH (a:Assessor)-[r:WORKS_FOR]->(o:Organisation)
RETURN a.id AS assessor_id, o.id AS organisation_id, r.since AS since
ORDER BY assessor_id, organisation_id
"""
EXPORT_THEME_LINKS = """
MATCH (a:Assessor)-[r:WORKS_ON]->(t:Theme)
RETURN a.id AS assessor_id, t.id AS theme_id, r.level AS level
ORDER BY assessor_id, theme_id
"""
EXPORT_CONTACTS = """
MATCH (a:Assessor)-[r:CONNECTED_WITH]->(b:Assessor)
RETURN a.id AS from_id, b.id AS to_id, r.status AS status, r.since AS since, r.via AS via
ORDER BY from_id, to_id
"""

# Counts come from Neo4j's count store (one label, or one type with unlabelled ends).
COUNTS = """
RETURN COUNT { (:Organisation) } AS organisations,
       COUNT { (:Theme) } AS themes,
       COUNT { (:Assessor) } AS assessors,
       COUNT { ()-[:WORKS_FOR]->() } AS employments,
       COUNT { ()-[:WORKS_ON]->() } AS theme_links,
       COUNT { ()-[:CONNECTED_WITH]->() } AS contacts
"""

ACCEPTED_CONTACTS = "RETURN COUNT { ()-[:CONNECTED_WITH {status: 'accepted'}]->() } AS n"

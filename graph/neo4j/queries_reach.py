"""Every Cypher statement of the reach area (isolation and reach figures).

Named constants, with ``$parameters`` for every value. Definitions are those of
:mod:`network.reach`; the embedded adapter's SQL (``graph/embedded/reach.py``) computes the
same numbers, which the contract suite checks.

A *tie hop* from an assessor ``a`` is either an accepted ``CONNECTED_WITH`` (either direction)
or two ``MEMBER_OF`` relationships through an ``active`` Set, both without ``left``. Since one
hop is one relationship of one kind or two of another, reach within two hops is written as two
bounded expansions with ``DISTINCT`` in between rather than one variable-length pattern: each
assessor is expanded once however many paths lead to them, which keeps the work linear in the
ties around an organisation instead of in the number of paths.

Set nodes are matched without their label when reached from an assessor (``(a)-[:MEMBER_OF]->(s)
WHERE s.status = 'active'``): with the label and a status predicate the planner seeks the
``Set(status)`` index and probes every active set for each assessor (a million db hits for one
large organisation) instead of following the assessor's few memberships. A MEMBER_OF relationship
only ever ends at a Set.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
#: Reach only reads; the core and sets constraints on ``id`` are the indexes it seeks by.
SCHEMA: tuple[str, ...] = ()

GET_ORGANISATION = "MATCH (o:Organisation {id: $id}) RETURN o.id AS id, o.name AS name, o.kind AS kind, o.region AS region"

ACTIVE = "MATCH (a:Assessor) WHERE a.active RETURN a.id AS id"

ACTIVE_OF_ORGANISATION = "MATCH (:Organisation {id: $organisation_id})<-[:WORKS_FOR]-(a:Assessor) WHERE a.active RETURN a.id AS id"

NAMES = "UNWIND $ids AS id MATCH (a:Assessor {id: id}) RETURN a.id AS id, a.name AS name"

#: Isolation of the assessors in ``$ids``: tied out of their organisation, sole there, employed
#: since, and when their last former cross-organisation tie ended. ``$only_isolated`` keeps the isolated.
ISOLATION = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id})
OPTIONAL MATCH (a)-[w:WORKS_FOR]->(o:Organisation)
WITH a, w, o,
     a.active AND (
       EXISTS {
         MATCH (a)-[:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor)
         WHERE b.active AND (o IS NULL OR NOT EXISTS { (b)-[:WORKS_FOR]->(o) })
       }
       OR EXISTS {
         MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
         WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND b <> a AND b.active
           AND (o IS NULL OR NOT EXISTS { (b)-[:WORKS_FOR]->(o) })
       }
     ) AS tied_out
WHERE NOT ($only_isolated AND tied_out)
CALL (a, o) {
  OPTIONAL MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
  WHERE b <> a AND s.status IN ['active', 'closed']
    AND (s.status = 'closed' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
    AND (o IS NULL OR NOT EXISTS { (b)-[:WORKS_FOR]->(o) })
  WITH m1.left AS l1, m2.left AS l2,
       CASE WHEN m1.joined IS NULL OR m2.joined IS NULL THEN null
            WHEN m1.joined >= m2.joined THEN m1.joined ELSE m2.joined END AS started
  WITH started,
       CASE WHEN l1 IS NULL AND l2 IS NULL THEN started
            WHEN l1 IS NULL THEN l2
            WHEN l2 IS NULL THEN l1
            WHEN l1 <= l2 THEN l1 ELSE l2 END AS ended
  WHERE ended IS NOT NULL AND started <= ended
  RETURN max(ended) AS ended
}
RETURN a.id AS id, a.name AS name, o.id AS organisation_id, tied_out,
       o IS NOT NULL AND NOT EXISTS { MATCH (o)<-[:WORKS_FOR]-(x:Assessor) WHERE x <> a AND x.active } AS sole,
       w.since AS since, ended
"""

#: The organisation's active assessors, each with whether they are a current member of an active set.
MEMBERS = """
MATCH (:Organisation {id: $organisation_id})<-[:WORKS_FOR]-(a:Assessor)
WHERE a.active
RETURN a.id AS id, EXISTS { MATCH (a)-[m:MEMBER_OF]->(s) WHERE m.left IS NULL AND s.status = 'active' } AS in_set
"""

#: What the organisation's assessors reach, in one pass over their ties. Rows by ``kind``:
#: ``organisation`` (key, name, region, ties, how many of ours hold them, the smallest such id) per other
#: organisation tied to directly; ``region`` (key, via, sole) per region other than its own; ``tied``
#: (key) per assessor of ours with a cross tie; and, when ``$hops`` is 2, ``two`` (key, name, region)
#: per other organisation reached through one intermediate assessor (of any organisation).
REACH = """
MATCH (o:Organisation {id: $organisation_id})<-[:WORKS_FOR]-(a:Assessor)
WHERE a.active
CALL (a) {
  MATCH (a)-[:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor)
  RETURN b
  UNION
  MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
  WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND b <> a
  RETURN b
}
WITH o, a, b WHERE b.active
OPTIONAL MATCH (b)-[:WORKS_FOR]->(p:Organisation)
WITH o,
     collect(DISTINCT b) AS near,
     collect(CASE WHEN p IS NULL OR p <> o THEN
       {a: a.id, org: p.id, name: p.name, org_region: p.region, region: coalesce(p.region, b.region)} END) AS rows
CALL (o, near, rows) {
  UNWIND rows AS r
  WITH r WHERE r.org IS NOT NULL
  RETURN 'organisation' AS kind, r.org AS key, r.name AS name, r.org_region AS region,
         count(*) AS ties, count(DISTINCT r.a) AS via, min(r.a) AS sole
  UNION ALL
  UNWIND rows AS r
  WITH r WHERE r.region IS NOT NULL AND r.region <> o.region
  RETURN 'region' AS kind, r.region AS key, null AS name, null AS region, null AS ties, count(DISTINCT r.a) AS via, min(r.a) AS sole
  UNION ALL
  UNWIND rows AS r
  RETURN DISTINCT 'tied' AS kind, r.a AS key, null AS name, null AS region, null AS ties, null AS via, null AS sole
  UNION ALL
  UNWIND near AS b
  WITH o, b WHERE $hops = 2
  CALL (b) {
    MATCH (b)-[:CONNECTED_WITH {status: 'accepted'}]-(c:Assessor)
    RETURN c
    UNION
    MATCH (b)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(c:Assessor)
    WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND c <> b
    RETURN c
  }
  WITH DISTINCT o, c WHERE c.active
  MATCH (c)-[:WORKS_FOR]->(p:Organisation)
  WHERE p <> o
  RETURN DISTINCT 'two' AS kind, p.id AS key, p.name AS name, p.region AS region, null AS ties, null AS via, null AS sole
}
RETURN kind, key, name, region, ties, via, sole
"""

#: How many of the organisation's active assessors it had at the end of each month of ``$months``
#: (maps ``{m: first day, d: last day}``): those who joined (``WORKS_FOR.since``) by then, or at an unknown date.
HISTORY_STAFF = """
MATCH (o:Organisation {id: $organisation_id})
OPTIONAL MATCH (o)<-[w:WORKS_FOR]-(a:Assessor)
WHERE a.active
WITH collect(w.since) AS joined, count(a) AS staff
UNWIND $months AS month
RETURN month.m AS month, staff - size([j IN joined WHERE j > month.d]) AS assessors
"""

#: Per month of ``$months`` with any: the organisation's assessors with a cross tie then, those ties,
#: and the organisations they reached (each tie held from its start to its end; everyone in no
#: organisation before their ``WORKS_FOR.since``).
HISTORY_TIES = """
MATCH (o:Organisation {id: $organisation_id})<-[w:WORKS_FOR]-(a:Assessor)
WHERE a.active
CALL (a) {
  MATCH (a)-[c:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor)
  RETURN b, c.since AS started, null AS ended
  UNION ALL
  MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
  WHERE b <> a AND (s.status = 'active' OR (s.status = 'closed' AND (m1.left IS NOT NULL OR m2.left IS NOT NULL)))
  RETURN b,
         CASE WHEN m1.joined IS NULL OR m2.joined IS NULL THEN null
              WHEN m1.joined >= m2.joined THEN m1.joined ELSE m2.joined END AS started,
         CASE WHEN m1.left IS NULL THEN m2.left
              WHEN m2.left IS NULL THEN m1.left
              WHEN m1.left <= m2.left THEN m1.left ELSE m2.left END AS ended
}
WITH o, a, w.since AS a_since, b, started, ended WHERE b.active
OPTIONAL MATCH (b)-[wb:WORKS_FOR]->(p:Organisation)
WITH o.id AS home, a.id AS a, a_since, b.id AS b, started, ended, p.id AS b_org, wb.since AS b_since
UNWIND $months AS month
WITH home, month, a, b, CASE WHEN b_since IS NULL OR b_since <= month.d THEN b_org END AS b_org
WHERE (a_since IS NULL OR a_since <= month.d)
  AND (started IS NULL OR started <= month.d)
  AND (ended IS NULL OR ended > month.d)
WITH month, a, b, b_org WHERE b_org IS NULL OR b_org <> home
RETURN month.m AS month, count(DISTINCT a) AS tied, count(DISTINCT a + '|' + b) AS ties, count(DISTINCT b_org) AS orgs
"""

#: The sparse tie matrix: every tie once (two active assessors), counted per pair of organisations.
ORGANISATION_TIES = """
CALL () {
  MATCH (a:Assessor)-[:CONNECTED_WITH {status: 'accepted'}]->(b:Assessor)
  WHERE a.active AND b.active
  RETURN CASE WHEN a.id < b.id THEN a ELSE b END AS x, CASE WHEN a.id < b.id THEN b ELSE a END AS y
  UNION
  MATCH (a:Assessor)-[m1:MEMBER_OF]->(:Set {status: 'active'})<-[m2:MEMBER_OF]-(b:Assessor)
  WHERE m1.left IS NULL AND m2.left IS NULL AND a.id < b.id AND a.active AND b.active
  RETURN a AS x, b AS y
}
MATCH (x)-[:WORKS_FOR]->(ox:Organisation), (y)-[:WORKS_FOR]->(oy:Organisation)
WITH CASE WHEN ox.id <= oy.id THEN ox.id ELSE oy.id END AS o1, CASE WHEN ox.id <= oy.id THEN oy.id ELSE ox.id END AS o2
RETURN o1, o2, count(*) AS ties
ORDER BY o1, o2
"""

#: Per organisation: active assessors, isolated ones, those in an active set.
ORGANISATION_FIGURES = """
MATCH (o:Organisation)
OPTIONAL MATCH (o)<-[:WORKS_FOR]-(a:Assessor)
WHERE a.active
WITH o, a,
     a IS NOT NULL AND NOT (
       EXISTS {
         MATCH (a)-[:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor)
         WHERE b.active AND NOT EXISTS { (b)-[:WORKS_FOR]->(o) }
       }
       OR EXISTS {
         MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
         WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND b <> a AND b.active AND NOT EXISTS { (b)-[:WORKS_FOR]->(o) }
       }
     ) AS isolated,
     a IS NOT NULL AND EXISTS { MATCH (a)-[m:MEMBER_OF]->(s) WHERE m.left IS NULL AND s.status = 'active' } AS in_set
RETURN o.id AS id, o.name AS name, o.region AS region, count(a) AS assessors,
       count(CASE WHEN isolated THEN 1 END) AS isolated, count(CASE WHEN in_set THEN 1 END) AS in_set
ORDER BY id
"""

#: Active assessors without an employer: how many, and how many of them are isolated (have no tie at all).
WITHOUT_ORGANISATION = """
MATCH (a:Assessor)
WHERE a.active AND NOT EXISTS { (a)-[:WORKS_FOR]->(:Organisation) }
RETURN count(a) AS assessors,
       count(CASE WHEN NOT (
         EXISTS { MATCH (a)-[:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor) WHERE b.active }
         OR EXISTS {
           MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
           WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND b <> a AND b.active
         }
       ) THEN 1 END) AS isolated
"""

#: The assessors in ``$ids`` as a what-if needs them.
PEOPLE = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id})
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
RETURN a.id AS id, a.name AS name, a.active AS active, o.id AS organisation_id
"""

#: Pairs among the assessors in ``$ids`` that are tied already (both active), smaller id first.
TIED_AMONG = """
UNWIND $ids AS id
MATCH (a:Assessor {id: id})
WHERE a.active
CALL (a) {
  MATCH (a)-[:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor)
  RETURN b
  UNION
  MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
  WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND b <> a
  RETURN b
}
WITH a, b WHERE b.active AND b.id IN $ids AND a.id < b.id
RETURN DISTINCT a.id AS x, b.id AS y
"""

#: The map of an organisation, as three lists of ids: ``own`` (its active assessors), ``near`` (the
#: active discoverable assessors of other organisations, or of none, tied to them) and ``far`` (those
#: tied to the latter; people in ``near`` come again, the adapter keeps the fewest hops). The second
#: hop goes only through ``near``. Each assessor is expanded once (``DISTINCT`` between the hops), and
#: only ids leave the server: names and organisations are read for the people kept (``PEOPLE``).
MAP_PEOPLE = """
MATCH (o:Organisation {id: $organisation_id})
OPTIONAL MATCH (o)<-[:WORKS_FOR]-(a:Assessor)
WHERE a.active
WITH o, collect(a) AS own
CALL (o, own) {
  UNWIND own AS a
  CALL (a) {
    MATCH (a)-[:CONNECTED_WITH {status: 'accepted'}]-(b:Assessor)
    RETURN b
    UNION
    MATCH (a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(b:Assessor)
    WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND b <> a
    RETURN b
  }
  WITH DISTINCT o, b
  WHERE b.active AND b.discoverable AND NOT EXISTS { (b)-[:WORKS_FOR]->(o) }
  RETURN collect(b) AS near
}
CALL (o, near) {
  UNWIND near AS b
  CALL (b) {
    MATCH (b)-[:CONNECTED_WITH {status: 'accepted'}]-(c:Assessor)
    RETURN c
    UNION
    MATCH (b)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(c:Assessor)
    WHERE s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL AND c <> b
    RETURN c
  }
  WITH DISTINCT o, c
  WHERE c.active AND c.discoverable AND NOT EXISTS { (c)-[:WORKS_FOR]->(o) }
  RETURN collect(c.id) AS far
}
RETURN [x IN own | x.id] AS own, [x IN near | x.id] AS near, far
"""

#: The organisations in ``$ids``.
ORGANISATIONS = """
UNWIND $ids AS id
MATCH (o:Organisation {id: id})
RETURN o.id AS id, o.name AS name, o.kind AS kind, o.region AS region
"""

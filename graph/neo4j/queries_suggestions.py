"""Every Cypher statement of the suggestions area (suggestion candidates, graph features, contact cards).

Named constants, with ``$parameters`` for every value. Lookups by id that run once per
``UNWIND`` row carry ``USING INDEX`` hints (see :mod:`graph.neo4j.queries` for why). Set
patterns leave the ``:Set`` label off on purpose (``MEMBER_OF`` only ever points at a set):
with it, the planner may start from the index on ``Set.status`` and scan every active set
for each person instead of expanding that person's few memberships.
Availability overlap is tested on the stored ``availability_mask`` (bit i = slot i of
:data:`network.availability.SLOTS`). Cypher has no bitwise operators, so ``$powers`` holds
``2 ** i`` for each of the seeker's slots and ``(mask / 2 ** i) % 2 = 1`` tests bit i (integer
arithmetic); an integer property is also cheaper to read than the slot list.

A candidate is kept (:func:`network.suggestions.eligible`) when they are discoverable, not
paused, active, not the seeker, not in ``$excluded`` (contacts, declines and current
set-mates of the seeker), not working for ``$organisation_id`` (the seeker's, or '') and,
when ``$require_common`` is true, free at one of the seeker's slots at least.

"Not paused" is written ``(coalesce(a.paused, false) = false OR a.paused_until < $today)``
(``$today``: the UK date, one parameter): measured on the 20,000-assessor demo, the equivalent
``NOT (paused AND coalesce(paused_until >= $today, true))`` kept the planner on a plan with a
p95 of 110 ms instead of 19 ms.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

# Everything about the seeker in one read: the network size (from the count store), profile,
# employer, themes with how many work on each (a node's degree, not an expansion), peers with
# whether each is a tie, their employer and whether they are active, and everyone with a contact
# or decline either way.
SEEKER = """
MATCH (n:Assessor)
WITH count(n) AS size
MATCH (a:Assessor {id: $id})
RETURN size, a.id AS id, a.name AS name, a.region AS region, coalesce(a.availability_mask, 0) AS mask,
       coalesce(a.discoverable, false) AS discoverable,
       NOT coalesce(coalesce(a.paused, false) = false OR a.paused_until < $today, false) AS paused,
       coalesce(a.active, true) AS active,
       head([(a)-[:WORKS_FOR]->(o:Organisation) | [o.id, o.name]]) AS organisation,
       [(a)-[l:WORKS_ON]->(t:Theme) | [t.id, t.name, l.level, COUNT { (t)<-[:WORKS_ON]-() }]] AS themes,
       [(a)-[:CONNECTED_WITH {status: 'accepted'}]-(y:Assessor)
          | [y.id, true, head([(y)-[:WORKS_FOR]->(o:Organisation) | o.id]), coalesce(y.active, true)]]
       + [(a)-[m1:MEMBER_OF]->(s)<-[m2:MEMBER_OF]-(y:Assessor) WHERE s.status IN ['active', 'closed'] AND y <> a
          | [y.id, s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL, head([(y)-[:WORKS_FOR]->(o:Organisation) | o.id]),
             coalesce(y.active, true)]]
         AS peers,
       [(a)-[:CONNECTED_WITH]-(y:Assessor) | y.id] + [(a)-[:DECLINED]-(y:Assessor) | y.id] AS contacted
"""

# Peers of each listed assessor: accepted contacts either way and set-mates in active or closed sets.
PEERS = """
UNWIND $ids AS id
MATCH (x:Assessor {id: id}) USING INDEX x:Assessor(id)
RETURN id AS x,
       [(x)-[:CONNECTED_WITH {status: 'accepted'}]-(y:Assessor) | y.id]
       + [(x)-[:MEMBER_OF]->(s)<-[:MEMBER_OF]-(y:Assessor) WHERE s.status IN ['active', 'closed'] AND y <> x | y.id] AS peers
"""

# Two answers in one read (`source`), each row with the candidate's facts and those of the
# seeker's themes ($theme_ids) they work on:
# * 'theme': the holders of the expanded themes ($themes: [[theme_id, weight], ...]), pre-scored
#   by the summed weights plus $slot_bonuses[k] for k common slots and $region_bonus for the seeker's
#   $region, the best $limit kept by (pre-score desc, id). Only what the pre-score needs is
#   read for every holder; the findable, exclusion and organisation tests run after the sort,
#   lazily, on only as many rows as the LIMIT pulls (the organisation test expands the
#   candidate's ties; each property read walks the node's property chain).
# * 'near': those of $ids that may be candidates.
# Both halves run even when one has nothing to do ($themes or $ids empty): they return nothing.
# $organisation_id and $region are '' rather than null when the seeker has none, so every call
# has the same parameter types and reuses one cached plan.
GATHER = """
UNWIND $themes AS row
MATCH (t:Theme {id: row[0]})<-[:WORKS_ON]-(a)
WITH a, sum(row[1]) AS pre
WITH a, pre, size([p IN $powers WHERE (coalesce(a.availability_mask, 0) / p) % 2 = 1]) AS common
WHERE common > 0 OR NOT $require_common
WITH a, pre + $slot_bonuses[common] + CASE WHEN a.region = $region THEN $region_bonus ELSE 0 END AS score
ORDER BY score DESC, a.id
WITH collect(a) AS ranked
UNWIND ranked AS a
WITH a WHERE a.discoverable = true AND coalesce(a.active, true) = true
  AND (coalesce(a.paused, false) = false OR a.paused_until < $today)
  AND a.id <> $seeker_id AND NOT a.id IN $excluded
WITH a, head([(a)-[:WORKS_FOR]->(o:Organisation) | [o.id, o.name, o.region]]) AS org
WHERE org IS NULL OR org[0] <> $organisation_id
WITH a, org LIMIT $limit
RETURN 'theme' AS source, a.id AS id, a.name AS name, a.region AS region, coalesce(a.experience_years, 0) AS experience_years,
       coalesce(a.availability_mask, 0) AS mask, org,
       [(a)-[l:WORKS_ON]->(t:Theme) WHERE t.id IN $theme_ids | [t.id, l.level]] AS themes
UNION ALL
UNWIND $ids AS id
MATCH (a:Assessor {id: id}) USING INDEX a:Assessor(id)
WHERE a.discoverable = true AND coalesce(a.active, true) = true
  AND (coalesce(a.paused, false) = false OR a.paused_until < $today)
  AND a.id <> $seeker_id AND NOT a.id IN $excluded
  AND (NOT $require_common OR any(p IN $powers WHERE (coalesce(a.availability_mask, 0) / p) % 2 = 1))
WITH a, head([(a)-[:WORKS_FOR]->(o:Organisation) | [o.id, o.name, o.region]]) AS org
WHERE org IS NULL OR org[0] <> $organisation_id
RETURN 'near' AS source, a.id AS id, a.name AS name, a.region AS region, coalesce(a.experience_years, 0) AS experience_years,
       coalesce(a.availability_mask, 0) AS mask, org,
       [(a)-[l:WORKS_ON]->(t:Theme) WHERE t.id IN $theme_ids | [t.id, l.level]] AS themes
"""

# -- contact requests from a suggestion, and contact cards -------------------------------------

PARTIES = """
UNWIND [$from_id, $to_id] AS id
MATCH (a:Assessor {id: id})
OPTIONAL MATCH (a)-[:WORKS_FOR]->(o:Organisation)
RETURN a.id AS id,
       coalesce(a.discoverable, false) AND coalesce(a.active, true)
       AND coalesce(coalesce(a.paused, false) = false OR a.paused_until < $today, false) AS findable,
       o.id AS organisation_id
"""

ASSESSOR_EXISTS = "MATCH (a:Assessor {id: $id}) RETURN a.id AS id"

CONTACT_CARDS = """
MATCH (me:Assessor {id: $id})-[c:CONNECTED_WITH]-(other:Assessor)
WITH c, other, CASE WHEN startNode(c) = me THEN 'outgoing' ELSE 'incoming' END AS direction
WHERE ($status IS NULL OR c.status = $status) AND ($direction IS NULL OR direction = $direction)
OPTIONAL MATCH (other)-[:WORKS_FOR]->(o:Organisation)
RETURN other.id AS other_id, other.name AS other_name, o.id AS organisation_id, o.name AS organisation_name,
       c.status AS status, direction, c.since AS since, c.via AS via
ORDER BY status, other_name, other_id
"""

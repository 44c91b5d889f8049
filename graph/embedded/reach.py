"""Embedded (SQLite) implementation of the reach area port: isolation and reach figures, computed in SQL.

Every definition is the one in :mod:`network.reach`; every statement below is literal SQL with
``?`` parameters, and each public method runs its statements in one read transaction. The sets
tables (``sets``, ``memberships``, indexed by assessor by the sets area) are read here, never written.
What is left to Python is assembly of a few rows per organisation (:func:`network.reach.assemble_reach`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date

from graph.embedded.base import EmbeddedBase
from graph.port_reach import check_hops, check_limit, check_months
from graph.values import Invalid, NotFound, Page, clamp_limit
from network.domain import Organisation
from network.reach import (
    MAP_LIMIT,
    IsolatedAssessor,
    Isolation,
    MonthReach,
    NetworkReach,
    OrganisationFigures,
    OrganisationReach,
    OrganisationTie,
    PartnerRow,
    Person,
    ReachBaseline,
    ReachMap,
    RegionRow,
    assemble_map,
    assemble_reach,
    isolated_since,
    month_end,
    network_reach,
    page_isolated,
    select_map_people,
)

#: Tables and indexes of this area: none; reach reads the core and sets tables and their indexes.
DDL: tuple[str, ...] = ()

#: Statements that empty this area's tables, run by ``_wipe`` before the core tables are emptied.
WIPE: tuple[str, ...] = ()

# -- statements -------------------------------------------------------------------------------------
# Each statement finds tie candidates the same way, in an ``edge(a, b)`` CTE from a population
# ``pop(id, ...)``: accepted contacts both ways and current set-mates in active sets. Each then
# keeps the ties whose two ends are active. The edge CTE is repeated in every statement so each
# stays one literal, readable piece of SQL.

# Isolation rows of the assessors in ?1 (a JSON list): (id, name, organisation, tied_out, sole, since,
# last former tie end). With ?2 = 1 only the isolated ones.
_ISOLATION = """
WITH pop(id, name, active, org, since) AS (
    SELECT a.id, a.name, a.active, w.organisation_id, w.since
    FROM assessors a LEFT JOIN works_for w ON w.assessor_id = a.id
    WHERE a.id IN (SELECT value FROM json_each(?1))
),
edge(a, b) AS (
    SELECT c.from_id AS a, c.to_id AS b FROM pop JOIN contacts c ON c.from_id = pop.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT c.to_id, c.from_id FROM pop JOIN contacts c ON c.to_id = pop.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT m1.assessor_id, m2.assessor_id FROM pop
    JOIN memberships m1 ON m1.assessor_id = pop.id AND m1."left" IS NULL
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id AND m2."left" IS NULL
),
tied(id) AS (
    SELECT DISTINCT e.a FROM edge e
    JOIN pop p ON p.id = e.a
    JOIN assessors bb ON bb.id = e.b
    LEFT JOIN works_for wb ON wb.assessor_id = e.b
    WHERE p.active AND bb.active AND (p.org IS NULL OR wb.organisation_id IS NULL OR wb.organisation_id <> p.org)
),
former_pair(id, started, ended) AS (
    SELECT p.id,
           max(m1.joined, m2.joined),
           CASE WHEN m1."left" IS NULL AND m2."left" IS NULL THEN max(m1.joined, m2.joined)
                WHEN m1."left" IS NULL THEN m2."left"
                WHEN m2."left" IS NULL THEN m1."left"
                ELSE min(m1."left", m2."left") END
    FROM pop p
    JOIN memberships m1 ON m1.assessor_id = p.id
    JOIN sets s ON s.id = m1.set_id AND s.status IN ('active', 'closed')
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id
    LEFT JOIN works_for wb ON wb.assessor_id = m2.assessor_id
    WHERE (s.status = 'closed' OR m1."left" IS NOT NULL OR m2."left" IS NOT NULL)
      AND (p.org IS NULL OR wb.organisation_id IS NULL OR wb.organisation_id <> p.org)
),
former(id, ended) AS (
    SELECT id, max(ended) FROM former_pair WHERE ended IS NOT NULL AND started <= ended GROUP BY id
)
SELECT p.id, p.name, p.org,
       p.id IN tied AS tied_out,
       p.org IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM works_for w2 JOIN assessors a2 ON a2.id = w2.assessor_id
           WHERE w2.organisation_id = p.org AND w2.assessor_id <> p.id AND a2.active
       ) AS sole,
       p.since, f.ended
FROM pop p LEFT JOIN former f ON f.id = p.id
WHERE ?2 = 0 OR NOT (p.id IN tied)
"""

_ACTIVE_OF_ORGANISATION = (
    "SELECT w.assessor_id FROM works_for w JOIN assessors a ON a.id = w.assessor_id WHERE w.organisation_id = ? AND a.active"
)
_ACTIVE = "SELECT id FROM assessors WHERE active"
_GET_ORGANISATION = "SELECT id, name, kind, region FROM organisations WHERE id = ?"

# The organisation's active assessors (?1), each with whether they are a current member of an active set.
_MEMBERS = """
SELECT a.id, EXISTS (
    SELECT 1 FROM memberships m JOIN sets s ON s.id = m.set_id AND s.status = 'active'
    WHERE m.assessor_id = a.id AND m."left" IS NULL
)
FROM works_for w JOIN assessors a ON a.id = w.assessor_id AND a.active
WHERE w.organisation_id = ?1
"""

# What an organisation's assessors (?1) reach, in one pass over their ties. Rows by kind:
# ('organisation', id, name, region, ties, how many of ours hold them, the smallest such id) per other
# organisation tied to directly; ('region', region, -, -, -, how many of ours, the smallest such id) per
# region other than its own (?2); ('tied', assessor id) per assessor of ours with a cross tie; and, when
# ?3 = 2, ('two', id, name, region) per other organisation reached through one intermediate (of any
# organisation, colleagues included).
_REACH = """
WITH pop(id) AS (
    SELECT w.assessor_id FROM works_for w JOIN assessors a ON a.id = w.assessor_id AND a.active WHERE w.organisation_id = ?1
),
edge(a, b) AS (
    SELECT c.from_id AS a, c.to_id AS b FROM pop JOIN contacts c ON c.from_id = pop.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT c.to_id, c.from_id FROM pop JOIN contacts c ON c.to_id = pop.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT m1.assessor_id, m2.assessor_id FROM pop
    JOIN memberships m1 ON m1.assessor_id = pop.id AND m1."left" IS NULL
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id AND m2."left" IS NULL
),
near(a, b, org, region) AS (
    SELECT DISTINCT e.a, e.b, wb.organisation_id, coalesce(ob.region, bb.region)
    FROM edge e
    JOIN assessors bb ON bb.id = e.b AND bb.active
    LEFT JOIN works_for wb ON wb.assessor_id = e.b
    LEFT JOIN organisations ob ON ob.id = wb.organisation_id
),
direct(a, b, org, region) AS (SELECT a, b, org, region FROM near WHERE org IS NULL OR org <> ?1),
hop1(id) AS (SELECT DISTINCT b FROM near WHERE ?3 = 2),
far(org) AS (
    -- CROSS JOIN keeps hop1 (small) as the outer loop: SQLite cannot size a CTE and may scan contacts instead.
    SELECT wc.organisation_id FROM hop1
    CROSS JOIN contacts c ON c.from_id = hop1.id AND c.status = 'accepted'
    JOIN assessors cc ON cc.id = c.to_id AND cc.active
    JOIN works_for wc ON wc.assessor_id = c.to_id
    UNION
    SELECT wc.organisation_id FROM hop1
    CROSS JOIN contacts c ON c.to_id = hop1.id AND c.status = 'accepted'
    JOIN assessors cc ON cc.id = c.from_id AND cc.active
    JOIN works_for wc ON wc.assessor_id = c.from_id
    UNION
    SELECT wc.organisation_id FROM hop1
    CROSS JOIN memberships m1 ON m1.assessor_id = hop1.id AND m1."left" IS NULL
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id AND m2."left" IS NULL
    JOIN assessors cc ON cc.id = m2.assessor_id AND cc.active
    JOIN works_for wc ON wc.assessor_id = m2.assessor_id
)
SELECT 'organisation', d.org, o.name, o.region, count(*), count(DISTINCT d.a), min(d.a)
FROM direct d JOIN organisations o ON o.id = d.org
GROUP BY d.org
UNION ALL
SELECT 'region', d.region, NULL, NULL, NULL, count(DISTINCT d.a), min(d.a)
FROM direct d
WHERE d.region IS NOT NULL AND d.region <> ?2
GROUP BY d.region
UNION ALL
SELECT 'tied', a, NULL, NULL, NULL, NULL, NULL FROM direct GROUP BY a
UNION ALL
SELECT 'two', o.id, o.name, o.region, NULL, NULL, NULL FROM far JOIN organisations o ON o.id = far.org WHERE far.org <> ?1
"""

# History: the organisation's figures at the end of each month. ?2 is a JSON list of [month, last day].
_HISTORY = """
WITH months(m, d) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)),
mem(id, since) AS (
    SELECT w.assessor_id, w.since FROM works_for w JOIN assessors a ON a.id = w.assessor_id AND a.active WHERE w.organisation_id = ?1
),
tie(a, b, started, ended) AS (
    SELECT mem.id, c.to_id, c.since, NULL FROM mem JOIN contacts c ON c.from_id = mem.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT mem.id, c.from_id, c.since, NULL FROM mem JOIN contacts c ON c.to_id = mem.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT mem.id, m2.assessor_id, max(m1.joined, m2.joined),
           CASE WHEN m1."left" IS NULL THEN m2."left" WHEN m2."left" IS NULL THEN m1."left" ELSE min(m1."left", m2."left") END
    FROM mem
    JOIN memberships m1 ON m1.assessor_id = mem.id
    JOIN sets s ON s.id = m1.set_id
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id
    WHERE s.status = 'active' OR (s.status = 'closed' AND (m1."left" IS NOT NULL OR m2."left" IS NOT NULL))
),
held(a, a_since, b, started, ended, b_org, b_since) AS (
    SELECT t.a, mem.since, t.b, t.started, t.ended, wb.organisation_id, wb.since
    FROM tie t JOIN mem ON mem.id = t.a
    JOIN assessors bb ON bb.id = t.b AND bb.active
    LEFT JOIN works_for wb ON wb.assessor_id = t.b
),
at_month(m, a, b, b_org) AS (
    SELECT months.m, h.a, h.b, CASE WHEN h.b_since IS NULL OR h.b_since <= months.d THEN h.b_org END
    FROM months JOIN held h
      ON (h.a_since IS NULL OR h.a_since <= months.d)
     AND (h.started IS NULL OR h.started <= months.d)
     AND (h.ended IS NULL OR h.ended > months.d)
),
per_month(m, tied, ties, orgs) AS (
    SELECT m, count(DISTINCT a), count(DISTINCT a || '|' || b), count(DISTINCT b_org)
    FROM at_month WHERE b_org IS NULL OR b_org <> ?1
    GROUP BY m
)
SELECT months.m,
       (SELECT count(*) FROM mem WHERE mem.since IS NULL OR mem.since <= months.d),
       coalesce(p.tied, 0), coalesce(p.ties, 0), coalesce(p.orgs, 0)
FROM months LEFT JOIN per_month p ON p.m = months.m
ORDER BY months.m
"""

# The sparse tie matrix: every tie once, between two active assessors, counted per pair of organisations.
_ORGANISATION_TIES = """
WITH pop(id, org) AS (
    SELECT a.id, w.organisation_id FROM assessors a LEFT JOIN works_for w ON w.assessor_id = a.id WHERE a.active
),
edge(a, b) AS (
    SELECT from_id, to_id FROM contacts WHERE status = 'accepted'
    UNION ALL
    SELECT m1.assessor_id, m2.assessor_id
    FROM memberships m1
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id > m1.assessor_id AND m2."left" IS NULL
    WHERE m1."left" IS NULL
),
pair(x, y) AS (SELECT DISTINCT min(a, b), max(a, b) FROM edge),
tie(x, y, ox, oy) AS (
    SELECT pair.x, pair.y, px.org, py.org FROM pair JOIN pop px ON px.id = pair.x JOIN pop py ON py.id = pair.y
)

SELECT min(ox, oy), max(ox, oy), count(*) FROM tie
WHERE ox IS NOT NULL AND oy IS NOT NULL
GROUP BY min(ox, oy), max(ox, oy)
ORDER BY 1, 2
"""

# Per organisation: active assessors, isolated ones, those in an active set; and one row (id NULL) for
# active assessors without an employer.
_ORGANISATION_FIGURES = """
WITH pop(id, org) AS (
    SELECT a.id, w.organisation_id FROM assessors a LEFT JOIN works_for w ON w.assessor_id = a.id WHERE a.active
),
edge(a, b) AS (
    SELECT from_id, to_id FROM contacts WHERE status = 'accepted'
    UNION ALL
    SELECT m1.assessor_id, m2.assessor_id
    FROM memberships m1
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id > m1.assessor_id AND m2."left" IS NULL
    WHERE m1."left" IS NULL
),
pair(x, y) AS (SELECT DISTINCT min(a, b), max(a, b) FROM edge),
tie(x, y, ox, oy) AS (
    SELECT pair.x, pair.y, px.org, py.org FROM pair JOIN pop px ON px.id = pair.x JOIN pop py ON py.id = pair.y
)
,
tied(id) AS (
    SELECT x FROM tie WHERE ox IS NULL OR oy IS NULL OR ox <> oy
    UNION
    SELECT y FROM tie WHERE ox IS NULL OR oy IS NULL OR ox <> oy
),
in_set(id) AS (
    SELECT m.assessor_id FROM memberships m JOIN sets s ON s.id = m.set_id AND s.status = 'active' WHERE m."left" IS NULL
)
SELECT o.id, o.name, o.region, count(p.id),
       coalesce(sum(p.id IS NOT NULL AND p.id NOT IN tied), 0),
       coalesce(sum(p.id IN in_set), 0)
FROM organisations o LEFT JOIN pop p ON p.org = o.id
GROUP BY o.id
UNION ALL
SELECT NULL, NULL, NULL, count(*), coalesce(sum(p.id NOT IN tied), 0), 0 FROM pop p WHERE p.org IS NULL
"""

_NAMES = "SELECT id, name FROM assessors WHERE id IN (SELECT value FROM json_each(?1))"


_PEOPLE = """
SELECT a.id, a.name, a.active, w.organisation_id
FROM assessors a LEFT JOIN works_for w ON w.assessor_id = a.id
WHERE a.id IN (SELECT value FROM json_each(?1))
"""

# Pairs among the given assessors already tied (both active), smaller id first.
_TIED_AMONG = """
WITH pop(id) AS (SELECT a.id FROM assessors a WHERE a.active AND a.id IN (SELECT value FROM json_each(?1))),
edge(a, b) AS (
    SELECT c.from_id AS a, c.to_id AS b FROM pop JOIN contacts c ON c.from_id = pop.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT c.to_id, c.from_id FROM pop JOIN contacts c ON c.to_id = pop.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT m1.assessor_id, m2.assessor_id FROM pop
    JOIN memberships m1 ON m1.assessor_id = pop.id AND m1."left" IS NULL
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id AND m2."left" IS NULL)
SELECT DISTINCT min(e.a, e.b), max(e.a, e.b) FROM edge e JOIN pop pb ON pb.id = e.b
"""

# The map of organisation ?1: (id, hops) of its active assessors (0), the active
# discoverable assessors of other organisations (or none) tied to them (1), and those tied to the
# latter (2; people at 1 may come again at 2). The second hop goes only through people at 1.
_MAP_PEOPLE = """
WITH own(id) AS (
    SELECT w.assessor_id FROM works_for w JOIN assessors a ON a.id = w.assessor_id AND a.active WHERE w.organisation_id = ?1
),
edge1(b) AS (
    SELECT c.to_id FROM own JOIN contacts c ON c.from_id = own.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT c.from_id FROM own JOIN contacts c ON c.to_id = own.id WHERE c.status = 'accepted'
    UNION ALL
    SELECT m2.assessor_id FROM own
    JOIN memberships m1 ON m1.assessor_id = own.id AND m1."left" IS NULL
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id AND m2."left" IS NULL
),
hop1(id) AS (
    SELECT DISTINCT e.b FROM edge1 e
    JOIN assessors b ON b.id = e.b AND b.active AND b.discoverable
    LEFT JOIN works_for w ON w.assessor_id = e.b
    WHERE w.organisation_id IS NULL OR w.organisation_id <> ?1
),
edge2(b) AS (
    -- CROSS JOIN keeps hop1 (small) as the outer loop, as in the reach statement.
    SELECT c.to_id FROM hop1 CROSS JOIN contacts c ON c.from_id = hop1.id AND c.status = 'accepted'
    UNION ALL
    SELECT c.from_id FROM hop1 CROSS JOIN contacts c ON c.to_id = hop1.id AND c.status = 'accepted'
    UNION ALL
    SELECT m2.assessor_id FROM hop1
    CROSS JOIN memberships m1 ON m1.assessor_id = hop1.id AND m1."left" IS NULL
    JOIN sets s ON s.id = m1.set_id AND s.status = 'active'
    JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id AND m2."left" IS NULL
),
hop2(id) AS (
    SELECT DISTINCT e.b FROM edge2 e
    JOIN assessors b ON b.id = e.b AND b.active AND b.discoverable
    LEFT JOIN works_for w ON w.assessor_id = e.b
    WHERE w.organisation_id IS NULL OR w.organisation_id <> ?1
)
SELECT id, 0 FROM own UNION ALL SELECT id, 1 FROM hop1 UNION ALL SELECT id, 2 FROM hop2
"""

_ORGANISATIONS = "SELECT id, name, kind, region FROM organisations WHERE id IN (SELECT value FROM json_each(?1))"


def _json(values: Iterable[object]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _isolation(r: Sequence[object]) -> Isolation:
    """Row (id, name, organisation, tied_out, sole, employed since, last former tie end) → :class:`Isolation`."""
    isolated = not r[3]
    since = isolated_since(_day(r[5]), _day(r[6])) if isolated else None  # type: ignore[arg-type]
    return Isolation(assessor_id=str(r[0]), isolated=isolated, sole_in_organisation=bool(r[4]), isolated_since=since)


def _isolated(r: Sequence[object]) -> IsolatedAssessor:
    i = _isolation(r)
    return IsolatedAssessor(i.assessor_id, str(r[1]), r[2], i.sole_in_organisation, i.isolated_since)  # type: ignore[arg-type]


class EmbeddedReach(EmbeddedBase):
    """Mixin of :class:`~graph.embedded.store.EmbeddedStore` for isolation and reach figures."""

    # -- isolation -------------------------------------------------------------------------------

    def isolation(self, assessor_ids: Iterable[str]) -> dict[str, Isolation]:
        """Isolation of each named assessor, keyed by id; unknown ids are left out."""
        ids = sorted(set(assessor_ids))
        if not ids:
            return {}
        with self._transaction(write=False) as conn:
            rows = conn.execute(_ISOLATION, (_json(ids), 0)).fetchall()
        return {r[0]: _isolation(r) for r in rows}

    def isolated_assessors(self, organisation_id: str | None = None, limit: int = 50, after: str | None = None) -> Page[IsolatedAssessor]:
        """Active isolated assessors, longest isolated first, of one organisation or of everyone."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            if organisation_id is None:
                ids = [r[0] for r in conn.execute(_ACTIVE)]
            else:
                self._organisation(conn, organisation_id)
                ids = [r[0] for r in conn.execute(_ACTIVE_OF_ORGANISATION, (organisation_id,))]
            rows = conn.execute(_ISOLATION, (_json(ids), 1)).fetchall()
        items, next_after = page_isolated((_isolated(r) for r in rows), limit, after)
        return Page(items=items, next_after=next_after)

    # -- one organisation --------------------------------------------------------------------------

    def organisation_reach(self, organisation_id: str, hops: int = 2) -> OrganisationReach:
        """The reach figures of one organisation; :class:`NotFound` if none, :class:`Invalid` unless ``hops`` is 1 or 2."""
        check_hops(hops)
        with self._transaction(write=False) as conn:
            org = self._organisation(conn, organisation_id)
            members = conn.execute(_MEMBERS, (organisation_id,)).fetchall()
            partners: list[PartnerRow] = []
            regions: list[RegionRow] = []
            tied: set[str] = set()
            two: list[tuple[str, str, str]] = []
            for kind, key, name, region, ties, via, sole in conn.execute(_REACH, (organisation_id, org.region, hops)):
                if kind == "organisation":
                    partners.append(PartnerRow(key, name, region, ties, via, sole))
                elif kind == "region":
                    regions.append(RegionRow(key, via, sole))
                elif kind == "tied":
                    tied.add(key)
                else:
                    two.append((key, name, region))
            alone = sorted(m[0] for m in members if m[0] not in tied)
            isolated = [_isolated(r) for r in conn.execute(_ISOLATION, (_json(alone), 1))] if alone else []
            bridging = sorted(
                {p.sole_assessor_id for p in partners if p.via_assessors == 1}
                | {g.sole_assessor_id for g in regions if g.via_assessors == 1}
            )
            names = dict(conn.execute(_NAMES, (_json(bridging),)).fetchall()) if bridging else {}
        return assemble_reach(
            org,
            hops,
            assessors=len(members),
            in_active_set=sum(1 for m in members if m[1]),
            isolated=isolated,
            partners=partners,
            regions=regions,
            two_hops=two,
            names=names,
        )

    def organisation_history(self, organisation_id: str, months: Sequence[date]) -> list[MonthReach]:
        """The organisation's figures at the end of each month."""
        firsts = check_months(months)
        if not firsts:
            return []
        spec = _json([m.isoformat(), month_end(m).isoformat()] for m in firsts)
        with self._transaction(write=False) as conn:
            self._organisation(conn, organisation_id)
            rows = conn.execute(_HISTORY, (organisation_id, spec)).fetchall()
        return [
            MonthReach(month=date.fromisoformat(m), assessors=n, isolated=n - tied, cross_ties=ties, organisations_reached=orgs)
            for m, n, tied, ties, orgs in rows
        ]

    # -- the whole network -------------------------------------------------------------------------

    def organisation_ties(self) -> list[OrganisationTie]:
        """The sparse tie matrix in id order."""
        with self._transaction(write=False) as conn:
            return [OrganisationTie(*r) for r in conn.execute(_ORGANISATION_TIES)]

    def network_reach(self) -> NetworkReach:
        """The network report."""
        with self._transaction(write=False) as conn:
            return self._network(conn)

    def reach_baseline(self, assessor_ids: Iterable[str]) -> ReachBaseline:
        """The network report and the named assessors as they stand; :class:`Invalid` naming unknown ids."""
        ids = sorted(set(assessor_ids))
        with self._transaction(write=False) as conn:
            people = {r[0]: r for r in conn.execute(_PEOPLE, (_json(ids),))}
            missing = [i for i in ids if i not in people]
            if missing:
                raise Invalid(f"unknown assessor(s): {', '.join(missing[:20])}" + (" and more" if len(missing) > 20 else ""))
            network = self._network(conn)
            isolation = {r[0]: _isolation(r) for r in conn.execute(_ISOLATION, (_json(ids), 0))}
            tied = frozenset((r[0], r[1]) for r in conn.execute(_TIED_AMONG, (_json(ids),)))
        return ReachBaseline(
            network=network,
            people={i: Person(i, r[1], bool(r[2]), r[3], isolation[i].isolated) for i, r in people.items()},
            tied_pairs=tied,
        )

    # -- the network map ---------------------------------------------------------------------------

    def reach_map(self, organisation_id: str, limit: int = MAP_LIMIT) -> ReachMap:
        """The organisation's network map (own assessors and whom they reach within two hops), at most ``limit`` people."""
        limit = check_limit(limit)
        with self._transaction(write=False) as conn:
            org = self._organisation(conn, organisation_id)
            kept, total = select_map_people(conn.execute(_MAP_PEOPLE, (organisation_id,)), limit)
            ids = _json(i for i, _ in kept)
            people = {r[0]: (r[1], r[3]) for r in conn.execute(_PEOPLE, (ids,))}
            own = [i for i, hops in kept if hops == 0]
            isolation = {r[0]: _isolation(r) for r in conn.execute(_ISOLATION, (_json(own), 0))} if own else {}
            ties = conn.execute(_TIED_AMONG, (ids,)).fetchall() if kept else []
            org_ids = _json(sorted({org for _, org in people.values() if org is not None}))
            orgs = [Organisation(id=r[0], name=r[1], kind=r[2], region=r[3]) for r in conn.execute(_ORGANISATIONS, (org_ids,))]
        return assemble_map(org, kept, total, limit, people=people, isolation=isolation, ties=ties, organisations=orgs)

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _organisation(conn: sqlite3.Connection, organisation_id: str) -> Organisation:
        row = conn.execute(_GET_ORGANISATION, (organisation_id,)).fetchone()
        if row is None:
            raise NotFound(f"no organisation with id {organisation_id!r}")
        return Organisation(id=row[0], name=row[1], kind=row[2], region=row[3])

    @staticmethod
    def _network(conn: sqlite3.Connection) -> NetworkReach:
        rows = conn.execute(_ORGANISATION_FIGURES).fetchall()
        ties = [OrganisationTie(*r) for r in conn.execute(_ORGANISATION_TIES)]
        orgs = [OrganisationFigures(*r) for r in rows if r[0] is not None]
        loose = next(r for r in rows if r[0] is None)
        return network_reach(
            orgs,
            ties,
            assessors=sum(o.assessors for o in orgs) + loose[3],
            isolated=sum(o.isolated for o in orgs) + loose[4],
            without_organisation=loose[3],
        )

"""Neo4j implementation of the reach area port: isolation and reach figures, computed in Cypher.

Its Cypher is in :mod:`graph.neo4j.queries_reach`. Each public method is one managed read
transaction; what is left to Python is assembly of a few rows per organisation
(:func:`network.reach.assemble_reach`), the same as in the embedded adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import neo4j
from neo4j import ManagedTransaction

from graph.neo4j import queries_reach as q
from graph.neo4j.base import Neo4jBase
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


def _day(value: Any) -> date | None:
    """A stored Neo4j ``date`` as a ``datetime.date``."""
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    return value  # type: ignore[no-any-return]


def _isolation(r: Mapping[str, Any]) -> Isolation:
    isolated = not r["tied_out"]
    since = isolated_since(_day(r["since"]), _day(r["ended"])) if isolated else None
    return Isolation(assessor_id=r["id"], isolated=isolated, sole_in_organisation=bool(r["sole"]), isolated_since=since)


def _isolated(r: Mapping[str, Any]) -> IsolatedAssessor:
    i = _isolation(r)
    return IsolatedAssessor(i.assessor_id, r["name"], r["organisation_id"], i.sole_in_organisation, i.isolated_since)


def _organisation(tx: ManagedTransaction, organisation_id: str) -> Organisation:
    record = tx.run(q.GET_ORGANISATION, id=organisation_id).single()
    if record is None:
        raise NotFound(f"no organisation with id {organisation_id!r}")
    return Organisation(id=record["id"], name=record["name"], kind=record["kind"], region=record["region"])


def _network(tx: ManagedTransaction) -> NetworkReach:
    orgs = [
        OrganisationFigures(r["id"], r["name"], r["region"], r["assessors"], r["isolated"], r["in_set"])
        for r in tx.run(q.ORGANISATION_FIGURES)
    ]
    ties = [OrganisationTie(r["o1"], r["o2"], r["ties"]) for r in tx.run(q.ORGANISATION_TIES)]
    loose = tx.run(q.WITHOUT_ORGANISATION).single(strict=True)
    return network_reach(
        orgs,
        ties,
        assessors=sum(o.assessors for o in orgs) + loose["assessors"],
        isolated=sum(o.isolated for o in orgs) + loose["isolated"],
        without_organisation=loose["assessors"],
    )


class Neo4jReach(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for isolation and reach figures."""

    # -- isolation -------------------------------------------------------------------------------

    def isolation(self, assessor_ids: Iterable[str]) -> dict[str, Isolation]:
        """Isolation of each named assessor, keyed by id; unknown ids are left out."""
        ids = sorted(set(assessor_ids))
        if not ids:
            return {}

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [dict(r) for r in tx.run(q.ISOLATION, ids=ids, only_isolated=False)]

        return {r["id"]: _isolation(r) for r in self._read(work)}

    def isolated_assessors(self, organisation_id: str | None = None, limit: int = 50, after: str | None = None) -> Page[IsolatedAssessor]:
        """Active isolated assessors, longest isolated first, of one organisation or of everyone."""
        limit = clamp_limit(limit)

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            if organisation_id is None:
                ids = [r["id"] for r in tx.run(q.ACTIVE)]
            else:
                _organisation(tx, organisation_id)
                ids = [r["id"] for r in tx.run(q.ACTIVE_OF_ORGANISATION, organisation_id=organisation_id)]
            return [dict(r) for r in tx.run(q.ISOLATION, ids=ids, only_isolated=True)]

        items, next_after = page_isolated((_isolated(r) for r in self._read(work)), limit, after)
        return Page(items=items, next_after=next_after)

    # -- one organisation --------------------------------------------------------------------------

    def organisation_reach(self, organisation_id: str, hops: int = 2) -> OrganisationReach:
        """The reach figures of one organisation; :class:`NotFound` if none, :class:`Invalid` unless ``hops`` is 1 or 2."""
        check_hops(hops)

        def work(tx: ManagedTransaction) -> OrganisationReach:
            org = _organisation(tx, organisation_id)
            members = [(r["id"], r["in_set"]) for r in tx.run(q.MEMBERS, organisation_id=organisation_id)]
            partners: list[PartnerRow] = []
            regions: list[RegionRow] = []
            tied: set[str] = set()
            two: list[tuple[str, str, str]] = []
            for r in tx.run(q.REACH, organisation_id=organisation_id, hops=hops):
                if r["kind"] == "organisation":
                    partners.append(PartnerRow(r["key"], r["name"], r["region"], r["ties"], r["via"], r["sole"]))
                elif r["kind"] == "region":
                    regions.append(RegionRow(r["key"], r["via"], r["sole"]))
                elif r["kind"] == "tied":
                    tied.add(r["key"])
                else:
                    two.append((r["key"], r["name"], r["region"]))
            alone = sorted(m for m, _ in members if m not in tied)
            isolated = [_isolated(r) for r in tx.run(q.ISOLATION, ids=alone, only_isolated=True)] if alone else []
            bridging = sorted(
                {p.sole_assessor_id for p in partners if p.via_assessors == 1}
                | {g.sole_assessor_id for g in regions if g.via_assessors == 1}
            )
            names = {r["id"]: r["name"] for r in tx.run(q.NAMES, ids=bridging)} if bridging else {}
            return assemble_reach(
                org,
                hops,
                assessors=len(members),
                in_active_set=sum(1 for _, in_set in members if in_set),
                isolated=isolated,
                partners=partners,
                regions=regions,
                two_hops=two,
                names=names,
            )

        return self._read(work)

    def organisation_history(self, organisation_id: str, months: Sequence[date]) -> list[MonthReach]:
        """The organisation's figures at the end of each month."""
        firsts = check_months(months)
        if not firsts:
            return []
        spec = [{"m": m, "d": month_end(m)} for m in firsts]

        def work(tx: ManagedTransaction) -> list[MonthReach]:
            _organisation(tx, organisation_id)
            staff = {_day(r["month"]): r["assessors"] for r in tx.run(q.HISTORY_STAFF, organisation_id=organisation_id, months=spec)}
            ties = {
                _day(r["month"]): (r["tied"], r["ties"], r["orgs"])
                for r in tx.run(q.HISTORY_TIES, organisation_id=organisation_id, months=spec)
            }
            months_out = []
            for m in firsts:
                tied, cross, orgs = ties.get(m, (0, 0, 0))  # a month without cross ties has no row
                months_out.append(
                    MonthReach(month=m, assessors=staff[m], isolated=staff[m] - tied, cross_ties=cross, organisations_reached=orgs)
                )
            return months_out

        return self._read(work)

    # -- the whole network -------------------------------------------------------------------------

    def organisation_ties(self) -> list[OrganisationTie]:
        """The sparse tie matrix in id order."""

        def work(tx: ManagedTransaction) -> list[OrganisationTie]:
            return [OrganisationTie(r["o1"], r["o2"], r["ties"]) for r in tx.run(q.ORGANISATION_TIES)]

        return self._read(work)

    def network_reach(self) -> NetworkReach:
        """The network report."""
        return self._read(_network)

    def reach_baseline(self, assessor_ids: Iterable[str]) -> ReachBaseline:
        """The network report and the named assessors as they stand; :class:`Invalid` naming unknown ids."""
        ids = sorted(set(assessor_ids))

        def work(tx: ManagedTransaction) -> ReachBaseline:
            people = {r["id"]: dict(r) for r in tx.run(q.PEOPLE, ids=ids)}
            missing = [i for i in ids if i not in people]
            if missing:
                raise Invalid(f"unknown assessor(s): {', '.join(missing[:20])}" + (" and more" if len(missing) > 20 else ""))
            network = _network(tx)
            isolation = {r["id"]: _isolation(r) for r in tx.run(q.ISOLATION, ids=ids, only_isolated=False)}
            tied = frozenset((r["x"], r["y"]) for r in tx.run(q.TIED_AMONG, ids=ids))
            return ReachBaseline(
                network=network,
                people={i: Person(i, p["name"], bool(p["active"]), p["organisation_id"], isolation[i].isolated) for i, p in people.items()},
                tied_pairs=tied,
            )

        return self._read(work)

    # -- the network map ---------------------------------------------------------------------------

    def reach_map(self, organisation_id: str, limit: int = MAP_LIMIT) -> ReachMap:
        """The organisation's network map (own assessors and whom they reach within two hops), at most ``limit`` people."""
        limit = check_limit(limit)

        def work(tx: ManagedTransaction) -> ReachMap:
            org = _organisation(tx, organisation_id)
            found = tx.run(q.MAP_PEOPLE, organisation_id=organisation_id).single(strict=True)
            rows = [(i, 0) for i in found["own"]] + [(i, 1) for i in found["near"]] + [(i, 2) for i in found["far"]]
            kept, total = select_map_people(rows, limit)
            ids = [i for i, _ in kept]
            people = {r["id"]: (r["name"], r["organisation_id"]) for r in tx.run(q.PEOPLE, ids=ids)} if ids else {}
            own = [i for i, hops in kept if hops == 0]
            isolation = {r["id"]: _isolation(r) for r in tx.run(q.ISOLATION, ids=own, only_isolated=False)} if own else {}
            ties = [(r["x"], r["y"]) for r in tx.run(q.TIED_AMONG, ids=ids)] if ids else []
            org_ids = sorted({org for _, org in people.values() if org is not None})
            orgs = [
                Organisation(id=r["id"], name=r["name"], kind=r["kind"], region=r["region"]) for r in tx.run(q.ORGANISATIONS, ids=org_ids)
            ]
            return assemble_map(org, kept, total, limit, people=people, isolation=isolation, ties=ties, organisations=orgs)

        return self._read(work)

"""Neo4j implementation of the suggestions area port: suggestion candidates, graph features and contact cards.

Its Cypher is in :mod:`graph.neo4j.queries_suggestions`. A suggestion pool is one managed read
transaction running the steps of :func:`graph.port_suggestions.assemble_pool`; the planning
between its queries is pure and deterministic, so a retried transaction does the same again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import neo4j
from neo4j import ManagedTransaction

from graph.neo4j import queries as core
from graph.neo4j import queries_suggestions as q
from graph.neo4j.base import Neo4jBase
from graph.port_suggestions import (
    CandidateFilter,
    CandidateRow,
    ContactCard,
    SeekerFacts,
    assemble_pool,
    card_order,
    check_card_filters,
)
from graph.values import Conflict, Invalid, NotFound
from network import availability
from network.domain import Contact, InvalidValue, today
from network.suggestions import DEFAULT_LIMITS, DEFAULT_WEIGHTS, CandidatePool, Expansion, Limits, SeekerTheme, Weights


def _day(value: Any) -> date | None:
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    return value  # type: ignore[no-any-return]


class _Queries:
    """The reads of :func:`~graph.port_suggestions.assemble_pool` inside one managed read transaction."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self.tx = tx

    def seeker(self, assessor_id: str) -> SeekerFacts:
        r = self.tx.run(q.SEEKER, id=assessor_id, today=today()).single()
        if r is None:
            raise NotFound(f"no assessor with id {assessor_id!r}")
        organisation = r["organisation"] or [None, None]
        peers = tuple((y, bool(tie), org, bool(active)) for y, tie, org, active in r["peers"])
        peers_of_peers: dict[str, list[str]] = {}
        if peers:
            for p in self.tx.run(q.PEERS, ids=sorted({y for y, _, _, _ in peers})):
                peers_of_peers[p["x"]] = list(p["peers"])
        return SeekerFacts(
            id=r["id"],
            name=r["name"],
            region=r["region"],
            availability_mask=int(r["mask"]),
            discoverable=bool(r["discoverable"]),
            paused=bool(r["paused"]),
            active=bool(r["active"]),
            organisation_id=organisation[0],
            organisation_name=organisation[1],
            themes=tuple(SeekerTheme(t, name, level, int(holders)) for t, name, level, holders in r["themes"]),
            network_size=int(r["size"]),
            peers=peers,
            contacted_or_declined=frozenset(r["contacted"]),
            peers_of_peers=peers_of_peers,
        )

    def gather(
        self, plan: Expansion, keep: CandidateFilter, reachable: Sequence[str], theme_ids: Sequence[str]
    ) -> tuple[list[CandidateRow], list[CandidateRow]]:
        params = {
            "themes": [list(t) for t in plan.themes] if plan.theme_pool else [],
            "slot_bonuses": list(plan.slot_bonuses),
            "region_bonus": plan.region_bonus,
            "region": plan.region or "",
            "limit": plan.theme_pool,
            "ids": list(reachable),
            "seeker_id": keep.seeker_id,
            "excluded": list(keep.excluded),
            "organisation_id": keep.organisation_id or "",
            "require_common": keep.require_common_slot,
            "powers": [1 << i for i in range(len(availability.SLOTS)) if keep.seeker_mask >> i & 1],
            "theme_ids": list(theme_ids),
            "today": today(),
        }
        found: dict[str, list[CandidateRow]] = {"theme": [], "near": []}
        for r in self.tx.run(q.GATHER, params):
            org = r["org"] or [None, None, None]
            found[r["source"]].append(
                CandidateRow(
                    r["id"],
                    r["name"],
                    r["region"],
                    int(r["experience_years"]),
                    int(r["mask"]),
                    org[0],
                    org[1],
                    tuple(sorted((t, level) for t, level in r["themes"])),
                    org[2],
                )
            )
        return found["theme"], sorted(found["near"], key=lambda row: row.id)


class Neo4jSuggestions(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for suggestion candidates, graph features and contact cards."""

    def suggestion_pool(
        self,
        assessor_id: str,
        *,
        common_slot: str = "preferred",
        weights: Weights = DEFAULT_WEIGHTS,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CandidatePool:
        """The seeker and their candidates with graph features, in one read; see :meth:`SuggestionsPort.suggestion_pool`."""

        def work(tx: ManagedTransaction) -> CandidatePool:
            return assemble_pool(_Queries(tx), assessor_id, common_slot=common_slot, weights=weights, limits=limits)

        return self._read(work)

    def request_peer_contact(self, from_id: str, to_id: str, via: str | None = None, on: date | None = None) -> Contact:
        """Ask ``to_id`` to connect, as from a suggestion; see :meth:`SuggestionsPort.request_peer_contact` for the errors."""
        if from_id == to_id:
            raise Invalid(f"assessor {from_id!r} cannot contact themself")
        try:
            contact = Contact(from_id=from_id, to_id=to_id, status="requested", since=on or date.today(), via=via)
        except InvalidValue as exc:
            raise Invalid(str(exc)) from None
        props = {k: v for k, v in {"status": "requested", "since": contact.since, "via": via}.items() if v is not None}

        def work(tx: ManagedTransaction) -> None:
            tx.run(core.LOCK_PAIR, from_id=from_id, to_id=to_id).consume()
            parties = {r["id"]: r for r in tx.run(q.PARTIES, from_id=from_id, to_id=to_id, today=today())}
            if from_id not in parties:
                raise NotFound(f"no assessor with id {from_id!r}")
            other = parties.get(to_id)
            if other is None or not other["findable"]:
                raise NotFound(f"no assessor with id {to_id!r} open to contact requests")
            mine = parties[from_id]["organisation_id"]
            if mine is not None and mine == other["organisation_id"]:
                raise Invalid(f"{to_id!r} works in the same organisation as {from_id!r}; suggestions and requests are for peers elsewhere")
            state = tx.run(core.CONTACT_STATE, from_id=from_id, to_id=to_id).single(strict=True)
            if state["contact_status"] is not None:
                raise Conflict(f"a contact {state['contact_from']!r} → {state['contact_to']!r} already exists ({state['contact_status']})")
            if state["declined_by"] is not None:
                raise Conflict(f"{from_id!r} and {to_id!r} are not put in touch: one has declined the other")
            tx.run(core.CREATE_CONTACT, from_id=from_id, to_id=to_id, props=props).consume()

        self._write(work)
        return contact

    def contact_cards(self, assessor_id: str, status: str | None = None, direction: str | None = None) -> list[ContactCard]:
        """The assessor's contacts and requests with the other person's name and organisation; see :meth:`SuggestionsPort.contact_cards`."""
        check_card_filters(status, direction)

        def work(tx: ManagedTransaction) -> list[ContactCard]:
            if tx.run(q.ASSESSOR_EXISTS, id=assessor_id).single() is None:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            return [
                ContactCard(
                    r["other_id"],
                    r["other_name"],
                    r["organisation_id"],
                    r["organisation_name"],
                    r["status"],
                    r["direction"],
                    _day(r["since"]),
                    r["via"],
                )
                for r in tx.run(q.CONTACT_CARDS, id=assessor_id, status=status, direction=direction)
            ]

        return sorted(self._read(work), key=card_order)

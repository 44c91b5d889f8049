"""Embedded (SQLite) implementation of the suggestions area port: suggestion candidates, graph features and contact cards.

Every statement is literal SQL with ``?`` parameters; lists of ids travel as one JSON
parameter read with ``json_each``. The candidate queries lean on the core indexes
(``works_on_by_theme`` to expand a theme, the primary keys to look people up) and on the
sets area's ``memberships_by_assessor``; slot overlap is a bit test on ``availability_mask``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from graph.embedded.base import EmbeddedBase
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
from network.domain import Contact, InvalidValue
from network.suggestions import DEFAULT_LIMITS, DEFAULT_WEIGHTS, CandidatePool, Expansion, Limits, SeekerTheme, Weights

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    # Lets `count(*)` of the network size read a narrow index instead of every wide assessor row.
    "CREATE INDEX IF NOT EXISTS assessors_by_state ON assessors (active, discoverable, paused)",
)

#: Statements that empty this area's tables, run by ``_wipe`` before the core tables are emptied.
WIPE: tuple[str, ...] = ()

_SEEKER = (
    "SELECT a.id, a.name, a.region, a.availability_mask, a.discoverable, "
    "a.paused = 1 AND (a.paused_until IS NULL OR a.paused_until >= bw_today()), a.active, w.organisation_id, o.name "
    "FROM assessors a LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id "
    "WHERE a.id = ?"
)
_SEEKER_THEMES = (
    "SELECT l.theme_id, t.name, l.level, (SELECT count(*) FROM works_on h WHERE h.theme_id = l.theme_id) "
    "FROM works_on l JOIN themes t ON t.id = l.theme_id WHERE l.assessor_id = ? ORDER BY l.theme_id"
)
# Answered from the small assessors_by_state index rather than the wide assessor rows.
_NETWORK_SIZE = "SELECT count(*) FROM assessors"
# Peers of one assessor (?1): accepted contacts either way (ties) and set-mates in active or closed
# sets (ties while both are still in an active set, former set-mates otherwise), with their employer.
_SEEKER_PEERS = (
    "SELECT c.to_id, 1, w.organisation_id, y.active FROM contacts c CROSS JOIN assessors y ON y.id = c.to_id "
    "LEFT JOIN works_for w ON w.assessor_id = c.to_id WHERE c.from_id = ?1 AND c.status = 'accepted' "
    "UNION ALL "
    "SELECT c.from_id, 1, w.organisation_id, y.active FROM contacts c CROSS JOIN assessors y ON y.id = c.from_id "
    "LEFT JOIN works_for w ON w.assessor_id = c.from_id WHERE c.to_id = ?1 AND c.status = 'accepted' "
    "UNION ALL "
    'SELECT m2.assessor_id, (s.status = \'active\' AND m1."left" IS NULL AND m2."left" IS NULL), w.organisation_id, y.active '
    "FROM memberships m1 JOIN sets s ON s.id = m1.set_id "
    "JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id "
    "CROSS JOIN assessors y ON y.id = m2.assessor_id LEFT JOIN works_for w ON w.assessor_id = m2.assessor_id "
    "WHERE m1.assessor_id = ?1 AND s.status IN ('active', 'closed')"
)
_CONTACTED_OR_DECLINED = (
    "SELECT to_id FROM contacts WHERE from_id = ?1 UNION SELECT from_id FROM contacts WHERE to_id = ?1 "
    "UNION SELECT other_id FROM declined WHERE by_id = ?1 UNION SELECT by_id FROM declined WHERE other_id = ?1"
)
# The same peers for each assessor of a JSON list (?1).
_PEERS = (
    "WITH who(id) AS (SELECT value FROM json_each(?1)) "
    "SELECT c.from_id, c.to_id FROM who CROSS JOIN contacts c ON c.from_id = who.id WHERE c.status = 'accepted' "
    "UNION ALL "
    "SELECT c.to_id, c.from_id FROM who CROSS JOIN contacts c ON c.to_id = who.id WHERE c.status = 'accepted' "
    "UNION ALL "
    "SELECT m1.assessor_id, m2.assessor_id FROM who CROSS JOIN memberships m1 ON m1.assessor_id = who.id JOIN sets s ON s.id = m1.set_id "
    "JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id <> m1.assessor_id "
    "WHERE s.status IN ('active', 'closed')"
)
# Both candidate queries keep only who network.suggestions.eligible allows, with the same
# parameters: ?2 seeker id, ?3 JSON list of excluded ids, ?4 seeker's organisation (NULL: none),
# ?5 1 if a common slot is required, ?6 the seeker's availability mask.
#
# Holders of the expanded themes (?1: JSON [[theme_id, weight], ...]), pre-scored by the summed
# weights plus the bonus for the number of common slots (?7: JSON list, index = common slots; the
# 21 bits of the overlap with the seeker's slots ?6 are added up)
# and ?9 for the seeker's region (?10), best ?8 kept.
_THEME_CANDIDATES = (
    "WITH plan(theme_id, w) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)), "
    "hits(id, pre) AS (SELECT l.assessor_id, sum(plan.w) FROM plan CROSS JOIN works_on l ON l.theme_id = plan.theme_id "
    "GROUP BY l.assessor_id) "
    "SELECT a.id FROM hits CROSS JOIN assessors a ON a.id = hits.id WHERE "
    "a.discoverable = 1 AND (a.paused = 0 OR a.paused_until < bw_today()) AND a.active = 1 AND a.id <> ?2 "
    "AND a.id NOT IN (SELECT value FROM json_each(?3)) "
    "AND (?4 IS NULL OR NOT EXISTS (SELECT 1 FROM works_for w WHERE w.assessor_id = a.id AND w.organisation_id = ?4)) "
    "AND (?5 = 0 OR (a.availability_mask & ?6) <> 0) "
    "ORDER BY hits.pre + json_extract(?7, '$[' || ("
    "(((a.availability_mask & ?6) >> 0) & 1) + (((a.availability_mask & ?6) >> 1) & 1) + (((a.availability_mask & ?6) >> 2) & 1) + "
    "(((a.availability_mask & ?6) >> 3) & 1) + (((a.availability_mask & ?6) >> 4) & 1) + (((a.availability_mask & ?6) >> 5) & 1) + "
    "(((a.availability_mask & ?6) >> 6) & 1) + (((a.availability_mask & ?6) >> 7) & 1) + (((a.availability_mask & ?6) >> 8) & 1) + "
    "(((a.availability_mask & ?6) >> 9) & 1) + (((a.availability_mask & ?6) >> 10) & 1) + (((a.availability_mask & ?6) >> 11) & 1) + "
    "(((a.availability_mask & ?6) >> 12) & 1) + (((a.availability_mask & ?6) >> 13) & 1) + (((a.availability_mask & ?6) >> 14) & 1) + "
    "(((a.availability_mask & ?6) >> 15) & 1) + (((a.availability_mask & ?6) >> 16) & 1) + (((a.availability_mask & ?6) >> 17) & 1) + "
    "(((a.availability_mask & ?6) >> 18) & 1) + (((a.availability_mask & ?6) >> 19) & 1) + (((a.availability_mask & ?6) >> 20) & 1)"
    ") || ']') "
    "+ CASE WHEN a.region = ?10 THEN ?9 ELSE 0 END DESC, a.id LIMIT ?8"
)
# Those of a JSON list of ids (?1) that may be candidates.
_ELIGIBLE_AMONG = (
    "SELECT a.id FROM json_each(?1) j CROSS JOIN assessors a ON a.id = j.value WHERE "
    "a.discoverable = 1 AND (a.paused = 0 OR a.paused_until < bw_today()) AND a.active = 1 AND a.id <> ?2 "
    "AND a.id NOT IN (SELECT value FROM json_each(?3)) "
    "AND (?4 IS NULL OR NOT EXISTS (SELECT 1 FROM works_for w WHERE w.assessor_id = a.id AND w.organisation_id = ?4)) "
    "AND (?5 = 0 OR (a.availability_mask & ?6) <> 0) "
    "ORDER BY a.id"
)
_CANDIDATES = (
    "SELECT a.id, a.name, a.region, a.experience_years, a.availability_mask, w.organisation_id, o.name, o.region "
    "FROM json_each(?1) j CROSS JOIN assessors a ON a.id = j.value "
    "LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id "
    "ORDER BY a.id"
)
_SHARED_THEMES = (
    "SELECT l.assessor_id, l.theme_id, l.level FROM json_each(?1) j CROSS JOIN works_on l ON l.assessor_id = j.value "
    "WHERE l.theme_id IN (SELECT value FROM json_each(?2)) ORDER BY l.assessor_id, l.theme_id"
)

# -- contact requests from a suggestion -----------------------------------------------------------

_PARTIES = (
    "SELECT a.id, a.discoverable, a.paused = 1 AND (a.paused_until IS NULL OR a.paused_until >= bw_today()), a.active, "
    "w.organisation_id FROM assessors a "
    "LEFT JOIN works_for w ON w.assessor_id = a.id WHERE a.id IN (?1, ?2)"
)
_CONTACT_EITHER_WAY = "SELECT from_id, to_id, status FROM contacts WHERE (from_id = ?1 AND to_id = ?2) OR (from_id = ?2 AND to_id = ?1)"
_DECLINED_EITHER_WAY = "SELECT by_id, other_id FROM declined WHERE (by_id = ?1 AND other_id = ?2) OR (by_id = ?2 AND other_id = ?1)"
_INSERT_CONTACT = "INSERT INTO contacts (from_id, to_id, status, since, via) VALUES (?, ?, 'requested', ?, ?)"

_EXISTS = "SELECT 1 FROM assessors WHERE id = ?"
_CARDS = (
    "SELECT c.to_id, a.name, w.organisation_id, o.name, c.status, 'outgoing', c.since, c.via FROM contacts c "
    "JOIN assessors a ON a.id = c.to_id LEFT JOIN works_for w ON w.assessor_id = c.to_id "
    "LEFT JOIN organisations o ON o.id = w.organisation_id "
    "WHERE c.from_id = ?1 AND (?2 IS NULL OR c.status = ?2) AND (?3 IS NULL OR ?3 = 'outgoing') "
    "UNION ALL "
    "SELECT c.from_id, a.name, w.organisation_id, o.name, c.status, 'incoming', c.since, c.via FROM contacts c "
    "JOIN assessors a ON a.id = c.from_id LEFT JOIN works_for w ON w.assessor_id = c.from_id "
    "LEFT JOIN organisations o ON o.id = w.organisation_id "
    "WHERE c.to_id = ?1 AND (?2 IS NULL OR c.status = ?2) AND (?3 IS NULL OR ?3 = 'incoming') "
    "ORDER BY 5, 2, 1"
)


def _json(values: Sequence[Any]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


class _Queries:
    """The reads of :func:`~graph.port_suggestions.assemble_pool` on one open SQLite transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def seeker(self, assessor_id: str) -> SeekerFacts:
        r = self.conn.execute(_SEEKER, (assessor_id,)).fetchone()
        if r is None:
            raise NotFound(f"no assessor with id {assessor_id!r}")
        peers = tuple((p[0], bool(p[1]), p[2], bool(p[3])) for p in self.conn.execute(_SEEKER_PEERS, (assessor_id,)))
        peers_of_peers: dict[str, list[str]] = defaultdict(list)
        if peers:
            for x, y in self.conn.execute(_PEERS, (_json(sorted({p[0] for p in peers})),)):
                peers_of_peers[x].append(y)
        return SeekerFacts(
            id=r[0],
            name=r[1],
            region=r[2],
            availability_mask=r[3],
            discoverable=bool(r[4]),
            paused=bool(r[5]),
            active=bool(r[6]),
            organisation_id=r[7],
            organisation_name=r[8],
            themes=tuple(SeekerTheme(t[0], t[1], t[2], t[3]) for t in self.conn.execute(_SEEKER_THEMES, (assessor_id,))),
            network_size=int(self.conn.execute(_NETWORK_SIZE).fetchone()[0]),
            peers=peers,
            contacted_or_declined=frozenset(c[0] for c in self.conn.execute(_CONTACTED_OR_DECLINED, (assessor_id,))),
            peers_of_peers=peers_of_peers,
        )

    def gather(
        self, plan: Expansion, keep: CandidateFilter, reachable: Sequence[str], theme_ids: Sequence[str]
    ) -> tuple[list[CandidateRow], list[CandidateRow]]:
        kept = (keep.seeker_id, _json(keep.excluded), keep.organisation_id, int(keep.require_common_slot), keep.seeker_mask)
        by_theme: list[str] = []
        if plan.themes and plan.theme_pool:
            bonuses = _json(plan.slot_bonuses)
            params = (_json([list(t) for t in plan.themes]), *kept, bonuses, plan.theme_pool, plan.region_bonus, plan.region)
            by_theme = [r[0] for r in self.conn.execute(_THEME_CANDIDATES, params)]
        near = [r[0] for r in self.conn.execute(_ELIGIBLE_AMONG, (_json(reachable), *kept))] if reachable else []
        rows = {r.id: r for r in self._rows(sorted(set(by_theme) | set(near)), theme_ids)}
        return [rows[i] for i in by_theme], [rows[i] for i in near]

    def _rows(self, ids: Sequence[str], theme_ids: Sequence[str]) -> list[CandidateRow]:
        if not ids:
            return []
        shared: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if theme_ids:
            for who, theme_id, level in self.conn.execute(_SHARED_THEMES, (_json(ids), _json(theme_ids))):
                shared[who].append((theme_id, level))
        return [
            CandidateRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(shared.get(r[0], ())), r[7])
            for r in self.conn.execute(_CANDIDATES, (_json(ids),))
        ]


class EmbeddedSuggestions(EmbeddedBase):
    """Mixin of :class:`~graph.embedded.store.EmbeddedStore` for suggestion candidates, graph features and contact cards."""

    def suggestion_pool(
        self,
        assessor_id: str,
        *,
        common_slot: str = "preferred",
        weights: Weights = DEFAULT_WEIGHTS,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CandidatePool:
        """The seeker and their candidates with graph features, in one read; see :meth:`SuggestionsPort.suggestion_pool`."""
        with self._transaction(write=False) as conn:
            return assemble_pool(_Queries(conn), assessor_id, common_slot=common_slot, weights=weights, limits=limits)

    def request_peer_contact(self, from_id: str, to_id: str, via: str | None = None, on: date | None = None) -> Contact:
        """Ask ``to_id`` to connect, as from a suggestion; see :meth:`SuggestionsPort.request_peer_contact` for the errors."""
        if from_id == to_id:
            raise Invalid(f"assessor {from_id!r} cannot contact themself")
        try:
            contact = Contact(from_id=from_id, to_id=to_id, status="requested", since=on or date.today(), via=via)
        except InvalidValue as exc:
            raise Invalid(str(exc)) from None
        with self._transaction(write=True) as conn:
            parties = {r[0]: r for r in conn.execute(_PARTIES, (from_id, to_id))}
            if from_id not in parties:
                raise NotFound(f"no assessor with id {from_id!r}")
            other = parties.get(to_id)
            if other is None or not (other[1] and not other[2] and other[3]):
                raise NotFound(f"no assessor with id {to_id!r} open to contact requests")
            if parties[from_id][4] is not None and parties[from_id][4] == other[4]:
                raise Invalid(f"{to_id!r} works in the same organisation as {from_id!r}; suggestions and requests are for peers elsewhere")
            existing = conn.execute(_CONTACT_EITHER_WAY, (from_id, to_id)).fetchone()
            if existing is not None:
                raise Conflict(f"a contact {existing[0]!r} → {existing[1]!r} already exists ({existing[2]})")
            if conn.execute(_DECLINED_EITHER_WAY, (from_id, to_id)).fetchone() is not None:
                raise Conflict(f"{from_id!r} and {to_id!r} are not put in touch: one has declined the other")
            conn.execute(_INSERT_CONTACT, (from_id, to_id, contact.since.isoformat() if contact.since else None, via))
        return contact

    def contact_cards(self, assessor_id: str, status: str | None = None, direction: str | None = None) -> list[ContactCard]:
        """The assessor's contacts and requests with the other person's name and organisation; see :meth:`SuggestionsPort.contact_cards`."""
        check_card_filters(status, direction)
        with self._transaction(write=False) as conn:
            if conn.execute(_EXISTS, (assessor_id,)).fetchone() is None:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            rows = conn.execute(_CARDS, (assessor_id, status, direction)).fetchall()
        cards = [ContactCard(r[0], r[1], r[2], r[3], r[4], r[5], _day(r[6]), r[7]) for r in rows]
        return sorted(cards, key=card_order)

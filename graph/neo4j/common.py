"""Row readers and small in-transaction helpers the Neo4j area mixins share.

The mixins (``graph/neo4j/<area>.py``) and :mod:`graph.neo4j.store` import from here, never from
each other: this module imports only the driver, the queries, the port and :mod:`network`, so no
import circle runs through it. Cypher stays in the ``queries_<area>`` modules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import neo4j
from neo4j import ManagedTransaction

from graph import sets_common
from graph.neo4j import queries_sets
from graph.port_meetings import NoticeRecord
from graph.port_sets import Membership, PoolMember, SetRecord
from graph.values import NotFound
from network.domain import ActionLearningSet, Assessor, Programme

# -- stored values -> Python values --------------------------------------------------------


def native(value: Any) -> Any:
    """A stored Neo4j ``date``/``datetime`` as its Python value (anything else unchanged)."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    return value


def day(value: Any) -> date | None:
    """A stored Neo4j ``date`` as a ``datetime.date``."""
    if value is None:
        return None
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    return value  # type: ignore[no-any-return]


def stored_props(values: Mapping[str, Any]) -> dict[str, Any]:
    """A property map without ``None`` values (Neo4j has no null properties: absent means None)."""
    return {k: v for k, v in values.items() if v is not None}


# -- rows -> domain values (read by several areas) ---------------------------------------------


def to_assessor(p: Mapping[str, Any]) -> Assessor:
    """An ``Assessor`` node's properties as the domain value."""
    return Assessor(
        id=p["id"],
        name=p["name"],
        email=p.get("email"),
        region=p.get("region"),
        experience_years=p.get("experience_years", 0),
        discoverable=p.get("discoverable", False),
        paused=p.get("paused", False),
        active=p.get("active", True),
        capacity=p.get("capacity", 1),
        availability=tuple(p.get("availability") or ()),
        bio=p.get("bio", ""),
        paused_until=day(p.get("paused_until")),
    )


def to_programme(p: Mapping[str, Any]) -> Programme:
    """A ``Programme`` node's properties as the domain value."""
    values = {k: native(v) for k, v in p.items()}
    return sets_common.programme_from(values)


def to_set_record(r: Mapping[str, Any]) -> SetRecord:
    """A row of :data:`~graph.neo4j.queries_sets.SET_RECORDS` as a set with its memberships."""
    p = r["props"]
    members = sorted(
        (
            Membership(
                set_id=p["id"],
                assessor_id=m["assessor_id"],
                joined=native(m["joined"]),
                left=native(m["left"]),
                role=m["role"] or "member",
            )
            for m in r["members"]
        ),
        key=lambda m: (m.joined, m.assessor_id),
    )
    s = ActionLearningSet(
        id=p["id"],
        name=p["name"],
        programme_id=r["programme_id"],
        status=p["status"],
        meeting_slot=p.get("meeting_slot"),
        cadence=p["cadence"],
        starts_on=native(p.get("starts_on")),
        theme_ids=tuple(sorted(r["theme_ids"])),
    )
    return SetRecord(set=s, members=tuple(members))


def to_pool_member(r: Mapping[str, Any]) -> PoolMember:
    """A row of :data:`~graph.neo4j.queries_sets.POOL_MEMBERS` or ``DESCRIBE_MEMBERS`` as what formation needs of a person."""
    return PoolMember(
        assessor=to_assessor(r["props"]),
        organisation_id=r["organisation_id"],
        organisation_kind=r["organisation_kind"],
        themes=tuple(sorted((t, level) for t, level in r["themes"])),
        active_sets=r["active_sets"],
        enrolled_on=native(r["enrolled_on"]),
    )


# -- inside a transaction ------------------------------------------------------------------------


def need(tx: ManagedTransaction, statement: str, node_id: str, noun: str) -> None:
    """:class:`NotFound` ("no <noun> with id ...") unless ``statement`` finds the node with ``id``."""
    if tx.run(statement, id=node_id).single() is None:
        raise NotFound(f"no {noun} with id {node_id!r}")


def set_records(tx: ManagedTransaction, set_ids: list[str]) -> list[SetRecord]:
    """The sets with these ids (in id order) with their themes and memberships."""
    if not set_ids:
        return []
    return [to_set_record(r) for r in tx.run(queries_sets.SET_RECORDS, ids=sorted(set_ids))]


# -- notices (the meetings area's outbox; the delivery area claims them) ------------------------


def to_notice(n: Mapping[str, Any]) -> NoticeRecord:
    """A ``(:Notice)`` node's properties as the port's notice (properties of other areas are ignored)."""
    return NoticeRecord(
        key=n["key"],
        user_id=n.get("user_id"),
        assessor_id=n.get("assessor_id"),
        kind=n["kind"],
        subject=n["subject"],
        body=n["body"],
        link=n.get("link"),
        due_on=native(n.get("due_on")),
        created_at=native(n.get("created_at")),
        status=n["status"],
        sent_at=native(n.get("sent_at")),
        via=n.get("via"),
        error=n.get("error"),
        refs=None if n.get("refs") is None else json.loads(n["refs"]),
    )

"""Neo4j implementation of the delivery area port.

The area: people's choices per group of notices, and claims on the outbox's notices for sending.
Its Cypher is in :mod:`graph.neo4j.queries_delivery`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import neo4j.time
from neo4j import ManagedTransaction

from graph.neo4j import queries_delivery as q
from graph.neo4j.base import Neo4jBase
from graph.neo4j.common import to_notice
from graph.port_delivery import ROUTES, ClaimedNotice, NoticeDelivery, Recipient, Settlement, check_choices, check_settlements
from graph.values import Invalid, NotFound
from network.delivery import GROUP_IDS


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _when(value: Any) -> datetime | None:
    """A stored ``DateTime`` as an aware ``datetime`` in UTC (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, neo4j.time.DateTime):
        value = value.to_native()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def _chosen(pairs: Sequence[Sequence[Any]]) -> dict[str, str]:
    return {g: c for g, c in pairs if c is not None}


class Neo4jDelivery(Neo4jBase):
    """People's choices per group of notices, and claims on the outbox's notices, in Neo4j."""

    # -- preferences ------------------------------------------------------------------------

    def notice_preferences(self, user_id: str) -> dict[str, str]:
        """The groups the user chose for."""
        row = self._read(lambda tx: tx.run(q.PREFERENCES, id=user_id, groups=list(GROUP_IDS)).single())
        if row is None:
            raise NotFound(f"no user {user_id!r}")
        return _chosen(row["pairs"])

    def set_notice_preferences(self, user_id: str, choices: Mapping[str, str]) -> dict[str, str]:
        """Store the choices given (only those properties are set); the user's choices afterwards."""
        check_choices(choices)
        changes = {f"notice_{g}": c for g, c in choices.items()}
        row = self._write(lambda tx: tx.run(q.SET_PREFERENCES, id=user_id, changes=changes, groups=list(GROUP_IDS)).single())
        if row is None:
            raise NotFound(f"no user {user_id!r}")
        return _chosen(row["pairs"])

    def notice_recipients(self, *, user_ids: Sequence[str] = (), assessor_ids: Sequence[str] = ()) -> dict[tuple[str, str], Recipient]:
        """The people these ids name, with their choices."""
        groups = list(GROUP_IDS)

        def work(tx: ManagedTransaction) -> dict[tuple[str, str], Recipient]:
            out: dict[tuple[str, str], Recipient] = {}
            if user_ids:
                for r in tx.run(q.USER_RECIPIENTS, ids=sorted(set(user_ids)), groups=groups):
                    out[("user", r["user_id"])] = Recipient(r["user_id"], r["assessor_id"], _chosen(r["pairs"]))
            if assessor_ids:
                for r in tx.run(q.ASSESSOR_RECIPIENTS, ids=sorted(set(assessor_ids)), groups=groups):
                    out[("assessor", r["assessor_id"])] = Recipient(r["user_id"], r["assessor_id"], _chosen(r["pairs"]))
            return out

        return self._read(work)

    # -- claims ---------------------------------------------------------------------------

    def claim_notices(
        self,
        worker_id: str,
        now: datetime,
        lease_until: datetime,
        *,
        route: str = "email",
        limit: int = 100,
        keys: Sequence[str] | None = None,
        fresh: bool = True,
        retry_due: datetime | None = None,
    ) -> list[ClaimedNotice]:
        """Claim the notices due on ``route``: find them, lock them in key order, check them again, mark them."""
        if route not in ROUTES:
            raise Invalid(f"route must be one of {', '.join(ROUTES)}, got {route!r}")
        if keys is not None and not keys:
            return []
        params = {"route": route, "fresh": fresh, "retry_due": _utc(retry_due or now), "now": _utc(now), "limit": max(1, limit)}

        def work(tx: ManagedTransaction) -> list[ClaimedNotice]:
            if keys is None:
                due = [r["key"] for r in tx.run(q.DUE, params)]
            else:
                due = [r["key"] for r in tx.run(q.DUE_OF_KEYS, params, keys=sorted(set(keys)))]
            if not due:
                return []
            due.sort()  # every claimer locks in the same order, so two cannot wait on each other
            tx.run(q.LOCK, keys=due).consume()
            rows = [dict(r["n"]) for r in tx.run(q.CLAIM, params, keys=due, worker_id=worker_id, lease_until=_utc(lease_until))]
            rows.sort(key=lambda n: (_when(n.get("created_at")) or datetime.min.replace(tzinfo=UTC), n["key"]))
            return [ClaimedNotice(to_notice(n), int(n["attempts"]), n.get("route")) for n in rows]

        return self._write(work)

    def settle_notices(self, worker_id: str, settlements: Sequence[Settlement], at: datetime) -> int:
        """Record what became of notices this worker claimed; how many were still its own."""
        check_settlements(settlements)
        if not settlements:
            return 0
        rows = [
            {
                "key": s.key,
                "status": s.status,
                "sent_at": _utc(at) if s.status == "sent" else None,
                "via": s.via,
                "error": s.error,
                "retry_at": _utc(s.retry_at) if s.status == "failed" and s.retry_at is not None else None,
                "route": s.route,
                "uncount": s.uncount,
            }
            for s in settlements
        ]
        keys = sorted({s.key for s in settlements})

        def work(tx: ManagedTransaction) -> int:
            tx.run(q.LOCK, keys=keys).consume()  # a claimer taking over an expired lease waits, then sees the settled notice
            return int(tx.run(q.SETTLE, rows=rows, worker_id=worker_id).single(strict=True)["n"])

        return self._write(work)

    def notice_deliveries(self, keys: Sequence[str]) -> dict[str, NoticeDelivery]:
        """Where each of these notices' delivery stands."""
        if not keys:
            return {}
        rows = self._read(lambda tx: [dict(r) for r in tx.run(q.DELIVERIES, keys=sorted(set(keys)))])
        return {
            r["key"]: NoticeDelivery(
                key=r["key"],
                status=r["status"],
                route=r["route"],
                attempts=int(r["attempts"]),
                next_attempt_at=_when(r["next_attempt_at"]),
                claimed_by=r["claimed_by"],
                lease_until=_when(r["lease_until"]),
                via=r["via"],
                error=r["error"],
            )
            for r in rows
        }

"""Embedded (SQLite) implementation of the delivery area port.

The area: people's choices per group of notices, and claims on the outbox's notices for sending.

Tables: ``notice_preferences`` (one row per user and group they chose for; goes with the account)
and ``notice_delivery`` (one row per notice that was ever claimed: its route, attempts, next try
and current claim; goes with the notice). A notice's status stays in ``notices.status``. Writers
hold SQLite's single write lock (``BEGIN IMMEDIATE``), so a claim's select-then-mark is atomic even
between processes sharing the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from graph.embedded.base import EmbeddedBase
from graph.embedded.common import NOTICE_SELECT, to_notice
from graph.port_delivery import ROUTES, ClaimedNotice, NoticeDelivery, Recipient, Settlement, check_choices, check_settlements
from graph.values import Invalid, NotFound

#: Tables and indexes of this area, created by ``ensure_schema`` after those of accounts and meetings.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS notice_preferences (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        grp TEXT NOT NULL,
        choice TEXT NOT NULL,
        PRIMARY KEY (user_id, grp)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS notice_delivery (
        key TEXT PRIMARY KEY REFERENCES notices (key) ON DELETE CASCADE,
        route TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        claimed_by TEXT,
        lease_until TEXT
    ) WITHOUT ROWID""",
)

#: Deletes run by ``wipe`` (before the tables they refer to).
WIPE: tuple[str, ...] = ("DELETE FROM notice_delivery", "DELETE FROM notice_preferences")

_USER_EXISTS = "SELECT id FROM users WHERE id = ?"
_PREFERENCES = "SELECT grp, choice FROM notice_preferences WHERE user_id = ? ORDER BY grp"
_SET_PREFERENCE = (
    "INSERT INTO notice_preferences (user_id, grp, choice) VALUES (?, ?, ?) "
    "ON CONFLICT (user_id, grp) DO UPDATE SET choice = excluded.choice"
)
_USERS_IN = (
    "SELECT u.id, ua.assessor_id FROM users u LEFT JOIN user_assessor ua ON ua.user_id = u.id "
    "WHERE u.id IN (SELECT value FROM json_each(?))"
)
_ASSESSORS_IN = (
    "SELECT a.id, ua.user_id FROM assessors a LEFT JOIN user_assessor ua ON ua.assessor_id = a.id "
    "WHERE a.id IN (SELECT value FROM json_each(?))"
)
_PREFERENCES_IN = "SELECT user_id, grp, choice FROM notice_preferences WHERE user_id IN (SELECT value FROM json_each(?))"

# Due for a claim on a route: pending (if fresh), failed and due for a retry, or claimed by a sender whose lease ran out.
# ?1 route, ?2 fresh (0/1), ?3 retry_due, ?4 now, ?5 keys (JSON list or NULL), ?6 limit.
_DUE = """
SELECT n.key FROM notices n LEFT JOIN notice_delivery d ON d.key = n.key
WHERE n.status IN ('pending', 'failed', 'sending')
  AND (CASE WHEN ?1 = 'digest' THEN coalesce(d.route = 'digest', 0) ELSE (d.route IS NULL OR d.route = 'email') END)
  AND ((n.status = 'pending' AND ?2)
    OR (n.status = 'failed' AND (d.key IS NULL OR d.next_attempt_at <= ?3))
    OR (n.status = 'sending' AND (d.lease_until IS NULL OR d.lease_until <= ?4)))
  AND (?5 IS NULL OR n.key IN (SELECT value FROM json_each(?5)))
ORDER BY n.created_at, n.key
LIMIT ?6
"""
_MARK_SENDING = "UPDATE notices SET status = 'sending' WHERE key IN (SELECT value FROM json_each(?))"
_CLAIM = """
INSERT INTO notice_delivery (key, attempts, claimed_by, lease_until)
SELECT value, 1, ?2, ?3 FROM json_each(?1) WHERE true
ON CONFLICT (key) DO UPDATE SET attempts = notice_delivery.attempts + 1, claimed_by = excluded.claimed_by,
  lease_until = excluded.lease_until
"""
# The notice reader is shared (common.py); this area adds which rows. Built from constants only.
_CLAIMED = NOTICE_SELECT + "WHERE n.key IN (SELECT value FROM json_each(?)) ORDER BY n.created_at, n.key"  # noqa: S608
_CLAIMS = "SELECT key, attempts, route FROM notice_delivery WHERE key IN (SELECT value FROM json_each(?))"
_SETTLE_NOTICE = """
UPDATE notices SET status = ?2, sent_at = ?3, via = ?4, error = ?5
WHERE key = ?1 AND status = 'sending' AND EXISTS (SELECT 1 FROM notice_delivery d WHERE d.key = ?1 AND d.claimed_by = ?6)
"""
_SETTLE_DELIVERY = """
UPDATE notice_delivery SET claimed_by = NULL, lease_until = NULL, next_attempt_at = ?2, route = coalesce(?3, route),
  attempts = max(0, attempts - ?4)
WHERE key = ?1
"""
_DELIVERIES = """
SELECT n.key, n.status, d.route, coalesce(d.attempts, 0), d.next_attempt_at, d.claimed_by, d.lease_until, n.via, n.error
FROM notices n LEFT JOIN notice_delivery d ON d.key = n.key
WHERE n.key IN (SELECT value FROM json_each(?))
ORDER BY n.key
"""


def _stamp(at: datetime) -> str:
    # Fixed-width UTC text, so text order is time order.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _ids(values: Iterable[str]) -> str:
    return json.dumps(sorted(set(values)), separators=(",", ":"))


class EmbeddedDelivery(EmbeddedBase):
    """People's choices per group of notices, and claims on the outbox's notices, in SQLite."""

    # -- preferences ------------------------------------------------------------------------

    def notice_preferences(self, user_id: str) -> dict[str, str]:
        """The groups the user chose for."""
        with self._transaction(write=False) as conn:
            if conn.execute(_USER_EXISTS, (user_id,)).fetchone() is None:
                raise NotFound(f"no user {user_id!r}")
            return {r[0]: r[1] for r in conn.execute(_PREFERENCES, (user_id,))}

    def set_notice_preferences(self, user_id: str, choices: Mapping[str, str]) -> dict[str, str]:
        """Store the choices given; the user's choices afterwards."""
        check_choices(choices)
        with self._transaction(write=True) as conn:
            if conn.execute(_USER_EXISTS, (user_id,)).fetchone() is None:
                raise NotFound(f"no user {user_id!r}")
            for group, choice in choices.items():
                conn.execute(_SET_PREFERENCE, (user_id, group, choice))
            return {r[0]: r[1] for r in conn.execute(_PREFERENCES, (user_id,))}

    def notice_recipients(self, *, user_ids: Sequence[str] = (), assessor_ids: Sequence[str] = ()) -> dict[tuple[str, str], Recipient]:
        """The people these ids name, with their choices."""
        with self._transaction(write=False) as conn:
            users = {r[0]: r[1] for r in conn.execute(_USERS_IN, (_ids(user_ids),))} if user_ids else {}
            assessors = {r[0]: r[1] for r in conn.execute(_ASSESSORS_IN, (_ids(assessor_ids),))} if assessor_ids else {}
            accounts = set(users) | {u for u in assessors.values() if u is not None}
            chosen: dict[str, dict[str, str]] = {}
            if accounts:
                for user_id, group, choice in conn.execute(_PREFERENCES_IN, (_ids(accounts),)):
                    chosen.setdefault(user_id, {})[group] = choice
        out: dict[tuple[str, str], Recipient] = {}
        for user_id, assessor_id in users.items():
            out[("user", user_id)] = Recipient(user_id, assessor_id, chosen.get(user_id, {}))
        for assessor_id, user_id in assessors.items():
            out[("assessor", assessor_id)] = Recipient(user_id, assessor_id, chosen.get(user_id, {}) if user_id else {})
        return out

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
        """Claim the notices due on ``route`` (one transaction under the write lock)."""
        if route not in ROUTES:
            raise Invalid(f"route must be one of {', '.join(ROUTES)}, got {route!r}")
        if keys is not None and not keys:
            return []
        params = (route, int(fresh), _stamp(retry_due or now), _stamp(now), None if keys is None else _ids(keys), max(1, limit))
        with self._transaction(write=True) as conn:
            due = [r[0] for r in conn.execute(_DUE, params)]
            if not due:
                return []
            chosen = _ids(due)
            conn.execute(_MARK_SENDING, (chosen,))
            conn.execute(_CLAIM, (chosen, worker_id, _stamp(lease_until)))
            notices = [to_notice(tuple(r)) for r in conn.execute(_CLAIMED, (chosen,))]
            claims = {r[0]: (r[1], r[2]) for r in conn.execute(_CLAIMS, (chosen,))}
        return [ClaimedNotice(n, *claims[n.key]) for n in notices]

    def settle_notices(self, worker_id: str, settlements: Sequence[Settlement], at: datetime) -> int:
        """Record what became of notices this worker claimed; how many were still its own."""
        check_settlements(settlements)
        count = 0
        with self._transaction(write=True) as conn:
            for s in settlements:
                sent_at = _stamp(at) if s.status == "sent" else None
                if conn.execute(_SETTLE_NOTICE, (s.key, s.status, sent_at, s.via, s.error, worker_id)).rowcount:
                    retry = _stamp(s.retry_at) if s.status == "failed" and s.retry_at is not None else None
                    conn.execute(_SETTLE_DELIVERY, (s.key, retry, s.route, int(s.uncount)))
                    count += 1
        return count

    def notice_deliveries(self, keys: Sequence[str]) -> dict[str, NoticeDelivery]:
        """Where each of these notices' delivery stands."""
        if not keys:
            return {}
        with self._transaction(write=False) as conn:
            rows = [tuple(r) for r in conn.execute(_DELIVERIES, (_ids(keys),))]
        return {
            r[0]: NoticeDelivery(
                key=r[0],
                status=r[1],
                route=r[2],
                attempts=r[3],
                next_attempt_at=_when(r[4]),
                claimed_by=r[5],
                lease_until=_when(r[6]),
                via=r[7],
                error=r[8],
            )
            for r in rows
        }

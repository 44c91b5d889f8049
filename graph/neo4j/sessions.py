"""Neo4j implementation of the sessions area port: signed-in sessions and shared throttle counters.

Its Cypher is in :mod:`graph.neo4j.queries_sessions`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import neo4j.time
from neo4j import ManagedTransaction

from graph.neo4j import queries_sessions as q
from graph.neo4j.base import Neo4jBase
from graph.port_accounts import User
from graph.port_sessions import MAX_USER_AGENT, Counter, SignInSession
from graph.values import NotFound

if TYPE_CHECKING:
    from graph.port import GraphStore


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _when(value: Any) -> datetime:
    """A stored ``DateTime`` as an aware ``datetime`` in UTC."""
    if isinstance(value, neo4j.time.DateTime):
        value = value.to_native()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def _session(p: Any, user_id: str) -> SignInSession:
    return SignInSession(
        id=p["id"],
        user_id=user_id,
        secret_hash=p["secret_hash"],
        created_at=_when(p["created_at"]),
        last_seen_at=_when(p["last_seen_at"]),
        expires_at=_when(p["expires_at"]),
        remember=bool(p.get("remember", False)),
        user_agent=p.get("user_agent", ""),
    )


class Neo4jSessions(Neo4jBase):
    """The sessions area on Neo4j."""

    def create_session(self, session: SignInSession) -> SignInSession:
        """Store a new session; :class:`NotFound` if the user is missing, :class:`Conflict` if the id exists."""
        props = {
            "id": session.id,
            "secret_hash": session.secret_hash,
            "created_at": _utc(session.created_at),
            "last_seen_at": _utc(session.last_seen_at),
            "expires_at": _utc(session.expires_at),
            "remember": session.remember,
            "user_agent": session.user_agent[:MAX_USER_AGENT],
        }

        def work(tx: ManagedTransaction) -> None:
            if tx.run(q.CREATE_SESSION, user_id=session.user_id, props=props).single() is None:
                raise NotFound(f"no user with id {session.user_id!r}")

        self._write(work, conflict=f"session {session.id!r} already exists")
        return session

    def session_with_user(self, session_id: str) -> tuple[SignInSession, User] | None:
        """The session and its user in one read transaction, or ``None``."""
        store = cast("GraphStore", self)
        with store.unit_of_work(write=False):
            record = self._read(lambda tx: tx.run(q.GET_SESSION, id=session_id).single())
            if record is None:
                return None
            found = _session(record["props"], record["user_id"])
            try:
                return found, store.get_user(found.user_id)
            except NotFound:
                return None

    def list_sessions(self, user_id: str, now: datetime) -> list[SignInSession]:
        """The user's unexpired sessions, most recently seen first."""

        def work(tx: ManagedTransaction) -> list[SignInSession]:
            if tx.run(q.USER_EXISTS, user_id=user_id).single() is None:
                raise NotFound(f"no user with id {user_id!r}")
            return [_session(r["props"], user_id) for r in tx.run(q.SESSIONS_OF, user_id=user_id, now=_utc(now))]

        return self._read(work)

    def touch_session(self, session_id: str, at: datetime) -> None:
        """Record that the session was seen at ``at`` (never moves it back)."""
        self._write(lambda tx: tx.run(q.TOUCH_SESSION, id=session_id, at=_utc(at)).consume())

    def end_session(self, user_id: str, session_id: str) -> None:
        """End one of the user's sessions; :class:`NotFound` if they hold no such session."""
        record = self._write(lambda tx: tx.run(q.END_SESSION, user_id=user_id, id=session_id).single())
        if record is None or record["ended"] == 0:
            raise NotFound(f"no session {session_id!r} for user {user_id!r}")

    def end_sessions(self, user_id: str, keep: str | None = None) -> int:
        """End every session of the user but ``keep``; return how many ended."""
        record = self._write(lambda tx: tx.run(q.END_SESSIONS, user_id=user_id, keep=keep).single())
        return 0 if record is None else int(record["ended"])

    def delete_expired_sessions(self, before: datetime) -> int:
        """Delete sessions that expired before ``before``."""
        record = self._write(lambda tx: tx.run(q.DELETE_EXPIRED_SESSIONS, before=_utc(before)).single())
        return 0 if record is None else int(record["deleted"])

    def delete_tokens(self, user_id: str) -> int:
        """Revoke every API token of the user."""
        record = self._write(lambda tx: tx.run(q.DELETE_TOKENS, user_id=user_id).single())
        return 0 if record is None else int(record["deleted"])

    def hit_counter(self, key: str, at: datetime, window_seconds: int, amount: int = 1) -> Counter:
        """Add ``amount`` to the counter of ``key`` (a new window if it is missing or expired)."""
        params = {"key": key, "at": _utc(at), "resets_at": _utc(at + timedelta(seconds=window_seconds)), "amount": amount}
        record = self._write(lambda tx: tx.run(q.HIT_COUNTER, params).single())
        assert record is not None
        return Counter(key=key, count=int(record["count"]), resets_at=_when(record["resets_at"]))

    def get_counter(self, key: str, at: datetime) -> Counter | None:
        """The live counter of ``key``, or ``None``."""
        record = self._read(lambda tx: tx.run(q.GET_COUNTER, key=key, at=_utc(at)).single())
        return None if record is None else Counter(key=key, count=int(record["count"]), resets_at=_when(record["resets_at"]))

    def clear_counter(self, key: str) -> None:
        """Forget the counter of ``key``."""
        self._write(lambda tx: tx.run(q.CLEAR_COUNTER, key=key).consume())

    def delete_expired_counters(self, before: datetime) -> int:
        """Delete counters whose window ended before ``before``."""
        record = self._write(lambda tx: tx.run(q.DELETE_EXPIRED_COUNTERS, before=_utc(before)).single())
        return 0 if record is None else int(record["deleted"])

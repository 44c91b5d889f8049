"""Embedded (SQLite) implementation of the sessions area port: signed-in sessions and shared throttle counters.

Times are stored as fixed-width ISO 8601 text in UTC (so text order is time order). A counter's hit is one
``BEGIN IMMEDIATE`` transaction, so processes sharing the file never lose a hit.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from graph.embedded.base import EmbeddedBase
from graph.port_accounts import User
from graph.port_sessions import MAX_USER_AGENT, Counter, SignInSession
from graph.values import Conflict, NotFound

if TYPE_CHECKING:
    from graph.port import GraphStore

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables (and the accounts area's).
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS sign_in_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        remember INTEGER NOT NULL,
        user_agent TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS sign_in_sessions_by_user ON sign_in_sessions (user_id)",
    "CREATE INDEX IF NOT EXISTS sign_in_sessions_by_expiry ON sign_in_sessions (expires_at)",
    """CREATE TABLE IF NOT EXISTS rate_counters (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        resets_at TEXT NOT NULL
    ) WITHOUT ROWID""",
)

#: Deletes run by ``wipe`` (before the accounts area's tables), children first.
WIPE: tuple[str, ...] = ("DELETE FROM rate_counters", "DELETE FROM sign_in_sessions")

_COLUMNS = "id, user_id, secret_hash, created_at, last_seen_at, expires_at, remember, user_agent"
_INSERT = f"INSERT INTO sign_in_sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_GET = f"SELECT {_COLUMNS} FROM sign_in_sessions WHERE id = ?"
_USER_EXISTS = "SELECT 1 FROM users WHERE id = ?"
_OF_USER = f"SELECT {_COLUMNS} FROM sign_in_sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id"
_TOUCH = "UPDATE sign_in_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?"
_END = "DELETE FROM sign_in_sessions WHERE id = ? AND user_id = ?"
_END_ALL = "DELETE FROM sign_in_sessions WHERE user_id = ?1 AND (?2 IS NULL OR id <> ?2)"
_DELETE_EXPIRED = "DELETE FROM sign_in_sessions WHERE expires_at < ?"
_DELETE_TOKENS = "DELETE FROM api_tokens WHERE user_id = ?"
# One statement: a live counter gains the hit, an expired one starts a new window.
_HIT = """INSERT INTO rate_counters (key, count, resets_at) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN rate_counters.resets_at > ?4 THEN rate_counters.count + ?2 ELSE ?2 END,
    resets_at = CASE WHEN rate_counters.resets_at > ?4 THEN rate_counters.resets_at ELSE ?3 END
RETURNING count, resets_at"""
_GET_COUNTER = "SELECT count, resets_at FROM rate_counters WHERE key = ? AND resets_at > ?"
_CLEAR_COUNTER = "DELETE FROM rate_counters WHERE key = ?"
_DELETE_EXPIRED_COUNTERS = "DELETE FROM rate_counters WHERE resets_at < ?"


def _text(at: datetime) -> str:
    """Fixed-width UTC text (microseconds always written), so text order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _session(r: tuple[Any, ...]) -> SignInSession:
    return SignInSession(
        id=r[0],
        user_id=r[1],
        secret_hash=r[2],
        created_at=_time(r[3]),
        last_seen_at=_time(r[4]),
        expires_at=_time(r[5]),
        remember=bool(r[6]),
        user_agent=r[7],
    )


class EmbeddedSessions(EmbeddedBase):
    """The sessions area on SQLite."""

    def create_session(self, session: SignInSession) -> SignInSession:
        """Store a new session; :class:`NotFound` if the user is missing, :class:`Conflict` if the id exists."""
        row = (
            session.id,
            session.user_id,
            session.secret_hash,
            _text(session.created_at),
            _text(session.last_seen_at),
            _text(session.expires_at),
            int(session.remember),
            session.user_agent[:MAX_USER_AGENT],
        )
        with self._transaction(write=True) as conn:
            if conn.execute(_USER_EXISTS, (session.user_id,)).fetchone() is None:
                raise NotFound(f"no user with id {session.user_id!r}")
            try:
                conn.execute(_INSERT, row)
            except sqlite3.IntegrityError:
                raise Conflict(f"session {session.id!r} already exists") from None
        return session

    def session_with_user(self, session_id: str) -> tuple[SignInSession, User] | None:
        """The session and its user in one read transaction, or ``None``."""
        store = cast("GraphStore", self)
        with store.unit_of_work(write=False):
            with self._transaction(write=False) as conn:
                row = conn.execute(_GET, (session_id,)).fetchone()
            if row is None:
                return None
            found = _session(tuple(row))
            try:
                return found, store.get_user(found.user_id)
            except NotFound:
                return None

    def list_sessions(self, user_id: str, now: datetime) -> list[SignInSession]:
        """The user's unexpired sessions, most recently seen first."""
        with self._transaction(write=False) as conn:
            if conn.execute(_USER_EXISTS, (user_id,)).fetchone() is None:
                raise NotFound(f"no user with id {user_id!r}")
            return [_session(tuple(r)) for r in conn.execute(_OF_USER, (user_id, _text(now)))]

    def touch_session(self, session_id: str, at: datetime) -> None:
        """Record that the session was seen at ``at`` (never moves it back)."""
        when = _text(at)
        with self._transaction(write=True) as conn:
            conn.execute(_TOUCH, (when, session_id, when))

    def end_session(self, user_id: str, session_id: str) -> None:
        """End one of the user's sessions; :class:`NotFound` if they hold no such session."""
        with self._transaction(write=True) as conn:
            if conn.execute(_END, (session_id, user_id)).rowcount == 0:
                raise NotFound(f"no session {session_id!r} for user {user_id!r}")

    def end_sessions(self, user_id: str, keep: str | None = None) -> int:
        """End every session of the user but ``keep``; return how many ended."""
        with self._transaction(write=True) as conn:
            return int(conn.execute(_END_ALL, (user_id, keep)).rowcount)

    def delete_expired_sessions(self, before: datetime) -> int:
        """Delete sessions that expired before ``before``."""
        with self._transaction(write=True) as conn:
            return int(conn.execute(_DELETE_EXPIRED, (_text(before),)).rowcount)

    def delete_tokens(self, user_id: str) -> int:
        """Revoke every API token of the user."""
        with self._transaction(write=True) as conn:
            return int(conn.execute(_DELETE_TOKENS, (user_id,)).rowcount)

    def hit_counter(self, key: str, at: datetime, window_seconds: int, amount: int = 1) -> Counter:
        """Add ``amount`` to the counter of ``key`` (a new window if it is missing or expired)."""
        resets = _text(at + timedelta(seconds=window_seconds))
        with self._transaction(write=True) as conn:
            count, resets_at = conn.execute(_HIT, (key, amount, resets, _text(at))).fetchone()
        return Counter(key=key, count=int(count), resets_at=_time(resets_at))

    def get_counter(self, key: str, at: datetime) -> Counter | None:
        """The live counter of ``key``, or ``None``."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_COUNTER, (key, _text(at))).fetchone()
        return None if row is None else Counter(key=key, count=int(row[0]), resets_at=_time(row[1]))

    def clear_counter(self, key: str) -> None:
        """Forget the counter of ``key``."""
        with self._transaction(write=True) as conn:
            conn.execute(_CLEAR_COUNTER, (key,))

    def delete_expired_counters(self, before: datetime) -> int:
        """Delete counters whose window ended before ``before``."""
        with self._transaction(write=True) as conn:
            return int(conn.execute(_DELETE_EXPIRED_COUNTERS, (_text(before),)).rowcount)

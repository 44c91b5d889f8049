"""Embedded (SQLite) implementation of the accounts area port: users, roles, tokens, reset links and the audit log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from graph.embedded.base import EmbeddedBase
from graph.embedded.common import (  # meetings (issue 8): erasure hands over meeting roles
    ERASE_NOTICES,
    HAND_OVER_ATTENDANCE,
    HAND_OVER_TURNS,
)
from graph.port_accounts import ApiToken, AuditEntry, ErasureReport, PasswordReset, User
from graph.values import Conflict, Invalid, NotFound, Page, clamp_limit
from network import availability
from network.domain import Assessor

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT,
        roles TEXT NOT NULL,
        active INTEGER NOT NULL,
        created_at TEXT
    ) WITHOUT ROWID""",
    # (User)-[:IS]->(Assessor): one assessor per user and one user per assessor.
    """CREATE TABLE IF NOT EXISTS user_assessor (
        user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        assessor_id TEXT NOT NULL UNIQUE REFERENCES assessors (id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS user_organisations (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, organisation_id)
    ) WITHOUT ROWID""",
    # No foreign key to programmes: that table belongs to the sets area, and SQLite refuses
    # every change to a child table whose parent table is missing. Links are checked on write
    # and joined on read instead.
    """CREATE TABLE IF NOT EXISTS user_programmes (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL,
        PRIMARY KEY (user_id, programme_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        last_used_at TEXT,
        read_only INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens (user_id)",
    """CREATE TABLE IF NOT EXISTS password_resets (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        expires_at TEXT NOT NULL,
        created_by TEXT
    ) WITHOUT ROWID""",
    # No foreign keys: the log outlives the users and nodes it names.
    """CREATE TABLE IF NOT EXISTS audit_log (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor_id TEXT,
        action TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_id TEXT NOT NULL,
        details TEXT NOT NULL
    ) WITHOUT ROWID""",
)

#: Statements that empty this area's tables, run by ``_wipe`` before the core tables are emptied.
WIPE: tuple[str, ...] = (
    "DELETE FROM audit_log",
    "DELETE FROM password_resets",
    "DELETE FROM api_tokens",
    "DELETE FROM user_programmes",
    "DELETE FROM user_organisations",
    "DELETE FROM user_assessor",
    "DELETE FROM users",
)

_INSERT_USER = "INSERT INTO users (id, email, password_hash, roles, active, created_at) VALUES (?, ?, ?, ?, ?, ?)"
_GET_USER = "SELECT id, email, password_hash, roles, active, created_at FROM users WHERE id = ?"
_GET_USER_BY_EMAIL = "SELECT id, email, password_hash, roles, active, created_at FROM users WHERE email = ?"
_PAGE_USERS = "SELECT id, email, password_hash, roles, active, created_at FROM users WHERE id > ? ORDER BY id LIMIT ?"
_PAGE_USERS_WITH_ROLE = (
    "SELECT id, email, password_hash, roles, active, created_at FROM users "
    "WHERE id > ? AND EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = ?) "
    "ORDER BY id LIMIT ?"
)
_UPDATE_USER = "UPDATE users SET email = coalesce(?2, email), active = coalesce(?3, active), roles = coalesce(?4, roles) WHERE id = ?1"
_SET_PASSWORD = "UPDATE users SET password_hash = ? WHERE id = ?"
_DELETE_USER = "DELETE FROM users WHERE id = ?"
_USER_EXISTS = "SELECT 1 FROM users WHERE id = ?"
_USER_ASSESSOR = "SELECT assessor_id FROM user_assessor WHERE user_id = ?"
_USER_ORGANISATIONS = "SELECT organisation_id FROM user_organisations WHERE user_id = ? ORDER BY organisation_id"
_USER_PROGRAMMES = "SELECT programme_id FROM user_programmes WHERE user_id = ? ORDER BY programme_id"
_USER_OF_ASSESSOR = "SELECT user_id FROM user_assessor WHERE assessor_id = ?"
_CLEAR_ASSESSOR_LINK = "DELETE FROM user_assessor WHERE user_id = ?"
_CLEAR_ORGANISATION_LINKS = "DELETE FROM user_organisations WHERE user_id = ?"
_CLEAR_PROGRAMME_LINKS = "DELETE FROM user_programmes WHERE user_id = ?"
_LINK_ASSESSOR = "INSERT INTO user_assessor (user_id, assessor_id) VALUES (?, ?)"
_LINK_ORGANISATION = "INSERT INTO user_organisations (user_id, organisation_id) VALUES (?, ?)"
_LINK_PROGRAMME = "INSERT INTO user_programmes (user_id, programme_id) VALUES (?, ?)"
_ASSESSOR_EXISTS = "SELECT 1 FROM assessors WHERE id = ?"
_ORGANISATION_EXISTS = "SELECT 1 FROM organisations WHERE id = ?"
_PROGRAMME_EXISTS = "SELECT 1 FROM programmes WHERE id = ?"

_INSERT_TOKEN = (
    "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, last_used_at, read_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_GET_TOKEN = "SELECT id, user_id, name, secret_hash, created_at, expires_at, last_used_at, read_only FROM api_tokens WHERE id = ?"
_TOKENS_OF = (
    "SELECT id, user_id, name, secret_hash, created_at, expires_at, last_used_at, read_only FROM api_tokens "
    "WHERE user_id = ? ORDER BY created_at DESC, id"
)
_TOUCH_TOKEN = "UPDATE api_tokens SET last_used_at = ? WHERE id = ?"
_DELETE_TOKEN = "DELETE FROM api_tokens WHERE id = ? AND user_id = ?"
_TOKEN_COLUMNS = "PRAGMA table_info(api_tokens)"
_ADD_TOKEN_READ_ONLY = "ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0"


def _add_token_read_only(conn: sqlite3.Connection) -> None:
    """Files made before tokens could be read-only get the column (every earlier token may write)."""
    if not any(r[1] == "read_only" for r in conn.execute(_TOKEN_COLUMNS)):
        conn.execute(_ADD_TOKEN_READ_ONLY)


#: Steps ``ensure_schema`` runs after the tables exist, each harmless to run again.
MIGRATIONS = (_add_token_read_only,)

_UPSERT_RESET = (
    "INSERT INTO password_resets (id, user_id, expires_at, created_by) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, expires_at = excluded.expires_at, created_by = excluded.created_by"
)
_GET_RESET = "SELECT id, user_id, expires_at, created_by FROM password_resets WHERE id = ?"
_DELETE_RESET = "DELETE FROM password_resets WHERE id = ?"

# Erasure. The memberships table belongs to the sets area; it may not exist yet in an old file.
_COUNT_MEMBERSHIPS = "SELECT count(*) FROM memberships WHERE assessor_id = ?"
_INSERT_PLACEHOLDER = (
    "INSERT INTO assessors (id, name, email, region, experience_years, discoverable, paused, active, capacity, availability, "
    "availability_mask, bio) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_HAND_OVER_MEMBERSHIPS = "UPDATE memberships SET assessor_id = ?1, left = coalesce(left, ?2) WHERE assessor_id = ?3"
_DELETE_USER_OF_ASSESSOR = "DELETE FROM users WHERE id IN (SELECT user_id FROM user_assessor WHERE assessor_id = ?)"
_DELETE_ASSESSOR = "DELETE FROM assessors WHERE id = ?"

_INSERT_AUDIT = "INSERT INTO audit_log (id, at, actor_id, action, target_kind, target_id, details) VALUES (?, ?, ?, ?, ?, ?, ?)"
# An empty filter (NULL) matches everything; '' as `after` means "from the newest".
_PAGE_AUDIT = (
    "SELECT id, at, actor_id, action, target_kind, target_id, details FROM audit_log "
    "WHERE (?1 = '' OR id < ?1) AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR target_id = ?4) "
    "ORDER BY id DESC LIMIT ?5"
)


def _ts(value: datetime | None) -> str | None:
    """An aware datetime as ISO text in UTC (so text order is time order)."""
    return None if value is None else value.astimezone(UTC).isoformat()


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _roles_json(roles: Iterable[str]) -> str:
    return json.dumps(sorted(set(roles)), separators=(",", ":"))


def _token(r: tuple[Any, ...]) -> ApiToken:
    created = _dt(r[4])
    assert created is not None
    return ApiToken(
        id=r[0],
        user_id=r[1],
        name=r[2],
        secret_hash=r[3],
        created_at=created,
        expires_at=_dt(r[5]),
        last_used_at=_dt(r[6]),
        read_only=bool(r[7]),
    )


def _audit(r: tuple[Any, ...]) -> AuditEntry:
    at = _dt(r[1])
    assert at is not None
    return AuditEntry(id=r[0], at=at, actor_id=r[2], action=r[3], target_kind=r[4], target_id=r[5], details=json.loads(r[6]))


def _insert_audit(conn: sqlite3.Connection, entry: AuditEntry | None) -> None:
    if entry is None:
        return
    try:
        conn.execute(
            _INSERT_AUDIT,
            (entry.id, _ts(entry.at), entry.actor_id, entry.action, entry.target_kind, entry.target_id, json.dumps(dict(entry.details))),
        )
    except sqlite3.IntegrityError:
        raise Conflict(f"audit entry {entry.id!r} already exists") from None


def _placeholder_row(a: Assessor) -> tuple[Any, ...]:
    return (
        a.id,
        a.name,
        a.email,
        a.region,
        a.experience_years,
        int(a.discoverable),
        int(a.paused),
        int(a.active),
        a.capacity,
        json.dumps(list(a.availability)),
        availability.to_mask(a.availability),
        a.bio,
    )


def _user(conn: sqlite3.Connection, r: tuple[Any, ...]) -> User:
    """A user row with its scope links, read on the same connection (so the same transaction)."""
    assessor = conn.execute(_USER_ASSESSOR, (r[0],)).fetchone()
    return User(
        id=r[0],
        email=r[1],
        password_hash=r[2],
        roles=tuple(json.loads(r[3])),
        active=bool(r[4]),
        created_at=_dt(r[5]),
        assessor_id=None if assessor is None else assessor[0],
        organisation_ids=tuple(row[0] for row in conn.execute(_USER_ORGANISATIONS, (r[0],))),
        programme_ids=tuple(row[0] for row in conn.execute(_USER_PROGRAMMES, (r[0],))),
    )


def _require_user(conn: sqlite3.Connection, user_id: str) -> tuple[Any, ...]:
    row = conn.execute(_GET_USER, (user_id,)).fetchone()
    if row is None:
        raise NotFound(f"no user with id {user_id!r}")
    return tuple(row)


def _programme_exists(conn: sqlite3.Connection, programme_id: str) -> bool:
    try:
        return conn.execute(_PROGRAMME_EXISTS, (programme_id,)).fetchone() is not None
    except sqlite3.OperationalError:  # no programmes table: the sets area is not installed
        return False


def _link_scopes(
    conn: sqlite3.Connection, user_id: str, assessor_id: str | None, organisation_ids: Iterable[str], programme_ids: Iterable[str]
) -> None:
    """Replace the user's scope links; :class:`NotFound` for a missing node, :class:`Conflict` for an assessor taken by another user."""
    conn.execute(_CLEAR_ASSESSOR_LINK, (user_id,))
    conn.execute(_CLEAR_ORGANISATION_LINKS, (user_id,))
    conn.execute(_CLEAR_PROGRAMME_LINKS, (user_id,))
    if assessor_id is not None:
        if conn.execute(_ASSESSOR_EXISTS, (assessor_id,)).fetchone() is None:
            raise NotFound(f"no assessor with id {assessor_id!r}")
        try:
            conn.execute(_LINK_ASSESSOR, (user_id, assessor_id))
        except sqlite3.IntegrityError:
            raise Conflict(f"assessor {assessor_id!r} already has a user") from None
    for org_id in sorted(set(organisation_ids)):
        if conn.execute(_ORGANISATION_EXISTS, (org_id,)).fetchone() is None:
            raise NotFound(f"no organisation with id {org_id!r}")
        conn.execute(_LINK_ORGANISATION, (user_id, org_id))
    for programme_id in sorted(set(programme_ids)):
        if not _programme_exists(conn, programme_id):
            raise NotFound(f"no programme with id {programme_id!r}")
        conn.execute(_LINK_PROGRAMME, (user_id, programme_id))


class EmbeddedAccounts(EmbeddedBase):
    """Mixin of :class:`~graph.embedded.store.EmbeddedStore` for users, roles, tokens, reset links and the audit log."""

    # -- users ------------------------------------------------------------

    def create_user(self, user: User, audit: AuditEntry | None = None) -> User:
        """Store a new user with its scope links."""
        with self._transaction(write=True) as conn:
            if conn.execute(_USER_EXISTS, (user.id,)).fetchone() is not None:
                raise Conflict(f"user {user.id!r} already exists")
            if conn.execute(_GET_USER_BY_EMAIL, (user.email,)).fetchone() is not None:
                raise Conflict(f"a user with email {user.email!r} already exists")
            created = user.created_at or datetime.now(UTC)
            conn.execute(_INSERT_USER, (user.id, user.email, user.password_hash, _roles_json(user.roles), int(user.active), _ts(created)))
            _link_scopes(conn, user.id, user.assessor_id, user.organisation_ids, user.programme_ids)
            _insert_audit(conn, audit)
            return _user(conn, _require_user(conn, user.id))

    def get_user(self, user_id: str) -> User:
        """The user with its scope links."""
        with self._transaction(write=False) as conn:
            return _user(conn, _require_user(conn, user_id))

    def get_user_by_email(self, email: str) -> User:
        """The user with exactly this email."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_USER_BY_EMAIL, (email,)).fetchone()
            if row is None:
                raise NotFound("no user with that email")
            return _user(conn, tuple(row))

    def list_users(self, limit: int = 50, after: str | None = None, role: str | None = None) -> Page[User]:
        """Users in id order."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            if role is None:
                rows = conn.execute(_PAGE_USERS, (after or "", limit + 1)).fetchall()
            else:
                rows = conn.execute(_PAGE_USERS_WITH_ROLE, (after or "", role, limit + 1)).fetchall()
            items = [_user(conn, tuple(r)) for r in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit else None)

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        active: bool | None = None,
        roles: Iterable[str] | None = None,
        audit: AuditEntry | None = None,
    ) -> User:
        """Change the given properties and record ``audit`` in the same transaction."""
        with self._transaction(write=True) as conn:
            _require_user(conn, user_id)
            if email is not None:
                other = conn.execute(_GET_USER_BY_EMAIL, (email,)).fetchone()
                if other is not None and other[0] != user_id:
                    raise Conflict(f"a user with email {email!r} already exists")
            conn.execute(
                _UPDATE_USER,
                (user_id, email, None if active is None else int(active), None if roles is None else _roles_json(roles)),
            )
            _insert_audit(conn, audit)
            return _user(conn, _require_user(conn, user_id))

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        """Replace the user's password hash."""
        with self._transaction(write=True) as conn:
            _require_user(conn, user_id)
            conn.execute(_SET_PASSWORD, (password_hash, user_id))

    def set_user_scopes(
        self,
        user_id: str,
        *,
        assessor_id: str | None = None,
        organisation_ids: Iterable[str] = (),
        programme_ids: Iterable[str] = (),
        audit: AuditEntry | None = None,
    ) -> User:
        """Replace the user's scope links."""
        with self._transaction(write=True) as conn:
            row = _require_user(conn, user_id)
            _link_scopes(conn, user_id, assessor_id, organisation_ids, programme_ids)
            _insert_audit(conn, audit)
            return _user(conn, row)

    def user_for_assessor(self, assessor_id: str) -> User | None:
        """The user linked to the assessor, or ``None``."""
        with self._transaction(write=False) as conn:
            link = conn.execute(_USER_OF_ASSESSOR, (assessor_id,)).fetchone()
            return None if link is None else _user(conn, _require_user(conn, link[0]))

    def delete_user(self, user_id: str, audit: AuditEntry | None = None) -> None:
        """Delete the user; tokens, reset links and scope links go by cascade."""
        with self._transaction(write=True) as conn:
            _require_user(conn, user_id)
            conn.execute(_DELETE_USER, (user_id,))
            _insert_audit(conn, audit)

    # -- API tokens ---------------------------------------------------------

    def create_token(self, token: ApiToken) -> ApiToken:
        """Store a new token."""
        with self._transaction(write=True) as conn:
            _require_user(conn, token.user_id)
            if conn.execute(_GET_TOKEN, (token.id,)).fetchone() is not None:
                raise Conflict(f"token {token.id!r} already exists")
            conn.execute(
                _INSERT_TOKEN,
                (
                    token.id,
                    token.user_id,
                    token.name,
                    token.secret_hash,
                    _ts(token.created_at),
                    _ts(token.expires_at),
                    _ts(token.last_used_at),
                    int(token.read_only),
                ),
            )
        return token

    def token_with_user(self, token_id: str) -> tuple[ApiToken, User] | None:
        """The token and its user in one read."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_TOKEN, (token_id,)).fetchone()
            if row is None:
                return None
            token = _token(tuple(row))
            return token, _user(conn, _require_user(conn, token.user_id))

    def list_tokens(self, user_id: str) -> list[ApiToken]:
        """The user's tokens, newest first."""
        with self._transaction(write=False) as conn:
            _require_user(conn, user_id)
            return [_token(tuple(r)) for r in conn.execute(_TOKENS_OF, (user_id,))]

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record the token's last use."""
        with self._transaction(write=True) as conn:
            conn.execute(_TOUCH_TOKEN, (_ts(at), token_id))

    def delete_token(self, user_id: str, token_id: str) -> None:
        """Revoke one of the user's tokens."""
        with self._transaction(write=True) as conn:
            if conn.execute(_DELETE_TOKEN, (token_id, user_id)).rowcount == 0:
                raise NotFound(f"no token {token_id!r} for user {user_id!r}")

    # -- password reset links -------------------------------------------------

    def create_reset(self, reset: PasswordReset, audit: AuditEntry | None = None) -> PasswordReset:
        """Store a reset link, replacing the user's earlier one."""
        with self._transaction(write=True) as conn:
            _require_user(conn, reset.user_id)
            conn.execute(_UPSERT_RESET, (reset.id, reset.user_id, _ts(reset.expires_at), reset.created_by))
            _insert_audit(conn, audit)
        return reset

    def get_reset(self, reset_id: str) -> PasswordReset:
        """The reset link with this id."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_RESET, (reset_id,)).fetchone()
        if row is None:
            raise NotFound("no such reset link")
        expires = _dt(row[2])
        assert expires is not None
        return PasswordReset(id=row[0], user_id=row[1], expires_at=expires, created_by=row[3])

    def use_reset(self, reset_id: str, now: datetime, password_hash: str) -> User:
        """Set the password of the link's user and delete the link."""
        expired = False
        with self._transaction(write=True) as conn:
            row = conn.execute(_GET_RESET, (reset_id,)).fetchone()
            if row is None:
                raise NotFound("no such reset link")
            conn.execute(_DELETE_RESET, (reset_id,))
            expires = _dt(row[2])
            assert expires is not None
            if expires <= now:
                expired = True  # the link is deleted (committed) and the password kept
            else:
                conn.execute(_SET_PASSWORD, (password_hash, row[1]))
                return _user(conn, _require_user(conn, row[1]))
        assert expired
        raise Invalid("the reset link has expired")

    # -- privacy --------------------------------------------------------------

    def erase_assessor(self, assessor_id: str, placeholder: Assessor, today: date, audit: AuditEntry | None = None) -> ErasureReport:
        """Erase a person; their set memberships pass to ``placeholder``."""
        with self._transaction(write=True) as conn:
            if conn.execute(_ASSESSOR_EXISTS, (assessor_id,)).fetchone() is None:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            try:
                memberships = conn.execute(_COUNT_MEMBERSHIPS, (assessor_id,)).fetchone()[0]
            except sqlite3.OperationalError:  # no sets area in this file
                memberships = 0
            if memberships:
                if conn.execute(_ASSESSOR_EXISTS, (placeholder.id,)).fetchone() is not None:
                    raise Conflict(f"assessor {placeholder.id!r} already exists")
                conn.execute(_INSERT_PLACEHOLDER, _placeholder_row(placeholder))
                conn.execute(_HAND_OVER_MEMBERSHIPS, (placeholder.id, today.isoformat(), assessor_id))
                # meetings (issue 8): meeting turns and attendance pass to the placeholder; private actions are dropped.
                conn.execute(HAND_OVER_TURNS, (placeholder.id, assessor_id))
                conn.execute(HAND_OVER_ATTENDANCE, (placeholder.id, assessor_id))
            conn.execute(ERASE_NOTICES, (assessor_id,))  # meetings (issue 8): the person's notices go too
            account = conn.execute(_DELETE_USER_OF_ASSESSOR, (assessor_id,)).rowcount
            # Employment, themes, contacts, declines, enrolments and the IS link go by cascade.
            conn.execute(_DELETE_ASSESSOR, (assessor_id,))
            _insert_audit(conn, audit)
        return ErasureReport(
            erased=assessor_id,
            placeholder_id=placeholder.id if memberships else None,
            memberships_kept=memberships,
            account_deleted=account > 0,
        )

    # -- audit log ------------------------------------------------------------

    def record_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append one entry to the audit log."""
        with self._transaction(write=True) as conn:
            _insert_audit(conn, entry)
        return entry

    def list_audit(
        self,
        limit: int = 50,
        after: str | None = None,
        action: str | None = None,
        actor_id: str | None = None,
        target_id: str | None = None,
    ) -> Page[AuditEntry]:
        """Audit entries newest first."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            rows = conn.execute(_PAGE_AUDIT, (after or "", action, actor_id, target_id, limit + 1)).fetchall()
        items = [_audit(tuple(r)) for r in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit else None)

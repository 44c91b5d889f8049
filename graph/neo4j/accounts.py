"""Neo4j implementation of the accounts area port: users, roles, tokens, reset links and the audit log.

Its Cypher is in :mod:`graph.neo4j.queries_accounts`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import neo4j.time
from neo4j import ManagedTransaction

from graph.neo4j import queries_accounts as q
from graph.neo4j import queries_meetings  # meetings (issue 8): erasure drops private actions and notices
from graph.neo4j.base import Neo4jBase
from graph.port_accounts import ApiToken, AuditEntry, ErasureReport, PasswordReset, User
from graph.values import Conflict, Invalid, NotFound, Page, clamp_limit
from network import availability
from network.domain import Assessor


def _when(value: Any) -> datetime | None:
    """A stored ``DateTime`` as an aware ``datetime`` in UTC."""
    if value is None:
        return None
    if isinstance(value, neo4j.time.DateTime):
        value = value.to_native()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _user(record: Mapping[str, Any]) -> User:
    p = record["props"]
    assessors = record["assessor_ids"]
    return User(
        id=p["id"],
        email=p["email"],
        password_hash=p.get("password_hash"),
        roles=tuple(p.get("roles") or ()),
        active=p.get("active", True),
        created_at=_when(p.get("created_at")),
        assessor_id=assessors[0] if assessors else None,
        organisation_ids=tuple(sorted(record["organisation_ids"])),
        programme_ids=tuple(sorted(record["programme_ids"])),
    )


def _token(p: Mapping[str, Any], user_id: str) -> ApiToken:
    created = _when(p["created_at"])
    assert created is not None
    return ApiToken(
        id=p["id"],
        user_id=user_id,
        name=p["name"],
        secret_hash=p["secret_hash"],
        created_at=created,
        expires_at=_when(p.get("expires_at")),
        last_used_at=_when(p.get("last_used_at")),
        read_only=bool(p.get("read_only", False)),
    )


def _audit(p: Mapping[str, Any]) -> AuditEntry:
    at = _when(p["at"])
    assert at is not None
    return AuditEntry(
        id=p["id"],
        at=at,
        actor_id=p.get("actor_id"),
        action=p["action"],
        target_kind=p["target_kind"],
        target_id=p["target_id"],
        details=json.loads(p.get("details") or "{}"),
    )


def _props(values: Mapping[str, Any]) -> dict[str, Any]:
    """A property map without ``None`` values (absent means None in Neo4j)."""
    return {k: v for k, v in values.items() if v is not None}


def _write_audit(tx: ManagedTransaction, entry: AuditEntry | None) -> None:
    if entry is None:
        return
    props = _props(
        {
            "id": entry.id,
            "at": _utc(entry.at),
            "actor_id": entry.actor_id,
            "action": entry.action,
            "target_kind": entry.target_kind,
            "target_id": entry.target_id,
            "details": json.dumps(dict(entry.details)),
        }
    )
    tx.run(q.CREATE_AUDIT, props=props).consume()


def _require_user(tx: ManagedTransaction, user_id: str) -> None:
    if tx.run(q.USER_EXISTS, id=user_id).single() is None:
        raise NotFound(f"no user with id {user_id!r}")


def _link_scopes(
    tx: ManagedTransaction, user_id: str, assessor_id: str | None, organisation_ids: Iterable[str], programme_ids: Iterable[str]
) -> None:
    """Replace the user's scope links; :class:`NotFound` for a missing node, :class:`Conflict` for an assessor taken by another user."""
    tx.run(q.CLEAR_SCOPES, id=user_id).consume()
    if assessor_id is not None:
        if tx.run(q.ASSESSOR_TAKEN, id=user_id, assessor_id=assessor_id).single() is not None:
            raise Conflict(f"assessor {assessor_id!r} already has a user")
        if tx.run(q.LINK_ASSESSOR, id=user_id, assessor_id=assessor_id).single() is None:
            raise NotFound(f"no assessor with id {assessor_id!r}")
    for statement, noun, wanted in (
        (q.LINK_ORGANISATIONS, "organisation", sorted(set(organisation_ids))),
        (q.LINK_PROGRAMMES, "programme", sorted(set(programme_ids))),
    ):
        if not wanted:
            continue
        linked = {r["id"] for r in tx.run(statement, id=user_id, ids=wanted)}
        missing = [i for i in wanted if i not in linked]
        if missing:
            raise NotFound(f"no {noun} with id {missing[0]!r}")


class Neo4jAccounts(Neo4jBase):
    """Mixin of :class:`~graph.neo4j.store.Neo4jStore` for users, roles, tokens, reset links and the audit log."""

    # -- users ------------------------------------------------------------

    def create_user(self, user: User, audit: AuditEntry | None = None) -> User:
        """Store a new user with its scope links."""
        props = _props(
            {
                "id": user.id,
                "email": user.email,
                "password_hash": user.password_hash,
                "roles": sorted(set(user.roles)),
                "active": user.active,
                "created_at": _utc(user.created_at or datetime.now(UTC)),
            }
        )

        def work(tx: ManagedTransaction) -> User:
            if tx.run(q.USER_EXISTS, id=user.id).single() is not None:
                raise Conflict(f"user {user.id!r} already exists")
            if tx.run(q.EMAIL_OWNER, email=user.email).single() is not None:
                raise Conflict(f"a user with email {user.email!r} already exists")
            tx.run(q.CREATE_USER, props=props).consume()
            _link_scopes(tx, user.id, user.assessor_id, user.organisation_ids, user.programme_ids)
            _write_audit(tx, audit)
            record = tx.run(q.GET_USER, id=user.id).single()
            assert record is not None
            return _user(record)

        return self._write(work, conflict=f"user {user.id!r} or email {user.email!r} already exists")

    def get_user(self, user_id: str) -> User:
        """The user with its scope links."""
        record = self._read(lambda tx: tx.run(q.GET_USER, id=user_id).single())
        if record is None:
            raise NotFound(f"no user with id {user_id!r}")
        return _user(record)

    def get_user_by_email(self, email: str) -> User:
        """The user with exactly this email."""
        record = self._read(lambda tx: tx.run(q.GET_USER_BY_EMAIL, email=email).single())
        if record is None:
            raise NotFound("no user with that email")
        return _user(record)

    def list_users(self, limit: int = 50, after: str | None = None, role: str | None = None) -> Page[User]:
        """Users in id order."""
        limit = clamp_limit(limit)
        if role is None:
            records = self._read(lambda tx: list(tx.run(q.PAGE_USERS, after=after or "", limit=limit + 1)))
        else:
            records = self._read(lambda tx: list(tx.run(q.PAGE_USERS_WITH_ROLE, after=after or "", role=role, limit=limit + 1)))
        items = [_user(r) for r in records[:limit]]
        return Page(items, items[-1].id if len(records) > limit else None)

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
        changes = _props({"email": email, "active": active, "roles": None if roles is None else sorted(set(roles))})

        def work(tx: ManagedTransaction) -> User:
            _require_user(tx, user_id)
            if email is not None:
                owner = tx.run(q.EMAIL_OWNER, email=email).single()
                if owner is not None and owner["id"] != user_id:
                    raise Conflict(f"a user with email {email!r} already exists")
            record = tx.run(q.UPDATE_USER, id=user_id, changes=changes).single()
            assert record is not None
            _write_audit(tx, audit)
            return _user(record)

        return self._write(work, conflict=f"a user with email {email!r} already exists")

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        """Replace the user's password hash."""
        record = self._write(lambda tx: tx.run(q.SET_PASSWORD, id=user_id, password_hash=password_hash).single())
        if record is None:
            raise NotFound(f"no user with id {user_id!r}")

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
        organisations, programmes = list(organisation_ids), list(programme_ids)

        def work(tx: ManagedTransaction) -> User:
            _require_user(tx, user_id)
            _link_scopes(tx, user_id, assessor_id, organisations, programmes)
            _write_audit(tx, audit)
            record = tx.run(q.GET_USER, id=user_id).single()
            assert record is not None
            return _user(record)

        return self._write(work)

    def user_for_assessor(self, assessor_id: str) -> User | None:
        """The user linked to the assessor, or ``None``."""
        record = self._read(lambda tx: tx.run(q.USER_OF_ASSESSOR, assessor_id=assessor_id).single())
        return None if record is None else _user(record)

    def delete_user(self, user_id: str, audit: AuditEntry | None = None) -> None:
        """Delete the user with its tokens, reset links and scope links."""

        def work(tx: ManagedTransaction) -> None:
            _require_user(tx, user_id)
            tx.run(q.DELETE_USER, id=user_id).consume()
            _write_audit(tx, audit)

        self._write(work)

    # -- API tokens ---------------------------------------------------------

    def create_token(self, token: ApiToken) -> ApiToken:
        """Store a new token."""
        props = _props(
            {
                "id": token.id,
                "name": token.name,
                "secret_hash": token.secret_hash,
                "created_at": _utc(token.created_at),
                "expires_at": _utc(token.expires_at),
                "last_used_at": _utc(token.last_used_at),
                "read_only": token.read_only,
            }
        )

        def work(tx: ManagedTransaction) -> None:
            _require_user(tx, token.user_id)
            if tx.run(q.TOKEN_EXISTS, id=token.id).single() is not None:
                raise Conflict(f"token {token.id!r} already exists")
            tx.run(q.CREATE_TOKEN, user_id=token.user_id, props=props).consume()

        self._write(work, conflict=f"token {token.id!r} already exists")
        return token

    def token_with_user(self, token_id: str) -> tuple[ApiToken, User] | None:
        """The token and its user in one read."""
        record = self._read(lambda tx: tx.run(q.TOKEN_WITH_USER, id=token_id).single())
        if record is None:
            return None
        user = _user(record)
        return _token(record["token"], user.id), user

    def list_tokens(self, user_id: str) -> list[ApiToken]:
        """The user's tokens, newest first."""

        def work(tx: ManagedTransaction) -> list[ApiToken]:
            _require_user(tx, user_id)
            return [_token(r["props"], user_id) for r in tx.run(q.TOKENS_OF, user_id=user_id)]

        return self._read(work)

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record the token's last use."""
        self._write(lambda tx: tx.run(q.TOUCH_TOKEN, id=token_id, at=_utc(at)).consume())

    def delete_token(self, user_id: str, token_id: str) -> None:
        """Revoke one of the user's tokens."""
        record = self._write(lambda tx: tx.run(q.DELETE_TOKEN, user_id=user_id, id=token_id).single())
        if record is None or record["deleted"] == 0:
            raise NotFound(f"no token {token_id!r} for user {user_id!r}")

    # -- password reset links -------------------------------------------------

    def create_reset(self, reset: PasswordReset, audit: AuditEntry | None = None) -> PasswordReset:
        """Store a reset link, replacing the user's earlier one."""
        props = _props({"id": reset.id, "expires_at": _utc(reset.expires_at), "created_by": reset.created_by})

        def work(tx: ManagedTransaction) -> None:
            _require_user(tx, reset.user_id)
            tx.run(q.CREATE_RESET, user_id=reset.user_id, props=props).consume()
            _write_audit(tx, audit)

        self._write(work, conflict="that reset link already exists")
        return reset

    def get_reset(self, reset_id: str) -> PasswordReset:
        """The reset link with this id."""
        record = self._read(lambda tx: tx.run(q.GET_RESET, id=reset_id).single())
        if record is None:
            raise NotFound("no such reset link")
        p = record["props"]
        expires = _when(p["expires_at"])
        assert expires is not None
        return PasswordReset(id=p["id"], user_id=record["user_id"], expires_at=expires, created_by=p.get("created_by"))

    def use_reset(self, reset_id: str, now: datetime, password_hash: str) -> User:
        """Set the password of the link's user and delete the link."""

        def work(tx: ManagedTransaction) -> User | None:
            record = tx.run(q.GET_RESET, id=reset_id).single()
            if record is None:
                raise NotFound("no such reset link")
            tx.run(q.DELETE_RESET, id=reset_id).consume()
            expires = _when(record["props"]["expires_at"])
            assert expires is not None
            if expires <= now:
                return None  # commit the deletion; the caller reports the expiry
            tx.run(q.SET_PASSWORD, id=record["user_id"], password_hash=password_hash).consume()
            user = tx.run(q.GET_USER, id=record["user_id"]).single()
            assert user is not None
            return _user(user)

        result = self._write(work)
        if result is None:
            raise Invalid("the reset link has expired")
        return result

    # -- privacy --------------------------------------------------------------

    def erase_assessor(self, assessor_id: str, placeholder: Assessor, today: date, audit: AuditEntry | None = None) -> ErasureReport:
        """Erase a person; their set memberships and meeting roles pass to ``placeholder``."""
        props = _props(
            {
                "id": placeholder.id,
                "name": placeholder.name,
                "experience_years": placeholder.experience_years,
                "discoverable": placeholder.discoverable,
                "paused": placeholder.paused,
                "active": placeholder.active,
                "capacity": placeholder.capacity,
                "availability": list(placeholder.availability),
                "availability_mask": availability.to_mask(placeholder.availability),
                "bio": placeholder.bio,
            }
        )

        def work(tx: ManagedTransaction) -> ErasureReport:
            record = tx.run(q.ERASE_COUNT, id=assessor_id).single()
            if record is None:
                raise NotFound(f"no assessor with id {assessor_id!r}")
            memberships = record["memberships"]
            if memberships:
                tx.run(q.CREATE_PLACEHOLDER, props=props).consume()
                params = {"id": assessor_id, "placeholder_id": placeholder.id, "today": today}
                tx.run(q.HAND_OVER_MEMBERSHIPS, params).consume()
                for statement in q.HAND_OVER_MEETINGS:
                    tx.run(statement, params).consume()
                tx.run(queries_meetings.DROP_PLACEHOLDER_ACTIONS, params).consume()  # meetings (issue 8): actions are private
            tx.run(queries_meetings.ERASE_NOTICES, id=assessor_id).consume()  # meetings (issue 8): the person's notices go too
            deleted = tx.run(q.DELETE_USER_OF_ASSESSOR, id=assessor_id).single()
            tx.run(q.DELETE_PERSON, id=assessor_id).consume()
            _write_audit(tx, audit)
            return ErasureReport(
                erased=assessor_id,
                placeholder_id=placeholder.id if memberships else None,
                memberships_kept=memberships,
                account_deleted=deleted is not None and deleted["deleted"] > 0,
            )

        return self._write(work, conflict=f"assessor {placeholder.id!r} already exists")

    # -- audit log ------------------------------------------------------------

    def record_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append one entry to the audit log."""
        self._write(lambda tx: _write_audit(tx, entry), conflict=f"audit entry {entry.id!r} already exists")
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
        records = self._read(
            lambda tx: list(tx.run(q.PAGE_AUDIT, after=after or "", action=action, actor_id=actor_id, target_id=target_id, limit=limit + 1))
        )
        items = [_audit(r["props"]) for r in records[:limit]]
        return Page(items, items[-1].id if len(records) > limit else None)

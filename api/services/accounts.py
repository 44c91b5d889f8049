"""Accounts use cases: users, passwords, roles and scopes, API tokens, reset links and the audit log.

Shared by the JSON API, the login pages and the CLI. Nothing here knows Flask.

Secrets. Passwords are hashed with Argon2id (:data:`PASSWORD_PARAMETERS`; hashes are upgraded on
the next login when the parameters change). A sign-in checks one hash: the person's, or a dummy one
when the email is unknown. API tokens and reset links are 256-bit random
secrets, so a fast SHA-256 of the secret is what is stored (a slow hash adds nothing to a
secret that cannot be guessed); they are compared in constant time.

Token format: ``bw_<token id>_<secret>``. The id (16 hex digits) finds the stored token
without a scan; the secret is checked against its stored hash. The whole string is shown
once, when the token is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.services.usecase import use_case
from graph.port import GraphStore, Invalid, NotFound
from graph.port_accounts import ROLES, ApiToken, AuditEntry, PasswordReset, User
from network.domain import EMAIL_MAX, EMAIL_PATTERN, InvalidValue

#: Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's default
#: (64 MiB, 3 passes, 4 lanes): a server answering many people at once pays memory per sign-in in flight
#: (16 at once: 300 MiB, not 1 GiB) and one lane per sign-in keeps the other cores answering pages; on the
#: shared 2-core machine a check took 0.47 s instead of 3.3 s under load (see the README). Hashes made with
#: other parameters are upgraded at the person's next sign-in (the only sign-in that hashes twice).
PASSWORD_PARAMETERS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
_HASHER = PasswordHasher(**PASSWORD_PARAMETERS)
#: A hash checked when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")
_DUMMIES: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, so checking it costs what checking a real one does."""
    key = (_HASHER.time_cost, _HASHER.memory_cost, _HASHER.parallelism)
    found = _DUMMIES.get(key)
    if found is None:
        found = _DUMMIES[key] = _DUMMY_HASH if key == _PARAMETERS_KEY else _HASHER.hash("not a password anyone has")
    return found


_PARAMETERS_KEY = (_HASHER.time_cost, _HASHER.memory_cost, _HASHER.parallelism)

MIN_PASSWORD = 12
MAX_PASSWORD = 256
MAX_TOKEN_NAME = 100
#: How long a new API token lives unless its maker says otherwise (``BRIDGEWORK_API_TOKEN_DAYS``), and the most it may.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
_TOKEN_RE = re.compile(r"^bw_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_EMAIL_RE = re.compile(EMAIL_PATTERN)
#: How stale a token's ``last_used_at`` may get before a use is written (saves a write per request).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_user_id() -> str:
    """A fresh user id."""
    return f"u-{secrets.token_hex(8)}"


def normalise_email(email: str) -> str:
    """The stored form of an email address: trimmed and lower-cased; :class:`InvalidValue` if it is not one."""
    value = email.strip().lower() if isinstance(email, str) else email
    if not isinstance(value, str) or len(value) > EMAIL_MAX or not _EMAIL_RE.match(value):
        raise InvalidValue("email", "must be an email address")
    return value


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Roles sorted and deduplicated; :class:`InvalidValue` for an unknown one."""
    found = sorted(set(roles))
    for role in found:
        if role not in ROLES:
            raise InvalidValue("roles", f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return tuple(found)


def check_password(password: str) -> str:
    """``password`` if it is acceptable (length only: people choose passphrases); :class:`InvalidValue` otherwise."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidValue("password", f"must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidValue("password", f"must be at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """An Argon2id hash of an acceptable password."""
    return _HASHER.hash(check_password(password))


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def audit_entry(
    action: str, target_kind: str, target_id: str, actor_id: str | None, details: Mapping[str, Any] | None = None
) -> AuditEntry:
    """A new audit entry; its id sorts by time (then by a random tail), so listings are chronological."""
    at = now()
    return AuditEntry(
        id=f"{at:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}",
        at=at,
        actor_id=actor_id,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        details=dict(details or {}),
    )


def audit(
    store: GraphStore, action: str, target_kind: str, target_id: str, actor_id: str | None, details: Mapping[str, Any] | None = None
) -> AuditEntry:
    """Append one entry to the audit log (ids only in ``details``: the log outlives erasures)."""
    return store.record_audit(audit_entry(action, target_kind, target_id, actor_id, details))


# -- users ---------------------------------------------------------------------------

#: The ``assessor_id`` of :func:`update_user` when the request leaves the link as it is.
KEEP: Any = object()


def check_assessor_link(store: GraphStore, roles: Iterable[str], assessor_id: str | None, *, user_id: str | None = None) -> None:
    """Check, before anything is written, a user's roles with their assessor link; :class:`InvalidValue` on ``assessor_id``.

    The assessor role needs the assessor the person is (without one they could see nothing of
    their own), and that assessor must exist and have no other login. Every edge that gives a
    user roles or an assessor link (the users API, the admin pages) asks this first, so a
    refused request writes nothing and can simply be sent again, corrected.
    """
    if "assessor" in set(roles) and not assessor_id:
        raise InvalidValue("assessor_id", "The assessor role needs the assessor this person is: give their assessor id.")
    if not assessor_id:
        return
    try:
        assessor = store.get_assessor(assessor_id)
    except NotFound:
        raise InvalidValue("assessor_id", f"There is no assessor with id {assessor_id}.") from None
    owner = store.user_for_assessor(assessor_id)
    if owner is not None and owner.id != user_id:
        raise InvalidValue("assessor_id", f"{assessor.name} already has a login ({owner.email}).")


def create_user(
    store: GraphStore,
    email: str,
    *,
    roles: Iterable[str] = ("assessor",),
    password: str | None = None,
    assessor_id: str | None = None,
    organisation_ids: Iterable[str] = (),
    programme_ids: Iterable[str] = (),
    actor_id: str | None = None,
    user_id: str | None = None,
) -> User:
    """Create a user (audited as ``user:create``); without a password they sign in after a reset link.

    The password is hashed first (slow on purpose, so outside any transaction); then the user, their
    links and the audit entry are written in one unit of work (:func:`_create_user`). Edges check the
    roles with the assessor link first (:func:`check_assessor_link`), so a refused request writes nothing.
    """
    user = User(
        id=user_id or new_user_id(),
        email=normalise_email(email),
        password_hash=None if password is None else hash_password(password),
        roles=check_roles(roles),
        active=True,
        created_at=now(),
        assessor_id=assessor_id,
        organisation_ids=tuple(sorted(set(organisation_ids))),
        programme_ids=tuple(sorted(set(programme_ids))),
    )
    entry = audit_entry(
        "user:create",
        "user",
        user.id,
        actor_id,
        {
            "roles": list(user.roles),
            "assessor_id": assessor_id,
            "organisation_ids": list(user.organisation_ids),
            "programme_ids": list(user.programme_ids),
        },
    )
    return _create_user(store, user, entry)


@use_case
def _create_user(store: GraphStore, user: User, entry: AuditEntry) -> User:
    """Store a new user (password already hashed) with its audit entry."""
    return store.create_user(user, audit=entry)


def authenticate(store: GraphStore, email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None``; upgrades an outdated hash."""
    try:
        user = store.get_user_by_email(normalise_email(email))
    except (NotFound, InvalidValue):
        user = None
    stored = user.password_hash if user is not None else None
    try:
        _HASHER.verify(stored or _dummy_hash(), password)  # one check, whoever the email names
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or stored is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(stored):
        store.set_password_hash(user.id, _HASHER.hash(password))
    return user


def change_password(store: GraphStore, user_id: str, current: str, new: str, *, keep_session: str | None = None) -> int:
    """Replace the user's password after checking the current one; :class:`InvalidValue` names the wrong field.

    Every signed-in session of the person ends but ``keep_session`` (the one asking, if it is a session);
    returns how many ended. API tokens stay (a reset link ends them too). Checking and hashing are slow on
    purpose, so they happen before the unit of work that writes the new hash (:func:`_set_password`), which
    checks that the password did not change meanwhile.
    """
    user = store.get_user(user_id)
    try:
        _HASHER.verify(user.password_hash or _dummy_hash(), current)
        if user.password_hash is None:
            raise VerifyMismatchError
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise InvalidValue("current_password", "is not your current password") from None
    return _set_password(store, user_id, user.password_hash, hash_password(new), keep_session)


@use_case
def _set_password(store: GraphStore, user_id: str, checked_hash: str | None, new_hash: str, keep_session: str | None) -> int:
    """Write a new password hash, unless the password changed since ``checked_hash`` was checked; end the other sessions."""
    if store.get_user(user_id).password_hash != checked_hash:
        raise InvalidValue("current_password", "your password was changed meanwhile; sign in again")
    store.set_password_hash(user_id, new_hash)
    ended = store.end_sessions(user_id, keep=keep_session)
    audit(store, "user:password", "user", user_id, user_id, {"sessions_ended": ended})
    return ended


@use_case
def set_roles(store: GraphStore, user_id: str, roles: Iterable[str], actor_id: str | None) -> User:
    """Replace a user's roles, audited as ``user:roles`` with the before and after, in one transaction."""
    before = store.get_user(user_id)
    after = check_roles(roles)
    entry = audit_entry("user:roles", "user", user_id, actor_id, {"before": list(before.roles), "after": list(after)})
    return store.update_user(user_id, roles=after, audit=entry)


@use_case
def update_user(
    store: GraphStore,
    user_id: str,
    *,
    actor_id: str | None,
    email: str | None = None,
    active: bool | None = None,
    roles: Iterable[str] | None = None,
    assessor_id: str | None = KEEP,
    organisation_ids: Iterable[str] = KEEP,
    programme_ids: Iterable[str] = KEEP,
) -> User:
    """Change a user's email, active flag, roles and/or scope links (:data:`KEEP`: as they are); changes are audited.

    Everything is checked first (:class:`InvalidValue` naming the field): a change of roles or of
    the assessor link must leave a user with the assessor role linked to their assessor
    (:func:`check_assessor_link`). Then changed links are written (audited as ``user:scopes``;
    :class:`NotFound` for a missing organisation or programme), then the rest.
    """
    before = store.get_user(user_id)
    new_roles = None if roles is None else check_roles(roles)
    links = (
        before.assessor_id if assessor_id is KEEP else assessor_id,
        before.organisation_ids if organisation_ids is KEEP else tuple(sorted(set(organisation_ids))),
        before.programme_ids if programme_ids is KEEP else tuple(sorted(set(programme_ids))),
    )
    if new_roles is not None or assessor_id is not KEEP:
        check_assessor_link(store, before.roles if new_roles is None else new_roles, links[0], user_id=user_id)
    if email is not None:
        email = normalise_email(email)
    if links != (before.assessor_id, before.organisation_ids, before.programme_ids):
        store.set_user_scopes(
            user_id,
            assessor_id=links[0],
            organisation_ids=links[1],
            programme_ids=links[2],
            audit=_scopes_entry(user_id, actor_id, *links),
        )
    details: dict[str, Any] = {}
    if new_roles is not None and new_roles != before.roles:
        details["roles"] = {"before": list(before.roles), "after": list(new_roles)}
    if active is not None and active != before.active:
        details["active"] = {"before": before.active, "after": active}
    if email is not None and email != before.email:
        details["email"] = "changed"
    entry = audit_entry("user:roles" if "roles" in details else "user:update", "user", user_id, actor_id, details) if details else None
    return store.update_user(user_id, email=email, active=active, roles=new_roles, audit=entry)


@use_case
def set_scopes(
    store: GraphStore,
    user_id: str,
    *,
    actor_id: str | None,
    assessor_id: str | None,
    organisation_ids: Iterable[str],
    programme_ids: Iterable[str],
) -> User:
    """Replace a user's scope links (which assessor, which organisations, which programmes), audited as ``user:scopes``.

    A change of the assessor link is checked first (:func:`check_assessor_link`): an assessor
    keeps a link, to an assessor with no other login. An unchanged link is not checked again.
    """
    before = store.get_user(user_id)
    if assessor_id != before.assessor_id:
        check_assessor_link(store, before.roles, assessor_id, user_id=user_id)
    organisations, programmes = sorted(set(organisation_ids)), sorted(set(programme_ids))
    entry = _scopes_entry(user_id, actor_id, assessor_id, organisations, programmes)
    return store.set_user_scopes(user_id, assessor_id=assessor_id, organisation_ids=organisations, programme_ids=programmes, audit=entry)


def _scopes_entry(
    user_id: str, actor_id: str | None, assessor_id: str | None, organisation_ids: Iterable[str], programme_ids: Iterable[str]
) -> AuditEntry:
    details = {"assessor_id": assessor_id, "organisation_ids": sorted(set(organisation_ids)), "programme_ids": sorted(set(programme_ids))}
    return audit_entry("user:scopes", "user", user_id, actor_id, details)


@use_case
def delete_user(store: GraphStore, user_id: str, *, actor_id: str | None) -> None:
    """Delete a login with its tokens, reset links and scope links, audited as ``user:delete``; :class:`NotFound` if none.

    The assessor the user is stays (erasing a person is :func:`api.services.privacy.erase`).
    """
    store.delete_user(user_id)
    audit(store, "user:delete", "user", user_id, actor_id)


# -- API tokens ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just created: ``secret`` is the whole token string, shown this once and never stored."""

    token: ApiToken
    secret: str


@use_case
def issue_token(store: GraphStore, user_id: str, name: str, days: int = DEFAULT_TOKEN_DAYS, *, read_only: bool = False) -> IssuedToken:
    """Create an API token for the user, valid for ``days`` (1 to :data:`MAX_TOKEN_DAYS`); a ``read_only`` one may only read."""
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or not name:
        raise InvalidValue("name", "must not be empty")
    if len(name) > MAX_TOKEN_NAME:
        raise InvalidValue("name", f"must be at most {MAX_TOKEN_NAME} characters")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidValue("expires_in_days", f"must be a whole number of days from 1 to {MAX_TOKEN_DAYS}")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    created = now()
    token = ApiToken(
        id=token_id,
        user_id=user_id,
        name=name,
        secret_hash=_secret_hash(secret),
        created_at=created,
        expires_at=created + timedelta(days=days),
        read_only=bool(read_only),
    )
    store.create_token(token)
    return IssuedToken(token=token, secret=f"bw_{token_id}_{secret}")


@use_case
def revoke_token(store: GraphStore, user_id: str, token_id: str, *, actor_id: str | None) -> None:
    """Revoke (delete) one of the user's API tokens, audited as ``token:delete``; :class:`NotFound` if they hold no such token."""
    store.delete_token(user_id, token_id)
    audit(store, "token:delete", "user", user_id, actor_id, {"token_id": token_id})


def user_for_token(store: GraphStore, presented: str) -> User | None:
    """The active user a presented token string belongs to, or ``None`` (malformed, unknown, wrong secret, expired)."""
    found = token_caller(store, presented)
    return None if found is None else found[0]


def token_caller(store: GraphStore, presented: str) -> tuple[User, ApiToken] | None:
    """The active user and the live token a presented token string belongs to, or ``None``; marks the token used."""
    found = _TOKEN_RE.match(presented.strip())
    if not found:
        return None
    token_id, secret = found.groups()
    pair = store.token_with_user(token_id)
    if pair is None:
        return None
    token, user = pair
    if not hmac.compare_digest(token.secret_hash, _secret_hash(secret)):
        return None
    at = now()
    if token.expires_at is not None and token.expires_at <= at:
        return None
    if not user.active:
        return None
    if token.last_used_at is None or at - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        # After the request's read unit (api.readunit), so the mark is not a write inside its read transaction.
        store.after_commit(lambda: store.touch_token(token.id, at))
    return user, token


# -- password reset links --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedReset:
    """A reset link just created: ``secret`` goes into the link shown to the admin, and is never stored."""

    reset: PasswordReset
    secret: str


@use_case
def issue_reset(store: GraphStore, user_id: str, actor_id: str | None, hours: int = 24) -> IssuedReset:
    """A one-time reset link for the user, replacing any earlier one, audited as ``user:reset_link``."""
    secret = secrets.token_urlsafe(32)
    reset = PasswordReset(id=_secret_hash(secret), user_id=user_id, expires_at=now() + timedelta(hours=hours), created_by=actor_id)
    store.create_reset(reset, audit=audit_entry("user:reset_link", "user", user_id, actor_id, {"hours": hours}))
    return IssuedReset(reset=reset, secret=secret)


def reset_for(store: GraphStore, secret: str) -> PasswordReset | None:
    """The unexpired reset link of this secret, or ``None``."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        return None
    try:
        reset = store.get_reset(_secret_hash(secret))
    except NotFound:
        return None
    return reset if reset.expires_at > now() else None


@dataclass(frozen=True, slots=True)
class PasswordReplaced:
    """A password set through a reset link, and what ended with the old one: every session and every API token."""

    user: User
    sessions_ended: int
    tokens_revoked: int


def use_reset(store: GraphStore, secret: str, password: str) -> PasswordReplaced:
    """Set a new password through a reset link, which is then spent; :class:`InvalidValue` if the link cannot be used.

    Whoever may have known the old password (or held a session or token made with it) is shut out: every
    session of the person ends and every API token is revoked, in the same unit of work. The password is
    hashed first (slow on purpose), then the link is spent in a unit of work (:func:`_spend_reset`).
    """
    return _spend_reset(store, secret, hash_password(password))


@use_case
def _spend_reset(store: GraphStore, secret: str, password_hash: str) -> PasswordReplaced:
    """Spend the reset link of ``secret``, setting the already hashed password; end every session and token."""
    try:
        user = store.use_reset(_secret_hash(secret), now(), password_hash)
    except (NotFound, Invalid):
        raise InvalidValue("link", "this reset link has expired or was already used; ask an admin for a new one") from None
    sessions_ended, tokens_revoked = store.end_sessions(user.id), store.delete_tokens(user.id)
    audit(store, "user:password_reset", "user", user.id, user.id, {"sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked})
    return PasswordReplaced(user=user, sessions_ended=sessions_ended, tokens_revoked=tokens_revoked)

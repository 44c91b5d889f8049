"""Area port of :class:`graph.port.GraphStore`: users, roles, scopes, API tokens, reset links and the audit log.

Schema (both adapters):

* ``User {id, email, password_hash, roles, active, created_at}``; ``email`` is unique
  (the service stores it lower-cased); ``password_hash`` is ``None`` for an account that
  cannot sign in with a password until a reset link is used.
* ``(User)-[:IS]->(Assessor)`` (at most one), ``(User)-[:ADMINISTERS]->(Organisation)``,
  ``(User)-[:COORDINATES]->(Programme)``: the scopes of the user's roles.
* ``ApiToken {id, name, secret_hash, created_at, expires_at, last_used_at, read_only}`` held by one user;
  only a hash of the secret is stored. Revoking deletes it. A ``read_only`` token may only read.
* ``PasswordReset {id, user_id, expires_at, created_by}``: ``id`` is a hash of the link's
  secret; using a link deletes it (one-time).
* ``AuditEntry {id, at, actor_id, action, target_kind, target_id, details}``: kept when the
  actor or target is erased (it holds ids, never personal details).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from graph.values import Page
from network.domain import Assessor

#: Every role a user may hold (several at once).
ROLES: tuple[str, ...] = ("assessor", "org_admin", "coordinator", "admin")


@dataclass(frozen=True, slots=True)
class User:
    """A login and its scopes: which assessor it is, which organisations it administers, which programmes it coordinates."""

    id: str
    email: str
    password_hash: str | None
    roles: tuple[str, ...] = ()
    active: bool = True
    created_at: datetime | None = None
    assessor_id: str | None = None
    organisation_ids: tuple[str, ...] = ()
    programme_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token for scripted clients; only ``secret_hash`` of its secret is stored."""

    id: str
    user_id: str
    name: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """A one-time password reset link; ``id`` is a hash of the link's secret."""

    id: str
    user_id: str
    expires_at: datetime
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who (``actor_id``) did what (``action``) to what (``target_kind``/``target_id``), and when."""

    id: str
    at: datetime
    actor_id: str | None
    action: str
    target_kind: str
    target_id: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What :meth:`AccountsPort.erase_assessor` did."""

    erased: str
    placeholder_id: str | None
    memberships_kept: int
    account_deleted: bool


class AccountsPort(ABC):
    """Users, roles, scopes, API tokens, reset links and the audit log."""

    # -- users ------------------------------------------------------------

    @abstractmethod
    def create_user(self, user: User, audit: AuditEntry | None = None) -> User:
        """Store a new user with its scope links (and ``audit``, in the same transaction).

        :class:`Conflict` if the id or email is taken, :class:`NotFound` if a linked node is missing.
        """

    @abstractmethod
    def get_user(self, user_id: str) -> User:
        """The user with its scope links; :class:`NotFound` if none."""

    @abstractmethod
    def get_user_by_email(self, email: str) -> User:
        """The user with exactly this (stored, lower-cased) email; :class:`NotFound` if none."""

    @abstractmethod
    def list_users(self, limit: int = 50, after: str | None = None, role: str | None = None) -> Page[User]:
        """Users in id order, optionally only those holding ``role``."""

    @abstractmethod
    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        active: bool | None = None,
        roles: Iterable[str] | None = None,
        audit: AuditEntry | None = None,
    ) -> User:
        """Change the given properties (``None`` keeps one) and record ``audit`` in the same transaction.

        :class:`NotFound` if the user is missing, :class:`Conflict` if the email is taken.
        """

    @abstractmethod
    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        """Replace the user's password hash; :class:`NotFound` if the user is missing."""

    @abstractmethod
    def set_user_scopes(
        self,
        user_id: str,
        *,
        assessor_id: str | None = None,
        organisation_ids: Iterable[str] = (),
        programme_ids: Iterable[str] = (),
        audit: AuditEntry | None = None,
    ) -> User:
        """Replace the user's IS / ADMINISTERS / COORDINATES links; :class:`NotFound` if the user or a linked node is missing."""

    @abstractmethod
    def user_for_assessor(self, assessor_id: str) -> User | None:
        """The user linked to the assessor by IS, or ``None``."""

    @abstractmethod
    def delete_user(self, user_id: str, audit: AuditEntry | None = None) -> None:
        """Delete the user with its tokens, reset links and scope links; :class:`NotFound` if none."""

    # -- API tokens ---------------------------------------------------------

    @abstractmethod
    def create_token(self, token: ApiToken) -> ApiToken:
        """Store a new token; :class:`NotFound` if the user is missing, :class:`Conflict` if the id exists."""

    @abstractmethod
    def token_with_user(self, token_id: str) -> tuple[ApiToken, User] | None:
        """The token and its user (with scopes) in one read, or ``None`` if there is no such token."""

    @abstractmethod
    def list_tokens(self, user_id: str) -> list[ApiToken]:
        """The user's tokens, newest first (ties by id); :class:`NotFound` if the user is missing."""

    @abstractmethod
    def touch_token(self, token_id: str, at: datetime) -> None:
        """Record that the token was used at ``at``; harmless if the token has gone."""

    @abstractmethod
    def delete_token(self, user_id: str, token_id: str) -> None:
        """Revoke (delete) one of the user's tokens; :class:`NotFound` if the user holds no such token."""

    # -- password reset links -------------------------------------------------

    @abstractmethod
    def create_reset(self, reset: PasswordReset, audit: AuditEntry | None = None) -> PasswordReset:
        """Store a reset link, replacing any earlier link of that user; :class:`NotFound` if the user is missing."""

    @abstractmethod
    def get_reset(self, reset_id: str) -> PasswordReset:
        """The reset link with this id; :class:`NotFound` if none (never issued, used or replaced)."""

    @abstractmethod
    def use_reset(self, reset_id: str, now: datetime, password_hash: str) -> User:
        """Set the password of the link's user and delete the link, in one transaction.

        :class:`NotFound` if there is no such link (never issued, already used or replaced);
        :class:`Invalid` (and the link deleted) if it expired before ``now``.
        """

    # -- privacy --------------------------------------------------------------

    @abstractmethod
    def erase_assessor(self, assessor_id: str, placeholder: Assessor, today: date, audit: AuditEntry | None = None) -> ErasureReport:
        """Erase a person in one transaction: their login, the assessor node and every personal tie.

        Set memberships (and meeting roles) are handed to ``placeholder`` (created only if
        there are any), ended on ``today`` where still current, so other members' history stays
        whole. :class:`NotFound` if the assessor is missing; :class:`Conflict` if the placeholder id exists.
        """

    # -- audit log ------------------------------------------------------------

    @abstractmethod
    def record_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append one entry to the audit log; :class:`Conflict` if the id exists."""

    @abstractmethod
    def list_audit(
        self,
        limit: int = 50,
        after: str | None = None,
        action: str | None = None,
        actor_id: str | None = None,
        target_id: str | None = None,
    ) -> Page[AuditEntry]:
        """Audit entries NEWEST first (descending id; ids sort by time), optionally filtered.

        ``after`` is the ``next_after`` of the previous page: the listing continues with ids below it.
        """

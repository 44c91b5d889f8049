"""Area port of :class:`graph.port.GraphStore`: signed-in sessions kept in the store, and shared throttle counters.

Sessions. A sign-in is a stored :class:`SignInSession`, so ending it (sign-out, a password change or
reset, "sign out my other sessions") takes effect on every app server at once: a cookie that names an
ended session signs nobody in. The cookie carries the session's id and a secret; only a SHA-256 hash
of the secret is stored (as with API tokens).

Counters. :meth:`SessionsPort.hit_counter` counts within a fixed window that opens with the first hit,
atomically, so several app server processes counting the same key never lose a hit: the throttles of
sign-in, password change and token creation (:mod:`api.services.throttle`) live on them.

Schema (both adapters):

* ``SignInSession {id, secret_hash, created_at, last_seen_at, expires_at, remember, user_agent}``
  held by one user (embedded: ``sign_in_sessions.user_id`` with ``ON DELETE CASCADE``; Neo4j:
  ``(:User)-[:SIGNED_IN]->(:SignInSession)``, deleted with the user). Ending a session deletes it.
* ``RateCounter {key, count, resets_at}``: no relationships; an expired counter reads as absent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from graph.port_accounts import User

#: The longest user agent kept with a session (longer ones are cut).
MAX_USER_AGENT = 300
#: The longest counter key.
MAX_COUNTER_KEY = 400


@dataclass(frozen=True, slots=True)
class SignInSession:
    """One signed-in browser: whose, since when, when last seen, until when, and what it said it was."""

    id: str
    user_id: str
    secret_hash: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    remember: bool = False
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class Counter:
    """A throttle counter: ``count`` hits in the window that ends at ``resets_at``."""

    key: str
    count: int
    resets_at: datetime


class SessionsPort(ABC):
    """Signed-in sessions, ending API tokens wholesale, and shared counters."""

    # -- sessions ---------------------------------------------------------------

    @abstractmethod
    def create_session(self, session: SignInSession) -> SignInSession:
        """Store a new session; :class:`NotFound` if the user is missing, :class:`Conflict` if the id exists."""

    @abstractmethod
    def session_with_user(self, session_id: str) -> tuple[SignInSession, User] | None:
        """The session and its user (with scopes) in one read, or ``None`` if there is no such session (ended or never made)."""

    @abstractmethod
    def list_sessions(self, user_id: str, now: datetime) -> list[SignInSession]:
        """The user's sessions unexpired at ``now``, most recently seen first (ties by id); :class:`NotFound` if the user is missing."""

    @abstractmethod
    def touch_session(self, session_id: str, at: datetime) -> None:
        """Record that the session was seen at ``at``; harmless if it has ended."""

    @abstractmethod
    def end_session(self, user_id: str, session_id: str) -> None:
        """End (delete) one of the user's sessions; :class:`NotFound` if the user holds no such session."""

    @abstractmethod
    def end_sessions(self, user_id: str, keep: str | None = None) -> int:
        """End every session of the user but ``keep`` (if given); return how many ended (expired ones count too)."""

    @abstractmethod
    def delete_expired_sessions(self, before: datetime) -> int:
        """Delete every session that expired before ``before``; return how many went."""

    # -- API tokens, wholesale ----------------------------------------------------

    @abstractmethod
    def delete_tokens(self, user_id: str) -> int:
        """Revoke (delete) every API token of the user; return how many went."""

    # -- counters -------------------------------------------------------------

    @abstractmethod
    def hit_counter(self, key: str, at: datetime, window_seconds: int, amount: int = 1) -> Counter:
        """Add ``amount`` to the counter of ``key``, atomically: a missing or expired counter starts again at ``amount``
        with a window ending ``window_seconds`` after ``at``. Returns the counter after the hit."""

    @abstractmethod
    def get_counter(self, key: str, at: datetime) -> Counter | None:
        """The counter of ``key`` if it exists and has not expired at ``at``, else ``None``."""

    @abstractmethod
    def clear_counter(self, key: str) -> None:
        """Forget the counter of ``key``; harmless if there is none."""

    @abstractmethod
    def delete_expired_counters(self, before: datetime) -> int:
        """Delete counters whose window ended before ``before``; return how many went."""

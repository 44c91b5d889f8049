"""Sign-in sessions: started at sign-in, checked on every request, ended by sign-out, a password change or reset,
or by the person from their list of sessions. Nothing here knows Flask.

A session lives in the store (:mod:`graph.port_sessions`), so ending it ends it on every app server at
once, and a cookie captured before sign-out (the session cookie or a "keep me signed in" cookie) signs
nobody in afterwards. The cookie holds ``<session id>.<secret>``; the store keeps a SHA-256 hash of the
secret (a 256-bit random secret needs no slow hash), compared in constant time.

A session lasts ``hours`` from sign-in, or ``remember_days`` (at most :data:`MAX_REMEMBER_DAYS`) when the
person asked to be kept signed in; it is never extended.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from api.services.accounts import audit
from api.services.usecase import use_case
from graph.port import GraphStore, NotFound
from graph.port_accounts import User
from graph.port_sessions import MAX_USER_AGENT, SignInSession

#: "Keep me signed in" never lasts longer than this.
MAX_REMEMBER_DAYS = 30
#: How stale a session's ``last_seen_at`` may get before a visit is written (saves a write per request).
TOUCH_INTERVAL = timedelta(minutes=1)
_KEY_RE = re.compile(r"^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A session just started: ``key`` goes into the cookie and is never stored."""

    session: SignInSession
    key: str


@use_case
def start(
    store: GraphStore, user_id: str, *, remember: bool, user_agent: str, hours: int = 12, remember_days: int = MAX_REMEMBER_DAYS
) -> StartedSession:
    """Start a session for a person who just signed in (``remember``: "keep me signed in", at most 30 days)."""
    session_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    at = now()
    lifetime = timedelta(days=min(remember_days, MAX_REMEMBER_DAYS)) if remember else timedelta(hours=hours)
    session = SignInSession(
        id=session_id,
        user_id=user_id,
        secret_hash=_hash(secret),
        created_at=at,
        last_seen_at=at,
        expires_at=at + lifetime,
        remember=remember,
        user_agent=(user_agent or "")[:MAX_USER_AGENT],
    )
    store.create_session(session)
    # Tidy as people sign in (cheap, indexed): sessions that have ended by age, and throttle counts whose window closed.
    store.delete_expired_sessions(at)
    store.delete_expired_counters(at)
    return StartedSession(session=session, key=f"{session_id}.{secret}")


def session_id_of(key: str) -> str | None:
    """The session id a cookie key names (without checking it), or ``None`` if it is not a key."""
    found = _KEY_RE.match(key) if isinstance(key, str) else None
    return found.group(1) if found else None


def user_for_key(store: GraphStore, key: str) -> tuple[User, SignInSession] | None:
    """The active user and live session a cookie key belongs to, or ``None`` (malformed, ended, expired, wrong secret).

    Records the visit (at most once a :data:`TOUCH_INTERVAL`), so the person's list shows when each session was last seen.
    """
    found = _KEY_RE.match(key) if isinstance(key, str) else None
    if not found:
        return None
    session_id, secret = found.groups()
    pair = store.session_with_user(session_id)
    if pair is None:
        return None
    session, user = pair
    at = now()
    if not hmac.compare_digest(session.secret_hash, _hash(secret)) or session.expires_at <= at or not user.active:
        return None
    if at - session.last_seen_at > TOUCH_INTERVAL:
        # After the request's read unit (api.readunit), so the mark is not a write inside its read transaction.
        store.after_commit(lambda: _seen(store, session.id, at))
    return user, session


@use_case
def _seen(store: GraphStore, session_id: str, at: datetime) -> None:
    store.touch_session(session_id, at)


def listing(store: GraphStore, user_id: str) -> list[SignInSession]:
    """The person's live sessions, most recently seen first."""
    return store.list_sessions(user_id, now())


@use_case
def sign_out(store: GraphStore, user_id: str, session_id: str | None) -> None:
    """End the session signing out (harmless if it has already ended)."""
    if session_id is None:
        return
    try:
        store.end_session(user_id, session_id)
    except NotFound:
        return
    audit(store, "session:end", "user", user_id, user_id, {"session_id": session_id, "why": "signed out"})


@use_case
def end_one(store: GraphStore, user_id: str, session_id: str, *, actor_id: str | None) -> None:
    """End one of the person's sessions (e.g. a lost phone); :class:`NotFound` if they hold no such session."""
    store.end_session(user_id, session_id)
    audit(store, "session:end", "user", user_id, actor_id, {"session_id": session_id})


@use_case
def end_others(store: GraphStore, user_id: str, keep: str | None, *, actor_id: str | None, why: str = "asked") -> int:
    """End every session of the person but ``keep`` (``None``: all of them); return how many ended."""
    ended = store.end_sessions(user_id, keep=keep)
    if ended:
        audit(store, "session:end_others", "user", user_id, actor_id, {"kept": keep, "ended": ended, "why": why})
    return ended


def device_words(user_agent: str) -> str:
    """What a user agent says the device is, in words: ``"Firefox on Windows"``, ``"Safari on an iPhone"``; else ``"An unknown browser"``."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for marker, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chromium/", "Chromium"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
                ("curl/", "curl"),
                ("python-requests", "a Python script"),
            )
            if marker in ua
        ),
        None,
    )
    system = next(
        (
            name
            for marker, name in (
                ("iPhone", "an iPhone"),
                ("iPad", "an iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS X", "a Mac"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if marker in ua
        ),
        None,
    )
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return f"{browser or 'A browser'}" + (f" on {system}" if system else "")
    return "An unknown browser"

"""Application settings, read from the environment once, in the app factory."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from typing import Any

from limits import parse_many

from graph.settings import SettingError, StoreSettings
from network.suggestions import COMMON_SLOT_MODES

ENVIRONMENTS = ("development", "production", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: Config key of the default common-slot mode of peer suggestions (the API and the pages read it).
COMMON_SLOT_SETTING = "SUGGESTIONS_COMMON_SLOT"

log = logging.getLogger(__name__)


def from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from ``BRIDGEWORK_*`` and ``NEO4J_*`` variables.

    Raises :class:`~graph.settings.SettingError` naming the variable when a value cannot work.
    """
    env = os.environ if env is None else env
    environment = (env.get("BRIDGEWORK_ENV") or "development").strip().lower()
    if environment not in ENVIRONMENTS:
        raise SettingError("BRIDGEWORK_ENV", f"must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
    secret = env.get("BRIDGEWORK_SECRET_KEY") or ""
    if not secret:
        if environment == "production":
            raise SettingError("BRIDGEWORK_SECRET_KEY", "must be set in production (a long random string)")
        # A per-process key: sessions do not survive a restart, which is fine for development.
        secret = secrets.token_hex(32)
    elif environment == "production" and len(secret) < 32:
        raise SettingError("BRIDGEWORK_SECRET_KEY", "must be at least 32 characters in production")
    level = (env.get("BRIDGEWORK_LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise SettingError("BRIDGEWORK_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    secure_cookies = _flag(env, "BRIDGEWORK_SECURE_COOKIES", default=environment == "production")
    base_url = base_url_setting(env, environment)
    return {
        "BRIDGEWORK_ENV": environment,
        "SECRET_KEY": secret,
        "LOG_LEVEL": level,
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none; the client's address is the peer's).
        "TRUSTED_PROXIES": _int(env, "BRIDGEWORK_TRUSTED_PROXIES", 0, low=0, high=5),
        # Deadlines (api/budget.py): seconds a request may wait on the store in all, and how many requests of a
        # process may use the store at once (0: no limit; set it below gunicorn's threads so /healthz always answers).
        "REQUEST_STORE_SECONDS": _int(env, "BRIDGEWORK_REQUEST_STORE_SECONDS", 4, low=1, high=120),
        "STORE_SLOTS": _int(env, "BRIDGEWORK_STORE_SLOTS", 0, low=0, high=1024),
        # Log lines as JSON objects (for collectors) or text (for people); see api/observability.py.
        "LOG_FORMAT": _choice(env, "BRIDGEWORK_LOG_FORMAT", ("json", "text") if environment == "production" else ("text", "json")),
        # GET /metrics needs "Authorization: Bearer <token>"; without one it is open in development, absent in production.
        "METRICS_TOKEN": (env.get("BRIDGEWORK_METRICS_TOKEN") or "").strip() or None,
        "STORE_SETTINGS": StoreSettings.from_env(env),
        # Larger request bodies are refused with 413 before a view reads them.
        "MAX_CONTENT_LENGTH": _int(env, "BRIDGEWORK_MAX_CONTENT_LENGTH", 16 * 1024 * 1024, low=1024, high=1024**3),
        # Session cookies: signed by Flask with SECRET_KEY, never readable from scripts, not sent on
        # cross-site sub-requests, and Secure (HTTPS only) when configured (always in production).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # "Keep me signed in": the cookie and the stored session it names last at most 30 days (api.services.sessions).
        "REMEMBER_DAYS": _int(env, "BRIDGEWORK_REMEMBER_DAYS", 30, low=1, high=30),
        # Where people reach the service: reset links are built from it, never from a request's Host header.
        "BASE_URL": base_url,
        # Strict-Transport-Security on every response (api.headers): production is served over HTTPS only.
        "HSTS": _flag(env, "BRIDGEWORK_HSTS", default=environment == "production"),
        "PERMANENT_SESSION_LIFETIME": _int(env, "BRIDGEWORK_SESSION_HOURS", 12, low=1, high=24 * 90) * 3600,
        # Login throttling (api.auth.LoginThrottle): FAILED sign-ins allowed per client address and per account
        # (the email tried), and where counters live (memory:// per process, or e.g. redis://host:6379).
        "LOGIN_RATE_LIMIT": _limits(env, "BRIDGEWORK_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": _limits(env, "BRIDGEWORK_LOGIN_ACCOUNT_RATE_LIMIT", "5 per 15 minutes;30 per day"),
        # Where the throttles count: "store" (the default) keeps the counters in the graph store, shared by every
        # process; or a limits storage URI (redis://host:6379; memory:// counts per process, for tests only).
        "RATELIMIT_STORAGE_URI": (env.get("BRIDGEWORK_RATELIMIT_STORAGE_URI") or "store").strip(),
        # Throttles like sign-in's, per client address and per account: FAILED password changes, and new API tokens.
        "PASSWORD_CHANGE_RATE_LIMIT": _limits(env, "BRIDGEWORK_PASSWORD_CHANGE_RATE_LIMIT", "10 per 15 minutes;50 per day"),
        "PASSWORD_CHANGE_ACCOUNT_RATE_LIMIT": _limits(env, "BRIDGEWORK_PASSWORD_CHANGE_ACCOUNT_RATE_LIMIT", "5 per 15 minutes;20 per day"),
        "TOKEN_RATE_LIMIT": _limits(env, "BRIDGEWORK_TOKEN_RATE_LIMIT", "20 per hour;100 per day"),
        "TOKEN_ACCOUNT_RATE_LIMIT": _limits(env, "BRIDGEWORK_TOKEN_ACCOUNT_RATE_LIMIT", "10 per hour;30 per day"),
        "PASSWORD_RESET_HOURS": _int(env, "BRIDGEWORK_PASSWORD_RESET_HOURS", 24, low=1, high=24 * 14),
        # A new API token's lifetime unless its maker chooses (at most a year, see api.services.accounts.MAX_TOKEN_DAYS).
        "API_TOKEN_DAYS": _int(env, "BRIDGEWORK_API_TOKEN_DAYS", 90, low=1, high=365),
        # Peer suggestions: must a suggested peer share a weekly slot ("required"), or does a shared slot only count in
        # their favour ("preferred")? A request's ``common_slot`` parameter overrides it.
        COMMON_SLOT_SETTING: _choice(env, "BRIDGEWORK_SUGGESTIONS_COMMON_SLOT", COMMON_SLOT_MODES),
        # Background jobs (imports, set formation on a large pool): threads per process, and how long a job may go
        # without a heartbeat before it reads as failed (its process died). See api/jobs.py.
        "JOBS_WORKERS": _int(env, "BRIDGEWORK_JOBS_WORKERS", 2, low=1, high=32),
        "JOBS_STALE_SECONDS": _int(env, "BRIDGEWORK_JOBS_STALE_SECONDS", 45, low=15, high=24 * 3600),
        # Notices and reminders (issue 8, meetings): how they are delivered (see api/services/notify.py).
        **notifier_settings(env),
    }


#: Ways notices can be delivered: kept in the outbox only (pages show it), or also e-mailed.
NOTIFIERS = ("outbox", "smtp")


def notifier_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``NOTIFIER`` and the ``SMTP_*`` settings from ``BRIDGEWORK_NOTIFIER`` and ``BRIDGEWORK_SMTP_*`` (meetings, issue 8).

    With ``BRIDGEWORK_NOTIFIER=smtp``, ``BRIDGEWORK_SMTP_HOST`` and ``BRIDGEWORK_SMTP_FROM`` must be set;
    ``BRIDGEWORK_SMTP_USER``/``_PASSWORD`` go together. Raises :class:`SettingError` naming the variable.
    """
    env = os.environ if env is None else env
    notifier = _choice(env, "BRIDGEWORK_NOTIFIER", NOTIFIERS)
    starttls = _flag(env, "BRIDGEWORK_SMTP_STARTTLS", default=False)
    host = (env.get("BRIDGEWORK_SMTP_HOST") or "").strip()
    sender = (env.get("BRIDGEWORK_SMTP_FROM") or "").strip()
    user = (env.get("BRIDGEWORK_SMTP_USER") or "").strip()
    password = env.get("BRIDGEWORK_SMTP_PASSWORD") or ""
    settings = {
        "NOTIFIER": notifier,
        "SMTP_HOST": host,
        "SMTP_PORT": _int(env, "BRIDGEWORK_SMTP_PORT", 587 if starttls else 25, low=1, high=65535),
        "SMTP_FROM": sender,
        "SMTP_USER": user,
        "SMTP_PASSWORD": password,
        "SMTP_STARTTLS": starttls,
        "SMTP_TIMEOUT": _int(env, "BRIDGEWORK_SMTP_TIMEOUT", 30, low=1, high=600),
        # The site's address, so links in e-mails can be followed (e.g. https://bridgework.example.org); empty: paths only.
        "PUBLIC_URL": _url(env, "BRIDGEWORK_PUBLIC_URL"),
    }
    if notifier == "smtp":
        if not host:
            raise SettingError("BRIDGEWORK_SMTP_HOST", "must be set when BRIDGEWORK_NOTIFIER is smtp")
        if not sender or "@" not in sender or any(c.isspace() for c in sender):
            raise SettingError("BRIDGEWORK_SMTP_FROM", f"must be an email address when BRIDGEWORK_NOTIFIER is smtp, got {sender!r}")
        if bool(user) != bool(password):
            raise SettingError("BRIDGEWORK_SMTP_USER" if not user else "BRIDGEWORK_SMTP_PASSWORD", "user and password go together")
    return settings


def base_url_setting(env: Mapping[str, str], environment: str) -> str:
    """``BRIDGEWORK_BASE_URL`` (else ``BRIDGEWORK_PUBLIC_URL``, which means the same): the site's address without a trailing slash.

    Required in production, where a link built from a request's ``Host`` header could send a reset link to
    another site; elsewhere it defaults to the development server's address.
    """
    base = _url(env, "BRIDGEWORK_BASE_URL") or _url(env, "BRIDGEWORK_PUBLIC_URL")
    if not base and environment == "production":
        raise SettingError(
            "BRIDGEWORK_BASE_URL", "must be set in production: the address people reach Bridgework at (e.g. https://bridgework.example.org)"
        )
    return base or "http://127.0.0.1:5000"


def worker_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """When ``bridgework worker`` runs its jobs (UK time, :data:`WORKER_TIMEZONE`), from ``BRIDGEWORK_*``.

    ``REMINDERS_HOUR``: the daily reminders and set-health checks; ``DIGEST_HOUR``: the daily
    digests; ``DELIVERY_SECONDS``: how often notices due are sent. Raises :class:`SettingError` naming the variable.
    """
    env = os.environ if env is None else env
    return {
        "REMINDERS_HOUR": _int(env, "BRIDGEWORK_REMINDERS_HOUR", 6, low=0, high=23),
        "DIGEST_HOUR": _int(env, "BRIDGEWORK_DIGEST_HOUR", 7, low=0, high=23),
        "DELIVERY_SECONDS": _int(env, "BRIDGEWORK_DELIVERY_SECONDS", 60, low=10, high=3600),
    }


#: The time zone of the worker's daily jobs: the people Bridgework serves work to UK days.
WORKER_TIMEZONE = "Europe/London"


def _url(env: Mapping[str, str], name: str) -> str:
    """An ``http(s)://`` address without a trailing slash, or empty."""
    raw = (env.get(name) or "").strip().rstrip("/")
    if raw and (not raw.startswith(("https://", "http://")) or any(c.isspace() for c in raw) or len(raw) > 200):
        raise SettingError(name, f"must be the site's address such as https://bridgework.example.org, got {raw!r}")
    return raw


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """The variable's value, one of ``choices`` (the first is the default)."""
    raw = (env.get(name) or choices[0]).strip().lower()
    if raw not in choices:
        raise SettingError(name, f"must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingError(name, f"must be true or false, got {raw!r}")


def _limits(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit string such as ``10 per minute;50 per hour`` (checked here so a typo stops start-up)."""
    raw = (env.get(name) or default).strip()
    try:
        parse_many(raw)
    except ValueError:
        raise SettingError(name, f"must be limits such as '10 per minute;50 per hour', got {raw!r}") from None
    return raw


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, f"must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingError(name, f"must be between {low} and {high}, got {value}")
    return value

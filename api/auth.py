"""Authentication, wired once: flask-login sessions, bearer API tokens, CSRF protection and login throttling.

Who is calling (:func:`authenticated_user`) is decided here and only here; what they may do is
decided by :mod:`api.access`.

* **Session cookie** (people, via the login page): flask-login keeps the user's id in Flask's
  signed session cookie (HttpOnly, SameSite=Lax, Secure when configured; see :mod:`api.config`).
  The id stored in the session carries a fingerprint of the password hash, so changing or
  resetting a password signs out every other session.
* **Bearer token** (scripts): ``Authorization: Bearer bw_<id>_<secret>``; see
  :mod:`api.services.accounts`. A request that presents an ``Authorization`` header is judged by
  that header alone, never by a cookie it may also carry.

CSRF. Every form is protected by Flask-WTF's ``CSRFProtect``. The JSON API (paths under
``/api/``) is left out of that blanket check because a bearer token is not an ambient credential (a browser
never attaches it by itself); instead :func:`api.access.authorize` requires the
``X-CSRFToken`` header on every unsafe request (POST, PUT, PATCH, DELETE) that is authenticated
by the session cookie. ``GET /api/v1/me`` hands a signed-in page its token.

Throttling. :class:`LoginThrottle` counts FAILED sign-ins only, per client address
(``LOGIN_RATE_LIMIT``) and per account, i.e. the email tried (``LOGIN_ACCOUNT_RATE_LIMIT``), so
staff who share one address (a council's network) never lock themselves out by signing in.
While either count is spent, sign-ins for that account or from that address are refused before
the password is checked, with a message saying when to try again. A successful sign-in clears
the account's count (never the address's: one's own account must not reset an address that is
guessing at others). Counters live in Flask-Limiter's storage, ``RATELIMIT_STORAGE_URI``
(``memory://``: per process).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import RateLimitItem, parse_many

from api.errors import error_response
from api.extensions import get_store
from api.services import accounts
from graph.port import NotFound
from graph.port_accounts import User
from graph.settings import SettingError

LIMITER_KEY = "bridgework.limiter"
THROTTLE_KEY = "bridgework.login_throttle"
CSRF_KEY = "bridgework.csrf"
_UNSET = object()


class SessionUser(UserMixin):
    """What flask-login keeps for a signed-in person: the stored user."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        """The user id with a fingerprint of the password hash (a new password ends old sessions)."""
        return f"{self.user.id}.{_fingerprint(self.user)}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.user.active


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def init_auth(app: Flask) -> None:
    """Install flask-login, CSRF protection and the login limiter on the app."""
    login_manager = LoginManager()  # the sign-in page (``login_view``) is the pages' to name: see web.init_app
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load(session_id: str) -> SessionUser | None:
        user_id, _, fingerprint = session_id.rpartition(".")
        try:
            user = get_store().get_user(user_id)
        except NotFound:
            return None
        if not user.active or fingerprint != _fingerprint(user):
            return None
        return SessionUser(user)

    # The blanket check covers pages and forms; the JSON API under /api/ is checked by
    # api.access.authorize instead (session-cookie writes only), so it is left out here.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)
    app.extensions[CSRF_KEY] = csrf

    @app.before_request
    def _csrf_for_pages() -> None:
        if app.config.get("WTF_CSRF_ENABLED", True) and not request.path.startswith("/api/"):
            csrf.protect(apply_exemptions=True)  # skips requests that matched no route (404, 405)

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError) -> Any:
        return error_response(400, f"{exc.description} Reload the page and try again.", code="csrf_failed")

    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        key_prefix="bridgework",
    )
    app.extensions[LIMITER_KEY] = limiter
    app.extensions[THROTTLE_KEY] = LoginThrottle(limiter, app.config["LOGIN_RATE_LIMIT"], app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def check_csrf() -> None:
    """Validate the CSRF token of the current request (form field or ``X-CSRFToken`` header); 400 if it fails."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions[CSRF_KEY].protect()


@dataclass(frozen=True, slots=True)
class LoginRefusal:
    """Why sign-ins are refused for now, in words, and after how many seconds they may be tried again."""

    message: str
    retry_after: int


def wait_words(seconds: float) -> str:
    """How long to wait, in words: ``"in a minute"``, ``"in 12 minutes"``, ``"in about 2 hours"``, ``"tomorrow"``."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes == 1:
        return "in a minute"
    if minutes < 90:
        return f"in {minutes} minutes"
    hours = round(minutes / 60)
    if hours < 24:
        return f"in about {hours} hours"
    return "tomorrow" if hours < 36 else f"in about {round(hours / 24)} days"


def parse_limits(text: str, setting: str) -> list[RateLimitItem]:
    """Limits such as ``"5 per 15 minutes;20 per day"``; :class:`SettingError` naming ``setting`` if they cannot be read."""
    try:
        return parse_many(text)
    except ValueError:
        raise SettingError(setting, f"must be limits such as '10 per minute;50 per hour', got {text!r}") from None


class LoginThrottle:
    """Failed sign-ins counted per client address and per account (the email tried), in the limiter's storage."""

    def __init__(self, limiter: Limiter, per_address: str, per_account: str) -> None:
        self._limiter = limiter
        self.per_address = parse_limits(per_address, "BRIDGEWORK_LOGIN_RATE_LIMIT")
        self.per_account = parse_limits(per_account, "BRIDGEWORK_LOGIN_ACCOUNT_RATE_LIMIT")

    @staticmethod
    def account_key(email: str) -> str:
        """The counter key of an email as typed: trimmed and lower-cased, like the stored form."""
        return email.strip().lower()[:254] if isinstance(email, str) else ""

    def _keys(self, email: str) -> list[tuple[str, list[RateLimitItem], tuple[str, ...]]]:
        address = get_remote_address() or "unknown"
        return [
            ("account", self.per_account, ("bridgework", "login-failed", "account", self.account_key(email))),
            ("address", self.per_address, ("bridgework", "login-failed", "address", address)),
        ]

    def refusal(self, email: str) -> LoginRefusal | None:
        """Why a sign-in for ``email`` from this request's address is refused now (a spent count), or ``None``."""
        strategy = self._limiter.limiter
        for kind, items, key in self._keys(email):
            spent = [item for item in items if not strategy.test(item, *key)]
            if spent:
                wait = max(strategy.get_window_stats(item, *key).reset_time for item in spent) - time.time()
                seconds = max(1, math.ceil(wait))
                whose = "for this account" if kind == "account" else "from your network"
                return LoginRefusal(f"Too many failed sign-ins {whose}. Try again {wait_words(seconds)}.", seconds)
        return None

    def failed(self, email: str) -> None:
        """Count one failed sign-in for ``email`` and for this request's address."""
        strategy = self._limiter.limiter
        for _kind, items, key in self._keys(email):
            for item in items:
                strategy.hit(item, *key)

    def succeeded(self, email: str) -> None:
        """Forget the account's failed sign-ins (the address's count stays)."""
        strategy = self._limiter.limiter
        for kind, items, key in self._keys(email):
            if kind == "account":
                for item in items:
                    strategy.clear(item, *key)


def login_throttle() -> LoginThrottle:
    """The app's :class:`LoginThrottle`."""
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    return throttle


def bearer_token() -> str | None:
    """The bearer token of the request, ``""`` for an ``Authorization`` header of another kind, ``None`` without one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else ""


def authenticated_user() -> User | None:
    """The user making this request (bearer token, else session cookie), or ``None``; computed once per request."""
    cached = g.get("bw_user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[no-any-return]
    token = bearer_token()
    user: User | None
    if token is not None:
        g.bw_via = "token"
        user = accounts.user_for_token(get_store(), token) if token else None
    elif current_user.is_authenticated:
        g.bw_via = "session"
        user = current_user.user
    else:
        g.bw_via = None
        user = None
    g.bw_user = user
    return user


def authenticated_by_session() -> bool:
    """True when the current request's user came from the session cookie (so unsafe requests need a CSRF token)."""
    authenticated_user()
    return bool(g.get("bw_via") == "session")

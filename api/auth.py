"""Authentication, wired once: flask-login sessions, bearer API tokens, CSRF protection and login throttling.

Who is calling (:func:`authenticated_user`) is decided here and only here; what they may do is
decided by :mod:`api.access`.

* **Session cookie** (people, via the login page): each sign-in is a session kept in the store
  (:mod:`api.services.sessions`); flask-login keeps its key (``<session id>.<secret>``) in Flask's
  signed session cookie (HttpOnly, SameSite=Lax, Secure when configured; see :mod:`api.config`), and
  in the "keep me signed in" cookie (``REMEMBER_DAYS``, at most 30). Every request looks the session
  up, so sign-out, a password change or reset, or the person ending it from ``/me/sessions`` ends it on
  every app server at once: a cookie captured earlier signs nobody in.
* **Bearer token** (scripts): ``Authorization: Bearer bw_<id>_<secret>``; see
  :mod:`api.services.accounts`. A request that presents an ``Authorization`` header is judged by
  that header alone, never by a cookie it may also carry. A read-only token gets 403 on every write
  (:func:`api.access.authorize`).

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
guessing at others). Failed password changes and new API tokens are throttled the same way
(:func:`password_throttle`, :func:`token_throttle`). Counters live where
``RATELIMIT_STORAGE_URI`` says: by default in the graph store, so every app server process
shares one count (:mod:`api.services.throttle`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from api.errors import error_response
from api.extensions import STORE_KEY, get_store
from api.services import accounts, sessions
from api.services.throttle import Refusal, Throttle, counter_storage, parse_limits, wait_words
from graph.port_accounts import ApiToken, User

THROTTLE_KEY = "bridgework.login_throttle"
PASSWORD_THROTTLE_KEY = "bridgework.password_throttle"
TOKEN_THROTTLE_KEY = "bridgework.token_throttle"
CSRF_KEY = "bridgework.csrf"
_UNSET = object()
#: Kept for callers that imported them from here.
LoginRefusal = Refusal
__all__ = ["LoginRefusal", "parse_limits", "wait_words"]


class SessionUser(UserMixin):
    """What flask-login keeps for a signed-in person: the stored user and the key of their stored session."""

    def __init__(self, user: User, key: str) -> None:
        self.user = user
        self.key = key
        self.session_id = sessions.session_id_of(key)

    def get_id(self) -> str:
        """The session's key (``<session id>.<secret>``): what the cookies carry, checked against the store on every request."""
        return self.key

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.user.active


def client_address() -> str:
    """The calling client's address (what the throttles count per address)."""
    return request.remote_addr or "unknown"


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a stored session for ``user`` (who just proved who they are) and put its key in the cookies."""
    config = current_app.config
    started = sessions.start(
        get_store(),
        user.id,
        remember=remember,
        user_agent=request.headers.get("User-Agent", ""),
        hours=max(1, int(current_app.permanent_session_lifetime.total_seconds()) // 3600),
        remember_days=int(config["REMEMBER_DAYS"]),
    )
    login_user(SessionUser(user, started.key), remember=remember, duration=timedelta(days=int(config["REMEMBER_DAYS"])))


def sign_out() -> None:
    """End the caller's stored session (so no copy of its cookies works again) and clear the cookies."""
    if current_user.is_authenticated:
        sessions.sign_out(get_store(), current_user.user.id, current_user.session_id)
    logout_user()


def current_session_id() -> str | None:
    """The stored session of this request when it is signed in by the session cookie, else ``None``."""
    authenticated_user()
    return g.get("bw_session_id")


def current_token() -> ApiToken | None:
    """The API token this request is signed in with, else ``None``."""
    authenticated_user()
    return g.get("bw_token")


def init_auth(app: Flask) -> None:
    """Install flask-login, CSRF protection and the login limiter on the app."""
    login_manager = LoginManager()  # the sign-in page (``login_view``) is the pages' to name: see web.init_app
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load(key: str) -> SessionUser | None:
        found = sessions.user_for_key(get_store(), key)
        return None if found is None else SessionUser(found[0], key)

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

    storage = counter_storage(app.extensions[STORE_KEY], app.config["RATELIMIT_STORAGE_URI"])
    config = app.config
    app.extensions[THROTTLE_KEY] = LoginThrottle(
        Throttle(
            "login-failed",
            "failed sign-ins",
            storage,
            parse_limits(config["LOGIN_RATE_LIMIT"], "BRIDGEWORK_LOGIN_RATE_LIMIT"),
            parse_limits(config["LOGIN_ACCOUNT_RATE_LIMIT"], "BRIDGEWORK_LOGIN_ACCOUNT_RATE_LIMIT"),
        )
    )
    app.extensions[PASSWORD_THROTTLE_KEY] = Throttle(
        "password-failed",
        "failed password changes",
        storage,
        parse_limits(config["PASSWORD_CHANGE_RATE_LIMIT"], "BRIDGEWORK_PASSWORD_CHANGE_RATE_LIMIT"),
        parse_limits(config["PASSWORD_CHANGE_ACCOUNT_RATE_LIMIT"], "BRIDGEWORK_PASSWORD_CHANGE_ACCOUNT_RATE_LIMIT"),
    )
    app.extensions[TOKEN_THROTTLE_KEY] = Throttle(
        "token-created",
        "new API tokens",
        storage,
        parse_limits(config["TOKEN_RATE_LIMIT"], "BRIDGEWORK_TOKEN_RATE_LIMIT"),
        parse_limits(config["TOKEN_ACCOUNT_RATE_LIMIT"], "BRIDGEWORK_TOKEN_ACCOUNT_RATE_LIMIT"),
    )


def check_csrf() -> None:
    """Validate the CSRF token of the current request (form field or ``X-CSRFToken`` header); 400 if it fails."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions[CSRF_KEY].protect()


class LoginThrottle:
    """Failed sign-ins counted per client address and per account (the email tried), in the shared counters."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    @staticmethod
    def account_key(email: str) -> str:
        """The counter key of an email as typed: trimmed and lower-cased, like the stored form."""
        return email.strip().lower()[:254] if isinstance(email, str) else ""

    def refusal(self, email: str) -> Refusal | None:
        """Why a sign-in for ``email`` from this request's address is refused now (a spent count), or ``None``."""
        return self.throttle.refusal(self.account_key(email), client_address())

    def failed(self, email: str) -> None:
        """Count one failed sign-in for ``email`` and for this request's address."""
        self.throttle.hit(self.account_key(email), client_address())

    def succeeded(self, email: str) -> None:
        """Forget the account's failed sign-ins (the address's count stays)."""
        self.throttle.forget_account(self.account_key(email))


def login_throttle() -> LoginThrottle:
    """The app's :class:`LoginThrottle`."""
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    return throttle


def password_throttle() -> Throttle:
    """The app's throttle of failed password changes (per user id and per address)."""
    throttle: Throttle = current_app.extensions[PASSWORD_THROTTLE_KEY]
    return throttle


def token_throttle() -> Throttle:
    """The app's throttle of new API tokens (per user id and per address)."""
    throttle: Throttle = current_app.extensions[TOKEN_THROTTLE_KEY]
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
        found = accounts.token_caller(get_store(), token) if token else None
        user, g.bw_token = found if found is not None else (None, None)
    elif current_user.is_authenticated:
        g.bw_via = "session"
        user = current_user.user
        g.bw_session_id = current_user.session_id
    else:
        g.bw_via = None
        user = None
    g.bw_user = user
    return user


def authenticated_by_session() -> bool:
    """True when the current request's user came from the session cookie (so unsafe requests need a CSRF token)."""
    authenticated_user()
    return bool(g.get("bw_via") == "session")

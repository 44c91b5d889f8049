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

Throttling. :func:`login_limit` (Flask-Limiter) limits login attempts per client address;
counters live in ``RATELIMIT_STORAGE_URI`` (``memory://`` per process by default).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from api.errors import error_response
from api.extensions import get_store
from api.services import accounts
from graph.port import NotFound
from graph.port_accounts import User

LIMITER_KEY = "bridgework.limiter"
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
    login_manager = LoginManager()
    login_manager.login_view = "auth.login"
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


def check_csrf() -> None:
    """Validate the CSRF token of the current request (form field or ``X-CSRFToken`` header); 400 if it fails."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions[CSRF_KEY].protect()


def login_limit() -> Any:
    """A context manager that counts one login attempt against the configured limit; 429 when exceeded."""
    limiter: Limiter = current_app.extensions[LIMITER_KEY]
    return limiter.limit(current_app.config["LOGIN_RATE_LIMIT"], scope="login")


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

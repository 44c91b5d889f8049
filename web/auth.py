"""Sign-in pages: log in, log out, and set a new password through a one-time reset link.

The session itself is flask-login's (see :mod:`api.auth`); these views only check the form,
refuse while too many sign-ins have failed for the account or from the address (saying when to
try again), count a failure, and call the accounts service.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from api.auth import login_throttle, sign_in, sign_out
from api.errors import error_response, wants_json
from api.extensions import get_store
from api.services import accounts, demo
from network.domain import EMAIL_MAX, InvalidValue

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=accounts.MAX_PASSWORD)])
    remember = BooleanField("Keep me signed in on this device (for up to 30 days)")


class NewPasswordForm(FlaskForm):
    """A new password, twice."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=accounts.MAX_PASSWORD)],
        description=f"At least {accounts.MIN_PASSWORD} characters; a few unrelated words make a good one.",
    )
    confirm = PasswordField(
        "The same password again", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another host, nor a scheme-relative ``//host``), else ``None``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with email and password (failed sign-ins are limited per account and per client address)."""
    form = LoginForm()
    if request.method == "POST":
        if form.validate_on_submit():
            email = form.email.data or ""
            throttle = login_throttle()
            refusal = throttle.refusal(email)
            if refusal is not None:
                current_app.logger.warning("sign-in refused: too many failed sign-ins (%s)", refusal.message)
                if wants_json():
                    response = error_response(429, refusal.message)
                else:
                    form.form_errors.append(refusal.message)
                    response = current_app.make_response((render_template("login.html", form=form, demo=demo_sign_ins()), 429))
                response.headers["Retry-After"] = str(refusal.retry_after)
                return response
            user = accounts.authenticate(get_store(), email, form.password.data or "")
            if user is not None:
                throttle.succeeded(email)
                session.clear()  # a fresh session on sign-in (no fixation)
                sign_in(user, remember=bool(form.remember.data))
                current_app.logger.info("user %s signed in", user.id)
                return redirect(safe_next(request.args.get("next")) or url_for("home.home"))
            throttle.failed(email)
            form.form_errors.append("That email and password do not match an active account.")
        return render_template("login.html", form=form, demo=demo_sign_ins()), 401 if form.form_errors else 422
    return render_template("login.html", form=form, demo=demo_sign_ins())


def demo_mode() -> bool:
    """Whether the app serves the demo (``bridgework serve --demo``); never in production."""
    return bool(current_app.config.get("DEMO")) and current_app.config.get("BRIDGEWORK_ENV") != "production"


def demo_sign_ins() -> list[dict[str, str]]:
    """The demo sign-ins the sign-in page offers (role, email, words), only in demo mode and only those stored."""
    if not demo_mode():
        return []
    stored = demo.demo_user_ids(get_store())
    return [{"role": a.role, "email": a.email, "label": a.label} for a in demo.ACCOUNTS if a.role in stored]


class DemoForm(FlaskForm):
    """One click signs in as a demo person (the form only carries the CSRF token)."""


@bp.post("/login/demo/<role>")
def demo_login(role: str) -> Response:
    """Sign in as the demo person of ``role`` in one click (demo mode only; 404 otherwise)."""
    if not demo_mode():
        abort(404)
    form = DemoForm()
    user_id = demo.demo_user_ids(get_store()).get(role)
    if user_id is None:
        abort(404)
    if not form.validate_on_submit():
        flash("The sign-in form had expired; please try again.", "error")
        return redirect(url_for("auth.login"))
    session.clear()
    sign_in(get_store().get_user(user_id))
    current_app.logger.info("demo user %s signed in", user_id)
    return redirect(url_for("home.home"))


def counted(n: int, one: str, many: str) -> str:
    """``"1 session"``, ``"3 sessions"``, ``"no session"``."""
    return f"no {one}" if n == 0 else f"1 {one}" if n == 1 else f"{n} {many}"


def reset_words(sessions_ended: int, tokens_revoked: int) -> str:
    """What a password reset ended, in words, for the person who made it."""
    ended = []
    if sessions_ended:
        ended.append(f"you were signed out everywhere ({counted(sessions_ended, 'session', 'sessions')} ended)")
    if tokens_revoked:
        ended.append(f"your {counted(tokens_revoked, 'API token was', 'API tokens were')} revoked")
    told = f" For your safety {' and '.join(ended)}." if ended else ""
    return f"Your new password is set.{told} Please sign in."


@bp.post("/logout")
def logout() -> Response:
    """Sign out (a POST with the CSRF token, so another site cannot sign people out): the stored session ends."""
    sign_out()
    session.clear()
    flash("You are signed out. This sign-in has ended: it cannot be used again, on this device or any other.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset/<secret>", methods=["GET", "POST"])
def reset(secret: str) -> Response | str | tuple[str, int]:
    """Choose a new password through a one-time link an admin issued."""
    store = get_store()
    if accounts.reset_for(store, secret) is None:
        return render_template("auth/reset.html", form=None), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            replaced = accounts.use_reset(store, secret, form.password.data or "")
        except InvalidValue as exc:
            form.form_errors.append(exc.message)
            return render_template("auth/reset.html", form=form), 422
        if current_user.is_authenticated:
            logout_user()  # its stored session has just ended with the others
        session.clear()
        flash(reset_words(replaced.sessions_ended, replaced.tokens_revoked), "info")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status

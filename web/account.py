"""Sign-in and security pages for everyone signed in: the sessions where you are signed in, your API tokens, your password.

``/me/sessions`` lists each signed-in session (the device, when you signed in, when it was last used) with a
button to end it and one to sign out everywhere else; your API tokens with their last use, expiry and
whether they may only read, each revocable; and a form to change your password (which ends your other
sessions, and says how many). Every view calls :func:`web.guard.page_authorize` first, then one service
call (:mod:`api.services.sessions`, :mod:`api.services.accounts`); forms post back and redirect here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from api.auth import client_address, current_session_id, password_throttle
from api.extensions import get_store
from api.services import accounts, sessions
from graph.port import NotFound
from network import limits
from network.domain import InvalidValue
from web.guard import page_authorize

bp = Blueprint("account_pages", __name__)

#: The people Bridgework serves live by UK time.
UK = ZoneInfo("Europe/London")


class ChangePasswordForm(FlaskForm):
    """The current password and a new one, twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=accounts.MAX_PASSWORD)])
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=accounts.MAX_PASSWORD)],
        description=f"At least {accounts.MIN_PASSWORD} characters; a few unrelated words make a good one.",
    )
    confirm = PasswordField(
        "The same new password again", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def moment_words(at: datetime | None, now: datetime | None = None) -> str:
    """When something happened, in words and UK time: ``"just now"``, ``"12 minutes ago"``, ``"today at 14:05"``,
    ``"yesterday at 09:30"``, ``"Monday 30 November 2026 at 18:00"``; ``"never"`` for ``None``."""
    if at is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - at).total_seconds()
    if 0 <= seconds < 120:
        return "just now"
    if 0 <= seconds < 3600:
        return f"{int(seconds // 60)} minutes ago"
    local, today = at.astimezone(UK), now.astimezone(UK).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today at {clock}"
    if (today - local.date()).days == 1:
        return f"yesterday at {clock}"
    return f"{local.strftime('%A')} {limits.words(local.date())} at {clock}"


def _sessions_page(form: ChangePasswordForm | None = None, status: int = 200) -> tuple[str, int]:
    principal = page_authorize("sessions:list")
    store = get_store()
    current = current_session_id()
    now = datetime.now(UTC)
    listed = [
        {
            "id": s.id,
            "device": sessions.device_words(s.user_agent),
            "signed_in": moment_words(s.created_at, now),
            "last_seen": moment_words(s.last_seen_at, now),
            "until": f"{limits.words(s.expires_at.astimezone(UK).date())} at {s.expires_at.astimezone(UK):%H:%M}",
            "remember": s.remember,
            "current": s.id == current,
        }
        for s in sessions.listing(store, principal.user_id)
    ]
    listed.sort(key=lambda s: not s["current"])  # this device first
    tokens = [
        {
            "id": t.id,
            "name": t.name,
            "read_only": t.read_only,
            "created": moment_words(t.created_at, now),
            "last_used": moment_words(t.last_used_at, now),
            "expires": "never" if t.expires_at is None else limits.words(t.expires_at.astimezone(UK).date()),
        }
        for t in store.list_tokens(principal.user_id)
    ]
    page = render_template(
        "account/sessions.html",
        sessions=listed,
        tokens=tokens,
        form=form or ChangePasswordForm(),
        confirm=ConfirmForm(),
        token_days=current_app.config["API_TOKEN_DAYS"],
    )
    return page, status


@bp.get("/me/sessions")
def my_sessions() -> tuple[str, int]:
    """Where you are signed in, your API tokens, and your password."""
    return _sessions_page()


@bp.post("/me/sessions/<id:session_id>/end")
def end_session(session_id: str) -> Response:
    """End one of your sessions (e.g. a lost phone): it is signed out at once."""
    principal = page_authorize("sessions:end")
    store = get_store()
    device = next((sessions.device_words(s.user_agent) for s in sessions.listing(store, principal.user_id) if s.id == session_id), None)
    if ConfirmForm().validate_on_submit():
        try:
            sessions.end_one(store, principal.user_id, session_id, actor_id=principal.user_id)
        except NotFound:
            flash("That session had already ended.", "info")
        else:
            flash(f"The session on {device} has ended: it is signed out.", "info")
    return redirect(url_for("account_pages.my_sessions"))


@bp.post("/me/sessions/end-others")
def end_other_sessions() -> Response:
    """Sign out everywhere else."""
    principal = page_authorize("sessions:end")
    if ConfirmForm().validate_on_submit():
        ended = sessions.end_others(get_store(), principal.user_id, current_session_id(), actor_id=principal.user_id)
        if ended == 0:
            flash("You were not signed in anywhere else.", "info")
        else:
            flash(f"You are signed out everywhere else ({_sessions_words(ended)} ended).", "info")
    return redirect(url_for("account_pages.my_sessions"))


@bp.post("/me/tokens/<id:token_id>/revoke")
def revoke_token(token_id: str) -> Response:
    """Revoke one of your API tokens: scripts using it are refused from now on."""
    principal = page_authorize("tokens:revoke")
    store = get_store()
    name = next((t.name for t in store.list_tokens(principal.user_id) if t.id == token_id), None)
    if ConfirmForm().validate_on_submit():
        try:
            accounts.revoke_token(store, principal.user_id, token_id, actor_id=principal.user_id)
        except NotFound:
            flash("That token had already been revoked.", "info")
        else:
            flash(f"The API token “{name}” is revoked: it no longer works.", "info")
    return redirect(url_for("account_pages.my_sessions"))


@bp.post("/me/password")
def change_password() -> Response | tuple[str, int]:
    """Change your password; your other sessions end (failed tries are limited like sign-ins)."""
    principal = page_authorize("me:write")
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _sessions_page(form, 422)
    throttle = password_throttle()
    refusal = throttle.refusal(principal.user_id, client_address())
    if refusal is not None:
        form.form_errors.append(refusal.message)
        page, _ = _sessions_page(form, 429)
        response = current_app.make_response((page, 429))
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    try:
        ended = accounts.change_password(
            get_store(), principal.user_id, form.current.data or "", form.password.data or "", keep_session=current_session_id()
        )
    except InvalidValue as exc:
        if exc.field == "current_password":
            throttle.hit(principal.user_id, client_address())
            form.current.errors = ["That is not your current password."]
        else:
            form.password.errors = [exc.message]
        return _sessions_page(form, 422)
    throttle.forget_account(principal.user_id)
    others = "You were not signed in anywhere else." if ended == 0 else f"You are signed out everywhere else ({_sessions_words(ended)} ended)."
    flash(f"Your password is changed. {others}", "info")
    return redirect(url_for("account_pages.my_sessions"))


def _sessions_words(n: int) -> str:
    return "1 other session" if n == 1 else f"{n} other sessions"

"""Accounts endpoints: the caller's own account and API tokens, users and roles (admins), and the audit log."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.exceptions import TooManyRequests
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import fields, validate

from api.access import authorize
from api.auth import authenticated_by_session, client_address, current_session_id, password_throttle, token_throttle
from api.extensions import get_store
from api.services import accounts, sessions
from api.services.throttle import Throttle
from api.v1.common import PageQuery, StrictSchema, id_field, page_body, page_schema, path_id
from graph.port_accounts import ROLES
from network.domain import EMAIL_MAX, InvalidValue

blp = Blueprint("accounts", __name__, description="Your account and API tokens; users, roles and the audit log (admins).")

_ROLE = fields.String(validate=validate.OneOf(ROLES))


# -- schemas ---------------------------------------------------------------------------


class UserSchema(StrictSchema):
    """A user as the API shows it (never a password hash)."""

    id = fields.String(required=True)
    email = fields.String(required=True)
    roles = fields.List(_ROLE, required=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(allow_none=True)
    assessor_id = fields.String(allow_none=True, metadata={"description": "The assessor this user is (IS)."})
    organisation_ids = fields.List(fields.String(), required=True, metadata={"description": "Organisations this user administers."})
    programme_ids = fields.List(fields.String(), required=True, metadata={"description": "Programmes this user coordinates."})


class MeSchema(UserSchema):
    """The caller's own account, with the CSRF token a session-cookie client sends as ``X-CSRFToken`` on writes."""

    csrf_token = fields.String(allow_none=True, metadata={"description": "Only for session-cookie clients; null with a bearer token."})


class PasswordChangeSchema(StrictSchema):
    """The current password and a new one."""

    current_password = fields.String(required=True, validate=validate.Length(max=accounts.MAX_PASSWORD), load_only=True)
    new_password = fields.String(
        required=True, validate=validate.Length(min=accounts.MIN_PASSWORD, max=accounts.MAX_PASSWORD), load_only=True
    )


class PasswordChangedSchema(StrictSchema):
    """What a password change ended, in words and as a number."""

    message = fields.String(required=True)
    sessions_ended = fields.Integer(required=True, metadata={"description": "Your other signed-in sessions, now ended."})


class TokenCreateSchema(StrictSchema):
    """A name for the new token, how long it lives and whether it may only read."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=accounts.MAX_TOKEN_NAME))
    expires_in_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=accounts.MAX_TOKEN_DAYS),
        metadata={"description": "Default: the configured lifetime (90 days unless the operator chose otherwise)."},
    )
    read_only = fields.Boolean(
        load_default=False, metadata={"description": "A read-only token gets 403 on every write (POST, PUT, PATCH, DELETE)."}
    )


class TokenSchema(StrictSchema):
    """An API token as listed (its secret is never shown again)."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When it was last used (to within 5 minutes)."})
    read_only = fields.Boolean(required=True)


class SessionSchema(StrictSchema):
    """One of your signed-in sessions (a browser where you signed in)."""

    id = fields.String(required=True)
    device = fields.String(required=True, metadata={"description": "The browser and system, in words, e.g. 'Firefox on Windows'."})
    user_agent = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True, metadata={"description": "When you signed in."})
    last_seen_at = fields.AwareDateTime(required=True, metadata={"description": "When it was last used (to within a minute)."})
    expires_at = fields.AwareDateTime(required=True)
    remember = fields.Boolean(required=True, metadata={"description": "Signed in with 'keep me signed in'."})
    current = fields.Boolean(required=True, metadata={"description": "The session making this request."})


class SessionsEndedSchema(StrictSchema):
    """How many sessions ended."""

    ended = fields.Integer(required=True)


class NewTokenSchema(TokenSchema):
    """A token just created: ``token`` is shown this once; keep it safe."""

    token = fields.String(required=True, metadata={"description": "Send as `Authorization: Bearer <token>`."})


class UserQuery(PageQuery):
    """Filters of the user listing."""

    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))


class UserCreateSchema(StrictSchema):
    """A new user; without a password, they sign in through the reset link returned."""

    email = fields.String(required=True, validate=validate.Length(min=3, max=EMAIL_MAX))
    roles = fields.List(_ROLE, required=True, validate=validate.Length(min=1, max=len(ROLES)))
    password = fields.String(
        load_default=None, load_only=True, validate=validate.Length(min=accounts.MIN_PASSWORD, max=accounts.MAX_PASSWORD)
    )
    assessor_id = id_field(
        load_default=None, allow_none=True, metadata={"description": "The assessor this user is; required with the `assessor` role."}
    )
    organisation_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=100))
    programme_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=100))


class UserUpdateSchema(StrictSchema):
    """Changes to a user (omitted fields stay); a change of roles is audited."""

    email = fields.String(validate=validate.Length(min=3, max=EMAIL_MAX))
    roles = fields.List(_ROLE, validate=validate.Length(max=len(ROLES)))
    active = fields.Boolean()
    assessor_id = id_field(
        allow_none=True,
        metadata={"description": "The assessor this user is; required (here or already) when `roles` holds `assessor`."},
    )


class ScopesSchema(StrictSchema):
    """The user's scope links, replaced as a whole."""

    assessor_id = id_field(load_default=None, allow_none=True)
    organisation_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=100))
    programme_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=100))


class ResetLinkSchema(StrictSchema):
    """A one-time password reset link, shown to the admin to pass on (there is no mail server)."""

    url = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class CreatedUserSchema(UserSchema):
    """A user just created, with a reset link when no password was given."""

    reset_link = fields.Nested(ResetLinkSchema, allow_none=True)


class AuditQuery(PageQuery):
    """Filters of the audit log."""

    action = fields.String(load_default=None, validate=validate.Length(max=100))
    actor_id = id_field(load_default=None)
    target_id = id_field(load_default=None)


class AuditEntrySchema(StrictSchema):
    """One line of the audit log."""

    id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    actor_id = fields.String(allow_none=True)
    action = fields.String(required=True)
    target_kind = fields.String(required=True)
    target_id = fields.String(required=True)
    details = fields.Dict(keys=fields.String(), values=fields.Raw())


# -- the caller's own account ----------------------------------------------------------


@blp.route("/me")
class Me(MethodView):
    """The signed-in caller."""

    @blp.response(200, MeSchema)
    def get(self) -> dict[str, Any]:
        """Who am I: my roles and scopes (and a CSRF token when signed in by the session cookie)."""
        principal = authorize("me:read")
        user = get_store().get_user(principal.user_id)
        return _user_body(user) | {"csrf_token": generate_csrf() if authenticated_by_session() else None}


@blp.route("/me/password")
class MyPassword(MethodView):
    """The caller's password."""

    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, PasswordChangedSchema)
    @blp.alt_response(429, description="Too many failed password changes for this account or from this address.")
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Change my password: every other signed-in session of mine ends (failed tries are limited like sign-ins)."""
        principal = authorize("me:write")
        throttle = password_throttle()
        _refuse_when_spent(throttle, principal.user_id)
        try:
            ended = accounts.change_password(
                get_store(), principal.user_id, args["current_password"], args["new_password"], keep_session=current_session_id()
            )
        except InvalidValue as exc:
            if exc.field == "current_password":
                throttle.hit(principal.user_id, client_address())
            raise
        throttle.forget_account(principal.user_id)
        return {"message": password_changed_words(ended), "sessions_ended": ended}


@blp.route("/me/tokens")
class MyTokens(MethodView):
    """The caller's API tokens."""

    @blp.response(200, TokenSchema(many=True))
    def get(self) -> list[Any]:
        """My API tokens, newest first, with their last use (without their secrets)."""
        principal = authorize("tokens:list")
        return get_store().list_tokens(principal.user_id)

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(429, description="Too many new tokens for this account or from this address.")
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create an API token (by default for 90 days; `read_only` for one that may only read); the response holds the token, shown this once."""
        principal = authorize("tokens:create")
        throttle = token_throttle()
        _refuse_when_spent(throttle, principal.user_id)
        days = args["expires_in_days"] or current_app.config["API_TOKEN_DAYS"]
        issued = accounts.issue_token(get_store(), principal.user_id, args["name"], days, read_only=args["read_only"])
        throttle.hit(principal.user_id, client_address())
        t = issued.token
        return {
            "id": t.id,
            "name": t.name,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "last_used_at": None,
            "read_only": t.read_only,
            "token": issued.secret,
        }


@blp.route("/me/tokens/<id:token_id>")
class MyToken(MethodView):
    """One of the caller's API tokens."""

    @blp.response(204)
    def delete(self, token_id: str) -> None:
        """Revoke one of my API tokens."""
        token_id = path_id(token_id, "token_id")
        principal = authorize("tokens:revoke")
        accounts.revoke_token(get_store(), principal.user_id, token_id, actor_id=principal.user_id)


@blp.route("/me/sessions")
class MySessions(MethodView):
    """The browsers where I am signed in."""

    @blp.response(200, SessionSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """My signed-in sessions, most recently used first: the device, when I signed in and when it was last used."""
        principal = authorize("sessions:list")
        return [session_body(s, current_session_id()) for s in sessions.listing(get_store(), principal.user_id)]


@blp.route("/me/sessions/end-others")
class MyOtherSessions(MethodView):
    """Every session of mine but the one asking."""

    @blp.response(200, SessionsEndedSchema)
    def post(self) -> dict[str, int]:
        """Sign out everywhere else: end every session of mine but this one (all of them when asked with an API token)."""
        principal = authorize("sessions:end")
        ended = sessions.end_others(get_store(), principal.user_id, current_session_id(), actor_id=principal.user_id)
        return {"ended": ended}


@blp.route("/me/sessions/<id:session_id>")
class MySession(MethodView):
    """One of my signed-in sessions."""

    @blp.response(204)
    def delete(self, session_id: str) -> None:
        """End one of my sessions (e.g. on a lost phone): its cookies stop working at once."""
        session_id = path_id(session_id, "session_id")
        principal = authorize("sessions:end")
        sessions.end_one(get_store(), principal.user_id, session_id, actor_id=principal.user_id)


# -- users (admins) ---------------------------------------------------------------------


@blp.route("/users")
class Users(MethodView):
    """Every user."""

    @blp.arguments(UserQuery, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Users in id order, optionally only those holding one role."""
        authorize("users:list")
        page = get_store().list_users(limit=args["limit"], after=args["after"], role=args["role"])
        return page_body(page) | {"items": [_user_body(u) for u in page.items]}

    @blp.arguments(UserCreateSchema)
    @blp.response(201, CreatedUserSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a user with roles and scopes (audited); without a password, the answer carries a reset link to pass on."""
        principal = authorize("users:create")
        store = get_store()
        accounts.check_assessor_link(store, args["roles"], args["assessor_id"])  # 422 on assessor_id, nothing written
        user = accounts.create_user(
            store,
            args["email"],
            roles=args["roles"],
            password=args["password"],
            assessor_id=args["assessor_id"],
            organisation_ids=args["organisation_ids"],
            programme_ids=args["programme_ids"],
            actor_id=principal.user_id,
        )
        link = None
        if user.password_hash is None:
            link = _reset_link(accounts.issue_reset(store, user.id, principal.user_id, current_app.config["PASSWORD_RESET_HOURS"]))
        return _user_body(user) | {"reset_link": link}


@blp.route("/users/<id:user_id>")
class OneUser(MethodView):
    """One user."""

    @blp.response(200, UserSchema)
    def get(self, user_id: str) -> dict[str, Any]:
        """A user, with roles and scopes (yourself, or anyone for admins)."""
        user_id = path_id(user_id, "user_id")
        authorize("users:read", user_id=user_id)
        return _user_body(get_store().get_user(user_id))

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, args: dict[str, Any], user_id: str) -> dict[str, Any]:
        """Change a user's email, roles, assessor link or active flag (role, link and activation changes are audited).

        Giving the `assessor` role needs the assessor this person is, in `assessor_id` or already linked.
        """
        user_id = path_id(user_id, "user_id")
        principal = authorize("users:write", user_id=user_id)
        user = accounts.update_user(
            get_store(),
            user_id,
            actor_id=principal.user_id,
            email=args.get("email"),
            active=args.get("active"),
            roles=args.get("roles"),
            assessor_id=args.get("assessor_id", accounts.KEEP),
        )
        return _user_body(user)

    @blp.response(204)
    def delete(self, user_id: str) -> None:
        """Delete a login (the assessor it is stays; see the privacy endpoints to erase a person)."""
        user_id = path_id(user_id, "user_id")
        principal = authorize("users:write", user_id=user_id)
        accounts.delete_user(get_store(), user_id, actor_id=principal.user_id)


@blp.route("/users/<id:user_id>/scopes")
class UserScopes(MethodView):
    """Which assessor a user is, which organisations they administer, which programmes they coordinate."""

    @blp.arguments(ScopesSchema)
    @blp.response(200, UserSchema)
    def put(self, args: dict[str, Any], user_id: str) -> dict[str, Any]:
        """Replace a user's scope links (audited)."""
        user_id = path_id(user_id, "user_id")
        principal = authorize("users:write", user_id=user_id)
        user = accounts.set_scopes(
            get_store(),
            user_id,
            actor_id=principal.user_id,
            assessor_id=args["assessor_id"],
            organisation_ids=args["organisation_ids"],
            programme_ids=args["programme_ids"],
        )
        return _user_body(user)


@blp.route("/users/<id:user_id>/reset-link")
class UserResetLink(MethodView):
    """One-time password reset links."""

    @blp.response(201, ResetLinkSchema)
    def post(self, user_id: str) -> dict[str, Any]:
        """Issue a one-time, expiring reset link for the user (replacing any earlier one); pass it on yourself."""
        user_id = path_id(user_id, "user_id")
        principal = authorize("users:reset", user_id=user_id)
        issued = accounts.issue_reset(get_store(), user_id, principal.user_id, current_app.config["PASSWORD_RESET_HOURS"])
        return _reset_link(issued)


# -- audit log (admins) -----------------------------------------------------------------


@blp.route("/audit")
class Audit(MethodView):
    """The audit log: role changes, set commits, erasures, imports."""

    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, page_schema(AuditEntrySchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Audit entries, newest first, optionally filtered by action, actor or target."""
        authorize("audit:read")
        page = get_store().list_audit(
            limit=args["limit"], after=args["after"], action=args["action"], actor_id=args["actor_id"], target_id=args["target_id"]
        )
        return page_body(page)


# -- helpers ------------------------------------------------------------------------------


def _user_body(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "roles": list(user.roles),
        "active": user.active,
        "created_at": user.created_at,
        "assessor_id": user.assessor_id,
        "organisation_ids": list(user.organisation_ids),
        "programme_ids": list(user.programme_ids),
    }


def _reset_link(issued: accounts.IssuedReset) -> dict[str, Any]:
    # From the configured address, never the request's Host header (which the caller chooses).
    url = current_app.config["BASE_URL"] + url_for("auth.reset", secret=issued.secret)
    return {"url": url, "expires_at": issued.reset.expires_at}


def _refuse_when_spent(throttle: Throttle, user_id: str) -> None:
    """429 with ``Retry-After`` while the throttle's count for the caller or their address is spent."""
    refusal = throttle.refusal(user_id, client_address())
    if refusal is not None:
        current_app.logger.warning("refused: %s", refusal.message)
        raise TooManyRequests(refusal.message, retry_after=refusal.retry_after)


def password_changed_words(ended: int) -> str:
    """What a password change did, in words."""
    if ended == 0:
        return "Your password is changed. You were not signed in anywhere else."
    others = "1 other session" if ended == 1 else f"{ended} other sessions"
    return f"Your password is changed. You were signed out everywhere else ({others} ended)."


def session_body(s: Any, current: str | None) -> dict[str, Any]:
    """A session as the API shows it (never its secret's hash)."""
    return {
        "id": s.id,
        "device": sessions.device_words(s.user_agent),
        "user_agent": s.user_agent,
        "created_at": s.created_at,
        "last_seen_at": s.last_seen_at,
        "expires_at": s.expires_at,
        "remember": s.remember,
        "current": s.id == current,
    }

"""Who may do what, decided in one place: :func:`authorize` and the :data:`POLICY` table.

Every endpoint calls ``authorize("<resource>:<verb>", **scope)`` before it does anything. It
answers with the caller's :class:`Principal`, or aborts:

* **401** ``unauthorised`` — nobody is signed in (no session, or a bad/expired/revoked token);
* **403** ``forbidden`` — signed in, but the policy does not allow this action on this scope;
* **400** ``csrf_failed`` — a session-cookie request that changes something without the
  ``X-CSRFToken`` header (see :mod:`api.auth`).

403, not 404, for other people's ids. A caller outside an object's scope gets 403 whether or
not the id exists, so ids cannot be probed for existence; only callers whose scope would cover
the object (and admins) can see a 404 for a missing one. Scope is resolved from the store:
``assessor_id`` resolves to the assessor's employer (``store.get_employment``).

A safety net (:func:`init_access`) turns any successful ``/api/v1`` response whose view never
called :func:`authorize` into a 500, so a forgotten check fails closed.

Adding a rule. Name the action ``<resource>:<verb>`` and add one row to :data:`POLICY` in the
section of your area. A rule is a function ``(principal, scope) -> bool``; admins pass every
rule. Combine the predicates below with :func:`any_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from api.auth import authenticated_by_session, authenticated_user, check_csrf, current_token
from api.extensions import get_store
from api.refusals import refusal
from graph.port import NotFound
from graph.port_accounts import User
from graph.port_sets import SetRecord
from network.domain import Employment

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in caller, as the policy sees them: roles and the scopes those roles cover."""

    user_id: str
    roles: frozenset[str]
    assessor_id: str | None = None
    organisation_ids: frozenset[str] = field(default_factory=frozenset)
    programme_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        """Network admins may do everything."""
        return "admin" in self.roles

    def can_see_people_of(self, organisation_id: str | None) -> bool:
        """True when the caller may see personal details of the organisation's assessors."""
        return self.is_admin or (organisation_id is not None and organisation_id in self.organisation_ids)

    @classmethod
    def of(cls, user: User) -> Principal:
        """The principal of a stored user: a scope counts only with the role that uses it."""
        roles = frozenset(user.roles)
        return cls(
            user_id=user.id,
            roles=roles,
            assessor_id=user.assessor_id if "assessor" in roles else None,
            organisation_ids=frozenset(user.organisation_ids) if "org_admin" in roles else frozenset(),
            programme_ids=frozenset(user.programme_ids) if "coordinator" in roles else frozenset(),
        )


class Scope:
    """The ids an action is about (``assessor_id=...``, ``organisation_id=...``), with lazy, cached look-ups."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def get(self, name: str) -> Any:
        """The scope value named ``name``, or ``None``."""
        return self.values.get(name)

    def employer_of(self, assessor_id: str | None) -> str | None:
        """The id of the organisation the assessor works for (``None``: no such assessor, or no employer)."""
        if assessor_id is None:
            return None
        employment = employment_of(assessor_id)
        return None if employment is None else employment.organisation_id

    def assessor_organisation(self) -> str | None:
        """The employer of ``assessor_id`` in this scope."""
        return self.employer_of(self.get("assessor_id"))


def employment_of(assessor_id: str) -> Employment | None:
    """The assessor's employment as read once in this request (``None``: none, or no such assessor).

    A read-only view may reuse what :func:`authorize` looked up; a view that changes employment
    must read it from the store again.
    """
    cache: dict[str, Employment | None] = g.setdefault("bw_employment", {})
    if assessor_id not in cache:
        try:
            cache[assessor_id] = get_store().get_employment(assessor_id)
        except NotFound:
            cache[assessor_id] = None
    return cache[assessor_id]


Rule = Callable[[Principal, Scope], bool]


# -- predicates ---------------------------------------------------------------------


def signed_in(p: Principal, s: Scope) -> bool:
    """Anyone signed in."""
    return True


def admin_only(p: Principal, s: Scope) -> bool:
    """Nobody but admins (who pass every rule before it is asked)."""
    return False


def own_user(p: Principal, s: Scope) -> bool:
    """The caller's own account (``user_id``)."""
    return s.get("user_id") == p.user_id


def own_assessor(p: Principal, s: Scope) -> bool:
    """The caller is the assessor (``assessor_id``)."""
    return p.assessor_id is not None and s.get("assessor_id") == p.assessor_id


def org_admin_of_assessor(p: Principal, s: Scope) -> bool:
    """The caller administers the organisation the assessor (``assessor_id``) works for."""
    return bool(p.organisation_ids) and p.can_see_people_of(s.assessor_organisation())


def org_admin_of_organisation(p: Principal, s: Scope) -> bool:
    """The caller administers the organisation (``organisation_id``)."""
    return p.can_see_people_of(s.get("organisation_id"))


def coordinator_of_programme(p: Principal, s: Scope) -> bool:
    """The caller coordinates the programme (``programme_id``)."""
    return s.get("programme_id") is not None and s.get("programme_id") in p.programme_ids


def has_role(role: str) -> Rule:
    """Anyone holding ``role``."""

    def rule(p: Principal, s: Scope) -> bool:
        return role in p.roles

    rule.__doc__ = f"Anyone holding the {role} role."
    return rule


def any_of(*rules: Rule) -> Rule:
    """Passes when one of ``rules`` passes (checked in order, lazily)."""

    def rule(p: Principal, s: Scope) -> bool:
        return any(r(p, s) for r in rules)

    rule.__doc__ = " or ".join((r.__doc__ or r.__name__).rstrip(".") for r in rules) + "."
    return rule


SELF_OR_ORG_ADMIN = any_of(own_assessor, org_admin_of_assessor)

#: action -> rule. Admins pass every rule. One row per action; each area adds rows in its section.
POLICY: dict[str, Rule] = {
    # -- accounts (issue 6) ----------------------------------------------------------
    "me:read": signed_in,
    "me:write": signed_in,  # own password, own API tokens
    "users:list": admin_only,
    "users:read": own_user,
    "users:create": admin_only,
    "users:write": admin_only,  # roles, scopes, activation (audited)
    "users:reset": admin_only,  # issue a one-time password reset link
    "tokens:list": signed_in,  # always the caller's own tokens
    "tokens:create": signed_in,
    "tokens:revoke": signed_in,
    "sessions:list": signed_in,  # always the caller's own signed-in sessions
    "sessions:end": signed_in,  # end one of one's own sessions, or all but the current one
    "audit:read": admin_only,
    "privacy:export": own_assessor,
    "privacy:erase": own_assessor,
    # -- resources: organisations, themes, assessors (issue 6) -----------------------
    "organisations:list": signed_in,
    "organisations:read": signed_in,
    "organisations:create": admin_only,
    "organisations:write": admin_only,
    "organisations:delete": admin_only,
    "themes:list": signed_in,
    "themes:read": signed_in,
    "themes:create": admin_only,
    "themes:write": admin_only,
    "themes:delete": admin_only,
    "assessors:list": org_admin_of_organisation,  # the people of one organisation (organisation_id)
    "assessors:create": org_admin_of_organisation,  # onboard into one's own organisation
    "assessors:read": SELF_OR_ORG_ADMIN,
    "assessors:write": SELF_OR_ORG_ADMIN,  # profile, themes, availability, discoverable, pause
    "assessors:employ": org_admin_of_assessor,  # move/clear employment (also needs the target org)
    "assessors:activate": org_admin_of_assessor,  # deactivate or re-activate a profile: never the assessor themselves
    # -- suggestions and contacts (issue 3) ------------------------------------------
    "suggestions:read": own_assessor,
    "contacts:read": own_assessor,
    "contacts:write": own_assessor,
    # -- reach and isolation (issue 5) -----------------------------------------------
    "reach:read": any_of(org_admin_of_organisation, has_role("coordinator")),  # one organisation's reach (organisation_id)
    "reach:network": any_of(has_role("org_admin"), has_role("coordinator")),  # network report, tie matrix: organisations only
    "reach:what_if": has_role("coordinator"),  # what a proposed formation or set of contacts would change
    "isolated:list": any_of(org_admin_of_organisation, has_role("coordinator")),  # organisation_id None: the whole network
    # -- programmes and sets (issue 4) -----------------------------------------------
    "programmes:create": has_role("coordinator"),
    "programmes:list": signed_in,  # settings only, no people: assessors look for programmes to join
    "programmes:read": signed_in,
    "programmes:write": coordinator_of_programme,
    "enrolments:read": coordinator_of_programme,  # the pool, with names (programme_id)
    "enrolments:write": any_of(own_assessor, coordinator_of_programme, org_admin_of_assessor),  # programme_id + assessor_id
    "proposals:create": coordinator_of_programme,
    "proposals:read": coordinator_of_programme,
    "proposals:write": coordinator_of_programme,  # edit, lock, re-run, discard
    "proposals:commit": coordinator_of_programme,
    "sets:read": any_of(coordinator_of_programme, own_assessor),  # assessor_id: the caller, if they are or were a member
    "sets:write": coordinator_of_programme,  # status (closing a set)
    "sets:leave": any_of(own_assessor, coordinator_of_programme),
    "sets:repair": coordinator_of_programme,  # replacement suggestions and filling a place
    "sets:own": own_assessor,
    "calendar:read": own_assessor,
    # -- joins (issue 9) -------------------------------------------------------------
    "set_suggestions:read": own_assessor,  # the sets an assessor could join (assessor_id)
    "open_programmes:read": own_assessor,  # open programmes in their region they could enrol in
    "joins:own": own_assessor,  # the assessor's own join requests
    "joins:request": own_assessor,  # ask to join a set, for oneself
    "joins:withdraw": own_assessor,  # withdraw one's own waiting request
    "joins:read": coordinator_of_programme,  # requests to join the programme's sets (programme_id)
    "joins:decide": coordinator_of_programme,  # accept or decline them
    # -- jobs (long-running operations) and admin pages (issue 7) -----------------------
    "jobs:list": signed_in,  # always the caller's own jobs
    "jobs:read": own_user,  # user_id: the job's owner
    "admin:open": admin_only,  # the admin area: its overview and management listings
    # -- home and people management (issue 17) --------------------------------------
    "home:read": signed_in,  # one's own home page after sign-in, a part per role
    "people:list": any_of(has_role("org_admin")),  # the people page; organisation admins see their own organisations' only
    "people:invite": org_admin_of_organisation,  # invite a person of the organisation (organisation_id) to sign in
    "programmes:close": coordinator_of_programme,  # close a programme and its sets
    # -- outcomes (issue 8) ----------------------------------------------------------
    "questionnaire:read": coordinator_of_programme,  # a programme's questions (programme_id)
    "questionnaire:write": coordinator_of_programme,  # change them (a new version; answered scales stay)
    "questionnaires:read": own_assessor,  # the caller's open questionnaires and own answers (assessor_id)
    "questionnaires:answer": own_assessor,  # answer one's own wave; never for someone else
    "outcomes:read": coordinator_of_programme,  # aggregates only (no individual answers, nothing from < 5 people)
    # -- meetings (issue 8) ----------------------------------------------------------
    "meetings:read": any_of(coordinator_of_programme, own_assessor),  # assessor_id: the caller if they are or were a member
    "meetings:write": any_of(coordinator_of_programme, own_assessor),  # video link, attendance, moves; assessor_id: a current member
    "meetings:swap": any_of(coordinator_of_programme, own_assessor),  # assessor_id: the caller if a current member and one of the two
    "meetings:action": own_assessor,  # a presenter's own one-line action (assessor_id: the caller if a member); the view checks presenting
    "health:read": coordinator_of_programme,  # set health and sets at risk of a programme (programme_id)
    "participation:read": org_admin_of_organisation,  # the organisation's own assessors' attendance (organisation_id)
    "notices:read": signed_in,  # always the caller's own notices (and their choices of e-mail for them)
    "notices:choose": signed_in,  # the caller's own choice of e-mail per group of notices
    "reminders:send": admin_only,  # produce the reminders due (the CLI's send-reminders needs no login)
    # -- live meetings (issue 19) ------------------------------------------------------
    "live:read": own_assessor,  # a meeting as it happens (assessor_id: the caller if a current member); never coordinators
    "live:act": own_assessor,  # open, join, bid, run (the service checks who facilitates)
    "facilitation:own": own_assessor,  # one's own facilitating record, reviews and notes to self
    "facilitation:read": coordinator_of_programme,  # per set aggregates only (programme_id)
}


def current_principal() -> Principal | None:
    """The signed-in caller of this request, or ``None``."""
    user = authenticated_user()
    return None if user is None else Principal.of(user)


# -- scopes both doors resolve the same way (the JSON API and the pages) -----------------------------


def set_scope(set_id: str, *, current: bool = False, parties: tuple[str, ...] | None = None) -> tuple[SetRecord | None, dict[str, Any]]:
    """The set (if it exists) and its scope: its programme, and the caller if they are (``current``) or were a member.

    With ``parties``, the caller counts only if they are one of them (a swap: the two members involved).
    """
    try:
        record = get_store().get_set(set_id)
    except NotFound:
        return None, {"programme_id": None, "assessor_id": None}
    me = current_principal()
    ids = set(record.current_member_ids) if current else {m.assessor_id for m in record.members}
    member = me.assessor_id if me is not None and me.assessor_id in ids else None
    if parties is not None and member not in parties:
        member = None
    return record, {"programme_id": record.set.programme_id, "assessor_id": member}


def sees_people(principal: Principal, organisation_id: str) -> bool:
    """Whether the caller may see an organisation's people by name in reach views."""
    return principal.can_see_people_of(organisation_id) or "coordinator" in principal.roles


def map_sees_people(principal: Principal, organisation_id: str) -> Callable[[str | None], bool]:
    """Whose names a caller sees on ``organisation_id``'s map: its own people as in reach views, others' only with the right."""

    def sees(other: str | None) -> bool:
        if other == organisation_id:
            return sees_people(principal, organisation_id)
        return principal.can_see_people_of(other)

    return sees


class NotSignedIn(Unauthorized):
    """401 in the one error shape, with a ``WWW-Authenticate`` challenge for token clients."""

    error_code = "unauthorised"

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), ("WWW-Authenticate", 'Bearer realm="bridgework"')]


class NotAllowed(Forbidden):
    """403 in the one error shape."""

    error_code = "forbidden"


def authorize(action: str, **scope: Any) -> Principal:
    """The caller's :class:`Principal` if ``action`` on ``scope`` is allowed; else abort 401 or 403 (or 400 for a missing CSRF token).

    ``action`` must be a row of :data:`POLICY` (an unknown action is a programming error:
    ``KeyError``).
    """
    rule = POLICY[action]
    g.bw_authorized = action
    principal = current_principal()
    if principal is None:
        raise NotSignedIn("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if request.method not in _SAFE_METHODS and authenticated_by_session():
        check_csrf()
    _refuse_read_only_writes()
    if principal.is_admin or rule(principal, Scope(scope)):
        return principal
    raise NotAllowed(refusal(action, scope, get_store()))


def _refuse_read_only_writes() -> None:
    """403 for a write (POST, PUT, PATCH, DELETE) made with a read-only API token."""
    token = current_token()
    if request.method not in _SAFE_METHODS and token is not None and token.read_only:
        raise NotAllowed(f"The API token '{token.name}' is read-only: it may read but not change anything. Use a token that may write.")


def allowed(principal: Principal, action: str, **scope: Any) -> bool:
    """Whether ``principal`` may do ``action`` on ``scope`` (no abort), e.g. to decide what to show."""
    return principal.is_admin or POLICY[action](principal, Scope(scope))


def _is_public_api_request() -> bool:
    """True for requests no one needs to sign in for: outside ``/api/v1``, the OpenAPI document and docs pages
    (the ``api-docs`` blueprint), unrouted paths and OPTIONS. Sign-in and password resets are pages, not API."""
    return (
        not request.path.startswith("/api/v1/")
        or request.endpoint is None  # no such route or method: 404/405 as for everyone
        or (request.blueprint or "") == "api-docs"
        or request.method == "OPTIONS"
    )


def init_access(app: Flask) -> None:
    """Sign-in before anything else on ``/api/v1``, and fail closed after.

    Before: a request to an ``/api/v1`` endpoint that is not public must be signed in (401) and, for a
    session-cookie write, carry its CSRF token (400) before its body or query is parsed, so an anonymous
    caller never learns an endpoint's fields from a 422. (flask-smorest parses arguments in decorators
    that run before the view, hence before :func:`authorize`.) The view's :func:`authorize` still decides 403.

    After: a successful ``/api/v1`` response from a view that never called :func:`authorize` becomes a 500.
    """

    @app.before_request
    def _require_sign_in() -> None:
        if _is_public_api_request():
            return
        if current_principal() is None:
            raise NotSignedIn("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
        if request.method not in _SAFE_METHODS and authenticated_by_session():
            check_csrf()
        _refuse_read_only_writes()

    @app.after_request
    def _require_authorize(response: Response) -> Response:
        blueprint = request.blueprint or ""
        if (
            request.path.startswith("/api/v1/")
            and blueprint != "api-docs"
            and request.method != "OPTIONS"  # Flask's automatic answer naming the allowed methods
            and response.status_code < 400
            and not g.get("bw_authorized")
            and request.endpoint is not None
        ):
            current_app.logger.error("endpoint %s answered without calling authorize(); refused", request.endpoint)
            from api.errors import error_response

            return error_response(500, "Something went wrong on our side. It has been logged.")
        return response

"""Admin pages for network admins: organisations, practice themes, users and their roles, and the audit log.

Every view calls :func:`web.guard.page_authorize` with the same actions as the JSON API (admins only),
and changes go through the same use cases as the API: :mod:`api.services.catalogue` (organisations and
themes) and :mod:`api.services.accounts` (users, roles, scopes, reset links), each audited in the
transaction of its change. Forms are Flask-WTF forms; bad input re-renders the form
with field messages and status 422, and nothing is written.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from api.extensions import get_store
from api.http import path_id
from api.services import accounts, auditlog, catalogue, directory
from graph.port import Conflict, GraphStore, NotFound
from graph.port_accounts import ROLES, User
from network.domain import (
    EMAIL_MAX,
    ID_MAX,
    ID_PATTERN,
    MAX_NAME,
    ORGANISATION_KINDS,
    REGIONS,
    THEME_FRAMEWORKS,
    InvalidValue,
    Organisation,
    Theme,
)
from web import edits
from web.guard import page_authorize

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")

#: Rows per page of the listings.
PAGE_SIZE = 50
#: How many stored users a search may look through before it answers (with a "more" link where it stopped).
SEARCH_SCAN = 5000

ROLE_LABELS: dict[str, str] = {
    "assessor": "Assessor",
    "org_admin": "Organisation admin",
    "coordinator": "Coordinator",
    "admin": "Network admin",
}
KIND_LABELS: dict[str, str] = {
    "local_authority": "Local authority",
    "nhs_trust": "NHS trust",
    "voluntary": "Voluntary organisation",
    "independent": "Independent",
    "agency": "Agency",
    "university": "University",
}
FRAMEWORK_LABELS: dict[str, str] = {
    "pcf": "Professional Capabilities Framework",
    "kss": "Knowledge and Skills Statements",
    "practice": "Practice theme",
}
_ID_MESSAGE = f"Use 1-{ID_MAX} letters, digits or _ . : - and start with a letter or digit."
_ID_RE = re.compile(ID_PATTERN)


def _id_list(text: str | None) -> list[str]:
    """Ids written one per line or separated by commas or spaces."""
    return [part for part in re.split(r"[\s,]+", text or "") if part]


def _check_ids(form: FlaskForm, field: Any) -> None:
    bad = [value for value in _id_list(field.data) if not _ID_RE.match(value)]
    if bad:
        raise ValidationError(f"{', '.join(bad[:3])}: not an id. {_ID_MESSAGE}")


def _some_roles(form: FlaskForm, field: Any) -> None:
    if not field.data:
        raise ValidationError("Choose at least one role.")


def _email(form: FlaskForm, field: Any) -> None:
    try:
        accounts.normalise_email(field.data or "")
    except InvalidValue:
        raise ValidationError("Enter an email address, like name@example.org.") from None


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice) in a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# -- forms ------------------------------------------------------------------------------------


class OrganisationForm(FlaskForm):
    """An organisation's id (fixed once created), name, kind and region."""

    id = StringField(
        "Id", validators=[DataRequired(), Regexp(ID_PATTERN, message=_ID_MESSAGE)], description="A short, stable id, e.g. la-northshire."
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    kind = SelectField("Kind", choices=[SelectChoice(k, KIND_LABELS[k]) for k in ORGANISATION_KINDS])
    region = SelectField("Region", choices=[SelectChoice(k, label) for k, label in REGIONS.items()])


class ThemeForm(FlaskForm):
    """A practice theme's id (fixed once created), name and framework."""

    id = StringField(
        "Id", validators=[DataRequired(), Regexp(ID_PATTERN, message=_ID_MESSAGE)], description="A short, stable id, e.g. practice-courts."
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    framework = SelectField("Framework", choices=[SelectChoice(k, FRAMEWORK_LABELS[k]) for k in THEME_FRAMEWORKS])


class ScopeFields(FlaskForm):
    """Roles and what they cover."""

    roles = MultiCheckboxField("Roles", choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], validators=[_some_roles])
    assessor_id = StringField(
        "Assessor id (for the assessor role)",
        validators=[Optional(), Regexp(ID_PATTERN, message=_ID_MESSAGE)],
        description="The assessor this person is.",
    )
    organisation_ids = StringField(
        "Organisations administered (for the organisation admin role)",
        validators=[Optional(), Length(max=5000), _check_ids],
        description="Organisation ids, separated by commas.",
    )
    programme_ids = StringField(
        "Programmes coordinated (for the coordinator role)",
        validators=[Optional(), Length(max=5000), _check_ids],
        description="Programme ids, separated by commas.",
    )


class UserCreateForm(ScopeFields):
    """A new user: email, roles and scopes, and an optional first password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=EMAIL_MAX), _email])
    password = PasswordField(
        "First password (optional)",
        validators=[
            Optional(),
            Length(min=accounts.MIN_PASSWORD, max=accounts.MAX_PASSWORD, message=f"Use at least {accounts.MIN_PASSWORD} characters."),
        ],
        description="Leave empty to get a one-time link the person uses to choose their own password.",
    )


class UserEditForm(ScopeFields):
    """Roles and scopes of an existing user."""


class ConfirmForm(FlaskForm):
    """A button that changes something (the form only carries the CSRF token)."""


class DeleteForm(FlaskForm):
    """Deleting needs the box ticked."""

    confirm = BooleanField("Yes, delete it", validators=[DataRequired(message="Tick the box to confirm.")])


# -- overview -----------------------------------------------------------------------------------


@bp.get("")
def home() -> str:
    """What admins look after, with the size of each."""
    page_authorize("admin:open")
    counts = get_store().counts()
    return render_template("admin/home.html", counts=counts)


# -- organisations --------------------------------------------------------------------------------


@bp.get("/organisations")
def organisations() -> str:
    """Organisations in id order, a page at a time."""
    page_authorize("admin:open")
    page = get_store().list_organisations(limit=PAGE_SIZE, after=_after())
    return render_template("admin/organisations.html", page=page, kinds=KIND_LABELS, regions=REGIONS)


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_new() -> Response | str | tuple[str, int]:
    """Add an organisation."""
    principal = page_authorize("organisations:create")
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = catalogue.create_organisation(
                get_store(),
                Organisation(id=form.id.data, name=form.name.data, kind=form.kind.data, region=form.region.data),
                actor_id=principal.user_id,
            )
        except Conflict:
            form.id.errors.append("An organisation with this id exists already; choose another id.")
        except InvalidValue as exc:
            _field_error(form, exc)
        else:
            flash(f"Added {org.name}.")
            return redirect(url_for("admin_pages.organisations"))
    return _form_page("admin/organisation_form.html", form, creating=True)


@bp.route("/organisations/<organisation_id>/edit", methods=["GET", "POST"])
def organisation_edit(organisation_id: str) -> Response | str | tuple[str, int]:
    """Change an organisation's name, kind or region (its id stays)."""
    organisation_id = _id(organisation_id, "organisation_id")
    principal = page_authorize("organisations:write", organisation_id=organisation_id)
    store = get_store()
    org = _get(store.get_organisation, organisation_id)
    form = OrganisationForm(obj=org) if request.method == "GET" else OrganisationForm()
    form.id.data = org.id  # the id never changes

    def values(form: OrganisationForm) -> dict[str, Any]:
        return {"name": form.name.data, "kind": form.kind.data, "region": form.region.data}

    # What the page shows, so a save writes only what the person changed (web/edits.py): a page
    # opened earlier no longer writes back a field someone else changed meanwhile.
    shown = edits.shown(values(form)) if request.method == "GET" else request.form.get(edits.FIELD)
    if form.validate_on_submit():
        try:
            changes = edits.edited(values(form), shown)
            changed = catalogue.update_organisation(store, organisation_id, changes, actor_id=principal.user_id)
        except InvalidValue as exc:
            _field_error(form, exc)
        else:
            flash(f"Saved {changed.name}.")
            return redirect(url_for("admin_pages.organisations"))
    return _form_page("admin/organisation_form.html", form, creating=False, organisation=org, shown=shown)


@bp.route("/organisations/<organisation_id>/delete", methods=["GET", "POST"])
def organisation_delete(organisation_id: str) -> Response | str | tuple[str, int]:
    """Delete an organisation nobody works for, after a confirmation."""
    organisation_id = _id(organisation_id, "organisation_id")
    principal = page_authorize("organisations:delete", organisation_id=organisation_id)
    store = get_store()
    org = _get(store.get_organisation, organisation_id)
    form = DeleteForm()
    problem = None
    if form.validate_on_submit():
        try:
            catalogue.delete_organisation(store, organisation_id, actor_id=principal.user_id)
        except Conflict:
            problem = f"{org.name} cannot be deleted while assessors work for it. Move them to another organisation first."
        else:
            flash(f"Deleted {org.name}.")
            return redirect(url_for("admin_pages.organisations"))
    status = 200 if request.method == "GET" else (409 if problem else 422)
    return render_template("admin/organisation_delete.html", form=form, organisation=org, problem=problem), status


# -- themes ---------------------------------------------------------------------------------------


@bp.get("/themes")
def themes() -> str:
    """Practice themes in id order, a page at a time."""
    page_authorize("admin:open")
    page = get_store().list_themes(limit=PAGE_SIZE, after=_after())
    return render_template("admin/themes.html", page=page, frameworks=FRAMEWORK_LABELS)


@bp.route("/themes/new", methods=["GET", "POST"])
def theme_new() -> Response | str | tuple[str, int]:
    """Add a practice theme."""
    principal = page_authorize("themes:create")
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = catalogue.create_theme(
                get_store(), Theme(id=form.id.data, name=form.name.data, framework=form.framework.data), actor_id=principal.user_id
            )
        except Conflict:
            form.id.errors.append("A theme with this id exists already; choose another id.")
        except InvalidValue as exc:
            _field_error(form, exc)
        else:
            flash(f"Added the theme {theme.name}.")
            return redirect(url_for("admin_pages.themes"))
    return _form_page("admin/theme_form.html", form, creating=True)


@bp.route("/themes/<theme_id>/edit", methods=["GET", "POST"])
def theme_edit(theme_id: str) -> Response | str | tuple[str, int]:
    """Change a theme's name or framework (its id stays)."""
    theme_id = _id(theme_id, "theme_id")
    principal = page_authorize("themes:write", theme_id=theme_id)
    store = get_store()
    theme = _get(store.get_theme, theme_id)
    form = ThemeForm(obj=theme) if request.method == "GET" else ThemeForm()
    form.id.data = theme.id

    def values(form: ThemeForm) -> dict[str, Any]:
        return {"name": form.name.data, "framework": form.framework.data}

    shown = edits.shown(values(form)) if request.method == "GET" else request.form.get(edits.FIELD)  # see organisation_edit
    if form.validate_on_submit():
        try:
            changes = edits.edited(values(form), shown)
            changed = catalogue.update_theme(store, theme_id, changes, actor_id=principal.user_id)
        except InvalidValue as exc:
            _field_error(form, exc)
        else:
            flash(f"Saved the theme {changed.name}.")
            return redirect(url_for("admin_pages.themes"))
    return _form_page("admin/theme_form.html", form, creating=False, theme=theme, shown=shown)


# -- users ------------------------------------------------------------------------------------------


@bp.get("/users")
def users() -> str:
    """Users in id order, optionally those holding one role and/or whose email contains the search text."""
    page_authorize("users:list")
    role = request.args.get("role") or None
    if role not in (None, *ROLES):
        role = None
    search = (request.args.get("q") or "").strip().lower()[:EMAIL_MAX]
    items, next_after = _find_users(get_store(), role, search, _after())
    return render_template("admin/users.html", users=items, next_after=next_after, role=role, q=search, roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new() -> Response | str | tuple[str, int]:
    """Create a user with roles and scopes; without a password, show the one-time link to pass on."""
    principal = page_authorize("users:create")
    store = get_store()
    form = UserCreateForm()
    if request.form.get("find"):  # looking for the assessor to link: show who matches, save nothing
        return _form_page("admin/user_form.html", form, creating=True, roles=ROLE_LABELS, chooser=_chooser(store, form))[0], 200
    if form.validate_on_submit() and _scopes_exist(store, form) and _assessor_link_ok(store, form):
        try:
            user = accounts.create_user(
                store,
                form.email.data or "",
                roles=form.roles.data or (),
                password=form.password.data or None,
                assessor_id=form.assessor_id.data or None,
                organisation_ids=_id_list(form.organisation_ids.data),
                programme_ids=_id_list(form.programme_ids.data),
                actor_id=principal.user_id,
            )
        except InvalidValue as exc:
            _field_error(form, exc)
        except Conflict:
            form.email.errors.append("There is already a user with this email.")
        except NotFound as exc:
            form.form_errors.append(str(exc))
        else:
            link = None
            if user.password_hash is None:
                link = _reset_link(store, user.id, principal.user_id)
            return render_template("admin/user_created.html", user=user, link=link, roles=ROLE_LABELS), 201
    return _form_page("admin/user_form.html", form, creating=True, roles=ROLE_LABELS, chooser=_chooser(store, form))


@bp.route("/users/<user_id>", methods=["GET", "POST"])
def user_edit(user_id: str) -> Response | str | tuple[str, int]:
    """A user: change their roles and scopes (audited)."""
    user_id = _id(user_id, "user_id")
    principal = page_authorize("users:write", user_id=user_id)
    store = get_store()
    user = _get(store.get_user, user_id)
    form = UserEditForm() if request.method == "POST" else _edit_form(user)
    if request.form.get("find"):  # looking for the assessor to link: show who matches, save nothing
        return _user_page(user, form, principal.user_id, status=200)
    if form.validate_on_submit() and _scopes_exist(store, form) and _assessor_link_ok(store, form, user.id):
        roles = sorted(set(form.roles.data or ()))
        if user.id == principal.user_id and "admin" not in roles:
            form.roles.errors.append("You cannot take the network admin role from yourself; ask another admin.")
        else:
            assessor_id = form.assessor_id.data or None
            organisation_ids = sorted(set(_id_list(form.organisation_ids.data)))
            programme_ids = sorted(set(_id_list(form.programme_ids.data)))
            try:
                # one call: roles and links are checked together before anything is written
                accounts.update_user(
                    store,
                    user.id,
                    actor_id=principal.user_id,
                    roles=roles if tuple(roles) != user.roles else None,
                    assessor_id=assessor_id,
                    organisation_ids=organisation_ids,
                    programme_ids=programme_ids,
                )
            except InvalidValue as exc:
                _field_error(form, exc)
            except Conflict:
                form.assessor_id.errors.append("This assessor already has another login.")
            except NotFound as exc:
                form.form_errors.append(str(exc))
            else:
                flash(f"Saved the roles of {user.email}.")
                return redirect(url_for("admin_pages.user_edit", user_id=user.id))
    return _user_page(user, form, principal.user_id, status=200 if request.method == "GET" else 422)


@bp.post("/users/<user_id>/active")
def user_active(user_id: str) -> Response | tuple[str, int]:
    """Deactivate a user (they can no longer sign in; their data stays) or activate them again."""
    user_id = _id(user_id, "user_id")
    principal = page_authorize("users:write", user_id=user_id)
    store = get_store()
    user = _get(store.get_user, user_id)
    form = ConfirmForm()
    active = request.form.get("active") == "true"
    if not form.validate_on_submit():
        return _user_page(user, _edit_form(user), principal.user_id, status=422, problem="The form had expired; please try again.")
    if user.id == principal.user_id and not active:
        return _user_page(user, _edit_form(user), principal.user_id, status=422, problem="You cannot deactivate your own account.")
    accounts.update_user(store, user.id, actor_id=principal.user_id, active=active)
    flash(f"{user.email} {'can sign in again' if active else 'is deactivated and can no longer sign in'}.")
    return redirect(url_for("admin_pages.user_edit", user_id=user.id))


@bp.post("/users/<user_id>/reset-link")
def user_reset_link(user_id: str) -> str | tuple[str, int]:
    """Issue a one-time password reset link, shown on this page once (it is never stored or shown again)."""
    user_id = _id(user_id, "user_id")
    principal = page_authorize("users:reset", user_id=user_id)
    store = get_store()
    user = _get(store.get_user, user_id)
    if not ConfirmForm().validate_on_submit():
        return _user_page(user, _edit_form(user), principal.user_id, status=422, problem="The form had expired; please try again.")
    link = _reset_link(store, user.id, principal.user_id)
    return _user_page(user, _edit_form(user), principal.user_id, status=201, link=link)


# -- audit log --------------------------------------------------------------------------------------


@bp.get("/audit")
def audit() -> str | tuple[str, int]:
    """The audit log in words, newest first, a page at a time, filtered by person, action, organisation and dates."""
    page_authorize("audit:read")
    store = get_store()
    filters, problems, chosen = _audit_filters(store)
    entries, next_after = ([], None) if problems else auditlog.search(store, filters, after=_after(), limit=PAGE_SIZE)
    return render_template(
        "admin/audit.html",
        lines=auditlog.lines(store, entries),
        next_after=next_after,
        chosen=chosen,
        problems=problems,
        actions=auditlog.ACTIONS,
        organisations=_all_organisations(store),
        at_words=auditlog.at_words,
    ), 422 if problems else 200


@bp.get("/audit.csv")
def audit_csv() -> Response | tuple[str, int]:
    """Every entry the filters match, in words, as a CSV file."""
    page_authorize("audit:read")
    store = get_store()
    filters, problems, _chosen = _audit_filters(store)
    if problems:
        abort(422, "; ".join(problems))
    body = auditlog.to_csv(store, filters)
    response = current_app.response_class(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="bridgework-audit.csv"'
    return response


def _audit_filters(store: GraphStore) -> tuple[auditlog.Filters, list[str], dict[str, str]]:
    """The audit filters of the query string, problems in words (nothing is searched then), and what was chosen."""
    args = request.args
    chosen = {k: (args.get(k) or "").strip()[:EMAIL_MAX] for k in ("person", "action", "organisation", "since", "until")}
    problems: list[str] = []
    actor_id = None
    if chosen["person"]:
        try:
            actor_id = store.get_user_by_email(chosen["person"].lower()).id
        except NotFound:
            problems.append(f"No sign-in has the email {chosen['person']}.")
    action = chosen["action"] if chosen["action"] in auditlog.ACTIONS else None
    if chosen["action"] and action is None:
        problems.append("Choose an action from the list.")
    organisation_id = chosen["organisation"] if chosen["organisation"] and _ID_RE.match(chosen["organisation"]) else None
    if organisation_id and not store.existing_ids("Organisation", [organisation_id]):
        problems.append("Choose an organisation from the list.")
        organisation_id = None
    days: dict[str, date | None] = {}
    for key, words in (("since", "From"), ("until", "To")):
        try:
            days[key] = date.fromisoformat(chosen[key]) if chosen[key] else None
        except ValueError:
            problems.append(f"{words}: enter a date like 2026-12-07.")
            days[key] = None
    if days["since"] and days["until"] and days["since"] > days["until"]:
        problems.append("The first day comes after the last day.")
    filters = auditlog.Filters(actor_id=actor_id, action=action, organisation_id=organisation_id, since=days["since"], until=days["until"])
    return filters, problems, chosen


def _all_organisations(store: GraphStore, most: int = 2000) -> list[Organisation]:
    """Organisations by name, for choosing one (at most ``most``)."""
    found: list[Organisation] = []
    after: str | None = None
    while len(found) < most:
        page = store.list_organisations(limit=500, after=after)
        found.extend(page.items)
        if page.next_after is None:
            break
        after = page.next_after
    return sorted(found, key=lambda o: o.name.lower())


# -- helpers ----------------------------------------------------------------------------------------


def _after() -> str | None:
    """The ``after`` of a listing's query string, if it is a well-formed id (else the first page)."""
    after = request.args.get("after")
    return after if after and _ID_RE.match(after) else None


def _id(value: str, name: str) -> str:
    try:
        return path_id(value, name)
    except InvalidValue:
        abort(404)


def _get(read: Any, key: str) -> Any:
    try:
        return read(key)
    except NotFound:
        abort(404)


def _form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """The form again: 422 after a post that changed nothing, 200 on first view."""
    return render_template(template, form=form, **context), 200 if request.method == "GET" else 422


def _field_error(form: FlaskForm, exc: InvalidValue) -> None:
    """Put a domain error on its field (or on the form when no field has that name)."""
    field = getattr(form, exc.field, None)
    if field is not None and hasattr(field, "errors") and isinstance(field.errors, list):
        field.errors.append(exc.message)
    else:
        form.form_errors.append(f"{exc.field}: {exc.message}")


def _scopes_exist(store: GraphStore, form: ScopeFields) -> bool:
    """Check that the scopes name stored nodes; put a message on each field that does not (nothing is written then)."""
    ok = True
    if form.assessor_id.data:
        if not store.existing_ids("Assessor", [form.assessor_id.data]):
            form.assessor_id.errors.append(f"There is no assessor with id {form.assessor_id.data}.")
            ok = False
    organisations = _id_list(form.organisation_ids.data)
    missing = sorted(set(organisations) - store.existing_ids("Organisation", organisations)) if organisations else []
    if missing:
        form.organisation_ids.errors.append(f"No such organisation: {', '.join(missing)}.")
        ok = False
    unknown = []
    for programme_id in _id_list(form.programme_ids.data):
        try:
            store.get_programme(programme_id)
        except NotFound:
            unknown.append(programme_id)
    if unknown:
        form.programme_ids.errors.append(f"No such programme: {', '.join(unknown)}.")
        ok = False
    return ok


def _assessor_link_ok(store: GraphStore, form: ScopeFields, user_id: str | None = None) -> bool:
    """Check the roles with the assessor link before anything is written; a message by the assessor field if not."""
    try:
        accounts.check_assessor_link(store, form.roles.data or (), form.assessor_id.data or None, user_id=user_id)
    except InvalidValue as exc:
        _field_error(form, exc)
        return False
    return True


def _chooser(store: GraphStore, form: ScopeFields) -> dict[str, Any]:
    """The assessor linked now (if any) and those matching the search of the form, to choose from (never typed as an id)."""
    linked = None
    if form.assessor_id.data and _ID_RE.match(form.assessor_id.data):
        try:
            linked = directory.row(store, store.get_assessor(form.assessor_id.data))
        except NotFound:
            linked = None
    searched = (request.form.get("find_assessor") or "").strip()[: directory.MAX_SEARCH]
    found = directory.find(store, scope=None, text=searched, limit=10).items if searched else []
    return {"linked": linked, "found": found, "searched": searched}


def _reset_link(store: GraphStore, user_id: str, actor_id: str) -> dict[str, Any]:
    issued = accounts.issue_reset(store, user_id, actor_id, current_app.config["PASSWORD_RESET_HOURS"])
    # From the configured address, never the request's Host header (which the caller chooses).
    return {"url": current_app.config["BASE_URL"] + url_for("auth.reset", secret=issued.secret), "expires_at": issued.reset.expires_at}


def _edit_form(user: User) -> UserEditForm:
    """The roles form filled in with the user's stored roles and scopes."""
    return UserEditForm(
        formdata=None,
        roles=list(user.roles),
        assessor_id=user.assessor_id or "",
        organisation_ids=", ".join(user.organisation_ids),
        programme_ids=", ".join(user.programme_ids),
    )


def _user_page(
    user: User, form: FlaskForm, me: str, *, status: int, link: dict[str, Any] | None = None, problem: str | None = None
) -> tuple[str, int]:
    """The user's page: details, the roles form, access buttons, and the latest audit entries about them."""
    store = get_store()
    history = auditlog.lines(store, store.list_audit(limit=10, target_id=user.id).items)
    return (
        render_template(
            "admin/user.html",
            user=user,
            form=form,
            chooser=_chooser(store, form),
            confirm=ConfirmForm(formdata=None),
            me=me,
            link=link,
            problem=problem,
            roles=ROLE_LABELS,
            history=history,
        ),
        status,
    )


def _find_users(store: GraphStore, role: str | None, search: str, after: str | None) -> tuple[list[User], str | None]:
    """A page of users matching ``role`` and ``search`` (email contains), scanning at most :data:`SEARCH_SCAN` users."""
    if not search:
        page = store.list_users(limit=PAGE_SIZE, after=after, role=role)
        return page.items, page.next_after
    found: list[User] = []
    scanned = 0
    cursor = after
    while True:
        page = store.list_users(limit=min(500, SEARCH_SCAN), after=cursor, role=role)
        for n, user in enumerate(page.items):
            if search in user.email:
                found.append(user)
                if len(found) == PAGE_SIZE:
                    more = n + 1 < len(page.items) or page.next_after is not None
                    return found, user.id if more else None
        scanned += len(page.items)
        if page.next_after is None:
            return found, None
        cursor = page.next_after
        if scanned >= SEARCH_SCAN:
            return found, cursor

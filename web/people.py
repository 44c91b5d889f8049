"""People management pages (issue 17): admins manage everyone, organisation admins the people of their own organisations.

``/people`` lists assessors (search by name or email, organisation and region, a page at a time); each
person's page shows their details and history and offers: edit, move to another organisation, deactivate or
reactivate, and invite them to sign in (they choose their own password through a one-time link). Changes go
through :mod:`api.services.directory` and :mod:`api.services.profile`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from api.access import Principal
from api.extensions import get_store
from api.http import path_id
from api.services import directory, profile
from graph.port import Conflict, NotFound
from network.domain import EMAIL_MAX, EXPERIENCE_MAX, ID_PATTERN, MAX_NAME, REGIONS, InvalidValue, Organisation
from web import edits
from web.admin import KIND_LABELS
from web.guard import page_authorize

bp = Blueprint("people_pages", __name__)


class PersonForm(FlaskForm):
    """What an admin may change of someone's details (the person keeps the rest on their own profile)."""

    class Meta:
        csrf = False  # page_authorize checks the token of every post

    name = StringField("Name", validators=[DataRequired("Give their name."), Length(max=MAX_NAME)])
    email = EmailField("Email", validators=[Optional(), Length(max=EMAIL_MAX)])
    region = SelectField("Region", choices=[SelectChoice("", "Their organisation's"), *(SelectChoice(k, v) for k, v in REGIONS.items())])
    experience_years = IntegerField(
        "Years of experience as an assessor", validators=[Optional(), NumberRange(0, EXPERIENCE_MAX, f"Between 0 and {EXPERIENCE_MAX}.")]
    )


def _scope(principal: Principal) -> list[str] | None:
    """The organisations the caller manages the people of (``None``: all of them, for admins)."""
    return None if principal.is_admin else sorted(principal.organisation_ids)


def _organisations(principal: Principal) -> list[Organisation]:
    """The organisations the caller may choose, by name."""
    store = get_store()
    if principal.is_admin:
        from web.admin import _all_organisations

        return _all_organisations(store)
    found = []
    for organisation_id in sorted(principal.organisation_ids):
        try:
            found.append(store.get_organisation(organisation_id))
        except NotFound:
            continue
    return sorted(found, key=lambda o: o.name.lower())


@bp.get("/people")
def people() -> str:
    """Assessors the caller manages, found by name or email, organisation and region, a page at a time."""
    principal = page_authorize("people:list")
    store = get_store()
    chosen = {k: (request.args.get(k) or "").strip()[: directory.MAX_SEARCH] for k in ("q", "organisation", "region")}
    import re

    after = request.args.get("after")
    after = after if after and re.match(ID_PATTERN, after) else None
    organisation_id = chosen["organisation"] or None
    region = chosen["region"] if chosen["region"] in REGIONS else None
    page = directory.find(store, scope=_scope(principal), text=chosen["q"], organisation_id=organisation_id, region=region, after=after)
    return render_template(
        "people/list.html",
        page=page,
        chosen=chosen,
        organisations=_organisations(principal),
        regions=REGIONS,
        kinds=KIND_LABELS,
    )


def _person(assessor_id: str) -> tuple[Principal, directory.PersonRow]:
    """The caller (who must manage this person) and the person."""
    try:
        assessor_id = path_id(assessor_id, "assessor_id")
    except InvalidValue:
        abort(404)
    principal = page_authorize("assessors:activate", assessor_id=assessor_id)
    try:
        return principal, directory.row(get_store(), get_store().get_assessor(assessor_id))
    except NotFound:
        abort(404)


def _values(form: PersonForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "email": form.email.data or None,
        "region": form.region.data or None,
        "experience_years": form.experience_years.data if form.experience_years.data is not None else 0,
    }


@bp.route("/people/<assessor_id>", methods=["GET", "POST"])
def person(assessor_id: str) -> Response | tuple[str, int]:
    """One person: details to edit, where they worked, their sign-in, and what may be done."""
    principal, row = _person(assessor_id)
    a = row.assessor
    if request.method == "GET":
        form = PersonForm(formdata=None, name=a.name, email=a.email or "", region=a.region or "", experience_years=a.experience_years)
        shown = edits.shown(_values(form))
    else:
        form = PersonForm()
        shown = request.form.get(edits.FIELD)
    if request.method == "POST" and form.validate():
        try:
            changes = edits.edited(_values(form), shown)
            profile.update_assessor(get_store(), a.id, changes, actor_id=principal.user_id)
        except InvalidValue as exc:
            field = getattr(form, exc.field, None)
            (field.errors if field is not None and isinstance(field.errors, list) else form.form_errors).append(exc.message)
        else:
            flash(f"Saved the details of {form.name.data}.")
            return redirect(url_for("people_pages.person", assessor_id=a.id))
    return _page(principal, row, form, shown, status=200 if request.method == "GET" else 422)


def _page(
    principal: Principal,
    row: directory.PersonRow,
    form: PersonForm,
    shown: str | None,
    *,
    status: int,
    problem: str | None = None,
    invitation: dict[str, Any] | None = None,
) -> tuple[str, int]:
    store = get_store()
    targets = [o for o in _organisations(principal) if row.organisation is None or o.id != row.organisation.id]
    return (
        render_template(
            "people/person.html",
            row=row,
            form=form,
            shown=shown,
            edits_field=edits.FIELD,
            history=directory.history(store, row.assessor.id),
            targets=targets,
            problem=problem,
            invitation=invitation,
            may_link=principal.is_admin,
        ),
        status,
    )


@bp.post("/people/<assessor_id>/move")
def move(assessor_id: str) -> Response | tuple[str, int]:
    """Move the person to another organisation the caller manages (admins: any); the move is kept in their history."""
    principal, row = _person(assessor_id)
    target = (request.form.get("organisation_id") or "").strip()
    if not principal.is_admin and target not in principal.organisation_ids:
        return _again(principal, row, "Choose one of your organisations to move them to.")
    try:
        directory.move(get_store(), row.assessor.id, target, actor_id=principal.user_id)
    except NotFound:
        return _again(principal, row, "Choose an organisation from the list.")
    except InvalidValue as exc:
        return _again(principal, row, exc.message[0].upper() + exc.message[1:] + ".")
    organisation = get_store().get_organisation(target)
    flash(f"{row.assessor.name} now works for {organisation.name}.")
    if principal.is_admin or target in principal.organisation_ids:
        return redirect(url_for("people_pages.person", assessor_id=row.assessor.id))
    return redirect(url_for("people_pages.people"))


@bp.post("/people/<assessor_id>/active")
def active(assessor_id: str) -> Response:
    """Deactivate the person or make them active again."""
    principal, row = _person(assessor_id)
    wanted = request.form.get("active") == "true"
    directory.set_active(get_store(), row.assessor.id, wanted, actor_id=principal.user_id)
    flash(
        f"{row.assessor.name} is active again." if wanted else f"{row.assessor.name} is deactivated: left out of suggestions and new sets."
    )
    return redirect(url_for("people_pages.person", assessor_id=row.assessor.id))


@bp.post("/people/<assessor_id>/invite")
def invite(assessor_id: str) -> Response | tuple[str, int]:
    """Give the person a sign-in and show the one-time link with which they choose their own password."""
    principal, row = _person(assessor_id)
    page_authorize("people:invite", organisation_id=row.organisation.id if row.organisation else None)
    try:
        invitation = directory.invite(
            get_store(), row.assessor.id, actor_id=principal.user_id, hours=current_app.config["PASSWORD_RESET_HOURS"]
        )
    except (InvalidValue, Conflict) as exc:
        message = exc.message if isinstance(exc, InvalidValue) else str(exc)
        return _again(principal, row, message[0].upper() + message[1:] + ".")
    # From the configured address, never the request's Host header (which the caller chooses).
    link = {"url": current_app.config["BASE_URL"] + url_for("auth.reset", secret=invitation.secret), "expires_at": invitation.expires_at}
    fresh = directory.row(get_store(), get_store().get_assessor(row.assessor.id))
    return _page(principal, fresh, _form_of(fresh), None, status=201, invitation=link)


def _form_of(row: directory.PersonRow) -> PersonForm:
    a = row.assessor
    return PersonForm(formdata=None, name=a.name, email=a.email or "", region=a.region or "", experience_years=a.experience_years)


def _again(principal: Principal, row: directory.PersonRow, problem: str) -> tuple[str, int]:
    form = _form_of(row)
    return _page(principal, row, form, edits.shown(_values(form)), status=422, problem=problem)

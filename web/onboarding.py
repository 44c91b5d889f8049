"""CSV onboarding pages for organisation admins: upload the import format's files, see every bad row, import as a job.

``/organisations/<organisation_id>/onboarding`` checks the files first and lists every problem (file, line,
field, message); nothing is written while there is one. A clean upload is imported by a background job
(:mod:`api.jobs`) whose page, ``.../onboarding/jobs/<job_id>``, shows its progress and then its outcome;
it can be left and opened again. The rules are :mod:`api.services.onboarding`'s, shared with the JSON API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from api import jobs
from api.access import current_principal
from api.extensions import get_store
from api.http import path_id
from api.services import onboarding
from graph.port import NotFound
from network import csvio
from network.domain import InvalidValue
from web.admin import FRAMEWORK_LABELS
from web.guard import may, page_authorize

bp = Blueprint("onboarding_pages", __name__)

#: How many of the caller's recent imports the page lists.
RECENT = 5


class UploadForm(FlaskForm):
    """The four files of the import format; any may be left out, but not all."""

    assessors = FileField("Assessors (assessors.csv)", description="One row per person: id, name, and optionally email, themes...")
    contacts = FileField("Contacts (contacts.csv)", description="Pairs of your assessors who already know each other.")
    themes = FileField("Themes (themes.csv)", description="Only needed for themes that are not in the list already.")
    organisations = FileField("Your organisation (organisations.csv)", description="Optional: only your own organisation's row.")


_FIELDS = {
    csvio.ASSESSORS_CSV: "assessors",
    csvio.CONTACTS_CSV: "contacts",
    csvio.THEMES_CSV: "themes",
    csvio.ORGANISATIONS_CSV: "organisations",
}


@bp.get("/onboarding")
def choose() -> Response | str:
    """Onboarding for the organisation(s) the caller administers: straight there when there is one."""
    principal = page_authorize("me:read")
    organisation_ids = sorted(principal.organisation_ids)
    if len(organisation_ids) == 1:
        return redirect(url_for("onboarding_pages.upload", organisation_id=organisation_ids[0]))
    store = get_store()
    organisations = []
    for organisation_id in organisation_ids:
        try:
            organisations.append(store.get_organisation(organisation_id))
        except NotFound:
            continue
    return render_template("onboarding/choose.html", organisations=organisations, is_admin=principal.is_admin)


@bp.route("/organisations/<organisation_id>/onboarding", methods=["GET", "POST"])
def upload(organisation_id: str) -> Response | str | tuple[str, int]:
    """Upload CSV files: check every row, then (if all are fine and asked to) import them as a background job."""
    organisation_id = _id(organisation_id, "organisation_id")
    principal = page_authorize("assessors:create", organisation_id=organisation_id)
    store = get_store()
    organisation = _organisation(organisation_id)
    form = UploadForm()
    context: dict[str, Any] = {"organisation": organisation, "form": form, "check": None, "problem": None}
    if request.method == "POST":
        if not form.validate_on_submit():
            context["problem"] = "The form had expired. Please choose the files again."
            return _page(context, principal.user_id, 422)
        files = {name: _read(getattr(form, field).data) for name, field in _FIELDS.items()}
        try:
            check = onboarding.check_upload(store, organisation_id, files, may_change_network=principal.is_admin)
        except onboarding.UploadError as exc:
            context["problem"] = str(exc)
            return _page(context, principal.user_id, 422)
        context["check"] = check
        if request.form.get("action") == "import-good" and len(check.good):
            job_id = onboarding.start_import(store, check, principal.user_id, good_only=True)
            return redirect(url_for("onboarding_pages.job", organisation_id=organisation_id, job_id=job_id), 303)
        if not check.ok:
            return _page(context, principal.user_id, 422)
        if request.form.get("action") == "import":
            job_id = onboarding.start_import(store, check, principal.user_id)
            return redirect(url_for("onboarding_pages.job", organisation_id=organisation_id, job_id=job_id), 303)
    return _page(context, principal.user_id, 200)


@bp.get("/organisations/<organisation_id>/onboarding/assessors.csv")
def template(organisation_id: str) -> Response:
    """An assessors.csv to fill in: every column, and an example row for this organisation."""
    organisation_id = _id(organisation_id, "organisation_id")
    page_authorize("assessors:create", organisation_id=organisation_id)
    _organisation(organisation_id)
    response = current_app.response_class(onboarding.template_csv(organisation_id), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="assessors.csv"'
    return response


@bp.get("/organisations/<organisation_id>/onboarding/jobs/<job_id>")
def job(organisation_id: str, job_id: str) -> str:
    """How an import is going, and how it ended (the importer and network admins)."""
    organisation_id = _id(organisation_id, "organisation_id")
    job_id = _id(job_id, "job_id")
    page_authorize("assessors:create", organisation_id=organisation_id)
    organisation = _organisation(organisation_id)
    try:
        found = jobs.job_state(get_store(), job_id)
    except NotFound:
        abort(404)
    if found.kind != onboarding.JOB_KIND or found.scope.get("organisation_id") != organisation_id:
        abort(404)
    page_authorize("jobs:read", user_id=found.owner_user_id)
    return render_template("onboarding/job.html", organisation=organisation, job=found, labels=KIND_LABELS)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> tuple[str, int]:
    """A clear answer when the upload is over the size limit (nothing was read or written)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    organisation_id = (request.view_args or {}).get("organisation_id")
    back = None
    if isinstance(organisation_id, str) and current_principal() is not None and may("assessors:create", organisation_id=organisation_id):
        back = request.path
    return render_template("onboarding/too_large.html", limit_mb=limit / (1024 * 1024), back=back), 413


#: How the kinds of rows read on the outcome page, in the order shown.
KIND_LABELS: dict[str, str] = {
    "assessors": "Assessors",
    "employments": "Who works where",
    "theme_links": "Themes of assessors",
    "contacts": "Contacts",
    "themes": "Themes",
    "organisations": "Organisations",
}


# -- helpers ------------------------------------------------------------------------------


def _page(context: dict[str, Any], user_id: str, status: int) -> tuple[str, int]:
    organisation = context["organisation"]
    recent = get_store().list_jobs(
        limit=RECENT, owner_user_id=user_id, kind=onboarding.JOB_KIND, scope_key="organisation_id", scope_value=organisation.id
    )
    context["recent"] = [jobs.as_seen(j) for j in recent.items]
    context["labels"] = KIND_LABELS
    context["examples"] = {"themes": csvio.EXAMPLE_THEMES, "availability": csvio.EXAMPLE_AVAILABILITY}
    context["themes"] = _themes()
    context["frameworks"] = FRAMEWORK_LABELS
    context["columns"] = {
        name: (csvio.REQUIRED[name], tuple(c for c in csvio.COLUMNS[name] if c not in csvio.REQUIRED[name])) for name in _FIELDS
    }
    return render_template("onboarding/upload.html", **context), status


def _themes() -> list[Any]:
    """Every practice theme (a few hundred at most), by framework then name, for people writing the themes column."""
    store = get_store()
    found: list[Any] = []
    after: str | None = None
    while True:
        page = store.list_themes(limit=500, after=after)
        found.extend(page.items)
        if page.next_after is None:
            break
        after = page.next_after
    return sorted(found, key=lambda t: (t.framework, t.name.lower()))


def _read(storage: Any) -> bytes:
    """The bytes of an uploaded file ('' when none was chosen)."""
    if storage is None or not getattr(storage, "filename", ""):
        return b""
    data: bytes = storage.read()
    return data


def _organisation(organisation_id: str) -> Any:
    try:
        return get_store().get_organisation(organisation_id)
    except NotFound:
        abort(404)


def _id(value: str, name: str) -> str:
    try:
        return path_id(value, name)
    except InvalidValue:
        abort(404)

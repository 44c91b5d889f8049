"""Onboarding endpoint: upload the import format's CSV files for one organisation; every row is checked first.

``POST /api/v1/organisations/<organisation_id>/onboarding`` (``multipart/form-data``, the files under the
names ``assessors``, ``contacts``, ``themes``, ``organisations``) answers 422 listing every bad row
(``error.fields.rows``: file, line, field, message) and writes nothing; with ``check_only=true`` a clean
upload is only checked (200); otherwise it is imported by a background job (202 with the job id; follow
it at ``GET /api/v1/jobs/<job_id>``). The rules are :mod:`api.services.onboarding`'s, shared with the page.
"""

from __future__ import annotations

from typing import Any

from flask import Request, jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from api.access import authorize
from api.errors import error_response
from api.extensions import get_store
from api.services import onboarding
from api.v1.common import StrictSchema, path_id
from network import csvio


class UploadParser(FlaskParser):
    """webargs' parser with one more location, ``multipart``: a multipart form's files and fields together."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Request, schema: Schema) -> MultiDictProxy:
        """The form's fields and files as one multidict."""
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class UploadBlueprint(Blueprint):
    """A blueprint whose ``multipart`` arguments are one ``multipart/form-data`` request body in the OpenAPI 3
    document (separate ``files`` and ``form`` arguments would be Swagger 2 ``formData`` parameters, invalid in 3)."""

    ARGUMENTS_PARSER = UploadParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


blp = UploadBlueprint("onboarding", __name__, description="Onboarding an organisation's assessors from CSV files, checked row by row.")

#: Form field name -> file of the import format.
_FILES = {
    "assessors": csvio.ASSESSORS_CSV,
    "contacts": csvio.CONTACTS_CSV,
    "themes": csvio.THEMES_CSV,
    "organisations": csvio.ORGANISATIONS_CSV,
}


class OnboardingUploadSchema(StrictSchema):
    """The CSV files (any of the four, at least one) and how to treat a clean upload."""

    assessors = Upload(metadata={"description": "assessors.csv"})
    contacts = Upload(metadata={"description": "contacts.csv"})
    themes = Upload(metadata={"description": "themes.csv (new themes: network admins only)"})
    organisations = Upload(metadata={"description": "organisations.csv (only the organisation's own row)"})
    check_only = fields.Boolean(load_default=False, metadata={"description": "Only check the files; write nothing."})


class OnboardingStartedSchema(StrictSchema):
    """An import that has started."""

    job_id = fields.String(required=True)
    job_url = fields.String(required=True, metadata={"description": "Follow the job here."})
    rows = fields.Integer(required=True, metadata={"description": "Data rows in the files."})


class OnboardingCheckedSchema(StrictSchema):
    """A clean upload that was only checked."""

    rows = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={"description": "What would be written."})


@blp.route("/organisations/<id:organisation_id>/onboarding")
class Onboarding(MethodView):
    """Onboarding into one organisation."""

    @blp.arguments(OnboardingUploadSchema, location="multipart")
    @blp.response(202, OnboardingStartedSchema)
    @blp.alt_response(200, schema=OnboardingCheckedSchema, description="check_only: every row is fine; nothing written.")
    def post(self, uploads: dict[str, Any], organisation_id: str) -> Any:
        """Check the files and (unless check_only) import them as a job; 422 lists every bad row and nothing is written."""
        organisation_id = path_id(organisation_id, "organisation_id")
        principal = authorize("assessors:create", organisation_id=organisation_id)
        store = get_store()
        files = {name: uploads[field].read() for field, name in _FILES.items() if uploads.get(field) is not None}
        try:
            check = onboarding.check_upload(store, organisation_id, files, may_change_network=principal.is_admin)
        except onboarding.UploadError as exc:
            return error_response(422, str(exc), {"_files": [str(exc)]})
        if not check.ok:
            message = f"{len(check.errors)} problem(s) in {check.bad_rows} row(s); nothing was written."
            return error_response(422, message, {"rows": check.error_bodies()})
        if uploads["check_only"]:
            return jsonify(OnboardingCheckedSchema().dump({"rows": check.rows, "counts": check.counts()}))
        job_id = onboarding.start_import(store, check, principal.user_id)
        return {"job_id": job_id, "job_url": url_for("jobs.OneJob", job_id=job_id), "rows": check.rows}

"""Follow-up outcomes endpoints (issue 8): a programme's questionnaire, answering it, and the aggregate report (JSON and CSV).

Who may do what (``api.access`` rows in the "outcomes" section):

* a programme's questionnaire (read, change): its coordinators;
* open questionnaires and answering them: the assessor themself only (``assessor_id`` is the
  caller); answering for someone else is 403 (an admin, who passes every rule, gets 422: a
  self-report is only ever given by the person);
* the report and its CSV: the programme's coordinators (and admins). The report holds aggregates
  only: no individual answer leaves the service, and no figure from fewer than five people.

Bad answers (missing, out of range, not a whole number, an unknown question) are 422 naming each
question, and nothing is written; an unknown wave is 422, an unknown programme 404; answers to a
questionnaire that changed since it was read are 409.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate

from api.access import authorize
from api.extensions import get_store
from api.services import outcomes as service
from api.v1.common import StrictSchema, path_id
from network.domain import today
from network.outcomes import QUESTION_KINDS, WAVE_NAMES, OutcomeInputError, OutcomeReport, Question, Summary

blp = Blueprint("outcomes", __name__, description="Follow-up questionnaires of programmes and their aggregate outcomes.")


@contextmanager
def outcome_input() -> Iterator[None]:
    """Turn an :class:`OutcomeInputError` into a 422 with its field messages (nothing was written)."""
    try:
        yield
    except OutcomeInputError as exc:
        raise ValidationError(exc.fields) from None


# -- schemas ---------------------------------------------------------------------------------------


class QuestionInSchema(StrictSchema):
    """A question: a scale (minimum..maximum, with labels for the two ends) or a count (0..maximum)."""

    key = fields.String(required=True, metadata={"description": "Stable name, e.g. `confidence` (lower-case letters, digits, _)."})
    kind = fields.String(required=True, validate=validate.OneOf(QUESTION_KINDS))
    text = fields.String(required=True, validate=validate.Length(max=1000))
    minimum = fields.Integer(strict=True, load_default=None, metadata={"description": "A scale's lowest point (a count starts at 0)."})
    maximum = fields.Integer(strict=True, required=True)
    min_label = fields.String(load_default="", validate=validate.Length(max=1000))
    max_label = fields.String(load_default="", validate=validate.Length(max=1000))


class QuestionnaireInSchema(StrictSchema):
    """The new questions, and the version they replace (0 while the defaults apply)."""

    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    questions = fields.List(fields.Nested(QuestionInSchema), required=True)


class QuestionSchema(StrictSchema):
    """A question as asked."""

    key = fields.String(required=True)
    kind = fields.String(required=True)
    text = fields.String(required=True)
    minimum = fields.Integer(required=True)
    maximum = fields.Integer(required=True)
    min_label = fields.String(required=True)
    max_label = fields.String(required=True)


class QuestionnaireSchema(StrictSchema):
    """A programme's current questionnaire."""

    programme_id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "0: the default questions, not changed yet."})
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    created_at = fields.AwareDateTime(allow_none=True)
    answered_keys = fields.List(
        fields.String(), required=True, metadata={"description": "Questions with answers: their scale can no longer change."}
    )


class OpenQuestionnaireSchema(StrictSchema):
    """A questionnaire the caller may answer (or change) now."""

    programme_id = fields.String(required=True)
    programme_name = fields.String(required=True)
    wave = fields.String(required=True, metadata={"description": "start, 3m or 6m."})
    wave_name = fields.String(required=True)
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back with the answers."})
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    answered_on = fields.Date(allow_none=True, metadata={"description": "When you answered, if you did."})
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={"description": "Your own answers."})


class OpenQuestionnaireListSchema(StrictSchema):
    """The caller's open questionnaires."""

    items = fields.List(fields.Nested(OpenQuestionnaireSchema), required=True)


class AnswerInSchema(StrictSchema):
    """Answers to every question of the version named."""

    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), values=fields.Raw(allow_none=True), required=True)


class AnswerSchema(StrictSchema):
    """Answers as recorded (only ever shown to the person who gave them)."""

    programme_id = fields.String(required=True)
    wave = fields.String(required=True)
    assessor_id = fields.String(required=True)
    version = fields.Integer(required=True)
    answered_on = fields.Date(required=True)
    replaced = fields.Boolean(required=True, metadata={"description": "True when this replaced earlier answers to the wave."})
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class CellSchema(StrictSchema):
    """One category of a distribution; ``count`` null when suppressed (fewer than 5 people, or it would reveal such a group)."""

    label = fields.String(required=True)
    lowest = fields.Integer(required=True)
    highest = fields.Integer(required=True)
    count = fields.Integer(required=True, allow_none=True)


class SummarySchema(StrictSchema):
    """Figures of one group; null figures are not published (see ``withheld``)."""

    people = fields.Integer(required=True, allow_none=True, metadata={"description": "Null: fewer than 5 people."})
    mean = fields.Float(required=True, allow_none=True)
    median = fields.Float(required=True, allow_none=True)
    cells = fields.List(fields.Nested(CellSchema), required=True)
    withheld = fields.List(fields.String(), required=True)
    pending = fields.String(
        required=True, allow_none=True, metadata={"description": "Why nothing is shown yet: the wave is not closed (null once it is)."}
    )


class WaveSummarySchema(SummarySchema):
    """One question's answers at one wave."""

    wave = fields.String(required=True)
    wave_name = fields.String(required=True)


class ChangeSummarySchema(SummarySchema):
    """One question's change between two waves, on the people who answered both (later minus earlier)."""

    earlier = fields.String(required=True)
    later = fields.String(required=True)


class QuestionReportSchema(QuestionSchema):
    """A question with its figures."""

    waves = fields.List(fields.Nested(WaveSummarySchema), required=True)
    changes = fields.List(fields.Nested(ChangeSummarySchema), required=True)


class RespondentsSchema(StrictSchema):
    """How many people answered a wave (null: fewer than 5)."""

    wave = fields.String(required=True)
    wave_name = fields.String(required=True)
    people = fields.Integer(required=True, allow_none=True)


class OutcomeReportSchema(StrictSchema):
    """A programme's outcomes as aggregates: nothing from fewer than ``min_group`` people."""

    programme_id = fields.String(required=True)
    programme_name = fields.String(required=True)
    min_group = fields.Integer(required=True)
    respondents = fields.List(fields.Nested(RespondentsSchema), required=True)
    questions = fields.List(fields.Nested(QuestionReportSchema), required=True)


# -- bodies ----------------------------------------------------------------------------------------


def _question(q: Question) -> dict[str, Any]:
    return q.as_dict()


def _summary(s: Summary) -> dict[str, Any]:
    return {
        "people": s.n,
        "mean": s.mean,
        "median": s.median,
        "cells": [{"label": c.label, "lowest": c.lowest, "highest": c.highest, "count": c.count} for c in s.cells],
        "withheld": list(s.withheld),
        "pending": s.pending,
    }


def report_body(report: OutcomeReport, programme_name: str) -> dict[str, Any]:
    """The report as :class:`OutcomeReportSchema` expects it (also used by the pages)."""
    return {
        "programme_id": report.programme_id,
        "programme_name": programme_name,
        "min_group": report.min_group,
        "respondents": [{"wave": w, "wave_name": WAVE_NAMES[w], "people": n} for w, n in report.respondents],
        "questions": [
            {
                **_question(qr.question),
                "waves": [{"wave": w, "wave_name": WAVE_NAMES[w], **_summary(s)} for w, s in qr.waves],
                "changes": [{"earlier": a, "later": b, **_summary(s)} for a, b, s in qr.changes],
            }
            for qr in report.questions
        ],
    }


def _questionnaire_body(view: service.QuestionnaireView) -> dict[str, Any]:
    q = view.questionnaire
    return {
        "programme_id": q.programme_id,
        "version": q.version,
        "questions": [_question(x) for x in q.questions],
        "created_at": q.created_at,
        "answered_keys": sorted(view.answered_keys),
    }


def _open_body(o: service.OpenQuestionnaire) -> dict[str, Any]:
    return {
        "programme_id": o.programme.id,
        "programme_name": o.programme.name,
        "wave": o.window.wave,
        "wave_name": o.wave_name,
        "opens_on": o.window.opens_on,
        "closes_on": o.window.closes_on,
        "version": o.questionnaire.version,
        "questions": [_question(x) for x in o.questionnaire.questions],
        "answered_on": None if o.answer is None else o.answer.answered_on,
        "answers": {} if o.answer is None else dict(o.answer.values),
    }


# -- the programme's questionnaire -------------------------------------------------------------------


@blp.route("/programmes/<id:programme_id>/questionnaire")
class ProgrammeQuestionnaire(MethodView):
    """The follow-up questionnaire of a programme."""

    @blp.response(200, QuestionnaireSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """The current questions (the defaults until changed) and which already have answers."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("questionnaire:read", programme_id=programme_id)
        store = get_store()
        store.get_programme(programme_id)
        return _questionnaire_body(service.questionnaire_view(store, programme_id))

    @blp.arguments(QuestionnaireInSchema)
    @blp.response(200, QuestionnaireSchema)
    def put(self, args: dict[str, Any], programme_id: str) -> dict[str, Any]:
        """Replace the questions (a new version; earlier answers keep theirs). 409 if the version is stale.

        A question that already has answers keeps its kind, minimum and maximum (422 otherwise):
        reword it, or ask a new scale under a new key.
        """
        programme_id = path_id(programme_id, "programme_id")
        principal = authorize("questionnaire:write", programme_id=programme_id)
        store = get_store()
        with outcome_input():
            service.save_questionnaire(store, programme_id, args["questions"], args["version"], principal.user_id)
        return _questionnaire_body(service.questionnaire_view(store, programme_id))


# -- answering ------------------------------------------------------------------------------------


@blp.route("/assessors/<id:assessor_id>/questionnaires")
class MyQuestionnaires(MethodView):
    """An assessor's open questionnaires."""

    @blp.response(200, OpenQuestionnaireListSchema)
    def get(self, assessor_id: str) -> dict[str, Any]:
        """The questionnaires open to you today, with your answers so far (change them until the wave closes)."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("questionnaires:read", assessor_id=assessor_id)
        return {"items": [_open_body(o) for o in service.my_questionnaires(get_store(), assessor_id, today())]}


@blp.route("/assessors/<id:assessor_id>/questionnaires/<id:programme_id>/<wave>")
class MyAnswer(MethodView):
    """Your answers to one wave of a programme's questionnaire."""

    @blp.arguments(AnswerInSchema)
    @blp.response(200, AnswerSchema)
    def put(self, args: dict[str, Any], assessor_id: str, programme_id: str, wave: str) -> dict[str, Any]:
        """Answer (or change your answers) while the wave is open; every question, each within its range."""
        assessor_id, programme_id = path_id(assessor_id, "assessor_id"), path_id(programme_id, "programme_id")
        principal = authorize("questionnaires:answer", assessor_id=assessor_id)
        if principal.assessor_id != assessor_id:  # an admin may look, but a self-report is only ever given by the person
            raise ValidationError({"assessor_id": ["answers are given by the assessor themself"]})
        with outcome_input():
            record, replaced = service.answer(get_store(), assessor_id, programme_id, wave, args["version"], args["answers"], today())
        return {
            "programme_id": record.programme_id,
            "wave": record.wave,
            "assessor_id": record.assessor_id,
            "version": record.version,
            "answered_on": record.answered_on,
            "replaced": replaced,
            "answers": dict(record.values),
        }


# -- reports ---------------------------------------------------------------------------------------


@blp.route("/programmes/<id:programme_id>/outcomes")
class Outcomes(MethodView):
    """A programme's outcomes."""

    @blp.response(200, OutcomeReportSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """Per question and wave: people, mean, median, distribution; and the paired change from the start (aggregates only)."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("outcomes:read", programme_id=programme_id)
        store = get_store()
        programme = store.get_programme(programme_id)
        return report_body(service.report(store, programme_id, today()), programme.name)


_TEXT = {"type": "string"}


@blp.route("/programmes/<id:programme_id>/outcomes.csv")
class OutcomesCsv(MethodView):
    """A programme's outcomes as CSV."""

    @blp.doc(responses={"200": {"description": "The aggregates, one row per figure.", "content": {"text/csv": {"schema": _TEXT}}}})
    def get(self, programme_id: str) -> Response:
        """The report's aggregates as CSV (suppressed figures read "fewer than 5" or "withheld")."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("outcomes:read", programme_id=programme_id)
        store = get_store()
        store.get_programme(programme_id)
        return Response(
            service.report_csv(store, programme_id, today()),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="bridgework-outcomes-{programme_id}.csv"'},
        )

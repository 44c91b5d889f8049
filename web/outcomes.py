"""Follow-up outcome pages (issue 8): answering one's questionnaires, configuring a programme's, and the coordinator's report.

* ``/me/questionnaires`` — the assessor's open questionnaires, one short form each (radio groups
  for scales, a number for counts), made for a phone; they may change their answers until the
  wave closes.
* ``/programmes/<programme_id>/questionnaire`` — the coordinator's questions: reword, add or
  remove; a question with answers keeps its scale.
* ``/programmes/<programme_id>/outcomes`` — the aggregate report: small groups read "fewer than
  5", and a CSV download of the same figures.

Every view calls :func:`web.guard.page_authorize` first and uses :mod:`api.services.outcomes`
(the same service as the JSON API). Bad input re-renders with messages (422); nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.access import current_principal
from api.extensions import get_store
from api.services import outcomes as service
from graph.port import Conflict, NotFound
from network.domain import today
from network.outcomes import (
    COUNT_HIGHEST,
    MAX_QUESTIONS,
    QUESTION_KINDS,
    SCALE_HIGHEST,
    SCALE_LOWEST,
    WAVE_NAMES,
    WAVES,
    OutcomeInputError,
)
from web.guard import may, page_authorize

bp = Blueprint("outcomes_pages", __name__)

#: Blank question slots offered on the configuration page.
NEW_SLOTS = 1


def _programme_or_404(programme_id: str) -> Any:
    try:
        return get_store().get_programme(programme_id)
    except NotFound:
        abort(404)


# -- answering ------------------------------------------------------------------------------------


def _my_page(
    assessor_id: str | None, errors: Mapping[str, Mapping[str, list[str]]] | None = None, entered: Mapping[str, Any] | None = None
) -> str:
    items = service.my_questionnaires(get_store(), assessor_id, today()) if assessor_id else []
    return render_template(
        "outcomes/me.html",
        items=items,
        has_profile=assessor_id is not None,
        errors=errors or {},
        entered=entered or {},
    )


@bp.get("/me/questionnaires")
def my_questionnaires() -> str:
    """The questionnaires open to the signed-in assessor today."""
    me = current_principal()
    page_authorize("questionnaires:read", assessor_id=me.assessor_id if me else None)
    assert me is not None
    return _my_page(me.assessor_id)


def _form_value(raw: str | None) -> Any:
    """A submitted answer: a whole number, ``None`` when left empty, else the text (which the engine refuses)."""
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return raw


@bp.post("/me/questionnaires/<programme_id>/<wave>")
def answer(programme_id: str, wave: str) -> Response | tuple[str, int]:
    """Save (or change) the signed-in assessor's answers to one wave."""
    me = current_principal()
    page_authorize("questionnaires:answer", assessor_id=me.assessor_id if me else None)
    assert me is not None
    if me.assessor_id is None:
        abort(403)
    if wave not in WAVES:
        abort(404)
    store = get_store()
    form_id = f"{programme_id}/{wave}"
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = -1
    keys = [k.removeprefix("q-") for k in request.form if k.startswith("q-")]
    values = {key: _form_value(request.form.get(f"q-{key}")) for key in keys}
    try:
        questionnaire = service.current(store, programme_id)
        for q in questionnaire.questions:  # an unanswered radio group sends nothing at all
            values.setdefault(q.key, None)
        service.answer(store, me.assessor_id, programme_id, wave, version, values, today())
    except NotFound:
        abort(404)
    except Conflict as exc:
        flash(f"Your answers were not saved: {exc}. Please answer the questions below.", "error")
        return redirect(url_for(".my_questionnaires"))
    except OutcomeInputError as exc:
        entered = {form_id: {k: request.form.get(f"q-{k}", "") for k in values}}
        return _my_page(me.assessor_id, {form_id: exc.fields}, entered), 422
    flash(f"Thank you: your answers ({WAVE_NAMES.get(wave, wave)}) are saved. You can change them until the questionnaire closes.")
    return redirect(url_for(".my_questionnaires"))


# -- the coordinator's questions ---------------------------------------------------------------------


def _submitted_questions(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """The questions in the form, in page order (removed and empty slots left out)."""
    out: list[dict[str, Any]] = []
    for slot in range(MAX_QUESTIONS + NEW_SLOTS):
        prefix = f"questions-{slot}-"
        if f"{prefix}key" not in form:
            continue
        # A question is one line: line breaks typed into the box become spaces.
        key, text = form.get(f"{prefix}key", "").strip(), " ".join(form.get(f"{prefix}text", "").split())
        if form.get(f"{prefix}remove") or (not key and not text):
            continue
        kind = form.get(f"{prefix}kind", "scale")
        q: dict[str, Any] = {"key": key, "kind": kind, "text": text}
        for name in ("minimum", "maximum"):
            value = _form_value(form.get(f"{prefix}{name}"))
            if value is not None or name == "maximum":
                q[name] = value
        if kind == "count":
            q["minimum"] = 0
        else:
            q["min_label"], q["max_label"] = form.get(f"{prefix}min_label", "").strip(), form.get(f"{prefix}max_label", "").strip()
        out.append(q)
    return out


#: The coordinator page's words for each field of a question (for the list of problems).
FIELD_WORDS = {
    "text": "the question",
    "key": "short name",
    "kind": "kind of answer",
    "minimum": "lowest",
    "maximum": "highest",
    "min_label": "words for the lowest point",
    "max_label": "words for the highest point",
}


def _problem_links(errors: Mapping[str, list[str]]) -> list[tuple[str, str, str]]:
    """``(anchor, words, message)`` for each problem: "questions-3-maximum" reads "Question 4, highest"."""
    out = []
    for name, messages in errors.items():
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "questions" and parts[1].isascii() and parts[1].isdigit():
            words = f"Question {int(parts[1]) + 1}, {FIELD_WORDS.get(parts[2], parts[2])}"
        else:
            words = "The questions" if name == "questions" else name
        out.extend((name, words, m) for m in messages)
    return out


def _questionnaire_page(programme_id: str, errors: Mapping[str, list[str]] | None = None, rows: list[dict[str, Any]] | None = None) -> str:
    programme = _programme_or_404(programme_id)
    view = service.questionnaire_view(get_store(), programme_id)
    if rows is None:
        rows = [q.as_dict() for q in view.questionnaire.questions]
    slots = rows + [{"key": "", "kind": "scale", "text": "", "minimum": 1, "maximum": 5, "min_label": "", "max_label": ""}] * NEW_SLOTS
    return render_template(
        "outcomes/questionnaire.html",
        programme=programme,
        view=view,
        slots=slots[: MAX_QUESTIONS + NEW_SLOTS],
        errors=errors or {},
        problem_list=_problem_links(errors or {}),
        kinds=QUESTION_KINDS,
        limits={"scale_lowest": SCALE_LOWEST, "scale_highest": SCALE_HIGHEST, "count_highest": COUNT_HIGHEST},
        may_see_report=may("outcomes:read", programme_id=programme_id),
    )


@bp.get("/programmes/<programme_id>/questionnaire")
def questionnaire(programme_id: str) -> str:
    """The programme's follow-up questions, for its coordinator to change."""
    page_authorize("questionnaire:read", programme_id=programme_id)
    return _questionnaire_page(programme_id)


@bp.post("/programmes/<programme_id>/questionnaire")
def save_questionnaire(programme_id: str) -> Response | tuple[str, int]:
    """Save the coordinator's questions as a new version (earlier answers keep theirs)."""
    principal = page_authorize("questionnaire:write", programme_id=programme_id)
    _programme_or_404(programme_id)
    raw = _submitted_questions(request.form)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = -1
    try:
        service.save_questionnaire(get_store(), programme_id, raw, version, principal.user_id)
    except Conflict as exc:
        flash(f"Nothing was saved: {exc}.", "error")
        return redirect(url_for(".questionnaire", programme_id=programme_id))
    except OutcomeInputError as exc:
        # The page is shown again with the questions kept, in order, so "questions.N.field" is slot N.
        errors = {name.replace(".", "-"): messages for name, messages in exc.fields.items()}
        rows = [{"min_label": "", "max_label": "", "minimum": "", **q} for q in raw]
        return _questionnaire_page(programme_id, errors, rows), 422
    flash("The questions are saved. People answering from now on see them; earlier answers keep the questions they answered.")
    return redirect(url_for(".questionnaire", programme_id=programme_id))


# -- the report ---------------------------------------------------------------------------------------


@bp.get("/programmes/<programme_id>/outcomes")
def outcomes(programme_id: str) -> str:
    """The programme's outcomes: aggregates per question and wave, and the change from the start."""
    page_authorize("outcomes:read", programme_id=programme_id)
    programme = _programme_or_404(programme_id)
    report = service.report(get_store(), programme_id, today())
    return render_template(
        "outcomes/report.html",
        programme=programme,
        report=report,
        wave_names=WAVE_NAMES,
        waves=WAVES,
        may_configure=may("questionnaire:write", programme_id=programme_id),
    )

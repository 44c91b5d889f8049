"""Follow-up outcomes (issue 8): questionnaires per programme, answering them, the notices that they are due, and safe reports.

One copy of the workflow for the JSON API, the pages and the CLI. The rules themselves (waves,
validation, freezing answered questions, suppression of small groups) are in
:mod:`network.outcomes`; the store computes the aggregates (:meth:`outcome_histograms`). Saving a
questionnaire and answering one are use cases (:func:`api.services.usecase.use_case`): one unit of work each.

Input problems raise :class:`~network.outcomes.OutcomeInputError` (field -> messages, shown as
422); a questionnaire that changed meanwhile raises :class:`~graph.values.Conflict` (409); a
missing programme :class:`~graph.values.NotFound` (404). Nothing is written in those cases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from api.services import accounts, batch
from api.services.batch import Failure
from api.services.usecase import use_case
from graph.port import Conflict, GraphStore, Transient
from graph.port_outcomes import AnswerRecord, QuestionnaireRecord
from network import limits
from network import outcomes as engine
from network.domain import Programme
from network.events import QuestionnaireDue
from network.outcomes import (
    DEFAULT_QUESTIONS,
    WAVE_NAMES,
    WAVES,
    OutcomeInputError,
    OutcomeReport,
    Participation,
    Questionnaire,
    WaveWindow,
)

#: The page where people answer their questionnaires (the link of every notice).
ANSWER_PAGE = "/me/questionnaires"


def _questionnaire(record: QuestionnaireRecord) -> Questionnaire:
    return Questionnaire(
        record.programme_id, record.version, engine.questions_from_json(record.questions), record.created_at, record.created_by
    )


def versions(store: GraphStore, programme_id: str) -> list[Questionnaire]:
    """Every stored version of the programme's questionnaire, oldest first (empty: the defaults apply)."""
    return [_questionnaire(r) for r in store.questionnaire_versions(programme_id)]


def current(store: GraphStore, programme_id: str) -> Questionnaire:
    """The questionnaire people answer now: the latest stored version, or the defaults as version 0."""
    stored = versions(store, programme_id)
    return stored[-1] if stored else Questionnaire(programme_id, 0, DEFAULT_QUESTIONS)


@dataclass(frozen=True, slots=True)
class QuestionnaireView:
    """A programme's current questionnaire, and which of its questions already have answers (their scale is frozen)."""

    questionnaire: Questionnaire
    answered_keys: frozenset[str]


def questionnaire_view(store: GraphStore, programme_id: str) -> QuestionnaireView:
    """The current questionnaire with the keys that have answers."""
    q = current(store, programme_id)
    return QuestionnaireView(q, frozenset(key for _, key in store.answered_questions(programme_id)))


@use_case
def save_questionnaire(
    store: GraphStore, programme_id: str, raw_questions: Sequence[Mapping[str, Any]], expected_version: int, actor_id: str | None
) -> Questionnaire:
    """Store a new version of the programme's questions.

    :class:`OutcomeInputError` for invalid questions or a change of scale of an answered
    question; :class:`Conflict` if ``expected_version`` is not the current version (or answers
    arrived meanwhile).
    """
    store.get_programme(programme_id)  # NotFound first
    questions = engine.parse_questions(raw_questions)
    stored = versions(store, programme_id)
    latest = stored[-1].version if stored else 0
    if expected_version != latest:
        raise Conflict(f"the questionnaire is at version {latest}, not {expected_version}: reload it and make the change again")
    answered = store.answered_questions(programme_id)
    engine.check_frozen(questions, stored, answered)
    record = store.save_questionnaire(programme_id, engine.questions_json(questions), expected_version, answered, created_by=actor_id)
    return _questionnaire(record)


def _ensure_stored(store: GraphStore, programme_id: str) -> Questionnaire:
    """The current stored version; the defaults are stored as version 1 when nothing is (so answers can name it)."""
    stored = versions(store, programme_id)
    if stored:
        return stored[-1]
    try:
        return _questionnaire(store.save_questionnaire(programme_id, engine.questions_json(DEFAULT_QUESTIONS), 0, frozenset()))
    except Conflict as exc:  # someone stored a version meanwhile: the refusal ended the unit, so the use case runs again and reads it
        raise Transient(f"programme {programme_id}: a questionnaire version was stored meanwhile") from exc


# -- answering ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenQuestionnaire:
    """A wave the person may answer now: the programme, its window, the questions, and their earlier answer if any."""

    programme: Programme
    window: WaveWindow
    questionnaire: Questionnaire
    answer: AnswerRecord | None

    @property
    def wave_name(self) -> str:
        """The wave in words ("after 3 months")."""
        return WAVE_NAMES[self.window.wave]

    @property
    def answered(self) -> bool:
        """Whether the person has answered this wave (they may change it until it closes)."""
        return self.answer is not None

    def value(self, key: str) -> int | None:
        """The person's earlier answer to a question, if they gave one on the current version."""
        if self.answer is None or self.answer.version != self.questionnaire.version:
            return None
        return dict(self.answer.values).get(key)


def my_questionnaires(store: GraphStore, assessor_id: str, today: date) -> list[OpenQuestionnaire]:
    """The waves the assessor may answer (or change) today, in programme-id then wave order."""
    answers = {(a.programme_id, a.wave): a for a in store.outcome_answers_of(assessor_id)}
    out: list[OpenQuestionnaire] = []
    for part in store.outcome_participation_of(assessor_id):
        programme = store.get_programme(part.programme_id)
        windows = engine.open_waves(programme.status, programme.starts_on, part, today)
        if not windows:
            continue
        questionnaire = current(store, programme.id)
        out.extend(OpenQuestionnaire(programme, w, questionnaire, answers.get((programme.id, w.wave))) for w in windows)
    return out


def check_wave(wave: str) -> str:
    """``wave`` if it names a wave; else :class:`OutcomeInputError`."""
    if wave not in WAVES:
        raise OutcomeInputError({"wave": [f"must be one of {', '.join(WAVES)}"]})
    return wave


@use_case
def answer(
    store: GraphStore,
    assessor_id: str,
    programme_id: str,
    wave: str,
    version: int,
    values: Mapping[str, Any],
    today: date,
) -> tuple[AnswerRecord, bool]:
    """Record (or replace) the assessor's answers to one wave of a programme; True when it replaced earlier answers.

    :class:`OutcomeInputError` for an unknown wave, a wave not open to them today, or an answer
    missing or out of range; :class:`Conflict` when the questions changed since ``version``
    (0: the defaults); :class:`NotFound` for a missing programme.
    """
    check_wave(wave)
    programme = store.get_programme(programme_id)
    part = next((p for p in store.outcome_participation_of(assessor_id) if p.programme_id == programme_id), None)
    if part is None:
        raise OutcomeInputError({"programme_id": ["only members of the programme's sets answer its questionnaire"]})
    if not engine.asks(programme.status, programme.starts_on):
        raise OutcomeInputError({"wave": ["the programme has not started, so its questionnaire is not open"]})
    assert programme.starts_on is not None
    window = engine.wave_window(programme.starts_on, wave)
    if not window.is_open(today):
        raise OutcomeInputError({"wave": [f"this questionnaire is open from {limits.words(window.opens_on)} to {limits.words(window.closes_on)}"]})
    if not engine.eligible(part, window):
        raise OutcomeInputError({"wave": ["you were not in a set of this programme at this point"]})
    questionnaire = current(store, programme_id)
    # Version 0 names the default questions; they stay valid once stored as version 1 by a first answer.
    defaults_stored = questionnaire.version == 1 and questionnaire.questions == DEFAULT_QUESTIONS
    if version != questionnaire.version and not (version == 0 and defaults_stored):
        raise Conflict(f"the questions changed (now version {questionnaire.version}): answer the current questions")
    checked = engine.validate_answers(questionnaire.questions, values)  # before anything is written
    if questionnaire.version == 0:
        stored = _ensure_stored(store, programme_id)
        if stored.questions != DEFAULT_QUESTIONS:
            raise Conflict(f"the questions changed (now version {stored.version}): answer the current questions")
        questionnaire = stored
    record = AnswerRecord(programme_id, wave, assessor_id, questionnaire.version, today, tuple(sorted(checked.items())))
    return store.save_answer(record)


# -- notices -----------------------------------------------------------------------------------


def _programmes(store: GraphStore) -> Iterator[Programme]:
    after: str | None = None
    while True:
        page = store.list_programmes(limit=200, after=after)
        yield from page.items
        if page.next_after is None:
            return
        after = page.next_after


def due_event(programme: Programme, part: Participation, window: WaveWindow) -> QuestionnaireDue:
    """That a wave's questionnaire is waiting for the person (the dispatcher makes their notice; it closes on ``due_on``)."""
    return QuestionnaireDue(None, programme.id, part.assessor_id, window.wave, window.closes_on)


def questionnaires_due(store: GraphStore, today: date, *, failures: list[Failure] | None = None) -> list[QuestionnaireDue]:
    """One :class:`~network.events.QuestionnaireDue` per set member whose wave (start, 3 months, 6 months) is open today and unanswered.

    Its notice's key is ``questionnaire:<programme>:<wave>:<assessor>`` (:mod:`api.services.notices`), so
    the reminders run stores (and sends) each one once however often it runs. In (programme, wave,
    assessor) order. With ``failures``, a programme whose reminders cannot be worked out is logged,
    added to it and skipped (the other programmes' are still produced); without, its error is raised.
    """
    out: list[tuple[str, int, str, QuestionnaireDue]] = []
    for programme in _programmes(store):
        try:
            out += _programme_notices(store, programme, today)
        except Exception as exc:
            if failures is None:
                raise
            failures.append(batch.failure("programme", programme.id, exc, name=programme.name, doing="questionnaire reminders"))
    return [n for *_, n in sorted(out, key=lambda t: t[:3])]


def _programme_notices(store: GraphStore, programme: Programme, today: date) -> list[tuple[str, int, str, QuestionnaireDue]]:
    """The questionnaires due today in one programme, with their sort keys."""
    if not engine.asks(programme.status, programme.starts_on):
        return []
    assert programme.starts_on is not None
    if not any(w.is_open(today) for w in engine.wave_windows(programme.starts_on)):
        return []  # no wave open: no need to read who takes part
    return [
        (programme.id, WAVES.index(w.wave), part.assessor_id, due_event(programme, part, w))
        for part in store.outcome_participation(programme.id)
        for w in engine.due_waves(programme.status, programme.starts_on, part, today)
    ]


# -- reports -----------------------------------------------------------------------------------


@use_case
def release_waves(
    store: GraphStore, programme_id: str, waves: Sequence[str], today: date, *, actor_id: str | None = None
) -> dict[str, str]:
    """Release the figures of closed ``waves`` that have answers (each wave once: a release is kept and never replaced).

    Audited as ``outcomes:release`` naming the waves released. Returns every release of the programme.
    """
    hist = store.outcome_histograms(programme_id)
    done = []
    for wave in waves:
        part = engine.wave_release(hist, wave)
        if part.respondents.get(wave, 0):
            store.release_outcomes(programme_id, wave, engine.release_json(part), today)
            done.append(wave)
    if done:
        accounts.audit(store, "outcomes:release", "programme", programme_id, actor_id, {"waves": done})
    return store.outcome_releases(programme_id)


def report(store: GraphStore, programme_id: str, today: date) -> OutcomeReport:
    """The programme's outcome report: aggregates only, every figure from at least five people, each wave once it has closed.

    A wave's figures are released once, the first time a report is asked for after it closed
    (:func:`release_waves`), and every later report shows that release: a closed wave is never
    computed again on a different set of people (someone erased, for instance), and the start date
    that sets the waves cannot move once answers exist (:func:`api.services.sets.update_programme`),
    so comparing reports over time reveals no one's answers.
    """
    programme = store.get_programme(programme_id)
    closed = engine.closed_waves(programme.starts_on, today)
    released = store.outcome_releases(programme_id)
    if any(w not in released for w in closed):
        released = release_waves(store, programme_id, [w for w in closed if w not in released], today)
    hist = engine.merge_releases(engine.release_from_json(released[w]) for w in closed if w in released)
    if len(closed) < len(WAVES):  # a wave still open (or to come) shows how many answered so far, never figures
        live = store.outcome_histograms(programme_id).respondents
        hist = replace(hist, respondents={**hist.respondents, **{w: c for w, c in live.items() if w not in closed}})
    stored = versions(store, programme_id) or [Questionnaire(programme_id, 0, DEFAULT_QUESTIONS)]
    return engine.build_report(programme_id, stored, hist, starts_on=programme.starts_on, today=today)


def report_csv(store: GraphStore, programme_id: str, today: date) -> str:
    """The report as CSV (text cells guarded against spreadsheet formulas)."""
    return engine.report_csv(report(store, programme_id, today))

"""Area port of :class:`graph.port.GraphStore`.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.

Semantics every adapter keeps (``tests/graph/test_store_outcomes.py`` checks them on both):

* A programme's questionnaire is kept in **versions** 1, 2, ... (the questions as the JSON text
  of :func:`network.outcomes.questions_json`); a save names the version it replaces
  (``expected_version``, 0 for the first) and the ``(version, key)`` pairs that had answers when
  the caller checked the change, so a save racing a new version or a first answer is refused
  with :class:`~graph.values.Conflict` rather than silently changing what answers mean.
* An **answer** is one person's answers to one wave of one programme, on the latest version;
  answering the same wave again replaces it (one per person per wave). Saving an answer and
  saving a questionnaire are serialised per programme.
* Erasing an assessor erases their answers (cascade / ``DETACH DELETE``).
* Aggregates are computed in the store (:meth:`OutcomesPort.outcome_histograms`): counts per
  value, never individual rows.
* A wave's figures are **released** once (:meth:`OutcomesPort.release_outcomes`): the first
  release of a wave is kept and never replaced, so a report never recomputes a closed wave on a
  different set of people (an erasure, a late change) and comparing reports reveals nobody.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime

from network.outcomes import Histograms, Participation


@dataclass(frozen=True, slots=True)
class QuestionnaireRecord:
    """One stored version of a programme's questionnaire; ``questions`` is JSON text."""

    programme_id: str
    version: int
    questions: str
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One person's answers to one wave, given on questionnaire ``version``: ``values`` as sorted ``(key, value)`` pairs."""

    programme_id: str
    wave: str
    assessor_id: str
    version: int
    answered_on: date
    values: tuple[tuple[str, int], ...]


class OutcomesPort(ABC):
    """The outcomes area of the store."""

    @abstractmethod
    def questionnaire_versions(self, programme_id: str) -> list[QuestionnaireRecord]:
        """Every stored version of the programme's questionnaire, oldest first; :class:`NotFound` if the programme is missing."""

    @abstractmethod
    def answered_questions(self, programme_id: str) -> frozenset[tuple[int, str]]:
        """The ``(version, question key)`` pairs with at least one answer; :class:`NotFound` if the programme is missing."""

    @abstractmethod
    def save_questionnaire(
        self,
        programme_id: str,
        questions: str,
        expected_version: int,
        answered: frozenset[tuple[int, str]],
        created_by: str | None = None,
    ) -> QuestionnaireRecord:
        """Store ``questions`` as version ``expected_version + 1`` in one write transaction.

        :class:`Conflict` if the latest version is not ``expected_version`` or the answered
        ``(version, key)`` pairs are no longer ``answered``; :class:`NotFound` if the programme is missing.
        """

    @abstractmethod
    def save_answer(self, answer: AnswerRecord) -> tuple[AnswerRecord, bool]:
        """Store (or replace) the person's answer to the wave; True when it replaced one.

        :class:`Conflict` if ``answer.version`` is not the programme's latest questionnaire
        version; :class:`NotFound` if the programme or assessor is missing.
        """

    @abstractmethod
    def outcome_answers_of(self, assessor_id: str) -> list[AnswerRecord]:
        """The assessor's own answers in (programme, wave order) order."""

    @abstractmethod
    def outcome_participation(self, programme_id: str) -> list[Participation]:
        """Everyone who is or was a member of a set of the programme, in assessor-id order, with the waves they answered.

        ``joined`` is their first membership's start; ``left`` is ``None`` while any membership
        is current, else the last one's end. :class:`NotFound` if the programme is missing.
        """

    @abstractmethod
    def outcome_participation_of(self, assessor_id: str) -> list[Participation]:
        """The assessor's participation in each programme they are or were a set member of, in programme-id order."""

    @abstractmethod
    def outcome_histograms(self, programme_id: str) -> Histograms:
        """Answer counts per (wave, key, value), paired changes per (key, first, then, difference) for
        :data:`network.outcomes.CHANGES`, and respondents per wave, computed in the store.

        :class:`NotFound` if the programme is missing.
        """

    @abstractmethod
    def outcome_releases(self, programme_id: str) -> dict[str, str]:
        """The figures released for each wave of the programme: wave -> the JSON text given to :meth:`release_outcomes`.

        :class:`NotFound` if the programme is missing.
        """

    @abstractmethod
    def release_outcomes(self, programme_id: str, wave: str, figures: str, released_on: date) -> str:
        """Keep ``figures`` (JSON text) as the wave's released figures unless the wave was released before.

        Returns the figures kept: the first release of a wave wins and is never replaced (two
        processes releasing at once keep one). :class:`NotFound` if the programme is missing.
        """

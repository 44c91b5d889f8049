"""Neo4j implementation of the outcomes area port.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.
Its Cypher (and the stored shape) is in :mod:`graph.neo4j.queries_outcomes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import neo4j
from neo4j import ManagedTransaction

from graph.neo4j import queries_outcomes as q
from graph.neo4j.base import Neo4jBase
from graph.port_outcomes import AnswerRecord, QuestionnaireRecord
from graph.values import Conflict, NotFound
from network.outcomes import CHANGES, WAVES, Histograms, Participation


def _native(value: Any) -> Any:
    """A stored Neo4j ``date``/``datetime`` as its Python value (anything else unchanged)."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    return value


def _wave_order(wave: str) -> int:
    return WAVES.index(wave) if wave in WAVES else len(WAVES)


def _participation(r: Mapping[str, Any]) -> Participation:
    return Participation(
        programme_id=r["programme_id"],
        assessor_id=r["assessor_id"],
        joined=_native(r["joined"]),
        left=_native(r["left"]),
        answered=frozenset(r["answered"]),
    )


class Neo4jOutcomes(Neo4jBase):
    """The outcomes area on Neo4j."""

    @staticmethod
    def _outcomes_programme(tx: ManagedTransaction, programme_id: str, lock: bool = False) -> None:
        statement = q.LOCK_PROGRAMME if lock else q.PROGRAMME_EXISTS
        if tx.run(statement, programme_id=programme_id).single() is None:
            raise NotFound(f"no programme with id {programme_id!r}")

    @staticmethod
    def _outcomes_answered(tx: ManagedTransaction, programme_id: str) -> frozenset[tuple[int, str]]:
        return frozenset((r["version"], r["key"]) for r in tx.run(q.ANSWERED, programme_id=programme_id))

    def questionnaire_versions(self, programme_id: str) -> list[QuestionnaireRecord]:
        """Every stored version, oldest first."""

        def work(tx: ManagedTransaction) -> list[QuestionnaireRecord]:
            self._outcomes_programme(tx, programme_id)
            return [
                QuestionnaireRecord(r["programme_id"], r["version"], r["questions"], _native(r["created_at"]), r["created_by"])
                for r in tx.run(q.VERSIONS, programme_id=programme_id)
            ]

        return self._read(work)

    def answered_questions(self, programme_id: str) -> frozenset[tuple[int, str]]:
        """The (version, key) pairs with answers."""

        def work(tx: ManagedTransaction) -> frozenset[tuple[int, str]]:
            self._outcomes_programme(tx, programme_id)
            return self._outcomes_answered(tx, programme_id)

        return self._read(work)

    def save_questionnaire(
        self,
        programme_id: str,
        questions: str,
        expected_version: int,
        answered: frozenset[tuple[int, str]],
        created_by: str | None = None,
    ) -> QuestionnaireRecord:
        """Store the next version, if nothing changed since the caller checked."""
        created_at = datetime.now(UTC).replace(microsecond=0)

        def work(tx: ManagedTransaction) -> int:
            self._outcomes_programme(tx, programme_id, lock=True)
            latest = tx.run(q.LATEST_VERSION, programme_id=programme_id).single(strict=True)["version"]
            if latest != expected_version:
                raise Conflict(f"the questionnaire is at version {latest}, not {expected_version}: reload it and make the change again")
            if self._outcomes_answered(tx, programme_id) != frozenset(answered):
                raise Conflict("new answers arrived while you edited the questionnaire: reload it and check the change again")
            version = latest + 1
            tx.run(
                q.CREATE_QUESTIONNAIRE,
                programme_id=programme_id,
                key=f"{programme_id}:{version}",
                version=version,
                questions=questions,
                created_at=created_at,
                created_by=created_by,
            ).consume()
            return version

        version = self._write(work, conflict=f"the questionnaire of {programme_id!r} changed meanwhile: reload it")
        return QuestionnaireRecord(programme_id, version, questions, created_at, created_by)

    def save_answer(self, answer: AnswerRecord) -> tuple[AnswerRecord, bool]:
        """Store or replace one person's answer to a wave."""
        a = answer
        values = tuple(sorted(a.values))

        def work(tx: ManagedTransaction) -> bool:
            self._outcomes_programme(tx, a.programme_id, lock=True)
            if tx.run(q.ASSESSOR_EXISTS, assessor_id=a.assessor_id).single() is None:
                raise NotFound(f"no assessor with id {a.assessor_id!r}")
            latest = tx.run(q.LATEST_VERSION, programme_id=a.programme_id).single(strict=True)["version"]
            if a.version != latest:
                raise Conflict(f"the questionnaire changed (now version {latest}): answer the current questions")
            record = tx.run(
                q.SAVE_ANSWER,
                assessor_id=a.assessor_id,
                programme_id=a.programme_id,
                wave=a.wave,
                version=a.version,
                answered_on=a.answered_on,
                keys=[k for k, _ in values],
                values=[v for _, v in values],
            ).single(strict=True)
            return bool(record["replaced"])

        replaced = self._write(work)
        return AnswerRecord(a.programme_id, a.wave, a.assessor_id, a.version, a.answered_on, values), replaced

    def outcome_answers_of(self, assessor_id: str) -> list[AnswerRecord]:
        """The assessor's answers."""

        def work(tx: ManagedTransaction) -> list[AnswerRecord]:
            return [
                AnswerRecord(
                    r["programme_id"],
                    r["wave"],
                    assessor_id,
                    r["version"],
                    _native(r["answered_on"]),
                    tuple(sorted(zip(r["keys"], r["values"], strict=True))),
                )
                for r in tx.run(q.ANSWERS_OF, assessor_id=assessor_id)
            ]

        return sorted(self._read(work), key=lambda x: (x.programme_id, _wave_order(x.wave)))

    def outcome_participation(self, programme_id: str) -> list[Participation]:
        """Set members of the programme (ever), with the waves they answered."""

        def work(tx: ManagedTransaction) -> list[Participation]:
            self._outcomes_programme(tx, programme_id)
            return [_participation(r) for r in tx.run(q.PARTICIPATION, programme_id=programme_id)]

        return self._read(work)

    def outcome_participation_of(self, assessor_id: str) -> list[Participation]:
        """The assessor's programmes (as a set member), with the waves answered."""
        return self._read(lambda tx: [_participation(r) for r in tx.run(q.PARTICIPATION_OF, assessor_id=assessor_id)])

    def outcome_histograms(self, programme_id: str) -> Histograms:
        """Counts per value, paired changes and respondents, aggregated in Cypher."""

        def work(tx: ManagedTransaction) -> Histograms:
            self._outcomes_programme(tx, programme_id)
            values = {(r["wave"], r["key"], r["value"]): r["people"] for r in tx.run(q.VALUE_COUNTS, programme_id=programme_id)}
            changes = {
                (r["key"], r["earlier"], r["later"], r["difference"]): r["people"]
                for r in tx.run(q.CHANGE_COUNTS, programme_id=programme_id, pairs=[list(p) for p in CHANGES])
            }
            respondents = {r["wave"]: r["people"] for r in tx.run(q.RESPONDENTS, programme_id=programme_id)}
            return Histograms(values, changes, respondents)

        return self._read(work)

    def outcome_releases(self, programme_id: str) -> dict[str, str]:
        """The released figures of each wave."""

        def work(tx: ManagedTransaction) -> dict[str, str]:
            self._outcomes_programme(tx, programme_id)
            return {r["wave"]: r["figures"] for r in tx.run(q.RELEASES, programme_id=programme_id)}

        return self._read(work)

    def release_outcomes(self, programme_id: str, wave: str, figures: str, released_on: date) -> str:
        """Keep the wave's figures unless kept before (MERGE on the unique key); the kept ones."""

        def work(tx: ManagedTransaction) -> str:
            self._outcomes_programme(tx, programme_id, lock=True)
            record = tx.run(
                q.RELEASE, programme_id=programme_id, key=f"{programme_id}:{wave}", wave=wave, figures=figures, released_on=released_on
            ).single(strict=True)
            return str(record["figures"])

        return self._write(work)

"""Embedded (SQLite) implementation of the outcomes area port.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.

Tables: ``outcome_questionnaires`` (one row per version, the questions as JSON),
``outcome_answers`` (one row per programme, wave and person) and ``outcome_values`` (one row
per answered question, so aggregates are ``GROUP BY`` queries). Answers go with their assessor
and programme (``ON DELETE CASCADE``). Every writer takes SQLite's write lock first
(``BEGIN IMMEDIATE``), so saving a questionnaire and saving an answer are serialised.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from graph.embedded.base import EmbeddedBase
from graph.port_outcomes import AnswerRecord, QuestionnaireRecord
from graph.values import Conflict, NotFound
from network.outcomes import CHANGES, WAVES, Histograms, Participation

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS outcome_questionnaires (
        programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        questions TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT,
        PRIMARY KEY (programme_id, version)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS outcome_answers (
        programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
        wave TEXT NOT NULL,
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        answered_on TEXT NOT NULL,
        PRIMARY KEY (programme_id, wave, assessor_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS outcome_answers_by_assessor ON outcome_answers (assessor_id, programme_id)",
    """CREATE TABLE IF NOT EXISTS outcome_values (
        programme_id TEXT NOT NULL,
        wave TEXT NOT NULL,
        assessor_id TEXT NOT NULL,
        question_key TEXT NOT NULL,
        value INTEGER NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (programme_id, wave, assessor_id, question_key),
        FOREIGN KEY (programme_id, wave, assessor_id) REFERENCES outcome_answers (programme_id, wave, assessor_id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    # Covering index for the per-value counts: GROUP BY (wave, key, value) streams through it without sorting.
    "CREATE INDEX IF NOT EXISTS outcome_values_by_value ON outcome_values (programme_id, wave, question_key, value)",
    # Covering index for the paired changes: each person's answers to one question, wave by wave.
    "CREATE INDEX IF NOT EXISTS outcome_values_by_person ON outcome_values (programme_id, assessor_id, question_key, wave, value)",
    # A wave's released figures (JSON), kept once and never replaced.
    """CREATE TABLE IF NOT EXISTS outcome_releases (
        programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
        wave TEXT NOT NULL,
        figures TEXT NOT NULL,
        released_on TEXT NOT NULL,
        PRIMARY KEY (programme_id, wave)
    ) WITHOUT ROWID""",
)

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = (
    "DELETE FROM outcome_releases",
    "DELETE FROM outcome_values",
    "DELETE FROM outcome_answers",
    "DELETE FROM outcome_questionnaires",
)

_PROGRAMME_EXISTS = "SELECT 1 FROM programmes WHERE id = ?"
_ASSESSOR_EXISTS = "SELECT 1 FROM assessors WHERE id = ?"
_VERSIONS = (
    "SELECT programme_id, version, questions, created_at, created_by FROM outcome_questionnaires WHERE programme_id = ? ORDER BY version"
)
_LATEST_VERSION = "SELECT coalesce(max(version), 0) FROM outcome_questionnaires WHERE programme_id = ?"
_ANSWERED = "SELECT DISTINCT version, question_key FROM outcome_values WHERE programme_id = ?"
_INSERT_QUESTIONNAIRE = (
    "INSERT INTO outcome_questionnaires (programme_id, version, questions, created_at, created_by) VALUES (?, ?, ?, ?, ?)"
)
_ANSWER_EXISTS = "SELECT 1 FROM outcome_answers WHERE programme_id = ? AND wave = ? AND assessor_id = ?"
# Deleting the answer row takes its values with it (foreign key cascade).
_DELETE_ANSWER = "DELETE FROM outcome_answers WHERE programme_id = ? AND wave = ? AND assessor_id = ?"
_INSERT_ANSWER = "INSERT INTO outcome_answers (programme_id, wave, assessor_id, version, answered_on) VALUES (?, ?, ?, ?, ?)"
_INSERT_VALUE = "INSERT INTO outcome_values (programme_id, wave, assessor_id, question_key, value, version) VALUES (?, ?, ?, ?, ?, ?)"
_ANSWERS_OF = """
SELECT a.programme_id, a.wave, a.assessor_id, a.version, a.answered_on, v.question_key, v.value
FROM outcome_answers a JOIN outcome_values v
  ON v.programme_id = a.programme_id AND v.wave = a.wave AND v.assessor_id = a.assessor_id
WHERE a.assessor_id = ? ORDER BY a.programme_id, a.wave, v.question_key
"""
# First membership's start; the last one's end, or NULL while any membership is current.
_PARTICIPATION = """
SELECT m.assessor_id, s.programme_id, min(m.joined), CASE WHEN count(m.left) < count(*) THEN NULL ELSE max(m.left) END
FROM sets s JOIN memberships m ON m.set_id = s.id
WHERE s.programme_id = ? GROUP BY m.assessor_id ORDER BY m.assessor_id
"""
_ANSWERED_WAVES = "SELECT assessor_id, wave FROM outcome_answers WHERE programme_id = ?"
_PARTICIPATION_OF = """
SELECT m.assessor_id, s.programme_id, min(m.joined), CASE WHEN count(m.left) < count(*) THEN NULL ELSE max(m.left) END
FROM memberships m JOIN sets s ON s.id = m.set_id
WHERE m.assessor_id = ? AND s.programme_id IS NOT NULL GROUP BY s.programme_id ORDER BY s.programme_id
"""
_ANSWERED_WAVES_OF = "SELECT programme_id, wave FROM outcome_answers WHERE assessor_id = ?"
_VALUE_COUNTS = """
SELECT wave, question_key, value, count(*) FROM outcome_values WHERE programme_id = ?
GROUP BY wave, question_key, value
"""
# Paired changes from the baseline wave (?2) to each follow-up (?3, ?4): one row per person and question with
# their three answers side by side (streamed through outcome_values_by_person), then counted per difference.
_CHANGE_COUNTS = """
WITH per AS (
  SELECT question_key AS k,
         max(CASE WHEN wave = ?2 THEN value END) AS base,
         max(CASE WHEN wave = ?3 THEN value END) AS one,
         max(CASE WHEN wave = ?4 THEN value END) AS two
  FROM outcome_values WHERE programme_id = ?1 GROUP BY assessor_id, question_key
)
SELECT k, ?2, ?3, one - base, count(*) FROM per WHERE base IS NOT NULL AND one IS NOT NULL GROUP BY k, one - base
UNION ALL
SELECT k, ?2, ?4, two - base, count(*) FROM per WHERE base IS NOT NULL AND two IS NOT NULL GROUP BY k, two - base
"""
_RESPONDENTS = "SELECT wave, count(*) FROM outcome_answers WHERE programme_id = ? GROUP BY wave"
_RELEASES = "SELECT wave, figures FROM outcome_releases WHERE programme_id = ?"
_RELEASE = "INSERT OR IGNORE INTO outcome_releases (programme_id, wave, figures, released_on) VALUES (?, ?, ?, ?)"
_RELEASED = "SELECT figures FROM outcome_releases WHERE programme_id = ? AND wave = ?"


# The query above compares each follow-up with one baseline: the shape of network.outcomes.CHANGES.
assert len(CHANGES) == 2 and CHANGES[0][0] == CHANGES[1][0], "the paired-change query expects two follow-ups of one baseline"
_CHANGE_WAVES = (CHANGES[0][0], CHANGES[0][1], CHANGES[1][1])


def _datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _wave_order(wave: str) -> int:
    return WAVES.index(wave) if wave in WAVES else len(WAVES)


class EmbeddedOutcomes(EmbeddedBase):
    """The outcomes area on SQLite."""

    @staticmethod
    def _outcomes_programme(conn: sqlite3.Connection, programme_id: str) -> None:
        if conn.execute(_PROGRAMME_EXISTS, (programme_id,)).fetchone() is None:
            raise NotFound(f"no programme with id {programme_id!r}")

    def questionnaire_versions(self, programme_id: str) -> list[QuestionnaireRecord]:
        """Every stored version, oldest first."""
        with self._transaction(write=False) as conn:
            self._outcomes_programme(conn, programme_id)
            rows = conn.execute(_VERSIONS, (programme_id,)).fetchall()
        return [QuestionnaireRecord(r[0], r[1], r[2], _datetime(r[3]), r[4]) for r in rows]

    def answered_questions(self, programme_id: str) -> frozenset[tuple[int, str]]:
        """The (version, key) pairs with answers."""
        with self._transaction(write=False) as conn:
            self._outcomes_programme(conn, programme_id)
            return frozenset((r[0], r[1]) for r in conn.execute(_ANSWERED, (programme_id,)))

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
        with self._transaction(write=True) as conn:
            self._outcomes_programme(conn, programme_id)
            latest = conn.execute(_LATEST_VERSION, (programme_id,)).fetchone()[0]
            if latest != expected_version:
                raise Conflict(f"the questionnaire is at version {latest}, not {expected_version}: reload it and make the change again")
            now_answered = frozenset((r[0], r[1]) for r in conn.execute(_ANSWERED, (programme_id,)))
            if now_answered != frozenset(answered):
                raise Conflict("new answers arrived while you edited the questionnaire: reload it and check the change again")
            conn.execute(_INSERT_QUESTIONNAIRE, (programme_id, latest + 1, questions, created_at.isoformat(), created_by))
        return QuestionnaireRecord(programme_id, latest + 1, questions, created_at, created_by)

    def save_answer(self, answer: AnswerRecord) -> tuple[AnswerRecord, bool]:
        """Store or replace one person's answer to a wave."""
        a = answer
        with self._transaction(write=True) as conn:
            self._outcomes_programme(conn, a.programme_id)
            if conn.execute(_ASSESSOR_EXISTS, (a.assessor_id,)).fetchone() is None:
                raise NotFound(f"no assessor with id {a.assessor_id!r}")
            latest = conn.execute(_LATEST_VERSION, (a.programme_id,)).fetchone()[0]
            if a.version != latest:
                raise Conflict(f"the questionnaire changed (now version {latest}): answer the current questions")
            key = (a.programme_id, a.wave, a.assessor_id)
            replaced = conn.execute(_ANSWER_EXISTS, key).fetchone() is not None
            conn.execute(_DELETE_ANSWER, key)
            conn.execute(_INSERT_ANSWER, (*key, a.version, a.answered_on.isoformat()))
            conn.executemany(_INSERT_VALUE, [(*key, k, v, a.version) for k, v in sorted(a.values)])
        return AnswerRecord(a.programme_id, a.wave, a.assessor_id, a.version, a.answered_on, tuple(sorted(a.values))), replaced

    def outcome_answers_of(self, assessor_id: str) -> list[AnswerRecord]:
        """The assessor's answers."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(_ANSWERS_OF, (assessor_id,)).fetchall()
        grouped: dict[tuple[str, str], list[tuple]] = {}
        for r in rows:
            grouped.setdefault((r[0], r[1]), []).append(r)
        out = [
            AnswerRecord(p, w, rs[0][2], rs[0][3], date.fromisoformat(rs[0][4]), tuple((r[5], r[6]) for r in rs))
            for (p, w), rs in grouped.items()
        ]
        return sorted(out, key=lambda x: (x.programme_id, _wave_order(x.wave)))

    @staticmethod
    def _participations(rows: list[tuple], answered: list[tuple], by_programme: bool) -> list[Participation]:
        waves: dict[str, set[str]] = {}
        for owner, wave in answered:
            waves.setdefault(owner, set()).add(wave)
        return [
            Participation(
                programme_id=r[1],
                assessor_id=r[0],
                joined=date.fromisoformat(r[2]),
                left=_date(r[3]),
                answered=frozenset(waves.get(r[1] if by_programme else r[0], ())),
            )
            for r in rows
        ]

    def outcome_participation(self, programme_id: str) -> list[Participation]:
        """Set members of the programme (ever), with the waves they answered."""
        with self._transaction(write=False) as conn:
            self._outcomes_programme(conn, programme_id)
            rows = conn.execute(_PARTICIPATION, (programme_id,)).fetchall()
            answered = conn.execute(_ANSWERED_WAVES, (programme_id,)).fetchall()
        return self._participations(rows, answered, by_programme=False)

    def outcome_participation_of(self, assessor_id: str) -> list[Participation]:
        """The assessor's programmes (as a set member), with the waves answered."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(_PARTICIPATION_OF, (assessor_id,)).fetchall()
            answered = conn.execute(_ANSWERED_WAVES_OF, (assessor_id,)).fetchall()
        return self._participations(rows, answered, by_programme=True)

    def outcome_histograms(self, programme_id: str) -> Histograms:
        """Counts per value, paired changes and respondents, by GROUP BY."""
        with self._transaction(write=False) as conn:
            self._outcomes_programme(conn, programme_id)
            values = {(r[0], r[1], r[2]): r[3] for r in conn.execute(_VALUE_COUNTS, (programme_id,))}
            changes = {(r[0], r[1], r[2], r[3]): r[4] for r in conn.execute(_CHANGE_COUNTS, (programme_id, *_CHANGE_WAVES))}
            respondents = {r[0]: r[1] for r in conn.execute(_RESPONDENTS, (programme_id,))}
        return Histograms(values, changes, respondents)

    def outcome_releases(self, programme_id: str) -> dict[str, str]:
        """The released figures of each wave."""
        with self._transaction(write=False) as conn:
            self._outcomes_programme(conn, programme_id)
            return {r[0]: r[1] for r in conn.execute(_RELEASES, (programme_id,))}

    def release_outcomes(self, programme_id: str, wave: str, figures: str, released_on: date) -> str:
        """Keep the wave's figures unless kept before; the kept ones."""
        with self._transaction(write=True) as conn:
            self._outcomes_programme(conn, programme_id)
            conn.execute(_RELEASE, (programme_id, wave, figures, released_on.isoformat()))
            return str(conn.execute(_RELEASED, (programme_id, wave)).fetchone()[0])

"""Embedded (SQLite) implementation of the sets area port: programmes, enrolment, sets, memberships and proposals.

Tables (see "Sets schema" in the shared notes; other areas read them): ``programmes``,
``enrolments``, ``sets``, ``set_themes``, ``memberships`` (``left`` empty while current) and
``proposals`` (the coordinator's working proposals as JSON). Writers take SQLite's single
write lock (``BEGIN IMMEDIATE``) before reading what they re-check, so two commits of
overlapping proposals run one after the other and the second sees the first's memberships.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from graph import sets_common as common
from graph.embedded.base import EmbeddedBase
from graph.embedded.common import (
    DESCRIBE_MEMBERS,
    PROGRAMME_FIELDS,
    THEMES_OF,
    iso,
    json_ids,
    need_assessor,
    need_programme,
    need_set,
    parse_day,
    set_records,
    themes_by_assessor,
    to_membership,
    to_pool_member,
    to_programme,
)
from graph.fields import apply_changes
from graph.port_sets import (
    CANDIDATE_SOURCES,
    CANDIDATES_MAX,
    CandidateFilter,
    MEMBERSHIP_ROLES,
    Enrolment,
    Membership,
    NewSet,
    Pool,
    PoolMember,
    PoolTie,
    ProposalRecord,
    ProposalVersion,
    SetRecord,
)
from graph.values import Conflict, Invalid, NotFound, Page, clamp_limit
from network import availability
from network.domain import ActionLearningSet, Programme

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    # settings: JSON object of the optional settings (the soft-goal weights).
    """CREATE TABLE IF NOT EXISTS programmes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        region TEXT,
        status TEXT NOT NULL,
        set_size_min INTEGER NOT NULL,
        set_size_max INTEGER NOT NULL,
        set_size_target INTEGER NOT NULL,
        cadence TEXT NOT NULL,
        meetings INTEGER NOT NULL,
        max_per_organisation INTEGER NOT NULL,
        require_common_slot INTEGER NOT NULL,
        starts_on TEXT,
        settings TEXT NOT NULL DEFAULT '{}'
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS enrolments (
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
        enrolled_on TEXT,
        PRIMARY KEY (assessor_id, programme_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS enrolments_by_programme ON enrolments (programme_id, assessor_id)",
    """CREATE TABLE IF NOT EXISTS sets (
        id TEXT PRIMARY KEY,
        programme_id TEXT REFERENCES programmes (id) ON DELETE RESTRICT,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        meeting_slot TEXT,
        cadence TEXT NOT NULL,
        starts_on TEXT
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS sets_by_programme ON sets (programme_id, id)",
    """CREATE TABLE IF NOT EXISTS set_themes (
        set_id TEXT NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        theme_id TEXT NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
        PRIMARY KEY (set_id, theme_id)
    ) WITHOUT ROWID""",
    # An erased assessor takes their memberships with them, as DETACH DELETE does in Neo4j.
    """CREATE TABLE IF NOT EXISTS memberships (
        set_id TEXT NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        role TEXT NOT NULL DEFAULT 'member',
        joined TEXT NOT NULL,
        left TEXT,
        PRIMARY KEY (set_id, assessor_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS memberships_by_assessor ON memberships (assessor_id, set_id)",
    """CREATE TABLE IF NOT EXISTS proposals (
        id TEXT PRIMARY KEY,
        programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
        payload TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_by TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        committed_set_ids TEXT NOT NULL DEFAULT '[]'
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS proposals_by_programme ON proposals (programme_id, created_at)",
    """CREATE TABLE IF NOT EXISTS proposal_versions (
        proposal_id TEXT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        label TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        made_by TEXT,
        made_at TEXT NOT NULL,
        PRIMARY KEY (proposal_id, version)
    ) WITHOUT ROWID""",
)

#: Statements that empty this area's tables, run by ``_wipe`` before the core tables are emptied.
WIPE: tuple[str, ...] = (
    "DELETE FROM proposal_versions",
    "DELETE FROM proposals",
    "DELETE FROM memberships",
    "DELETE FROM set_themes",
    "DELETE FROM sets",
    "DELETE FROM enrolments",
    "DELETE FROM programmes",
)

# -- programmes ---------------------------------------------------------------------

_INSERT_PROGRAMME = (
    "INSERT INTO programmes (id, name, region, status, set_size_min, set_size_max, set_size_target, cadence, meetings, "
    "max_per_organisation, require_common_slot, starts_on, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_PROGRAMME = (
    "UPDATE programmes SET name = ?2, region = ?3, status = ?4, set_size_min = ?5, set_size_max = ?6, set_size_target = ?7, "
    "cadence = ?8, meetings = ?9, max_per_organisation = ?10, require_common_slot = ?11, starts_on = ?12, settings = ?13 WHERE id = ?1"
)
#: A field-level update writes one literal statement per changed column (weights, region mode and join policy share ``settings``).
_SET_PROGRAMME_COLUMN: dict[str, str] = {
    "name": "UPDATE programmes SET name = ?2 WHERE id = ?1",
    "region": "UPDATE programmes SET region = ?2 WHERE id = ?1",
    "status": "UPDATE programmes SET status = ?2 WHERE id = ?1",
    "set_size_min": "UPDATE programmes SET set_size_min = ?2 WHERE id = ?1",
    "set_size_max": "UPDATE programmes SET set_size_max = ?2 WHERE id = ?1",
    "set_size_target": "UPDATE programmes SET set_size_target = ?2 WHERE id = ?1",
    "cadence": "UPDATE programmes SET cadence = ?2 WHERE id = ?1",
    "meetings": "UPDATE programmes SET meetings = ?2 WHERE id = ?1",
    "max_per_organisation": "UPDATE programmes SET max_per_organisation = ?2 WHERE id = ?1",
    "require_common_slot": "UPDATE programmes SET require_common_slot = ?2 WHERE id = ?1",
    "starts_on": "UPDATE programmes SET starts_on = ?2 WHERE id = ?1",
    "settings": "UPDATE programmes SET settings = ?2 WHERE id = ?1",
}
_PAGE_PROGRAMMES = (
    "SELECT id, name, region, status, set_size_min, set_size_max, set_size_target, cadence, meetings, "
    "max_per_organisation, require_common_slot, starts_on, settings FROM programmes WHERE id > ? ORDER BY id LIMIT ?"
)

# -- enrolment ------------------------------------------------------------------------

_INSERT_ENROLMENT = "INSERT INTO enrolments (assessor_id, programme_id, enrolled_on) VALUES (?, ?, ?)"
_DELETE_ENROLMENT = "DELETE FROM enrolments WHERE assessor_id = ? AND programme_id = ?"
_ENROLMENTS = "SELECT assessor_id, programme_id, enrolled_on FROM enrolments WHERE programme_id = ? ORDER BY assessor_id"
_ENROLMENTS_OF = "SELECT assessor_id, programme_id, enrolled_on FROM enrolments WHERE assessor_id = ? ORDER BY programme_id"

_POOL_MEMBERS = """
SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, a.availability,
       a.availability_mask, a.bio, a.paused_until, w.organisation_id, o.kind, e.enrolled_on,
       (SELECT count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed')
FROM enrolments e JOIN assessors a ON a.id = e.assessor_id
LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id
WHERE e.programme_id = ? ORDER BY a.id
"""
_POOL_THEMES = """
SELECT l.assessor_id, l.theme_id, l.level FROM enrolments e JOIN works_on l ON l.assessor_id = e.assessor_id
WHERE e.programme_id = ? ORDER BY l.assessor_id, l.theme_id
"""
# Accepted contacts, then set-mates: current in an active set with both still members, former when
# either left or the set closed (two members of a set still forming are not tied yet).
_POOL_TIES = """
SELECT min(c.from_id, c.to_id), max(c.from_id, c.to_id), 'contact' FROM contacts c
JOIN enrolments e1 ON e1.assessor_id = c.from_id AND e1.programme_id = ?1
JOIN enrolments e2 ON e2.assessor_id = c.to_id AND e2.programme_id = ?1
WHERE c.status = 'accepted'
UNION
SELECT m1.assessor_id, m2.assessor_id,
       CASE WHEN s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL THEN 'set_mate' ELSE 'former_set_mate' END
FROM enrolments e1 JOIN memberships m1 ON m1.assessor_id = e1.assessor_id
JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id > m1.assessor_id
JOIN enrolments e2 ON e2.assessor_id = m2.assessor_id AND e2.programme_id = ?1
JOIN sets s ON s.id = m1.set_id
WHERE e1.programme_id = ?1 AND (s.status <> 'forming' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
ORDER BY 1, 2, 3
"""

# As _POOL_TIES, among a given list of assessors (?1, a JSON list) instead of a programme's pool.
_TIES_AMONG = """
WITH chosen (id) AS (SELECT value FROM json_each(?1))
SELECT min(c.from_id, c.to_id), max(c.from_id, c.to_id), 'contact' FROM contacts c
WHERE c.status = 'accepted' AND c.from_id IN chosen AND c.to_id IN chosen
UNION
SELECT m1.assessor_id, m2.assessor_id,
       CASE WHEN s.status = 'active' AND m1.left IS NULL AND m2.left IS NULL THEN 'set_mate' ELSE 'former_set_mate' END
FROM memberships m1
JOIN memberships m2 ON m2.set_id = m1.set_id AND m2.assessor_id > m1.assessor_id
JOIN sets s ON s.id = m1.set_id
WHERE m1.assessor_id IN chosen AND m2.assessor_id IN chosen
  AND (s.status <> 'forming' OR m1.left IS NOT NULL OR m2.left IS NOT NULL)
ORDER BY 1, 2, 3
"""

# -- sets and memberships --------------------------------------------------------------

_INSERT_SET = "INSERT INTO sets (id, programme_id, name, status, meeting_slot, cadence, starts_on) VALUES (?, ?, ?, ?, ?, ?, ?)"
_INSERT_SET_THEME = "INSERT INTO set_themes (set_id, theme_id) VALUES (?, ?)"
_INSERT_MEMBERSHIP = "INSERT INTO memberships (set_id, assessor_id, role, joined, left) VALUES (?, ?, ?, ?, NULL)"
_SET_EXISTS = "SELECT 1 FROM sets WHERE id IN (SELECT value FROM json_each(?))"
_SET_IDS_OF_PROGRAMME = "SELECT id FROM sets WHERE programme_id = ? ORDER BY id"
_SET_IDS_OF_ASSESSOR = """
SELECT m.set_id FROM memberships m JOIN sets s ON s.id = m.set_id
WHERE m.assessor_id = ?1 AND (?2 = 0 OR (m.left IS NULL AND s.status <> 'closed')) ORDER BY m.set_id
"""
_MEMBERS_OF = """
SELECT set_id, assessor_id, joined, left, role FROM memberships
WHERE set_id = ?1 AND (?2 = 0 OR left IS NULL) ORDER BY joined, assessor_id
"""
_GET_MEMBERSHIP = "SELECT set_id, assessor_id, joined, left, role FROM memberships WHERE set_id = ? AND assessor_id = ?"
_END_MEMBERSHIP = "UPDATE memberships SET left = ?3 WHERE set_id = ?1 AND assessor_id = ?2"
_SET_STATUS = "UPDATE sets SET status = ?2 WHERE id = ?1"
# A membership never ends before it began: a set closed on the day someone joined ends it that day.
_END_CURRENT_MEMBERSHIPS = "UPDATE memberships SET left = max(joined, ?2) WHERE set_id = ?1 AND left IS NULL"
_THEMES_EXISTING = "SELECT id FROM themes WHERE id IN (SELECT value FROM json_each(?))"
_ACTIVE_SET_COUNTS = """
SELECT m.assessor_id, count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
WHERE m.assessor_id IN (SELECT value FROM json_each(?)) AND m.left IS NULL AND s.status <> 'closed'
GROUP BY m.assessor_id
"""
# What commit_sets re-checks for each member, read after the write lock is held:
# id, active, capacity, active set count, still enrolled, a current set of this programme.
_COMMIT_CHECK = """
SELECT a.id, a.active, a.capacity,
       (SELECT count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed'),
       EXISTS (SELECT 1 FROM enrolments e WHERE e.assessor_id = a.id AND e.programme_id = ?2),
       (SELECT min(s.id) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed' AND s.programme_id = ?2)
FROM assessors a WHERE a.id IN (SELECT value FROM json_each(?1))
"""
# What add_member re-checks, in one row (see sets_common.add_member_problem for the order of the rules).
_ADD_MEMBER_CHECK = """
SELECT s.status, s.programme_id, s.meeting_slot, a.active, a.capacity, a.availability_mask,
       (SELECT count(*) FROM memberships m JOIN sets x ON x.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND x.status <> 'closed'),
       (SELECT min(x.id) FROM memberships m JOIN sets x ON x.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND x.status <> 'closed' AND x.programme_id = s.programme_id),
       (SELECT joined FROM memberships m WHERE m.set_id = s.id AND m.assessor_id = a.id),
       w.organisation_id,
       (SELECT count(*) FROM memberships m JOIN works_for w2 ON w2.assessor_id = m.assessor_id
        WHERE m.set_id = s.id AND m.left IS NULL AND w2.organisation_id = w.organisation_id),
       (SELECT count(*) FROM memberships m WHERE m.set_id = s.id AND m.left IS NULL),
       p.max_per_organisation, p.set_size_max
FROM sets s JOIN assessors a ON a.id = ?2 LEFT JOIN works_for w ON w.assessor_id = a.id
LEFT JOIN programmes p ON p.id = s.programme_id WHERE s.id = ?1
"""
# Who could fill a vacancy: the rules of add_member as filters, most shared focus themes first; one literal
# variant per source. ?1 set, ?2 programme, ?3 slot mask (0: no slot), ?4 per-organisation limit, ?5 limit.
# Cheap column tests come first so the correlated counts run only for people still in the running.
_VACANCY_FROM_POOL = """
SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, a.availability,
       a.availability_mask, a.bio, a.paused_until, w.organisation_id, o.kind, e.enrolled_on,
       (SELECT count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed') AS n,
       (SELECT count(*) FROM works_on l JOIN set_themes st ON st.theme_id = l.theme_id
        WHERE st.set_id = ?1 AND l.assessor_id = a.id) AS shared
FROM enrolments e JOIN assessors a ON a.id = e.assessor_id
LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id
WHERE e.programme_id = ?2 AND a.active = 1
  AND (?3 = 0 OR (a.availability_mask & ?3) <> 0)
  AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.set_id = ?1 AND m.assessor_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM memberships m JOIN sets s ON s.id = m.set_id
                  WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed' AND s.programme_id = ?2)
  AND (w.organisation_id IS NULL
       OR (SELECT count(*) FROM memberships m JOIN works_for w2 ON w2.assessor_id = m.assessor_id
           WHERE m.set_id = ?1 AND m.left IS NULL AND w2.organisation_id = w.organisation_id) < ?4)
  AND n < a.capacity
ORDER BY shared DESC, a.id LIMIT ?5
"""
_VACANCY_FROM_NETWORK = """
SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, a.availability,
       a.availability_mask, a.bio, a.paused_until, w.organisation_id, o.kind, NULL,
       (SELECT count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed') AS n,
       (SELECT count(*) FROM works_on l JOIN set_themes st ON st.theme_id = l.theme_id
        WHERE st.set_id = ?1 AND l.assessor_id = a.id) AS shared
FROM assessors a
LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id
WHERE a.active = 1 AND a.discoverable = 1 AND (a.paused = 0 OR a.paused_until < bw_today())
  AND (?3 = 0 OR (a.availability_mask & ?3) <> 0)
  AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.assessor_id = a.id AND e.programme_id = ?2)
  AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.set_id = ?1 AND m.assessor_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM memberships m JOIN sets s ON s.id = m.set_id
                  WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed' AND s.programme_id = ?2)
  AND (w.organisation_id IS NULL
       OR (SELECT count(*) FROM memberships m JOIN works_for w2 ON w2.assessor_id = m.assessor_id
           WHERE m.set_id = ?1 AND m.left IS NULL AND w2.organisation_id = w.organisation_id) < ?4)
  AND n < a.capacity
ORDER BY shared DESC, a.id LIMIT ?5
"""
#: The vacancy query of each candidate source (the only sources a caller may name).
_VACANCY_CANDIDATES: dict[str, str] = {"pool": _VACANCY_FROM_POOL, "network": _VACANCY_FROM_NETWORK}
_ENROLMENT_CANDIDATES = """
SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, a.availability,
       a.availability_mask, a.bio, a.paused_until, w.organisation_id, o.kind, NULL,
       (SELECT count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed') AS n
FROM assessors a
LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id
WHERE a.active = 1 AND a.discoverable = 1 AND (a.paused = 0 OR a.paused_until < bw_today())
  AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.assessor_id = a.id AND e.programme_id = ?1)
  AND (?2 IS NULL OR w.organisation_id IN (SELECT value FROM json_each(?2)))
  AND (?3 IS NULL OR o.kind IN (SELECT value FROM json_each(?3)))
  AND (?4 IS NULL OR coalesce(a.region, o.region) = ?4)
  AND (?5 = 0 OR (a.availability_mask & ?5) <> 0)
  AND (?6 IS NULL OR a.experience_years >= ?6) AND (?7 IS NULL OR a.experience_years <= ?7)
  AND (?8 = 0 OR n = 0)
ORDER BY o.name IS NOT NULL, o.name, a.name, a.id LIMIT ?9
"""

# -- proposals ----------------------------------------------------------------------------

_INSERT_PROPOSAL = (
    "INSERT INTO proposals (id, programme_id, payload, version, status, created_by, created_at, updated_at, committed_set_ids) "
    "VALUES (?, ?, ?, 1, 'open', ?, ?, ?, '[]')"
)
_GET_PROPOSAL = (
    "SELECT id, programme_id, payload, version, status, created_by, created_at, updated_at, committed_set_ids FROM proposals WHERE id = ?"
)
_UPDATE_PROPOSAL = "UPDATE proposals SET payload = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1"
_COMMIT_PROPOSAL = "UPDATE proposals SET status = 'committed', version = version + 1, updated_at = ?2, committed_set_ids = ?3 WHERE id = ?1"
_LIST_PROPOSALS = (
    "SELECT id, programme_id, payload, version, status, created_by, created_at, updated_at, committed_set_ids FROM proposals "
    "WHERE programme_id = ? ORDER BY created_at DESC, id"
)
_DELETE_PROPOSAL = "DELETE FROM proposals WHERE id = ?"


def _programme_row(p: Programme) -> tuple[Any, ...]:
    v = common.programme_values(p)
    return tuple(iso(v[n]) if n == "starts_on" else (int(v[n]) if n == "require_common_slot" else v[n]) for n in PROGRAMME_FIELDS)


def _enrolment(r: tuple[Any, ...]) -> Enrolment:
    return Enrolment(assessor_id=r[0], programme_id=r[1], enrolled_on=parse_day(r[2]))


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _proposal(r: tuple[Any, ...]) -> ProposalRecord:
    return ProposalRecord(
        id=r[0],
        programme_id=r[1],
        payload=r[2],
        version=r[3],
        status=r[4],
        created_by=r[5],
        created_at=_stamp(r[6]),
        updated_at=_stamp(r[7]),
        committed_set_ids=tuple(json.loads(r[8])),
    )


def _now() -> datetime:
    return datetime.now(UTC)


_KEEP_VERSION = "INSERT INTO proposal_versions (proposal_id, version, label, snapshot, made_by, made_at) VALUES (?, ?, ?, ?, ?, ?)"
_LIST_VERSIONS = "SELECT proposal_id, version, label, NULL, made_by, made_at FROM proposal_versions WHERE proposal_id = ? ORDER BY version"
_GET_VERSION = "SELECT proposal_id, version, label, snapshot, made_by, made_at FROM proposal_versions WHERE proposal_id = ? AND version = ?"
_DELETE_VERSIONS = "DELETE FROM proposal_versions WHERE proposal_id = ?"


def _version(r: tuple[Any, ...]) -> ProposalVersion:
    return ProposalVersion(proposal_id=r[0], version=r[1], label=r[2], snapshot=r[3], made_by=r[4], made_at=_stamp(r[5]))


class EmbeddedSets(EmbeddedBase):
    """Mixin of :class:`~graph.embedded.store.EmbeddedStore` for programmes, enrolment, sets, memberships and proposals."""

    # -- helpers (inside a transaction) --------------------------------------------------

    # -- programmes -----------------------------------------------------------------------

    def create_programme(self, programme: Programme) -> Programme:
        """Store a new programme; :class:`Conflict` if the id exists."""
        with self._transaction(write=True) as conn:
            try:
                conn.execute(_INSERT_PROGRAMME, _programme_row(programme))
            except sqlite3.IntegrityError:
                raise Conflict(f"programme {programme.id!r} already exists") from None
        return programme

    def get_programme(self, programme_id: str) -> Programme:
        """The programme with this id; :class:`NotFound` if none."""
        with self._transaction(write=False) as conn:
            return need_programme(conn, programme_id)

    def update_programme(self, programme: Programme) -> Programme:
        """Replace a programme's settings; :class:`NotFound` if none."""
        with self._transaction(write=True) as conn:
            if conn.execute(_UPDATE_PROGRAMME, _programme_row(programme)).rowcount == 0:
                raise NotFound(f"no programme with id {programme.id!r}")
        return programme

    def update_programme_fields(self, programme_id: str, changes: Mapping[str, Any]) -> Programme:
        """Change only the named settings: read under the write lock, check the merged settings whole, write only what changed."""
        with self._transaction(write=True) as conn:  # BEGIN IMMEDIATE (or the unit's): nobody writes between read and write
            current = need_programme(conn, programme_id)
            updated, changed = apply_changes(current, changes, "programme")
            if changed:
                before, after = common.programme_values(current), common.programme_values(updated)
                for column, statement in _SET_PROGRAMME_COLUMN.items():
                    if before[column] != after[column]:
                        value = after[column]
                        conn.execute(statement, (programme_id, iso(value) if column == "starts_on" else value))
        return updated

    def list_programmes(self, limit: int = 50, after: str | None = None) -> Page[Programme]:
        """Programmes in id order, ``limit`` at a time."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            rows = conn.execute(_PAGE_PROGRAMMES, (after or "", limit + 1)).fetchall()
        items = [to_programme(r) for r in rows[:limit]]
        return Page(items=items, next_after=items[-1].id if len(rows) > limit else None)

    # -- enrolment ------------------------------------------------------------------------

    def enrol(self, programme_id: str, assessor_id: str, on: date | None = None) -> Enrolment:
        """Put the assessor in the programme's pool; :class:`NotFound` if either is missing, :class:`Conflict` if enrolled."""
        enrolment = Enrolment(assessor_id=assessor_id, programme_id=programme_id, enrolled_on=on or date.today())
        with self._transaction(write=True) as conn:
            need_programme(conn, programme_id)
            need_assessor(conn, assessor_id)
            try:
                conn.execute(_INSERT_ENROLMENT, (assessor_id, programme_id, iso(enrolment.enrolled_on)))
            except sqlite3.IntegrityError:
                raise Conflict(f"assessor {assessor_id!r} is already enrolled in programme {programme_id!r}") from None
        return enrolment

    def unenrol(self, programme_id: str, assessor_id: str) -> None:
        """Take the assessor out of the pool; :class:`NotFound` if they are not enrolled."""
        with self._transaction(write=True) as conn:
            if conn.execute(_DELETE_ENROLMENT, (assessor_id, programme_id)).rowcount == 0:
                raise NotFound(f"assessor {assessor_id!r} is not enrolled in programme {programme_id!r}")

    def enrolments(self, programme_id: str) -> list[Enrolment]:
        """The programme's pool in assessor-id order; :class:`NotFound` if the programme is missing."""
        with self._transaction(write=False) as conn:
            need_programme(conn, programme_id)
            return [_enrolment(tuple(r)) for r in conn.execute(_ENROLMENTS, (programme_id,))]

    def enrolments_of(self, assessor_id: str) -> list[Enrolment]:
        """The programmes the assessor is enrolled in; :class:`NotFound` if the assessor is missing."""
        with self._transaction(write=False) as conn:
            need_assessor(conn, assessor_id)
            return [_enrolment(tuple(r)) for r in conn.execute(_ENROLMENTS_OF, (assessor_id,))]

    def load_pool(self, programme_id: str) -> Pool:
        """The programme, its pool and the ties among the pool, in one read transaction."""
        with self._transaction(write=False) as conn:
            programme = need_programme(conn, programme_id)
            themes = themes_by_assessor(conn.execute(_POOL_THEMES, (programme_id,)))
            members = tuple(to_pool_member(tuple(r), themes.get(r[0], ())) for r in conn.execute(_POOL_MEMBERS, (programme_id,)))
            ties = tuple(PoolTie(a_id=r[0], b_id=r[1], kind=r[2]) for r in conn.execute(_POOL_TIES, (programme_id,)))
        return Pool(programme=programme, members=members, ties=ties)

    def describe_members(self, assessor_ids: Sequence[str]) -> list[PoolMember]:
        """What formation needs to know of these assessors, in id order; unknown ids are left out."""
        ids = json_ids(set(assessor_ids))
        with self._transaction(write=False) as conn:
            themes = themes_by_assessor(conn.execute(THEMES_OF, (ids,)))
            return [to_pool_member(tuple(r), themes.get(r[0], ())) for r in conn.execute(DESCRIBE_MEMBERS, (ids,))]

    def ties_among(self, assessor_ids: Sequence[str]) -> list[PoolTie]:
        """The ties among these assessors, in (a, b, kind) order."""
        with self._transaction(write=False) as conn:
            return [PoolTie(a_id=r[0], b_id=r[1], kind=r[2]) for r in conn.execute(_TIES_AMONG, (json_ids(set(assessor_ids)),))]

    # -- sets and memberships -------------------------------------------------------------

    def commit_sets(
        self,
        programme_id: str,
        sets: Sequence[NewSet],
        joined: date,
        proposal_id: str | None = None,
        proposal_version: int | None = None,
    ) -> list[SetRecord]:
        """Create the sets, memberships and focus themes in one transaction, re-checking enrolment and capacity."""
        member_ids = common.check_new_sets(programme_id, sets)
        set_ids = sorted(s.set.id for s in sets)
        now = _now()
        # BEGIN IMMEDIATE takes the write lock first: everything read below stays true until COMMIT.
        with self._transaction(write=True) as conn:
            need_programme(conn, programme_id)
            if proposal_id is not None:
                self._check_proposal_open(conn, proposal_id, proposal_version)
            rows = [
                {"id": r[0], "active": bool(r[1]), "capacity": r[2], "active_sets": r[3], "enrolled": bool(r[4]), "set_in_programme": r[5]}
                for r in conn.execute(_COMMIT_CHECK, (json_ids(member_ids), programme_id))
            ]
            missing = sorted(set(member_ids) - {r["id"] for r in rows})
            if missing:
                raise NotFound(f"no assessor with id {', '.join(missing)}")
            problems = common.commit_problems(rows, programme_id)
            if problems:
                raise Conflict("the pool changed since the proposal was made: " + "; ".join(problems))
            theme_ids = {t for s in sets for t in s.set.theme_ids}
            known = {r[0] for r in conn.execute(_THEMES_EXISTING, (json_ids(theme_ids),))} if theme_ids else set()
            if theme_ids - known:
                raise NotFound(f"no theme with id {', '.join(sorted(theme_ids - known))}")
            if set_ids and conn.execute(_SET_EXISTS, (json_ids(set_ids),)).fetchone() is not None:
                raise Conflict("a set with one of these ids already exists")
            for s in sets:
                a = s.set
                conn.execute(_INSERT_SET, (a.id, programme_id, a.name, a.status, a.meeting_slot, a.cadence, iso(a.starts_on)))
                conn.executemany(_INSERT_SET_THEME, [(a.id, t) for t in a.theme_ids])
                conn.executemany(_INSERT_MEMBERSHIP, [(a.id, m, "member", joined.isoformat()) for m in s.member_ids])
            if proposal_id is not None:
                conn.execute(_COMMIT_PROPOSAL, (proposal_id, now.isoformat(), json.dumps(sorted(set_ids))))
            return set_records(conn, sorted(set_ids))

    @staticmethod
    def _check_proposal_open(conn: sqlite3.Connection, proposal_id: str, version: int | None) -> ProposalRecord:
        row = conn.execute(_GET_PROPOSAL, (proposal_id,)).fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id!r}")
        proposal = _proposal(tuple(row))
        if proposal.status != "open":
            raise Conflict(f"proposal {proposal_id} is already committed")
        if version is not None and proposal.version != version:
            raise Conflict(f"proposal {proposal_id} changed meanwhile (version {proposal.version}, not {version}); reload it")
        return proposal

    def get_set(self, set_id: str) -> SetRecord:
        """The set with all its memberships; :class:`NotFound` if none."""
        with self._transaction(write=False) as conn:
            need_set(conn, set_id)
            return set_records(conn, [set_id])[0]

    def sets_of_programme(self, programme_id: str) -> list[SetRecord]:
        """The programme's sets in id order; :class:`NotFound` if the programme is missing."""
        with self._transaction(write=False) as conn:
            need_programme(conn, programme_id)
            return set_records(conn, [r[0] for r in conn.execute(_SET_IDS_OF_PROGRAMME, (programme_id,))])

    def sets_of_assessor(self, assessor_id: str, current_only: bool = True) -> list[SetRecord]:
        """Sets the assessor is (or ever was) a member of, in id order; :class:`NotFound` if the assessor is missing."""
        with self._transaction(write=False) as conn:
            need_assessor(conn, assessor_id)
            return set_records(conn, [r[0] for r in conn.execute(_SET_IDS_OF_ASSESSOR, (assessor_id, int(current_only)))])

    def members_of(self, set_id: str, current_only: bool = False) -> list[Membership]:
        """The set's memberships in (joined, assessor id) order; :class:`NotFound` if the set is missing."""
        with self._transaction(write=False) as conn:
            need_set(conn, set_id)
            return [to_membership(tuple(r)) for r in conn.execute(_MEMBERS_OF, (set_id, int(current_only)))]

    def end_membership(self, set_id: str, assessor_id: str, left: date) -> Membership:
        """Record that the member left on ``left``; :class:`NotFound` unless a current member."""
        with self._transaction(write=True) as conn:
            row = conn.execute(_GET_MEMBERSHIP, (set_id, assessor_id)).fetchone()
            if row is None or row[3] is not None:
                raise NotFound(f"assessor {assessor_id!r} is not a current member of set {set_id!r}")
            current = to_membership(tuple(row))
            common.check_left(current.joined, left)
            conn.execute(_END_MEMBERSHIP, (set_id, assessor_id, left.isoformat()))
        return Membership(set_id=set_id, assessor_id=assessor_id, joined=current.joined, left=left, role=current.role)

    def add_member(self, set_id: str, assessor_id: str, joined: date, role: str = "member") -> Membership:
        """Add a member to a set that is not closed, re-checking capacity, slot and the programme's rules in the transaction."""
        if role not in MEMBERSHIP_ROLES:
            raise Invalid(f"role must be one of {', '.join(MEMBERSHIP_ROLES)}, got {role!r}")
        with self._transaction(write=True) as conn:
            need_set(conn, set_id)
            need_assessor(conn, assessor_id)
            r = conn.execute(_ADD_MEMBER_CHECK, (set_id, assessor_id)).fetchone()
            slot = r[2]
            problem = common.add_member_problem(
                {
                    "set_id": set_id,
                    "assessor_id": assessor_id,
                    "set_status": r[0],
                    "active": bool(r[3]),
                    "capacity": r[4],
                    "available": slot is not None and bool(r[5] & availability.to_mask([slot])),
                    "active_sets": r[6],
                    "set_in_programme": r[7],
                    "already": r[8],
                    "slot": slot,
                    "organisation_id": r[9],
                    "same_org": r[10],
                    "size": r[11],
                    "max_per_organisation": r[12],
                    "size_max": r[13],
                }
            )
            if problem is not None:
                raise Conflict(problem)
            conn.execute(_INSERT_MEMBERSHIP, (set_id, assessor_id, role, joined.isoformat()))
        return Membership(set_id=set_id, assessor_id=assessor_id, joined=joined, left=None, role=role)

    def set_set_status(self, set_id: str, status: str, on: date | None = None) -> ActionLearningSet:
        """Change a set's status; closing ends the current memberships on ``on`` (default today)."""
        common.check_status(status)
        day = on or date.today()
        with self._transaction(write=True) as conn:
            if conn.execute(_SET_STATUS, (set_id, status)).rowcount == 0:
                raise NotFound(f"no set with id {set_id!r}")
            if status == "closed":
                conn.execute(_END_CURRENT_MEMBERSHIPS, (set_id, day.isoformat()))
            return set_records(conn, [set_id])[0].set

    def active_set_counts(self, assessor_ids: Sequence[str]) -> dict[str, int]:
        """Each given assessor's active set count (unknown ids count 0)."""
        ids = sorted(set(assessor_ids))
        with self._transaction(write=False) as conn:
            counts = dict(conn.execute(_ACTIVE_SET_COUNTS, (json_ids(ids),)).fetchall()) if ids else {}
        return {i: counts.get(i, 0) for i in ids}

    def vacancy_candidates(self, set_id: str, source: str, limit: int = 200) -> list[PoolMember]:
        """Assessors who could fill a vacancy in the set without moving anyone (most shared focus themes first, then id)."""
        statement = _VACANCY_CANDIDATES.get(source)
        if statement is None:
            raise Invalid(f"source must be one of {', '.join(CANDIDATE_SOURCES)}, got {source!r}")
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            s = need_set(conn, set_id)
            programme_id, slot = s[1], s[4]
            max_per_org = 1
            if programme_id is not None:
                max_per_org = need_programme(conn, programme_id).max_per_organisation
            mask = availability.to_mask([slot]) if slot else 0
            rows = [tuple(r) for r in conn.execute(statement, (set_id, programme_id, mask, max_per_org, limit))]
            themes = themes_by_assessor(conn.execute(THEMES_OF, (json_ids([r[0] for r in rows]),))) if rows else {}
        return [to_pool_member(r, themes.get(r[0], ())) for r in rows]

    def enrolment_candidates(self, programme_id: str, criteria: CandidateFilter, limit: int = CANDIDATES_MAX) -> list[PoolMember]:
        """Findable people not yet enrolled who match ``criteria``, by organisation name, name and id."""
        if criteria.slot is not None and not availability.is_slot(criteria.slot):
            raise Invalid(f"unknown weekly slot {criteria.slot!r}")
        limit = max(1, min(int(limit), CANDIDATES_MAX))
        mask = availability.to_mask([criteria.slot]) if criteria.slot else 0
        params = (
            programme_id,
            json.dumps(list(criteria.organisation_ids)) if criteria.organisation_ids else None,
            json.dumps(list(criteria.kinds)) if criteria.kinds else None,
            criteria.region,
            mask,
            criteria.experience_min,
            criteria.experience_max,
            int(criteria.not_in_set),
            limit,
        )
        with self._transaction(write=False) as conn:
            need_programme(conn, programme_id)
            rows = [tuple(r) for r in conn.execute(_ENROLMENT_CANDIDATES, params)]
            themes = themes_by_assessor(conn.execute(THEMES_OF, (json_ids([r[0] for r in rows]),))) if rows else {}
        return [to_pool_member(r, themes.get(r[0], ())) for r in rows]

    # -- proposals ------------------------------------------------------------------------

    def save_proposal(self, proposal: ProposalRecord) -> ProposalRecord:
        """Store a new proposal (version 1, open); :class:`Conflict` if the id exists, :class:`NotFound` without the programme."""
        now = _now()
        with self._transaction(write=True) as conn:
            need_programme(conn, proposal.programme_id)
            try:
                stamp = now.isoformat()
                conn.execute(_INSERT_PROPOSAL, (proposal.id, proposal.programme_id, proposal.payload, proposal.created_by, stamp, stamp))
            except sqlite3.IntegrityError:
                raise Conflict(f"proposal {proposal.id!r} already exists") from None
            return _proposal(tuple(conn.execute(_GET_PROPOSAL, (proposal.id,)).fetchone()))

    def get_proposal(self, proposal_id: str) -> ProposalRecord:
        """The proposal with this id; :class:`NotFound` if none."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_PROPOSAL, (proposal_id,)).fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id!r}")
        return _proposal(tuple(row))

    def update_proposal(self, proposal_id: str, payload: str, expected_version: int) -> ProposalRecord:
        """Replace an open proposal's payload, bumping its version; :class:`Conflict` if committed or changed meanwhile."""
        with self._transaction(write=True) as conn:
            self._check_proposal_open(conn, proposal_id, expected_version)
            conn.execute(_UPDATE_PROPOSAL, (proposal_id, payload, _now().isoformat()))
            return _proposal(tuple(conn.execute(_GET_PROPOSAL, (proposal_id,)).fetchone()))

    def list_proposals(self, programme_id: str) -> list[ProposalRecord]:
        """The programme's proposals, newest first; :class:`NotFound` if the programme is missing."""
        with self._transaction(write=False) as conn:
            need_programme(conn, programme_id)
            return [_proposal(tuple(r)) for r in conn.execute(_LIST_PROPOSALS, (programme_id,))]

    def delete_proposal(self, proposal_id: str) -> None:
        """Delete a proposal; :class:`NotFound` if none."""
        with self._transaction(write=True) as conn:
            conn.execute(_DELETE_VERSIONS, (proposal_id,))
            if conn.execute(_DELETE_PROPOSAL, (proposal_id,)).rowcount == 0:
                raise NotFound(f"no proposal with id {proposal_id!r}")

    def keep_proposal_version(self, kept: ProposalVersion) -> ProposalVersion:
        """Keep a version of a proposal; :class:`NotFound` without the proposal, :class:`Conflict` if kept already."""
        if not kept.snapshot:
            raise Invalid("a kept version needs its snapshot")
        stamp = _now()
        with self._transaction(write=True) as conn:
            if conn.execute("SELECT 1 FROM proposals WHERE id = ?", (kept.proposal_id,)).fetchone() is None:
                raise NotFound(f"no proposal with id {kept.proposal_id!r}")
            try:
                conn.execute(_KEEP_VERSION, (kept.proposal_id, kept.version, kept.label, kept.snapshot, kept.made_by, stamp.isoformat()))
            except sqlite3.IntegrityError:
                raise Conflict(f"version {kept.version} of proposal {kept.proposal_id!r} is kept already") from None
            return _version(tuple(conn.execute(_GET_VERSION, (kept.proposal_id, kept.version)).fetchone()))

    def proposal_versions(self, proposal_id: str) -> list[ProposalVersion]:
        """The proposal's kept versions, oldest first, without snapshots; :class:`NotFound` if there is no such proposal."""
        with self._transaction(write=False) as conn:
            if conn.execute("SELECT 1 FROM proposals WHERE id = ?", (proposal_id,)).fetchone() is None:
                raise NotFound(f"no proposal with id {proposal_id!r}")
            return [_version(tuple(r)) for r in conn.execute(_LIST_VERSIONS, (proposal_id,))]

    def get_proposal_version(self, proposal_id: str, version: int) -> ProposalVersion:
        """One kept version with its snapshot; :class:`NotFound` if not kept."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_GET_VERSION, (proposal_id, version)).fetchone()
        if row is None:
            raise NotFound(f"proposal {proposal_id!r} has no kept version {version}")
        return _version(tuple(row))

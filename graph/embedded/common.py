"""Row readers, shared statements and small in-transaction checks the embedded area mixins share.

The mixins (``graph/embedded/<area>.py``) and :mod:`graph.embedded.store` import from here, never
from each other: this module imports only the port, :mod:`graph.sets_common` and :mod:`network`,
so no import circle runs through it. Each table is still created by the area that owns it (its
``DDL``); what is here are the reads and writes another area needs on it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from graph import sets_common
from graph.port_meetings import NoticeRecord
from graph.port_sets import Membership, PoolMember, SetRecord
from graph.values import NotFound
from network.domain import ActionLearningSet, Assessor, Programme

Row = tuple[Any, ...]

# -- stored text <-> Python values ------------------------------------------------------------


def iso(d: date | None) -> str | None:
    """A date as stored (ISO text), ``None`` kept."""
    return None if d is None else d.isoformat()


def parse_day(text: str | None) -> date | None:
    """A stored ISO date as a ``date``, ``None`` kept."""
    return None if text is None else date.fromisoformat(text)


def json_ids(values: Sequence[str] | set[str]) -> str:
    """Ids as a sorted compact JSON list, the parameter of ``IN (SELECT value FROM json_each(?))``."""
    return json.dumps(sorted(values), separators=(",", ":"))


# -- assessors (core tables) ----------------------------------------------------------------------


def to_assessor(r: Row) -> Assessor:
    """The first 13 columns of an ``assessors`` row (in table order) as the domain value."""
    return Assessor(
        id=r[0],
        name=r[1],
        email=r[2],
        region=r[3],
        experience_years=r[4],
        discoverable=bool(r[5]),
        paused=bool(r[6]),
        active=bool(r[7]),
        capacity=r[8],
        availability=tuple(json.loads(r[9])),
        bio=r[11],
        paused_until=parse_day(r[12]),
    )


ASSESSOR_EXISTS = "SELECT active FROM assessors WHERE id = ?"


def need_assessor(conn: sqlite3.Connection, assessor_id: str) -> None:
    """:class:`NotFound` unless the assessor exists."""
    if conn.execute(ASSESSOR_EXISTS, (assessor_id,)).fetchone() is None:
        raise NotFound(f"no assessor with id {assessor_id!r}")


# -- programmes, sets and memberships (tables of the sets area, read by others) -------------------

PROGRAMME_COLUMNS = (
    "id, name, region, status, set_size_min, set_size_max, set_size_target, cadence, meetings, "
    "max_per_organisation, require_common_slot, starts_on, settings"
)
#: The column names of ``programmes`` in :data:`PROGRAMME_COLUMNS` order.
PROGRAMME_FIELDS = tuple(c.strip() for c in PROGRAMME_COLUMNS.split(","))
GET_PROGRAMME = (
    "SELECT id, name, region, status, set_size_min, set_size_max, set_size_target, cadence, meetings, "
    "max_per_organisation, require_common_slot, starts_on, settings FROM programmes WHERE id = ?"
)
GET_SET = "SELECT id, programme_id, name, status, meeting_slot, cadence, starts_on FROM sets WHERE id = ?"
SETS_IN = """
SELECT id, programme_id, name, status, meeting_slot, cadence, starts_on FROM sets
WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id
"""
SET_THEMES_IN = "SELECT set_id, theme_id FROM set_themes WHERE set_id IN (SELECT value FROM json_each(?)) ORDER BY set_id, theme_id"
MEMBERS_IN = """
SELECT set_id, assessor_id, joined, left, role FROM memberships
WHERE set_id IN (SELECT value FROM json_each(?)) ORDER BY set_id, joined, assessor_id
"""
#: What formation needs of the assessors in a JSON list (read by :func:`to_pool_member`; no enrolment date).
DESCRIBE_MEMBERS = """
SELECT a.id, a.name, a.email, a.region, a.experience_years, a.discoverable, a.paused, a.active, a.capacity, a.availability,
       a.availability_mask, a.bio, a.paused_until, w.organisation_id, o.kind, NULL,
       (SELECT count(*) FROM memberships m JOIN sets s ON s.id = m.set_id
        WHERE m.assessor_id = a.id AND m.left IS NULL AND s.status <> 'closed')
FROM assessors a
LEFT JOIN works_for w ON w.assessor_id = a.id LEFT JOIN organisations o ON o.id = w.organisation_id
WHERE a.id IN (SELECT value FROM json_each(?)) ORDER BY a.id
"""
#: The theme links of the assessors in a JSON list (read by :func:`themes_by_assessor`).
THEMES_OF = """
SELECT assessor_id, theme_id, level FROM works_on
WHERE assessor_id IN (SELECT value FROM json_each(?)) ORDER BY assessor_id, theme_id
"""


def to_programme(r: sqlite3.Row | Row) -> Programme:
    """A ``programmes`` row (:data:`PROGRAMME_COLUMNS`) as the domain value."""
    values = dict(zip(PROGRAMME_FIELDS, tuple(r), strict=True))
    values["starts_on"] = parse_day(values["starts_on"])
    return sets_common.programme_from(values)


def to_membership(r: Row) -> Membership:
    """A ``memberships`` row (set_id, assessor_id, joined, left, role)."""
    return Membership(set_id=r[0], assessor_id=r[1], joined=date.fromisoformat(r[2]), left=parse_day(r[3]), role=r[4])


def to_set(r: Row, theme_ids: tuple[str, ...]) -> ActionLearningSet:
    """A ``sets`` row (as :data:`GET_SET`) with its themes."""
    return ActionLearningSet(
        id=r[0],
        programme_id=r[1],
        name=r[2],
        status=r[3],
        meeting_slot=r[4],
        cadence=r[5],
        starts_on=parse_day(r[6]),
        theme_ids=theme_ids,
    )


def to_pool_member(r: Row, themes: tuple[tuple[str, str], ...]) -> PoolMember:
    """A row of :data:`DESCRIBE_MEMBERS` (or the sets area's pool query) with the person's theme links."""
    return PoolMember(
        assessor=to_assessor(tuple(r[:13])),
        organisation_id=r[13],
        organisation_kind=r[14],
        themes=themes,
        active_sets=r[16],
        enrolled_on=parse_day(r[15]),
    )


def themes_by_assessor(rows: Any) -> dict[str, tuple[tuple[str, str], ...]]:
    """Rows of (assessor_id, theme_id, level) as each assessor's theme links."""
    themes: dict[str, list[tuple[str, str]]] = {}
    for assessor_id, theme_id, level in rows:
        themes.setdefault(assessor_id, []).append((theme_id, level))
    return {k: tuple(v) for k, v in themes.items()}


def need_programme(conn: sqlite3.Connection, programme_id: str) -> Programme:
    """The programme; :class:`NotFound` if none."""
    row = conn.execute(GET_PROGRAMME, (programme_id,)).fetchone()
    if row is None:
        raise NotFound(f"no programme with id {programme_id!r}")
    return to_programme(row)


def need_set(conn: sqlite3.Connection, set_id: str) -> Row:
    """The set's row (as :data:`GET_SET`); :class:`NotFound` if none."""
    row = conn.execute(GET_SET, (set_id,)).fetchone()
    if row is None:
        raise NotFound(f"no set with id {set_id!r}")
    return tuple(row)


def set_records(conn: sqlite3.Connection, set_ids: list[str]) -> list[SetRecord]:
    """The sets with these ids (in id order) with their themes and memberships."""
    if not set_ids:
        return []
    ids = json_ids(set_ids)
    themes: dict[str, list[str]] = {}
    for set_id, theme_id in conn.execute(SET_THEMES_IN, (ids,)):
        themes.setdefault(set_id, []).append(theme_id)
    members: dict[str, list[Membership]] = {}
    for r in conn.execute(MEMBERS_IN, (ids,)):
        members.setdefault(r[0], []).append(to_membership(tuple(r)))
    return [
        SetRecord(set=to_set(tuple(r), tuple(themes.get(r[0], ()))), members=tuple(members.get(r[0], ())))
        for r in conn.execute(SETS_IN, (ids,))
    ]


# -- meetings tables, written by the accounts area when a person is erased ------------------------------

#: Erasure of meetings data (run by ``erase_assessor`` in graph/embedded/accounts.py, in its transaction): turns and attendance pass to the
#: "Former member" placeholder (``?1``) from the erased person (``?2``), their private actions are dropped, and their
#: notices (as an assessor or through their account) are deleted.
HAND_OVER_TURNS = "UPDATE meeting_turns SET assessor_id = ?1, action = NULL WHERE assessor_id = ?2"
HAND_OVER_ATTENDANCE = "UPDATE attendance SET assessor_id = ?1 WHERE assessor_id = ?2"
ERASE_NOTICES = "DELETE FROM notices WHERE assessor_id = ?1 OR user_id IN (SELECT user_id FROM user_assessor WHERE assessor_id = ?1)"


# -- notices (the meetings area's outbox; the delivery area claims them) ------------------------

#: The ``SELECT ... FROM`` of notice rows (``notices`` aliased ``n``) that :func:`to_notice` reads; add a ``WHERE``.
NOTICE_SELECT = (
    "SELECT n.key, n.user_id, n.assessor_id, n.kind, n.subject, n.body, n.link, n.due_on, n.created_at, n.status, n.sent_at, "
    "n.via, n.error, r.refs FROM notices n LEFT JOIN notice_refs r ON r.key = n.key "
)


def to_notice(r: Row) -> NoticeRecord:
    """A row of :data:`NOTICE_SELECT` as the port's notice."""
    return NoticeRecord(
        key=r[0],
        user_id=r[1],
        assessor_id=r[2],
        kind=r[3],
        subject=r[4],
        body=r[5],
        link=r[6],
        due_on=parse_day(r[7]),
        created_at=datetime.fromisoformat(r[8]),
        status=r[9],
        sent_at=None if r[10] is None else datetime.fromisoformat(r[10]),
        via=r[11],
        error=r[12],
        refs=None if r[13] is None else json.loads(r[13]),
    )

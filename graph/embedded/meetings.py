"""Embedded (SQLite) implementation of the meetings area port.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).

Tables: ``meetings`` (one row per meeting, id ``<set id>:<number>``), ``meeting_turns``
(facilitator and presenter turns; a presenter's one-line action lives on their turn row and moves with them in a swap),
``attendance`` and ``notices`` (the outbox; ``key`` is the primary key, so a notice is stored
once). Erasure hands turns and attendance to the "Former member" placeholder before the person
is deleted (see ``graph/embedded/accounts.py``); the foreign keys cascade as a safety net.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from graph.embedded.base import EmbeddedBase
from graph.embedded.common import NOTICE_SELECT, to_notice
from graph.port_meetings import (
    ATTENDANCE_STATUSES,
    NOTICE_STATUSES,
    MeetingPlan,
    MeetingRecord,
    NoticeRecord,
    NoticeSubjects,
    Participation,
    SetActivity,
    SetLabel,
    TurnChange,
    UpcomingMeeting,
    actions_after,
)
from graph.values import Conflict, Invalid, NotFound, Page, clamp_limit

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meetings (
        id TEXT PRIMARY KEY,
        set_id TEXT NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        on_date TEXT NOT NULL,
        slot TEXT NOT NULL,
        video_link TEXT,
        moved_from TEXT,
        UNIQUE (set_id, number)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS meetings_by_date ON meetings (on_date, id)",
    # role: 'facilitator' | 'presenter'; action: the presenter's own one-line action (never case content).
    """CREATE TABLE IF NOT EXISTS meeting_turns (
        meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        action TEXT,
        PRIMARY KEY (meeting_id, role, assessor_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS meeting_turns_by_assessor ON meeting_turns (assessor_id, meeting_id)",
    """CREATE TABLE IF NOT EXISTS attendance (
        meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
        assessor_id TEXT NOT NULL REFERENCES assessors (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        PRIMARY KEY (meeting_id, assessor_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS attendance_by_assessor ON attendance (assessor_id, meeting_id)",
    """CREATE TABLE IF NOT EXISTS notices (
        key TEXT PRIMARY KEY,
        user_id TEXT,
        assessor_id TEXT,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        link TEXT,
        due_on TEXT,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL,
        sent_at TEXT,
        via TEXT,
        error TEXT
    ) WITHOUT ROWID""",
    # What a notice stored by reference is about (ids and dates by role, JSON); worded when read.
    # A table of its own so an older database gains it without a migration.
    """CREATE TABLE IF NOT EXISTS notice_refs (
        key TEXT PRIMARY KEY REFERENCES notices (key) ON DELETE CASCADE,
        refs TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS notices_by_assessor ON notices (assessor_id, created_at)",
    "CREATE INDEX IF NOT EXISTS notices_by_user ON notices (user_id, created_at)",
    "CREATE INDEX IF NOT EXISTS notices_by_status ON notices (status, created_at)",
)

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = (
    "DELETE FROM notice_refs",
    "DELETE FROM notices",
    "DELETE FROM attendance",
    "DELETE FROM meeting_turns",
    "DELETE FROM meetings",
)

_SET_EXISTS = "SELECT id FROM sets WHERE id = ?"
_MEETINGS_OF_SET = "SELECT id, set_id, number, on_date, slot, video_link, moved_from FROM meetings WHERE set_id = ? ORDER BY number"
_MEETINGS_IN = (
    "SELECT id, set_id, number, on_date, slot, video_link, moved_from FROM meetings "
    "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY set_id, number"
)
_MEETINGS_OF_SETS = (
    "SELECT id, set_id, number, on_date, slot, video_link, moved_from FROM meetings "
    "WHERE set_id IN (SELECT value FROM json_each(?)) ORDER BY set_id, number"
)
_TURNS_IN = (
    "SELECT meeting_id, role, assessor_id, action FROM meeting_turns "
    "WHERE meeting_id IN (SELECT value FROM json_each(?)) ORDER BY meeting_id, role, assessor_id"
)
_ATTENDANCE_IN = (
    "SELECT meeting_id, assessor_id, status FROM attendance "
    "WHERE meeting_id IN (SELECT value FROM json_each(?)) ORDER BY meeting_id, assessor_id"
)
_INSERT_MEETING = "INSERT INTO meetings (id, set_id, number, on_date, slot, video_link) VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_TURN = "INSERT INTO meeting_turns (meeting_id, role, assessor_id, action) VALUES (?, ?, ?, ?)"
_DELETE_TURNS = "DELETE FROM meeting_turns WHERE meeting_id = ?"
_EVER_MEMBERS = "SELECT assessor_id FROM memberships WHERE set_id = ?"
_CURRENT_MEMBERS = "SELECT assessor_id FROM memberships WHERE set_id = ? AND left IS NULL"
_IS_HELD = "SELECT 1 FROM attendance WHERE meeting_id = ? LIMIT 1"
_MOVE = "UPDATE meetings SET on_date = ?, slot = ?, moved_from = COALESCE(moved_from, ?) WHERE id = ?"
_SAME_DAY = "SELECT id FROM meetings WHERE set_id = ? AND on_date = ? AND id <> ?"
_SET_LINK = "UPDATE meetings SET video_link = ? WHERE id = ?"
_UPSERT_ATTENDANCE = (
    "INSERT INTO attendance (meeting_id, assessor_id, status) VALUES (?, ?, ?) "
    "ON CONFLICT (meeting_id, assessor_id) DO UPDATE SET status = excluded.status"
)
_SET_ACTION = "UPDATE meeting_turns SET action = ? WHERE meeting_id = ? AND role = 'presenter' AND assessor_id = ?"
_PROGRAMME_EXISTS = "SELECT id FROM programmes WHERE id = ?"
_SETS_OF_PROGRAMME = "SELECT id, name, status, programme_id FROM sets WHERE programme_id = ? ORDER BY id"
_CURRENT_OF_SETS = (
    "SELECT set_id, assessor_id, joined FROM memberships "
    "WHERE set_id IN (SELECT value FROM json_each(?)) AND left IS NULL ORDER BY set_id, joined, assessor_id"
)
_ORGANISATION_EXISTS = "SELECT id FROM organisations WHERE id = ?"
_PARTICIPATION = """
SELECT a.id, a.name, s.id, s.name, s.programme_id, m.joined, m.left
FROM works_for w
JOIN assessors a ON a.id = w.assessor_id
JOIN memberships m ON m.assessor_id = a.id
JOIN sets s ON s.id = m.set_id
WHERE w.organisation_id = ?
ORDER BY a.id, s.id
"""
_PARTICIPATION_ATTENDANCE = """
SELECT t.assessor_id, g.set_id, g.on_date, t.status
FROM works_for w
JOIN attendance t ON t.assessor_id = w.assessor_id
JOIN meetings g ON g.id = t.meeting_id
WHERE w.organisation_id = ?
ORDER BY t.assessor_id, g.set_id, g.on_date
"""
_BETWEEN = """
SELECT g.id, g.set_id, g.number, g.on_date, g.slot, g.video_link, g.moved_from, s.name
FROM meetings g JOIN sets s ON s.id = g.set_id
WHERE g.on_date >= ? AND g.on_date <= ? AND s.status = 'active'
ORDER BY g.on_date, g.id
"""
_WITHOUT_MEETINGS = """
SELECT s.id FROM sets s
WHERE s.status = 'active' AND s.meeting_slot IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM meetings g WHERE g.set_id = s.id)
ORDER BY s.id
"""
_INSERT_NOTICE = (
    "INSERT INTO notices (key, user_id, assessor_id, kind, subject, body, link, due_on, created_at, status) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (key) DO NOTHING"
)
_INSERT_REFS = "INSERT INTO notice_refs (key, refs) VALUES (?, ?)"
_NOTICE_CREATED = "SELECT created_at FROM notices WHERE key = ?"
_NOTICES_FOR = (
    NOTICE_SELECT
    + """
WHERE ((?1 IS NOT NULL AND n.assessor_id = ?1) OR (?2 IS NOT NULL AND n.user_id = ?2))
  AND (?3 IS NULL OR n.created_at < ?3 OR (n.created_at = ?3 AND n.key > ?4))
ORDER BY n.created_at DESC, n.key
LIMIT ?5
"""
)
_UNDELIVERED = NOTICE_SELECT + "WHERE n.status IN ('pending', 'failed') ORDER BY n.created_at, n.key LIMIT ?"
_SUBJECT_PEOPLE = "SELECT id, name FROM assessors WHERE id IN (SELECT value FROM json_each(?))"
_SUBJECT_SETS = (
    "SELECT s.id, s.name, s.meeting_slot, s.programme_id, p.name FROM sets s LEFT JOIN programmes p ON p.id = s.programme_id "
    "WHERE s.id IN (SELECT value FROM json_each(?))"
)
_SUBJECT_PROGRAMMES = "SELECT id, name FROM programmes WHERE id IN (SELECT value FROM json_each(?))"
_MARK = "UPDATE notices SET status = ?, sent_at = ?, via = ?, error = ? WHERE key = ?"


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _ids(values: Iterable[str]) -> str:
    return json.dumps(sorted(set(values)), separators=(",", ":"))


def _stamp(at: datetime) -> str:
    # Fixed-width UTC text (microseconds always shown), so text order is time order.
    return at.isoformat(timespec="microseconds")


def _refs_text(refs: Mapping[str, str]) -> str:
    return json.dumps(dict(refs), sort_keys=True, separators=(",", ":"))


def _records(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> list[MeetingRecord]:
    """Meeting rows with their turns, attendance and actions (in the rows' order)."""
    if not rows:
        return []
    ids = _ids(r[0] for r in rows)
    facilitator: dict[str, str] = {}
    presenters: dict[str, list[str]] = {}
    actions: dict[str, list[tuple[str, str]]] = {}
    for meeting, role, assessor, action in conn.execute(_TURNS_IN, (ids,)):
        if role == "facilitator":
            facilitator[meeting] = assessor
        else:
            presenters.setdefault(meeting, []).append(assessor)
            if action is not None:
                actions.setdefault(meeting, []).append((assessor, action))
    attendance: dict[str, list[tuple[str, str]]] = {}
    for meeting, assessor, status in conn.execute(_ATTENDANCE_IN, (ids,)):
        attendance.setdefault(meeting, []).append((assessor, status))
    return [
        MeetingRecord(
            id=r[0],
            set_id=r[1],
            number=r[2],
            on=date.fromisoformat(r[3]),
            slot=r[4],
            video_link=r[5],
            moved_from=_day(r[6]),
            facilitator=facilitator.get(r[0]),
            presenters=tuple(presenters.get(r[0], ())),
            attendance=tuple(attendance.get(r[0], ())),
            actions=tuple(actions.get(r[0], ())),
        )
        for r in rows
    ]


def _one(conn: sqlite3.Connection, meeting_id: str) -> MeetingRecord:
    rows = [tuple(r) for r in conn.execute(_MEETINGS_IN, (_ids([meeting_id]),))]
    if not rows:
        raise NotFound(f"no meeting with id {meeting_id!r}")
    return _records(conn, rows)[0]


def _insert_turns(
    conn: sqlite3.Connection, meeting: str, facilitator: str | None, presenters: Sequence[str], keep: Mapping[str, str]
) -> None:
    if facilitator is not None:
        conn.execute(_INSERT_TURN, (meeting, "facilitator", facilitator, None))
    for p in presenters:
        conn.execute(_INSERT_TURN, (meeting, "presenter", p, keep.get(p)))


def _check_turn(facilitator: str | None, presenters: Sequence[str], allowed: set[str], what: str) -> None:
    named = ([facilitator] if facilitator is not None else []) + list(presenters)
    strangers = sorted({a for a in named if a not in allowed})
    if strangers:
        raise Invalid(f"not {what} of the set: {', '.join(strangers)}")
    if len(set(presenters)) != len(presenters):
        raise Invalid("a presenter is named twice")
    if facilitator is not None and facilitator in presenters:
        raise Invalid(f"{facilitator} cannot facilitate and present at the same meeting")


class EmbeddedMeetings(EmbeddedBase):
    """The meetings area on SQLite."""

    @staticmethod
    def _need_set_row(conn: sqlite3.Connection, set_id: str) -> None:
        if conn.execute(_SET_EXISTS, (set_id,)).fetchone() is None:
            raise NotFound(f"no set with id {set_id!r}")

    def create_meetings(self, set_id: str, plans: Sequence[MeetingPlan]) -> list[MeetingRecord]:
        """Store the set's meetings if it has none yet; the set's meetings in number order."""
        with self._transaction(write=True) as conn:
            self._need_set_row(conn, set_id)
            existing = [tuple(r) for r in conn.execute(_MEETINGS_OF_SET, (set_id,))]
            if existing:
                return _records(conn, existing)
            ever = {r[0] for r in conn.execute(_EVER_MEMBERS, (set_id,))}
            numbers = [p.number for p in plans]
            if len(set(numbers)) != len(numbers):
                raise Invalid("meeting numbers must be unique")
            for p in plans:
                if p.set_id != set_id:
                    raise Invalid(f"meeting {p.id} is not a meeting of set {set_id}")
                _check_turn(p.facilitator, p.presenters, ever, "a member")
                conn.execute(_INSERT_MEETING, (p.id, set_id, p.number, p.on.isoformat(), p.slot, p.video_link))
                _insert_turns(conn, p.id, p.facilitator, p.presenters, {})
            return _records(conn, [tuple(r) for r in conn.execute(_MEETINGS_OF_SET, (set_id,))])

    def meetings_of_set(self, set_id: str) -> list[MeetingRecord]:
        """The set's stored meetings in number order."""
        with self._transaction(write=False) as conn:
            self._need_set_row(conn, set_id)
            return _records(conn, [tuple(r) for r in conn.execute(_MEETINGS_OF_SET, (set_id,))])

    def get_meeting(self, meeting_id: str) -> MeetingRecord:
        """One meeting."""
        with self._transaction(write=False) as conn:
            return _one(conn, meeting_id)

    def set_turns(self, set_id: str, changes: Sequence[TurnChange]) -> list[MeetingRecord]:
        """Apply all turn changes in one transaction, or none."""
        with self._transaction(write=True) as conn:
            self._need_set_row(conn, set_id)
            current = {r[0] for r in conn.execute(_CURRENT_MEMBERS, (set_id,))}
            ids = [c.meeting_id for c in changes]
            if len(set(ids)) != len(ids):
                raise Invalid("a meeting is changed twice in one request")
            before = {m.id: m for m in _records(conn, [tuple(r) for r in conn.execute(_MEETINGS_IN, (_ids(ids),))])}
            for c in changes:
                m = before.get(c.meeting_id)
                if m is None or m.set_id != set_id:
                    raise Invalid(f"meeting {c.meeting_id} is not a meeting of set {set_id}")
                if m.held:
                    raise Conflict(f"meeting {m.number} has been held (attendance recorded); its turns cannot change")
                if m.facilitator != c.expected_facilitator or sorted(m.presenters) != sorted(c.expected_presenters):
                    raise Conflict(f"the turns of meeting {m.number} changed meanwhile; reload and try again")
                _check_turn(c.facilitator, c.presenters, current, "a current member")
            actions = actions_after(before, changes)
            for c in changes:
                conn.execute(_DELETE_TURNS, (c.meeting_id,))
                _insert_turns(conn, c.meeting_id, c.facilitator, c.presenters, actions[c.meeting_id])
            return _records(conn, [tuple(r) for r in conn.execute(_MEETINGS_IN, (_ids(ids),))])

    def move_meeting(self, meeting_id: str, on: date, slot: str, expected_on: date) -> MeetingRecord:
        """Move one meeting (not a held one) to another day and slot."""
        with self._transaction(write=True) as conn:
            m = _one(conn, meeting_id)
            if m.held:
                raise Conflict(f"meeting {m.number} has been held (attendance recorded); it cannot move")
            if m.on != expected_on:
                raise Conflict(f"meeting {m.number} was moved meanwhile (now {m.on.isoformat()}); reload and try again")
            if conn.execute(_SAME_DAY, (m.set_id, on.isoformat(), meeting_id)).fetchone() is not None:
                raise Conflict(f"the set already meets on {on.isoformat()}")
            conn.execute(_MOVE, (on.isoformat(), slot, m.on.isoformat(), meeting_id))
            return _one(conn, meeting_id)

    def set_video_link(self, meeting_ids: Sequence[str], link: str | None) -> int:
        """Set (or clear) the video link of these meetings."""
        with self._transaction(write=True) as conn:
            found = {r[0] for r in conn.execute(_MEETINGS_IN, (_ids(meeting_ids),))}
            missing = sorted(set(meeting_ids) - found)
            if missing:
                raise NotFound(f"no meeting with id {missing[0]!r}")
            for mid in sorted(found):
                conn.execute(_SET_LINK, (link, mid))
            return len(found)

    def record_attendance(self, meeting_id: str, entries: Mapping[str, str]) -> MeetingRecord:
        """Record attendance for members of the meeting's set."""
        bad = sorted(s for s in entries.values() if s not in ATTENDANCE_STATUSES)
        if bad:
            raise Invalid(f"attendance must be one of {', '.join(ATTENDANCE_STATUSES)}, got {bad[0]!r}")
        with self._transaction(write=True) as conn:
            m = _one(conn, meeting_id)
            ever = {r[0] for r in conn.execute(_EVER_MEMBERS, (m.set_id,))}
            strangers = sorted(set(entries) - ever)
            if strangers:
                raise Invalid(f"not a member of the set: {', '.join(strangers)}")
            for assessor, status in sorted(entries.items()):
                conn.execute(_UPSERT_ATTENDANCE, (meeting_id, assessor, status))
            return _one(conn, meeting_id)

    def set_action(self, meeting_id: str, assessor_id: str, action: str | None) -> MeetingRecord:
        """Set or clear a presenter's own action."""
        with self._transaction(write=True) as conn:
            m = _one(conn, meeting_id)
            if assessor_id not in m.presenters:
                raise Invalid(f"{assessor_id} does not present at meeting {m.number}")
            conn.execute(_SET_ACTION, (action, meeting_id, assessor_id))
            return _one(conn, meeting_id)

    def programme_activity(self, programme_id: str) -> list[SetActivity]:
        """Every set of the programme with current members and meetings."""
        with self._transaction(write=False) as conn:
            if conn.execute(_PROGRAMME_EXISTS, (programme_id,)).fetchone() is None:
                raise NotFound(f"no programme with id {programme_id!r}")
            sets = [tuple(r) for r in conn.execute(_SETS_OF_PROGRAMME, (programme_id,))]
            ids = _ids(r[0] for r in sets)
            members: dict[str, list[tuple[str, date]]] = {}
            for set_id, assessor, joined in conn.execute(_CURRENT_OF_SETS, (ids,)):
                members.setdefault(set_id, []).append((assessor, date.fromisoformat(joined)))
            meetings: dict[str, list[MeetingRecord]] = {}
            for m in _records(conn, [tuple(r) for r in conn.execute(_MEETINGS_OF_SETS, (ids,))]):
                meetings.setdefault(m.set_id, []).append(m)
        return [
            SetActivity(
                set_id=r[0],
                name=r[1],
                status=r[2],
                programme_id=r[3],
                current_members=tuple(a for a, _ in members.get(r[0], ())),
                joined=tuple(members.get(r[0], ())),
                meetings=tuple(meetings.get(r[0], ())),
            )
            for r in sets
        ]

    def participation(self, organisation_id: str) -> list[Participation]:
        """Memberships of the organisation's assessors with their attendance."""
        with self._transaction(write=False) as conn:
            if conn.execute(_ORGANISATION_EXISTS, (organisation_id,)).fetchone() is None:
                raise NotFound(f"no organisation with id {organisation_id!r}")
            rows = [tuple(r) for r in conn.execute(_PARTICIPATION, (organisation_id,))]
            seen: dict[tuple[str, str], list[tuple[date, str]]] = {}
            for assessor, set_id, on, status in conn.execute(_PARTICIPATION_ATTENDANCE, (organisation_id,)):
                seen.setdefault((assessor, set_id), []).append((date.fromisoformat(on), status))
        return [
            Participation(
                assessor_id=r[0],
                name=r[1],
                set_id=r[2],
                set_name=r[3],
                programme_id=r[4],
                joined=date.fromisoformat(r[5]),
                left=_day(r[6]),
                attendance=tuple(seen.get((r[0], r[2]), ())),
            )
            for r in rows
        ]

    def meetings_between(self, start: date, end: date) -> list[UpcomingMeeting]:
        """Meetings of active sets in the window."""
        with self._transaction(write=False) as conn:
            rows = [tuple(r) for r in conn.execute(_BETWEEN, (start.isoformat(), end.isoformat()))]
            records = _records(conn, [r[:7] for r in rows])
            set_ids = _ids(r[1] for r in rows)
            members: dict[str, list[str]] = {}
            for set_id, assessor, _joined in conn.execute(_CURRENT_OF_SETS, (set_ids,)):
                members.setdefault(set_id, []).append(assessor)
        return [UpcomingMeeting(m, r[7], tuple(members.get(m.set_id, ()))) for m, r in zip(records, rows, strict=True)]

    def sets_without_meetings(self) -> list[str]:
        """Active sets with a slot and no stored meetings."""
        with self._transaction(write=False) as conn:
            return [r[0] for r in conn.execute(_WITHOUT_MEETINGS)]

    # -- notices ----------------------------------------------------------------------

    def add_notices(self, notices: Sequence[NoticeRecord], at: datetime) -> list[str]:
        """Store the notices whose key is new; the new keys in the order given."""
        new: list[str] = []
        with self._transaction(write=True) as conn:
            for n in notices:
                cur = conn.execute(
                    _INSERT_NOTICE,
                    (
                        n.key,
                        n.user_id,
                        n.assessor_id,
                        n.kind,
                        n.subject,
                        n.body,
                        n.link,
                        None if n.due_on is None else n.due_on.isoformat(),
                        _stamp(at),
                    ),
                )
                if cur.rowcount:
                    new.append(n.key)
                    if n.refs is not None:
                        conn.execute(_INSERT_REFS, (n.key, _refs_text(n.refs)))
        return new

    def notices_for(
        self, *, assessor_id: str | None = None, user_id: str | None = None, limit: int = 50, after: str | None = None
    ) -> Page[NoticeRecord]:
        """Notices for the assessor or the user, newest first."""
        limit = clamp_limit(limit)
        with self._transaction(write=False) as conn:
            cursor = None
            if after is not None:
                row = conn.execute(_NOTICE_CREATED, (after,)).fetchone()
                if row is None:
                    return Page([], None)
                cursor = row[0]
            rows = [tuple(r) for r in conn.execute(_NOTICES_FOR, (assessor_id, user_id, cursor, after, limit + 1))]
        items = [to_notice(r) for r in rows[:limit]]
        return Page(items, items[-1].key if len(rows) > limit else None)

    def undelivered_notices(self, limit: int = 500) -> list[NoticeRecord]:
        """Pending or failed notices, oldest first."""
        with self._transaction(write=False) as conn:
            return [to_notice(tuple(r)) for r in conn.execute(_UNDELIVERED, (max(1, limit),))]

    def mark_notices(self, keys: Sequence[str], status: str, at: datetime, via: str | None = None, error: str | None = None) -> int:
        """Record a delivery outcome."""
        if status not in NOTICE_STATUSES:
            raise Invalid(f"status must be one of {', '.join(NOTICE_STATUSES)}, got {status!r}")
        count = 0
        with self._transaction(write=True) as conn:
            for key in keys:
                count += conn.execute(_MARK, (status, _stamp(at) if status == "sent" else None, via, error, key)).rowcount
        return count

    def notice_subjects(
        self, assessor_ids: Iterable[str] = (), set_ids: Iterable[str] = (), programme_ids: Iterable[str] = ()
    ) -> NoticeSubjects:
        """The names of these assessors, sets and programmes, in one read transaction."""
        people, sets, programmes = _ids(assessor_ids), _ids(set_ids), _ids(programme_ids)
        with self._transaction(write=False) as conn:
            return NoticeSubjects(
                people={r[0]: r[1] for r in conn.execute(_SUBJECT_PEOPLE, (people,))},
                sets={r[0]: SetLabel(r[1], r[2], r[3], r[4]) for r in conn.execute(_SUBJECT_SETS, (sets,))},
                programmes={r[0]: r[1] for r in conn.execute(_SUBJECT_PROGRAMMES, (programmes,))},
            )

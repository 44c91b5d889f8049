"""Embedded (SQLite) implementation of the live meetings area port (issue 19).

The area: the live state of meetings as they happen, versioned, with the facilitator's private note.
Table ``live_meetings``: one row per meeting opened live (``state`` is JSON text); it goes with its meeting.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from graph.embedded.base import EmbeddedBase
from graph.port_live import LiveRecord
from graph.values import Conflict, NotFound

#: Tables and indexes of this area, created by ``ensure_schema`` after the meetings tables.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS live_meetings (
        meeting_id TEXT PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
        set_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        note TEXT,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS live_meetings_by_set ON live_meetings (set_id, meeting_id)",
)

#: Deletes run by ``wipe`` (before the meetings tables).
WIPE: tuple[str, ...] = ("DELETE FROM live_meetings",)

_GET = "SELECT l.meeting_id, l.set_id, l.version, l.state, l.note, l.updated_at FROM live_meetings AS l WHERE l.meeting_id = ?"
_VERSION = "SELECT version FROM live_meetings WHERE meeting_id = ?"
_MEETING = "SELECT set_id FROM meetings WHERE id = ?"
_INSERT = "INSERT INTO live_meetings (meeting_id, set_id, version, state, note, updated_at) VALUES (?, ?, 1, ?, ?, ?)"
_UPDATE = "UPDATE live_meetings SET version = version + 1, state = ?, note = ?, updated_at = ? WHERE meeting_id = ? AND version = ?"
_FORGET = "UPDATE live_meetings SET note = NULL WHERE note IS NOT NULL AND json_extract(state, '$.facilitator') = ?"
_OF_SETS = """SELECT l.meeting_id, l.set_id, l.version, l.state, l.note, l.updated_at
FROM live_meetings AS l JOIN meetings AS m ON m.id = l.meeting_id
WHERE l.set_id IN (SELECT value FROM json_each(?)) ORDER BY m.set_id, m.number"""


def _record(r: Sequence[Any]) -> LiveRecord:
    return LiveRecord(
        meeting_id=r[0],
        set_id=r[1],
        version=int(r[2]),
        state=json.loads(r[3]),
        note=r[4],
        updated_at=datetime.fromisoformat(r[5]).astimezone(UTC),
    )


class EmbeddedLive(EmbeddedBase):
    """The live meetings area on SQLite."""

    def get_live_meeting(self, meeting_id: str, *, lock: bool = False) -> LiveRecord | None:
        """The meeting's live record, or ``None`` (``lock``: read in a write transaction, which SQLite runs one at a time)."""
        with self._transaction(write=lock) as conn:
            row = conn.execute(_GET, (meeting_id,)).fetchone()
        return None if row is None else _record(tuple(row))

    def live_version(self, meeting_id: str) -> int:
        """The live record's version (0 if none)."""
        with self._transaction(write=False) as conn:
            row = conn.execute(_VERSION, (meeting_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def save_live_meeting(
        self, meeting_id: str, state: Mapping[str, Any], note: str | None, expected_version: int, at: datetime
    ) -> LiveRecord:
        """Store version ``expected_version + 1`` if the stored version is ``expected_version``; else :class:`Conflict`."""
        text = json.dumps(dict(state), sort_keys=True, separators=(",", ":"))
        when = at.astimezone(UTC).isoformat()
        with self._transaction(write=True) as conn:
            meeting = conn.execute(_MEETING, (meeting_id,)).fetchone()
            if meeting is None:
                raise NotFound(f"no meeting with id {meeting_id!r}")
            if expected_version == 0:
                try:
                    conn.execute(_INSERT, (meeting_id, meeting[0], text, note, when))
                except sqlite3.IntegrityError:
                    raise Conflict(f"meeting {meeting_id!r} is already live") from None
            elif conn.execute(_UPDATE, (text, note, when, meeting_id, expected_version)).rowcount != 1:
                raise Conflict(f"meeting {meeting_id!r} changed meanwhile (not version {expected_version})")
            row = conn.execute(_GET, (meeting_id,)).fetchone()
        return _record(tuple(row))

    def live_meetings_of_sets(self, set_ids: Sequence[str]) -> list[LiveRecord]:
        """The live records of these sets' meetings, by (set id, meeting number)."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(_OF_SETS, (json.dumps(sorted(set(set_ids))),)).fetchall()
        return [_record(tuple(r)) for r in rows]

    def forget_live_notes(self, assessor_id: str) -> int:
        """Clear the private notes of the meetings this person facilitated; how many."""
        with self._transaction(write=True) as conn:
            return conn.execute(_FORGET, (assessor_id,)).rowcount

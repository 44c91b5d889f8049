"""Neo4j implementation of the live meetings area port (issue 19). Its Cypher is in :mod:`graph.neo4j.queries_live`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import neo4j.time
from neo4j import ManagedTransaction

from graph.neo4j import queries_live as q
from graph.neo4j.base import Neo4jBase
from graph.port_live import LiveRecord
from graph.values import Conflict, NotFound


def _when(value: Any) -> datetime:
    if isinstance(value, neo4j.time.DateTime):
        value = value.to_native()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def _record(p: Mapping[str, Any]) -> LiveRecord:
    return LiveRecord(
        meeting_id=p["meeting_id"],
        set_id=p["set_id"],
        version=int(p["version"]),
        state=json.loads(p["state"]),
        note=p.get("note"),
        updated_at=_when(p["updated_at"]),
    )


class Neo4jLive(Neo4jBase):
    """The live meetings area on Neo4j."""

    def get_live_meeting(self, meeting_id: str, *, lock: bool = False) -> LiveRecord | None:
        """The meeting's live record, or ``None`` (``lock``: write-lock the live node first)."""
        if lock:
            found = self._write(lambda tx: tx.run(q.GET_LOCKED, id=meeting_id).single())
        else:
            found = self._read(lambda tx: tx.run(q.GET, id=meeting_id).single())
        return None if found is None else _record(dict(found["l"]))

    def live_version(self, meeting_id: str) -> int:
        """The live record's version (0 if none)."""
        found = self._read(lambda tx: tx.run(q.VERSION, id=meeting_id).single())
        return 0 if found is None else int(found["version"])

    def save_live_meeting(
        self, meeting_id: str, state: Mapping[str, Any], note: str | None, expected_version: int, at: datetime
    ) -> LiveRecord:
        """Store version ``expected_version + 1`` if the stored version is ``expected_version``; else :class:`Conflict`."""
        params = {
            "id": meeting_id,
            "state": json.dumps(dict(state), sort_keys=True, separators=(",", ":")),
            "note": note,
            "at": at.astimezone(UTC),
            "expected": expected_version,
            "facilitator": state.get("facilitator"),
        }

        def work(tx: ManagedTransaction) -> dict[str, Any] | None | bool:
            if tx.run(q.LOCK_MEETING, id=meeting_id).single() is None:
                return False
            found = tx.run(q.CREATE if expected_version == 0 else q.UPDATE, params).single()
            return None if found is None else dict(found["l"])

        saved = self._write(work, conflict=f"meeting {meeting_id!r} is already live")
        if saved is False:
            raise NotFound(f"no meeting with id {meeting_id!r}")
        if saved is None or saved is True:
            raise Conflict(f"meeting {meeting_id!r} changed meanwhile (not version {expected_version})")
        return _record(saved)

    def live_meetings_of_sets(self, set_ids: Sequence[str]) -> list[LiveRecord]:
        """The live records of these sets' meetings, by (set id, meeting number)."""
        ids = sorted(set(set_ids))
        if not ids:
            return []
        return self._read(lambda tx: [_record(dict(r["l"])) for r in tx.run(q.OF_SETS, set_ids=ids)])

    def forget_live_notes(self, assessor_id: str) -> int:
        """Clear the private notes of the meetings this person facilitated; how many."""
        found = self._write(lambda tx: tx.run(q.FORGET_NOTES, assessor_id=assessor_id).single())
        return 0 if found is None else int(found["cleared"])

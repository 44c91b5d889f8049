"""Area port of :class:`graph.port.GraphStore`: the live state of meetings as they happen (issue 19).

The area: one record per meeting that has been opened live, holding the state every member's page
shows (:class:`network.live.LiveState` as JSON text: phases, bids, timers' start times and pauses,
the review), a version, and the facilitator's private note to self for next time.

Semantics every adapter keeps (``tests/graph/test_store_live.py`` checks them on both):

* The state lives in the store, not in an app server: any server answers for any meeting, and a
  meeting survives a restart. Nothing ticks: timers are stored start times and pauses.
* Versions: a new record is stored with version 1; :meth:`LivePort.save_live_meeting` writes only if
  the stored version is still ``expected_version`` (0 for "none stored yet") and stores
  ``expected_version + 1``; otherwise :class:`Conflict` and nothing changes. Two facilitator
  actions sent against the same version therefore never both land.
* A live record belongs to a stored meeting (:class:`NotFound` otherwise) and goes with it.
* Nothing about cases is stored here: the state holds ids, minutes, times, ratings and the set's one
  review line; the note is the facilitator's own and only they read it (the service's rule).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class LiveRecord:
    """A meeting's live state as stored: the state (JSON-able), its version, the facilitator's private note and when it last changed."""

    meeting_id: str
    set_id: str
    version: int
    state: Mapping[str, Any]
    updated_at: datetime
    note: str | None = None


class LivePort(ABC):
    """The live state of meetings."""

    @abstractmethod
    def get_live_meeting(self, meeting_id: str, *, lock: bool = False) -> LiveRecord | None:
        """The meeting's live record, or ``None`` if it has not been opened live.

        ``lock`` (inside a write unit of work, before a save): take the record's write lock first, so
        concurrent read-then-save steps run one after the other instead of clashing on the version.
        """

    @abstractmethod
    def live_version(self, meeting_id: str) -> int:
        """Only the version of the meeting's live record (0 if none): what a poll compares before reading everything."""

    @abstractmethod
    def save_live_meeting(
        self, meeting_id: str, state: Mapping[str, Any], note: str | None, expected_version: int, at: datetime
    ) -> LiveRecord:
        """Store the state (and note) as version ``expected_version + 1`` if the stored version is ``expected_version``.

        :class:`NotFound` for an unknown meeting; :class:`Conflict` (nothing written) if the version moved on.
        """

    @abstractmethod
    def live_meetings_of_sets(self, set_ids: Sequence[str]) -> list[LiveRecord]:
        """The live records of these sets' meetings, by (set id, meeting number)."""

    @abstractmethod
    def forget_live_notes(self, assessor_id: str) -> int:
        """Clear the private notes of every meeting this person facilitated (the state's ``facilitator``); how many were cleared."""

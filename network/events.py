"""Domain events: what happened, recorded by a use case and turned into notices by the dispatcher.

Events name people, sets and meetings by id only: the notices made from them are worded when
they are read, so an erased person reads as "a former member" everywhere. Events are plain,
frozen values with no behaviour; the dispatcher (``api.services.dispatch``) decides who is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Event:
    """Something that happened; ``actor_id`` is the user who made it happen (None for the system)."""

    actor_id: str | None


@dataclass(frozen=True)
class ContactRequested(Event):
    """``from_id`` asked ``to_id`` to become a peer contact."""

    from_id: str
    to_id: str


@dataclass(frozen=True)
class ContactAccepted(Event):
    """``by_id`` accepted the contact request ``requester_id`` sent."""

    by_id: str
    requester_id: str


@dataclass(frozen=True)
class PlacedInSet(Event):
    """``assessor_ids`` were placed in the set, ``how``: ``commit`` (a committed proposal), ``fill`` or ``join``."""

    set_id: str
    assessor_ids: tuple[str, ...]
    how: str
    #: The day they joined (the set's coming meetings are re-planned from it).
    on: date | None = None


@dataclass(frozen=True)
class LeftSet(Event):
    """``assessor_id`` left the set (or was taken out of it) on ``on``."""

    set_id: str
    assessor_id: str
    on: date | None = None


@dataclass(frozen=True)
class MeetingMoved(Event):
    """A set's meeting moved to another day and/or time (``was_on`` / ``was_slot``: where it was before)."""

    set_id: str
    meeting_id: str
    on: date
    slot: str
    was_on: date | None = None
    was_slot: str | None = None


@dataclass(frozen=True)
class TurnSwapped(Event):
    """Two members exchanged a turn (``kind``: facilitate or present) at two meetings."""

    set_id: str
    kind: str
    assessor_id: str
    meeting_id: str
    other_id: str
    other_meeting_id: str


@dataclass(frozen=True)
class JoinAsked(Event):
    """``assessor_id`` asked to join a set; the programme's coordinators decide."""

    request_id: str
    set_id: str
    assessor_id: str


@dataclass(frozen=True)
class JoinDecided(Event):
    """A join request was decided: ``decision`` is ``accepted``, ``declined`` or ``withdrawn``."""

    request_id: str
    set_id: str
    assessor_id: str
    decision: str
    #: The coordinator's note to the asker (their own words), and whether the programme accepted it automatically.
    note: str = ""
    automatic: bool = False


@dataclass(frozen=True)
class ProgrammeOpened(Event):
    """A programme opened for enrolment."""

    programme_id: str


@dataclass(frozen=True)
class QuestionnaireDue(Event):
    """A follow-up questionnaire (``wave``) of a programme is due for ``assessor_id``."""

    programme_id: str
    assessor_id: str
    wave: str
    due_on: date


@dataclass(frozen=True)
class SetAtRisk(Event):
    """A set's health check on ``on`` found it at risk, for ``reason`` (a signal code of ``network.health``).

    ``assessor_id`` is the member the signal is about (``missed_twice``), ``meeting_on`` the meeting (``no_facilitator``).
    """

    set_id: str
    programme_id: str
    reason: str
    on: date | None = None
    assessor_id: str | None = None
    meeting_on: date | None = None


@dataclass(frozen=True)
class MeetingDue(Event):
    """A reminder: meeting ``number`` of a set is coming up on ``on`` for ``assessor_id`` (a current member)."""

    set_id: str
    meeting_id: str
    number: int
    assessor_id: str
    on: date
    slot: str
    video_link: str | None = None


@dataclass(frozen=True)
class TurnDue(Event):
    """A reminder: ``assessor_id`` has the ``role`` turn (facilitator or presenter) at meeting ``number`` on ``on``."""

    set_id: str
    meeting_id: str
    number: int
    role: str
    assessor_id: str
    on: date
    slot: str


@dataclass(frozen=True)
class ProfileChanged(Event):
    """The assessor's profile changed: ``fields`` names what (``themes`` for their practice themes).

    Nobody is told; views kept of suggestions and reach are refreshed (``paused``, ``discoverable``
    or ``active`` change who may be shown to anyone).
    """

    assessor_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class TurnedDown(Event):
    """``assessor_id`` turned ``other_id`` down (``how``: ``not_for_me`` a suggestion, or ``declined`` a request).

    Nobody is told; neither is suggested to the other again.
    """

    assessor_id: str
    other_id: str
    how: str = "not_for_me"


@dataclass(frozen=True)
class Imported(Event):
    """Rows were imported (a CSV directory, an onboarding upload): anyone's profile, consent or ties may have changed."""

    target_id: str


@dataclass(frozen=True)
class Erased(Event):
    """The assessor was erased at their request (or an admin's): nobody is told, nothing of them is shown again."""

    assessor_id: str

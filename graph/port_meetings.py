"""Area port of :class:`graph.port.GraphStore`: meetings of sets and the notice outbox.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).

Semantics every adapter keeps (``tests/graph/test_store_meetings.py`` checks them on both):

* A meeting belongs to one set and has a number (1, 2, ...) unique in that set, a date and a
  weekly slot (its local start time comes from :func:`network.calendar.meeting_window`).
  Meeting ids are ``<set id>:<number>``, so materialising a set's meetings twice (even from two
  servers at once) creates them once.
* Turns: at most one facilitator and any number of presenters per meeting, never the same person
  in both roles. A presenter's one-line action belongs to the presenter: it is never handed to
  someone else, and when one :meth:`MeetingsPort.set_turns` moves their presenter turn to another
  meeting (a swap), the action moves with them (:func:`actions_after`).
* A meeting whose attendance has been recorded is *held*: its turns and date are history and
  are never changed by :meth:`MeetingsPort.set_turns` or :meth:`MeetingsPort.move_meeting`.
* No case content is stored: only logistics and each presenter's own one-line action.
* Notices are keyed by a stable string; :meth:`MeetingsPort.add_notices` stores a key at most once
  (a unique constraint in both stores), which is what makes reminders idempotent.
* A notice is stored *by reference*: its ``kind`` and ``refs`` (the ids and dates it is about,
  never a name) are worded when it is read (:func:`api.services.notify.render`, reading the names
  with :meth:`MeetingsPort.notice_subjects`), so an erased person reads as "a former member" in
  everyone else's notices. ``subject`` and ``body`` are kept for notices stored before that.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from graph.values import Page

#: Turns a member can take at a meeting.
MEETING_ROLES: tuple[str, ...] = ("facilitator", "presenter")

#: What attendance records for a member at a meeting.
ATTENDANCE_STATUSES: tuple[str, ...] = ("attended", "apologies", "absent")

#: Delivery states of a stored notice: waiting for its notifier, delivered, or the notifier failed (retried later).
NOTICE_STATUSES: tuple[str, ...] = ("pending", "sent", "failed")

#: Longest presenter action ("one line").
MAX_ACTION = 200

#: Longest video link.
MAX_LINK = 500


def meeting_id(set_id: str, number: int) -> str:
    """The stable id of a set's ``number``-th meeting."""
    return f"{set_id}:{number}"


@dataclass(frozen=True, slots=True)
class MeetingPlan:
    """A meeting to create when a set's meetings are first materialised."""

    set_id: str
    number: int
    on: date
    slot: str
    facilitator: str | None = None
    presenters: tuple[str, ...] = ()
    video_link: str | None = None

    @property
    def id(self) -> str:
        return meeting_id(self.set_id, self.number)


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A stored meeting: when, the link, who facilitates and presents, attendance (by assessor id) and presenters' actions."""

    id: str
    set_id: str
    number: int
    on: date
    slot: str
    video_link: str | None = None
    facilitator: str | None = None
    presenters: tuple[str, ...] = ()
    attendance: tuple[tuple[str, str], ...] = ()  # (assessor id, status) in assessor-id order
    actions: tuple[tuple[str, str], ...] = ()  # (presenter id, action) in assessor-id order
    moved_from: date | None = None

    @property
    def held(self) -> bool:
        """True once attendance has been recorded (its turns and date are then history)."""
        return bool(self.attendance)

    def status_of(self, assessor_id: str) -> str | None:
        """The assessor's recorded attendance, or ``None``."""
        return dict(self.attendance).get(assessor_id)

    def action_of(self, assessor_id: str) -> str | None:
        """The presenter's own action, or ``None``."""
        return dict(self.actions).get(assessor_id)


@dataclass(frozen=True, slots=True)
class TurnChange:
    """New turns for one meeting, applied only if the meeting still has the ``expected_*`` turns."""

    meeting_id: str
    facilitator: str | None
    presenters: tuple[str, ...]
    expected_facilitator: str | None
    expected_presenters: tuple[str, ...]


def actions_after(before: Mapping[str, MeetingRecord], changes: Sequence[TurnChange]) -> dict[str, dict[str, str]]:
    """The presenters' actions each changed meeting has after ``changes`` (by meeting id, then presenter id).

    An action belongs to its presenter. A presenter who keeps their turn keeps its action; one
    whose presenter turn at a changed meeting goes while they get a presenter turn at another
    changed meeting takes the action there (lost and gained turns paired in meeting-number order).
    An action is never handed to someone else; it is dropped only when its presenter is left with
    no new presenter turn in ``changes``. ``before`` holds every changed meeting as it is now.
    """
    after: dict[str, dict[str, str]] = {c.meeting_id: {} for c in changes}
    lost: dict[str, list[str]] = {}
    gained: dict[str, list[str]] = {}
    for c in sorted(changes, key=lambda c: before[c.meeting_id].number):
        m = before[c.meeting_id]
        actions = dict(m.actions)
        for p in c.presenters:
            if p not in m.presenters:
                gained.setdefault(p, []).append(c.meeting_id)
            elif p in actions:
                after[c.meeting_id][p] = actions[p]
        for p, action in m.actions:
            if p not in c.presenters:
                lost.setdefault(p, []).append(action)
    for p, actions_lost in lost.items():
        for action, to in zip(actions_lost, gained.get(p, []), strict=False):
            after[to][p] = action
    return after


@dataclass(frozen=True, slots=True)
class SetActivity:
    """What set health needs of one set: its size, current members and stored meetings (in number order)."""

    set_id: str
    name: str
    status: str
    programme_id: str | None
    current_members: tuple[str, ...]
    joined: tuple[tuple[str, date], ...] = ()  # (assessor id, joined) of the current members
    meetings: tuple[MeetingRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Participation:
    """One assessor's membership of one set, with their attendance there (for an organisation's admin)."""

    assessor_id: str
    name: str
    set_id: str
    set_name: str
    programme_id: str | None
    joined: date
    left: date | None
    attendance: tuple[tuple[date, str], ...] = ()  # (meeting date, status) in date order


@dataclass(frozen=True, slots=True)
class UpcomingMeeting:
    """A meeting of an active set in a date window, with the set's name and current members."""

    meeting: MeetingRecord
    set_name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """A stored notice (reminder or message) for a person: its key is unique for ever.

    ``refs`` (ids and ISO dates by role, e.g. ``{"set": "set-1", "by": "ann"}``) is what a notice
    stored by reference is about; such a notice keeps ``subject`` and ``body`` empty and is worded
    when read. ``refs`` is ``None`` for a notice stored with its words (before notices were stored by reference).
    """

    key: str
    kind: str
    subject: str
    body: str
    user_id: str | None = None
    assessor_id: str | None = None
    link: str | None = None
    due_on: date | None = None
    created_at: datetime | None = None
    status: str = "pending"
    sent_at: datetime | None = None
    via: str | None = None
    error: str | None = None
    refs: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class SetLabel:
    """What a notice says of a set: its name, its meeting slot and its programme (id and name)."""

    name: str
    meeting_slot: str | None = None
    programme_id: str | None = None
    programme_name: str | None = None


@dataclass(frozen=True, slots=True)
class NoticeSubjects:
    """The names notices refer to, as they are now; an id missing from ``people`` is someone erased (or unknown)."""

    people: Mapping[str, str]
    sets: Mapping[str, SetLabel]
    programmes: Mapping[str, str]


class MeetingsPort(ABC):
    """Meetings of sets (turns, attendance, actions, moves) and the notice outbox."""

    # -- meetings -----------------------------------------------------------------

    @abstractmethod
    def create_meetings(self, set_id: str, plans: Sequence[MeetingPlan]) -> list[MeetingRecord]:
        """Store the set's meetings if it has none yet (else leave them as they are); the set's meetings in number order.

        :class:`NotFound` for an unknown set; :class:`Invalid` for a plan of another set or naming someone never in it.
        """

    @abstractmethod
    def meetings_of_set(self, set_id: str) -> list[MeetingRecord]:
        """The set's stored meetings in number order (empty if none yet); :class:`NotFound` for an unknown set."""

    @abstractmethod
    def get_meeting(self, meeting_id: str) -> MeetingRecord:
        """One meeting; :class:`NotFound` if there is none."""

    @abstractmethod
    def set_turns(self, set_id: str, changes: Sequence[TurnChange]) -> list[MeetingRecord]:
        """Apply all ``changes`` in one transaction, or none.

        :class:`Conflict` if a meeting no longer has its expected turns or is held (attendance recorded);
        :class:`Invalid` if a meeting is not the set's, someone named is not a current member, or
        someone would facilitate and present at once. Presenters keep their action while they keep
        their turn, and take it with them to the presenter turn a swap gives them (:func:`actions_after`).
        Returns the changed meetings in number order.
        """

    @abstractmethod
    def move_meeting(self, meeting_id: str, on: date, slot: str, expected_on: date) -> MeetingRecord:
        """Move one meeting to ``on`` in ``slot``.

        :class:`Conflict` if it is held, was moved meanwhile, or another meeting of the set is that day.
        """

    @abstractmethod
    def set_video_link(self, meeting_ids: Sequence[str], link: str | None) -> int:
        """Set (or clear) the video link of these meetings; how many there were. :class:`NotFound` for an unknown one."""

    @abstractmethod
    def record_attendance(self, meeting_id: str, entries: Mapping[str, str]) -> MeetingRecord:
        """Record attendance (assessor id -> status) in one write.

        :class:`Invalid` (nothing written) for someone never a member of the set or an unknown status.
        """

    @abstractmethod
    def set_action(self, meeting_id: str, assessor_id: str, action: str | None) -> MeetingRecord:
        """Set (or clear, with ``None``) a presenter's own action; :class:`Invalid` if they do not present at this meeting."""

    @abstractmethod
    def programme_activity(self, programme_id: str) -> list[SetActivity]:
        """Every set of the programme with its current members and meetings, in set-id order (one read)."""

    @abstractmethod
    def participation(self, organisation_id: str) -> list[Participation]:
        """Memberships of the organisation's assessors with their attendance, by (assessor id, set id)."""

    @abstractmethod
    def meetings_between(self, start: date, end: date) -> list[UpcomingMeeting]:
        """Meetings of active sets dated ``start`` to ``end`` inclusive, by (date, meeting id)."""

    @abstractmethod
    def sets_without_meetings(self) -> list[str]:
        """Ids of active sets with a meeting slot whose meetings have not been materialised yet, in id order."""

    # -- notices --------------------------------------------------------------------

    @abstractmethod
    def add_notices(self, notices: Sequence[NoticeRecord], at: datetime) -> list[str]:
        """Store the notices whose key is new (created at ``at``, pending) in one write; the new keys in the order given."""

    @abstractmethod
    def notices_for(
        self, *, assessor_id: str | None = None, user_id: str | None = None, limit: int = 50, after: str | None = None
    ) -> Page[NoticeRecord]:
        """Notices addressed to the assessor or the user, newest first; ``after`` is the key of the previous page's last notice."""

    @abstractmethod
    def undelivered_notices(self, limit: int = 500) -> list[NoticeRecord]:
        """Pending or failed notices, oldest first."""

    @abstractmethod
    def mark_notices(self, keys: Sequence[str], status: str, at: datetime, via: str | None = None, error: str | None = None) -> int:
        """Record a delivery outcome for these notices; how many were found."""

    @abstractmethod
    def notice_subjects(
        self, assessor_ids: Iterable[str] = (), set_ids: Iterable[str] = (), programme_ids: Iterable[str] = ()
    ) -> NoticeSubjects:
        """The names of these assessors, sets (with slot and programme) and programmes, in one read; unknown ids are left out."""

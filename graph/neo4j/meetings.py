"""Neo4j implementation of the meetings area port.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).

Its Cypher is in :mod:`graph.neo4j.queries_meetings`. Writers of one set's meetings lock the
set node first (materialising and re-planning), or the meeting node (moves), so two servers
doing the same thing at once run one after the other and the second sees the first's result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import neo4j
from neo4j import ManagedTransaction

from graph.neo4j import queries_meetings as q
from graph.neo4j.base import Neo4jBase
from graph.neo4j.common import to_notice
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


def _native(value: Any) -> Any:
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    return value


def _record(row: Mapping[str, Any]) -> MeetingRecord:
    m = row["m"]
    facilitators = sorted(row["facilitators"])
    presenters = sorted((p[0], p[1]) for p in row["presenters"])
    return MeetingRecord(
        id=m["id"],
        set_id=m["set_id"],
        number=m["number"],
        on=_native(m["on"]),
        slot=m["slot"],
        video_link=m.get("video_link"),
        moved_from=_native(m.get("moved_from")),
        facilitator=facilitators[0] if facilitators else None,
        presenters=tuple(p for p, _ in presenters),
        attendance=tuple(sorted((a[0], a[1]) for a in row["attendance"])),
        actions=tuple((p, a) for p, a in presenters if a is not None),
    )


def _meetings(tx: ManagedTransaction, statement: str, **params: Any) -> list[MeetingRecord]:
    return [_record(r) for r in tx.run(statement, **params)]


def _one(tx: ManagedTransaction, meeting_id: str) -> MeetingRecord:
    found = _meetings(tx, q.MEETINGS_IN, ids=[meeting_id])
    if not found:
        raise NotFound(f"no meeting with id {meeting_id!r}")
    return found[0]


def _ids(tx: ManagedTransaction, statement: str, **params: Any) -> set[str]:
    return {r["id"] for r in tx.run(statement, **params)}


def _check_turn(facilitator: str | None, presenters: Sequence[str], allowed: set[str], what: str) -> None:
    named = ([facilitator] if facilitator is not None else []) + list(presenters)
    strangers = sorted({a for a in named if a not in allowed})
    if strangers:
        raise Invalid(f"not {what} of the set: {', '.join(strangers)}")
    if len(set(presenters)) != len(presenters):
        raise Invalid("a presenter is named twice")
    if facilitator is not None and facilitator in presenters:
        raise Invalid(f"{facilitator} cannot facilitate and present at the same meeting")


def _add_turns(tx: ManagedTransaction, turns: Sequence[tuple[str, str | None, Sequence[str], Mapping[str, str]]]) -> None:
    """Create turns: (meeting id, facilitator, presenters, actions to keep by presenter)."""
    facilitators = [{"meeting_id": m, "assessor_id": f} for m, f, _p, _k in turns if f is not None]
    presenters = [{"meeting_id": m, "assessor_id": p, "action": keep.get(p)} for m, _f, ps, keep in turns for p in ps]
    if facilitators:
        tx.run(q.ADD_FACILITATORS, rows=facilitators).consume()
    if presenters:
        tx.run(q.ADD_PRESENTERS, rows=presenters).consume()


class Neo4jMeetings(Neo4jBase):
    """The meetings area on Neo4j."""

    def create_meetings(self, set_id: str, plans: Sequence[MeetingPlan]) -> list[MeetingRecord]:
        """Store the set's meetings if it has none yet; the set's meetings in number order."""
        numbers = [p.number for p in plans]
        if len(set(numbers)) != len(numbers):
            raise Invalid("meeting numbers must be unique")

        def work(tx: ManagedTransaction) -> list[MeetingRecord]:
            if tx.run(q.LOCK_SET, set_id=set_id).single() is None:
                raise NotFound(f"no set with id {set_id!r}")
            if tx.run(q.COUNT_MEETINGS, set_id=set_id).single(strict=True)["n"]:
                return _meetings(tx, q.MEETINGS_OF_SET, set_id=set_id)
            ever = _ids(tx, q.EVER_MEMBERS, set_id=set_id)
            for p in plans:
                if p.set_id != set_id:
                    raise Invalid(f"meeting {p.id} is not a meeting of set {set_id}")
                _check_turn(p.facilitator, p.presenters, ever, "a member")
            rows = [{"id": p.id, "number": p.number, "on": p.on, "slot": p.slot, "video_link": p.video_link} for p in plans]
            if rows:
                tx.run(q.CREATE_MEETINGS, set_id=set_id, rows=rows).consume()
                _add_turns(tx, [(p.id, p.facilitator, p.presenters, {}) for p in plans])
            return _meetings(tx, q.MEETINGS_OF_SET, set_id=set_id)

        return self._write(work, conflict=f"the meetings of set {set_id!r} were created meanwhile")

    def meetings_of_set(self, set_id: str) -> list[MeetingRecord]:
        """The set's stored meetings in number order."""

        def work(tx: ManagedTransaction) -> list[MeetingRecord]:
            if tx.run(q.SET_EXISTS, set_id=set_id).single() is None:
                raise NotFound(f"no set with id {set_id!r}")
            return _meetings(tx, q.MEETINGS_OF_SET, set_id=set_id)

        return self._read(work)

    def get_meeting(self, meeting_id: str) -> MeetingRecord:
        """One meeting."""
        return self._read(lambda tx: _one(tx, meeting_id))

    def set_turns(self, set_id: str, changes: Sequence[TurnChange]) -> list[MeetingRecord]:
        """Apply all turn changes in one transaction, or none."""
        ids = [c.meeting_id for c in changes]
        if len(set(ids)) != len(ids):
            raise Invalid("a meeting is changed twice in one request")

        def work(tx: ManagedTransaction) -> list[MeetingRecord]:
            if tx.run(q.LOCK_SET, set_id=set_id).single() is None:
                raise NotFound(f"no set with id {set_id!r}")
            current = _ids(tx, q.CURRENT_MEMBERS, set_id=set_id)
            before = {m.id: m for m in _meetings(tx, q.MEETINGS_IN, ids=ids)}
            for c in changes:
                m = before.get(c.meeting_id)
                if m is None or m.set_id != set_id:
                    raise Invalid(f"meeting {c.meeting_id} is not a meeting of set {set_id}")
                if m.held:
                    raise Conflict(f"meeting {m.number} has been held (attendance recorded); its turns cannot change")
                if m.facilitator != c.expected_facilitator or sorted(m.presenters) != sorted(c.expected_presenters):
                    raise Conflict(f"the turns of meeting {m.number} changed meanwhile; reload and try again")
                _check_turn(c.facilitator, c.presenters, current, "a current member")
            tx.run(q.DELETE_TURNS, ids=ids).consume()
            actions = actions_after(before, changes)
            _add_turns(tx, [(c.meeting_id, c.facilitator, c.presenters, actions[c.meeting_id]) for c in changes])
            return _meetings(tx, q.MEETINGS_IN, ids=ids)

        return self._write(work)

    def move_meeting(self, meeting_id: str, on: date, slot: str, expected_on: date) -> MeetingRecord:
        """Move one meeting (not a held one) to another day and slot."""

        def work(tx: ManagedTransaction) -> MeetingRecord:
            if tx.run(q.LOCK_MEETING, id=meeting_id).single() is None:
                raise NotFound(f"no meeting with id {meeting_id!r}")
            m = _one(tx, meeting_id)
            if m.held:
                raise Conflict(f"meeting {m.number} has been held (attendance recorded); it cannot move")
            if m.on != expected_on:
                raise Conflict(f"meeting {m.number} was moved meanwhile (now {m.on.isoformat()}); reload and try again")
            if tx.run(q.SAME_DAY, set_id=m.set_id, on=on, id=meeting_id).single() is not None:
                raise Conflict(f"the set already meets on {on.isoformat()}")
            tx.run(q.MOVE, id=meeting_id, on=on, slot=slot, was=m.on).consume()
            return _one(tx, meeting_id)

        return self._write(work)

    def set_video_link(self, meeting_ids: Sequence[str], link: str | None) -> int:
        """Set (or clear) the video link of these meetings."""
        ids = sorted(set(meeting_ids))

        def work(tx: ManagedTransaction) -> int:
            found = {m.id for m in _meetings(tx, q.MEETINGS_IN, ids=ids)}
            missing = sorted(set(ids) - found)
            if missing:
                raise NotFound(f"no meeting with id {missing[0]!r}")
            return int(tx.run(q.SET_LINK, ids=ids, link=link).single(strict=True)["n"])

        return self._write(work)

    def record_attendance(self, meeting_id: str, entries: Mapping[str, str]) -> MeetingRecord:
        """Record attendance for members of the meeting's set."""
        bad = sorted(s for s in entries.values() if s not in ATTENDANCE_STATUSES)
        if bad:
            raise Invalid(f"attendance must be one of {', '.join(ATTENDANCE_STATUSES)}, got {bad[0]!r}")

        def work(tx: ManagedTransaction) -> MeetingRecord:
            m = _one(tx, meeting_id)
            ever = _ids(tx, q.EVER_MEMBERS, set_id=m.set_id)
            strangers = sorted(set(entries) - ever)
            if strangers:
                raise Invalid(f"not a member of the set: {', '.join(strangers)}")
            rows = [{"assessor_id": a, "status": s} for a, s in sorted(entries.items())]
            if rows:
                tx.run(q.RECORD_ATTENDANCE, id=meeting_id, rows=rows).consume()
            return _one(tx, meeting_id)

        return self._write(work)

    def set_action(self, meeting_id: str, assessor_id: str, action: str | None) -> MeetingRecord:
        """Set or clear a presenter's own action."""

        def work(tx: ManagedTransaction) -> MeetingRecord:
            m = _one(tx, meeting_id)
            if assessor_id not in m.presenters:
                raise Invalid(f"{assessor_id} does not present at meeting {m.number}")
            tx.run(q.SET_ACTION, id=meeting_id, assessor_id=assessor_id, action=action).consume()
            return _one(tx, meeting_id)

        return self._write(work)

    def programme_activity(self, programme_id: str) -> list[SetActivity]:
        """Every set of the programme with current members and meetings."""

        def work(tx: ManagedTransaction) -> list[SetActivity]:
            if tx.run(q.PROGRAMME_EXISTS, programme_id=programme_id).single() is None:
                raise NotFound(f"no programme with id {programme_id!r}")
            sets = [dict(r) for r in tx.run(q.SETS_OF_PROGRAMME, programme_id=programme_id)]
            meetings: dict[str, list[MeetingRecord]] = {}
            for m in _meetings(tx, q.MEETINGS_OF_PROGRAMME, programme_id=programme_id):
                meetings.setdefault(m.set_id, []).append(m)
            out = []
            for s in sets:
                members = sorted(((a, _native(j)) for a, j in s["members"]), key=lambda x: (x[1], x[0]))
                out.append(
                    SetActivity(
                        set_id=s["id"],
                        name=s["name"],
                        status=s["status"],
                        programme_id=s["programme_id"],
                        current_members=tuple(a for a, _ in members),
                        joined=tuple(members),
                        meetings=tuple(meetings.get(s["id"], ())),
                    )
                )
            return out

        return self._read(work)

    def participation(self, organisation_id: str) -> list[Participation]:
        """Memberships of the organisation's assessors with their attendance."""

        def work(tx: ManagedTransaction) -> list[Participation]:
            if tx.run(q.ORGANISATION_EXISTS, organisation_id=organisation_id).single() is None:
                raise NotFound(f"no organisation with id {organisation_id!r}")
            return [
                Participation(
                    assessor_id=r["assessor_id"],
                    name=r["name"],
                    set_id=r["set_id"],
                    set_name=r["set_name"],
                    programme_id=r["programme_id"],
                    joined=_native(r["joined"]),
                    left=_native(r["left"]),
                    attendance=tuple(sorted((_native(on), status) for on, status in r["attendance"])),
                )
                for r in tx.run(q.PARTICIPATION, organisation_id=organisation_id)
            ]

        return self._read(work)

    def meetings_between(self, start: date, end: date) -> list[UpcomingMeeting]:
        """Meetings of active sets in the window."""

        def work(tx: ManagedTransaction) -> list[UpcomingMeeting]:
            return [
                UpcomingMeeting(_record(r), r["set_name"], tuple(sorted(r["members"]))) for r in tx.run(q.BETWEEN, start=start, end=end)
            ]

        return self._read(work)

    def sets_without_meetings(self) -> list[str]:
        """Active sets with a slot and no stored meetings."""
        return self._read(lambda tx: [r["id"] for r in tx.run(q.WITHOUT_MEETINGS)])

    # -- notices ----------------------------------------------------------------------

    def add_notices(self, notices: Sequence[NoticeRecord], at: datetime) -> list[str]:
        """Store the notices whose key is new; the new keys in the order given."""
        first: dict[str, NoticeRecord] = {}
        for n in notices:
            first.setdefault(n.key, n)
        rows = [
            {
                "key": n.key,
                "props": {
                    k: v
                    for k, v in {
                        "user_id": n.user_id,
                        "assessor_id": n.assessor_id,
                        "kind": n.kind,
                        "subject": n.subject,
                        "body": n.body,
                        "link": n.link,
                        "due_on": n.due_on,
                        "refs": None if n.refs is None else json.dumps(dict(n.refs), sort_keys=True, separators=(",", ":")),
                    }.items()
                    if v is not None
                },
            }
            for n in first.values()
        ]
        if not rows:
            return []
        created = self._write(lambda tx: {r["key"] for r in tx.run(q.ADD_NOTICES, rows=rows, at=at)})
        return [k for k in first if k in created]

    def notices_for(
        self, *, assessor_id: str | None = None, user_id: str | None = None, limit: int = 50, after: str | None = None
    ) -> Page[NoticeRecord]:
        """Notices for the assessor or the user, newest first."""
        limit = clamp_limit(limit)

        def work(tx: ManagedTransaction) -> list[NoticeRecord] | None:
            # The cursor's time is read inside the query: a stored datetime sent back as a parameter
            # does not compare equal to itself (UTC offset vs zone name).
            if after is not None and tx.run(q.NOTICE_EXISTS, key=after).single() is None:
                return None
            rows = tx.run(q.NOTICES_FOR, assessor_id=assessor_id, user_id=user_id, after=after, limit=limit + 1)
            return [to_notice(r["n"]) for r in rows]

        found = self._read(work)
        if found is None:
            return Page([], None)
        items = found[:limit]
        return Page(items, items[-1].key if len(found) > limit else None)

    def undelivered_notices(self, limit: int = 500) -> list[NoticeRecord]:
        """Pending or failed notices, oldest first."""
        return self._read(lambda tx: [to_notice(r["n"]) for r in tx.run(q.UNDELIVERED, limit=max(1, limit))])

    def mark_notices(self, keys: Sequence[str], status: str, at: datetime, via: str | None = None, error: str | None = None) -> int:
        """Record a delivery outcome."""
        if status not in NOTICE_STATUSES:
            raise Invalid(f"status must be one of {', '.join(NOTICE_STATUSES)}, got {status!r}")
        sent_at = at if status == "sent" else None
        return self._write(
            lambda tx: int(
                tx.run(q.MARK_NOTICES, keys=list(keys), status=status, sent_at=sent_at, via=via, error=error).single(strict=True)["n"]
            )
        )

    def notice_subjects(
        self, assessor_ids: Iterable[str] = (), set_ids: Iterable[str] = (), programme_ids: Iterable[str] = ()
    ) -> NoticeSubjects:
        """The names of these assessors, sets and programmes, in one read query."""
        people, sets, programmes = sorted(set(assessor_ids)), sorted(set(set_ids)), sorted(set(programme_ids))
        if not (people or sets or programmes):
            return NoticeSubjects({}, {}, {})
        row = self._read(lambda tx: tx.run(q.NOTICE_SUBJECTS, people=people, sets=sets, programmes=programmes).single(strict=True))
        return NoticeSubjects(
            people={a: name for a, name in row["people"]},
            sets={s[0]: SetLabel(s[1], s[2], s[3], s[4]) for s in row["sets"]},
            programmes={p: name for p, name in row["programmes"]},
        )

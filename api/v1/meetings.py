"""Running sets online (issue 8): meetings, turns, moves, attendance, actions, set health, participation, notices, reminders.

Who may do what (``api.access`` rows in the "meetings (issue 8)" section):

* a set's meetings: its members (current and former) and its programme's coordinators read them;
  current members and coordinators change the logistics (video link, attendance, moves);
* a swap: the two members involved (either may ask) or a coordinator;
* a presenter's one-line action: that presenter alone sees and edits it (never a coordinator,
  an admin or another member: it is never in anyone else's answer);
* set health: the programme's coordinators; participation: the organisation's admins (their own
  assessors only); notices: each person their own; running reminders: admins.

Meetings are addressed by set and number (``/sets/<set>/meetings/<n>``); they are materialised
from the set's rota the first time any of these is asked for.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.access import Principal, authorize, current_principal, set_scope
from api.extensions import get_store
from api.services import meetings as service
from api.services import notify
from api.v1.common import PageQuery, StrictSchema, date_field, id_field, page_schema, path_id
from graph.port import NotFound
from graph.port_meetings import ATTENDANCE_STATUSES, MAX_ACTION, MAX_LINK, MeetingRecord
from graph.port_sets import SetRecord
from network import availability, calendar
from network.domain import InvalidValue

blp = Blueprint("meetings", __name__, description="Meetings of sets (turns, moves, attendance, actions), set health, notices.")

# -- schemas ---------------------------------------------------------------------------------


class MeetingPersonSchema(StrictSchema):
    """A person by id and name."""

    id = fields.String(required=True)
    name = fields.String(required=True)


class AttendanceEntrySchema(StrictSchema):
    """One member's attendance at a meeting."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": " | ".join(ATTENDANCE_STATUSES)})


class MeetingSchema(StrictSchema):
    """One meeting of a set: when, the link, turns and attendance; ``my_action`` only for the presenter asking."""

    id = fields.String(required=True)
    number = fields.Integer(required=True)
    date = fields.Date(required=True)
    slot = fields.String(required=True)
    starts_at = fields.DateTime(required=True, metadata={"description": f"Local time ({calendar.TIMEZONE})."})
    ends_at = fields.DateTime(required=True)
    video_link = fields.String(allow_none=True)
    moved_from = fields.Date(allow_none=True, metadata={"description": "The date the rota first gave it, if moved."})
    facilitator = fields.Nested(MeetingPersonSchema, allow_none=True)
    presenters = fields.List(fields.Nested(MeetingPersonSchema), required=True)
    attendance = fields.List(fields.Nested(AttendanceEntrySchema), required=True)
    held = fields.Boolean(required=True, metadata={"description": "Attendance recorded: turns and date are history."})
    editable = fields.Boolean(required=True, metadata={"description": "Still to come and not held: turns and date can change."})
    i_present = fields.Boolean(required=True)
    my_action = fields.String(allow_none=True, metadata={"description": "Your own one-line action (only if you present)."})


class HealthSignalSchema(StrictSchema):
    """A reason for concern about a set."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    weight = fields.Integer(required=True)
    assessor_id = fields.String(allow_none=True)
    meeting_number = fields.Integer(allow_none=True)


class HealthActionSchema(StrictSchema):
    """A suggested step for the coordinator."""

    code = fields.String(required=True, metadata={"description": "fill_vacancy | check_in | agree_facilitator"})
    message = fields.String(required=True)
    assessor_id = fields.String(allow_none=True)
    link = fields.String(allow_none=True, metadata={"description": "Where to act (the repair suggestions for fill_vacancy)."})


class SetHealthSchema(StrictSchema):
    """One set's health."""

    set_id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True)
    minimum = fields.Integer(required=True)
    attendance_rate = fields.Float(allow_none=True)
    recent_rate = fields.Float(allow_none=True)
    trend = fields.String(allow_none=True, metadata={"description": "rising | steady | falling (null: under two meetings held)"})
    held = fields.Integer(required=True)
    urgency = fields.Integer(required=True)
    next_meeting = fields.Date(allow_none=True)
    signals = fields.List(fields.Nested(HealthSignalSchema), required=True)
    actions = fields.List(fields.Nested(HealthActionSchema), required=True)


class SetMeetingsSchema(StrictSchema):
    """A set's meetings with its members and health."""

    set_id = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    meeting_time = fields.String(allow_none=True)
    members = fields.List(fields.Nested(MeetingPersonSchema), required=True, metadata={"description": "Current members."})
    next_meeting = fields.Integer(allow_none=True, metadata={"description": "Number of the next meeting still to come."})
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)
    health = fields.Nested(SetHealthSchema, allow_none=True)


class MeetingUpdateSchema(StrictSchema):
    """The video link of one meeting (null clears it)."""

    video_link = fields.String(required=True, allow_none=True, validate=validate.Length(max=MAX_LINK))


class VideoLinkSchema(StrictSchema):
    """The video link of every meeting still to come."""

    video_link = fields.String(required=True, allow_none=True, validate=validate.Length(max=MAX_LINK))


class MeetingsChangedSchema(StrictSchema):
    """How many meetings changed."""

    changed = fields.Integer(required=True)


class AttendanceSchema(StrictSchema):
    """Attendance by assessor id."""

    attendance = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.String(validate=validate.OneOf(ATTENDANCE_STATUSES)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )


class TurnSwapSchema(StrictSchema):
    """Swap a turn at this meeting with another member's."""

    role = fields.String(required=True, validate=validate.OneOf(("facilitator", "presenter")))
    assessor_id = id_field(required=True, metadata={"description": "Who has the turn at this meeting."})
    with_assessor_id = id_field(required=True, metadata={"description": "The member who takes it."})
    with_meeting = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The number of their meeting you take instead; default their next turn of the same role."},
    )


class SwapResultSchema(StrictSchema):
    """The meetings a swap changed."""

    exchanged = fields.Boolean(
        required=True,
        metadata={"description": "Always true: a swap exchanges two turns (422 if the other member has no turn to give back)."},
    )
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)


class MeetingMoveQuery(StrictSchema):
    """Where to move a meeting."""

    on = date_field(required=True)
    slot = fields.String(required=True, validate=validate.OneOf(availability.SLOTS))


class MeetingMoveSchema(MeetingMoveQuery):
    """Move a meeting; ``confirm`` when some members would be unavailable."""

    confirm = fields.Boolean(load_default=False)


class MoveCheckSchema(StrictSchema):
    """Who would be unavailable after a move."""

    on = fields.Date(required=True)
    slot = fields.String(required=True)
    everyone_available = fields.Boolean(required=True)
    unavailable = fields.List(fields.Nested(MeetingPersonSchema), required=True)
    no_availability_stated = fields.List(fields.Nested(MeetingPersonSchema), required=True)


class MoveResultSchema(StrictSchema):
    """A moved meeting and who was unavailable."""

    meeting = fields.Nested(MeetingSchema, required=True)
    check = fields.Nested(MoveCheckSchema, required=True)


class MyActionSchema(StrictSchema):
    """Your one-line "action I will take" (empty or null clears it)."""

    action = fields.String(required=True, allow_none=True, validate=validate.Length(max=MAX_ACTION))


class FailureSchema(StrictSchema):
    """An item a batch could not process (logged with its id); the others were processed all the same."""

    kind = fields.String(required=True, metadata={"description": "set, programme or notice."})
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    reason = fields.String(required=True)


class ProgrammeHealthSchema(StrictSchema):
    """Set health of a programme: sets at risk (most urgent first) and every set."""

    programme_id = fields.String(required=True)
    name = fields.String(required=True)
    at_risk = fields.List(fields.Nested(SetHealthSchema), required=True)
    sets = fields.List(fields.Nested(SetHealthSchema), required=True)
    failures = fields.List(
        fields.Nested(FailureSchema), required=True, metadata={"description": "Sets that could not be judged (see the log)."}
    )


class ParticipationSchema(StrictSchema):
    """One of the organisation's assessors in one set."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    set_id = fields.String(required=True)
    set_name = fields.String(required=True)
    programme_id = fields.String(allow_none=True)
    current = fields.Boolean(required=True)
    joined = fields.Date(required=True)
    left = fields.Date(allow_none=True)
    recorded = fields.Integer(required=True)
    attended = fields.Integer(required=True)
    apologies = fields.Integer(required=True)
    absent = fields.Integer(required=True)
    rate = fields.Float(allow_none=True)
    missed_in_a_row = fields.Integer(required=True)
    last_attended = fields.Date(allow_none=True)


class ParticipationListSchema(StrictSchema):
    """An organisation's assessors' participation."""

    organisation_id = fields.String(required=True)
    items = fields.List(fields.Nested(ParticipationSchema), required=True)


class NoticeSchema(StrictSchema):
    """A notice (reminder or message) for you."""

    key = fields.String(required=True)
    kind = fields.String(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    created_at = fields.DateTime(required=True)
    status = fields.String(
        required=True,
        metadata={
            "description": "pending | sending | sent | failed: the e-mail waits (or the daily digest), is being sent, "
            "was sent (or you chose no e-mail), or failed and is tried again"
        },
    )


class NoticeQuery(PageQuery):
    """Keyset pagination by notice key."""

    after = fields.String(
        load_default=None,
        validate=[validate.Length(min=1, max=notify.MAX_KEY), validate.Regexp(notify.KEY_PATTERN, error="Not a notice key.")],
        metadata={"description": "`next_after` of the previous page."},
    )


class RemindersRunSchema(StrictSchema):
    """Produce the reminders due on a day (default today)."""

    date = date_field(load_default=None, allow_none=True)


class RemindersReportSchema(StrictSchema):
    """What a reminders run did."""

    date = fields.Date(required=True)
    materialised_sets = fields.Integer(required=True)
    due = fields.Integer(required=True)
    new = fields.Integer(required=True)
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    retried = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    questionnaires = fields.Boolean(required=True)
    skipped_sets = fields.List(fields.String(), required=True)
    failures = fields.List(
        fields.Nested(FailureSchema), required=True, metadata={"description": "Items left out because they failed (see the log)."}
    )


# -- bodies ----------------------------------------------------------------------------------


def _ref(view_names: dict[str, str] | Any, i: str) -> dict[str, str]:
    return {"id": i, "name": view_names.get(i, service.FORMER_MEMBER)}


def meeting_body(m: service.MeetingView, names: Any) -> dict[str, Any]:
    """A meeting as :class:`MeetingSchema` expects it (the viewer's own action only)."""
    r = m.record
    return {
        "id": r.id,
        "number": r.number,
        "date": r.on,
        "slot": r.slot,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "video_link": r.video_link,
        "moved_from": r.moved_from,
        "facilitator": None if r.facilitator is None else _ref(names, r.facilitator),
        "presenters": [_ref(names, p) for p in r.presenters],
        "attendance": [{"assessor_id": a, "name": names.get(a, service.FORMER_MEMBER), "status": s} for a, s in r.attendance],
        "held": r.held,
        "editable": m.editable,
        "i_present": m.i_present,
        "my_action": m.my_action,
    }


def health_body(h: Any) -> dict[str, Any]:
    """A set's health as :class:`SetHealthSchema` expects it."""
    return {
        "set_id": h.set_id,
        "name": h.name,
        "size": h.size,
        "minimum": h.minimum,
        "attendance_rate": h.attendance_rate,
        "recent_rate": h.recent_rate,
        "trend": h.trend,
        "held": h.held,
        "urgency": h.urgency,
        "next_meeting": h.next_meeting,
        "signals": [
            {"code": s.code, "message": s.message, "weight": s.weight, "assessor_id": s.assessor_id, "meeting_number": s.meeting_number}
            for s in h.signals
        ],
        "actions": [
            {
                "code": a.code,
                "message": a.message,
                "assessor_id": a.assessor_id,
                "link": f"/api/v1/sets/{h.set_id}/repair" if a.code == "fill_vacancy" else None,
            }
            for a in h.actions
        ],
    }


def _set_body(view: service.SetMeetingsView) -> dict[str, Any]:
    slot = view.set.set.meeting_slot
    nxt = view.next_meeting
    return {
        "set_id": view.set.id,
        "name": view.set.set.name,
        "status": view.set.set.status,
        "meeting_time": availability.describe_slot(slot) if slot else None,
        "members": [_ref(view.names, a) for a in view.set.current_member_ids],
        "next_meeting": None if nxt is None else nxt.record.number,
        "meetings": [meeting_body(m, view.names) for m in view.meetings],
        "health": None if view.health is None else health_body(view.health),
    }


def _one_meeting(store: Any, record: MeetingRecord, viewer: str | None) -> dict[str, Any]:
    ids = [a for a in (record.facilitator, *record.presenters) if a] + [a for a, _ in record.attendance]
    names = service.names_of(store, ids)
    now = service.now_uk()
    return meeting_body(service.meeting_view(record, viewer, now.date(), now), names)


# -- scope ----------------------------------------------------------------------------------------


def _authorized_set(set_id: str, action: str, **scope_options: Any) -> tuple[Principal, SetRecord]:
    """Authorize ``action`` on the set's scope (see :func:`api.access.set_scope`), then the set itself: 404 only once allowed."""
    record, scope = set_scope(set_id, **scope_options)
    principal = authorize(action, **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    return principal, record


def _authorized_meeting(set_id: str, number: str, action: str, **scope_options: Any) -> tuple[Principal, MeetingRecord]:
    """Check both path parameters (422 first), authorize ``action`` on the set, then find its ``number``-th meeting."""
    set_id = path_id(set_id, "set_id")
    meeting_number = _number(number)
    principal, _ = _authorized_set(set_id, action, **scope_options)
    return principal, _meeting_of(set_id, meeting_number)


def _meeting_of(set_id: str, number: int) -> MeetingRecord:
    """The set's ``number``-th meeting (materialising the set's meetings if needed)."""
    meetings = service.ensure_meetings(get_store(), set_id)
    found = next((m for m in meetings if m.number == number), None)
    if found is None:
        raise NotFound(f"set {set_id!r} has no meeting {number}")
    return found


def _number(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1000:  # "¹".isdigit() is true too
        raise InvalidValue("number", "must be a meeting number from 1")
    return int(value)


def _viewer() -> str | None:
    me = current_principal()
    return None if me is None else me.assessor_id


# -- meetings of a set ------------------------------------------------------------------------------


@blp.route("/sets/<id:set_id>/meetings")
class SetMeetings(MethodView):
    """A set's meetings."""

    @blp.response(200, SetMeetingsSchema)
    def get(self, set_id: str) -> dict[str, Any]:
        """The set's meetings (materialised from its rota on first use) with members, turns, attendance and health."""
        set_id = path_id(set_id, "set_id")
        _authorized_set(set_id, "meetings:read")
        return _set_body(service.set_meetings(get_store(), set_id, viewer=_viewer()))


@blp.route("/sets/<id:set_id>/video-link")
class SetVideoLink(MethodView):
    """The set's video link."""

    @blp.arguments(VideoLinkSchema)
    @blp.response(200, MeetingsChangedSchema)
    def put(self, args: dict[str, Any], set_id: str) -> dict[str, Any]:
        """Set (or clear) the video link of every meeting still to come."""
        set_id = path_id(set_id, "set_id")
        principal, _ = _authorized_set(set_id, "meetings:write", current=True)
        return {"changed": service.set_video_link(get_store(), set_id, args["video_link"], actor_id=principal.user_id)}


@blp.route("/sets/<id:set_id>/meetings.ics")
class StoredCalendar(MethodView):
    """The set's stored meetings as a calendar (with moves and swaps)."""

    @blp.doc(responses={"200": {"description": "An iCalendar document.", "content": {"text/calendar": {"schema": {"type": "string"}}}}})
    def get(self, set_id: str) -> Response:
        """The set's meetings as stored (moves and swaps included), with facilitator, presenters and video link."""
        set_id = path_id(set_id, "set_id")
        _authorized_set(set_id, "meetings:read")
        site = str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
        body = service.stored_calendar(get_store(), set_id, site=site)
        return Response(body, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{set_id}-meetings.ics"'})


@blp.route("/sets/<id:set_id>/meetings/<number>")
class OneMeeting(MethodView):
    """One meeting."""

    @blp.response(200, MeetingSchema)
    def get(self, set_id: str, number: str) -> dict[str, Any]:
        """One meeting of the set."""
        _, meeting = _authorized_meeting(set_id, number, "meetings:read")
        return _one_meeting(get_store(), meeting, _viewer())

    @blp.arguments(MeetingUpdateSchema)
    @blp.response(200, MeetingSchema)
    def patch(self, args: dict[str, Any], set_id: str, number: str) -> dict[str, Any]:
        """Set (or clear) this meeting's video link."""
        principal, meeting = _authorized_meeting(set_id, number, "meetings:write", current=True)
        store = get_store()
        service.set_video_link(store, set_id, args["video_link"], meeting_id=meeting.id, actor_id=principal.user_id)
        return _one_meeting(store, store.get_meeting(meeting.id), _viewer())


@blp.route("/sets/<id:set_id>/meetings/<number>/attendance")
class Attendance(MethodView):
    """Attendance at a meeting."""

    @blp.arguments(AttendanceSchema)
    @blp.response(200, MeetingSchema)
    def post(self, args: dict[str, Any], set_id: str, number: str) -> dict[str, Any]:
        """Record attendance (attended, apologies, absent) of members; 422 and nothing written for a non-member."""
        principal, meeting = _authorized_meeting(set_id, number, "meetings:write", current=True)
        store = get_store()
        saved = service.record_attendance(store, meeting.id, args["attendance"], actor_id=principal.user_id)
        return _one_meeting(store, saved, principal.assessor_id)


@blp.route("/sets/<id:set_id>/meetings/<number>/swap")
class Swap(MethodView):
    """Swapping a turn."""

    @blp.arguments(TurnSwapSchema)
    @blp.response(200, SwapResultSchema)
    def post(self, args: dict[str, Any], set_id: str, number: str) -> dict[str, Any]:
        """Swap a facilitator or presenter turn with another member (only those two turns change); 422 for someone outside the set."""
        parties = (args["assessor_id"], args["with_assessor_id"])
        principal, meeting = _authorized_meeting(set_id, number, "meetings:swap", current=True, parties=parties)
        store = get_store()
        with_meeting = None if args["with_meeting"] is None else _meeting_of(set_id, args["with_meeting"]).id
        outcome = service.swap_turn(
            store,
            set_id,
            meeting.id,
            args["role"],
            args["assessor_id"],
            args["with_assessor_id"],
            with_meeting_id=with_meeting,
            actor_id=principal.user_id,
        )
        return {"exchanged": outcome.exchanged, "meetings": [_one_meeting(store, m, principal.assessor_id) for m in outcome.meetings]}


def _check_body(check: service.MoveCheck) -> dict[str, Any]:
    return {
        "on": check.on,
        "slot": check.slot,
        "everyone_available": check.everyone_available,
        "unavailable": [_ref(check.names, a) for a in check.unavailable],
        "no_availability_stated": [_ref(check.names, a) for a in check.unknown],
    }


@blp.route("/sets/<id:set_id>/meetings/<number>/move-check")
class MoveCheck(MethodView):
    """Who could come if a meeting moved."""

    @blp.arguments(MeetingMoveQuery, location="query")
    @blp.response(200, MoveCheckSchema)
    def get(self, args: dict[str, Any], set_id: str, number: str) -> dict[str, Any]:
        """Check every current member's stated availability for a new date and slot (nothing changes)."""
        _, meeting = _authorized_meeting(set_id, number, "meetings:write", current=True)
        return _check_body(service.check_move(get_store(), meeting.id, args["on"], args["slot"]))


@blp.route("/sets/<id:set_id>/meetings/<number>/move")
class Move(MethodView):
    """Moving a meeting."""

    @blp.arguments(MeetingMoveSchema)
    @blp.response(200, MoveResultSchema)
    def post(self, args: dict[str, Any], set_id: str, number: str) -> dict[str, Any]:
        """Move one meeting; 409 naming who would be unavailable unless ``confirm`` is true."""
        principal, meeting = _authorized_meeting(set_id, number, "meetings:write", current=True)
        store = get_store()
        moved, check = service.move_meeting(
            store, meeting.id, args["on"], args["slot"], confirm=args["confirm"], actor_id=principal.user_id
        )
        return {"meeting": _one_meeting(store, moved, principal.assessor_id), "check": _check_body(check)}


@blp.route("/sets/<id:set_id>/meetings/<number>/my-action")
class MyAction(MethodView):
    """Your own action as a presenter."""

    @blp.arguments(MyActionSchema)
    @blp.response(200, MeetingSchema)
    def put(self, args: dict[str, Any], set_id: str, number: str) -> dict[str, Any]:
        """Set your one-line "action I will take" for a meeting you present at (only you see it)."""
        set_id = path_id(set_id, "set_id")
        meeting_number = _number(number)
        principal, _ = _authorized_set(set_id, "meetings:action")
        if principal.assessor_id is None:
            raise InvalidValue("action", "only the presenter can write their action")
        meeting = _meeting_of(set_id, meeting_number)
        store = get_store()
        saved = service.set_my_action(store, meeting.id, principal.assessor_id, args["action"])
        return _one_meeting(store, saved, principal.assessor_id)


# -- set health, participation --------------------------------------------------------------------


@blp.route("/programmes/<id:programme_id>/health")
class ProgrammeHealth(MethodView):
    """Set health of a programme."""

    @blp.response(200, ProgrammeHealthSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """The programme's sets at risk, most urgent first, each with suggested actions; and every set's figures."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("health:read", programme_id=programme_id)
        view = service.programme_health(get_store(), programme_id)
        return {
            "programme_id": view.programme.id,
            "name": view.programme.name,
            "at_risk": [health_body(h) for h in view.at_risk],
            "sets": [health_body(h) for h in view.sets],
            "failures": [f.as_dict() for f in view.failures],
        }


@blp.route("/organisations/<id:organisation_id>/participation")
class OrganisationParticipation(MethodView):
    """An organisation's assessors' participation in sets."""

    @blp.response(200, ParticipationListSchema)
    def get(self, organisation_id: str) -> dict[str, Any]:
        """Each of the organisation's assessors in each set: meetings recorded, attended, apologies, absent."""
        organisation_id = path_id(organisation_id, "organisation_id")
        authorize("participation:read", organisation_id=organisation_id)
        rows = service.organisation_participation(get_store(), organisation_id)
        return {
            "organisation_id": organisation_id,
            "items": [
                {
                    "assessor_id": p.row.assessor_id,
                    "name": p.row.name,
                    "set_id": p.row.set_id,
                    "set_name": p.row.set_name,
                    "programme_id": p.row.programme_id,
                    "current": p.summary.current,
                    "joined": p.row.joined,
                    "left": p.row.left,
                    "recorded": p.summary.recorded,
                    "attended": p.summary.attended,
                    "apologies": p.summary.apologies,
                    "absent": p.summary.absent,
                    "rate": p.summary.rate,
                    "missed_in_a_row": p.summary.missed_in_a_row,
                    "last_attended": p.summary.last_attended,
                }
                for p in rows
            ],
        }


# -- notices and reminders ----------------------------------------------------------------------------


@blp.route("/me/notices")
class MyNotices(MethodView):
    """Your notices."""

    @blp.arguments(NoticeQuery, location="query")
    @blp.response(200, page_schema(NoticeSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Reminders and messages for you (as an assessor and as a user), newest first."""
        principal = authorize("notices:read")
        store = get_store()
        page = notify.inbox(store, assessor_id=principal.assessor_id, user_id=principal.user_id, limit=args["limit"], after=args["after"])
        items = [
            {
                "key": n.key,
                "kind": n.kind,
                "subject": w.subject,
                "body": w.body,
                "link": w.link,
                "due_on": n.due_on,
                "created_at": n.created_at,
                "status": n.status,
            }
            for n, w in zip(page.items, notify.render(store, page.items), strict=True)  # worded as they read now
        ]
        return {"items": items, "next_after": page.next_after}


@blp.route("/reminders/run")
class RunReminders(MethodView):
    """Producing the reminders due."""

    @blp.arguments(RemindersRunSchema)
    @blp.response(200, RemindersReportSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Produce and send the reminders due on a day (default today); running it twice sends nothing twice."""
        authorize("reminders:send")
        report = service.send_reminders(get_store(), args["date"] or service.today_uk(), notifier=notify.notifier_from(current_app.config))
        return service.describe(report)

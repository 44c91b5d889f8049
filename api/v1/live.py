"""The meeting itself (issue 19): the live state of a set's meeting, its steps, and facilitation over time.

Who may do what (``api.access`` rows in the "live meetings (issue 19)" section):

* a live meeting: the set's current members read it and take steps; the facilitator of the day
  (whoever opened it) runs it: advance, skip, pause, resume, extend, close. Coordinators never see
  a live meeting, only :ref:`the aggregates <facilitation>`;
* ``/me/facilitation``: each member's own counts, the reviews of the meetings they facilitated and
  their private notes to self;
* ``/programmes/<id>/facilitation``: a programme's coordinators see per set only aggregates over
  time (meetings run live, share completed, average review from 5 ratings or more, how many members
  have not facilitated yet); no individual ratings or notes.

Polling: ``GET .../live`` answers with an ``ETag``; send it back as ``If-None-Match`` and get
``304 Not Modified`` until something changes (or the minute turns, as the fair shares of time
depend on the time left). The state is in the store, so any app server answers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.access import Principal, authorize, current_principal, set_scope
from api.extensions import get_store
from api.services import live as service
from api.services import meetings as meetings_service
from api.v1.common import StrictSchema, path_id
from graph.port import NotFound
from graph.port_meetings import ATTENDANCE_STATUSES, MeetingRecord
from network import live as engine
from network.domain import InvalidValue

blp = Blueprint("live", __name__, description="The meeting itself: live state, steps, and facilitation over time.")

_VIEW_DOC = {
    "description": "The meeting as you see it now: phase, people, bids and shares, the timer (start time, pauses, "
    "allowance), prompts for the facilitator and what is kept. `version` changes with every step.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


class LiveStepSchema(StrictSchema):
    """One step of the meeting."""

    do = fields.String(required=True, validate=validate.OneOf(service.STEPS), metadata={"description": ", ".join(service.STEPS)})
    run = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=10**9),
        metadata={
            "description": "`run` of the meeting as you saw it: how many facilitator steps it had taken. Required for the "
            "facilitator's steps; if another facilitator step came first, 409 and nothing changes."
        },
    )
    minutes = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=max(engine.MAX_BID, engine.MAX_EXTEND))
    )
    ratings = fields.Dict(
        keys=fields.String(validate=validate.OneOf(tuple(engine.REVIEW_QUESTIONS))),
        values=fields.Integer(strict=True, validate=validate.Range(min=engine.RATING_MIN, max=engine.RATING_MAX)),
        load_default=None,
        allow_none=True,
    )
    line = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=engine.MAX_REVIEW_LINE))


class LiveNoteSchema(StrictSchema):
    """The facilitator's private note to self (one thing to try next time); empty clears it."""

    note = fields.String(required=True, allow_none=True, validate=validate.Length(max=engine.MAX_NOTE))


class LiveAttendanceSchema(StrictSchema):
    """Corrected attendance by assessor id (after the meeting is closed)."""

    attendance = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.String(validate=validate.OneOf(ATTENDANCE_STATUSES)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )


class FacilitatedSchema(StrictSchema):
    set_id = fields.String(required=True)
    set_name = fields.String(required=True)
    number = fields.Integer(required=True)
    on = fields.String(required=True)
    completed = fields.Boolean(required=True)
    ratings = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    raters = fields.Integer(required=True)
    line = fields.String(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "Your private note to self (only you see it)."})


class MyFacilitationSchema(StrictSchema):
    """Your facilitation and presenting so far (meetings run live)."""

    facilitated = fields.Integer(required=True)
    presented = fields.Integer(required=True)
    meetings = fields.List(fields.Nested(FacilitatedSchema), required=True)


class SetFacilitationSchema(StrictSchema):
    set_id = fields.String(required=True)
    name = fields.String(required=True)
    meetings = fields.Integer(required=True, metadata={"description": "Meetings run with the live page."})
    completed = fields.Integer(required=True, metadata={"description": "Of those, how many went through to the review and were closed."})
    completed_share = fields.Integer(allow_none=True, metadata={"description": "Per cent completed (null: none run)."})
    average = fields.Float(allow_none=True, metadata={"description": "Average review rating 1-5; null from fewer than 5 ratings."})
    ratings = fields.Integer(required=True)
    not_yet = fields.Integer(required=True, metadata={"description": "Current members who have not facilitated a live meeting yet."})
    members = fields.Integer(required=True)


class ProgrammeFacilitationSchema(StrictSchema):
    programme_id = fields.String(required=True)
    sets = fields.List(fields.Nested(SetFacilitationSchema), required=True)


def _number(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1000:
        raise InvalidValue("number", "must be a meeting number from 1")
    return int(value)


def _authorized(set_id: str, number: str, action: str) -> tuple[Principal, MeetingRecord]:
    set_id = path_id(set_id, "set_id")
    meeting_number = _number(number)
    record, scope = set_scope(set_id, current=True)
    principal = authorize(action, **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    found = next((m for m in meetings_service.ensure_meetings(get_store(), set_id) if m.number == meeting_number), None)
    if found is None:
        raise NotFound(f"set {set_id!r} has no meeting {meeting_number}")
    return principal, found


def etag_of(version: int, viewer: str | None, minute: int) -> str:
    """The tag of what a viewer sees: the stored version, the viewer, and the minute (shares depend on the time left)."""
    who = hashlib.sha256((viewer or "").encode()).hexdigest()[:8]
    return f"live-{version}-{minute}-{who}"


def _minute() -> int:
    return int(service.now_utc().timestamp() // 60)


def _view_response(set_id: str, meeting: MeetingRecord, viewer: str | None, status: int = 200) -> Response:
    view = service.live_view(get_store(), set_id, meeting.id, viewer)
    response = jsonify(view)
    response.status_code = status
    response.set_etag(etag_of(view["version"], viewer, _minute()))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.route("/sets/<id:set_id>/meetings/<number>/live")
class LiveMeeting(MethodView):
    """A meeting as it happens."""

    @blp.doc(
        responses={
            "200": _VIEW_DOC,
            "304": {"description": "Nothing changed since the ETag you sent as If-None-Match."},
        }
    )
    def get(self, set_id: str, number: str) -> Response:
        """The meeting now (for the set's current members); with ``If-None-Match``, 304 until it changes."""
        principal, meeting = _authorized(set_id, number, "live:read")
        tag = etag_of(service.current_version(get_store(), meeting.id), principal.assessor_id, _minute())
        if request.if_none_match.contains(tag):
            response = Response(status=304)
            response.set_etag(tag)
            response.headers["Cache-Control"] = "private, no-cache"
            return response
        return _view_response(meeting.set_id, meeting, principal.assessor_id)

    @blp.arguments(LiveStepSchema)
    @blp.doc(responses={"200": _VIEW_DOC, "409": {"description": "A facilitator's step against a version the meeting has moved on from."}})
    def post(self, args: dict[str, Any], set_id: str, number: str) -> Response:
        """Take one step: members join, check in, bid or pass, rate and write the review line; the facilitator runs the rest."""
        principal, meeting = _authorized(set_id, number, "live:act")
        try:
            service.step(
                get_store(),
                meeting.set_id,
                meeting.id,
                principal.assessor_id,
                args["do"],
                run=args["run"],
                minutes=args["minutes"],
                ratings=args["ratings"],
                line=args["line"],
                actor_id=principal.user_id,
            )
        except service.Stale as exc:
            response = _view_response(meeting.set_id, meeting, principal.assessor_id, 409)
            body = response.get_json()
            body["error"] = {"status": 409, "code": "conflict", "message": str(exc)}
            response.set_data(jsonify(body).get_data())
            return response
        return _view_response(meeting.set_id, meeting, principal.assessor_id)


@blp.route("/sets/<id:set_id>/meetings/<number>/live/start")
class LiveStart(MethodView):
    """Opening a meeting."""

    @blp.doc(responses={"200": _VIEW_DOC})
    def post(self, set_id: str, number: str) -> Response:
        """Open the meeting live (the one who opens it facilitates today), or join it if it is open; only on the meeting's day."""
        principal, meeting = _authorized(set_id, number, "live:act")
        service.start_meeting(get_store(), meeting.set_id, meeting.id, principal.assessor_id, actor_id=principal.user_id)
        return _view_response(meeting.set_id, meeting, principal.assessor_id)


@blp.route("/sets/<id:set_id>/meetings/<number>/live/note")
class LiveNote(MethodView):
    """The facilitator's note to self."""

    @blp.arguments(LiveNoteSchema)
    @blp.doc(responses={"200": _VIEW_DOC})
    def put(self, args: dict[str, Any], set_id: str, number: str) -> Response:
        """Keep one thing to try next time (only the facilitator of this meeting; only they ever see it)."""
        principal, meeting = _authorized(set_id, number, "live:act")
        service.save_note(get_store(), meeting.set_id, meeting.id, principal.assessor_id, args["note"])
        return _view_response(meeting.set_id, meeting, principal.assessor_id)


@blp.route("/sets/<id:set_id>/meetings/<number>/live/attendance")
class LiveAttendance(MethodView):
    """Correcting who was there."""

    @blp.arguments(LiveAttendanceSchema)
    @blp.doc(responses={"200": _VIEW_DOC})
    def put(self, args: dict[str, Any], set_id: str, number: str) -> Response:
        """Correct the attendance the closed meeting filled in from who joined; every member sees the correction."""
        principal, meeting = _authorized(set_id, number, "live:act")
        service.correct_attendance(
            get_store(), meeting.set_id, meeting.id, principal.assessor_id, args["attendance"], actor_id=principal.user_id
        )
        return _view_response(meeting.set_id, meeting, principal.assessor_id)


@blp.route("/me/facilitation")
class MyFacilitation(MethodView):
    """Growing as a facilitator."""

    @blp.response(200, MyFacilitationSchema)
    def get(self) -> dict[str, Any]:
        """How often you facilitated and presented, the reviews of the meetings you facilitated, and your notes to self."""
        principal = authorize("facilitation:own", assessor_id=_me())
        mine = service.my_facilitation(get_store(), principal.assessor_id or "")
        return {
            "facilitated": mine.facilitated,
            "presented": mine.presented,
            "meetings": [
                {
                    "set_id": m.set_id,
                    "set_name": m.set_name,
                    "number": m.number,
                    "on": m.on,
                    "completed": m.completed,
                    "ratings": dict(m.ratings),
                    "raters": m.raters,
                    "line": m.line,
                    "note": m.note,
                }
                for m in mine.meetings
            ],
        }


def _me() -> str | None:
    me = current_principal()
    return None if me is None else me.assessor_id


@blp.route("/programmes/<id:programme_id>/facilitation")
class ProgrammeFacilitation(MethodView):
    """The process in a programme's sets, over time."""

    @blp.response(200, ProgrammeFacilitationSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """Per set: meetings run live, share completed, average review (none from fewer than 5 ratings), members yet to facilitate."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("facilitation:read", programme_id=programme_id)
        store = get_store()
        store.get_programme(programme_id)
        return {
            "programme_id": programme_id,
            "sets": [
                {
                    "set_id": s.set_id,
                    "name": s.name,
                    "meetings": s.meetings,
                    "completed": s.completed,
                    "completed_share": s.completed_share,
                    "average": s.average,
                    "ratings": s.ratings,
                    "not_yet": s.not_yet,
                    "members": s.members,
                }
                for s in service.programme_facilitation(store, programme_id)
            ],
        }

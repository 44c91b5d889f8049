"""Joining existing sets (issue 9): set suggestions, open programmes, join requests and the coordinator's decisions.

Who may do what (``api.access`` rows in the "joins (issue 9)" section):

* an assessor's set suggestions, the open programmes they could enrol in, and their own join
  requests: that assessor (and admins);
* asking to join a set and withdrawing a request: the assessor themself;
* a programme's join requests, accepting and declining them: the programme's coordinators.

Bad input answers 422 with a message and writes nothing: asking to join a full set, a set where
the organisation's limit is reached, a set one is already in (and every other rule). Accepting a
request that breaks a rule now (the last place was taken meanwhile) answers 409 naming the rule.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.access import authorize, current_principal
from api.extensions import get_store
from api.services import joins as service
from api.v1.common import StrictSchema, id_field, path_id
from graph.port import Invalid, NotFound
from graph.port_joins import JOIN_STATUSES, MAX_MESSAGE, JoinRequest
from network import availability
from network.domain import Programme
from network.formation import GOALS

blp = Blueprint("joins", __name__, description="Sets an assessor could join, open programmes, join requests and their decisions.")


# -- schemas -------------------------------------------------------------------------------------


class SuggestionsQuery(StrictSchema):
    """How many set suggestions at most."""

    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=service.MAX_LIMIT))


class StatusQuery(StrictSchema):
    """Only requests with this status (all when omitted)."""

    status = fields.String(load_default=None, validate=validate.OneOf(JOIN_STATUSES))


class JoinRequestCreateSchema(StrictSchema):
    """A request to join a set: who asks (default: you) and an optional message for the coordinator."""

    assessor_id = id_field(load_default=None, metadata={"description": "Defaults to the signed-in assessor."})
    message = fields.String(load_default="", validate=validate.Length(max=MAX_MESSAGE))


class DecisionSchema(StrictSchema):
    """A note with the decision (shown to the assessor when a request is declined)."""

    note = fields.String(load_default="", validate=validate.Length(max=MAX_MESSAGE))


class SetSuggestionSchema(StrictSchema):
    """A set the assessor could join: what they would add by each formation goal, and why in words."""

    rank = fields.Integer(required=True)
    set_id = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    programme_id = fields.String(required=True)
    programme_name = fields.String(required=True)
    meeting_slot = fields.String(allow_none=True)
    meeting_time = fields.String(allow_none=True)
    members = fields.Integer(required=True)
    size_max = fields.Integer(required=True)
    places_left = fields.Integer(required=True)
    new_ties = fields.Integer(required=True, metadata={"description": "Members in other organisations not yet tied to the assessor."})
    same_organisation = fields.Integer(required=True)
    shared_themes = fields.List(fields.Dict(keys=fields.String(), values=fields.String()), required=True)
    score = fields.Float(required=True)
    breakdown = fields.Dict(
        keys=fields.String(), values=fields.Float(), required=True, metadata={"description": f"What you add, per goal: {', '.join(GOALS)}."}
    )
    reasons = fields.List(fields.String(), required=True)
    summary = fields.String(required=True)
    join_policy = fields.String(required=True, metadata={"description": "automatic: accepted at once when every rule holds."})


class SetSuggestionsSchema(StrictSchema):
    """Sets the assessor could join, best first, and notices explaining an empty list."""

    assessor_id = fields.String(required=True)
    items = fields.List(fields.Nested(SetSuggestionSchema), required=True)
    notices = fields.List(fields.String(), required=True)
    considered = fields.Integer(required=True)


class OpenProgrammeSchema(StrictSchema):
    """An open programme the assessor could enrol in."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(allow_none=True)
    status = fields.String(required=True)
    cadence = fields.String(required=True)
    meetings = fields.Integer(required=True)
    starts_on = fields.Date(allow_none=True)
    set_size_min = fields.Integer(required=True)
    set_size_max = fields.Integer(required=True)


class OpenProgrammesSchema(StrictSchema):
    """Open programmes in the assessor's region (or open to every region) they are not enrolled in."""

    items = fields.List(fields.Nested(OpenProgrammeSchema), required=True)


class JoinRequestSchema(StrictSchema):
    """A request to join a set, with the names people read."""

    id = fields.String(required=True)
    set_id = fields.String(required=True)
    set_name = fields.String(required=True)
    programme_id = fields.String(allow_none=True)
    programme_name = fields.String(allow_none=True)
    assessor_id = fields.String(required=True)
    assessor_name = fields.String(required=True)
    organisation_name = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": ", ".join(JOIN_STATUSES)})
    message = fields.String(required=True)
    note = fields.String(required=True)
    requested_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by = fields.String(allow_none=True, metadata={"description": "A user id, or 'automatic'."})
    meeting_time = fields.String(allow_none=True)
    members = fields.Integer(required=True)
    size_max = fields.Integer(allow_none=True)
    blocked_by = fields.String(
        allow_none=True,
        metadata={"description": "For a waiting request: the rule accepting it would break now (null: it can be accepted)."},
    )


class JoinRequestListSchema(StrictSchema):
    """Join requests."""

    items = fields.List(fields.Nested(JoinRequestSchema), required=True)


# -- presenters --------------------------------------------------------------------------------------


def _suggestions_body(view: service.SuggestionsView) -> dict[str, Any]:
    r = view.result
    return {
        "assessor_id": view.assessor_id,
        "considered": r.considered,
        "notices": list(r.notices),
        "items": [
            {
                "rank": s.rank,
                "set_id": s.set_id,
                "name": s.name,
                "status": s.status,
                "programme_id": s.programme_id,
                "programme_name": s.programme_name,
                "meeting_slot": s.meeting_slot,
                "meeting_time": None if s.meeting_slot is None else availability.describe_slot(s.meeting_slot),
                "members": s.members,
                "size_max": s.size_max,
                "places_left": s.places_left,
                "new_ties": s.new_ties,
                "same_organisation": s.same_organisation,
                "shared_themes": [{"id": t, "name": view.theme_names.get(t, t)} for t in s.shared_themes],
                "score": s.score,
                "breakdown": dict(s.breakdown),
                "reasons": list(s.reasons),
                "summary": s.summary,
                "join_policy": s.join_policy,
            }
            for s in r.items
        ],
    }


def _programme_body(p: Programme) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "region": p.region,
        "status": p.status,
        "cadence": p.cadence,
        "meetings": p.meetings,
        "starts_on": p.starts_on,
        "set_size_min": p.set_size_min,
        "set_size_max": p.set_size_max,
    }


def request_body(v: service.RequestView) -> dict[str, Any]:
    """A request view as the API shows it."""
    r = v.request
    return {
        "id": r.id,
        "set_id": r.set_id,
        "set_name": v.set_name,
        "programme_id": r.programme_id,
        "programme_name": v.programme_name,
        "assessor_id": r.assessor_id,
        "assessor_name": v.assessor_name,
        "organisation_name": v.organisation_name,
        "status": r.status,
        "message": r.message,
        "note": r.note,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
        "decided_by": r.decided_by,
        "meeting_time": v.meeting_time,
        "members": v.members,
        "size_max": v.size_max,
        "blocked_by": v.blocked_by,
    }


def _one(request: JoinRequest) -> dict[str, Any]:
    views = service.request_views(get_store(), [request])
    return request_body(views[0])


def _request_or_none(request_id: str) -> JoinRequest | None:
    try:
        return get_store().get_join_request(request_id)
    except NotFound:
        return None


# -- an assessor's view ---------------------------------------------------------------------------------


@blp.route("/assessors/<id:assessor_id>/set-suggestions")
class SetSuggestions(MethodView):
    """Existing sets the assessor could join."""

    @blp.arguments(SuggestionsQuery, location="query")
    @blp.response(200, SetSuggestionsSchema)
    def get(self, args: dict[str, Any], assessor_id: str) -> dict[str, Any]:
        """Sets with a free place that meet when you are free, ranked by what you add to each (formation's goals), with reasons."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("set_suggestions:read", assessor_id=assessor_id)
        return _suggestions_body(service.set_suggestions(get_store(), assessor_id, limit=args["limit"]))


@blp.route("/assessors/<id:assessor_id>/open-programmes")
class OpenProgrammes(MethodView):
    """Programmes the assessor could enrol in."""

    @blp.response(200, OpenProgrammesSchema)
    def get(self, assessor_id: str) -> dict[str, Any]:
        """Open programmes in your region (or open to every region) you are not enrolled in; enrol with PUT .../enrolments/<you>."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("open_programmes:read", assessor_id=assessor_id)
        return {"items": [_programme_body(p) for p in service.open_programmes(get_store(), assessor_id)]}


@blp.route("/assessors/<id:assessor_id>/join-requests")
class AssessorJoinRequests(MethodView):
    """The assessor's own requests to join sets."""

    @blp.arguments(StatusQuery, location="query")
    @blp.response(200, JoinRequestListSchema)
    def get(self, args: dict[str, Any], assessor_id: str) -> dict[str, Any]:
        """Your requests, newest first."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("joins:own", assessor_id=assessor_id)
        return {"items": [request_body(v) for v in service.assessor_requests(get_store(), assessor_id, args["status"])]}


@blp.route("/sets/<id:set_id>/join-requests")
class SetJoinRequests(MethodView):
    """Asking to join a set."""

    @blp.arguments(JoinRequestCreateSchema)
    @blp.response(201, JoinRequestSchema)
    def post(self, args: dict[str, Any], set_id: str) -> dict[str, Any]:
        """Ask to join (accepted at once if the programme accepts automatically); 422 naming the rule broken (a full set, ...)."""
        set_id = path_id(set_id, "set_id")
        me = current_principal()
        assessor_id = args["assessor_id"] or (me.assessor_id if me is not None else None)
        principal = authorize("joins:request", assessor_id=assessor_id)
        if assessor_id is None:
            raise Invalid("name the assessor who asks to join (assessor_id)")
        created = service.request_join(get_store(), set_id, assessor_id, message=args["message"], actor_id=principal.user_id)
        return _one(created)


@blp.route("/join-requests/<id:request_id>/withdraw")
class WithdrawJoinRequest(MethodView):
    """Withdrawing one's own request."""

    @blp.response(200, JoinRequestSchema)
    def post(self, request_id: str) -> dict[str, Any]:
        """Withdraw your waiting request (409 if it was already decided)."""
        request_id = path_id(request_id, "request_id")
        found = _request_or_none(request_id)
        principal = authorize("joins:withdraw", assessor_id=found.assessor_id if found else None)
        if found is None:
            raise NotFound(f"no join request with id {request_id!r}")
        return _one(service.decide(get_store(), request_id, "withdrawn", actor_id=principal.user_id))


# -- the coordinator's view ------------------------------------------------------------------------------


@blp.route("/programmes/<id:programme_id>/join-requests")
class ProgrammeJoinRequests(MethodView):
    """Requests to join a programme's sets."""

    @blp.arguments(StatusQuery, location="query")
    @blp.response(200, JoinRequestListSchema)
    def get(self, args: dict[str, Any], programme_id: str) -> dict[str, Any]:
        """Waiting requests first, then decided ones (each oldest first)."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("joins:read", programme_id=programme_id)
        return {"items": [request_body(v) for v in service.programme_requests(get_store(), programme_id, args["status"])]}


def _decide(programme_id: str, request_id: str, decision: str, note: str) -> dict[str, Any]:
    programme_id, request_id = path_id(programme_id, "programme_id"), path_id(request_id, "request_id")
    principal = authorize("joins:decide", programme_id=programme_id)
    found = _request_or_none(request_id)
    if found is None or found.programme_id != programme_id:
        raise NotFound(f"no join request with id {request_id!r} in programme {programme_id!r}")
    return _one(service.decide(get_store(), request_id, decision, actor_id=principal.user_id, note=note))


@blp.route("/programmes/<id:programme_id>/join-requests/<id:request_id>/accept")
class AcceptJoinRequest(MethodView):
    """Accepting a request."""

    @blp.arguments(DecisionSchema)
    @blp.response(200, JoinRequestSchema)
    def post(self, args: dict[str, Any], programme_id: str, request_id: str) -> dict[str, Any]:
        """Accept: the membership is written in one transaction that re-checks every rule (409 naming the rule if one is broken now)."""
        return _decide(programme_id, request_id, "accepted", args["note"])


@blp.route("/programmes/<id:programme_id>/join-requests/<id:request_id>/decline")
class DeclineJoinRequest(MethodView):
    """Declining a request."""

    @blp.arguments(DecisionSchema)
    @blp.response(200, JoinRequestSchema)
    def post(self, args: dict[str, Any], programme_id: str, request_id: str) -> dict[str, Any]:
        """Decline (remembered: the set is never suggested to that person again)."""
        return _decide(programme_id, request_id, "declined", args["note"])

"""Peer suggestions and contacts: an assessor's explained suggestions, and the contact actions taken from them.

Who sees what (``api.access`` rows ``suggestions:read``, ``contacts:read``, ``contacts:write``):
an assessor sees and acts on their own suggestions and contacts only; network admins may too.

* ``GET /assessors/<id>/suggestions?limit=&common_slot=`` — best first, each with a score
  breakdown per signal and reasons. ``common_slot`` is ``preferred`` (common weekly slots
  raise the score) or ``required`` (only people free at a common time); without it, the app
  setting ``SUGGESTIONS_COMMON_SLOT`` decides (default ``preferred``).
* ``POST /assessors/<id>/suggestions/<other>/decline`` — "not for me": never suggested again.
* ``GET /assessors/<id>/contacts?status=&direction=`` — contacts and requests, either way.
* ``POST /assessors/<id>/contacts`` — send a contact request (e.g. from a suggestion).
* ``POST /assessors/<id>/contacts/<other>/accept`` and ``.../decline`` — answer a request
  from ``other``; a declined request is remembered and neither is suggested to the other again.

Discoverability and pausing are part of the assessor's profile (``PATCH /assessors/<id>``);
both take effect on the next suggestion request, since suggestions are never cached.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.access import authorize
from api.config import COMMON_SLOT_SETTING
from api.extensions import get_store
from api.services import suggestions as service
from api.v1.common import StrictSchema, id_field, path_id
from graph.port import Declined
from graph.port_suggestions import DIRECTIONS, ContactCard
from network.domain import CONTACT_STATUSES, Contact
from network.suggestions import COMMON_SLOT_MODES, SIGNALS, Suggestions

blp = Blueprint("suggestions", __name__, description="Explained peer suggestions, and contact requests between assessors.")


def _default_common_slot() -> str:
    return service.check_common_slot(current_app.config.get(COMMON_SLOT_SETTING, "preferred"))


# -- input schemas ----------------------------------------------------------------------------


class SuggestionsQuery(StrictSchema):
    """How many suggestions, and whether a common weekly slot is required."""

    limit = fields.Integer(
        load_default=service.DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=service.MAX_LIMIT),
        metadata={"description": f"How many suggestions at most, 1-{service.MAX_LIMIT}."},
    )
    common_slot = fields.String(
        load_default=None,
        validate=validate.OneOf(COMMON_SLOT_MODES),
        metadata={
            "description": "preferred: common weekly slots raise the score; required: only people free at a common time. "
            "Default: the app setting SUGGESTIONS_COMMON_SLOT (preferred unless configured)."
        },
    )


class ContactsQuery(StrictSchema):
    """Which contacts to list."""

    status = fields.String(load_default=None, validate=validate.OneOf(CONTACT_STATUSES), metadata={"description": "requested or accepted."})
    direction = fields.String(
        load_default=None,
        validate=validate.OneOf(DIRECTIONS),
        metadata={"description": "outgoing: requests you sent; incoming: requests you received."},
    )


class ContactRequestSchema(StrictSchema):
    """A contact request to another assessor (someone findable in another organisation)."""

    to_id = id_field(required=True, metadata={"description": "The assessor asked to connect."})
    via = fields.String(
        load_default=service.VIA_SUGGESTION,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Where the request came from; default 'suggestion'."},
    )


# -- output schemas ---------------------------------------------------------------------------


class SharedThemeSchema(StrictSchema):
    """A practice theme both work on."""

    id = fields.String(required=True, attribute="theme_id")
    name = fields.String(required=True)
    rare = fields.Boolean(required=True, metadata={"description": "Few in the network work on it."})
    complementary = fields.Boolean(required=True, metadata={"description": "They are experienced in it; you are exploring it."})


class SuggestionSchema(StrictSchema):
    """One suggested peer, with why."""

    rank = fields.Integer(required=True)
    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    organisation_id = fields.String(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    organisation_region = fields.String(
        allow_none=True, metadata={"description": "The region of their organisation (shown beside its name), e.g. north_west."}
    )
    region = fields.String(
        allow_none=True, metadata={"description": "Their own region as they gave it (may differ from their organisation's)."}
    )
    score = fields.Function(lambda s: round(s.score, 4), required=True, metadata={"type": "number"})
    breakdown = fields.Function(
        lambda s: {name: round(value, 4) for name, value in s.breakdown},
        required=True,
        metadata={"type": "object", "description": f"Each signal's part of the score: {', '.join(SIGNALS)}."},
    )
    reasons = fields.List(fields.String(), required=True, metadata={"description": "Why, biggest reason first."})
    summary = fields.String(required=True, metadata={"description": "The reasons as one sentence."})
    shared_themes = fields.List(fields.Nested(SharedThemeSchema), required=True)
    common_slots = fields.List(fields.String(), required=True, metadata={"description": "Weekly slots both are free, e.g. tue-pm."})
    mutual_peers = fields.Integer(required=True)
    isolated = fields.Boolean(required=True, metadata={"description": "They have no tie outside their organisation yet."})


class SuggestionsSchema(StrictSchema):
    """An assessor's suggestions, best first."""

    assessor_id = fields.String(required=True)
    common_slot = fields.String(required=True)
    considered = fields.Integer(required=True, metadata={"description": "How many candidates were scored."})
    notices = fields.List(fields.String(), required=True, metadata={"description": "What explains an empty or limited list."})
    items = fields.List(fields.Nested(SuggestionSchema), required=True)


class ContactSchema(StrictSchema):
    """A contact between two assessors: who asked whom, and its status."""

    from_id = fields.String(required=True)
    to_id = fields.String(required=True)
    status = fields.String(required=True)
    since = fields.Date(allow_none=True)
    via = fields.String(allow_none=True)


class DeclinedSchema(StrictSchema):
    """A decline: ``by_id`` turned ``other_id`` down; neither is suggested to the other again."""

    by_id = fields.String(required=True)
    other_id = fields.String(required=True)
    since = fields.Date(allow_none=True)


class ContactCardSchema(StrictSchema):
    """One of your contacts or requests."""

    assessor_id = fields.String(required=True, attribute="other_id")
    name = fields.String(required=True, attribute="other_name")
    organisation_id = fields.String(allow_none=True, attribute="other_organisation_id")
    organisation_name = fields.String(allow_none=True, attribute="other_organisation_name")
    status = fields.String(required=True)
    direction = fields.String(required=True, metadata={"description": "outgoing: you asked; incoming: they asked."})
    since = fields.Date(allow_none=True)
    via = fields.String(allow_none=True)


class ContactCardListSchema(StrictSchema):
    """Your contacts and requests."""

    items = fields.List(fields.Nested(ContactCardSchema), required=True)


# -- endpoints ---------------------------------------------------------------------------------


@blp.route("/assessors/<id:assessor_id>/suggestions")
class SuggestionsView(MethodView):
    """An assessor's peer suggestions."""

    @blp.arguments(SuggestionsQuery, location="query")
    @blp.response(200, SuggestionsSchema)
    def get(self, args: dict[str, Any], assessor_id: str) -> Suggestions:
        """People in other organisations worth contacting, best first, each with a score breakdown and reasons."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("suggestions:read", assessor_id=assessor_id)
        common_slot = args["common_slot"] or _default_common_slot()
        return service.suggestions_for(get_store(), assessor_id, limit=args["limit"], common_slot=common_slot)


@blp.route("/assessors/<id:assessor_id>/suggestions/<id:other_id>/decline")
class NotForMeView(MethodView):
    """Turn down a suggestion."""

    @blp.response(200, DeclinedSchema)
    def post(self, assessor_id: str, other_id: str) -> Declined:
        """Not for me: this person is never suggested to you again, nor you to them."""
        assessor_id = path_id(assessor_id, "assessor_id")
        other_id = path_id(other_id, "other_id")
        principal = authorize("contacts:write", assessor_id=assessor_id)
        return service.not_for_me(get_store(), assessor_id, other_id, actor_id=principal.user_id)


@blp.route("/assessors/<id:assessor_id>/contacts")
class ContactsView(MethodView):
    """An assessor's contacts and contact requests."""

    @blp.arguments(ContactsQuery, location="query")
    @blp.response(200, ContactCardListSchema)
    def get(self, args: dict[str, Any], assessor_id: str) -> dict[str, list[ContactCard]]:
        """Your contacts and requests, either way, with the other person's name and organisation."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("contacts:read", assessor_id=assessor_id)
        return {"items": service.contacts_of(get_store(), assessor_id, status=args["status"], direction=args["direction"])}

    @blp.arguments(ContactRequestSchema)
    @blp.response(201, ContactSchema)
    def post(self, args: dict[str, Any], assessor_id: str) -> Contact:
        """Ask someone in another organisation to connect (422 for yourself or a colleague; 404 if they cannot be found)."""
        assessor_id = path_id(assessor_id, "assessor_id")
        principal = authorize("contacts:write", assessor_id=assessor_id)
        return service.request_contact(get_store(), assessor_id, args["to_id"], via=args["via"], actor_id=principal.user_id)


@blp.route("/assessors/<id:assessor_id>/contacts/<id:other_id>/accept")
class AcceptView(MethodView):
    """Accept a contact request."""

    @blp.response(200, ContactSchema)
    def post(self, assessor_id: str, other_id: str) -> Contact:
        """Accept the pending contact request from other_id (404 if there is none)."""
        assessor_id = path_id(assessor_id, "assessor_id")
        other_id = path_id(other_id, "other_id")
        principal = authorize("contacts:write", assessor_id=assessor_id)
        return service.accept_request(get_store(), assessor_id, other_id, actor_id=principal.user_id)


@blp.route("/assessors/<id:assessor_id>/contacts/<id:other_id>/decline")
class DeclineView(MethodView):
    """Decline a contact request."""

    @blp.response(200, DeclinedSchema)
    def post(self, assessor_id: str, other_id: str) -> Declined:
        """Decline the pending contact request from other_id; it is remembered, and neither is suggested to the other again."""
        assessor_id = path_id(assessor_id, "assessor_id")
        other_id = path_id(other_id, "other_id")
        principal = authorize("contacts:write", assessor_id=assessor_id)
        return service.decline_request(get_store(), assessor_id, other_id, actor_id=principal.user_id)


@blp.route("/assessors/<id:assessor_id>/contacts/<id:other_id>/withdraw")
class WithdrawView(MethodView):
    """Withdraw a contact request you sent."""

    @blp.response(204)
    def post(self, assessor_id: str, other_id: str) -> None:
        """Withdraw your pending request to other_id (404 if there is none); no decline is recorded, so either may ask again."""
        assessor_id = path_id(assessor_id, "assessor_id")
        other_id = path_id(other_id, "other_id")
        principal = authorize("contacts:write", assessor_id=assessor_id)
        service.withdraw_request(get_store(), assessor_id, other_id, actor_id=principal.user_id)

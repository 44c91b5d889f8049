"""Your choices of e-mail per group of notices: ``GET``/``PUT /me/notice-preferences``.

Every notice is always shown on Bridgework (``/me/notices``); for each group of notices
(:data:`network.delivery.GROUPS`) a person chooses how they also hear of it by e-mail: each one
straight away, one e-mail a day with all of them, or no e-mail. Each signed-in person reads and
changes only their own choices (``api.access``: ``notices:read``, ``notices:choose``).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.access import authorize
from api.extensions import get_store
from api.services import delivery
from api.v1.common import StrictSchema
from network.delivery import CHOICE_LABELS, CHOICES, GROUPS

blp = Blueprint("notices", __name__, description="Your choice of e-mail for each group of notices.")

_CHOICE_WORDS = "; ".join(f"`{c}`: {CHOICE_LABELS[c].lower()}" for c in CHOICES)


class NoticeGroupSchema(StrictSchema):
    """One group of notices and your choice for it."""

    id = fields.String(required=True, metadata={"description": " | ".join(g.id for g in GROUPS)})
    name = fields.String(required=True, metadata={"description": "The group's name in words."})
    covers = fields.String(required=True, metadata={"description": "What notices the group holds, in words."})
    choice = fields.String(required=True, metadata={"description": _CHOICE_WORDS})


class NoticeChoiceSchema(StrictSchema):
    """One of the choices, with how it reads."""

    value = fields.String(required=True, metadata={"description": " | ".join(CHOICES)})
    label = fields.String(required=True)


class NoticePreferencesSchema(StrictSchema):
    """Your choice for every group of notices (the default, `immediately`, where you never chose), and the choices there are."""

    groups = fields.List(fields.Nested(NoticeGroupSchema), required=True)
    choices = fields.List(fields.Nested(NoticeChoiceSchema), required=True)


#: The body of a change: one optional field per group; groups left out keep their choice.
NoticePreferencesInputSchema = StrictSchema.from_dict(
    {
        g.id: fields.String(
            validate=validate.OneOf(CHOICES, error=f"Choose one of {', '.join(CHOICES)}."),
            metadata={"description": f"{g.name} ({g.covers}): {_CHOICE_WORDS}."},
        )
        for g in GROUPS
    },
    name="NoticePreferencesInputSchema",
)
NoticePreferencesInputSchema.__doc__ = "New choices for some groups of notices; the groups left out keep theirs."


def _view(chosen: dict[str, str]) -> dict[str, Any]:
    return {
        "groups": [{"id": g.id, "name": g.name, "covers": g.covers, "choice": chosen[g.id]} for g in GROUPS],
        "choices": [{"value": c, "label": CHOICE_LABELS[c]} for c in CHOICES],
    }


@blp.route("/me/notice-preferences")
class MyNoticePreferences(MethodView):
    """How you hear of each group of notices by e-mail."""

    @blp.response(200, NoticePreferencesSchema)
    def get(self) -> dict[str, Any]:
        """Your choice for each group of notices."""
        principal = authorize("notices:read")
        return _view(delivery.notice_preferences(get_store(), principal.user_id))

    @blp.arguments(NoticePreferencesInputSchema)
    @blp.response(200, NoticePreferencesSchema)
    def put(self, args: dict[str, str]) -> dict[str, Any]:
        """Change your choice for the groups sent (the others keep theirs); 422 naming a group or choice that does not exist."""
        principal = authorize("notices:choose")
        return _view(delivery.set_notice_preferences(get_store(), principal.user_id, args, actor_id=principal.user_id))

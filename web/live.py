"""Pages of the meeting itself (issue 19): the live meeting page, my facilitation, a programme's facilitation.

The live page is served with its frame and the meeting's facts; ``web/static/live.js`` reads and changes
the live state through the JSON API (:mod:`api.v1.live`), polling with ``If-None-Match`` about once a
second, so every member sees a change within a second or two from whichever app server answers.
Every view calls :func:`web.guard.page_authorize` with the same actions as the API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from api.access import current_principal, set_scope
from api.extensions import get_store
from api.services import live as service
from api.services import meetings as meetings_service
from graph.port import NotFound
from network import live as engine
from web.guard import page_authorize

bp = Blueprint("live_pages", __name__)


@bp.get("/sets/<set_id>/meetings/<number>/live")
def live_meeting(set_id: str, number: str) -> Any:
    """The live meeting page for the set's current members."""
    record, scope = set_scope(set_id, current=True)
    principal = page_authorize("live:read", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    if not (number.isascii() and number.isdigit()):
        raise NotFound("This set has no such meeting.")
    meeting = next((m for m in meetings_service.ensure_meetings(get_store(), set_id) if m.number == int(number)), None)
    if meeting is None:
        raise NotFound(f"This set has no meeting {number}.")
    view = service.live_view(get_store(), set_id, meeting.id, principal.assessor_id)
    return render_template(
        "live/meeting.html",
        view=view,
        set_id=set_id,
        number=meeting.number,
        questions=engine.REVIEW_QUESTIONS,
        limits={"bid": engine.MAX_BID, "extend": engine.MAX_EXTEND, "line": engine.MAX_REVIEW_LINE, "note": engine.MAX_NOTE},
        rating_range=range(engine.RATING_MIN, engine.RATING_MAX + 1),
    )


@bp.get("/me/facilitation")
def my_facilitation() -> Any:
    """How often I facilitated and presented, the reviews of meetings I facilitated and my notes to self."""
    me = current_principal()
    principal = page_authorize("facilitation:own", assessor_id=None if me is None else me.assessor_id)
    mine = service.my_facilitation(get_store(), principal.assessor_id or "")
    return render_template("live/mine.html", mine=mine, questions=engine.REVIEW_QUESTIONS)


@bp.get("/programmes/<programme_id>/facilitation")
def programme_facilitation(programme_id: str) -> Any:
    """Per set, aggregates over time of how the process went (no individual ratings or notes)."""
    page_authorize("facilitation:read", programme_id=programme_id)
    store = get_store()
    programme = store.get_programme(programme_id)
    return render_template("live/programme.html", programme=programme, sets=service.programme_facilitation(store, programme_id))

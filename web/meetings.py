"""Pages for running sets online (issue 8): a set's page, set health for coordinators, participation, my notices.

Every view calls :func:`web.guard.page_authorize` with the same actions and scopes as the JSON API
(:mod:`api.v1.meetings`) and the same services (:mod:`api.services.meetings`). Forms post back,
then redirect (post/redirect/get); bad input re-renders the page with the message (422) and
nothing is written; a move where someone would be unavailable asks for confirmation (409).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from werkzeug.wrappers import Response

from api.access import set_scope
from api.extensions import get_store
from api.services import meetings as service
from api.services import notify
from graph.port import Conflict, Invalid, NotFound
from network import availability, limits
from network.domain import InvalidValue
from network.meetings import day_words, slot_words, when_words
from web.guard import may, page_authorize

bp = Blueprint("meetings_pages", __name__)

STATUS_WORDS = {"attended": "Attended", "apologies": "Sent apologies", "absent": "Absent"}


def _when(m: service.MeetingView) -> str:
    return f"{m.starts_at:%A} {m.starts_at.day} {m.starts_at:%B %Y}, {m.starts_at:%H:%M}–{m.ends_at:%H:%M}"


def _render_set(set_id: str, status: int = 200, error: str | None = None, confirm: dict[str, Any] | None = None) -> tuple[str, int]:
    principal = page_authorize("meetings:read", **set_scope(set_id)[1])
    store = get_store()
    view = service.set_meetings(store, set_id, viewer=principal.assessor_id)
    _record, write_scope = set_scope(set_id, current=True)
    can_edit = may("meetings:write", **write_scope)
    return (
        render_template(
            "meetings/set.html",
            view=view,
            me=principal.assessor_id,
            can_edit=can_edit,
            is_coordinator=may("health:read", programme_id=view.set.set.programme_id) if view.set.set.programme_id else False,
            when=_when,
            m_turns=lambda r: ([("facilitator", r.facilitator)] if r.facilitator else []) + [("presenter", p) for p in r.presenters],
            slots=[(s, slot_words(s)) for s in availability.SLOTS],
            status_words=STATUS_WORDS,
            error=error,
            confirm=confirm,
            today=view.today,
        ),
        status,
    )


def _need_set(set_id: str) -> None:
    record, scope = set_scope(set_id)
    page_authorize("meetings:read", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")


@bp.get("/sets/<set_id>")
def set_page(set_id: str) -> Any:
    """A set's page: members, the next meeting and its video link, the rota, attendance, swaps, moves and my action."""
    _need_set(set_id)
    return _render_set(set_id)


def _meeting(set_id: str, number: str) -> Any:
    if not (number.isascii() and number.isdigit()):  # "¹".isdigit() is true too, and int() refuses it
        raise NotFound("This set has no such meeting.")
    found = next((m for m in service.ensure_meetings(get_store(), set_id) if m.number == int(number)), None)
    if found is None:
        raise NotFound(f"This set has no meeting {number}.")
    return found


def _after(set_id: str, message: str) -> Response:
    flash(message)
    return redirect(f"/sets/{set_id}#meetings")


@bp.post("/sets/<set_id>/video-link")
def video_link(set_id: str) -> Any:
    """Set the video link of the meetings still to come."""
    record, scope = set_scope(set_id, current=True)
    principal = page_authorize("meetings:write", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    try:
        changed = service.set_video_link(get_store(), set_id, request.form.get("video_link", ""), actor_id=principal.user_id)
    except InvalidValue as exc:
        return _render_set(set_id, 422, f"Video link: {exc.message}")
    return _after(set_id, f"Video link saved for {changed} meeting{'s' if changed != 1 else ''}.")


@bp.post("/sets/<set_id>/meetings/<number>/swap")
def swap(set_id: str, number: str) -> Any:
    """Swap a facilitator or presenter turn with another member."""
    holder, other = request.form.get("assessor_id", ""), request.form.get("with_assessor_id", "")
    record, scope = set_scope(set_id, current=True, parties=(holder, other))
    principal = page_authorize("meetings:swap", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    meeting = _meeting(set_id, number)
    store = get_store()
    try:
        outcome = service.swap_turn(store, set_id, meeting.id, request.form.get("role", ""), holder, other, actor_id=principal.user_id)
    except InvalidValue as exc:
        return _render_set(set_id, 422, f"Swap not made: {exc.message}.")
    except Conflict as exc:
        return _render_set(set_id, 409, f"Swap not made: {exc}.")
    names = service.names_of(store, [outcome.holder, outcome.other])
    return _after(set_id, f"Turns swapped. {service.describe_swap(outcome, names, principal.assessor_id)}")


@bp.post("/sets/<set_id>/meetings/<number>/move")
def move(set_id: str, number: str) -> Any:
    """Move one meeting; asks for confirmation when someone would be unavailable."""
    record, scope = set_scope(set_id, current=True)
    principal = page_authorize("meetings:write", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    meeting = _meeting(set_id, number)
    try:
        on = date.fromisoformat(request.form.get("on", ""))
    except ValueError:
        return _render_set(set_id, 422, "Move not made: give the new date (day, month and year).")
    if limits.date_problem(on) is not None:
        return _render_set(set_id, 422, f"Move not made: choose a date {limits.window_words()}.")
    slot = request.form.get("slot", "")
    try:
        moved, _check = service.move_meeting(
            get_store(), meeting.id, on, slot, confirm=request.form.get("confirm") == "1", actor_id=principal.user_id
        )
    except InvalidValue as exc:
        return _render_set(set_id, 422, f"Move not made: {exc.message}.")
    except service.NeedsConfirmation as exc:
        names = service.names_of(get_store(), list(exc.unavailable))
        confirm = {
            "number": meeting.number,
            "on": on.isoformat(),
            "slot": slot,
            "when": when_words(on, slot),
            "was": day_words(meeting.on),
            "names": [names[a] for a in exc.unavailable],
        }
        return _render_set(set_id, 409, None, confirm)
    except Conflict as exc:
        return _render_set(set_id, 409, f"Move not made: {exc}.")
    return _after(set_id, f"The meeting of {day_words(meeting.on)} moved to {when_words(moved.on, moved.slot)}.")


@bp.post("/sets/<set_id>/meetings/<number>/attendance")
def attendance(set_id: str, number: str) -> Any:
    """Record attendance at a meeting that has taken place."""
    record, scope = set_scope(set_id, current=True)
    principal = page_authorize("meetings:write", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    meeting = _meeting(set_id, number)
    entries = {k.removeprefix("status-"): v for k, v in request.form.items() if k.startswith("status-") and v}
    try:
        service.record_attendance(get_store(), meeting.id, entries, actor_id=principal.user_id)
    except (InvalidValue, Invalid) as exc:
        return _render_set(set_id, 422, f"Attendance not saved: {getattr(exc, 'message', exc)}.")
    return _after(set_id, f"Attendance saved for the meeting on {day_words(meeting.on)}.")


@bp.post("/sets/<set_id>/meetings/<number>/my-action")
def my_action(set_id: str, number: str) -> Any:
    """The presenter's own one-line action."""
    record, scope = set_scope(set_id)
    principal = page_authorize("meetings:action", **scope)
    if record is None:
        raise NotFound(f"no set with id {set_id!r}")
    meeting = _meeting(set_id, number)
    if principal.assessor_id is None:
        return _render_set(set_id, 422, "Only the presenter can write their action.")
    try:
        service.set_my_action(get_store(), meeting.id, principal.assessor_id, request.form.get("action"))
    except InvalidValue as exc:
        return _render_set(set_id, 422, f"Action not saved: {exc.message}")
    return _after(set_id, "Your action is saved. Only you can see it.")


@bp.get("/programmes/<programme_id>/health")
def programme_health(programme_id: str) -> Any:
    """Sets at risk in a programme, most urgent first, with the suggested action for each."""
    page_authorize("health:read", programme_id=programme_id)
    view = service.programme_health(get_store(), programme_id)
    return render_template("meetings/health.html", view=view)


@bp.get("/organisations/<organisation_id>/participation")
def participation(organisation_id: str) -> Any:
    """The organisation's own assessors' attendance in their sets."""
    page_authorize("participation:read", organisation_id=organisation_id)
    store = get_store()
    organisation = store.get_organisation(organisation_id)
    return render_template(
        "meetings/participation.html", organisation=organisation, rows=service.organisation_participation(store, organisation_id)
    )


@bp.get("/me/notices")
def my_notices() -> Any:
    """My reminders and messages, newest first."""
    principal = page_authorize("notices:read")
    after = request.args.get("after") or None
    store = get_store()
    page = notify.inbox(store, assessor_id=principal.assessor_id, user_id=principal.user_id, limit=25, after=after)
    # Worded as they read now (notices are stored by reference): someone erased reads as "a former member".
    return render_template("meetings/notices.html", page=page, items=list(zip(page.items, notify.render(store, page.items), strict=True)))

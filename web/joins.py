"""Pages of the joins area (issue 9): the sets an assessor could join, and the coordinator's join requests.

* ``/me/set-suggestions`` (the assessor's section): sets with a free place that meet when they are
  free, best first with reasons, each with "Ask to join"; open programmes in their region with
  "Enrol"; their requests, with "Withdraw" while one waits.
* ``/programmes/<programme_id>/join-requests`` (the programme's coordinators): waiting requests with
  "Accept" and "Decline" (with an optional note), then the decided ones.

Every view calls :func:`web.guard.page_authorize` first with the same policy rows as the JSON API
(``set_suggestions:read``, ``open_programmes:read``, ``joins:*``, ``enrolments:write``), then one
service call (:mod:`api.services.joins`). Forms post and redirect (CSRF is checked by
``authorize``). A request that breaks a rule (a full set, the organisation's limit, already a
member) re-renders the page with the reason and status 422, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.extensions import get_store
from api.services import enrolment
from api.services import joins as service
from graph.port import Conflict, Invalid, NotFound
from graph.port_joins import MAX_MESSAGE
from network import availability
from network.words import name_ids as plain
from network.domain import REGIONS
from web.guard import page_authorize

bp = Blueprint("joins_pages", __name__)

#: How many sets the page suggests.
SUGGESTED = 10
#: Words for a request's status, as the assessor and the coordinator read it.
STATUS_WORDS: dict[str, str] = {
    "requested": "Waiting for the coordinator",
    "accepted": "Accepted",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}
CADENCE_WORDS: dict[str, str] = {"weekly": "weekly", "fortnightly": "fortnightly", "monthly": "monthly", "six-weekly": "every six weeks"}


def _slot(slot: str | None) -> str:
    return availability.describe_slot(slot) if slot else "time not fixed yet"


def _when(value: Any) -> str:
    return "" if value is None else f"{value.day} {value:%B %Y}"


def _plain(message: str, set_id: str, assessor_id: str) -> str:
    """A store refusal in the reader's words: "the set" for its id, "you" for their own id."""
    text = message.replace(f"set {set_id}", "the set")
    if text.startswith(f"{assessor_id} is or was"):
        text = "you are or were" + text[len(f"{assessor_id} is or was") :]
    elif text.startswith(f"{assessor_id} "):
        text = "you" + text[len(assessor_id) :].replace(" is ", " are ", 1).replace(" has ", " have ", 1)
    return text


def _request_names(store: Any, found: Any, who: str) -> dict[str, str]:
    """What a coordinator calls the things a join request's refusal names by id: the person, the set, the request."""
    names = {found.assessor_id: who, f"join request {found.id}": "the request"}
    try:
        names[f"set {found.set_id}"] = store.get_set(found.set_id).set.name
    except NotFound:
        names[f"set {found.set_id}"] = "the set"
    return names


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return (
        render_template(
            template, slot_words=_slot, when=_when, status_words=STATUS_WORDS, regions=REGIONS, cadences=CADENCE_WORDS, **context
        ),
        status,
    )


# -- the assessor's section ---------------------------------------------------------------------------


def _own_assessor() -> str | None:
    """The signed-in person's assessor id after checking they may read their set suggestions (``None``: no profile)."""
    principal = page_authorize("me:read")
    if principal.assessor_id is None:
        return None
    page_authorize("set_suggestions:read", assessor_id=principal.assessor_id)
    return principal.assessor_id


def _suggestions_page(assessor_id: str, status: int = 200, problem: str | None = None) -> tuple[str, int]:
    store = get_store()
    try:
        view = service.set_suggestions(store, assessor_id, limit=SUGGESTED)
        programmes = service.open_programmes(store, assessor_id)
        requests = service.assessor_requests(store, assessor_id)
    except NotFound:
        return _render("joins/no_profile.html")
    return _render(
        "joins/suggestions.html",
        status,
        view=view,
        programmes=programmes,
        requests=requests,
        problem=problem,
        waiting=[r for r in requests if r.request.status == "requested"],
        decided=[r for r in requests if r.request.status != "requested"][:10],
    )


@bp.get("/me/set-suggestions")
def my_set_suggestions() -> Response | tuple[str, int]:
    """Sets you could join (with why), open programmes you could enrol in, and your requests."""
    assessor_id = _own_assessor()
    if assessor_id is None:
        return _render("joins/no_profile.html")
    return _suggestions_page(assessor_id)


@bp.post("/me/set-suggestions/<set_id>/ask")
def ask_to_join(set_id: str) -> Response | tuple[str, int]:
    """Ask to join a set; a broken rule re-renders the page with the reason (422) and writes nothing."""
    principal = page_authorize("me:read")
    if principal.assessor_id is None:
        return _render("joins/no_profile.html")
    page_authorize("joins:request", assessor_id=principal.assessor_id)
    name = request.form.get("name") or "the set"
    message = request.form.get("message", "")[:MAX_MESSAGE]
    try:
        made = service.request_join(get_store(), set_id, principal.assessor_id, message=message, actor_id=principal.user_id)
    except Invalid as exc:
        return _suggestions_page(principal.assessor_id, 422, f"You cannot join {name}: {_plain(str(exc), set_id, principal.assessor_id)}.")
    except NotFound:
        flash(f"You cannot join {name}: it is no longer offered.", "error")
        return redirect(url_for("joins_pages.my_set_suggestions"))
    except Conflict as exc:
        flash(f"You cannot join {name}: {_plain(str(exc), set_id, principal.assessor_id)}.", "error")
        return redirect(url_for("joins_pages.my_set_suggestions"))
    if made.status == "accepted":
        flash(f"You have joined {name}. You will find it under My sets, with your turns in its rota.")
    else:
        flash(f"Your request to join {name} has been sent. The coordinator has been told and will decide.")
    return redirect(url_for("joins_pages.my_set_suggestions"))


@bp.post("/me/join-requests/<request_id>/withdraw")
def withdraw_request(request_id: str) -> Response:
    """Withdraw your waiting request."""
    principal = page_authorize("me:read")
    try:
        found = get_store().get_join_request(request_id)
    except NotFound:
        found = None
    page_authorize("joins:withdraw", assessor_id=found.assessor_id if found else None)
    try:
        if found is None:
            raise NotFound("that request no longer exists")
        service.decide(get_store(), request_id, "withdrawn", actor_id=principal.user_id)
    except (NotFound, Conflict) as exc:
        flash(f"The request could not be withdrawn: {plain(str(exc), {f'join request {request_id}': 'it'})}.", "error")
    else:
        flash("Your request has been withdrawn.")
    return redirect(url_for("joins_pages.my_set_suggestions"))


@bp.post("/me/open-programmes/<programme_id>/enrol")
def enrol(programme_id: str) -> Response:
    """Enrol in an open programme: its coordinator places you in a set when sets are formed."""
    principal = page_authorize("me:read")
    page_authorize("enrolments:write", programme_id=programme_id, assessor_id=principal.assessor_id)
    if principal.assessor_id is None:
        return redirect(url_for("joins_pages.my_set_suggestions"))
    try:
        [enrolled] = enrolment.enrol(get_store(), programme_id, [principal.assessor_id], actor_id=principal.user_id, open_only=True)
    except (NotFound, Invalid, Conflict) as exc:
        flash(f"You could not be enrolled: {exc}", "error")
    else:
        name = request.form.get("name") or enrolled.programme_id
        flash(f"You are enrolled in {name}. Its coordinator will place you in a set when sets are formed.")
    return redirect(url_for("joins_pages.my_set_suggestions"))


# -- the coordinator's page -------------------------------------------------------------------------------


def _requests_page(programme_id: str, status: int = 200) -> tuple[str, int]:
    store = get_store()
    programme = store.get_programme(programme_id)
    views = service.programme_requests(store, programme_id)
    return _render(
        "joins/requests.html",
        status,
        programme=programme,
        waiting=[v for v in views if v.request.status == "requested"],
        decided=[v for v in views if v.request.status != "requested"],
    )


@bp.get("/programmes/<programme_id>/join-requests")
def programme_join_requests(programme_id: str) -> Response | tuple[str, int]:
    """Requests to join this programme's sets: decide the waiting ones."""
    page_authorize("joins:read", programme_id=programme_id)
    try:
        return _requests_page(programme_id)
    except NotFound:
        abort(404)


@bp.post("/programmes/<programme_id>/join-requests/<request_id>/<decision>")
def decide(programme_id: str, request_id: str, decision: str) -> Response | tuple[str, int]:
    """Accept (one transaction re-checks every rule) or decline (remembered) a waiting request."""
    principal = page_authorize("joins:decide", programme_id=programme_id)
    outcome = {"accept": "accepted", "decline": "declined"}.get(decision)
    store = get_store()
    try:
        found = store.get_join_request(request_id)
    except NotFound:
        found = None
    if outcome is None or found is None or found.programme_id != programme_id:
        flash("That request is not one of this programme's.", "error")
        return redirect(url_for("joins_pages.programme_join_requests", programme_id=programme_id))
    who = request.form.get("name") or "The assessor"
    try:
        service.decide(store, request_id, outcome, actor_id=principal.user_id, note=request.form.get("note", "")[:MAX_MESSAGE])
    except Conflict as exc:
        words = plain(str(exc), _request_names(store, found, who))
        flash(f"{who} could not be accepted: {words}. You can decline the request instead.", "error")
    except (NotFound, Invalid) as exc:
        flash(plain(str(exc), _request_names(store, found, who)), "error")
    else:
        flash(f"{who} has joined the set." if outcome == "accepted" else f"{who}'s request has been declined; they have been told.")
    return redirect(url_for("joins_pages.programme_join_requests", programme_id=programme_id))

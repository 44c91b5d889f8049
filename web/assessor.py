"""Pages for assessors: profile (themes, availability, being found, pausing), privacy, suggestions, contacts and sets.

Every view calls :func:`web.guard.page_authorize` first, with the same actions as the JSON API
(``assessors:write``, ``privacy:*``, ``suggestions:read``, ``contacts:*``, ``sets:own``), then one
service call (:mod:`api.services.profile`, :mod:`api.services.suggestions`, :mod:`api.services.privacy`).
Forms post back here (post/redirect/get); bad input re-renders the form with a message per field
and status 422, and nothing is written. ``assessor.js`` turns the suggestion and request buttons
into calls of the JSON API, so they work without a page reload; without JavaScript the forms work
as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import logout_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.access import NotAllowed, Principal, current_principal
from api.config import COMMON_SLOT_SETTING
from api.extensions import get_store
from api.services import delivery, privacy
from api.services import profile as service
from api.services import suggestions as suggestions_service
from graph.port import Conflict, Invalid, NotFound
from network import availability, limits
from network import delivery as notice_rules
from network.domain import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    EMAIL_MAX,
    EMAIL_PATTERN,
    EXPERIENCE_MAX,
    EXPERIENCE_MIN,
    LEVELS,
    MAX_BIO,
    MAX_NAME,
    REGIONS,
    InvalidValue,
    today,
)
from web import edits
from web.guard import may, page_authorize

bp = Blueprint("assessor_pages", __name__)

#: Parts of the day in the availability grid, as (slot part, column heading, words in a label).
PARTS: tuple[tuple[str, str, str], ...] = (("am", "Morning", "morning"), ("pm", "Afternoon", "afternoon"), ("eve", "Evening", "evening"))
#: Days in the availability grid, as (slot day, row heading).
DAYS: tuple[tuple[str, str], ...] = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
LEVEL_WORDS: dict[str, str] = {"exploring": "Exploring", "experienced": "Experienced"}
FRAMEWORK_WORDS: dict[str, str] = {
    "pcf": "Professional Capabilities Framework",
    "kss": "Knowledge and Skills Statements",
    "practice": "Practice themes",
}
#: How many suggestions the page shows.
SUGGESTIONS_SHOWN = 10
#: The shape of an email address (network.domain.EMAIL_PATTERN, the rule of :class:`network.domain.Assessor`).
EMAIL = re.compile(EMAIL_PATTERN)
#: What the erase form asks people to tick.
ERASE_CONFIRMATION = "erase"


def day_words(value: date | None) -> str:
    """A date as people write it: ``3 March 2027``."""
    return "" if value is None else f"{value.day} {value:%B %Y}"


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, day=day_words, today=today(), **context), status


def _no_profile() -> tuple[str, int]:
    """The page for a signed-in person whose account is not linked to an assessor profile."""
    return _render("assessor/no_profile.html")


def _own(action: str) -> tuple[Principal, str] | None:
    """The caller and their assessor id after checking ``action`` on it; ``None`` when they have no assessor profile."""
    principal = page_authorize("me:read")
    if principal.assessor_id is None:
        return None
    page_authorize(action, assessor_id=principal.assessor_id)
    if not get_store().existing_ids("Assessor", [principal.assessor_id]):
        return None  # the account still names a profile that has since been removed
    return principal, principal.assessor_id


# -- profile ------------------------------------------------------------------------------------


@bp.get("/me")
def me() -> Response:
    """Your pages start with your profile."""
    page_authorize("me:read")
    return redirect(url_for("assessor_pages.my_profile"))


@bp.route("/me/profile", methods=["GET", "POST"])
def my_profile() -> Response | tuple[str, int]:
    """Your profile: details, themes with levels, weekly availability, being found and pausing."""
    found = _own("assessors:write")
    if found is None:
        return _no_profile()
    return _profile_page(found[1], own=True, actor_id=found[0].user_id)


@bp.route("/assessors/<assessor_id>/profile", methods=["GET", "POST"])
def assessor_profile(assessor_id: str) -> Response | tuple[str, int]:
    """An assessor's profile, edited by an admin of their organisation (or by themselves)."""
    try:
        principal = page_authorize("assessors:write", assessor_id=assessor_id)
    except NotAllowed:
        raise NotAllowed("You can only open the profiles of assessors in an organisation you administer.") from None
    if principal.assessor_id == assessor_id and request.method == "GET":
        return redirect(url_for("assessor_pages.my_profile"))
    return _profile_page(assessor_id, own=principal.assessor_id == assessor_id, actor_id=principal.user_id)


def _profile_page(assessor_id: str, *, own: bool, actor_id: str | None) -> Response | tuple[str, int]:
    store = get_store()
    assessor = store.get_assessor(assessor_id)
    themes = service.all_themes(store)
    shown = edits.shown({f: getattr(assessor, f) for f in service.PROFILE_FIELDS})  # what the form shows, to save only what changed
    if request.method == "POST":
        changes, chosen, errors = parse_profile(request.form, {t.id for t in themes}, today())
        if not errors:
            try:
                service.save_profile(store, assessor_id, edits.edited(changes, request.form.get(edits.FIELD)), chosen, actor_id=actor_id)
            except InvalidValue as exc:
                errors[exc.field if exc.field in FIELD_IDS else "themes"] = exc.message
        if errors:
            values = _submitted(request.form)
            return _render(
                "assessor/profile.html",
                422,
                assessor=assessor,
                own=own,
                values=values,
                errors=errors,
                shown=request.form.get(edits.FIELD) or shown,
                **_choices(themes, values),
                **_notice_context(actor_id if own else None),
            )
        added = bool(request.form.get("add_theme"))
        flash("The theme is added and the profile saved." if added else "Your profile is saved." if own else "The profile is saved.")
        target = url_for("assessor_pages.my_profile") if own else url_for("assessor_pages.assessor_profile", assessor_id=assessor_id)
        return redirect(target + ("#themes" if added else ""))
    values = _stored(assessor, {link.theme_id: link.level for link in store.theme_links(assessor_id)})
    return _render(
        "assessor/profile.html",
        assessor=assessor,
        own=own,
        values=values,
        errors={},
        shown=shown,
        **_choices(themes, values),
        **_notice_context(actor_id if own else None),
    )


# -- e-mail about notices (on the profile page) ----------------------------------------------------


def _notice_context(
    user_id: str | None, chosen: Mapping[str, str] | None = None, problems: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What the profile page's e-mail section shows: each group with the person's choice (only on their own page)."""
    if user_id is None:
        return {"notice_groups": []}
    current = chosen or delivery.notice_preferences(get_store(), user_id)
    principal = current_principal()
    groups = notice_rules.groups_for(principal.roles if principal else frozenset())
    return {
        "notice_groups": [{"id": g.id, "name": g.name, "covers": g.covers, "choice": current.get(g.id)} for g in groups],
        "notice_options": [(c, notice_rules.CHOICE_LABELS[c]) for c in notice_rules.CHOICES],
        "notice_problems": dict(problems or {}),
    }


@bp.post("/me/profile/notices")
def my_notice_choices() -> Response | tuple[str, int]:
    """Save how you hear of each group of notices by e-mail (every notice is on your notices page whatever you choose)."""
    found = _own("notices:choose")
    if found is None:
        return _no_profile()
    principal, assessor_id = found
    offered = {g.id for g in notice_rules.groups_for(principal.roles)}
    sent = {g: request.form[g] for g in notice_rules.GROUP_IDS if g in request.form and g in offered}
    problems = {g: "Choose one of the ways listed." for g, c in sent.items() if notice_rules.choice_problem(g, c) is not None}
    if not problems:
        delivery.set_notice_preferences(get_store(), principal.user_id, sent, actor_id=principal.user_id)
        flash("Your e-mail choices are saved.", "notices")  # shown beside the choices (profile.html), not at the top
        return redirect(url_for("assessor_pages.my_profile") + "#notices")
    store = get_store()
    assessor = store.get_assessor(assessor_id)
    themes = service.all_themes(store)
    values = _stored(assessor, {link.theme_id: link.level for link in store.theme_links(assessor_id)})
    shown = edits.shown({f: getattr(assessor, f) for f in service.PROFILE_FIELDS})
    chosen = {**delivery.notice_preferences(store, principal.user_id), **{g: c for g, c in sent.items() if g not in problems}}
    return _render(
        "assessor/profile.html",
        422,
        assessor=assessor,
        own=True,
        values=values,
        errors={},
        shown=shown,
        **_choices(themes, values),
        **_notice_context(principal.user_id, chosen, problems),
    )


#: Form fields with a message of their own (others are reported against ``themes``), and the id each message points at.
FIELD_IDS: dict[str, str] = {
    "name": "name",
    "email": "email",
    "bio": "bio",
    "region": "region",
    "experience_years": "experience_years",
    "capacity": "capacity",
    "availability": "availability",
    "discoverable": "discoverable",
    "paused": "paused",
    "paused_until": "paused_until",
    "themes": "add_theme",
    "add_theme": "add_theme",
}


def _whole(raw: str, low: int, high: int) -> int | None:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):  # "¹".isdigit() is true too, and int() refuses it
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_profile(form: MultiDict[str, str], known_themes: set[str], on: date) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The profile changes and theme list a submitted form asks for, and a plain-language message per bad field."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    name = (form.get("name") or "").strip()
    if not name:
        errors["name"] = "Enter your name."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Your name must be {MAX_NAME} characters or fewer."
    changes["name"] = name
    email = (form.get("email") or "").strip()
    if email and (len(email) > EMAIL_MAX or not EMAIL.match(email)):
        errors["email"] = "Enter an email address like name@example.org, or leave it empty."
    changes["email"] = email or None
    bio = (form.get("bio") or "").replace("\r\n", "\n").strip()
    if len(bio) > MAX_BIO:
        errors["bio"] = f"Your introduction must be {MAX_BIO} characters or fewer (it has {len(bio)})."
    changes["bio"] = bio
    region = form.get("region") or ""
    if region and region not in REGIONS:
        errors["region"] = "Choose a region from the list."
    changes["region"] = region or None
    years = _whole(form.get("experience_years") or "", EXPERIENCE_MIN, EXPERIENCE_MAX)
    if years is None:
        errors["experience_years"] = f"Enter your years of experience as a whole number from {EXPERIENCE_MIN} to {EXPERIENCE_MAX}."
    changes["experience_years"] = years
    capacity = _whole(form.get("capacity") or "", CAPACITY_MIN, CAPACITY_MAX)
    if capacity is None:
        errors["capacity"] = f"Enter how many sets you can be in at once, a whole number from {CAPACITY_MIN} to {CAPACITY_MAX}."
    changes["capacity"] = capacity
    slots = form.getlist("availability")
    if any(s not in availability.SLOTS for s in slots):
        errors["availability"] = "Choose times from the grid."
    else:
        changes["availability"] = availability.normalise(slots)
    changes["discoverable"] = form.get("discoverable") == "yes"
    paused = form.get("paused") == "yes"
    changes["paused"] = paused
    until_text = (form.get("paused_until") or "").strip()
    until: date | None = None
    if paused and until_text:
        try:
            until = date.fromisoformat(until_text)
        except ValueError:
            errors["paused_until"] = "Enter a real date, for example 2027-12-31."
        else:
            if until < on:
                errors["paused_until"] = "The date must be today or later."
            elif limits.date_problem(until, on) is not None:
                errors["paused_until"] = f"The pause can last until {limits.words(limits.date_max(on))} at most."
    changes["paused_until"] = until if paused else None
    chosen: dict[str, str] = {}
    listed = form.getlist("theme")
    removed = set(form.getlist("remove"))
    for theme_id in listed:
        if theme_id not in known_themes:
            errors["themes"] = "One of your themes is no longer offered; reload the page."
            continue
        level = form.get(f"level-{theme_id}") or ""
        if level not in LEVELS:
            errors["themes"] = "Choose exploring or experienced for each theme."
            continue
        if theme_id not in removed:
            chosen[theme_id] = level
    add = form.get("add_theme") or ""
    if add:
        add_level = form.get("add_level") or ""
        if add not in known_themes:
            errors["add_theme"] = "Choose a theme from the list."
        elif add_level not in LEVELS:
            errors["add_theme"] = "Choose exploring or experienced for the theme you add."
        else:
            chosen[add] = add_level
    elif form.get("do") == "add":
        errors["add_theme"] = "Choose a theme to add."  # "Add theme and save" with no theme chosen saves nothing
    return changes, chosen, errors


def _stored(assessor: Any, links: Mapping[str, str]) -> dict[str, Any]:
    """Form values from the stored profile (a pause whose end date has passed shows as ended)."""
    paused = assessor.paused_on(today())
    return {
        "name": assessor.name,
        "email": assessor.email or "",
        "bio": assessor.bio,
        "region": assessor.region or "",
        "experience_years": str(assessor.experience_years),
        "capacity": str(assessor.capacity),
        "availability": set(assessor.availability),
        "discoverable": assessor.discoverable,
        "paused": paused,
        "paused_until": assessor.paused_until.isoformat() if paused and assessor.paused_until else "",
        "themes": dict(links),
        "add_theme": "",
        "add_level": "exploring",
    }


def _submitted(form: MultiDict[str, str]) -> dict[str, Any]:
    """Form values as submitted, to show again with the messages."""
    slots = form.getlist("availability")
    listed = form.getlist("theme")
    themes = {t: form.get(f"level-{t}") or "exploring" for t in listed if form.get(f"level-{t}") in LEVELS}
    removed = set(form.getlist("remove"))
    return {
        "name": form.get("name") or "",
        "email": form.get("email") or "",
        "bio": form.get("bio") or "",
        "region": form.get("region") or "",
        "experience_years": form.get("experience_years") or "",
        "capacity": form.get("capacity") or "",
        "availability": {s for s in slots if s in availability.SLOTS},
        "discoverable": form.get("discoverable") == "yes",
        "paused": form.get("paused") == "yes",
        "paused_until": form.get("paused_until") or "",
        "themes": themes,
        "removed": removed,
        "add_theme": form.get("add_theme") or "",
        "add_level": form.get("add_level") or "exploring",
    }


def _choices(themes: list[Any], values: Mapping[str, Any]) -> dict[str, Any]:
    names = {t.id: t.name for t in themes}
    mine = sorted(values["themes"].items(), key=lambda kv: (names.get(kv[0], kv[0]).casefold(), kv[0]))
    groups: dict[str, list[Any]] = {}
    for theme in themes:
        if theme.id not in values["themes"]:
            groups.setdefault(theme.framework, []).append(theme)
    frameworks = dict.fromkeys(("pcf", "kss", "practice", *sorted(groups)))  # the known groups first, each group once
    return {
        "my_themes": [(theme_id, names.get(theme_id, theme_id), level) for theme_id, level in mine],
        "theme_groups": [(FRAMEWORK_WORDS.get(f, f), groups[f]) for f in frameworks if f in groups],
        "regions": REGIONS,
        "days": DAYS,
        "parts": PARTS,
        "levels": LEVEL_WORDS,
        "field_ids": FIELD_IDS,
        "today_iso": today().isoformat(),
    }


# -- privacy ------------------------------------------------------------------------------------


@bp.get("/me/privacy")
def my_privacy() -> Response | tuple[str, int]:
    """Download your data, or erase it."""
    found = _own("privacy:export")
    if found is None:
        return _no_profile()
    return _render("assessor/privacy.html", can_erase=may("privacy:erase", assessor_id=found[1]), error=None)


@bp.get("/me/privacy/export.json")
def my_export() -> Response | tuple[str, int]:
    """Everything Bridgework holds about you, as a JSON file to keep."""
    found = _own("privacy:export")
    if found is None:
        return _no_profile()
    body = privacy.export_json(get_store(), found[1])
    response = Response(current_app.json.dumps(body), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="bridgework-my-data-{today().isoformat()}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/me/privacy/erase")
def my_erasure() -> Response | tuple[str, int]:
    """Erase your profile, ties and login (after a ticked confirmation), then sign out."""
    found = _own("privacy:erase")
    if found is None:
        return _no_profile()
    principal, assessor_id = found
    if request.form.get("confirm") != ERASE_CONFIRMATION:
        error = "Tick the box to confirm that you want your data erased."
        return _render("assessor/privacy.html", 422, can_erase=True, error=error)
    privacy.erase(get_store(), assessor_id, actor_id=principal.user_id)
    current_app.logger.info("user %s erased their assessor data", principal.user_id)
    logout_user()
    session.clear()
    flash("Your data has been erased and you are signed out. Thank you for taking part in Bridgework.")
    return redirect(url_for("web.index"))


# -- suggestions --------------------------------------------------------------------------------


@bp.get("/me/suggestions")
def my_suggestions() -> Response | tuple[str, int]:
    """Peers in other organisations worth contacting, with why, and "Connect" / "Not for me"."""
    found = _own("suggestions:read")
    if found is None:
        return _no_profile()
    store = get_store()
    assessor_id = found[1]
    mode = suggestions_service.check_common_slot(current_app.config.get(COMMON_SLOT_SETTING, "preferred"))
    result = suggestions_service.suggestions_for(store, assessor_id, limit=SUGGESTIONS_SHOWN, common_slot=mode)
    me_now = store.get_assessor(assessor_id)
    # Each suggested person's short bio, in their own words (issue 18); only people already suggested are read.
    bios = {s.assessor_id: store.get_assessor(s.assessor_id).bio for s in result.items}
    return _render(
        "assessor/suggestions.html",
        result=result,
        bios=bios,
        me=me_now,
        regions=REGIONS,
        can_act=may("contacts:write", assessor_id=assessor_id),
    )


@bp.post("/me/suggestions/<other_id>/connect")
def connect(other_id: str) -> Response | tuple[str, int]:
    """Send a contact request to a suggested peer."""
    found = _own("contacts:write")
    if found is None:
        return _no_profile()
    name = request.form.get("name") or "them"
    try:
        suggestions_service.request_contact(get_store(), found[1], other_id, actor_id=found[0].user_id)
    except (NotFound, Invalid, Conflict) as exc:
        flash(_contact_problem(exc), "error")
    else:
        flash(f"Your request to connect has been sent to {name}. You will see them in your contacts when they accept.")
    return redirect(url_for("assessor_pages.my_suggestions"))


@bp.post("/me/suggestions/<other_id>/not-for-me")
def not_for_me(other_id: str) -> Response | tuple[str, int]:
    """Turn a suggestion down: that person is never suggested again."""
    found = _own("contacts:write")
    if found is None:
        return _no_profile()
    try:
        suggestions_service.not_for_me(get_store(), found[1], other_id, actor_id=found[0].user_id)
    except (NotFound, Invalid):
        flash("That person is no longer in Bridgework's suggestions.", "error")
    else:
        flash(f"{request.form.get('name') or 'That person'} will not be suggested to you again.")
    return redirect(url_for("assessor_pages.my_suggestions"))


def _contact_problem(exc: Exception) -> str:
    if isinstance(exc, NotFound):
        return "That person can no longer be contacted through Bridgework."
    if isinstance(exc, Conflict):
        return "You already have a contact or a request with that person, or one of you has turned the other down."
    return f"That request cannot be sent: {exc}."


# -- contacts -----------------------------------------------------------------------------------


@bp.get("/me/contacts")
def my_contacts() -> Response | tuple[str, int]:
    """Your contacts (with how to reach them), requests you received, and requests you sent."""
    found = _own("contacts:read")
    if found is None:
        return _no_profile()
    book = service.contact_book(get_store(), found[1])
    return _render("assessor/contacts.html", book=book, me_id=found[1], can_act=may("contacts:write", assessor_id=found[1]))


@bp.post("/me/contacts/<other_id>/accept")
def accept(other_id: str) -> Response | tuple[str, int]:
    """Accept a contact request."""
    found = _own("contacts:write")
    if found is None:
        return _no_profile()
    name = request.form.get("name") or "them"
    try:
        suggestions_service.accept_request(get_store(), found[1], other_id, actor_id=found[0].user_id)
    except (NotFound, Conflict):
        flash("That request is no longer waiting for an answer.", "error")
    else:
        flash(f"You are now connected with {name}.")
    return redirect(url_for("assessor_pages.my_contacts"))


@bp.post("/me/contacts/<other_id>/decline")
def decline(other_id: str) -> Response | tuple[str, int]:
    """Decline a contact request: remembered, and neither of you is suggested to the other again."""
    found = _own("contacts:write")
    if found is None:
        return _no_profile()
    try:
        suggestions_service.decline_request(get_store(), found[1], other_id, actor_id=found[0].user_id)
    except (NotFound, Conflict):
        flash("That request is no longer waiting for an answer.", "error")
    else:
        flash(f"You declined the request from {request.form.get('name') or 'that person'}. They will not be suggested to you again.")
    return redirect(url_for("assessor_pages.my_contacts"))


@bp.post("/me/contacts/<other_id>/withdraw")
def withdraw(other_id: str) -> Response | tuple[str, int]:
    """Withdraw a request you sent that is still waiting (no decline is recorded, so either of you may ask again)."""
    found = _own("contacts:write")
    if found is None:
        return _no_profile()
    try:
        suggestions_service.withdraw_request(get_store(), found[1], other_id, actor_id=found[0].user_id)
    except NotFound:
        flash("That request is no longer waiting for an answer.", "error")
    else:
        flash(f"Your request to {request.form.get('name') or 'that person'} is withdrawn.")
    return redirect(url_for("assessor_pages.my_contacts"))


# -- sets ---------------------------------------------------------------------------------------


@bp.get("/me/sets")
def my_sets() -> Response | tuple[str, int]:
    """Your action learning sets: members, the next meeting, your next turn, and calendar links."""
    found = _own("sets:own")
    if found is None:
        return _no_profile()
    assessor_id = found[1]
    current, past = service.split_current(service.my_sets(get_store(), assessor_id, today()))
    return _render(
        "assessor/sets.html",
        current=current,
        past=past,
        assessor_id=assessor_id,
        can_calendar=may("calendar:read", assessor_id=assessor_id),
    )

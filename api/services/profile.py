"""An assessor's own pages in one read each: saving the whole profile, the contact book, and "my sets" with their next turns.

Nothing here knows Flask. These are the use cases of an assessor's profile (the JSON API's
``PATCH /assessors/<id>`` and the pages in ``web/assessor.py``) and the reads of the assessor
pages; each reuses the stores' and the other services' functions (``update_assessor_fields``,
``set_theme``, ``contact_cards``, ``set_rota``) rather than copying their rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.services import accounts
from api.services import sets as sets_service
from api.services.usecase import record, use_case
from graph.port import GraphStore, Invalid, NotFound
from graph.port_meetings import MeetingRecord
from graph.port_suggestions import ContactCard
from network import availability, rota
from network.events import ProfileChanged
from network.domain import LEVELS, Assessor, InvalidValue, Theme

#: Profile fields :func:`save_profile` may change (the rest, such as ``active``, stay).
PROFILE_FIELDS: tuple[str, ...] = (
    "name",
    "email",
    "bio",
    "region",
    "experience_years",
    "capacity",
    "availability",
    "discoverable",
    "paused",
    "paused_until",
)

#: How many themes one listing page asks the store for.
_THEME_PAGE = 500


def all_themes(store: GraphStore) -> list[Theme]:
    """Every practice theme, in (framework, name, id) order, for choosing from."""
    themes: list[Theme] = []
    after: str | None = None
    while True:
        page = store.list_themes(limit=_THEME_PAGE, after=after)
        themes.extend(page.items)
        if page.next_after is None:
            break
        after = page.next_after
    return sorted(themes, key=lambda t: (t.framework, t.name.casefold(), t.id))


#: Fields :func:`update_assessor` may change: the profile's, and ``active`` (which the doors let only an
#: admin of the assessor's organisation, or a network admin, change).
ASSESSOR_FIELDS: tuple[str, ...] = (*PROFILE_FIELDS, "active")


@use_case
def update_assessor(store: GraphStore, assessor_id: str, changes: Mapping[str, Any], *, actor_id: str | None = None) -> Assessor:
    """Change some fields of an assessor's profile; audited as ``assessor:update`` with the names of those that changed.

    One use case (one unit of work with its audit entry): the assessor is read, ``changes`` are
    applied and the whole profile is checked (:class:`InvalidValue` naming the field, nothing
    written), then only the fields named in ``changes`` are written
    (:meth:`~graph.port.GraphStore.update_assessor_fields`, which locks the assessor and writes
    only what differs). Two edits of different fields sent at the same moment therefore both
    stay; for the same field the last write wins (there is no version check). Ending a pause
    (``paused`` false) also clears its end date unless ``changes`` gives one. A change that
    leaves everything as it was writes nothing and is not audited. :class:`NotFound` for an
    unknown assessor.
    """
    unknown_fields = sorted(set(changes) - set(ASSESSOR_FIELDS))
    if unknown_fields:
        raise InvalidValue(unknown_fields[0], "cannot be changed here")
    values = dict(changes)
    if "availability" in values:
        values["availability"] = tuple(values["availability"])
    if values.get("paused") is False:
        values.setdefault("paused_until", None)  # resuming ends any dated pause
    current = store.get_assessor(assessor_id)
    wanted = dataclasses.replace(current, **values)  # the domain checks every value (InvalidValue) before anything is written
    fields = sorted(name for name in values if getattr(wanted, name) != getattr(current, name))
    if not fields:
        return current
    updated = store.update_assessor_fields(assessor_id, values)
    accounts.audit(store, "assessor:update", "assessor", assessor_id, actor_id, {"fields": fields})
    record(ProfileChanged(actor_id, assessor_id, tuple(fields)))  # kept suggestions and reach are refreshed
    return updated


@use_case
def save_profile(
    store: GraphStore,
    assessor_id: str,
    changes: Mapping[str, Any],
    themes: Mapping[str, str] | None = None,
    *,
    actor_id: str | None = None,
) -> Assessor:
    """Change the profile fields in ``changes`` and make the assessor's themes exactly ``themes`` (theme id -> level).

    One use case: everything is checked before anything is written (:class:`InvalidValue`, naming
    the field, for a bad value, an unknown theme or level; :class:`NotFound` for an unknown
    assessor), then the profile fields go through :func:`update_assessor` (only those named in
    ``changes`` are written, audited), followed by only the theme links that differ (each audited
    as ``assessor:themes``), all in one unit of work. ``themes=None`` leaves the themes as they are. A page passes only the fields the
    person changed, so a save never undoes someone else's change of another field.
    """
    unknown_fields = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown_fields:
        raise InvalidValue(unknown_fields[0], "cannot be changed here")
    if themes is not None:
        bad_levels = sorted(t for t, level in themes.items() if level not in LEVELS)
        if bad_levels:
            raise InvalidValue("themes", f"the level of {bad_levels[0]} must be one of {', '.join(LEVELS)}")
        missing = sorted(set(themes) - store.existing_ids("Theme", themes))
        if missing:
            raise InvalidValue("themes", f"no practice theme {missing[0]!r} (it may just have been removed)")
    updated = update_assessor(store, assessor_id, changes, actor_id=actor_id)
    if themes is not None:
        stored = {link.theme_id: link.level for link in store.theme_links(assessor_id)}
        # each theme change is audited as assessor:themes, like the same change through the API
        for theme_id in sorted(stored.keys() - themes.keys()):
            store.remove_theme(assessor_id, theme_id)
            accounts.audit(store, "assessor:themes", "assessor", assessor_id, actor_id, {"theme_id": theme_id, "level": None})
        for theme_id, level in sorted(themes.items()):
            if stored.get(theme_id) != level:
                store.set_theme(assessor_id, theme_id, level)
                accounts.audit(store, "assessor:themes", "assessor", assessor_id, actor_id, {"theme_id": theme_id, "level": level})
        if stored != dict(themes):
            record(ProfileChanged(actor_id, assessor_id, ("themes",)))
    return updated


# -- contacts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    """An accepted contact with how to reach them (their email, which accepting the contact shares)."""

    card: ContactCard
    email: str | None


@dataclass(frozen=True, slots=True)
class ContactBook:
    """An assessor's accepted contacts, the requests they received, and the requests they sent and are still waiting on."""

    accepted: tuple[Contact, ...]
    incoming: tuple[ContactCard, ...]
    outgoing: tuple[ContactCard, ...]


def contact_book(store: GraphStore, assessor_id: str) -> ContactBook:
    """The assessor's contacts and pending requests, by name; :class:`NotFound` for an unknown assessor."""
    cards = store.contact_cards(assessor_id)
    accepted = [c for c in cards if c.status == "accepted"]
    ids = [c.other_id for c in accepted]
    emails = {p.assessor.id: p.assessor.email for p in store.describe_members(ids)} if ids else {}
    return ContactBook(
        accepted=tuple(Contact(c, emails.get(c.other_id)) for c in accepted),
        incoming=tuple(c for c in cards if c.status == "requested" and c.direction == "incoming"),
        outgoing=tuple(c for c in cards if c.status == "requested" and c.direction == "outgoing"),
    )


# -- sets --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """A meeting at which the assessor facilitates or presents."""

    on: date
    number: int
    role: str  # "facilitate" | "present"


@dataclass(frozen=True, slots=True)
class MySet:
    """One of the assessor's sets as their "my sets" page shows it."""

    id: str
    name: str
    status: str
    programme_id: str | None
    programme_name: str | None
    current: bool
    joined: date
    left: date | None
    meeting_time: str | None
    cadence: str
    members: tuple[tuple[str, str], ...]  # (id, name) of the current members, in rota order
    next_meeting: date | None
    next_turn: Turn | None
    meetings_total: int


def my_sets(store: GraphStore, assessor_id: str, today: date) -> list[MySet]:
    """The assessor's sets, current first (then past), each by name: members, next meeting and their next turn.

    A set is *current* while the assessor has not left it and it is not closed. Meeting dates
    and turns come from the set's rota (:func:`api.services.sets.set_rota`), the same one its
    calendar file is made from.
    """
    store.get_assessor(assessor_id)
    records = store.sets_of_assessor(assessor_id, current_only=False)
    ids = sorted({m.assessor_id for r in records for m in r.members})
    names = {p.assessor.id: p.assessor.name for p in store.describe_members(ids)} if ids else {}
    programmes: dict[str, str | None] = {}
    found: list[MySet] = []
    for record in records:
        mine = [m for m in record.members if m.assessor_id == assessor_id]
        if not mine:
            continue
        membership = next((m for m in mine if m.current), mine[-1])
        s = record.set
        current = membership.current and s.status != "closed"
        if s.programme_id is not None and s.programme_id not in programmes:
            try:
                programmes[s.programme_id] = store.get_programme(s.programme_id).name
            except NotFound:
                programmes[s.programme_id] = None
        next_meeting, next_turn, total = _next(store, record.id, assessor_id, today) if current and s.meeting_slot else (None, None, 0)
        found.append(
            MySet(
                id=s.id,
                name=s.name,
                status=s.status,
                programme_id=s.programme_id,
                programme_name=programmes.get(s.programme_id) if s.programme_id else None,
                current=current,
                joined=membership.joined,
                left=membership.left,
                meeting_time=availability.describe_slot(s.meeting_slot) if s.meeting_slot else None,
                cadence=s.cadence,
                members=tuple((i, names.get(i, "Former member")) for i in record.current_member_ids),
                next_meeting=next_meeting,
                next_turn=next_turn,
                meetings_total=total,
            )
        )
    return sorted(found, key=lambda m: (not m.current, m.name.casefold(), m.id))


def _next(store: GraphStore, set_id: str, assessor_id: str, today: date) -> tuple[date | None, Turn | None, int]:
    """The set's next meeting on or after ``today``, the assessor's next turn, and how many meetings it has.

    The set's stored meetings when it has them (they may have been moved, or their turns
    re-planned after someone joined or left); until then, the rota its calendar is made from.
    """
    meetings: Sequence[MeetingRecord | rota.Meeting] = store.meetings_of_set(set_id)
    if not meetings:
        try:
            meetings = sets_service.set_rota(store, set_id).meetings
        except (Invalid, NotFound):
            return None, None, 0
    upcoming = sorted((m for m in meetings if m.on >= today), key=lambda m: (m.on, m.number))
    turn: Turn | None = None
    for meeting in upcoming:
        if meeting.facilitator == assessor_id:
            turn = Turn(meeting.on, meeting.number, "facilitate")
        elif assessor_id in meeting.presenters:
            turn = Turn(meeting.on, meeting.number, "present")
        if turn is not None:
            break
    return (upcoming[0].on if upcoming else None), turn, len(meetings)


def split_current(found: Sequence[MySet]) -> tuple[list[MySet], list[MySet]]:
    """The current sets and the past ones."""
    return [m for m in found if m.current], [m for m in found if not m.current]

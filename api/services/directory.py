"""People management (issue 17): find assessors, edit them, move them to another organisation, deactivate them, invite them.

Admins manage everyone; organisation admins the people of their own organisations only (the doors pass
the organisations in scope). Every change is a use case audited in its own unit of work: details through
:func:`api.services.profile.update_assessor`, a move through :func:`api.services.people.set_employer`
(``assessor:employer`` entries, from and to, are the history of where someone worked), deactivation as
``assessor:active``, an invitation as ``user:invite`` (a sign-in without a password and a one-time link with
which the person chooses their own; nobody types a password for someone else).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from api.services import accounts, people
from api.services.usecase import record, use_case
from graph.port import Conflict, GraphStore, NotFound, Page
from graph.port_accounts import User
from network.domain import Assessor, InvalidValue, Organisation
from network.events import ProfileChanged

#: People per page of the list.
PAGE_SIZE = 25
#: The longest search text.
MAX_SEARCH = 100


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person as the list shows them: who, where they work, and whether they can sign in."""

    assessor: Assessor
    organisation: Organisation | None
    user: User | None


def find(
    store: GraphStore,
    *,
    scope: Sequence[str] | None,
    text: str = "",
    organisation_id: str | None = None,
    region: str | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page[PersonRow]:
    """A page of people matching the search, within ``scope`` (the organisations the caller may manage; ``None``: all)."""
    organisations: Sequence[str] | None = scope
    if organisation_id is not None:
        organisations = [organisation_id] if scope is None or organisation_id in scope else []
    page = store.find_assessors(text.strip().lower()[:MAX_SEARCH] or None, organisations, region, limit=limit, after=after)
    return Page([row(store, a) for a in page.items], page.next_after)


def row(store: GraphStore, assessor: Assessor) -> PersonRow:
    """The person with their organisation and sign-in."""
    employment = store.get_employment(assessor.id)
    organisation = None
    if employment is not None:
        try:
            organisation = store.get_organisation(employment.organisation_id)
        except NotFound:
            organisation = None
    return PersonRow(assessor, organisation, store.user_for_assessor(assessor.id))


@dataclass(frozen=True, slots=True)
class Move:
    """One line of someone's history of employers, from the audit log."""

    on: date
    from_name: str
    to_name: str


def history(store: GraphStore, assessor_id: str, most: int = 50) -> list[Move]:
    """Where the person worked before, newest first, from their ``assessor:employer`` entries."""
    moves = []
    for entry in store.list_audit(limit=most, action="assessor:employer", target_id=assessor_id).items:
        moves.append(
            Move(entry.at.date(), _organisation_name(store, entry.details.get("from")), _organisation_name(store, entry.details.get("to")))
        )
    return moves


def _organisation_name(store: GraphStore, organisation_id: object) -> str:
    if not organisation_id:
        return "no organisation"
    try:
        return store.get_organisation(str(organisation_id)).name
    except NotFound:
        return "a removed organisation"


@use_case
def set_active(store: GraphStore, assessor_id: str, active: bool, *, actor_id: str | None) -> Assessor:
    """Deactivate someone (they are left out of suggestions and set formation; their history stays) or make them active again.

    Their sign-in, if any, follows: a deactivated person cannot sign in. Audited as ``assessor:active``.
    """
    current = store.get_assessor(assessor_id)
    if current.active == active:
        return current
    updated = store.update_assessor_fields(assessor_id, {"active": active})
    user = store.user_for_assessor(assessor_id)
    if user is not None and user.active != active and not ({"admin", "coordinator", "org_admin"} & set(user.roles)):
        accounts.update_user(store, user.id, actor_id=actor_id, active=active)
    accounts.audit(store, "assessor:active", "assessor", assessor_id, actor_id, {"active": active})
    record(ProfileChanged(actor_id, assessor_id, ("active",)))  # kept suggestions and reach no longer show them
    return updated


@use_case
def move(store: GraphStore, assessor_id: str, organisation_id: str, *, actor_id: str | None, since: date | None = None) -> Assessor:
    """Move the person to another organisation from ``since`` (default today); the move is kept in their history.

    :class:`InvalidValue` when they already work there; :class:`NotFound` for an unknown person or organisation.
    """
    assessor = store.get_assessor(assessor_id)
    store.get_organisation(organisation_id)
    employment = store.get_employment(assessor_id)
    if employment is not None and employment.organisation_id == organisation_id:
        raise InvalidValue("organisation_id", f"{assessor.name} already works there")
    people.set_employer(store, assessor_id, organisation_id, since=since, actor_id=actor_id)
    return assessor


@dataclass(frozen=True, slots=True)
class Invitation:
    """A new sign-in and the one-time link with which the person chooses their own password."""

    user: User
    secret: str
    expires_at: object


@use_case
def invite(store: GraphStore, assessor_id: str, *, actor_id: str | None, hours: int = 24) -> Invitation:
    """Give the person a sign-in (the assessor role, linked to them, no password) and a link to choose their password.

    Audited as ``user:invite``. :class:`InvalidValue` when they have no email or are not active; :class:`Conflict`
    when they have a sign-in already or their email is another sign-in's.
    """
    assessor = store.get_assessor(assessor_id)
    if not assessor.active:
        raise InvalidValue("assessor_id", f"{assessor.name} is deactivated; make them active first")
    if not assessor.email:
        raise InvalidValue("email", f"{assessor.name} has no email address; add one first")
    if store.user_for_assessor(assessor_id) is not None:
        raise Conflict(f"{assessor.name} can sign in already; issue a new password link from their sign-in instead")
    try:
        store.get_user_by_email(accounts.normalise_email(assessor.email))
    except NotFound:
        pass
    else:
        raise Conflict(f"another sign-in uses {assessor.email}; link it to {assessor.name} instead")
    user = accounts.create_user(store, assessor.email, roles=("assessor",), assessor_id=assessor_id, actor_id=actor_id)
    issued = accounts.issue_reset(store, user.id, actor_id, hours)
    accounts.audit(store, "user:invite", "user", user.id, actor_id, {"assessor_id": assessor_id, "hours": hours})
    return Invitation(user, issued.secret, issued.reset.expires_at)

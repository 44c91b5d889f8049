"""Peer-suggestion use cases: an assessor's suggestions, and the contact actions taken from them.

Shared by the JSON API and the CLI; nothing here knows Flask. A suggestion list is two reads:
the store's candidate pool (:meth:`~graph.port_suggestions.SuggestionsPort.suggestion_pool`)
and the reach area's isolation for the few candidates that can matter; the pure engine
(:func:`network.suggestions.suggest`) scores, diversifies and explains. Every action is a use case
(:func:`api.services.usecase.use_case`): one unit of work, all of it or none of it.
"""

from __future__ import annotations

from datetime import date

from api.services import accounts, views
from api.services.usecase import record as record_event
from api.services.usecase import use_case
from graph.port import Declined, GraphStore, Invalid
from graph.port_suggestions import ContactCard
from network.domain import Contact
from network.events import ContactAccepted, ContactRequested, TurnedDown
from network.suggestions import COMMON_SLOT_MODES, DEFAULT_LIMITS, DEFAULT_WEIGHTS, Limits, Suggestions, Weights, suggest

#: Most suggestions one request may ask for.
MAX_LIMIT = 50
#: Suggestions when the caller does not say how many.
DEFAULT_LIMIT = 10
#: Most suggestions from one organisation in a list, while others are available.
MAX_PER_ORGANISATION = 2
#: ``via`` recorded on a contact requested from a suggestion.
VIA_SUGGESTION = "suggestion"


def check_common_slot(value: str) -> str:
    """``value`` if it is a common-slot mode (``preferred`` or ``required``); else :class:`Invalid`."""
    if value not in COMMON_SLOT_MODES:
        raise Invalid(f"common_slot must be one of {', '.join(COMMON_SLOT_MODES)}, got {value!r}")
    return value


def suggestions_for(
    store: GraphStore,
    assessor_id: str,
    *,
    limit: int = DEFAULT_LIMIT,
    common_slot: str = "preferred",
    weights: Weights = DEFAULT_WEIGHTS,
    limits: Limits = DEFAULT_LIMITS,
) -> Suggestions:
    """The assessor's peer suggestions, best first, with reasons; :class:`NotFound` for an unknown assessor.

    ``common_slot``: ``preferred`` (common weekly slots raise the score) or ``required`` (only
    people with a common slot are suggested).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    check_common_slot(common_slot)

    def compute() -> Suggestions:
        pool = store.suggestion_pool(assessor_id, common_slot=common_slot, weights=weights, limits=limits)
        return suggest(pool, store.isolation, limit=limit, weights=weights, max_per_organisation=MAX_PER_ORGANISATION)

    if weights != DEFAULT_WEIGHTS or limits != DEFAULT_LIMITS:
        return compute()  # tuned runs (benchmarks, experiments) are never kept
    # Kept ready (api.services.views): refreshed by the events that change them, or after views.MAX_AGE.
    key = f"suggestions:{assessor_id}:{limit}:{common_slot}"
    return views.kept(store, key, (views.CONSENT, views.person(assessor_id)), compute)


@use_case
def request_contact(
    store: GraphStore, from_id: str, to_id: str, via: str | None = VIA_SUGGESTION, on: date | None = None, *, actor_id: str | None = None
) -> Contact:
    """``from_id`` asks ``to_id`` (findable, in another organisation) to connect; see ``request_peer_contact`` for the errors.

    Records :class:`~network.events.ContactRequested`: the person asked is told. Audited as ``contacts:request``.
    """
    contact = store.request_peer_contact(from_id, to_id, via=via, on=on)
    accounts.audit(store, "contacts:request", "assessor", from_id, actor_id, {"other_id": to_id})
    record_event(ContactRequested(actor_id, from_id, to_id))
    return contact


@use_case
def accept_request(
    store: GraphStore, assessor_id: str, requester_id: str, on: date | None = None, *, actor_id: str | None = None
) -> Contact:
    """``assessor_id`` accepts the pending request from ``requester_id``; :class:`NotFound` if there is none.

    Records :class:`~network.events.ContactAccepted`: the person who asked is told. Audited as ``contacts:accept``.
    """
    contact = store.accept_contact(requester_id, assessor_id, on=on)
    accounts.audit(store, "contacts:accept", "assessor", assessor_id, actor_id, {"other_id": requester_id})
    record_event(ContactAccepted(actor_id, assessor_id, requester_id))
    return contact


@use_case
def decline_request(
    store: GraphStore, assessor_id: str, requester_id: str, on: date | None = None, *, actor_id: str | None = None
) -> Declined:
    """``assessor_id`` declines the pending request from ``requester_id``; neither is suggested to the other again.

    Audited as ``contacts:decline``.
    """
    declined = store.decline_contact(requester_id, assessor_id, on=on)
    accounts.audit(store, "contacts:decline", "assessor", assessor_id, actor_id, {"other_id": requester_id})
    record_event(TurnedDown(actor_id, assessor_id, requester_id, how="declined"))
    return declined


@use_case
def withdraw_request(store: GraphStore, assessor_id: str, other_id: str, *, actor_id: str | None = None) -> None:
    """``assessor_id`` withdraws their pending request to ``other_id`` (no decline is recorded); :class:`NotFound` if none.

    Audited as ``contacts:withdraw``.
    """
    store.withdraw_contact(assessor_id, other_id)
    accounts.audit(store, "contacts:withdraw", "assessor", assessor_id, actor_id, {"other_id": other_id})


@use_case
def not_for_me(store: GraphStore, assessor_id: str, other_id: str, on: date | None = None, *, actor_id: str | None = None) -> Declined:
    """``assessor_id`` turns down ``other_id`` as a suggestion; neither is suggested to the other again (repeating it is harmless).

    Audited as ``contacts:not-for-me``.
    """
    declined = store.decline_suggestion(assessor_id, other_id, on=on)
    accounts.audit(store, "contacts:not-for-me", "assessor", assessor_id, actor_id, {"other_id": other_id})
    record_event(TurnedDown(actor_id, assessor_id, other_id))
    return declined


def contacts_of(store: GraphStore, assessor_id: str, status: str | None = None, direction: str | None = None) -> list[ContactCard]:
    """The assessor's contacts and requests (optionally one status and direction), with the other person's name and organisation."""
    return store.contact_cards(assessor_id, status=status, direction=direction)

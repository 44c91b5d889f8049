"""Area port of :class:`graph.port.GraphStore`: candidate generation and graph features for peer suggestions, and contact cards.

The store does the graph work of a suggestion request (which candidates, their shared themes
with each theme's frequency, common slots, mutual peers, organisations already reached) so no
request loads the whole graph; isolation is the reach area's (``isolation``), asked for the few
candidates that matter by :func:`network.suggestions.suggest`; the pure engine :mod:`network.suggestions`
decides how far to expand (:func:`network.suggestions.plan_expansion`), scores and explains.

Both adapters answer :meth:`SuggestionsPort.suggestion_pool` with the same steps,
:func:`assemble_pool`, over their own small queries (:class:`PoolQueries`: SQL in the
embedded store, Cypher in Neo4j), all inside one read transaction. The contract suite checks
that both return the pool of the in-memory reference :meth:`network.suggestions.Snapshot.pool`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from graph.values import Invalid
from network.domain import CONTACT_STATUSES, Contact
from network.suggestions import (
    COMMON_SLOT_MODES,
    DEFAULT_LIMITS,
    DEFAULT_WEIGHTS,
    Candidate,
    CandidatePool,
    Expansion,
    Limits,
    Seeker,
    SeekerTheme,
    Weights,
    mutual_peers,
    plan_expansion,
    proximity_pool,
)

#: Which side of a contact the assessor is on: ``outgoing`` they asked, ``incoming`` they were asked.
DIRECTIONS: tuple[str, ...] = ("outgoing", "incoming")


@dataclass(frozen=True, slots=True)
class ContactCard:
    """One of an assessor's contacts or requests, with the other person's name and organisation."""

    other_id: str
    other_name: str
    other_organisation_id: str | None
    other_organisation_name: str | None
    status: str
    direction: str
    since: date | None = None
    via: str | None = None


class SuggestionsPort(ABC):
    """Candidate generation and graph features for peer suggestions; contact requests from a suggestion."""

    @abstractmethod
    def suggestion_pool(
        self,
        assessor_id: str,
        *,
        common_slot: str = "preferred",
        weights: Weights = DEFAULT_WEIGHTS,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CandidatePool:
        """The seeker and their candidates with graph features, in one read; :class:`NotFound` if the assessor is missing.

        Carries out :func:`network.suggestions.plan_expansion` (rarer themes only, within a
        budget) plus everyone reached through mutual peers or a former set, keeps only people
        :func:`network.suggestions.eligible` allows, and returns them in id order. A paused or
        inactive seeker gets an empty pool. :class:`Invalid` for an unknown ``common_slot``.
        """

    @abstractmethod
    def request_peer_contact(self, from_id: str, to_id: str, via: str | None = None, on: date | None = None) -> Contact:
        """Ask ``to_id`` to connect, as from a suggestion: ``request_contact`` with two more rules, in one transaction.

        :class:`NotFound` if either is missing or ``to_id`` is not findable (not discoverable,
        paused or inactive: indistinguishable from missing, for their privacy);
        :class:`Invalid` for oneself or someone in the same organisation; :class:`Conflict`
        if a contact exists either way or either has declined the other.
        """

    @abstractmethod
    def contact_cards(self, assessor_id: str, status: str | None = None, direction: str | None = None) -> list[ContactCard]:
        """The assessor's contacts and requests, optionally of one status and direction, by (status, other's name, other's id).

        :class:`NotFound` if the assessor is missing; :class:`Invalid` for an unknown status or direction.
        """


def card_order(card: ContactCard) -> tuple[str, str, str]:
    """How contact cards are listed: by status, then the other person's name and id."""
    return (card.status, card.other_name, card.other_id)


def check_card_filters(status: str | None, direction: str | None) -> None:
    """Raise :class:`Invalid` for a status or direction outside the vocabulary."""
    if status is not None and status not in CONTACT_STATUSES:
        raise Invalid(f"status must be one of {', '.join(CONTACT_STATUSES)}, got {status!r}")
    if direction is not None and direction not in DIRECTIONS:
        raise Invalid(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")


# -- the steps both adapters take ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeekerFacts:
    """What one read learns about the seeker: profile, employer, themes (with frequencies), peers and exclusions.

    ``peers`` are ``(peer id, tie, peer's organisation or None, peer is active)``: accepted
    contacts (ties) and set-mates in active or closed sets (ties while both are still in an
    active set); a peer may come more than once. ``peers_of_peers`` maps each of those peers
    to their own peers (the seeker among them), ids in any order, repeats allowed.
    ``contacted_or_declined`` is everyone with a contact (any status) or a decline with the
    seeker, either way.
    """

    id: str
    name: str
    region: str | None
    availability_mask: int
    discoverable: bool
    paused: bool
    active: bool
    organisation_id: str | None
    organisation_name: str | None
    themes: tuple[SeekerTheme, ...]
    network_size: int
    peers: tuple[tuple[str, bool, str | None, bool], ...]
    contacted_or_declined: frozenset[str]
    peers_of_peers: Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class CandidateFilter:
    """Who may be a candidate (see :func:`network.suggestions.eligible`): the same for every query of one request."""

    seeker_id: str
    organisation_id: str | None
    excluded: tuple[str, ...]
    seeker_mask: int
    require_common_slot: bool


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """A candidate's own facts: profile, employer (and its region) and the given themes they work on."""

    id: str
    name: str
    region: str | None
    experience_years: int
    availability_mask: int
    organisation_id: str | None
    organisation_name: str | None
    themes: tuple[tuple[str, str], ...]
    organisation_region: str | None = None


class PoolQueries(Protocol):
    """The two reads :func:`assemble_pool` needs, each run inside one already-open read transaction."""

    def seeker(self, assessor_id: str) -> SeekerFacts:
        """Everything about the seeker, their peers and their peers' peers; :class:`NotFound` if missing."""
        ...

    def gather(
        self, plan: Expansion, keep: CandidateFilter, reachable: Sequence[str], theme_ids: Sequence[str]
    ) -> tuple[list[CandidateRow], list[CandidateRow]]:
        """The theme candidates and the eligible among ``reachable``, each row with those of ``theme_ids`` they work on.

        First: the best ``plan.theme_pool`` people allowed by ``keep`` who hold an expanded theme,
        by (pre-score descending, id) (none when the plan expands no theme). Second: those of
        ``reachable`` that ``keep`` allows, in id order.
        """
        ...


def assemble_pool(q: PoolQueries, assessor_id: str, *, common_slot: str, weights: Weights, limits: Limits) -> CandidatePool:
    """The candidate pool of :meth:`SuggestionsPort.suggestion_pool`, from an adapter's queries (one read transaction).

    Steps: read the seeker (themes with frequencies, peers and their peers, ties,
    exclusions); plan the expansion (pure, so the same in every adapter and on every retry);
    gather the theme candidates and the eligible peer-reached candidates with their
    features; keep the closest of the latter. Two reads, whatever the size of the network.
    """
    if common_slot not in COMMON_SLOT_MODES:
        raise Invalid(f"common_slot must be one of {', '.join(COMMON_SLOT_MODES)}, got {common_slot!r}")
    f = q.seeker(assessor_id)
    ties = {y for y, tie, _, _ in f.peers if tie and y != f.id}
    peers = {y for y, _, _, _ in f.peers if y != f.id}
    former = peers - ties
    reached = {org for y, tie, org, active in f.peers if tie and active and org is not None and y != f.id}
    mine = f.organisation_id
    seeker = Seeker(
        id=f.id,
        name=f.name,
        organisation_id=mine,
        organisation_name=f.organisation_name,
        region=f.region,
        availability_mask=f.availability_mask,
        discoverable=f.discoverable,
        paused=f.paused,
        active=f.active,
        themes=tuple(sorted(f.themes, key=lambda t: t.theme_id)),
        reached_organisations=tuple(sorted(reached)),
        excluded=tuple(sorted((f.contacted_or_declined | ties) - {f.id})),
    )
    n = f.network_size
    if not seeker.wants_candidates:
        return CandidatePool(seeker, n, (), common_slot)
    plan = plan_expansion(seeker, n, common_slot=common_slot, weights=weights, limits=limits)
    keep = CandidateFilter(seeker.id, mine, seeker.excluded, plan.seeker_mask, plan.require_common_slot)

    mutual = mutual_peers(seeker.id, {z: set(f.peers_of_peers.get(z, ())) - {z} for z in peers})
    reachable = sorted(set(mutual) | former)
    if not (plan.themes and plan.theme_pool) and not reachable:
        return CandidatePool(seeker, n, (), common_slot)
    by_theme, near = q.gather(plan, keep, reachable, [t.theme_id for t in seeker.themes])
    closest = set(proximity_pool((r.id for r in near), mutual, former, plan.proximity_pool))
    rows = {r.id: r for r in near if r.id in closest}
    rows.update((r.id, r) for r in by_theme)
    candidates = tuple(
        Candidate(
            id=r.id,
            name=r.name,
            organisation_id=r.organisation_id,
            organisation_name=r.organisation_name,
            region=r.region,
            experience_years=r.experience_years,
            availability_mask=r.availability_mask,
            themes=r.themes,
            mutual=mutual.get(r.id, ()),
            former_set_mate=r.id in former,
            organisation_region=r.organisation_region,
        )
        for _, r in sorted(rows.items())
    )
    return CandidatePool(seeker, n, candidates, common_slot)

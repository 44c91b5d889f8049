"""Reach use cases: an organisation's reach and its history, the network report, the tie matrix, what-if, isolated lists.

Shared by the JSON API and the CLI; nothing here knows Flask. The store computes the figures
(:mod:`graph.port_reach`); this module picks what to ask for and decides which named people
a caller may see: the views pass ``people_visible`` and get back reports with the people of
other organisations already taken out, so no output schema ever receives them.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from api.services import views
from graph.port import GraphStore, Page
from network import reach
from network.domain import InvalidValue, Organisation
from network.domain import today as uk_today
from network.reach import MAP_LIMIT, MAX_MAP_LIMIT, IsolatedAssessor, MapPerson, MonthReach, NetworkReach, OrganisationReach, WhatIf

#: Most people one what-if may name (a large programme's whole pool, with room to spare).
MAX_WHAT_IF_PEOPLE = 2000


@dataclass(frozen=True, slots=True)
class OrganisationReport:
    """One organisation's reach, its month-by-month history, and whether its people are shown by name.

    When ``people_visible`` is False, ``reach.isolated`` and ``reach.bridges`` are empty and
    only the counts (``isolated_count``) and organisation-level figures remain.
    """

    reach: OrganisationReach
    history: list[MonthReach]
    people_visible: bool
    isolated_count: int

    @property
    def sentences(self) -> list[str]:
        return self.reach.sentences()


def months(first: date | None, last: date | None, today: date | None = None) -> list[date]:
    """The months of a history range (see :func:`network.reach.month_range`); :class:`InvalidValue` naming ``from`` or ``to``."""
    try:
        return reach.month_range(first, last, today or uk_today())
    except reach.BadRange as exc:
        raise InvalidValue(exc.field, exc.message) from None


def organisation_report(
    store: GraphStore,
    organisation_id: str,
    *,
    hops: int = 2,
    first: date | None = None,
    last: date | None = None,
    people_visible: bool,
    sees_hidden: bool = False,
    today: date | None = None,
) -> OrganisationReport:
    """The organisation's reach (``hops`` 1 or 2) and its history from ``first`` to ``last`` (months)."""
    span = months(first, last, today)

    def compute() -> tuple[OrganisationReach, list[MonthReach]]:
        return store.organisation_reach(organisation_id, hops=hops), store.organisation_history(organisation_id, span)

    # Kept ready (api.services.views): refreshed when ties change or anyone's consent does, or after views.MAX_AGE.
    key = f"reach:{organisation_id}:{hops}:{span[0].isoformat() if span else ''}:{span[-1].isoformat() if span else ''}"
    figures, history = views.kept(store, key, (views.CONSENT, views.TIES), compute)
    count = figures.isolated_count
    if not people_visible:
        figures = replace(figures, isolated=(), bridges=())
    elif not sees_hidden:  # only the organisation's own admin (or an admin) sees who chose not to be found
        found = _findable(store, [i.assessor_id for i in figures.isolated] + [b.assessor_id for b in figures.bridges])
        isolated = tuple(i for i in figures.isolated if i.assessor_id in found)
        figures = replace(figures, isolated=isolated, bridges=tuple(b for b in figures.bridges if b.assessor_id in found))
    return OrganisationReport(reach=figures, history=history, people_visible=people_visible, isolated_count=count)


def network_report(store: GraphStore) -> NetworkReach:
    """The network report (organisations only: it names nobody)."""
    return store.network_reach()


def tie_matrix_csv(store: GraphStore, layout: str = "matrix") -> str:
    """The tie matrix as CSV (``matrix`` or ``pairs``; see :func:`network.reach.tie_matrix_csv`)."""
    if layout not in reach.CSV_LAYOUTS:
        raise InvalidValue("layout", f"must be one of {', '.join(reach.CSV_LAYOUTS)}, got {layout!r}")
    return reach.tie_matrix_csv(store.network_reach(), layout)


def what_if(
    store: GraphStore,
    *,
    sets: Sequence[Sequence[str]] = (),
    contacts: Sequence[Sequence[str]] = (),
    visible: frozenset[str] | None = None,
    sees_everyone: bool = False,
) -> WhatIf:
    """What a proposed set formation and/or accepted suggestions would change, before anything is written.

    :class:`InvalidValue` for an empty proposal, a contact that is not a pair of two people,
    or too many people; :class:`~graph.port.Invalid` (422) naming unknown assessors. Named
    people of organisations outside ``visible`` are left out of the result unless ``sees_everyone``.
    """
    if not sets and not contacts:
        raise InvalidValue("sets", "give at least one proposed set or one contact")
    for k, pair in enumerate(contacts):
        if len(pair) != 2 or pair[0] == pair[1]:
            raise InvalidValue("contacts", f"item {k}: a contact is two different assessor ids")
    for k, group in enumerate(sets):
        if len(set(group)) < 2:
            raise InvalidValue("sets", f"item {k}: a set needs at least two different people")
    people = {i for group in sets for i in group} | {i for pair in contacts for i in pair}
    if len(people) > MAX_WHAT_IF_PEOPLE:
        raise InvalidValue("sets", f"at most {MAX_WHAT_IF_PEOPLE} people per what-if, got {len(people)}")
    baseline = store.reach_baseline(people)
    kind = "sets" if sets and not contacts else "suggestions" if contacts and not sets else "proposal"
    result = reach.what_if(baseline, reach.proposal_pairs(sets=sets, contacts=contacts), kind=kind)
    if sees_everyone:
        return result
    shown = visible or frozenset()
    changes = tuple(c if c.organisation_id in shown else replace(c, newly_connected=()) for c in result.organisations)
    return replace(result, organisations=changes, inactive=tuple(i for i in result.inactive if baseline.people[i].organisation_id in shown))


def _findable(store: GraphStore, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` who may be shown to others today: opted in, not paused, active (:attr:`Assessor.findable`)."""
    return {p.assessor.id for p in store.describe_members(sorted(set(ids))) if p.assessor.findable} if ids else set()


def _without_hidden(store: GraphStore, m: reach.ReachMap, sees_hidden_of: Callable[[str | None], bool]) -> reach.ReachMap:
    """The map without the people the caller may not see because they chose not to be found (or are paused), nor anyone
    it then reaches only through them: such a person shows only to their own organisation's admin."""
    maybe = [p.assessor_id for p in m.people if not sees_hidden_of(p.organisation_id)]
    if not maybe:
        return m
    found = _findable(store, maybe)
    gone = {i for i in maybe if i not in found}
    if not gone:
        return m
    kept = {p.assessor_id: p for p in m.people if p.assessor_id not in gone}
    ties = tuple(t for t in m.ties if t[0] in kept and t[1] in kept)
    near: dict[str, set[str]] = {}
    for a, b in ties:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    hops = {i: 0 for i, p in kept.items() if p.hops == 0}
    edge = list(hops)
    for step in (1, 2):  # the map reaches two tie hops from the organisation's own people
        edge = [j for i in edge for j in near.get(i, ()) if j not in hops]
        for j in edge:
            hops.setdefault(j, step)
    people = tuple(replace(p, hops=hops[p.assessor_id]) for p in m.people if p.assessor_id in hops)
    ties = tuple(t for t in ties if t[0] in hops and t[1] in hops)
    orgs = {p.organisation_id for p in people}
    organisations = tuple(o for o in m.organisations if o.id == m.organisation.id or o.id in orgs)
    return replace(m, people=people, ties=ties, organisations=organisations, total_people=m.total_people - (len(m.people) - len(people)))


def isolated(
    store: GraphStore,
    organisation_id: str | None = None,
    limit: int = 50,
    after: str | None = None,
    *,
    sees_hidden_of: Callable[[str | None], bool] = lambda organisation_id: False,
) -> Page[IsolatedAssessor]:
    """Isolated assessors, longest isolated first, of one organisation or (``None``) of everyone."""
    if after is not None and not _cursor_ok(after):
        raise InvalidValue("after", "is not a cursor this list gave out; pass the next_after of the page before")
    page = store.isolated_assessors(organisation_id, limit=limit, after=after)
    maybe = [i.assessor_id for i in page.items if not sees_hidden_of(i.organisation_id)]
    if not maybe:
        return page
    found = _findable(store, maybe)
    # A shorter page keeps its cursor: the next page goes on after the last person looked at, shown or not.
    return replace(page, items=[i for i in page.items if i.assessor_id in found or i.assessor_id not in maybe])


def _cursor_ok(after: str) -> bool:
    day, sep, assessor_id = after.partition("|")
    if not sep or not assessor_id:
        return False
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


# -- the network map ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapNode:
    """One person on a map, as the caller may see them.

    ``id`` is opaque and new in every response, so an anonymised person cannot be followed from
    one map to the next; ``name`` is ``None`` unless the caller may see that organisation's people.
    """

    id: str
    label: str
    name: str | None
    organisation_id: str | None
    hops: int
    ties: int
    #: For the organisation's own assessors only (``None`` for everyone else).
    isolated: bool | None
    #: Only for named, isolated people.
    isolated_since: date | None
    sole_in_organisation: bool | None


@dataclass(frozen=True, slots=True)
class MapOrganisation:
    """An organisation on a map, with how many of its people are shown."""

    id: str
    name: str
    kind: str
    region: str
    own: bool
    shown: int
    named: bool


@dataclass(frozen=True, slots=True)
class MapEdge:
    """A tie between two people on the map (node ids of the same response)."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class MapView:
    """An organisation's network map for one caller: named or anonymised people, their ties, and what was left off."""

    organisation: Organisation
    organisations: tuple[MapOrganisation, ...]
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    total: int
    limit: int

    @property
    def shown(self) -> int:
        return len(self.nodes)

    @property
    def truncated(self) -> bool:
        return self.total > self.shown

    @property
    def isolated(self) -> int:
        """How many of the organisation's own assessors on the map are isolated."""
        return sum(1 for n in self.nodes if n.isolated)

    @property
    def summary(self) -> str:
        """One plain sentence: how many people are shown, of how many."""
        own = sum(1 for n in self.nodes if n.hops == 0)
        if not self.nodes:
            return f"{self.organisation.name} has no active assessors to show yet."
        if self.truncated:
            return (
                f"Showing {self.shown:,} of {self.total:,} people (the nearest first): the map holds at most "
                f"{self.limit:,}, so the people farthest away are left off."
            )
        reached = self.shown - own
        return (
            f"Showing all {self.shown:,} people: {_count(own, 'assessor')} of {self.organisation.name}"
            f" and {_count(reached, 'person', 'people')} they reach within two steps."
        )


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def organisation_map(
    store: GraphStore,
    organisation_id: str,
    *,
    sees_people_of: Callable[[str | None], bool],
    sees_hidden_of: Callable[[str | None], bool] = lambda organisation_id: False,
    limit: int = MAP_LIMIT,
) -> MapView:
    """The organisation's network map as the caller may see it.

    People of organisations for which ``sees_people_of`` is False appear as "Assessor 3 at
    Org X", with an id made up for this response only; who may be found at all is decided by
    the store (:meth:`~graph.port_reach.ReachPort.reach_map`). :class:`InvalidValue` for a bad ``limit``.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_MAP_LIMIT:
        raise InvalidValue("limit", f"must be a whole number from 1 to {MAX_MAP_LIMIT}")
    m = _without_hidden(store, store.reach_map(organisation_id, limit=limit), sees_hidden_of)
    degree: Counter[str] = Counter()
    for a, b in m.ties:
        degree[a] += 1
        degree[b] += 1
    names = {o.id: o.name for o in m.organisations}
    named_orgs = {o.id for o in m.organisations if sees_people_of(o.id)}
    sees_loose = sees_people_of(None)
    tokens: dict[str, str] = {}
    for p in m.people:
        token = "n" + secrets.token_hex(6)
        while token in tokens.values():
            token = "n" + secrets.token_hex(6)
        tokens[p.assessor_id] = token

    def named(p: MapPerson) -> bool:
        return p.organisation_id in named_orgs if p.organisation_id is not None else sees_loose

    order = {o.id: k for k, o in enumerate(m.organisations)}
    groups: dict[str | None, list[MapPerson]] = {}
    for p in m.people:
        groups.setdefault(p.organisation_id, []).append(p)
    nodes: list[MapNode] = []
    for org_id in sorted(groups, key=lambda o: (o is None, order.get(o or "", 0))):
        people = groups[org_id]
        shown_by_name = sorted((p for p in people if named(p)), key=lambda p: (p.hops, p.name.casefold(), p.assessor_id))
        # Anonymised people are numbered by nearness and ties, then by their random token: never by id or name.
        anonymous = sorted((p for p in people if not named(p)), key=lambda p: (p.hops, -degree[p.assessor_id], tokens[p.assessor_id]))
        where = f"at {names[org_id]}" if org_id is not None else "with no organisation"
        for p in shown_by_name:
            nodes.append(_node(p, tokens[p.assessor_id], p.name, p.name, degree[p.assessor_id], named=True))
        for k, p in enumerate(anonymous, start=1):
            nodes.append(_node(p, tokens[p.assessor_id], f"Assessor {k} {where}", None, degree[p.assessor_id], named=False))
    shown = Counter(p.organisation_id for p in m.people)
    organisations = tuple(
        MapOrganisation(o.id, o.name, o.kind, o.region, own=o.id == m.organisation.id, shown=shown.get(o.id, 0), named=o.id in named_orgs)
        for o in m.organisations
    )
    edges = tuple(sorted((MapEdge(tokens[a], tokens[b]) for a, b in m.ties), key=lambda e: (e.source, e.target)))
    return MapView(
        organisation=m.organisation, organisations=organisations, nodes=tuple(nodes), edges=edges, total=m.total_people, limit=m.limit
    )


def _node(p: MapPerson, node_id: str, label: str, name: str | None, ties: int, *, named: bool) -> MapNode:
    own = p.hops == 0
    return MapNode(
        id=node_id,
        label=label,
        name=name,
        organisation_id=p.organisation_id,
        hops=p.hops,
        ties=ties,
        isolated=p.isolated if own else None,
        isolated_since=p.isolated_since if own and named and p.isolated else None,
        sole_in_organisation=p.sole_in_organisation if own else None,
    )

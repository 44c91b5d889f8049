"""Reach use cases: an organisation's reach and its history, the network report, the tie matrix, what-if, isolated lists.

Shared by the JSON API and the CLI; nothing here knows Flask. The store computes the figures
(:mod:`graph.port_reach`); this module picks what to ask for and decides which named people
a caller may see: the views pass ``people_visible`` and get back reports with the people of
other organisations already taken out, so no output schema ever receives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from graph.port import GraphStore, Page
from network import reach
from network.domain import InvalidValue
from network.reach import IsolatedAssessor, MonthReach, NetworkReach, OrganisationReach, WhatIf

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
        return reach.month_range(first, last, today or date.today())
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
    today: date | None = None,
) -> OrganisationReport:
    """The organisation's reach (``hops`` 1 or 2) and its history from ``first`` to ``last`` (months)."""
    span = months(first, last, today)
    figures = store.organisation_reach(organisation_id, hops=hops)
    history = store.organisation_history(organisation_id, span)
    count = figures.isolated_count
    if not people_visible:
        figures = replace(figures, isolated=(), bridges=())
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


def isolated(store: GraphStore, organisation_id: str | None = None, limit: int = 50, after: str | None = None) -> Page[IsolatedAssessor]:
    """Isolated assessors, longest isolated first, of one organisation or (``None``) of everyone."""
    if after is not None and not _cursor_ok(after):
        raise InvalidValue("after", "is not a cursor this list gave out; pass the next_after of the page before")
    return store.isolated_assessors(organisation_id, limit=limit, after=after)


def _cursor_ok(after: str) -> bool:
    day, sep, assessor_id = after.partition("|")
    if not sep or not assessor_id:
        return False
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True

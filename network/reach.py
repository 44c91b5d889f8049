"""Network reach: what the stores compute about ties between organisations, and the pure work around it.

The graph work (finding ties, expanding two hops, counting per organisation and per pair of
organisations) runs *in* the store, in Cypher or SQL. This module holds what needs no database:
the result types the stores fill, the month ranges of reach history, the network-wide roll-ups
(connected components of the organisation graph, coverage by region) of the per-organisation
rows a store returns, the what-if deltas of a proposal, and the sentences people read.

Definitions (one set, used by every store and every figure):

* **Tie.** Two *active* assessors are tied when they have an accepted contact (either direction)
  or are current set-mates: both memberships of one set with no ``left`` date, in a set whose
  status is ``active``. An inactive assessor has left the network: ties with them are not counted.
* **Cross-organisation tie.** A tie between two assessors who do not work for the same
  organisation; an assessor with no employer is in no organisation, so every tie of theirs crosses.
* **Isolated.** An assessor none of whose ties crosses organisations. **Sole** in their
  organisation: employed, and no other active assessor works there.
* **Isolated since** (for "longest isolated first"). The latest known moment their situation
  began: the later of the day they joined their organisation (``WORKS_FOR.since``) and the day
  their last *former* cross-organisation tie ended. A former tie is a shared set (``active`` or
  ``closed``) that one of them has left (it ended on the earlier ``left``) or that is closed with
  no ``left`` dates (it ended at the latest on the later ``joined``, the last day the store knows
  it held); co-memberships that never overlapped in time do not count. Ended contacts leave no
  trace in the graph, so they cannot count. ``None`` when neither date is known; such assessors
  are listed after every dated one, as nothing says how long they have been alone.
* **An organisation's assessors** are its *active* employees.
* **Reach.** The other organisations whose assessors (active ones, as ties need) are tied to an
  organisation's assessors directly (one hop) or through one intermediate assessor of any
  organisation (two hops). Assessors without an employer add no organisation to reach.
* **Region** of an assessor: their organisation's region, else their own ``region``.
* **Bridging assessor.** The only one of an organisation's assessors with a direct tie into some
  other organisation, or into some region other than the organisation's own.
* **History.** Month ``M`` is judged on its last day ``d``. The graph keeps no past employers, so
  everyone is taken to have always worked where they work now, from ``WORKS_FOR.since`` (if
  known) on; before that they count as in no organisation. An accepted contact holds from its
  ``since`` (a contact without one holds throughout); a co-membership from the later ``joined``
  until the earlier ``left`` (exclusive), and only in sets that are ``active`` or, if ``closed``,
  have a ``left`` date (a closed set without one ended at an unknown time and is left out of
  history). Only assessors active now are counted, in every month.
"""

from __future__ import annotations

import csv
import io
import re
from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from network import limits
from network.csvio import safe_cell
from network.domain import REGIONS, Organisation

#: Hops an organisation's reach may be asked for.
HOPS: tuple[int, ...] = (1, 2)
#: Longest reach history a caller may ask for, in months (ten years).
MAX_MONTHS = 120
#: Default length of reach history, in months, ending with the current month.
DEFAULT_MONTHS = 12
#: How many partner organisations "top partners" lists by default.
TOP_PARTNERS = 10

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class BadRange(ValueError):
    """A month range that cannot be used; ``field`` names the offending end (``from`` or ``to``)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


# -- isolation ----------------------------------------------------------------------------------


def isolated_ids(
    active: Iterable[str], employer: Mapping[str, str | None], ties: Iterable[tuple[str, str]]
) -> set[str]:
    """The isolated assessors by the definition above, from plain data (the stores compute the same in SQL and Cypher).

    ``active``: the active assessors' ids (only they count, and only ties between two of them);
    ``employer``: each assessor's organisation id (``None`` or absent: no employer, so every tie of
    theirs crosses); ``ties``: accepted contacts and current set-mates, as pairs in either order.

    >>> sorted(isolated_ids(["a", "b", "c", "d"], {"a": "o1", "b": "o1", "c": "o2", "d": None}, [("a", "b"), ("c", "x"), ("d", "c")]))
    ['a', 'b']
    """
    people = set(active)
    crossing: set[str] = set()
    for a, b in ties:
        if a in people and b in people and a != b:
            oa, ob = employer.get(a), employer.get(b)
            if oa is None or ob is None or oa != ob:
                crossing.update((a, b))
    return people - crossing


@dataclass(frozen=True, slots=True)
class Isolation:
    """Whether an assessor is isolated (see the module docstring), alone in their organisation, and since when."""

    assessor_id: str
    isolated: bool
    sole_in_organisation: bool
    #: Only for isolated assessors: since when, as far as the graph knows; ``None`` if unknown.
    isolated_since: date | None = None


@dataclass(frozen=True, slots=True)
class IsolatedAssessor:
    """One entry of an isolated list: who, where, and since when."""

    assessor_id: str
    name: str
    organisation_id: str | None
    sole_in_organisation: bool
    isolated_since: date | None


def isolated_order_key(since: date | None, assessor_id: str) -> str:
    """The sort key of "longest isolated first": earliest date first, unknown dates last, then id.

    It is also the keyset cursor of isolated lists (``Page.next_after``): the ISO date (or
    ``9999-12-31`` when unknown), a ``|``, and the id. Ids never hold ``|``, and the date part
    has a fixed width, so comparing keys as strings compares (date, id).

    >>> isolated_order_key(date(2024, 3, 1), "a-1")
    '2024-03-01|a-1'
    >>> isolated_order_key(None, "a-1") > isolated_order_key(date(2030, 1, 1), "a-0")
    True
    """
    return f"{(since or date.max).isoformat()}|{assessor_id}"


def isolated_since(employed_since: date | None, last_tie_ended: date | None) -> date | None:
    """The later of the two known dates (see "isolated since" in the module docstring), ``None`` if neither is known.

    >>> isolated_since(date(2020, 1, 1), date(2023, 5, 2))
    datetime.date(2023, 5, 2)
    """
    known = [d for d in (employed_since, last_tie_ended) if d is not None]
    return max(known) if known else None


def page_isolated(items: Iterable[IsolatedAssessor], limit: int, after: str | None = None) -> tuple[list[IsolatedAssessor], str | None]:
    """One page of an isolated list, longest isolated first, and the cursor of the next page (``None`` on the last)."""
    keyed = sorted(((isolated_order_key(i.isolated_since, i.assessor_id), i) for i in items), key=lambda ki: ki[0])
    if after:
        keyed = [(k, i) for k, i in keyed if k > after]
    page = keyed[: max(1, limit)]
    return [i for _, i in page], (page[-1][0] if len(keyed) > len(page) else None)


# -- one organisation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReachedOrganisation:
    """Another organisation an organisation reaches, at the fewest hops, with its direct ties."""

    organisation_id: str
    name: str
    region: str
    #: 1 (a direct tie) or 2 (through one intermediate assessor).
    hops: int
    #: Ties between the two organisations' assessors (0 when only reached at two hops).
    ties: int = 0
    #: How many of the organisation's assessors hold those direct ties (1 means a single bridge).
    via_assessors: int = 0


@dataclass(frozen=True, slots=True)
class Bridge:
    """An assessor who alone ties their organisation to some organisations or regions."""

    assessor_id: str
    name: str
    organisation_ids: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrganisationReach:
    """The reach figures of one organisation (see the module docstring for every definition)."""

    organisation: Organisation
    #: Hops asked for: 2 includes the organisations reached only through an intermediate.
    hops: int
    assessors: int
    in_active_set: int
    #: The isolated assessors, longest isolated first.
    isolated: tuple[IsolatedAssessor, ...]
    #: Organisations reached: direct ones by most ties first, then two-hop ones, each by id.
    reached: tuple[ReachedOrganisation, ...]
    bridges: tuple[Bridge, ...]
    #: Other regions tied to directly, in :data:`~network.domain.REGIONS` order.
    regions_reached: tuple[str, ...]

    @property
    def isolated_count(self) -> int:
        return len(self.isolated)

    @property
    def active_set_share(self) -> float:
        """Share of its assessors in an active set (0 when it has none)."""
        return self.in_active_set / self.assessors if self.assessors else 0.0

    @property
    def direct(self) -> tuple[ReachedOrganisation, ...]:
        """Organisations reached at one hop."""
        return tuple(r for r in self.reached if r.hops == 1)

    @property
    def reached_direct(self) -> int:
        return len(self.direct)

    @property
    def reached_within_two(self) -> int | None:
        """Organisations reached within two hops; ``None`` when only one hop was asked for."""
        return len(self.reached) if self.hops == 2 else None

    def partners(self, top: int = TOP_PARTNERS) -> tuple[ReachedOrganisation, ...]:
        """The ``top`` partner organisations by ties (ties by id)."""
        return self.direct[: max(0, top)]

    def sentences(self) -> list[str]:
        """A few plain sentences summing the figures up."""
        name = self.organisation.name
        lines = [
            f"{name} has {_n(self.assessors, 'active assessor')}; {_n(self.isolated_count, 'is', 'are')} isolated"
            f" and {_percent(self.active_set_share)} are in an active set."
        ]
        if self.reached_direct:
            top = self.direct[0]
            lines.append(
                f"Its assessors are tied directly to {_n(self.reached_direct, 'other organisation')}; "
                f"the closest partner is {top.name} ({_n(top.ties, 'tie')})."
            )
        else:
            lines.append("None of its assessors has a tie to another organisation yet.")
        if self.hops == 2 and self.reached_within_two is not None:
            lines.append(f"Within two hops it reaches {_n(self.reached_within_two, 'organisation')}.")
        single = [r for r in self.direct if r.via_assessors == 1]
        if single:
            lines.append(f"{_n(len(single), 'partner organisation is', 'partner organisations are')} reached through one assessor only.")
        return lines


def order_reached(rows: Iterable[ReachedOrganisation]) -> tuple[ReachedOrganisation, ...]:
    """Direct partners by most ties (then id), then two-hop organisations by id."""
    return tuple(sorted(rows, key=lambda r: (r.hops, -r.ties, r.organisation_id)))


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """What a store counts for one organisation reached directly."""

    organisation_id: str
    name: str
    region: str
    ties: int
    via_assessors: int
    #: The one assessor holding those ties when ``via_assessors`` is 1.
    sole_assessor_id: str


@dataclass(frozen=True, slots=True)
class RegionRow:
    """What a store counts for one other region reached directly."""

    region: str
    via_assessors: int
    sole_assessor_id: str


def assemble_reach(
    organisation: Organisation,
    hops: int,
    *,
    assessors: int,
    in_active_set: int,
    isolated: Iterable[IsolatedAssessor],
    partners: Iterable[PartnerRow],
    regions: Iterable[RegionRow],
    two_hops: Iterable[tuple[str, str, str]],
    names: Mapping[str, str],
) -> OrganisationReach:
    """One organisation's figures from what a store counted (the same rows from every store).

    ``two_hops`` holds (id, name, region) of organisations reached within two hops (those also
    reached directly are dropped here); ``names`` gives the names of bridging assessors.
    """
    partners = list(partners)
    regions = list(regions)
    reached = [ReachedOrganisation(p.organisation_id, p.name, p.region, 1, p.ties, p.via_assessors) for p in partners]
    direct = {r.organisation_id for r in reached}
    reached += [ReachedOrganisation(o, n, r, 2) for o, n, r in two_hops if o not in direct]
    bridge_orgs: dict[str, list[str]] = defaultdict(list)
    bridge_regions: dict[str, list[str]] = defaultdict(list)
    for p in partners:
        if p.via_assessors == 1:
            bridge_orgs[p.sole_assessor_id].append(p.organisation_id)
    for g in regions:
        if g.via_assessors == 1:
            bridge_regions[g.sole_assessor_id].append(g.region)
    bridges = tuple(
        Bridge(a, names.get(a, a), tuple(sorted(bridge_orgs.get(a, ()))), tuple(sorted(bridge_regions.get(a, ()), key=_region_order)))
        for a in sorted(set(bridge_orgs) | set(bridge_regions))
    )
    return OrganisationReach(
        organisation=organisation,
        hops=hops,
        assessors=assessors,
        in_active_set=in_active_set,
        isolated=tuple(sorted(isolated, key=lambda i: isolated_order_key(i.isolated_since, i.assessor_id))),
        reached=order_reached(reached),
        bridges=bridges,
        regions_reached=tuple(sorted((g.region for g in regions), key=_region_order)),
    )


# -- history -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthReach:
    """An organisation's figures as they stood on the last day of one month."""

    #: The first day of the month.
    month: date
    assessors: int
    isolated: int
    #: Ties from its assessors to assessors of other organisations (or of none).
    cross_ties: int
    #: Other organisations reached directly.
    organisations_reached: int

    @property
    def label(self) -> str:
        """``YYYY-MM``."""
        return self.month.strftime("%Y-%m")


def parse_month(text: str, field_name: str = "month") -> date:
    """``YYYY-MM`` as the first day of that month; :class:`BadRange` otherwise.

    >>> parse_month("2025-02")
    datetime.date(2025, 2, 1)
    """
    found = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise BadRange(field_name, f"must be a month written YYYY-MM, got {text!r}")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        raise BadRange(field_name, f"is not a month: {text!r}")
    if year < limits.DATE_MIN.year:  # the one window of dates people may enter (the latest month is checked by month_range)
        raise BadRange(field_name, f"must be a month from {limits.DATE_MIN:%B %Y} on, got {text.strip()}")
    return date(year, month, 1)


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of ``month``'s month.

    >>> month_end(date(2024, 2, 1))
    datetime.date(2024, 2, 29)
    """
    return month.replace(day=monthrange(month.year, month.month)[1])


def month_range(first: date | None, last: date | None, today: date) -> list[date]:
    """The months from ``first`` to ``last`` inclusive (first days), checked.

    ``last`` defaults to ``today``'s month and ``first`` to :data:`DEFAULT_MONTHS` months before
    it (inclusive). :class:`BadRange` if ``first`` is after ``last``, ``last`` lies after the
    current month, or the range is longer than :data:`MAX_MONTHS`.

    >>> [m.isoformat() for m in month_range(date(2024, 11, 1), date(2025, 1, 1), date(2025, 6, 3))]
    ['2024-11-01', '2024-12-01', '2025-01-01']
    """
    current = month_start(today)
    last = month_start(last) if last is not None else current
    if last > current:
        raise BadRange("to", f"{last:%Y-%m} lies in the future; history ends with the current month ({current:%Y-%m})")
    if first is None:
        first = _add_months(last, -(DEFAULT_MONTHS - 1))
    first = month_start(first)
    if first > last:
        raise BadRange("from", f"{first:%Y-%m} is after {last:%Y-%m}")
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > MAX_MONTHS:
        raise BadRange("from", f"the range covers {count} months; at most {MAX_MONTHS} can be shown")
    return [_add_months(first, k) for k in range(count)]


def _add_months(month: date, k: int) -> date:
    return limits.add_months(month, k).replace(day=1)


# -- the whole network ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationFigures:
    """One organisation's row of the network report, as a store counts it."""

    organisation_id: str
    name: str
    region: str
    assessors: int
    isolated: int
    in_active_set: int


@dataclass(frozen=True, slots=True)
class OrganisationTie:
    """How many ties join the assessors of two organisations (``organisation_id <= partner_id``).

    A row with both ids equal counts the ties inside one organisation.
    """

    organisation_id: str
    partner_id: str
    ties: int


@dataclass(frozen=True, slots=True)
class RegionCoverage:
    """How well a region's organisations are woven into the network."""

    region: str
    organisations: int
    assessors: int
    isolated: int
    in_active_set: int
    #: Its organisations with at least one tie to another organisation.
    organisations_tied: int
    #: Other regions its organisations are tied to directly, in :data:`~network.domain.REGIONS` order.
    regions_reached: tuple[str, ...]

    @property
    def connected_share(self) -> float:
        """Share of its assessors with a cross-organisation tie."""
        return (self.assessors - self.isolated) / self.assessors if self.assessors else 0.0


@dataclass(frozen=True, slots=True)
class NetworkReach:
    """The network report: per organisation, per pair of organisations, per region and in total."""

    organisations: tuple[OrganisationFigures, ...]
    #: The tie matrix, sparse: only pairs with ties, in (organisation_id, partner_id) order.
    ties: tuple[OrganisationTie, ...]
    #: Active assessors, including those with no employer.
    assessors: int
    #: Isolated active assessors, including those with no employer.
    isolated: int
    #: Active assessors with no employer (in no organisation's row).
    without_organisation: int
    components: tuple[tuple[str, ...], ...] = field(default=())
    regions: tuple[RegionCoverage, ...] = field(default=())

    @property
    def isolated_share(self) -> float:
        return self.isolated / self.assessors if self.assessors else 0.0

    @property
    def cross_ties(self) -> int:
        """Ties between assessors of two different organisations."""
        return sum(t.ties for t in self.ties if t.organisation_id != t.partner_id)

    def matrix(self) -> dict[str, dict[str, int]]:
        """The tie matrix as ``{organisation: {partner: ties}}``, both directions, zero pairs left out."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for t in self.ties:
            out[t.organisation_id][t.partner_id] = t.ties
            out[t.partner_id][t.organisation_id] = t.ties
        return dict(out)

    def sentences(self) -> list[str]:
        """A few plain sentences summing the network up."""
        largest = len(self.components[0]) if self.components else 0
        lines = [
            f"{_n(self.assessors, 'active assessor')} in {_n(len(self.organisations), 'organisation')}; "
            f"{_n(self.isolated, 'is', 'are')} isolated ({_percent(self.isolated_share)}).",
            f"{_n(self.cross_ties, 'tie crosses', 'ties cross')} organisations, joining "
            f"{_n(sum(1 for t in self.ties if t.organisation_id != t.partner_id), 'pair')} of organisations.",
        ]
        if self.components:
            alone = sum(1 for c in self.components if len(c) == 1)
            lines.append(
                f"The organisations form {_n(len(self.components), 'connected group')}; the largest holds {largest}"
                + (f", and {_n(alone, 'organisation has', 'organisations have')} no tie to any other." if alone else ".")
            )
        return lines


def components(organisation_ids: Iterable[str], ties: Iterable[OrganisationTie]) -> tuple[tuple[str, ...], ...]:
    """Connected components of the organisation graph (an edge per pair with a cross tie).

    Largest first, then by smallest id; members in id order; organisations without cross
    ties are components of one. Union-find, near O(n + e).

    >>> components(["a", "b", "c"], [OrganisationTie("a", "c", 2)])
    (('a', 'c'), ('b',))
    """
    parent: dict[str, str] = {o: o for o in organisation_ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in ties:
        if t.organisation_id == t.partner_id or t.ties <= 0:
            continue
        for o in (t.organisation_id, t.partner_id):
            parent.setdefault(o, o)
        a, b = root(t.organisation_id), root(t.partner_id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = defaultdict(list)
    for o in parent:
        groups[root(o)].append(o)
    return tuple(sorted((tuple(sorted(g)) for g in groups.values()), key=lambda g: (-len(g), g[0])))


def region_coverage(organisations: Sequence[OrganisationFigures], ties: Iterable[OrganisationTie]) -> tuple[RegionCoverage, ...]:
    """Per region (of organisations): counts and the other regions tied to; regions without organisations are left out."""
    region_of = {o.organisation_id: o.region for o in organisations}
    tied: set[str] = set()
    reached: dict[str, set[str]] = defaultdict(set)
    for t in ties:
        if t.organisation_id == t.partner_id or t.ties <= 0:
            continue
        tied.update((t.organisation_id, t.partner_id))
        a, b = region_of.get(t.organisation_id), region_of.get(t.partner_id)
        if a is not None and b is not None and a != b:
            reached[a].add(b)
            reached[b].add(a)
    by_region: dict[str, list[OrganisationFigures]] = defaultdict(list)
    for o in organisations:
        by_region[o.region].append(o)
    return tuple(
        RegionCoverage(
            region=region,
            organisations=len(orgs),
            assessors=sum(o.assessors for o in orgs),
            isolated=sum(o.isolated for o in orgs),
            in_active_set=sum(o.in_active_set for o in orgs),
            organisations_tied=sum(1 for o in orgs if o.organisation_id in tied),
            regions_reached=tuple(sorted(reached[region], key=_region_order)),
        )
        for region, orgs in sorted(by_region.items(), key=lambda kv: _region_order(kv[0]))
    )


def network_reach(
    organisations: Sequence[OrganisationFigures],
    ties: Sequence[OrganisationTie],
    *,
    assessors: int,
    isolated: int,
    without_organisation: int,
) -> NetworkReach:
    """Assemble the network report from a store's per-organisation and per-pair rows."""
    orgs = tuple(sorted(organisations, key=lambda o: o.organisation_id))
    pairs = tuple(sorted((t for t in ties if t.ties > 0), key=lambda t: (t.organisation_id, t.partner_id)))
    return NetworkReach(
        organisations=orgs,
        ties=pairs,
        assessors=assessors,
        isolated=isolated,
        without_organisation=without_organisation,
        components=components((o.organisation_id for o in orgs), pairs),
        regions=region_coverage(orgs, pairs),
    )


def _region_order(region: str) -> tuple[int, str]:
    order = list(REGIONS)
    return (order.index(region), region) if region in REGIONS else (len(order), region)


# -- what-if -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """What a what-if needs to know of one assessor named in a proposal."""

    assessor_id: str
    name: str
    active: bool
    organisation_id: str | None
    isolated: bool


@dataclass(frozen=True, slots=True)
class ReachBaseline:
    """The network as it stands, plus what a proposal's people look like now (one store snapshot)."""

    network: NetworkReach
    people: Mapping[str, Person]
    #: Pairs (smaller id first) among the proposal's people that are tied already.
    tied_pairs: frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class OrganisationChange:
    """What a proposal would change for one organisation."""

    organisation_id: str
    name: str
    new_ties: int
    #: Its isolated assessors who would get their first cross-organisation tie, as (id, name).
    newly_connected: tuple[tuple[str, str], ...]
    #: Organisations it would reach directly for the first time, in id order.
    new_partners: tuple[str, ...]
    isolated_before: int
    isolated_after: int
    partners_before: int
    partners_after: int


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The change a proposal (sets and/or accepted suggestions) would make, before anything is committed."""

    #: New ties, counted once per pair of people (pairs already tied are not new).
    new_ties: int
    #: Of those, ties that cross organisations.
    new_cross_ties: int
    #: Isolated assessors (anywhere) who would get their first cross-organisation tie.
    newly_connected: int
    isolated_before: int
    isolated_after: int
    assessors: int
    components_before: int
    components_after: int
    #: Pairs of organisations tied for the first time.
    new_organisation_pairs: int
    organisations: tuple[OrganisationChange, ...]
    #: People in the proposal who are inactive: ties with them would not count.
    inactive: tuple[str, ...]
    summary: tuple[str, ...]
    #: Organisation names by id, for the summary and for callers that show partners.
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def isolated_share_before(self) -> float:
        return self.isolated_before / self.assessors if self.assessors else 0.0

    @property
    def isolated_share_after(self) -> float:
        return self.isolated_after / self.assessors if self.assessors else 0.0


def proposal_pairs(sets: Iterable[Sequence[str]] = (), contacts: Iterable[Sequence[str]] = ()) -> list[tuple[str, str]]:
    """Every pair a proposal would tie: all pairs within each set, and each contact; smaller id first, no repeats, sorted.

    >>> proposal_pairs(sets=[["c", "a", "b"]], contacts=[["b", "a"], ["d", "a"]])
    [('a', 'b'), ('a', 'c'), ('a', 'd'), ('b', 'c')]
    """
    pairs: set[tuple[str, str]] = set()
    for group in sets:
        members = sorted(set(group))
        pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1 :])
    for pair in contacts:
        x, y = pair[0], pair[1]
        if x != y:
            pairs.add((min(x, y), max(x, y)))
    return sorted(pairs)


def crosses(a: Person, b: Person) -> bool:
    """True when a tie between them would cross organisations (either has no employer, or two employers)."""
    return a.organisation_id is None or b.organisation_id is None or a.organisation_id != b.organisation_id


def what_if(baseline: ReachBaseline, pairs: Sequence[tuple[str, str]], *, kind: str = "proposal") -> WhatIf:
    """The change per organisation and for the network if ``pairs`` were tied.

    Parameters
    ----------
    baseline
        The network now and the people named in ``pairs`` (see :class:`ReachBaseline`).
    pairs
        Pairs of assessor ids the proposal would tie (from :func:`proposal_pairs`).
    kind
        How the summary names the proposal: ``"sets"``, ``"suggestions"`` or ``"proposal"``.

    Returns
    -------
    WhatIf
        New ties, isolated assessors getting their first cross-organisation tie, new partner
        organisations per organisation, components of the organisation graph before and
        after, and readable sentences. Only direct (one-hop) reach is compared. Linear in the
        number of pairs plus the size of the organisation graph.

    Examples
    --------
    >>> org = OrganisationFigures("o1", "One", "london", 1, 1, 0)
    >>> base = ReachBaseline(
    ...     network=network_reach([org], [], assessors=2, isolated=2, without_organisation=1),
    ...     people={"a": Person("a", "Ann", True, "o1", True), "b": Person("b", "Bo", True, None, True)},
    ...     tied_pairs=frozenset(),
    ... )
    >>> what_if(base, [("a", "b")]).newly_connected
    2
    """
    people = baseline.people
    net = baseline.network
    names = {o.organisation_id: o.name for o in net.organisations}
    partners: dict[str, set[str]] = defaultdict(set)
    for t in net.ties:
        if t.organisation_id != t.partner_id:
            partners[t.organisation_id].add(t.partner_id)
            partners[t.partner_id].add(t.organisation_id)

    inactive = sorted({pid for pair in pairs for pid in pair if pid in people and not people[pid].active})
    new_ties: list[tuple[Person, Person]] = []
    for x, y in pairs:
        a, b = people[x], people[y]
        if x == y or not (a.active and b.active) or (min(x, y), max(x, y)) in baseline.tied_pairs:
            continue
        new_ties.append((a, b))

    connected: dict[str, Person] = {}
    ties_per_org: dict[str, int] = defaultdict(int)
    new_partner_of: dict[str, set[str]] = defaultdict(set)
    new_org_pairs: set[tuple[str, str]] = set()
    for a, b in new_ties:
        for p in (a, b):
            if p.organisation_id is not None:
                ties_per_org[p.organisation_id] += 1
        if a.organisation_id == b.organisation_id and a.organisation_id is not None:
            ties_per_org[a.organisation_id] -= 1  # one tie inside one organisation counts once for it
        if not crosses(a, b):
            continue
        for p in (a, b):
            if p.isolated:
                connected[p.assessor_id] = p
        oa, ob = a.organisation_id, b.organisation_id
        if oa is not None and ob is not None and ob not in partners[oa]:
            new_partner_of[oa].add(ob)
            new_partner_of[ob].add(oa)
            new_org_pairs.add((min(oa, ob), max(oa, ob)))

    figures = {o.organisation_id: o for o in net.organisations}
    changes = []
    for org_id in sorted(set(ties_per_org) | set(new_partner_of)):
        fig = figures.get(org_id)
        if fig is None:
            continue
        gained = tuple(sorted((p.assessor_id, p.name) for p in connected.values() if p.organisation_id == org_id))
        new_partners = tuple(sorted(new_partner_of[org_id]))
        changes.append(
            OrganisationChange(
                organisation_id=org_id,
                name=fig.name,
                new_ties=ties_per_org[org_id],
                newly_connected=gained,
                new_partners=new_partners,
                isolated_before=fig.isolated,
                isolated_after=fig.isolated - len(gained),
                partners_before=len(partners[org_id]),
                partners_after=len(partners[org_id]) + len(new_partners),
            )
        )
    changes.sort(key=lambda c: (-len(c.new_partners), -len(c.newly_connected), -c.new_ties, c.organisation_id))

    added = [OrganisationTie(x, y, 1) for x, y in sorted(new_org_pairs)]
    org_ids = [o.organisation_id for o in net.organisations]
    after = components(org_ids, list(net.ties) + added)
    result = WhatIf(
        new_ties=len(new_ties),
        new_cross_ties=sum(1 for a, b in new_ties if crosses(a, b)),
        newly_connected=len(connected),
        isolated_before=net.isolated,
        isolated_after=net.isolated - len(connected),
        assessors=net.assessors,
        components_before=len(net.components),
        components_after=len(after),
        new_organisation_pairs=len(new_org_pairs),
        organisations=tuple(changes),
        inactive=tuple(inactive),
        summary=(),
        names=names,
    )
    return _with_summary(result, kind)


_PROPOSAL_NOUN = {"sets": ("these sets", "These sets"), "suggestions": ("these contacts", "These contacts")}


def _with_summary(w: WhatIf, kind: str) -> WhatIf:
    """``w`` with its readable sentences, for example "These sets give 14 isolated assessors their first cross-organisation tie"."""
    _, subject = _PROPOSAL_NOUN.get(kind, ("this proposal", "This proposal"))
    lines: list[str] = []
    if w.new_ties == 0:
        lines.append(f"{subject} would add no new tie: everyone named is tied already or inactive.")
    else:
        lines.append(
            f"{subject} would add {_n(w.new_ties, 'new tie')}, {w.new_cross_ties} across organisations, and give "
            f"{_n(w.newly_connected, 'isolated assessor')} their first cross-organisation tie."
        )
    for change in [c for c in w.organisations if c.new_partners][:3]:
        lines.append(f"{change.name} reaches {_n(len(change.new_partners), 'new organisation')}.")
    more = sum(1 for c in w.organisations if c.new_partners) - 3
    if more > 0:
        lines.append(f"{_n(more, 'more organisation reaches', 'more organisations reach')} new partners.")
    if w.new_organisation_pairs:
        lines.append(f"{_n(w.new_organisation_pairs, 'pair')} of organisations would be tied for the first time.")
    if w.newly_connected:
        lines.append(f"Isolated assessors would fall from {_percent(w.isolated_share_before)} to {_percent(w.isolated_share_after)}.")
    if w.components_after != w.components_before:
        lines.append(f"The organisation graph would go from {w.components_before} connected groups to {w.components_after}.")
    if w.inactive:
        lines.append(f"{_n(len(w.inactive), 'person named is', 'people named are')} inactive; ties with them are not counted.")
    return WhatIf(**{**{f: getattr(w, f) for f in WhatIf.__dataclass_fields__}, "summary": tuple(lines)})


# -- words ---------------------------------------------------------------------------------------


def _n(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` with the right noun form: ``_n(1, 'tie')`` is ``'1 tie'``; ``_n(2, 'is', 'are')`` is ``'2 are'``."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"


# -- the tie matrix as CSV ------------------------------------------------------------------------

#: Layouts of the tie matrix export: a square matrix, or one row per pair of organisations with ties.
CSV_LAYOUTS: tuple[str, ...] = ("matrix", "pairs")


def tie_matrix_csv(network: NetworkReach, layout: str = "matrix") -> str:
    """The tie matrix as CSV text.

    ``matrix``: a header ``organisation_id, organisation_name, <one column per organisation id>``
    and a row per organisation, every cell the ties between the two (the diagonal counts ties
    inside one organisation). ``pairs``: ``organisation_id, organisation_name, partner_id,
    partner_name, ties`` for each pair with ties (each pair once, smaller id first).

    >>> net = network_reach([OrganisationFigures("a", "A", "london", 2, 0, 0), OrganisationFigures("b", "B", "london", 1, 0, 0)],
    ...                     [OrganisationTie("a", "b", 3)], assessors=3, isolated=0, without_organisation=0)
    >>> print(tie_matrix_csv(net), end="")
    organisation_id,organisation_name,a,b
    a,A,0,3
    b,B,3,0
    """
    if layout not in CSV_LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(CSV_LAYOUTS)}, got {layout!r}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = {o.organisation_id: o.name for o in network.organisations}
    if layout == "pairs":
        writer.writerow(["organisation_id", "organisation_name", "partner_id", "partner_name", "ties"])
        for t in network.ties:
            writer.writerow(
                [
                    safe_cell(t.organisation_id),
                    safe_cell(names.get(t.organisation_id, "")),
                    safe_cell(t.partner_id),
                    safe_cell(names.get(t.partner_id, "")),
                    t.ties,
                ]
            )
        return out.getvalue()
    ids = [o.organisation_id for o in network.organisations]
    matrix = network.matrix()
    writer.writerow(["organisation_id", "organisation_name", *(safe_cell(i) for i in ids)])
    for i in ids:
        row = matrix.get(i, {})
        writer.writerow([safe_cell(i), safe_cell(names[i]), *(row.get(j, 0) for j in ids)])
    return out.getvalue()


# -- the network map ----------------------------------------------------------------------------
#
# The map of one organisation shows its active assessors (all of them: it is their own organisation)
# and the people they reach within two tie hops. Outside the organisation only active *discoverable*
# assessors are shown, and the second hop is taken only through people who are shown, so a map never
# hints at someone who chose not to be found. Who sees which names is decided by the caller
# (``api.services.reach``); the store returns the people and their ties.

#: People on one map unless the caller asks for fewer or more, and the most one map may hold.
MAP_LIMIT = 300
MAX_MAP_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class MapPerson:
    """One assessor on an organisation's map."""

    assessor_id: str
    name: str
    organisation_id: str | None
    #: 0: works for the organisation; 1: tied to one of its assessors; 2: tied to someone at 1.
    hops: int
    #: Isolation, known for the organisation's own assessors (``hops == 0``) only; False for the others.
    isolated: bool = False
    isolated_since: date | None = None
    sole_in_organisation: bool = False


@dataclass(frozen=True, slots=True)
class ReachMap:
    """An organisation's map: the people shown (``limit`` at most), the ties among them, their organisations."""

    organisation: Organisation
    #: Own assessors first, then one hop, then two; each by id.
    people: tuple[MapPerson, ...]
    #: Ties among the people shown, each pair once (smaller id first), sorted.
    ties: tuple[tuple[str, str], ...]
    #: The organisation and those of the people shown, the organisation first, then by name and id.
    organisations: tuple[Organisation, ...]
    #: How many people the map would show without the limit.
    total_people: int
    limit: int

    @property
    def truncated(self) -> bool:
        """Whether people were left off to keep the map within its limit."""
        return self.total_people > len(self.people)


def check_map_limit(limit: object) -> int:
    """``limit`` if it is a whole number from 1 to :data:`MAX_MAP_LIMIT`, else :class:`ValueError`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_MAP_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_MAP_LIMIT}, got {limit!r}")
    return limit


def select_map_people(rows: Iterable[tuple[str, int]], limit: int) -> tuple[list[tuple[str, int]], int]:
    """Keep each person once, at their fewest hops, nearest first (then by id), at most ``limit`` of them.

    Parameters
    ----------
    rows
        ``(assessor_id, hops)`` as a store finds them; a person may come more than once
        (reached at one and at two hops).
    limit
        Most people kept.

    Returns
    -------
    tuple
        The kept ``(assessor_id, hops)`` and how many distinct people there were in all.

    Examples
    --------
    >>> select_map_people([("b", 2), ("a", 0), ("b", 1)], 1)
    ([('a', 0)], 2)
    """
    best: dict[str, int] = {}
    for assessor_id, hops in rows:
        seen = best.get(assessor_id)
        if seen is None or hops < seen:
            best[assessor_id] = hops
    ordered = sorted(best.items(), key=lambda r: (r[1], r[0]))
    return ordered[: max(0, limit)], len(ordered)


def assemble_map(
    organisation: Organisation,
    kept: Sequence[tuple[str, int]],
    total: int,
    limit: int,
    *,
    people: Mapping[str, tuple[str, str | None]],
    isolation: Mapping[str, Isolation],
    ties: Iterable[tuple[str, str]],
    organisations: Iterable[Organisation],
) -> ReachMap:
    """A :class:`ReachMap` from what a store found (the same rows from every store); ``people`` maps id -> (name, organisation)."""
    shown_people = tuple(
        MapPerson(
            assessor_id=i,
            name=people[i][0],
            organisation_id=people[i][1],
            hops=hops,
            isolated=hops == 0 and i in isolation and isolation[i].isolated,
            isolated_since=isolation[i].isolated_since if hops == 0 and i in isolation else None,
            sole_in_organisation=hops == 0 and i in isolation and isolation[i].sole_in_organisation,
        )
        for i, hops in kept
    )
    shown = {p.assessor_id for p in shown_people}
    pairs = sorted({(min(a, b), max(a, b)) for a, b in ties if a != b and a in shown and b in shown})
    others = sorted((o for o in organisations if o.id != organisation.id), key=lambda o: (o.name, o.id))
    return ReachMap(
        organisation=organisation,
        people=shown_people,
        ties=tuple(pairs),
        organisations=(organisation, *others),
        total_people=total,
        limit=limit,
    )

"""Area port of :class:`graph.port.GraphStore`: isolation and network reach figures of organisations and of the whole network.

Every definition (tie, isolated, isolated since, reach, bridge, history) is written once, in
:mod:`network.reach`; both adapters compute exactly those, in the store (SQL in the embedded
store, Cypher in Neo4j), and the contract suite (``tests/graph/test_store_reach.py``,
``tests/graph/test_store_isolation.py``) checks they give the same numbers on hand-worked graphs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import date

from graph.values import Invalid, Page
from network.reach import (
    HOPS,
    MAP_LIMIT,
    MAX_MONTHS,
    IsolatedAssessor,
    Isolation,
    MapPerson,
    MonthReach,
    NetworkReach,
    OrganisationReach,
    OrganisationTie,
    ReachBaseline,
    ReachMap,
    check_map_limit,
)

__all__ = [
    "IsolatedAssessor",
    "Isolation",
    "MapPerson",
    "MonthReach",
    "NetworkReach",
    "OrganisationReach",
    "OrganisationTie",
    "ReachBaseline",
    "ReachMap",
    "ReachPort",
    "check_hops",
    "check_limit",
    "check_months",
]


class ReachPort(ABC):
    """Isolation of assessors and the reach of organisations and of the whole network."""

    @abstractmethod
    def isolation(self, assessor_ids: Iterable[str]) -> dict[str, Isolation]:
        """Isolation of each named assessor, keyed by id; unknown ids are left out.

        Computed for any assessor, active or not (an inactive one has no ties, so is isolated).
        """

    @abstractmethod
    def isolated_assessors(self, organisation_id: str | None = None, limit: int = 50, after: str | None = None) -> Page[IsolatedAssessor]:
        """Active isolated assessors, longest isolated first (see :func:`network.reach.isolated_order_key`).

        Only those working for ``organisation_id`` if given (:class:`NotFound` if it does not
        exist), else everyone, employed or not. ``after`` is the ``next_after`` of the page before.
        """

    @abstractmethod
    def organisation_reach(self, organisation_id: str, hops: int = 2) -> OrganisationReach:
        """The reach figures of one organisation; :class:`NotFound` if none, :class:`Invalid` unless ``hops`` is 1 or 2."""

    @abstractmethod
    def organisation_history(self, organisation_id: str, months: Sequence[date]) -> list[MonthReach]:
        """The organisation's figures at the end of each month (first days of months, as :func:`network.reach.month_range` gives).

        :class:`NotFound` if the organisation does not exist; :class:`Invalid` for more than
        :data:`network.reach.MAX_MONTHS` months.
        """

    @abstractmethod
    def organisation_ties(self) -> list[OrganisationTie]:
        """The sparse tie matrix: one row per pair of organisations with ties (and per organisation with ties inside), in id order."""

    @abstractmethod
    def network_reach(self) -> NetworkReach:
        """The network report: per organisation, the tie matrix, components, coverage by region and totals."""

    @abstractmethod
    def reach_baseline(self, assessor_ids: Iterable[str]) -> ReachBaseline:
        """The network report and the named assessors as they stand, for a what-if; :class:`Invalid` naming unknown ids."""

    @abstractmethod
    def reach_map(self, organisation_id: str, limit: int = MAP_LIMIT) -> ReachMap:
        """The organisation's network map: its active assessors and whom they reach within two hops, with the ties among them.

        Outside the organisation only active, discoverable assessors are shown, and the second
        hop goes only through people shown (see :mod:`network.reach`, "the network map"). At most
        ``limit`` people (own first, then by hops and id), with the total before the cut.
        :class:`NotFound` if the organisation does not exist; :class:`Invalid` for a bad ``limit``.
        """


def check_hops(hops: object) -> int:
    """``hops`` if it is 1 or 2, else :class:`Invalid`."""
    if isinstance(hops, bool) or hops not in HOPS:
        raise Invalid(f"hops must be 1 or 2, got {hops!r}")
    return int(hops)  # type: ignore[call-overload]


def check_limit(limit: object) -> int:
    """``limit`` of a map if it is from 1 to :data:`network.reach.MAX_MAP_LIMIT`, else :class:`Invalid`."""
    try:
        return check_map_limit(limit)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def check_months(months: Sequence[date]) -> list[date]:
    """The first days of the given months, sorted and without repeats; :class:`Invalid` beyond :data:`MAX_MONTHS`."""
    firsts = sorted({m.replace(day=1) for m in months})
    if len(firsts) > MAX_MONTHS:
        raise Invalid(f"at most {MAX_MONTHS} months of history can be asked for, got {len(firsts)}")
    return firsts

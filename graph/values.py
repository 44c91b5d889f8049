"""Plain values and errors of the graph port, shared by every area of :class:`graph.port.GraphStore`.

They live apart from :mod:`graph.port` so the area ports (``graph/port_*.py``) can use them
while :mod:`graph.port` composes those areas into one ``GraphStore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Generic, Literal, TypeVar

from network.bundle import BUNDLE_KINDS

T = TypeVar("T")

Label = Literal["Organisation", "Assessor", "Theme"]
LABELS: tuple[Label, ...] = ("Organisation", "Assessor", "Theme")

#: Largest page a listing returns, whatever ``limit`` asks for.
MAX_PAGE = 500


class StoreError(Exception):
    """Base of every error a store raises."""


class NotFound(StoreError):
    """The thing asked for does not exist."""


class Conflict(StoreError):
    """The write clashes with what is stored (duplicate id, existing contact, organisation in use)."""


class Unavailable(StoreError):
    """The store cannot be reached or is not answering."""


class Transient(Unavailable):
    """A clash with a concurrent transaction (e.g. a deadlock): the whole unit of work may be run again."""


class Invalid(StoreError):
    """The request is well-formed but refers to something impossible (e.g. a bulk row naming an unknown id)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paginated listing."""

    items: list[T]
    next_after: str | None


@dataclass(frozen=True, slots=True)
class Declined:
    """``(by)-[:DECLINED]->(other)``: ``by`` turned ``other`` down; never suggested to each other again."""

    by_id: str
    other_id: str
    since: date | None = None


@dataclass(slots=True)
class KindCounts:
    """How many rows of one kind a bulk upsert created, changed or found already as given."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(slots=True)
class UpsertReport:
    """Per-kind counts of a bulk upsert; ``changed`` is False when the store was already as given."""

    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in BUNDLE_KINDS})

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    @property
    def rows(self) -> int:
        return sum(c.total for c in self.counts.values())


def clamp_limit(limit: int) -> int:
    """A page size within 1..:data:`MAX_PAGE`."""
    return max(1, min(int(limit), MAX_PAGE))

"""What the area mixins of :class:`~graph.neo4j.store.Neo4jStore` may rely on from the store itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from neo4j import ManagedTransaction

T = TypeVar("T")


class Neo4jBase:
    """Declares the managed-transaction helpers :class:`~graph.neo4j.store.Neo4jStore` provides to its area mixins."""

    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one managed read transaction; driver errors become port errors."""
        raise NotImplementedError

    def _write(self, work: Callable[[ManagedTransaction], T], conflict: str | None = None) -> T:
        """Run ``work`` in one managed write transaction; a constraint clash becomes :class:`Conflict` with ``conflict``."""
        raise NotImplementedError

"""Embedded (SQLite) implementation of the joins area port.

The area: requests to join existing sets, their decisions, and the one-transaction join.
"""

from __future__ import annotations

from graph.embedded.base import EmbeddedBase

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = ()

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = ()


class EmbeddedJoins(EmbeddedBase):
    """The joins area on SQLite."""

"""Embedded (SQLite) implementation of the reach area port: reach figures."""

from __future__ import annotations

from graph.embedded.base import EmbeddedBase

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = ()

#: Statements that empty this area's tables, run by ``_wipe`` before the core tables are emptied.
WIPE: tuple[str, ...] = ()


class EmbeddedReach(EmbeddedBase):
    """Mixin of :class:`~graph.embedded.store.EmbeddedStore` for reach figures."""

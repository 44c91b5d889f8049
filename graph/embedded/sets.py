"""Embedded (SQLite) implementation of the sets area port: programmes, enrolment, sets and memberships."""

from __future__ import annotations

from graph.embedded.base import EmbeddedBase

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = ()

#: Statements that empty this area's tables, run by ``_wipe`` before the core tables are emptied.
WIPE: tuple[str, ...] = ()


class EmbeddedSets(EmbeddedBase):
    """Mixin of :class:`~graph.embedded.store.EmbeddedStore` for programmes, enrolment, sets and memberships."""

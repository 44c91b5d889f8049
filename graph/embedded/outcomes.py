"""Embedded (SQLite) implementation of the outcomes area port.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.
"""

from __future__ import annotations

from graph.embedded.base import EmbeddedBase

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = ()

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = ()


class EmbeddedOutcomes(EmbeddedBase):
    """The outcomes area on SQLite."""

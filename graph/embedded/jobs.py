"""Embedded (SQLite) implementation of the jobs area port.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.
"""

from __future__ import annotations

from graph.embedded.base import EmbeddedBase

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = ()

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = ()


class EmbeddedJobs(EmbeddedBase):
    """The jobs area on SQLite."""

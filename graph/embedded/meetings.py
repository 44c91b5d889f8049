"""Embedded (SQLite) implementation of the meetings area port.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).
"""

from __future__ import annotations

from graph.embedded.base import EmbeddedBase

#: Tables and indexes of this area, created by ``ensure_schema`` after the core tables.
DDL: tuple[str, ...] = ()

#: Deletes run by ``wipe`` (before the core tables), children first.
WIPE: tuple[str, ...] = ()


class EmbeddedMeetings(EmbeddedBase):
    """The meetings area on SQLite."""

"""Area port of :class:`graph.port.GraphStore`.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).
"""

from __future__ import annotations

from abc import ABC


class MeetingsPort(ABC):  # noqa: B024 (the area's abstract methods are added as it is built)
    """The meetings area of the store."""

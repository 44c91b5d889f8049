"""Every Cypher statement of the meetings area.

The area: meetings of sets (dates, video link, facilitator, presenters, attendance, one-line actions) and the notice outbox (reminders).

Named constants, with ``$parameters`` for every value.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

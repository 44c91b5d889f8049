"""Every Cypher statement of the sets area (programmes, enrolment, sets and memberships).

Named constants, with ``$parameters`` for every value."""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

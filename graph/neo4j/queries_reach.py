"""Every Cypher statement of the reach area (reach figures).

Named constants, with ``$parameters`` for every value."""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

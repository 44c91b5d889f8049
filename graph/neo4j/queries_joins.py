"""Every Cypher statement of the joins area.

The area: requests to join existing sets, their decisions, and the one-transaction join.

Named constants, with ``$parameters`` for every value.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

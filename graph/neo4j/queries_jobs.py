"""Every Cypher statement of the jobs area.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.

Named constants, with ``$parameters`` for every value.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

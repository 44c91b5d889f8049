"""Every Cypher statement of the outcomes area.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.

Named constants, with ``$parameters`` for every value.
"""

from __future__ import annotations

#: Constraints and indexes of this area, created by ``ensure_schema`` after the core ones.
SCHEMA: tuple[str, ...] = ()

"""Area port of :class:`graph.port.GraphStore`.

The area: follow-up questionnaires of programmes (questions, waves, answers) and their aggregates.
"""

from __future__ import annotations

from abc import ABC


class OutcomesPort(ABC):  # noqa: B024 (the area's abstract methods are added as it is built)
    """The outcomes area of the store."""

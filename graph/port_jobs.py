"""Area port of :class:`graph.port.GraphStore`.

The area: long-running operations (imports, set formation) with their progress, readable from any worker.
"""

from __future__ import annotations

from abc import ABC


class JobsPort(ABC):  # noqa: B024 (the area's abstract methods are added as it is built)
    """The jobs area of the store."""

"""Area port of :class:`graph.port.GraphStore`.

The area: requests to join existing sets, their decisions, and the one-transaction join.
"""

from __future__ import annotations

from abc import ABC


class JoinsPort(ABC):  # noqa: B024 (the area's abstract methods are added as it is built)
    """The joins area of the store."""

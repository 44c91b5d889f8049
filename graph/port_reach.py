"""Area port of :class:`graph.port.GraphStore`: network reach figures of organisations and of the whole network."""

from __future__ import annotations

from abc import ABC


class ReachPort(ABC):  # noqa: B024 - abstract methods are added as the area grows
    """Network reach figures of organisations and of the whole network."""

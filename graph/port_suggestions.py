"""Area port of :class:`graph.port.GraphStore`: candidate generation and graph features for peer suggestions, and isolation."""

from __future__ import annotations

from abc import ABC


class SuggestionsPort(ABC):  # noqa: B024 - abstract methods are added as the area grows
    """Candidate generation and graph features for peer suggestions, and isolation."""

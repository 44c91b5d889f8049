"""Area port of :class:`graph.port.GraphStore`: programmes, enrolment, action learning sets and memberships (with ``joined``/``left``)."""

from __future__ import annotations

from abc import ABC


class SetsPort(ABC):  # noqa: B024 - abstract methods are added as the area grows
    """Programmes, enrolment, action learning sets and memberships (with ``joined``/``left``)."""

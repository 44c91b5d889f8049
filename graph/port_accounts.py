"""Area port of :class:`graph.port.GraphStore`: users, roles, scopes, API tokens, reset links and the audit log."""

from __future__ import annotations

from abc import ABC


class AccountsPort(ABC):  # noqa: B024 - abstract methods are added as the area grows
    """Users, roles, scopes, API tokens, reset links and the audit log."""

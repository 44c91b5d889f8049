"""Area port of :class:`graph.port.GraphStore`: views kept ready (computed answers any app server can reuse).

The area: a computed answer (an assessor's ranked suggestions, an organisation's reach figures) kept
under a key with the versions of the *scopes* it depends on, and a version per scope that the use
cases raise when something in that scope changes. A kept view is current while every scope's version
is still the one it was computed at (and it is younger than the caller's age bound); raising a
version in the same unit of work as the change means no reader sees the old view after the change
commits, on any app server, because the versions live in the store itself.

Schema (both adapters): ``KeptView {key, value (text), versions (JSON text: scope -> version),
made_at (ISO text)}`` and ``ViewVersion {scope, version}``, no relationships (ids in keys and scopes
only). Keys and scopes are at most :data:`MAX_KEY` characters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from graph.values import Invalid

#: Longest key or scope name.
MAX_KEY = 200


@dataclass(frozen=True, slots=True)
class KeptView:
    """A computed answer as kept: its text, the versions of its scopes when it was computed, and when."""

    key: str
    value: str
    versions: Mapping[str, int]
    made_at: datetime


@dataclass(frozen=True, slots=True)
class ViewLookup:
    """What :meth:`ViewsPort.look_up_view` found: the kept view (if any) and the scopes' versions now (0: never raised)."""

    kept: KeptView | None
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        """True when a view is kept and none of its scopes changed since it was computed."""
        return self.kept is not None and dict(self.kept.versions) == self.versions


def check_key(text: str, what: str = "key") -> str:
    """``text`` if it is a usable key or scope name, else :class:`Invalid`."""
    if not isinstance(text, str) or not text or len(text) > MAX_KEY:
        raise Invalid(f"a view {what} must be 1 to {MAX_KEY} characters, got {text!r}")
    return text


class ViewsPort(ABC):
    """Views kept ready, and the versions of what they depend on."""

    @abstractmethod
    def look_up_view(self, key: str, scopes: Sequence[str]) -> ViewLookup:
        """The view kept under ``key`` (``None`` if none) and the current version of each of ``scopes``, read together."""

    @abstractmethod
    def keep_view(self, key: str, value: str, versions: Mapping[str, int], made_at: datetime) -> None:
        """Keep ``value`` under ``key`` (replacing what was kept), computed when ``versions`` were the scopes' versions."""

    @abstractmethod
    def bump_views(self, scopes: Sequence[str]) -> None:
        """Raise the version of each scope by one: every view kept at an older version of any of them is no longer current."""

"""The shapes of the access matrix (``test_access_matrix.py``): rows, callers and the world they act in.

They live apart from the test module so each area's ``access_matrix_<area>.py`` can import
them without importing the matrix test itself (which imports every area module).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from graph.embedded.store import EmbeddedStore

ROLES = ("assessor", "org_admin", "coordinator", "admin")
CALLERS = ("anonymous", *ROLES)
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()  # admins are always allowed


@dataclass(frozen=True)
class Row:
    """Who may call an operation on their own resource and on another's (admins always may)."""

    own: frozenset[str]
    other: frozenset[str] = NOBODY
    #: A JSON body (or a function of the world and the ownership giving one); must be valid so the check is reached.
    body: Any = None
    query: Any = None
    #: What a signed-in caller who is not allowed gets (403; 404 where the resource is looked up within the caller's own).
    denied: int = 403


@dataclass
class World:
    """A small network with one signed-in user per role."""

    app: Flask
    store: EmbeddedStore
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)
    params: dict[str, tuple[str, str]] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self, prefix: str) -> str:
        """A new unused id."""
        return f"{prefix}-{next(self.counter)}"

    def value(self, name: str, ownership: str, caller: str) -> str:
        """The path parameter ``name`` for this caller and ownership."""
        if name == "user_id":
            return self.user_ids[caller] if ownership == "own" and caller in self.user_ids else self.user_ids["someone"]
        if name == "token_id":
            return self.token_ids[caller] if ownership == "own" and caller in self.token_ids else self.token_ids["someone"]
        own, other = self.params[name]
        return own if ownership == "own" else other

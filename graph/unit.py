"""What both adapters keep about an open unit of work: its transaction handle and what to run after it commits."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class UnitState:
    """One open unit of work on one thread: the adapter's transaction handle and the callbacks waiting for its commit."""

    write: bool
    handle: Any
    #: The adapter's session the transaction belongs to (Neo4j: a read unit begins a new transaction after a write in it).
    session: Any = None
    savepoints: int = 0
    after: list[Callable[[], None]] = field(default_factory=list)
    #: An error the database itself raised inside the unit (e.g. a constraint clash). Neo4j ends
    #: the transaction on such an error, so on both stores the unit can then only roll back.
    failed: Exception | None = None

    def fail(self, error: Exception) -> Exception:
        """Remember the database's refusal (the first one) and return it for raising."""
        if self.failed is None:
            self.failed = error
        return error

    def check(self) -> None:
        """Raise the database's refusal again if the block carried on after it (the unit must not commit)."""
        if self.failed is not None:
            raise type(self.failed)(*self.failed.args)


def run_after_commit(callbacks: list[Callable[[], None]]) -> None:
    """Run each callback; one that fails is logged and does not stop the others (the change is already committed)."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-commit callback failed")


class UnitOfWorkHooks:
    """What both adapters answer alike about the unit of work open on this thread (kept in ``self._local.unit``)."""

    _local: threading.local
    #: Callbacks told of every store transaction begun (``write``: a write transaction); see :meth:`on_transaction`.
    _transaction_hooks: tuple[Callable[[bool], None], ...] = ()

    def on_transaction(self, hook: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``hook(write)`` each time the store begins a transaction of its own; returns a function removing it.

        A store call inside a unit of work joins the unit's transaction, so it begins none: the
        count is what a request costs in store round trips of transactions (tests pin it per endpoint).
        """
        self._transaction_hooks = (*self._transaction_hooks, hook)

        def remove() -> None:
            self._transaction_hooks = tuple(h for h in self._transaction_hooks if h is not hook)

        return remove

    def _began(self, write: bool) -> None:
        """Tell the :meth:`on_transaction` hooks that a transaction began (adapters call it)."""
        for hook in self._transaction_hooks:
            hook(write)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current unit of work has committed (at once outside a unit)."""
        unit: UnitState | None = getattr(self._local, "unit", None)
        if unit is None:
            callback()
        else:
            unit.after.append(callback)

    def in_unit_of_work(self) -> bool:
        """Whether this thread is inside a unit of work of this store."""
        return getattr(self._local, "unit", None) is not None

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

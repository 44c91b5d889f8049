"""A time budget for what one request (or command) waits on the store.

A request opens a budget (:func:`budget`); every store transaction it runs spends from it, and each
one is limited to what is left: Neo4j's transaction timeout (enforced by the server), the driver's
retry time, and whether to start at all. So retries are budgeted per request, not per call, and a
frozen or stopped store costs a request at most its budget before it is answered 503 — several
store calls in one request cannot each wait out a limit of their own.

The budget counts time waiting on the store, not time computing: a request that runs set formation
for a minute and then saves the proposal still has its whole budget for the save.

Outside a budget (the worker's scheduled passes, imports run as jobs, tests) the adapters use their
own per-call defaults.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from graph.values import Unavailable

#: What a request is told when its budget ran out before the store answered.
OUT_OF_TIME = "the graph store did not answer in time"


@dataclass
class _Budget:
    left: float


_BUDGET: ContextVar[_Budget | None] = ContextVar("bridgework_store_budget", default=None)


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Give the block ``seconds`` of waiting on the store (``None``: no budget); inside another budget, the smaller one."""
    if seconds is None:
        yield
        return
    outer = _BUDGET.get()
    inner = _Budget(seconds if outer is None else min(outer.left, seconds))
    start = inner.left
    token = _BUDGET.set(inner)
    try:
        yield
    finally:
        _BUDGET.reset(token)
        if outer is not None:
            outer.left -= start - inner.left  # what the block waited counts against the outer budget too


def remaining() -> float | None:
    """Seconds of store waiting left in the current budget, or ``None`` outside one."""
    current = _BUDGET.get()
    return None if current is None else max(0.0, current.left)


@contextmanager
def waiting(default: float | None) -> Iterator[float | None]:
    """One store transaction: yields its time limit (``default`` cut to the budget) and spends the time it took.

    :class:`Unavailable` before anything is sent when the budget is spent.
    """
    current = _BUDGET.get()
    if allowance() is None or current is None:
        yield default
        return
    started = time.monotonic()
    try:
        yield current.left if default is None else min(default, current.left)
    finally:
        current.left -= time.monotonic() - started


def allowance() -> float | None:
    """The time limit for a transaction begun now: what is left of the budget (``None`` outside one).

    :class:`Unavailable` before anything is sent when the budget is spent.
    """
    current = _BUDGET.get()
    if current is None:
        return None
    if current.left <= 0.05:
        raise Unavailable(OUT_OF_TIME)
    return current.left


def exhaust() -> None:
    """End the current budget: the store stopped answering, so the request's other calls fail at once instead of waiting too."""
    current = _BUDGET.get()
    if current is not None:
        current.left = 0.0

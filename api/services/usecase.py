"""The use-case runner: every change is one unit of work holding its writes, its audit entry and its notices.

A use case is a function ``fn(store, ...)`` decorated with :func:`use_case`. The decorator opens
one unit of work on the store (:meth:`graph.port.GraphStore.unit_of_work`), runs the function,
hands the domain events it recorded (:func:`record`) to the dispatcher, which writes the notices
for exactly the people concerned, and commits once: the change, its audit entry and its notices
land together or not at all. A use case called from inside another joins the outer one.
A clash with a concurrent transaction (:class:`graph.port.Transient`) runs the whole use case
again, up to :data:`ATTEMPTS` times.

Doors (the JSON API, the pages, the CLI, jobs) call use cases and never write to the store
themselves; a test (``tests/test_house.py``) holds them to it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from graph.port import GraphStore, Transient
from network.events import Event

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

#: How many times a use case is tried when concurrent transactions keep clashing with it.
ATTEMPTS = 4


@dataclass
class UseCaseRun:
    """The use case running on this thread: its store and the events it recorded so far."""

    store: GraphStore
    events: list[Event] = field(default_factory=list)


_CURRENT: ContextVar[UseCaseRun | None] = ContextVar("bridgework_use_case", default=None)

#: Turns the events of one use case into writes (notices, re-planned rotas) in its unit of work.
Dispatcher = Callable[[GraphStore, list[Event]], None]
_dispatchers: list[Dispatcher] = []


def register_dispatcher(dispatcher: Dispatcher) -> None:
    """Add a dispatcher every use case's events go through before it commits (registered once at import)."""
    if dispatcher not in _dispatchers:
        _dispatchers.append(dispatcher)


def current() -> UseCaseRun | None:
    """The use case running on this thread, if any."""
    return _CURRENT.get()


def record(event: Event) -> None:
    """Record that ``event`` happened in the running use case (its notices are written before it commits)."""
    run = _CURRENT.get()
    if run is None:
        raise RuntimeError(f"{type(event).__name__} recorded outside a use case")
    run.events.append(event)


def _dispatch(run: UseCaseRun) -> None:
    # Handlers may record further events (e.g. a placement re-plans turns): keep going until none are left.
    done = 0
    while done < len(run.events):
        batch = run.events[done:]
        done = len(run.events)
        for dispatcher in _dispatchers:
            dispatcher(run.store, batch)


def use_case(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn(store, ...)`` as one use case: one unit of work with its audit entry and its events' notices."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0] if args else kwargs["store"]
        if not isinstance(store, GraphStore):
            raise TypeError(f"{fn.__qualname__}: the first argument of a use case is the store")
        if _CURRENT.get() is not None:
            return fn(*args, **kwargs)  # called by another use case: part of its unit of work
        for attempt in range(1, ATTEMPTS + 1):
            this = UseCaseRun(store)
            token = _CURRENT.set(this)
            try:
                with store.unit_of_work(write=True):
                    result = fn(*args, **kwargs)
                    _dispatch(this)
                return result
            except Transient:
                if attempt == ATTEMPTS:
                    raise
                log.info("%s clashed with a concurrent change; running it again (attempt %d)", fn.__qualname__, attempt + 1)
            finally:
                _CURRENT.reset(token)
        raise AssertionError("unreachable")

    run.__wrapped_use_case__ = True  # type: ignore[attr-defined]
    return run


def is_use_case(fn: Any) -> bool:
    """Whether ``fn`` was declared with :func:`use_case`."""
    return bool(getattr(fn, "__wrapped_use_case__", False))

"""Every request has a budget for waiting on the store, and the store cannot take every request thread.

Budget. Each request gets ``REQUEST_STORE_SECONDS`` (``BRIDGEWORK_REQUEST_STORE_SECONDS``, default 4)
of waiting on the store (:mod:`graph.deadline`): each transaction is limited to what is left, retries
stop in time, and once the store has failed to answer, the request's other calls fail at once. A
frozen or stopped store is answered with a JSON 503 and ``Retry-After`` within about 5 s, however
many store calls the request would have made. ``/readyz`` has 1.5 s of its own.

Slots. With ``STORE_SLOTS`` (``BRIDGEWORK_STORE_SLOTS``; set it below gunicorn's threads per worker,
e.g. 6 of 8) at most that many requests of a process use the store at once; a request that finds
no free slot within a tenth of a second is answered 503 at once. So a frozen store can never hold every
thread, and ``/healthz`` (which never touches the store) keeps answering, so a liveness probe does
not restart the app for a store problem. 0 (the default) means no limit, for the development server.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, current_app, g, request

from graph import deadline

#: Endpoints that never touch the store: no budget, no slot.
STORE_FREE = frozenset({"health.healthz", "static", "metrics"})
#: How long a request waits for a free store slot before it is told the service is busy.
SLOT_WAIT_S = 0.1
SLOTS_KEY = "bridgework.store_slots"
#: Set in the WSGI environ when the read unit (api.readunit) already holds this request's slot.
SLOT_TAKEN = "bridgework.store_slot_taken"


def _begin() -> Response | None:
    if request.endpoint in STORE_FREE:
        return None
    slots: threading.BoundedSemaphore | None = current_app.extensions.get(SLOTS_KEY)
    if slots is not None and not request.environ.get(SLOT_TAKEN):
        if not slots.acquire(timeout=SLOT_WAIT_S):
            from api.errors import error_response

            response = error_response(503, "The service is busy; try again in a moment.", code="busy")
            response.headers["Retry-After"] = "1"
            return response
        g.store_slot = slots
    manager = deadline.budget(current_app.config.get("REQUEST_STORE_SECONDS"))
    manager.__enter__()
    g.store_budget = manager
    return None


def _end(exc: BaseException | None) -> None:
    manager = g.pop("store_budget", None)
    if manager is not None:
        manager.__exit__(None, None, None)
    slots = g.pop("store_slot", None)
    if slots is not None:
        slots.release()


def init_budget(app: Flask) -> None:
    """Give every store-bound request of ``app`` its budget and (when configured) a store slot."""
    count = int(app.config.get("STORE_SLOTS") or 0)
    if count > 0:
        app.extensions[SLOTS_KEY] = threading.BoundedSemaphore(count)
    app.before_request(_begin)
    app.teardown_request(_end)

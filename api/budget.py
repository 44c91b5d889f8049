"""Every request has a budget for waiting on the store, and the store cannot take every request thread (one WSGI gate).

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

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from graph import deadline

#: Paths that never touch the store: no budget, no slot.
STORE_FREE = ("/static/", "/healthz", "/favicon.ico", "/metrics")
#: Paths that answer for the store's health themselves: a budget, but no slot (they must say "not ready", not "busy").
NO_SLOT = ("/readyz",)
#: How long a request waits for a free store slot before it is told the service is busy.
SLOT_WAIT_S = 0.1


class StoreGate:
    """WSGI wrapper, outermost: every store-bound request takes a slot (when configured) and opens its budget.

    It wraps the read unit (:mod:`api.readunit`) and Flask alike, so a GET's read transaction begins
    inside both, and a write's use cases too: one place decides, for every method.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], seconds: float | None, slots: int) -> None:
        self.app = app
        self.seconds = seconds
        self.slots = threading.BoundedSemaphore(slots) if slots > 0 else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(STORE_FREE):
            return self.app(environ, start_response)
        if self.slots is None or path.startswith(NO_SLOT):
            with deadline.budget(self.seconds):
                return self.app(environ, start_response)
        if not self.slots.acquire(timeout=SLOT_WAIT_S):
            return refuse(environ, start_response, "The service is busy; try again in a moment.", "busy", "1")
        try:
            with deadline.budget(self.seconds):
                return self.app(environ, start_response)  # Flask builds the whole body before it returns
        finally:
            self.slots.release()


def refuse(environ: dict[str, Any], start_response: Callable[..., Any], message: str, code: str, retry_after: str) -> Iterable[bytes]:
    """A 503 made before Flask runs: JSON in the one error shape, or a plain page for a browser."""
    accept = environ.get("HTTP_ACCEPT", "")
    if "text/html" in accept and "application/json" not in accept and not environ.get("PATH_INFO", "").startswith("/api/"):
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Bridgework: try again shortly</title>"
            f"<h1>Try again shortly</h1><p>{message} Nothing you did was lost.</p></html>"
        ).encode()
        kind = "text/html; charset=utf-8"
    else:
        body = json.dumps({"error": {"status": 503, "code": code, "message": message}}).encode()
        kind = "application/json"
    start_response(
        "503 SERVICE UNAVAILABLE",
        [("Content-Type", kind), ("Content-Length", str(len(body))), ("Retry-After", retry_after), ("Cache-Control", "no-store")],
    )
    return [body]


def init_budget(app: Flask) -> None:
    """Put the gate around everything ``app`` serves (call it last, after the read unit is installed)."""
    app.wsgi_app = StoreGate(  # type: ignore[method-assign]
        app.wsgi_app, app.config.get("REQUEST_STORE_SECONDS"), int(app.config.get("STORE_SLOTS") or 0)
    )

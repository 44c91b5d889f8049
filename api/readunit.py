"""One read transaction per GET: who is calling, what they may do and the data asked for are read together.

:func:`init_read_unit` wraps the app's WSGI callable: every ``GET`` or ``HEAD`` (but the static
files and the liveness probe, which read nothing) runs inside one read unit of work of the store
(:meth:`graph.port.GraphStore.unit_of_work` with ``write=False``), so the session or token lookup
(:mod:`api.auth`), the policy's scope reads (:mod:`api.access`) and the view's own reads join one
transaction instead of each opening its own: on Neo4j one session and one transaction, a few
Bolt round trips instead of a few transactions each. It wraps the whole request (flask-login's
user loader, before- and after-request hooks and the view), which is why it is a WSGI wrapper and
not a ``before_request`` hook whose place in the hooks' order others could change.

A GET that does write (a use case, or a token's "last used" mark) is not refused: the adapters end
the read transaction, commit the write in its own and carry on in a fresh read transaction. What
the unit's ``after_commit`` callbacks do (e.g. keeping a freshly computed view, see
:mod:`api.services.views`) runs when the request's unit ends.

``tests/api/test_request_transactions.py`` counts the transactions of each endpoint on both stores.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from api.budget import SLOT_TAKEN, SLOT_WAIT_S, SLOTS_KEY
from graph import deadline
from graph.port import GraphStore, StoreError

log = logging.getLogger(__name__)

#: Paths that read nothing from the store (static files, the probes, metrics): no transaction is opened for them.
_NO_READS = ("/static/", "/healthz", "/readyz", "/favicon.ico", "/metrics")  # /readyz pings the store itself, in 1.5 s
_READS = frozenset({"GET", "HEAD"})


class ReadUnit:
    """WSGI wrapper: runs each GET/HEAD of ``app`` in one read unit of work of ``store``, within the request's store budget.

    The budget (:mod:`graph.deadline`, ``REQUEST_STORE_SECONDS``) starts here, so beginning the read
    transaction counts against it too. A store that cannot begin the transaction is answered here
    with the JSON 503 and ``Retry-After`` every other refusal gets (Flask's error handlers have not
    run yet); a read unit that fails as it ends changes nothing (it only read, and the answer was
    built from what the view read or refused), so it is logged, not turned into a 500.
    """

    def __init__(
        self, app: Callable[..., Iterable[bytes]], store: GraphStore, seconds: float | None = None, slots: threading.BoundedSemaphore | None = None
    ) -> None:
        self.app = app
        self.store = store
        self.seconds = seconds
        self.slots = slots

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in _READS or path.startswith(_NO_READS):
            return self.app(environ, start_response)
        if self.slots is None:
            return self._read(environ, start_response)
        # A store slot before the read transaction begins (see api.budget): a hung store cannot take every thread.
        if not self.slots.acquire(timeout=SLOT_WAIT_S):
            return _refuse(environ, start_response, "The service is busy; try again in a moment.", "busy", "1")
        environ[SLOT_TAKEN] = True
        try:
            return self._read(environ, start_response)
        finally:
            self.slots.release()

    def _read(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with deadline.budget(self.seconds):
            unit = self.store.unit_of_work(write=False)
            try:
                unit.__enter__()
            except StoreError as exc:
                log.warning("store error before the request could read: %s", exc)
                return _refuse(environ, start_response, "The graph store is not available; try again shortly.", "unavailable", "5")
            try:
                # Flask builds the whole response (the view, the hooks, the body) before returning it.
                result = self.app(environ, start_response)
            except BaseException as exc:
                try:
                    unit.__exit__(type(exc), exc, exc.__traceback__)
                except StoreError:
                    pass
                raise
            try:
                unit.__exit__(None, None, None)
            except StoreError as exc:
                log.warning("a read unit ended with a store error after its answer was built: %s", exc)
            return result


def _refuse(environ: dict[str, Any], start_response: Callable[..., Any], message: str, code: str, retry_after: str) -> Iterable[bytes]:
    """A 503 made here, before Flask runs: JSON in the one error shape, or a plain page for a browser."""
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


def init_read_unit(app: Flask, store: GraphStore) -> None:
    """Run every GET/HEAD of ``app`` in one read unit of work of ``store``, within the request's store budget."""
    app.wsgi_app = ReadUnit(  # type: ignore[method-assign]
        app.wsgi_app, store, app.config.get("REQUEST_STORE_SECONDS"), app.extensions.get(SLOTS_KEY)
    )

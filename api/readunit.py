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

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from api.budget import refuse
from graph import deadline
from graph.port import GraphStore, StoreError

log = logging.getLogger(__name__)

#: Paths that read nothing from the store (static files, the probes, metrics): no transaction is opened for them.
_NO_READS = ("/static/", "/healthz", "/readyz", "/favicon.ico", "/metrics")  # /readyz pings the store itself, in 1.5 s
_READS = frozenset({"GET", "HEAD"})


class ReadUnit:
    """WSGI wrapper: runs each GET/HEAD of ``app`` in one read unit of work of ``store``.

    It runs inside :class:`api.budget.StoreGate`, so the request's store slot and budget are already
    held when the read transaction begins. A store that cannot begin the transaction is answered here
    with the JSON 503 and ``Retry-After`` every other refusal gets (Flask's error handlers have not
    run yet); a read unit that fails as it ends changes nothing (it only read, and the answer was
    built from what the view read or refused), so it is logged, not turned into a 500.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], store: GraphStore) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in _READS or path.startswith(_NO_READS):
            return self.app(environ, start_response)
        unit = self.store.unit_of_work(write=False)
        try:
            unit.__enter__()
        except StoreError as exc:
            log.warning("store error before the request could read: %s", exc)
            return refuse(environ, start_response, "The graph store is not available; try again shortly.", "unavailable", "5")
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


def init_read_unit(app: Flask, store: GraphStore) -> None:
    """Run every GET/HEAD of ``app`` in one read unit of work of ``store``."""
    app.wsgi_app = ReadUnit(app.wsgi_app, store)  # type: ignore[method-assign]

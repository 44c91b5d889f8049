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

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from graph.port import GraphStore

#: Paths that read nothing from the store (static files, the liveness probe): no transaction is opened for them.
_NO_READS = ("/static/", "/healthz", "/favicon.ico")
_READS = frozenset({"GET", "HEAD"})


class ReadUnit:
    """WSGI wrapper: runs each GET/HEAD of ``app`` in one read unit of work of ``store``."""

    def __init__(self, app: Callable[..., Iterable[bytes]], store: GraphStore) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in _READS or path.startswith(_NO_READS):
            return self.app(environ, start_response)
        with self.store.unit_of_work(write=False):
            # Flask builds the whole response (the view, the hooks, the body) before returning it.
            return self.app(environ, start_response)


def init_read_unit(app: Flask, store: GraphStore) -> None:
    """Run every GET/HEAD of ``app`` in one read unit of work of ``store``."""
    app.wsgi_app = ReadUnit(app.wsgi_app, store)  # type: ignore[method-assign]

"""The app factory at the top of the house: one Flask app with the JSON API (:mod:`api`) and the pages (:mod:`web`).

``create_app`` is the only place that knows both doors: ``api`` and ``web`` each attach their own
parts (:func:`api.init_app`: settings, the store, sign-in, the API, probes and errors;
:func:`web.init_app`: the pages), and neither imports this package. Servers use
:mod:`bridgework.wsgi`, the command line :mod:`bridgework.cli`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import api
import web
from api.extensions import get_store
from api.budget import init_budget
from api.httpcache import init_http_cache
from api.readunit import init_read_unit

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; settings come from the environment, overridden by ``config`` (tests pass one).

    A ``STORE`` entry in ``config`` supplies an already-open :class:`~graph.port.GraphStore`
    (the caller then owns its lifetime); otherwise the configured store is opened and closed
    when the process exits.
    """
    app = Flask(__name__, template_folder=web.TEMPLATE_FOLDER, static_folder=web.STATIC_FOLDER)
    api.init_app(app, config)
    web.init_app(app)
    init_http_cache(app)  # ETags and 304s, compression, content-named static files (see api.httpcache)
    with app.app_context():
        init_read_unit(app, get_store())  # each GET reads in one transaction (see api.readunit)
    init_budget(app)  # outermost: a store slot and the request's store budget around the read unit and Flask
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind that many reverse proxies: the client's address (per-address limits, logs) and the scheme
        # come from the X-Forwarded-For / -Proto headers the proxies set; the rightmost hops only, never a
        # value the client could have written itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0)  # type: ignore[method-assign]
    return app

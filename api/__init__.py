"""The Flask application: ``create_app`` wires config, the graph store, blueprints and error handlers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from api import config as app_config
from api.errors import register_errorhandlers
from api.extensions import init_store
from graph.port import GraphStore

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; settings come from the environment, overridden by ``config`` (tests pass one).

    A ``STORE`` entry in ``config`` supplies an already-open :class:`~graph.port.GraphStore`
    (the caller then owns its lifetime); otherwise the factory opens the configured store
    and closes it when the process exits.
    """
    app = Flask(__name__, template_folder="../web/templates", static_folder="../web/static")
    app.config.from_mapping(app_config.from_env())
    if config:
        app.config.from_mapping(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store: GraphStore | None = app.config.get("STORE")
    init_store(app, store)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Attach the health probes, the JSON API and the pages."""
    from api.health import bp as health_bp
    from web import bp as web_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)

"""The JSON API's part of the Flask app: :func:`init_app` wires config, the graph store, auth, the API and error handlers.

The app itself is built by the factory at the top, :func:`bridgework.create_app`, which calls
:func:`init_app` and then :func:`web.init_app` (the pages); nothing under ``api/`` imports ``web/``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_smorest import Api

from api import config as app_config
from api.errors import ErrorSchema, register_errorhandlers
from api.extensions import init_store
from graph.port import GraphStore

__all__ = ["init_app"]

API_KEY = "bridgework.api"

#: How the JSON API describes itself; flask-smorest serves it at /api/v1/openapi.json with docs pages beside it.
API_SETTINGS: dict[str, Any] = {
    "API_TITLE": "Bridgework",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # The documentation pages' scripts are served from web/static/vendor (copied from npm, see web/assets/README.md),
    # so the docs work offline and no third-party host sees who reads them.
    "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
    "OPENAPI_REDOC_PATH": "redoc",
    "OPENAPI_REDOC_URL": "/static/vendor/redoc.standalone.js",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Links isolated social work assessors across organisations. Every endpoint needs a signed-in "
                "session (the login page; then send the `X-CSRFToken` header from `GET /api/v1/me` on writes) "
                "or an API token (`Authorization: Bearer bw_...`, created at `POST /api/v1/me/tokens`). "
                'Errors always have the shape `{"error": {"status", "code", "message", "fields"?}}`. '
                "Listings are keyset-paginated: pass a page's `next_after` back as `after`."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token: `bw_<id>_<secret>`."},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    },
}


class BridgeworkApi(Api):
    """flask-smorest's ``Api`` answering errors in our one shape (``api.errors`` handles them for the whole app)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Leave error handling to :func:`api.errors.register_errorhandlers` (one shape for pages and API)."""

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Register ``blp``, documenting the answers every operation can give before its view runs."""
        # flask-smorest builds each operation's document through the blueprint's callbacks; ours runs last.
        if _document_edge_errors not in blp._prepare_doc_cbks:
            blp._prepare_doc_cbks.append(_document_edge_errors)
        super().register_blueprint(blp, parameters=parameters, **options)


def _document_edge_errors(doc: dict[str, Any], doc_info: Any, *, method: str, **kwargs: Any) -> dict[str, Any]:
    """401 on every operation (sign-in is checked first, see api.access); 400 (malformed or too deeply nested JSON,
    a missing CSRF token) and 415 (a body in a media type the operation does not take, see api.edge) on every write."""
    responses = dict(doc.get("responses", {}))
    default = responses.pop("default", None)
    responses.setdefault("401", "UNAUTHORIZED")
    if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
        responses.setdefault("400", "BAD_REQUEST")
        responses.setdefault("415", "UNSUPPORTED_MEDIA_TYPE")
    if default is not None:
        responses["default"] = default  # stays last
    doc["responses"] = responses
    return doc


def init_app(app: Flask, config: Mapping[str, Any] | None = None) -> None:
    """Configure ``app`` and attach the API's parts; settings come from the environment, overridden by ``config``.

    A ``STORE`` entry in ``config`` supplies an already-open :class:`~graph.port.GraphStore`
    (the caller then owns its lifetime); otherwise the configured store is opened and closed
    when the process exits.
    """
    app.config.from_mapping(app_config.from_env())
    app.config.from_mapping(API_SETTINGS)
    if config:
        app.config.from_mapping(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    from api.observability import init_observability

    init_observability(app)  # first: request ids and timings cover every later hook, refusals included
    store: GraphStore | None = app.config.get("STORE")
    init_store(app, store)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)


def register_extensions(app: Flask) -> None:
    """flask-login, CSRF, the login limiter and the policy's fail-closed check."""
    from api.access import init_access
    from api.auth import init_auth
    from api.headers import init_headers

    init_auth(app)
    init_access(app)
    init_headers(app)


def register_blueprints(app: Flask) -> None:
    """Attach the health probes and the JSON API (every area in ``api.v1.AREAS``); the pages are :mod:`web`'s."""
    from api.edge import init_edge
    from api.health import bp as health_bp
    from api.v1 import AREAS
    from api.v1.common import IdConverter, id_converter_schema

    app.register_blueprint(health_bp)
    app.url_map.converters["id"] = IdConverter
    api = BridgeworkApi(app)
    api.register_converter(IdConverter, id_converter_schema)
    for area in AREAS:
        blp = importlib.import_module(f"api.v1.{area}").blp
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
    app.extensions[API_KEY] = api
    init_edge(app, api)  # after the sign-in check of register_extensions: 401 before any body is looked at

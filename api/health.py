"""Liveness and readiness probes for process managers and load balancers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.errors import error_body
from api.extensions import get_store
from graph import deadline
from graph.port import Unavailable

#: Seconds /readyz waits for the store before it says it is not ready.
READY_SECONDS = 1.5

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive and serving requests."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """The graph store answers: 200, or 503 with the JSON error shape."""
    store = get_store()
    try:
        with deadline.budget(READY_SECONDS):  # answers within 2 s either way
            store.ping()
    except Unavailable as exc:
        body = error_body(503, f"The graph store is not reachable: {exc}", code="store_unavailable")
        response = jsonify(status="unavailable", store=store.kind, **body)
        response.headers["Retry-After"] = "5"
        return response, 503
    return jsonify(status="ready", store=store.kind), 200

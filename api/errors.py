"""One error shape for the whole service, and the one place errors become status codes.

JSON clients (paths under ``/api/``, the health probes, or ``Accept: application/json``)
get ``{"error": {"status", "code", "message", "fields"?}}``; people get a plain page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from graph.port import Conflict, Invalid, NotFound, StoreError, Unavailable
from network.domain import InvalidValue

log = logging.getLogger(__name__)

#: Store errors as (status, code). Pages and the JSON API share this mapping.
STORE_ERRORS: dict[type[StoreError], tuple[int, str]] = {
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    Invalid: (422, "invalid"),
    Unavailable: (503, "unavailable"),
}

_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def wants_json() -> bool:
    """True when the caller is a program rather than a person's browser."""
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_body(status: int, message: str, fields: dict[str, Any] | None = None, code: str | None = None) -> dict[str, Any]:
    """The JSON error shape."""
    error: dict[str, Any] = {"status": status, "code": code or _CODES.get(status, "error"), "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_response(status: int, message: str, fields: dict[str, Any] | None = None, code: str | None = None) -> Response:
    """A JSON or HTML error response, whichever the caller wants."""
    if wants_json():
        response = jsonify(error_body(status, message, fields, code))
    else:
        response = Response(
            render_template("error.html", status=status, message=message, fields=fields or {}),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def register_errorhandlers(app: Flask) -> None:
    """Map HTTP, validation and store errors to the one error shape."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = error_response(status, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Response:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return error_response(422, "The request has invalid fields.", messages)

    @app.errorhandler(InvalidValue)
    def _domain(exc: InvalidValue) -> Response:
        return error_response(422, "The request has invalid fields.", {exc.field: [exc.message]})

    @app.errorhandler(StoreError)
    def _store(exc: StoreError) -> Response:
        status, code = next((v for k, v in STORE_ERRORS.items() if isinstance(exc, k)), (500, "internal_error"))
        if status >= 500:
            log.warning("store error: %s", exc)
        return error_response(status, str(exc) if status < 500 else "The graph store is not available; try again shortly.", code=code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Never echo the exception text: it may hold data the caller must not see.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. It has been logged.")

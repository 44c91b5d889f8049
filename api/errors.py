"""One error shape for the whole service, and the one place errors become status codes.

JSON clients (paths under ``/api/``, the health probes, or ``Accept: application/json``)
get ``{"error": {"status", "code", "message", "fields"?}}``; people get a plain page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from marshmallow import Schema, ValidationError, fields
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


class ErrorDetailSchema(Schema):
    """The inside of an error body."""

    status = fields.Integer(required=True, metadata={"description": "The HTTP status code, repeated."})
    code = fields.String(required=True, metadata={"description": "A stable machine-readable code, e.g. `invalid`, `forbidden`."})
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "Messages per input field (a list of strings, or nested per item/sub-field)."},
    )


class ErrorSchema(Schema):
    """Every error response: ``{"error": {"status", "code", "message", "fields"?}}``."""

    error = fields.Nested(ErrorDetailSchema, required=True)


def field_messages(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Field messages from a webargs/flask-smorest parse error, without the location level (``json``, ``query``...)."""
    if not data:
        return None
    messages = data.get("errors") or data.get("messages")
    if not isinstance(messages, dict):
        return None
    merged: dict[str, Any] = {}
    for location, per_field in messages.items():
        if isinstance(per_field, dict):
            merged.update(per_field)
        else:  # e.g. {"json": ["Invalid JSON body."]}
            merged.setdefault("_body" if location in ("json", "form", "json_or_form") else location, []).extend(
                per_field if isinstance(per_field, list) else [str(per_field)]
            )
    return merged or None


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
        # flask-smorest/webargs parse errors carry their messages in exc.data.
        data = getattr(exc, "data", None)
        found = field_messages(data)
        message = (data or {}).get("message") or exc.description or exc.name
        if found and status == 422 and not (data or {}).get("message"):
            message = "The request has invalid fields."
        elif found and status == 400 and "_body" in found:
            message = "The request body is not valid JSON."
        response = error_response(status, message, found, code=getattr(exc, "error_code", None))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        for name, value in exc.get_headers():  # e.g. WWW-Authenticate of a 401, Retry-After of a 429
            if name.lower() not in ("content-type", "content-length", "allow"):
                response.headers[name] = value
        for name, value in ((data or {}).get("headers") or {}).items():
            response.headers[name] = value
        if status == 429 and "Retry-After" not in response.headers:
            retry = getattr(exc, "retry_after", None)
            if retry:
                response.headers["Retry-After"] = str(retry)
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
        response = error_response(status, str(exc) if status < 500 else "The graph store is not available; try again shortly.", code=code)
        if status == 503:
            response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Never echo the exception text: it may hold data the caller must not see.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. It has been logged.")

"""Request bodies at the JSON API's edge, checked before any argument parser or view sees them.

Runs after the sign-in check (:func:`api.access.init_access`), so an anonymous caller gets 401 first.
For a write (POST, PUT, PATCH, DELETE) to an ``/api/`` route:

* **415** when a non-empty body comes in a media type the operation does not take: the types are the
  ``requestBody`` content types of the operation in the OpenAPI document (``application/json`` also
  accepts ``+json`` types), so what is enforced is what is documented. An operation without a
  ``requestBody`` takes a JSON body (ignored) or none. An empty body is no body: the schema decides.
* **400** for a JSON body that is not valid JSON, or is nested more than :data:`MAX_JSON_DEPTH` levels
  deep (``[[[[...]]]]``: the parser's ``RecursionError`` never escapes as a 500).
* **422** for a JSON body that is not an object or array (webargs would read a bare ``null`` as no body).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request
from flask_smorest import Api
from flask_smorest.spec.plugins import FlaskPlugin

from api.errors import error_response

#: Deepest JSON nesting a request body may have (objects and arrays; no body of this API needs more than a few).
MAX_JSON_DEPTH = 32

JSON = "application/json"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BODY_TYPES_KEY = "bridgework.body_types"


def init_edge(app: Flask, api: Api) -> None:
    """Check every API write's body before its view (register after the sign-in check)."""

    @app.before_request
    def _check_body() -> Response | None:
        if not request.path.startswith("/api/") or request.method not in _WRITES or request.url_rule is None:
            return None  # unrouted paths answer 404/405 as they would
        declared = _declared_types(app, api).get((request.url_rule.endpoint, request.method), frozenset())
        if not _has_body():
            return None
        if request.is_json:
            if declared and JSON not in declared:
                return _unsupported(declared)
            return _check_json(request.get_data(cache=True))
        if request.mimetype not in declared:
            return _unsupported(declared)
        return None


def _declared_types(app: Flask, api: Api) -> dict[tuple[str, str], frozenset[str]]:
    """(endpoint, METHOD) -> the media types of the operation's documented request body; built once per app."""
    found: dict[tuple[str, str], frozenset[str]] | None = app.extensions.get(_BODY_TYPES_KEY)
    if found is None:
        paths = api.spec.to_dict().get("paths", {})
        found = {}
        for rule in app.url_map.iter_rules():
            operations = paths.get(FlaskPlugin.flaskpath2openapi(rule.rule), {})
            for method in (rule.methods or set()) & _WRITES:
                content = (operations.get(method.lower()) or {}).get("requestBody", {}).get("content", {})
                found[(rule.endpoint, method)] = frozenset(content)
        app.extensions[_BODY_TYPES_KEY] = found
    return found


def _has_body() -> bool:
    """True when the request carries a body (a length above 0, or a chunked body that is not empty)."""
    if request.content_length is not None:
        return request.content_length > 0
    return bool(request.headers.get("Transfer-Encoding")) and bool(request.get_data(cache=True))


def _unsupported(declared: frozenset[str]) -> Response:
    if not declared:
        return error_response(415, "This operation takes no request body; send none (or a JSON one).")
    wanted = " or ".join(sorted(declared))
    got = request.mimetype or "no Content-Type"
    return error_response(415, f"Send the request body as {wanted} (got {got}).", {"_body": [f"must be {wanted}"]})


def _check_json(raw: bytes) -> Response | None:
    if not raw.strip():
        return None  # the schema's parser answers for an empty JSON body
    too_deep = f"The request body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
    try:
        body = json.loads(raw)
    except RecursionError:
        return error_response(400, too_deep, {"_body": [f"nested more than {MAX_JSON_DEPTH} levels"]})
    except ValueError:  # malformed JSON, or bytes that are not UTF-8/16/32
        return error_response(400, "The request body is not valid JSON.", {"_body": ["Invalid JSON body."]})
    if _deeper_than(body, MAX_JSON_DEPTH):
        return error_response(400, too_deep, {"_body": [f"nested more than {MAX_JSON_DEPTH} levels"]})
    if not isinstance(body, dict | list):
        return error_response(422, "The request has invalid fields.", {"_body": ["must be a JSON object"]})
    return None


def _deeper_than(value: Any, limit: int) -> bool:
    """True when ``value`` nests objects/arrays more than ``limit`` levels (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False

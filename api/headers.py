"""Security headers on every response the app gives (pages, the JSON API, its docs, errors and static files).

* ``Content-Security-Policy``: scripts, styles, images, fonts and connections only from this site; no inline script
  and no inline event handler or ``style`` attribute on any page (the pages' scripts are static files that read what
  they need from ``data-*`` attributes or ``<script type="application/json">``, which a browser never runs); no
  plugins, no ``<base>`` rewriting, forms post only here, and no site may frame a page (``frame-ancestors 'none'``).
  The API's documentation pages (swagger-ui, redoc) get the same policy except that their vendored libraries may add
  ``<style>`` elements and redoc may start a worker from a ``blob:``; still no inline script there either.
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``; ``X-Content-Type-Options: nosniff``;
  ``Referrer-Policy: no-referrer`` (ids in our paths never leave in a ``Referer``); ``Cross-Origin-Opener-Policy``
  and ``Cross-Origin-Resource-Policy: same-origin``; a ``Permissions-Policy`` turning off what no page uses.
* ``Cache-Control: no-store`` on everything but the static files: pages and API answers name people, and a shared
  computer's browser cache or a proxy must not keep them. The JSON API's GETs (issue 20) are the exception: they
  carry an ETag and ``private, no-cache`` (:data:`REVALIDATE`) when asked with an API token: no proxy keeps them, and
  a script that keeps its own copy must revalidate it every time (``304`` when unchanged). Asked by a browser (the
  session cookie) they are ``no-store`` too.
* ``Strict-Transport-Security`` (two years, sub-domains) when ``BRIDGEWORK_ENV=production`` or
  ``BRIDGEWORK_HSTS`` says so: production is served over HTTPS only.

A small ``after_request`` hook rather than flask-talisman: talisman's last release is from 2023, it also takes over
HTTPS redirects and session-cookie flags that :mod:`api.config` already owns, and it does not set ``no-store`` by path.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

#: The one ``<style>`` element a page may hold: the rule the network map's graph library (cytoscape) adds to the page
#: it draws in, allowed by its hash (any other inline style, and every inline script, is refused).
CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"  # of ".__________cytoscape_container { position: relative; }"

#: The policy of every page and answer.
CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {CYTOSCAPE_STYLE}; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: The API's documentation pages: their vendored viewers add ``<style>`` elements (redoc, swagger-ui) and redoc runs a
#: worker from a ``blob:``. Inline script is still refused.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

HSTS = "max-age=63072000; includeSubDomains"

#: What the JSON API's GETs are sent with instead of ``no-store`` (set by :mod:`api.httpcache` with a weak ETag): no
#: shared cache keeps them, and a client that keeps its own copy asks every time (a 304 when nothing changed).
REVALIDATE = "private, no-cache"

FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def init_headers(app: Flask) -> None:
    """Set the security headers on every response ``app`` gives."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        docs = (request.blueprint or "") == "api-docs" and not request.path.endswith(".json")
        response.headers["Content-Security-Policy"] = DOCS_CSP if docs else CSP
        for name, value in FIXED.items():
            response.headers[name] = value
        # The API's JSON with an ETag (api.httpcache) is revalidated only by scripts with a token; a browser (the session
        # cookie) gets no-store like the pages, so a shared computer keeps no one's answers (issue 16).
        revalidated = response.headers.get("Cache-Control") == REVALIDATE and "Authorization" in request.headers
        if not (request.path.startswith("/static/") or request.path == "/favicon.ico" or revalidated):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
            response.headers.pop("Pragma", None)
        if current_app.config.get("HSTS"):
            response.headers["Strict-Transport-Security"] = HSTS
        return response

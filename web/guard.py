"""Access for pages: the same policy table as the JSON API (:mod:`api.access`), with answers people understand.

A page calls :func:`page_authorize` first, exactly like an API view calls ``authorize``. Someone who is
not signed in is sent to the sign-in page (and back afterwards); someone signed in without the right
gets the plain 403 page. Form posts are checked for their CSRF token by ``authorize`` itself.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for

from api.access import Principal, allowed, authorize, current_principal


def page_authorize(action: str, **scope: Any) -> Principal:
    """The caller's :class:`Principal` if ``action`` on ``scope`` is allowed; else redirect to sign-in (not signed in) or 403."""
    if current_principal() is None:
        target = request.full_path if request.method == "GET" else request.path
        abort(redirect(url_for("auth.login", next=target.rstrip("?"))))
    return authorize(action, **scope)


def may(action: str, **scope: Any) -> bool:
    """Whether the signed-in caller may do ``action`` on ``scope`` (for showing or hiding links and buttons)."""
    principal = current_principal()
    return principal is not None and allowed(principal, action, **scope)

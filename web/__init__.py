"""Pages for people, rendered on the server: one blueprint per area, registered by :func:`init_app`.

Each page module ``web/<area>.py`` exposes ``bp``; list it in :data:`PAGES` to have it served.
The app factory (:func:`bridgework.create_app`) builds the app with :data:`TEMPLATE_FOLDER` and
:data:`STATIC_FOLDER`, lets :func:`api.init_app` attach the API, then calls :func:`init_app`.
Every page view calls :func:`web.guard.page_authorize` first (the same policy as the JSON API).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template

from api.access import current_principal
from api.extensions import get_store
from graph.port_joins import MAX_MESSAGE
from graph.port_meetings import MAX_ACTION
from network import domain, limits
from web.guard import may

bp = Blueprint("web", __name__)

#: Page modules under ``web`` whose ``bp`` the app registers, in this order.
PAGES: list[str] = ["assessor", "coordinator", "reach", "admin", "onboarding", "outcomes", "joins", "meetings", "live", "home", "people", "lifecycle", "account", "enrol"]

#: The pages' templates and static files (the app serves both; the API's docs pages use the vendored scripts).
TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")
STATIC_FOLDER = str(Path(__file__).parent / "static")


#: The limits on what people enter, for the forms' ``maxlength`` (``field_limits`` in every template); each is defined
#: once, in network.domain or the store port, and the page's own check uses the same constant.
FIELD_LIMITS: dict[str, int] = {
    "name": domain.MAX_NAME,
    "email": domain.EMAIL_MAX,
    "bio": domain.MAX_BIO,
    # Whole numbers: one character more than the largest allowed has, so a number too big gets a message, not cut short.
    "experience": len(str(domain.EXPERIENCE_MAX)) + 1,
    "capacity": len(str(domain.CAPACITY_MAX)) + 1,
    "action": MAX_ACTION,
    "message": MAX_MESSAGE,
}


def init_app(app: Flask) -> None:
    """Attach the pages (after :func:`api.init_app`, whose ``id`` converter the page routes use) and name the sign-in page."""
    from web.auth import bp as auth_bp

    app.register_blueprint(bp)
    app.register_blueprint(auth_bp)
    for name in PAGES:
        app.register_blueprint(importlib.import_module(f"web.{name}").bp)
    app.login_manager.login_view = "auth.login"  # type: ignore[attr-defined]
    app.add_template_filter(day, "day")


def day(value: Any) -> str:
    """A date (or a moment's date) as people write it everywhere on the pages: ``7 December 2026``, never ``07 Dec``."""
    return "" if value is None else limits.words(value)


@bp.get("/")
def index() -> str:
    """What Bridgework is, and the size of the network it holds."""
    store = get_store()
    counts = dict(store.counts(), accepted_contacts=store.accepted_contact_count())
    return render_template("index.html", counts=counts)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site icon where browsers and bookmark tools look by default (pages also link ``static/favicon.svg``)."""
    # From memory, not an open file: browsers often drop this request half-way, and a file left open then is a leak.
    icon = current_app.extensions.get("bridgework.favicon")
    if icon is None:
        icon = current_app.extensions["bridgework.favicon"] = (Path(current_app.static_folder or "") / "favicon.ico").read_bytes()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.app_context_processor
def _principal() -> dict[str, Any]:
    """``principal`` (the signed-in caller, or ``None``), ``may(action, **scope)`` (to show what they may use) and
    ``field_limits`` (:data:`FIELD_LIMITS`) in every template."""
    return {"principal": current_principal(), "may": may, "field_limits": FIELD_LIMITS}

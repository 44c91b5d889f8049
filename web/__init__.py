"""Pages for people, rendered on the server. Later issues add the profile, suggestion and set pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from api.extensions import get_store

bp = Blueprint("web", __name__)


@bp.get("/")
def index() -> str:
    """What Bridgework is, and the size of the network it holds."""
    counts = get_store().counts()
    return render_template("index.html", counts=counts)

"""A programme's lifecycle on the pages (issue 17): open, forming, running, closed; coordinators close a programme here.

The programme moves on to running by itself when sets are committed
(:func:`api.services.sets.advance`, on commit); closing is the coordinator's decision, through
:func:`api.services.sets.close_programme`, which also closes its sets still meeting.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from api.extensions import get_store
from api.http import path_id
from api.services import sets as service
from graph.port import Conflict, NotFound
from network.domain import InvalidValue
from web.auth import safe_next
from web.guard import page_authorize

bp = Blueprint("lifecycle_pages", __name__)


@bp.post("/programmes/<programme_id>/close")
def close(programme_id: str) -> Response:
    """Close the programme (and its sets still meeting); back to the page the button was on."""
    try:
        programme_id = path_id(programme_id, "programme_id")
    except InvalidValue:
        abort(404)
    principal = page_authorize("programmes:close", programme_id=programme_id)
    back = safe_next(request.form.get("next")) or url_for("coordinator_pages.programmes")
    try:
        closed = service.close_programme(get_store(), programme_id, actor_id=principal.user_id)
    except NotFound:
        abort(404)
    except Conflict as exc:
        flash(str(exc)[0].upper() + str(exc)[1:] + ".", "error")
        return redirect(back)
    flash(f"{closed.name} is closed; its sets have ended.")
    return redirect(back)

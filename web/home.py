"""A home for each person after they sign in (issue 17): a part for every role they hold, each with links onwards.

The parts are read by :mod:`api.services.home`; nothing here changes the store.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from api.extensions import get_store
from api.services import home as service
from api.services.meetings import today_uk
from network.availability import describe_slot
from web.coordinator import STATUS_LABELS
from web.guard import page_authorize

bp = Blueprint("home", __name__)

#: Wave names as people say them.
WAVE_WORDS = {"start": "at the start", "3m": "after 3 months", "6m": "after 6 months"}


@bp.get("/home")
def home() -> str:
    """The signed-in person's home: what waits for them in each of their roles."""
    principal = page_authorize("home:read")
    store = get_store()
    today = today_uk()
    assessor = service.assessor_home(store, principal.assessor_id, today) if principal.assessor_id else None
    coordinator = None
    if "coordinator" in principal.roles:
        coordinator = service.coordinator_home(store, sorted(principal.programme_ids), today)
    organisations = []
    if "org_admin" in principal.roles:
        organisations = [o for o in (service.organisation_home(store, oid) for oid in sorted(principal.organisation_ids)) if o]
    admin = service.admin_home(store) if principal.is_admin else None
    return render_template(
        "home.html",
        assessor=assessor,
        coordinator=coordinator,
        organisations=organisations,
        admin=admin,
        statuses=STATUS_LABELS,
        waves=WAVE_WORDS,
        describe_slot=describe_slot,
    )

"""Enrolment at scale (issue 17): build a programme's pool by filters (organisation, kind, region, isolated, a weekly
slot, experience, not already in a set) with select all / none, by a pasted list of e-mails or ids, or by a CSV file.

Every view asks :func:`web.guard.page_authorize` first (``enrolments:read`` to look, ``enrolments:write`` to enrol, as
the programme page does), reads through :mod:`api.services.enrol_many` and writes through the one enrolment use case
(:func:`api.services.enrolment.enrol`, all or nothing). People who cannot be found (opted out, paused, inactive) are
never listed, and a list naming them reads as if no one had that e-mail or id.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.extensions import get_store
from api.services import enrol_many, enrolment
from graph.port import Conflict, GraphStore
from network import availability
from network.domain import ORGANISATION_KINDS, REGIONS
from web.guard import page_authorize

bp = Blueprint("enrol_pages", __name__)

#: Kinds of organisation in words, for the filter.
KIND_WORDS: dict[str, str] = {
    "local_authority": "Local authority",
    "nhs_trust": "NHS trust",
    "voluntary": "Voluntary organisation",
    "independent": "Independent provider",
    "agency": "Agency",
    "university": "University",
}
assert set(KIND_WORDS) == set(ORGANISATION_KINDS)
#: Largest CSV file read (bytes): a few thousand lines of e-mail addresses.
FILE_MAX = 512 * 1024


def _organisations(store: GraphStore) -> dict[str, str]:
    names: dict[str, str] = {}
    after: str | None = None
    while True:
        page = store.list_organisations(limit=500, after=after)
        names.update((o.id, o.name) for o in page.items)
        if page.next_after is None:
            return names
        after = page.next_after


def _page(programme_id: str, *, problems: list[str] | None = None, pasted: str = "", status: int = 200) -> tuple[str, int]:
    store = get_store()
    programme = store.get_programme(programme_id)
    orgs = _organisations(store)
    chosen_orgs = [o for o in request.args.getlist("organisation") if o in orgs]
    searched = request.args.get("find") == "1"
    criteria, isolated_only, filter_problems = enrol_many.criteria_from(request.args, chosen_orgs)
    if criteria.region is not None and criteria.region not in REGIONS:
        filter_problems.append("Region: choose one from the list.")
    if criteria.kinds and criteria.kinds[0] not in KIND_WORDS:
        filter_problems.append("Kind of organisation: choose one from the list.")
    found: list[enrol_many.Candidate] = []
    if searched and not filter_problems:
        found = enrol_many.find_candidates(store, programme_id, criteria, isolated_only=isolated_only)
    html = render_template(
        "coordinator/enrol.html",
        programme=programme,
        orgs=orgs,
        chosen_orgs=chosen_orgs,
        kinds=KIND_WORDS,
        regions=REGIONS,
        slots=enrol_many.slot_choices(),
        args=request.args,
        searched=searched and not filter_problems,
        found=found,
        limit=enrol_many.CANDIDATES_MAX,
        filter_problems=filter_problems,
        problems=problems or [],
        pasted=pasted,
        pool_size=len(store.enrolments(programme_id)),
        region_words=lambda p: REGIONS.get(p.assessor.region or "", ""),
        slots_words=lambda p: ", ".join(availability.describe_slot(s) for s in availability.normalise(p.assessor.availability)) or "No times given",
    )
    return html, status


@bp.get("/programmes/<programme_id>/enrol")
def enrol_page(programme_id: str) -> tuple[str, int]:
    """Find people to enrol by filters, or paste or upload a list."""
    page_authorize("enrolments:read", programme_id=programme_id)
    return _page(programme_id)


def _enrol(programme_id: str, ids: list[str], principal: Any, *, pasted: str = "") -> Response | tuple[str, int]:
    for assessor_id in ids:
        page_authorize("enrolments:write", programme_id=programme_id, assessor_id=assessor_id)
    try:
        # visible_only: every id must be someone a coordinator may see (a hidden person reads as unknown)
        done = enrolment.enrol(get_store(), programme_id, ids, actor_id=principal.user_id, visible_only=ids)
    except enrolment.EnrolmentProblems as exc:
        return _page(programme_id, problems=exc.problems() + ["Nobody was enrolled."], pasted=pasted, status=422)
    except Conflict:
        problems = ["Someone else enrolled some of these people meanwhile, so nobody was enrolled; look again and try once more."]
        return _page(programme_id, problems=problems, pasted=pasted, status=409)
    flash(f"Enrolled {len(done)} {'person' if len(done) == 1 else 'people'}.")
    return redirect(url_for("coordinator_pages.programme", programme_id=programme_id) + "#pool")


@bp.post("/programmes/<programme_id>/enrol/chosen")
def enrol_chosen(programme_id: str) -> Response | tuple[str, int]:
    """Enrol the people ticked in the list found by the filters (all or nobody)."""
    principal = page_authorize("enrolments:read", programme_id=programme_id)
    ids = list(dict.fromkeys(i.strip() for i in request.form.getlist("assessor_id") if i.strip()))
    if not ids:
        return _page(programme_id, problems=["Tick at least one person (or use Select all)."], status=422)
    return _enrol(programme_id, ids, principal)


@bp.post("/programmes/<programme_id>/enrol/list")
def enrol_list(programme_id: str) -> Response | tuple[str, int]:
    """Enrol everyone a pasted list or an uploaded CSV file names: every line that cannot be is named, and then nobody is."""
    principal = page_authorize("enrolments:read", programme_id=programme_id)
    store = get_store()
    upload = request.files.get("file")
    pasted = request.form.get("people") or ""
    if upload is not None and upload.filename:
        data = upload.read(FILE_MAX + 1)
        if len(data) > FILE_MAX:
            return _page(programme_id, problems=[f"The file is larger than {FILE_MAX // 1024} KB; split it and upload each part."], status=422)
        read = enrol_many.read_csv(store, programme_id, data)
    else:
        read = enrol_many.read_list(store, programme_id, pasted)
    if read.problems:
        return _page(programme_id, problems=[*read.problems, "Nobody was enrolled: put these lines right (or take them out) and try again."], pasted=pasted, status=422)
    return _enrol(programme_id, list(read.ids), principal, pasted=pasted)

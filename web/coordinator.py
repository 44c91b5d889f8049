"""Coordinator pages (issue 7): programmes and their enrolment pool, the "Form sets" workspace, commit with a reach what-if,
and filling a vacancy.

Every view calls :func:`web.guard.page_authorize` first with the same policy rows as the JSON API
(``programmes:*``, ``enrolments:*``, ``proposals:*``, ``sets:repair``), then one service call
(:mod:`api.services.sets`, :mod:`api.services.reach`). The workspace itself edits the stored proposal
through the JSON API (``/api/v1/proposals/<id>/edits`` and ``/locks``) from ``formation.js``; forming
and re-running sets, which can take a while on a large pool, run as background jobs (:mod:`api.jobs`)
whose progress the page follows, so the page never times out and can be left and re-opened.

Form input is checked by WTForms and then by the domain (:class:`network.domain.Programme` raises
:class:`InvalidValue` naming the field); bad input re-renders the form with field messages (422) and
writes nothing. CSRF is checked once, by ``authorize``, for every post made with the session cookie.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, FloatField, IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from api import jobs
from api.access import Principal, current_principal
from api.extensions import get_store
from api.services import enrolment
from api.services import reach as reach_service
from api.services import sets as service
from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_jobs import JobRecord
from graph.port_sets import SetRecord
from network import availability, limits, words
from network.domain import (
    CADENCES,
    JOIN_POLICIES,
    MAX_NAME,
    MEETINGS_MAX,
    MEETINGS_MIN,
    PROGRAMME_STATUSES,
    REGIONS,
    SET_SIZE_MAX,
    SET_SIZE_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    InvalidValue,
    Programme,
)
from network.formation import GOALS, FormationError, FormationProgress, Weights
from web import edits
from web.guard import may, page_authorize

bp = Blueprint("coordinator_pages", __name__)

#: Plain words for the soft goals of set formation (the engine's ``GOALS``), shown beside their weights.
GOAL_LABELS: dict[str, str] = {
    "themes": "Shared practice themes",
    "experience": "A mix of experienced and newer assessors",
    "kinds": "A mix of kinds of organisation",
    "ties": "New connections between people",
    "isolated": "Connecting isolated assessors",
    "region": "Region (mixed or close, as chosen below)",
    "size": "Sets close to the target size",
}
STATUS_LABELS: dict[str, str] = {
    "draft": "Draft (not yet open)",
    "open": "Open for enrolment",
    "forming": "Forming sets",
    "running": "Running",
    "closed": "Closed",
}
CADENCE_LABELS: dict[str, str] = {"weekly": "Weekly", "fortnightly": "Fortnightly", "monthly": "Monthly", "six-weekly": "Every six weeks"}
JOIN_POLICY_LABELS: dict[str, str] = {
    "coordinator": "I decide each request to join a set",
    "automatic": "Accept requests automatically when every rule holds",
}
#: Programmes shown per page of the admin's list (coordinators see all of theirs).
PAGE_SIZE = 50
#: People shown per page of a programme's pool.
POOL_PAGE = 250
#: Assessors of one organisation offered for enrolment at once.
ENROL_LIST = 200
#: Prefix of the re-run form's fields (the page also holds the form that starts a new proposal).
RERUN = "rerun"
#: Kinds of background job the workspace starts and follows.
JOB_KINDS: tuple[str, ...] = ("form-sets", "rerun-sets")
#: How many replacement candidates the vacancy page ranks.
VACANCY_CANDIDATES = 10


def _tidy(weight: float) -> float | int:
    """A weight as people write it: 4, not 4.0."""
    return int(weight) if float(weight).is_integer() else weight


_DEFAULT_WEIGHTS = {goal: _tidy(w) for goal, w in Weights().as_dict().items()}


def _choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Options of a select or radio field (value, words)."""
    return [SelectChoice(value, label) for value, label in pairs]


# -- forms ---------------------------------------------------------------------------------------


def in_date_window(form: FlaskForm, field: Any) -> None:
    """A date inside the one window of dates people may enter (:mod:`network.limits`)."""
    if field.data is not None and limits.date_problem(field.data) is not None:
        raise ValidationError(f"Choose a date {limits.window_words()}.")


#: What a programme's numbers may be (the limits are network.domain's, as in the API and the domain).
_SET_SIZE = NumberRange(SET_SIZE_MIN, SET_SIZE_MAX, f"Between {SET_SIZE_MIN} and {SET_SIZE_MAX}.")
_MEETINGS = NumberRange(MEETINGS_MIN, MEETINGS_MAX, f"Between {MEETINGS_MIN} and {MEETINGS_MAX}.")
_WEIGHT = NumberRange(WEIGHT_MIN, WEIGHT_MAX, f"Between {WEIGHT_MIN} and {WEIGHT_MAX}.")

class ProgrammeForm(FlaskForm):
    """Every setting of a programme. CSRF is checked by ``authorize`` (one place), so the form does not check it again."""

    class Meta:
        csrf = False

    name = StringField("Name", validators=[InputRequired("Give the programme a name."), Length(max=MAX_NAME)])
    region = SelectField("Region", choices=_choices([("", "Not tied to a region"), *REGIONS.items()]), default="")
    status = SelectField("Status", choices=_choices((s, STATUS_LABELS[s]) for s in PROGRAMME_STATUSES), default="draft")
    set_size_min = IntegerField(
        "Smallest set", default=4, validators=[InputRequired("Give a number."), _SET_SIZE]
    )
    set_size_max = IntegerField(
        "Largest set", default=7, validators=[InputRequired("Give a number."), _SET_SIZE]
    )
    set_size_target = IntegerField(
        "Aim for sets of", default=6, validators=[InputRequired("Give a number."), _SET_SIZE]
    )
    cadence = SelectField("Sets meet", choices=_choices((c, CADENCE_LABELS[c]) for c in CADENCES), default="monthly")
    meetings = IntegerField(
        "Number of meetings", default=6, validators=[InputRequired("Give a number."), _MEETINGS]
    )
    max_per_organisation = RadioField(
        "People from one organisation in a set",
        choices=_choices([("1", "At most one"), ("2", "At most two")]),
        default="1",
    )
    require_common_slot = BooleanField("Every set must share a weekly time slot", default=True)
    starts_on = DateField(
        "No meetings before", validators=[Optional(), in_date_window], description="Leave empty to start as soon as sets are formed."
    )
    region_mode = RadioField(
        "Regions in a set", choices=_choices([("mix", "Mix regions"), ("close", "Keep each set within a region")]), default="mix"
    )
    join_policy = SelectField(
        "Requests to join a set", choices=_choices((p, JOIN_POLICY_LABELS[p]) for p in JOIN_POLICIES), default="coordinator"
    )


for _goal in GOALS:
    setattr(
        ProgrammeForm,
        f"weight_{_goal}",
        FloatField(
            GOAL_LABELS[_goal],
            default=_DEFAULT_WEIGHTS[_goal],
            validators=[InputRequired("Give a number (0 switches this goal off)."), _WEIGHT],
        ),
    )


def weight_fields(form: ProgrammeForm) -> list[Any]:
    """The form's weight fields in goal order."""
    return [form[f"weight_{g}"] for g in GOALS]


def programme_settings(form: ProgrammeForm) -> dict[str, Any]:
    """The programme fields a validated form gives."""
    return {
        "name": (form.name.data or "").strip(),
        "region": form.region.data or None,
        "status": form.status.data,
        "set_size_min": form.set_size_min.data,
        "set_size_max": form.set_size_max.data,
        "set_size_target": form.set_size_target.data,
        "cadence": form.cadence.data,
        "meetings": form.meetings.data,
        "max_per_organisation": int(form.max_per_organisation.data or 1),
        "require_common_slot": bool(form.require_common_slot.data),
        "starts_on": form.starts_on.data,
        "region_mode": form.region_mode.data,
        "join_policy": form.join_policy.data,
        "weights": tuple(sorted((g, float(form[f"weight_{g}"].data)) for g in GOALS)),
    }


def fill_form(form: ProgrammeForm, programme: Programme) -> None:
    """Put a stored programme's settings into the form (for editing)."""
    for name in ("name", "status", "set_size_min", "set_size_max", "set_size_target", "cadence", "meetings", "starts_on"):
        form[name].data = getattr(programme, name)
    form.region.data = programme.region or ""
    form.max_per_organisation.data = str(programme.max_per_organisation)
    form.require_common_slot.data = programme.require_common_slot
    form.region_mode.data = programme.region_mode
    form.join_policy.data = programme.join_policy
    for goal, weight in service.programme_weights(programme).items():
        form[f"weight_{goal}"].data = _tidy(weight)


#: The domain names fields the way code does; the page names them the way the form does.
_FIELD_WORDS: tuple[tuple[str, str], ...] = (
    ("set_size_min and set_size_max", "the smallest and largest set sizes"),
    ("set_size_min", "the smallest set size"),
    ("set_size_max", "the largest set size"),
    ("set_size_target", "the size to aim for"),
)


def plain(message: str) -> str:
    """A domain message in the form's words, as a sentence."""
    for code, words in _FIELD_WORDS:
        message = message.replace(code, words)
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def domain_error(form: ProgrammeForm, exc: InvalidValue | FormationError) -> None:
    """Attach a domain error to the field it names (weights to their goal), or to the form as a whole."""
    name = exc.field.replace("weights.", "weight_")
    if name in form:
        form[name].errors = [*form[name].errors, plain(exc.message)]
    else:
        form.form_errors.append(plain(str(exc)))


class RunForm(FlaskForm):
    """How to form sets: the seed (same seed, same sets) and the search time."""

    class Meta:
        csrf = False

    seed = IntegerField(
        "Seed",
        default=0,
        validators=[InputRequired("Give a whole number."), NumberRange(0, service.MAX_SEED, "A whole number from 0.")],
    )
    time_limit = FloatField(
        "Search time (seconds)",
        default=service.DEFAULT_TIME_LIMIT,
        validators=[
            InputRequired("Give a number of seconds."),
            NumberRange(0, service.MAX_TIME_LIMIT, f"Between 0 and {service.MAX_TIME_LIMIT:g} seconds."),
        ],
        description="Longer searches can find better sets; the first proposal is ready much sooner.",
    )


# -- helpers ---------------------------------------------------------------------------------------


def organisation_names(store: GraphStore) -> dict[str, str]:
    """Every organisation's name by id (a few hundred at most)."""
    names: dict[str, str] = {}
    after: str | None = None
    while True:
        page = store.list_organisations(limit=500, after=after)
        names.update((o.id, o.name) for o in page.items)
        if page.next_after is None:
            return names
        after = page.next_after


def slot_summary(slots: Iterable[str], shown: int = 3) -> str:
    """A short reading of someone's weekly availability, e.g. ``'Tuesday afternoons, Friday mornings and 2 more'``."""
    ordered = availability.normalise(slots)
    if not ordered:
        return "No times given"
    words = [availability.describe_slot(s) for s in ordered[:shown]]
    extra = len(ordered) - shown
    return ", ".join(words) + (f" and {extra} more" if extra > 0 else "")


def _programme_page(
    programme_id: str,
    *,
    settings_form: ProgrammeForm | None = None,
    enrol_errors: list[str] | None = None,
    status: int = 200,
    shown: str | None = None,
) -> tuple[str, int]:
    """Render the programme page (settings, status, pool, enrolment, sets, links)."""
    store = get_store()
    ctx = service.pool_context(store, programme_id)
    programme = ctx.programme
    orgs = organisation_names(store)
    isolated = {m.id for m in ctx.members if m.isolated}
    principal = current_principal()

    def sees_hidden(assessor_id: str, organisation_id: str | None) -> bool:  # themself, their organisation's admin, an admin
        return principal is not None and (principal.can_see_people_of(organisation_id) or assessor_id == principal.assessor_id)

    # Coordinators see only people who can be found or asked to join (api.services.enrolment.visible_to_coordinators).
    everyone = list(ctx.people.values())
    people = enrolment.shown_to_coordinators(store, programme_id, everyone, lambda p: sees_hidden(p.assessor.id, p.organisation_id))
    pool = sorted(people, key=lambda p: (p.assessor.name.casefold(), p.assessor.id))
    pages = max(1, -(-len(pool) // POOL_PAGE))
    page = min(max(_int(request.args.get("pool_page")) or 1, 1), pages)
    if settings_form is None:
        settings_form = ProgrammeForm(formdata=None)
        fill_form(settings_form, programme)
        shown = edits.shown(programme_settings(settings_form))  # what the form shows, so a save writes only what changed
    sets = store.sets_of_programme(programme_id)
    chosen_org = request.args.get("organisation") or ""
    offered: list[Any] = []
    if chosen_org in orgs:
        asked = enrolment.asked_to_join(store, programme_id)
        offered = [
            a
            for a in store.list_assessors(limit=ENROL_LIST, organisation_id=chosen_org).items
            if sees_hidden(a.id, chosen_org) or enrolment.visible_to_coordinators(a, asked)
        ]
    proposals = store.list_proposals(programme_id)
    html = render_template(
        "coordinator/programme.html",
        programme=programme,
        form=settings_form,
        shown=shown,
        weights=weight_fields(settings_form),
        pool=pool[(page - 1) * POOL_PAGE : page * POOL_PAGE],
        pool_size=len(pool),
        pool_page=page,
        pool_pages=pages,
        pool_first=(page - 1) * POOL_PAGE + 1,
        isolated=isolated,
        orgs=orgs,
        sets=[_set_row(r, programme) for r in sorted(sets, key=_in_order)],
        chosen_org=chosen_org,
        offered=offered,
        enrolled={p.assessor.id for p in pool},
        enrol_errors=enrol_errors or [],
        open_proposal=next((p for p in proposals if p.status == "open"), None),
        slot_summary=slot_summary,
        region_name=REGIONS.get(programme.region or "", "Not tied to a region"),
        status_label=STATUS_LABELS.get(programme.status, programme.status),
        cadence_label=CADENCE_LABELS.get(programme.cadence, programme.cadence),
        join_label=JOIN_POLICY_LABELS.get(programme.join_policy, programme.join_policy),
        may_edit=may("programmes:write", programme_id=programme_id),
    )
    return html, status


def _in_order(record: SetRecord) -> tuple[Any, ...]:
    """Sets as people count them (issue 17): by name with its numbers read as numbers ("set 2" before "set 10"), not by id."""
    parts = re.split(r"(\d+)", record.set.name.casefold())
    return (tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p), record.id)


def _set_row(record: SetRecord, programme: Programme) -> dict[str, Any]:
    current = len(record.current_member_ids)
    return {
        "id": record.id,
        "name": record.set.name,
        "status": record.set.status,
        "meets": availability.describe_slot(record.set.meeting_slot) if record.set.meeting_slot else "No common time",
        "members": current,
        "vacancies": max(0, programme.set_size_max - current) if record.set.status != "closed" else 0,
    }


# -- programmes --------------------------------------------------------------------------------------


def _programmes_page(form: ProgrammeForm, status: int = 200) -> tuple[str, int]:
    principal = page_authorize("programmes:create")
    store = get_store()
    after = request.args.get("after") or None
    next_after: str | None = None
    if principal.is_admin:
        page = store.list_programmes(limit=PAGE_SIZE, after=after)
        programmes, next_after = list(page.items), page.next_after
    else:
        programmes = []
        for pid in sorted(principal.programme_ids):
            try:
                programmes.append(store.get_programme(pid))
            except NotFound:
                continue
    rows = [
        {
            "programme": p,
            "region": REGIONS.get(p.region or "", "Any region"),
            "status": STATUS_LABELS.get(p.status, p.status),
            "pool": len(store.enrolments(p.id)),
            "sets": len(store.sets_of_programme(p.id)),
        }
        for p in programmes
    ]
    html = render_template(
        "coordinator/programmes.html", rows=rows, form=form, weights=weight_fields(form), next_after=next_after, is_admin=principal.is_admin
    )
    return html, status


@bp.get("/programmes")
def programmes() -> tuple[str, int]:
    """The coordinator's programmes (an admin sees every programme), and a form to open a new one."""
    return _programmes_page(ProgrammeForm(formdata=None))


@bp.post("/programmes")
def create_programme() -> Response | tuple[str, int]:
    """Open a programme with the settings given; the coordinator who opens it coordinates it."""
    principal = page_authorize("programmes:create")
    form = ProgrammeForm()
    if form.validate():
        try:
            programme = Programme(id=f"prog-{secrets.token_hex(6)}", **programme_settings(form))
        except InvalidValue as exc:
            domain_error(form, exc)
        else:
            created = service.create_programme(get_store(), programme, actor_id=principal.user_id)
            flash(f"Programme “{created.name}” is created. Enrol people, then form sets.")
            return redirect(url_for("coordinator_pages.programme", programme_id=created.id))
    return _programmes_page(form, 422)


@bp.get("/programmes/<programme_id>")
def programme(programme_id: str) -> tuple[str, int]:
    """One programme: its settings, status, enrolment pool, sets and the pages that follow them."""
    page_authorize("enrolments:read", programme_id=programme_id)
    return _programme_page(programme_id)


@bp.post("/programmes/<programme_id>/settings")
def update_programme(programme_id: str) -> Response | tuple[str, int]:
    """Change the settings the coordinator changed on the form (all or nothing); the others stay as they are now."""
    principal = page_authorize("programmes:write", programme_id=programme_id)
    form = ProgrammeForm()
    if form.validate():
        changes = edits.edited(programme_settings(form), request.form.get(edits.FIELD))
        try:
            service.update_programme(get_store(), programme_id, changes, actor_id=principal.user_id)
        except InvalidValue as exc:
            domain_error(form, exc)
        else:
            flash("The programme's settings are saved.")
            return redirect(url_for("coordinator_pages.programme", programme_id=programme_id))
    return _programme_page(programme_id, settings_form=form, status=422, shown=request.form.get(edits.FIELD))


@bp.post("/programmes/<programme_id>/enrolments")
def enrol(programme_id: str) -> Response | tuple[str, int]:
    """Enrol the chosen people (ticked from an organisation's list, or given by id); all are checked before anyone is enrolled."""
    principal = page_authorize("enrolments:read", programme_id=programme_id)
    wanted = [i.strip() for i in request.form.getlist("assessor_id") if i.strip()]
    typed = (request.form.get("assessor_ref") or "").strip()
    if typed:
        wanted.append(typed)
    wanted = list(dict.fromkeys(wanted))
    for assessor_id in wanted:
        page_authorize("enrolments:write", programme_id=programme_id, assessor_id=assessor_id)
    if not wanted:
        return _programme_page(programme_id, enrol_errors=["Tick at least one person, or give an assessor id."], status=422)
    hidden = [i for i in wanted if not may("assessors:read", assessor_id=i)]  # may enrol them only if coordinators may see them
    try:
        enrolment.enrol(get_store(), programme_id, wanted, actor_id=principal.user_id, visible_only=hidden)
    except enrolment.EnrolmentProblems as exc:
        return _programme_page(programme_id, enrol_errors=exc.problems(), status=422)
    except Conflict:  # someone enrolled one of them meanwhile: nobody of this batch was enrolled
        problems = ["Someone else enrolled some of these people meanwhile, so nobody was enrolled; look at the pool and try again."]
        return _programme_page(programme_id, enrol_errors=problems, status=409)
    flash(f"Enrolled {len(wanted)} {'person' if len(wanted) == 1 else 'people'}.")
    return redirect(url_for("coordinator_pages.programme", programme_id=programme_id) + "#pool")


@bp.post("/programmes/<programme_id>/enrolments/<assessor_id>/remove")
def unenrol(programme_id: str, assessor_id: str) -> Response:
    """Take someone out of the pool (their sets, if any, are not changed)."""
    principal = page_authorize("enrolments:write", programme_id=programme_id, assessor_id=assessor_id)
    store = get_store()
    name = _name_of(store, assessor_id)
    enrolment.unenrol(store, programme_id, [assessor_id], actor_id=principal.user_id)
    flash(f"{name} is no longer in the pool.")
    return redirect(url_for("coordinator_pages.programme", programme_id=programme_id) + "#pool")


def _name_of(store: GraphStore, assessor_id: str) -> str:
    try:
        return store.get_assessor(assessor_id).name
    except NotFound:
        return "That person"


# -- the "Form sets" workspace -------------------------------------------------------------------------


def _open_proposal(proposals: list[Any], wanted: str | None) -> Any:
    """The proposal the workspace shows of the programme's ``proposals``: the one asked for, else the newest open one."""
    if wanted:
        for p in proposals:
            if p.id == wanted:
                return p
        abort(404)
    return next((p for p in proposals if p.status == "open"), None)


def _followed_job(store: GraphStore, principal: Principal, programme_id: str, job_id: str | None) -> JobRecord | None:
    """The formation job named in the URL, if it is this programme's and the caller's (or the caller is an admin)."""
    if not job_id:
        return None
    try:
        job = jobs.job_state(store, job_id)
    except NotFound:
        return None
    mine = job.owner_user_id == principal.user_id or principal.is_admin
    if not mine or job.scope.get("programme_id") != programme_id or job.kind not in JOB_KINDS:
        return None
    return job


def _workspace(
    programme_id: str, run_form: RunForm | None = None, rerun_form: RunForm | None = None, status: int = 200
) -> Response | tuple[str, int]:
    """Render the workspace (``run_form`` / ``rerun_form`` carry bad input back with its messages)."""
    principal = page_authorize("proposals:read", programme_id=programme_id)
    store = get_store()
    job = _followed_job(store, principal, programme_id, request.args.get("job"))
    if job is not None and job.status == "done" and job.result and job.result.get("proposal_id"):
        # Finished while the page was away (or the page reloaded when it finished): show its proposal.
        return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id, proposal=job.result["proposal_id"]))
    running = job is not None and not job.finished
    ctx = service.pool_context(store, programme_id)
    proposals = store.list_proposals(programme_id)
    proposal = _open_proposal(proposals, request.args.get("proposal"))
    older = sum(1 for p in proposals if p.status == "open" and p is not proposal)
    orgs = organisation_names(store)
    people = {
        p.assessor.id: {
            "organisation": orgs.get(p.organisation_id or "", "No organisation"),
            "organisation_id": p.organisation_id,
            "isolated": False,
            # issue 17: cards show availability and experience, and a chosen person's possible sets are marked
            "experience": p.assessor.experience_years,
            "available": slot_summary(p.assessor.availability),
            "slots": list(availability.normalise(p.assessor.availability)),
        }
        for p in ctx.people.values()
    }
    for m in ctx.members:
        people[m.id]["isolated"] = m.isolated
    if rerun_form is None:
        rerun_form = RunForm(formdata=None, prefix=RERUN)
        if proposal is not None:
            settings = service.get_proposal(store, proposal.id).settings
            rerun_form.seed.data = settings.seed
            rerun_form.time_limit.data = settings.time_limit
    data = {
        "programme_id": programme_id,
        "proposal_id": proposal.id if proposal is not None and proposal.status == "open" and not running else None,
        "people": people,
        "goals": GOAL_LABELS,
        "rules": {
            "size_max": ctx.programme.set_size_max,
            "max_per_organisation": ctx.programme.max_per_organisation,
            "require_common_slot": ctx.programme.require_common_slot,
        },
    }
    html = render_template(
        "coordinator/form.html",
        programme=ctx.programme,
        pool_size=len(ctx.people),
        proposal=proposal,
        run_form=run_form or RunForm(formdata=None),
        rerun_form=rerun_form,
        job=job,
        running=running,
        data=data,
        older_proposals=older,
    )
    return html, status


@bp.get("/programmes/<programme_id>/form")
def form_sets(programme_id: str) -> Response | tuple[str, int]:
    """The "Form sets" workspace: the current proposal as cards to edit, or a form to start one (and a running job's progress)."""
    return _workspace(programme_id)


def _search_progress(ctx: Any) -> Callable[[FormationProgress], None]:
    """Show a running search in the job's figures: steps of the step budget (or seconds of the time budget) and the best so far."""
    started = time.monotonic()
    last = [0.0]

    def report(p: FormationProgress) -> None:
        if time.monotonic() - last[0] < 1.0:  # a figure a second is plenty for a page that polls
            return
        last[0] = time.monotonic()
        if p.max_steps:
            done, total = min(p.steps, p.max_steps), p.max_steps
        else:
            done, total = int(time.monotonic() - started), max(1, int(p.time_limit or 0))
        isolated = f", {p.connected} isolated {'person' if p.connected == 1 else 'people'} connected" if p.connected else ""
        ctx.progress(done, total, f"Searching ({p.steps:,} steps so far): best so far {p.placed} people placed in sets{isolated}")

    return report


def _start_job(kind: str, user_id: str, programme_id: str, work: Callable[[Any], dict[str, Any]]) -> str:
    def guarded(ctx: Any) -> dict[str, Any]:
        try:
            return work(ctx)
        except FormationError as exc:  # input the engine cannot work with: say so in plain words
            raise jobs.JobFailed(f"{exc.message} ({exc.field}). Nothing was changed.") from None

    return jobs.start_job(kind, user_id, guarded, scope={"programme_id": programme_id}, message="Waiting to start")


@bp.post("/programmes/<programme_id>/form")
def start_forming(programme_id: str) -> Response | tuple[str, int]:
    """Form sets from the pool as a background job and follow its progress on the workspace (which may be left and re-opened)."""
    principal = page_authorize("proposals:create", programme_id=programme_id)
    form = RunForm()
    if not form.validate():
        return _workspace(programme_id, run_form=form, status=422)
    store = get_store()
    pool_size = len(store.enrolments(programme_id))
    try:
        settings = service.RunSettings(seed=int(form.seed.data), time_limit=float(form.time_limit.data))
    except FormationError as exc:
        form.form_errors.append(exc.message)
        return _workspace(programme_id, run_form=form, status=422)

    def work(ctx: Any) -> dict[str, Any]:
        ctx.progress(0, 0, f"Forming sets from {pool_size} people (searching for up to {_seconds(settings.time_limit)})")
        view = service.propose(store, programme_id, settings, created_by=principal.user_id, progress=_search_progress(ctx))
        summary = service.pool_summary(view)
        ctx.progress(2, 2, f"{summary['sets']} sets proposed; {summary['placed']} placed, {summary['unplaced']} not placed")
        return {"proposal_id": view.record.id, "programme_id": programme_id, **summary}

    job_id = _start_job("form-sets", principal.user_id, programme_id, work)
    return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id, job=job_id))


@bp.post("/programmes/<programme_id>/form/discard")
def discard(programme_id: str) -> Response:
    """Throw an open proposal away (after a ticked confirmation); no set changes and nobody is told."""
    principal = page_authorize("proposals:write", programme_id=programme_id)
    record = _proposal_of(get_store(), programme_id, request.form.get("proposal_id") or "")
    if record.status == "open" and request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that the proposal should be discarded; nothing was changed.", "error")
        return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id, proposal=record.id))
    try:
        service.discard_proposal(get_store(), record.id, actor_id=principal.user_id)
    except Conflict:
        flash("That proposal was committed, so it stays as the record of the sets it made.", "error")
    else:
        flash("The proposal was discarded.")
    return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id))


@bp.post("/programmes/<programme_id>/form/rerun")
def rerun(programme_id: str) -> Response | tuple[str, int]:
    """Form everything that is not locked again, as a background job (locked sets are kept exactly)."""
    principal = page_authorize("proposals:write", programme_id=programme_id)
    store = get_store()
    proposal_id = request.form.get("proposal_id") or ""
    record = _proposal_of(store, programme_id, proposal_id)
    version = _int(request.form.get("version"))
    form = RunForm(prefix=RERUN)
    if version is None or not form.validate():
        if version is None:
            form.form_errors.append("The proposal version is missing; reload the page.")
        return _workspace(programme_id, rerun_form=form, status=422)
    seed, limit = int(form.seed.data), float(form.time_limit.data)

    def work(ctx: Any) -> dict[str, Any]:
        ctx.progress(0, 0, f"Re-forming the unlocked sets (searching for up to {_seconds(limit)})")
        view = service.rerun(store, record.id, version, seed=seed, time_limit=limit, actor_id=principal.user_id, progress=_search_progress(ctx))
        summary = service.pool_summary(view)
        ctx.progress(2, 2, f"{summary['sets']} sets proposed; {summary['placed']} placed, {summary['unplaced']} not placed")
        return {"proposal_id": view.record.id, "programme_id": programme_id, **summary}

    job_id = _start_job("rerun-sets", principal.user_id, programme_id, work)
    return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id, job=job_id, proposal=record.id))


def _seconds(value: float) -> str:
    return f"{value:g} second" + ("" if value == 1 else "s")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _proposal_of(store: GraphStore, programme_id: str, proposal_id: str) -> Any:
    """The programme's proposal with this id, else 404 (a proposal of another programme is not found here)."""
    try:
        record = store.get_proposal(proposal_id) if proposal_id else None
    except NotFound:
        record = None
    if record is None or record.programme_id != programme_id:
        abort(404)
    return record


def _what_if(store: GraphStore, view: service.ProposalView) -> Any:
    """What committing the proposal would change for reach (coordinators see everyone, as the API gives them)."""
    groups = [list(s.members) for s in view.sets if len(set(s.members)) >= 2]
    if not groups:
        return None
    return reach_service.what_if(store, sets=groups, sees_everyone=True)


@bp.get("/programmes/<programme_id>/form/commit")
def confirm_commit(programme_id: str) -> tuple[str, int]:
    """Before committing: what the sets are, any rule they break, and what they would change for the network's reach."""
    page_authorize("proposals:commit", programme_id=programme_id)
    store = get_store()
    record = _proposal_of(store, programme_id, request.args.get("proposal") or "")
    view = service.get_proposal(store, record.id)
    whatif = _what_if(store, view)
    orgs = organisation_names(store)
    problems = list(view.result.violations) + [f"Set {n}: {v}" for n, s, _locked in view.numbered() for v in s.violations]
    html = render_template(
        "coordinator/commit.html",
        programme=store.get_programme(programme_id),
        view=view,
        whatif=whatif,
        orgs=orgs,
        problems=problems,
        summary=service.pool_summary(view),
        describe_slot=lambda s: availability.describe_slot(s) if s else "No common time",
        today=date.today(),
    )
    return html, 200


@bp.post("/programmes/<programme_id>/form/commit")
def commit(programme_id: str) -> Response:
    """Create the proposed sets, memberships and focus themes in one transaction (refused, with why, if anything changed)."""
    principal = page_authorize("proposals:commit", programme_id=programme_id)
    store = get_store()
    record = _proposal_of(store, programme_id, request.form.get("proposal_id") or "")
    version = _int(request.form.get("version"))
    if version is None:
        flash("The proposal version is missing; nothing was committed. Please review the proposal again.", "error")
        return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id))
    try:
        created = service.commit(store, record.id, version, actor_id=principal.user_id)
    except (Conflict, Invalid, FormationError) as exc:
        flash(f"Nothing was committed: {exc}", "error")
        return redirect(url_for("coordinator_pages.form_sets", programme_id=programme_id, proposal=record.id))
    members = sum(len(r.members) for r in created)
    flash(f"{len(created)} sets created with {members} members. Each member can now see their set and its rota.")
    return redirect(url_for("coordinator_pages.programme", programme_id=programme_id) + "#sets")


# -- filling a vacancy ----------------------------------------------------------------------------------


def _set_in_programme(programme_id: str, set_id: str, action: str) -> Any:
    """Authorize ``action`` on the set's own programme, then 404 unless the set belongs to ``programme_id``."""
    store = get_store()
    try:
        record: SetRecord | None = store.get_set(set_id)
    except NotFound:
        record = None
    principal = page_authorize(action, programme_id=record.set.programme_id if record is not None else None)
    if record is None or record.set.programme_id != programme_id:
        abort(404)
    return principal, record


@bp.get("/programmes/<programme_id>/sets/<set_id>/vacancy")
def vacancy(programme_id: str, set_id: str) -> tuple[str, int]:
    """Ranked replacements for a set's free place, with reasons: the programme's pool first, then the wider network."""
    _principal, record = _set_in_programme(programme_id, set_id, "sets:repair")
    store = get_store()
    view = service.repair_suggestions(store, set_id, limit=VACANCY_CANDIDATES)
    orgs = organisation_names(store)
    current = {p.assessor.id: p for p in store.describe_members(list(record.current_member_ids))}
    chosen = request.args.get("candidate")
    choice = next((r for r in view.replacements if r.member_id == chosen), None) if chosen else None
    html = render_template(
        "coordinator/vacancy.html",
        programme=store.get_programme(programme_id),
        record=record,
        view=view,
        members=[current[i] for i in record.current_member_ids if i in current],
        orgs=orgs,
        themes=service.theme_names(store),
        choice=choice,
        chosen_missing=bool(chosen) and choice is None,
        meets=availability.describe_slot(record.set.meeting_slot) if record.set.meeting_slot else "No common time",
    )
    return html, 200


@bp.post("/programmes/<programme_id>/sets/<set_id>/vacancy")
def fill(programme_id: str, set_id: str) -> Response:
    """Fill the free place with the chosen person (one transaction that re-checks the set's slot and rules)."""
    principal, _record = _set_in_programme(programme_id, set_id, "sets:repair")
    store = get_store()
    assessor_id = (request.form.get("assessor_id") or "").strip()
    back = url_for("coordinator_pages.vacancy", programme_id=programme_id, set_id=set_id)
    if not assessor_id:
        flash("Choose someone for the free place.", "error")
        return redirect(back)
    try:
        service.fill_vacancy(store, set_id, assessor_id, actor_id=principal.user_id)
    except (Conflict, Invalid, NotFound) as exc:
        names = {assessor_id: _name_of(store, assessor_id), f"set {set_id}": _record.set.name}
        flash(f"The place was not filled: {words.name_ids(str(exc), names)}.", "error")
        return redirect(back)
    flash(f"{_name_of(store, assessor_id)} has joined {_record.set.name}.")
    return redirect(url_for("coordinator_pages.programme", programme_id=programme_id) + "#sets")

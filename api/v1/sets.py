"""Set formation endpoints (issue 4): programmes, enrolment, proposals (edit, lock, re-run, commit), sets, repair, rota, calendars.

Who may do what (``api.access`` rows in the "programmes and sets" section):

* programmes: coordinators create them (and then coordinate them); anyone signed in may read
  and list them (settings only, no people); their coordinators change them;
* enrolment: an assessor enrols themself; a programme's coordinator, or the admin of the
  organisation an assessor works for, enrols them; the pool with names is for coordinators;
* proposals and commits, repair and set status: the programme's coordinators;
* a set, its rota and its calendar: the programme's coordinators and the set's members
  (current and former); an assessor's own calendar and sets: that assessor.

Every workflow change names the proposal ``version`` it was made on; a stale one is refused with
409 and the current version, so two coordinators never overwrite each other's edits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError, fields, validate, validates_schema

from api.access import allowed, authorize, current_principal, set_scope
from api.extensions import get_store
from api.services import enrolment
from api.services import sets as service
from api.v1.common import PageQuery, StrictSchema, date_field, id_field, page_schema, path_id
from graph.port import NotFound, Page
from graph.port_sets import Membership, SetRecord
from network import availability, calendar
from network.domain import (
    CADENCES,
    FORMATION_PRIORITIES,
    JOIN_POLICIES,
    MAX_NAME,
    MEETINGS_MAX,
    MEETINGS_MIN,
    PROGRAMME_STATUSES,
    REGION_MODES,
    REGIONS,
    SET_SIZE_MAX,
    SET_SIZE_MIN,
    SET_STATUSES,
    STEPS_MAX,
    STEPS_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Programme,
)
from network.formation import GOALS, FormationError
from network.rota import turns

blp = Blueprint("sets", __name__, description="Programmes, enrolment, set formation proposals, sets, repair, rota and calendars.")

#: Most must-link / cannot-link pairs one run may name.
MAX_PAIRS = 5000


@contextmanager
def formation_input() -> Iterator[None]:
    """Turn a :class:`FormationError` (input the engine cannot work with) into a 422 naming the problem and the field."""
    try:
        yield
    except FormationError as exc:
        abort(422, message=str(exc), errors={"json": {exc.field: [exc.message]}})


# -- schemas: programmes and enrolment -------------------------------------------------------

_WEIGHTS = fields.Dict(
    keys=fields.String(validate=validate.OneOf(GOALS)),
    values=fields.Float(validate=validate.Range(min=WEIGHT_MIN, max=WEIGHT_MAX)),
    metadata={"description": f"Soft-goal weights by goal ({', '.join(GOALS)}); goals left out keep their defaults."},
)

_SET_SIZE = validate.Range(min=SET_SIZE_MIN, max=SET_SIZE_MAX)


_STEPS = fields.Integer(
    strict=True,
    allow_none=True,
    validate=validate.Range(min=STEPS_MIN, max=STEPS_MAX),
    metadata={
        "description": "Set formation's step budget for this programme's proposals (null: a time budget). With a step budget the "
        "same seed and pool give the same sets on any machine."
    },
)
_PRIORITY = fields.String(
    validate=validate.OneOf(FORMATION_PRIORITIES),
    metadata={"description": "What set formation maximises first: isolated (default) people connected, or people placed."},
)


class _ProgrammeFields(StrictSchema):
    """The settings of a programme."""

    name = fields.String(validate=validate.Length(min=1, max=MAX_NAME))
    region = fields.String(allow_none=True, validate=validate.OneOf(list(REGIONS)))
    status = fields.String(validate=validate.OneOf(PROGRAMME_STATUSES))
    set_size_min = fields.Integer(strict=True, validate=_SET_SIZE, metadata={"description": "Default 4."})
    set_size_max = fields.Integer(strict=True, validate=_SET_SIZE, metadata={"description": "Default 7."})
    set_size_target = fields.Integer(strict=True, validate=_SET_SIZE, metadata={"description": "Default 6."})
    cadence = fields.String(validate=validate.OneOf(CADENCES))
    meetings = fields.Integer(strict=True, validate=validate.Range(min=MEETINGS_MIN, max=MEETINGS_MAX))
    max_per_organisation = fields.Integer(strict=True, validate=validate.OneOf([1, 2]), metadata={"description": "1 (default) or 2."})
    require_common_slot = fields.Boolean()
    starts_on = date_field(allow_none=True, metadata={"description": "No meeting before this date."})
    weights = _WEIGHTS
    region_mode = fields.String(validate=validate.OneOf(REGION_MODES), metadata={"description": "Mix regions, or keep sets close."})
    # joins (issue 9): who decides requests to join the programme's sets.
    join_policy = fields.String(
        validate=validate.OneOf(JOIN_POLICIES),
        metadata={"description": "coordinator (default) decides requests to join sets; automatic: accepted when every rule holds."},
    )
    # issue 22: set formation's step budget (reproducible proposals) and what it maximises first.
    steps = _STEPS
    priority = _PRIORITY

    @validates_schema
    def _sizes(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("set_size_min"), data.get("set_size_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(f"the minimum set size ({low}) is above the maximum ({high})", "set_size_min")


class ProgrammeCreateSchema(_ProgrammeFields):
    """A new programme; settings left out take their defaults."""

    id = id_field(load_default=None, metadata={"description": "Omit to have one made."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NAME))


class ProgrammeUpdateSchema(_ProgrammeFields):
    """Changes to a programme (omitted fields stay)."""


class ProgrammeSchema(StrictSchema):
    """A programme: one round of set formation and its settings."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(allow_none=True)
    status = fields.String(required=True)
    set_size_min = fields.Integer(required=True)
    set_size_max = fields.Integer(required=True)
    set_size_target = fields.Integer(required=True)
    cadence = fields.String(required=True)
    meetings = fields.Integer(required=True)
    max_per_organisation = fields.Integer(required=True)
    require_common_slot = fields.Boolean(required=True)
    starts_on = fields.Date(allow_none=True)
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), required=True, metadata={"description": "Every goal's weight."})
    region_mode = fields.String(required=True)
    join_policy = fields.String(required=True)  # joins (issue 9)
    steps = fields.Integer(required=True, allow_none=True, metadata={"description": "Set formation's step budget (null: time)."})
    priority = fields.String(required=True, metadata={"description": "isolated (people connected first) or placed."})


class EnrolSchema(StrictSchema):
    """When someone enrolled (default today)."""

    on = date_field(load_default=None, allow_none=True)


class EnrolmentSchema(StrictSchema):
    """Someone in a programme's pool."""

    assessor_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    enrolled_on = fields.Date(allow_none=True)


class PoolEntrySchema(StrictSchema):
    """Someone in the pool, as the coordinator sees them."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    organisation_id = fields.String(allow_none=True)
    organisation_kind = fields.String(allow_none=True)
    experience_years = fields.Integer(required=True)
    availability = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    capacity = fields.Integer(required=True)
    active_sets = fields.Integer(required=True)
    enrolled_on = fields.Date(allow_none=True)


class PoolSchema(StrictSchema):
    """A programme's enrolment pool."""

    programme_id = fields.String(required=True)
    items = fields.List(fields.Nested(PoolEntrySchema), required=True)


# -- schemas: proposals -------------------------------------------------------------------------

_PAIR = fields.List(id_field(), validate=validate.Length(equal=2))


class ProposalRequestSchema(StrictSchema):
    """How to form sets: seed and time budget, pairs to keep together or apart, and (optionally) other weights."""

    seed = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=service.MAX_SEED))
    time_limit = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=service.MAX_TIME_LIMIT),
        metadata={
            "description": f"Seconds of search after the first valid proposal (default {service.DEFAULT_TIME_LIMIT:g}; with a step "
            f"budget it is a safety net, default {service.MAX_TIME_LIMIT:g})."
        },
    )
    steps = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=STEPS_MIN, max=STEPS_MAX),
        metadata={
            "description": "Step budget (default: the programme's). The same seed, steps and pool give the same sets on any machine "
            "(unless the time limit ends the search first; the proposal then says stopped: time)."
        },
    )
    must_link = fields.List(_PAIR, load_default=list, validate=validate.Length(max=MAX_PAIRS))
    cannot_link = fields.List(_PAIR, load_default=list, validate=validate.Length(max=MAX_PAIRS))
    weights = fields.Dict(
        keys=fields.String(validate=validate.OneOf(GOALS)),
        values=fields.Float(validate=validate.Range(min=WEIGHT_MIN, max=WEIGHT_MAX)),
        load_default=None,
        metadata={"description": "Weights for this run (default: the programme's)."},
    )
    region_mode = fields.String(load_default=None, validate=validate.OneOf(REGION_MODES))


class _Versioned(StrictSchema):
    version = fields.Integer(strict=True, required=True, metadata={"description": "The proposal version this change is made on."})


class MoveSchema(StrictSchema):
    """Move someone: to a set number (one past the highest number opens a new set), or null to leave them out."""

    member_id = id_field(required=True)
    to_set = fields.Integer(strict=True, required=True, allow_none=True, validate=validate.Range(min=1))


class SwapSchema(StrictSchema):
    """Swap two people (in different sets, or one set and the people left out)."""

    a = id_field(required=True)
    b = id_field(required=True)


class EditSchema(_Versioned):
    """One edit: ``move`` or ``swap``."""

    move = fields.Nested(MoveSchema, load_default=None)
    swap = fields.Nested(SwapSchema, load_default=None)
    reply = fields.String(
        load_default="proposal",
        validate=validate.OneOf(("proposal", "changes")),
        metadata={
            "description": "proposal (default): the whole proposal; changes: only the sets the edit re-scored (listed in "
            "changed), the numbers of every set, the totals and the people left out (what the workspace needs, at once)."
        },
    )

    @validates_schema
    def _one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("move") is None) == (data.get("swap") is None):
            raise ValidationError("give exactly one of move or swap", "_schema")


class LockSchema(_Versioned):
    """Lock (or unlock) sets by number."""

    sets = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), required=True, validate=validate.Length(min=1, max=999))
    locked = fields.Boolean(load_default=True)


class RerunSchema(_Versioned):
    """Re-run for everything not locked, optionally with a new seed or time budget."""

    seed = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0, max=service.MAX_SEED))
    time_limit = fields.Float(load_default=None, validate=validate.Range(min=0, max=service.MAX_TIME_LIMIT))
    steps = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=STEPS_MIN, max=STEPS_MAX))


class CommitSchema(_Versioned):
    """Commit the proposal: members join on ``joined`` (default today)."""

    joined = date_field(load_default=None, allow_none=True)


class PersonSchema(StrictSchema):
    """Someone named in a proposal or set."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    organisation_id = fields.String(allow_none=True)
    organisation_kind = fields.String(allow_none=True)
    experience_years = fields.Integer(allow_none=True)


class ThemeRefSchema(StrictSchema):
    """A theme and its name."""

    id = fields.String(required=True)
    name = fields.String(required=True)


class ProposedSetSchema(StrictSchema):
    """One proposed set: members, meeting slot, shared themes, score, reasons, locked flag and broken rules."""

    number = fields.Integer(
        required=True,
        metadata={"description": "The set's number, its name in the workspace ('Set 7'); kept through edits, locks and re-runs."},
    )
    name = fields.String(
        required=True, metadata={"description": "The name the coordinator gave the set, else 'Set 7'; kept with its number."}
    )
    members = fields.List(fields.Nested(PersonSchema), required=True)
    meeting_slot = fields.String(allow_none=True)
    meeting_time = fields.String(allow_none=True, metadata={"description": "The slot in words, e.g. 'Tuesday afternoons'."})
    common_slots = fields.List(fields.String(), required=True)
    shared_themes = fields.List(fields.Nested(ThemeRefSchema), required=True)
    score = fields.Float(required=True)
    breakdown = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    reasons = fields.List(fields.String(), required=True)
    locked = fields.Boolean(required=True)
    violations = fields.List(fields.String(), required=True, metadata={"description": "Hard rules this set breaks (after edits)."})


class MoveOfferSchema(StrictSchema):
    """One move of a rearrangement offered to place someone left out (apply them in order with the edits endpoint)."""

    member_id = fields.String(required=True)
    name = fields.String(required=True)
    from_set = fields.Integer(required=True, allow_none=True, metadata={"description": "Set number they leave; null: not placed."})
    to_set = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Set number they join (one past the highest: a new set); null: left out instead."},
    )


class UnplacedSchema(StrictSchema):
    """Someone left out, and exactly why."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    code = fields.String(
        required=True,
        metadata={
            "description": "at_capacity, no_availability, no_common_slot, cannot_link, must_link, no_valid_set: no valid set can "
            "contain them; rearrange: one could, but only by moving others (see moves); left_out: they could be placed as it is."
        },
    )
    reason = fields.String(required=True)
    moves = fields.List(
        fields.Nested(MoveOfferSchema),
        required=True,
        metadata={"description": "For rearrange: the moves of a valid arrangement that places them (empty when none is offered)."},
    )


class RenumberingSchema(StrictSchema):
    """What the last re-run did to the set numbers (a set keeps its number through edits, locks and re-runs)."""

    locked = fields.List(fields.Integer(), required=True, metadata={"description": "Locked sets, kept with their number."})
    kept = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "Unlocked sets formed again with most of their members, keeping their number."},
    )
    new = fields.List(fields.Integer(), required=True, metadata={"description": "Sets formed afresh, on free numbers."})
    gone = fields.List(fields.Integer(), required=True, metadata={"description": "Numbers no set has now."})
    moved = fields.List(
        fields.List(fields.Integer()), required=True, metadata={"description": "[old, new] numbers of any set whose number changed."}
    )
    summary = fields.String(required=True, metadata={"description": "The same in plain words."})


class ProposalSchema(StrictSchema):
    """A proposal: its sets, the people left out, the score and how it was made."""

    id = fields.String(required=True)
    programme_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime(allow_none=True)
    committed_set_ids = fields.List(fields.String(), required=True)
    seed = fields.Integer(required=True)
    time_limit = fields.Float(required=True)
    steps = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The step budget it was made with (null: a time budget only)."}
    )
    engine = fields.String(required=True, metadata={"description": "The set formation version that made it ('' before issue 22)."})
    made = fields.String(required=True, metadata={"description": "What made it and how to make it again, in words."})
    must_link = fields.List(fields.List(fields.String()), required=True)
    cannot_link = fields.List(fields.List(fields.String()), required=True)
    pool = fields.Integer(required=True, metadata={"description": "People in the pool."})
    placed = fields.Integer(required=True)
    score = fields.Float(required=True)
    breakdown = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    valid = fields.Boolean(required=True, metadata={"description": "No hard rule broken."})
    violations = fields.List(fields.String(), required=True)
    stopped = fields.String(required=True, metadata={"description": "iterations, time, converged, or scored (after an edit)."})
    iterations = fields.Integer(required=True)
    connected = fields.Integer(required=True, metadata={"description": "Isolated people in a set with someone of another organisation."})
    placed_bound = fields.Integer(
        allow_none=True, required=True, metadata={"description": "The most people any valid grouping could place."}
    )
    connected_bound = fields.Integer(
        allow_none=True, required=True, metadata={"description": "The most isolated people any valid grouping could connect."}
    )
    bound_exact = fields.Boolean(required=True, metadata={"description": "The bounds are proven maxima, not upper bounds."})
    sets = fields.List(
        fields.Nested(ProposedSetSchema),
        required=True,
        metadata={"description": "In number order; a set keeps its number through edits, locks and re-runs, so numbers may have gaps."},
    )
    unplaced = fields.List(fields.Nested(UnplacedSchema), required=True)
    numbers = fields.List(fields.Integer(), required=True, metadata={"description": "The number of every set, in order."})
    changed = fields.List(
        fields.Integer(),
        allow_none=True,
        required=True,
        metadata={"description": "After an edit asked for reply changes: the numbers of the sets re-scored (sets lists only them); else null."},
    )
    renumbering = fields.Nested(
        RenumberingSchema,
        allow_none=True,
        required=True,
        metadata={"description": "After a re-run: what it did to the set numbers; else null."},
    )


class VersionSchema(StrictSchema):
    """One kept version of a proposal."""

    version = fields.Integer(required=True)
    words = fields.String(required=True, metadata={"description": "What changed, in words: 'Moved Sam Patel to set 4'."})
    made_at = fields.AwareDateTime(allow_none=True)
    current = fields.Boolean(required=True, metadata={"description": "This is the proposal as it is now."})


class VersionListSchema(StrictSchema):
    """A proposal's kept versions, oldest first."""

    items = fields.List(fields.Nested(VersionSchema), required=True)


class RestoreSchema(_Versioned):
    """Go back to a kept version."""

    restore = fields.Integer(strict=True, required=True, validate=validate.Range(min=1), metadata={"description": "The kept version to make current again."})


class NameSchema(_Versioned):
    """Name a set of the proposal."""

    set = fields.Integer(strict=True, required=True, validate=validate.Range(min=1), metadata={"description": "The set's number."})
    name = fields.String(required=True, validate=validate.Length(max=service.MAX_SET_NAME), metadata={"description": "Empty: 'Set 7' again."})


class ProposalSummarySchema(StrictSchema):
    """A proposal in a listing."""

    id = fields.String(required=True)
    programme_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime(allow_none=True)
    committed_set_ids = fields.List(fields.String(), required=True)


class ProposalListSchema(StrictSchema):
    """A programme's proposals, newest first."""

    items = fields.List(fields.Nested(ProposalSummarySchema), required=True)


# -- schemas: sets, repair, rota -------------------------------------------------------------------


class MemberSchema(StrictSchema):
    """A membership of a set."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    joined = fields.Date(required=True)
    left = fields.Date(allow_none=True)
    current = fields.Boolean(required=True)


class SetSchema(StrictSchema):
    """An action learning set with its members (current and former)."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    programme_id = fields.String(allow_none=True)
    status = fields.String(required=True)
    meeting_slot = fields.String(allow_none=True)
    meeting_time = fields.String(allow_none=True)
    cadence = fields.String(required=True)
    starts_on = fields.Date(allow_none=True)
    focus_themes = fields.List(fields.Nested(ThemeRefSchema), required=True)
    members = fields.List(fields.Nested(MemberSchema), required=True)


class SetListSchema(StrictSchema):
    """Sets in id order."""

    items = fields.List(fields.Nested(SetSchema), required=True)


class SetUpdateSchema(StrictSchema):
    """Change a set's status (closing it ends its current memberships on ``on``, default today)."""

    status = fields.String(required=True, validate=validate.OneOf(SET_STATUSES))
    on = date_field(load_default=None, allow_none=True)


class LeaveSchema(StrictSchema):
    """Someone leaves a set (on ``left``, default today)."""

    assessor_id = id_field(required=True)
    left = date_field(load_default=None, allow_none=True)


class JoinSchema(StrictSchema):
    """Someone fills a free place (joining on ``joined``, default today)."""

    assessor_id = id_field(required=True)
    joined = date_field(load_default=None, allow_none=True)


class MembershipSchema(StrictSchema):
    """A membership as changed."""

    set_id = fields.String(required=True)
    assessor_id = fields.String(required=True)
    role = fields.String(required=True)
    joined = fields.Date(required=True)
    left = fields.Date(allow_none=True)


class RepairQuery(StrictSchema):
    """How many suggestions from each source."""

    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class ReplacementSchema(StrictSchema):
    """A ranked candidate for a free place."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    organisation_id = fields.String(allow_none=True)
    organisation_kind = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"description": "pool (enrolled) or network (findable, not enrolled)."})
    score = fields.Float(required=True, metadata={"description": "The set's score with them."})
    gain = fields.Float(required=True, metadata={"description": "How much the set's score changes with them."})
    shared_themes = fields.List(fields.Nested(ThemeRefSchema), required=True)
    reasons = fields.List(fields.String(), required=True)


class RepairSchema(StrictSchema):
    """Replacements for a set's free places: the programme's pool first, then the wider network."""

    set_id = fields.String(required=True)
    vacancies = fields.Integer(required=True)
    note = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ReplacementSchema), required=True)


class RotaMeetingSchema(StrictSchema):
    """One meeting of the rota."""

    number = fields.Integer(required=True)
    date = fields.Date(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    facilitator = fields.Nested(ThemeRefSchema, allow_none=True, metadata={"description": "id and name."})
    presenters = fields.List(fields.Nested(ThemeRefSchema), required=True)


class TurnsSchema(StrictSchema):
    """How often someone facilitates and presents over the rota."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    facilitates = fields.Integer(required=True)
    presents = fields.Integer(required=True)


class RotaSchema(StrictSchema):
    """A set's meetings and who facilitates and presents at each."""

    set_id = fields.String(required=True)
    name = fields.String(required=True)
    meeting_slot = fields.String(required=True)
    meeting_time = fields.String(required=True)
    cadence = fields.String(required=True)
    timezone = fields.String(required=True)
    meetings = fields.List(fields.Nested(RotaMeetingSchema), required=True)
    turns = fields.List(fields.Nested(TurnsSchema), required=True)


# -- presenters (stored values -> output dicts) ------------------------------------------------------


def _programme_body(p: Programme) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "region": p.region,
        "status": p.status,
        "set_size_min": p.set_size_min,
        "set_size_max": p.set_size_max,
        "set_size_target": p.set_size_target,
        "cadence": p.cadence,
        "meetings": p.meetings,
        "max_per_organisation": p.max_per_organisation,
        "require_common_slot": p.require_common_slot,
        "starts_on": p.starts_on,
        "weights": service.programme_weights(p),
        "region_mode": p.region_mode,
        "join_policy": p.join_policy,  # joins (issue 9)
        "steps": p.steps,
        "priority": p.priority,
    }


def _slot_words(slot: str | None) -> str | None:
    return None if slot is None else availability.describe_slot(slot)


def _person(view: service.ProposalView, member_id: str) -> dict[str, Any]:
    p = view.people.get(member_id)
    if p is None:
        return {"id": member_id, "name": "Former member", "organisation_id": None, "organisation_kind": None, "experience_years": None}
    return {
        "id": member_id,
        "name": p.assessor.name,
        "organisation_id": p.organisation_id,
        "organisation_kind": p.organisation_kind,
        "experience_years": p.assessor.experience_years,
    }


def _themes(ids: Any, names: Any) -> list[dict[str, str]]:
    return [{"id": t, "name": names.get(t, t)} for t in ids]


def _proposal_body(view: service.ProposalView) -> dict[str, Any]:
    r, rec, s = view.result, view.record, view.settings
    return {
        "id": rec.id,
        "programme_id": rec.programme_id,
        "version": rec.version,
        "status": rec.status,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "committed_set_ids": list(rec.committed_set_ids),
        "seed": s.seed,
        "time_limit": s.time_limit,
        "steps": r.steps,
        "engine": r.engine,
        "made": service.provenance(view),
        "connected": r.connected,
        "placed_bound": r.placed_bound,
        "connected_bound": r.connected_bound,
        "bound_exact": r.bound_exact,
        "must_link": [list(p) for p in s.must_link],
        "cannot_link": [list(p) for p in s.cannot_link],
        "pool": view.pool_size or len(view.people),
        "numbers": list(view.numbers),
        "changed": list(view.changed) if view.changed is not None else None,
        "placed": r.placed,
        "score": r.score,
        "breakdown": r.breakdown,
        "valid": r.valid,
        "violations": list(r.violations),
        "stopped": r.stopped,
        "iterations": r.iterations,
        "sets": [
            {
                "number": view.numbers[k],
                "name": view.set_name(view.numbers[k]),
                "members": [_person(view, m) for m in ps.members],
                "meeting_slot": ps.meeting_slot,
                "meeting_time": _slot_words(ps.meeting_slot),
                "common_slots": list(ps.common_slots),
                "shared_themes": _themes(ps.shared_themes, view.theme_names),
                "score": ps.score,
                "breakdown": ps.breakdown,
                "reasons": list(ps.reasons),
                "locked": view.locked[k] if k < len(view.locked) else ps.locked,
                "violations": list(ps.violations),
            }
            for k, ps in enumerate(r.sets)
            if view.changed is None or view.numbers[k] in view.changed
        ],
        "unplaced": [
            {
                "id": u.member_id,
                "name": _person(view, u.member_id)["name"],
                "code": u.code,
                "reason": u.reason,
                "moves": [_move_body(view, m) for m in u.moves],
            }
            for u in r.unplaced
        ],
        "renumbering": _renumbering_body(view.renumbering),
    }


def _move_body(view: service.ProposalView, move: Any) -> dict[str, Any]:
    """An offered move with set numbers (positions past the last set are new sets, numbered after the highest)."""

    def number(k: int | None) -> int | None:
        if k is None:
            return None
        if k < len(view.numbers):
            return view.numbers[k]
        return max(view.numbers, default=0) + 1 + k - len(view.numbers)

    return {
        "member_id": move.member_id,
        "name": _person(view, move.member_id)["name"],
        "from_set": number(move.from_set),
        "to_set": number(move.to_set),
    }


def _renumbering_body(change: service.Renumbering | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "locked": list(change.locked),
        "kept": list(change.kept),
        "new": list(change.new),
        "gone": list(change.gone),
        "moved": [list(pair) for pair in change.moved],
        "summary": change.summary,
    }


def _set_body(record: SetRecord, names: dict[str, str], theme_names: dict[str, str]) -> dict[str, Any]:
    s = record.set
    return {
        "id": s.id,
        "name": s.name,
        "programme_id": s.programme_id,
        "status": s.status,
        "meeting_slot": s.meeting_slot,
        "meeting_time": _slot_words(s.meeting_slot),
        "cadence": s.cadence,
        "starts_on": s.starts_on,
        "focus_themes": _themes(s.theme_ids, theme_names),
        "members": [
            {
                "assessor_id": m.assessor_id,
                "name": names.get(m.assessor_id, "Former member"),
                "role": m.role,
                "joined": m.joined,
                "left": m.left,
                "current": m.current,
            }
            for m in record.members
        ],
    }


def _sets_body(records: list[SetRecord]) -> list[dict[str, Any]]:
    store = get_store()
    ids = sorted({m.assessor_id for r in records for m in r.members})
    names = {p.assessor.id: p.assessor.name for p in store.describe_members(ids)} if ids else {}
    theme_names = service.theme_names(store) if any(r.set.theme_ids for r in records) else {}
    return [_set_body(r, names, theme_names) for r in records]


def _membership_body(m: Membership) -> dict[str, Any]:
    return {"set_id": m.set_id, "assessor_id": m.assessor_id, "role": m.role, "joined": m.joined, "left": m.left}


# -- scope look-ups (before authorize: 403 for ids outside the caller's scope, existing or not) -----------


def _proposal_programme(proposal_id: str) -> str | None:
    try:
        return get_store().get_proposal(proposal_id).programme_id
    except NotFound:
        return None


def _require(found: Any, noun: str, ident: str) -> Any:
    if found is None:
        raise NotFound(f"no {noun} with id {ident!r}")
    return found


# -- programmes -------------------------------------------------------------------------------------


@blp.route("/programmes")
class Programmes(MethodView):
    """Programmes: one round of set formation each."""

    @blp.arguments(PageQuery, location="query")
    @blp.response(200, page_schema(ProgrammeSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Programmes in id order (settings only)."""
        authorize("programmes:list")
        page: Page[Programme] = get_store().list_programmes(limit=args["limit"], after=args["after"])
        return {"items": [_programme_body(p) for p in page.items], "next_after": page.next_after}

    @blp.arguments(ProgrammeCreateSchema)
    @blp.response(201, ProgrammeSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open a programme (you coordinate it); size 4-7 aiming for 6, one per organisation and a common slot unless set."""
        principal = authorize("programmes:create")
        fields_ = {k: v for k, v in args.items() if v is not None or k in ("region", "starts_on")}
        fields_["id"] = args.get("id") or f"prog-{secrets.token_hex(6)}"
        programme = Programme(**fields_)
        return _programme_body(service.create_programme(get_store(), programme, actor_id=principal.user_id))


@blp.route("/programmes/<id:programme_id>")
class OneProgramme(MethodView):
    """One programme."""

    @blp.response(200, ProgrammeSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """A programme's settings."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("programmes:read", programme_id=programme_id)
        return _programme_body(get_store().get_programme(programme_id))

    @blp.arguments(ProgrammeUpdateSchema)
    @blp.response(200, ProgrammeSchema)
    def patch(self, args: dict[str, Any], programme_id: str) -> dict[str, Any]:
        """Change a programme's settings."""
        programme_id = path_id(programme_id, "programme_id")
        principal = authorize("programmes:write", programme_id=programme_id)
        return _programme_body(service.update_programme(get_store(), programme_id, args, actor_id=principal.user_id))


def sees_hidden(principal: Any, member: Any) -> bool:
    """Whether the caller sees a pool member who is not findable: themself, their organisation's admin, an admin."""
    return principal.can_see_people_of(member.organisation_id) or member.assessor.id == principal.assessor_id


@blp.route("/programmes/<id:programme_id>/enrolments")
class Pool(MethodView):
    """A programme's enrolment pool."""

    @blp.response(200, PoolSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """Everyone enrolled, with what formation uses (organisation, experience, availability, capacity)."""
        programme_id = path_id(programme_id, "programme_id")
        principal = authorize("enrolments:read", programme_id=programme_id)
        store = get_store()
        pool = store.load_pool(programme_id)
        members = enrolment.shown_to_coordinators(store, programme_id, pool.members, lambda p: sees_hidden(principal, p))
        return {
            "programme_id": programme_id,
            "items": [
                {
                    "assessor_id": p.assessor.id,
                    "name": p.assessor.name,
                    "organisation_id": p.organisation_id,
                    "organisation_kind": p.organisation_kind,
                    "experience_years": p.assessor.experience_years,
                    "availability": list(p.assessor.availability),
                    "active": p.assessor.active,
                    "capacity": p.assessor.capacity,
                    "active_sets": p.active_sets,
                    "enrolled_on": p.enrolled_on,
                }
                for p in members
            ],
        }


@blp.route("/programmes/<id:programme_id>/enrolments/<id:assessor_id>")
class Enrolment(MethodView):
    """One assessor's enrolment in a programme."""

    @blp.arguments(EnrolSchema)
    @blp.response(201, EnrolmentSchema)
    def put(self, args: dict[str, Any], programme_id: str, assessor_id: str) -> Any:
        """Enrol: yourself, or (coordinator / organisation admin) someone else; 409 if already enrolled."""
        programme_id, assessor_id = path_id(programme_id, "programme_id"), path_id(assessor_id, "assessor_id")
        principal = authorize("enrolments:write", programme_id=programme_id, assessor_id=assessor_id)
        hidden_ok = allowed(principal, "assessors:read", assessor_id=assessor_id)  # themself, their organisation's admin, an admin
        [enrolled] = enrolment.enrol(
            get_store(), programme_id, [assessor_id], on=args["on"], actor_id=principal.user_id, visible_only=() if hidden_ok else (assessor_id,)
        )
        return enrolled

    @blp.response(204)
    def delete(self, programme_id: str, assessor_id: str) -> None:
        """Leave the pool (or take someone out of it)."""
        programme_id, assessor_id = path_id(programme_id, "programme_id"), path_id(assessor_id, "assessor_id")
        principal = authorize("enrolments:write", programme_id=programme_id, assessor_id=assessor_id)
        enrolment.unenrol(get_store(), programme_id, [assessor_id], actor_id=principal.user_id)


# -- proposals ---------------------------------------------------------------------------------------


@blp.route("/programmes/<id:programme_id>/proposals")
class Proposals(MethodView):
    """Set formation proposals of a programme."""

    @blp.response(200, ProposalListSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """The programme's proposals, newest first."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("proposals:read", programme_id=programme_id)
        return {"items": get_store().list_proposals(programme_id)}

    @blp.arguments(ProposalRequestSchema)
    @blp.response(201, ProposalSchema)
    def post(self, args: dict[str, Any], programme_id: str) -> dict[str, Any]:
        """Form sets from the pool (deterministic for a seed and an unexhausted search) and keep the proposal.

        422 naming the problem for a pool too small for one set, contradictory must/cannot-link pairs
        or pairs naming someone outside the pool; nothing is written then.
        """
        programme_id = path_id(programme_id, "programme_id")
        principal = authorize("proposals:create", programme_id=programme_id)
        with formation_input():
            settings = service.RunSettings(
                seed=args["seed"],
                time_limit=args["time_limit"],
                max_iterations=args["steps"],
                must_link=tuple(tuple(p) for p in args["must_link"]),  # type: ignore[misc]
                cannot_link=tuple(tuple(p) for p in args["cannot_link"]),  # type: ignore[misc]
                weights=args["weights"],
                region_mode=args["region_mode"],
            )
            view = service.propose(get_store(), programme_id, settings, created_by=principal.user_id)
        return _proposal_body(view)


@blp.route("/proposals/<id:proposal_id>")
class OneProposal(MethodView):
    """One proposal."""

    @blp.response(200, ProposalSchema)
    def get(self, proposal_id: str) -> dict[str, Any]:
        """The proposal: sets with reasons and scores, and everyone left out with why."""
        proposal_id = path_id(proposal_id, "proposal_id")
        authorize("proposals:read", programme_id=_proposal_programme(proposal_id))
        return _proposal_body(service.get_proposal(get_store(), proposal_id))

    @blp.response(204)
    def delete(self, proposal_id: str) -> None:
        """Discard an open proposal (409 for a committed one: it stays as the record of the sets it made)."""
        proposal_id = path_id(proposal_id, "proposal_id")
        principal = authorize("proposals:write", programme_id=_proposal_programme(proposal_id))
        service.discard_proposal(get_store(), proposal_id, actor_id=principal.user_id)


@blp.route("/proposals/<id:proposal_id>/edits")
class ProposalEdits(MethodView):
    """Hand edits of a proposal."""

    @blp.arguments(EditSchema)
    @blp.response(200, ProposalSchema)
    def post(self, args: dict[str, Any], proposal_id: str) -> dict[str, Any]:
        """Move or swap people; the proposal is re-scored and any rule an edit breaks is flagged on its set."""
        proposal_id = path_id(proposal_id, "proposal_id")
        principal = authorize("proposals:write", programme_id=_proposal_programme(proposal_id))
        move = (args["move"]["member_id"], args["move"]["to_set"]) if args["move"] else None
        swap = (args["swap"]["a"], args["swap"]["b"]) if args["swap"] else None
        with formation_input():
            view = service.edit_proposal(
                get_store(),
                proposal_id,
                args["version"],
                move=move,
                swap=swap,
                changes_only=args["reply"] == "changes",
                actor_id=principal.user_id,
            )
        return _proposal_body(view)


@blp.route("/proposals/<id:proposal_id>/versions")
class ProposalVersions(MethodView):
    """Every kept version of a proposal (issue 17)."""

    @blp.response(200, VersionListSchema)
    def get(self, proposal_id: str) -> dict[str, Any]:
        """The proposal's versions, oldest first, each in words ("Moved Sam Patel to set 4"); the current one is marked."""
        proposal_id = path_id(proposal_id, "proposal_id")
        authorize("proposals:read", programme_id=_proposal_programme(proposal_id))
        lines = service.proposal_history(get_store(), proposal_id)
        return {"items": [{"version": v.version, "words": v.words, "made_at": v.made_at, "current": v.current} for v in lines]}


@blp.route("/proposals/<id:proposal_id>/restore")
class ProposalRestore(MethodView):
    """Go back to a kept version."""

    @blp.arguments(RestoreSchema)
    @blp.response(200, ProposalSchema)
    def post(self, args: dict[str, Any], proposal_id: str) -> dict[str, Any]:
        """Make the proposal as it was at version ``restore`` again, as a new version (so it can be undone too)."""
        proposal_id = path_id(proposal_id, "proposal_id")
        principal = authorize("proposals:write", programme_id=_proposal_programme(proposal_id))
        with formation_input():
            view = service.restore_version(get_store(), proposal_id, args["version"], args["restore"], actor_id=principal.user_id)
        return _proposal_body(view)


@blp.route("/proposals/<id:proposal_id>/names")
class ProposalNames(MethodView):
    """Names of a proposal's sets."""

    @blp.arguments(NameSchema)
    @blp.response(200, ProposalSchema)
    def post(self, args: dict[str, Any], proposal_id: str) -> dict[str, Any]:
        """Name a set (an empty name gives it back "Set 7"); the name stays with its number and is the set's name on commit."""
        proposal_id = path_id(proposal_id, "proposal_id")
        principal = authorize("proposals:write", programme_id=_proposal_programme(proposal_id))
        with formation_input():
            view = service.rename_set(get_store(), proposal_id, args["version"], args["set"], args["name"], actor_id=principal.user_id)
        return _proposal_body(view)


@blp.route("/proposals/<id:proposal_id>/locks")
class ProposalLocks(MethodView):
    """Locked sets of a proposal."""

    @blp.arguments(LockSchema)
    @blp.response(200, ProposalSchema)
    def post(self, args: dict[str, Any], proposal_id: str) -> dict[str, Any]:
        """Lock (or unlock) sets: locked sets stay exactly as they are through edits and re-runs."""
        proposal_id = path_id(proposal_id, "proposal_id")
        _principal = authorize("proposals:write", programme_id=_proposal_programme(proposal_id))
        with formation_input():
            view = service.lock_sets(
                get_store(), proposal_id, args["version"], args["sets"], args["locked"], actor_id=_principal.user_id
            )
        return _proposal_body(view)


@blp.route("/proposals/<id:proposal_id>/rerun")
class ProposalRerun(MethodView):
    """Re-run formation around the locked sets."""

    @blp.arguments(RerunSchema)
    @blp.response(200, ProposalSchema)
    def post(self, args: dict[str, Any], proposal_id: str) -> dict[str, Any]:
        """Form everything not locked again (422 if a locked set now breaks a rule)."""
        proposal_id = path_id(proposal_id, "proposal_id")
        _rerun_by = authorize("proposals:write", programme_id=_proposal_programme(proposal_id))
        with formation_input():
            view = service.rerun(
                get_store(),
                proposal_id,
                args["version"],
                seed=args["seed"],
                time_limit=args["time_limit"],
                steps=args["steps"],
                actor_id=_rerun_by.user_id,
            )
        return _proposal_body(view)


@blp.route("/proposals/<id:proposal_id>/commit")
class ProposalCommit(MethodView):
    """Commit a proposal."""

    @blp.arguments(CommitSchema)
    @blp.response(201, SetListSchema)
    def post(self, args: dict[str, Any], proposal_id: str) -> dict[str, Any]:
        """Create the sets, memberships and focus themes in one transaction.

        409 naming who and why, and nothing written, if the proposal breaks a rule or anyone's
        enrolment or capacity changed since it was made (for example another coordinator placed them).
        """
        proposal_id = path_id(proposal_id, "proposal_id")
        principal = authorize("proposals:commit", programme_id=_proposal_programme(proposal_id))
        with formation_input():
            records = service.commit(get_store(), proposal_id, args["version"], joined=args["joined"], actor_id=principal.user_id)
        return {"items": _sets_body(records)}


# -- sets ----------------------------------------------------------------------------------------------


@blp.route("/programmes/<id:programme_id>/sets")
class ProgrammeSets(MethodView):
    """The sets of a programme."""

    @blp.response(200, SetListSchema)
    def get(self, programme_id: str) -> dict[str, Any]:
        """Every set of the programme with its members."""
        programme_id = path_id(programme_id, "programme_id")
        authorize("sets:read", programme_id=programme_id)
        return {"items": _sets_body(get_store().sets_of_programme(programme_id))}


@blp.route("/sets/<id:set_id>")
class OneSet(MethodView):
    """One set."""

    @blp.response(200, SetSchema)
    def get(self, set_id: str) -> dict[str, Any]:
        """A set with its members (current and former)."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        authorize("sets:read", **scope)
        return _sets_body([_require(record, "set", set_id)])[0]

    @blp.arguments(SetUpdateSchema)
    @blp.response(200, SetSchema)
    def patch(self, args: dict[str, Any], set_id: str) -> dict[str, Any]:
        """Change the set's status; closing it ends its current memberships."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        principal = authorize("sets:write", programme_id=scope["programme_id"])
        _require(record, "set", set_id)
        return _sets_body([service.set_status(get_store(), set_id, args["status"], args["on"], actor_id=principal.user_id)])[0]


@blp.route("/sets/<id:set_id>/leave")
class LeaveSet(MethodView):
    """Leaving a set."""

    @blp.arguments(LeaveSchema)
    @blp.response(200, MembershipSchema)
    def post(self, args: dict[str, Any], set_id: str) -> dict[str, Any]:
        """Record that a member left (yourself, or as the programme's coordinator anyone)."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        authorize("sets:leave", programme_id=scope["programme_id"], assessor_id=args["assessor_id"])
        _require(record, "set", set_id)
        me = current_principal()
        return _membership_body(
            service.leave_set(get_store(), set_id, args["assessor_id"], args["left"], actor_id=me.user_id if me else None)
        )


@blp.route("/sets/<id:set_id>/repair")
class Repair(MethodView):
    """Replacements for a set's free places."""

    @blp.arguments(RepairQuery, location="query")
    @blp.response(200, RepairSchema)
    def get(self, args: dict[str, Any], set_id: str) -> dict[str, Any]:
        """Ranked candidates who fit the set's slot and rules, from the pool first, then the wider network; nobody is moved."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        authorize("sets:repair", programme_id=scope["programme_id"])
        _require(record, "set", set_id)
        store = get_store()
        view = service.repair_suggestions(store, set_id, limit=args["limit"])
        names = service.theme_names(store) if view.replacements else {}
        items = []
        for r in view.replacements:
            p = view.people[r.member_id]
            items.append(
                {
                    "assessor_id": r.member_id,
                    "name": p.assessor.name,
                    "organisation_id": p.organisation_id,
                    "organisation_kind": p.organisation_kind,
                    "source": r.source,
                    "score": r.score,
                    "gain": r.gain,
                    "shared_themes": _themes(r.shared_themes, names),
                    "reasons": list(r.reasons),
                }
            )
        return {"set_id": set_id, "vacancies": view.vacancies, "note": view.note, "items": items}


@blp.route("/sets/<id:set_id>/members")
class SetMembers(MethodView):
    """Filling a free place."""

    @blp.arguments(JoinSchema)
    @blp.response(201, MembershipSchema)
    def post(self, args: dict[str, Any], set_id: str) -> dict[str, Any]:
        """Add someone to a free place in one transaction that re-checks slot, capacity and rules (409 naming the rule if not)."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        principal = authorize("sets:repair", programme_id=scope["programme_id"])
        _require(record, "set", set_id)
        added = service.fill_vacancy(get_store(), set_id, args["assessor_id"], args["joined"], actor_id=principal.user_id)
        return _membership_body(added)


def _rota_body(view: service.RotaView) -> dict[str, Any]:
    def ref(i: str) -> dict[str, str]:
        return {"id": i, "name": view.names.get(i, "Former member")}

    slot = view.set.set.meeting_slot or ""
    return {
        "set_id": view.set.id,
        "name": view.set.set.name,
        "meeting_slot": slot,
        "meeting_time": availability.describe_slot(slot),
        "cadence": view.set.set.cadence,
        "timezone": calendar.TIMEZONE,
        "meetings": [
            {
                "number": m.number,
                "date": m.on,
                "starts_at": start,
                "ends_at": end,
                "facilitator": None if m.facilitator is None else ref(m.facilitator),
                "presenters": [ref(p) for p in m.presenters],
            }
            for m, (start, end) in zip(view.meetings, view.windows, strict=True)
        ],
        "turns": [
            {"assessor_id": i, "name": view.names.get(i, "Former member"), "facilitates": f, "presents": p}
            for i, (f, p) in turns(view.meetings).items()
        ],
    }


@blp.route("/sets/<id:set_id>/rota")
class Rota(MethodView):
    """A set's meeting rota."""

    @blp.response(200, RotaSchema)
    def get(self, set_id: str) -> dict[str, Any]:
        """Meeting dates (from the slot and cadence, Europe/London times) and a rotating facilitator and presenter rota."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        authorize("sets:read", **scope)
        _require(record, "set", set_id)
        return _rota_body(service.set_rota(get_store(), set_id))


_ICS_DOC = {"200": {"description": "An iCalendar document.", "content": {"text/calendar": {"schema": {"type": "string"}}}}}


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/sets/<id:set_id>/calendar.ics")
class SetCalendar(MethodView):
    """A set's meetings as a calendar."""

    @blp.doc(responses=_ICS_DOC)
    def get(self, set_id: str) -> Response:
        """The set's meetings (.ics), with facilitator and presenters in each description."""
        set_id = path_id(set_id, "set_id")
        record, scope = set_scope(set_id)
        authorize("sets:read", **scope)
        _require(record, "set", set_id)
        return _ics(service.set_calendar(get_store(), set_id), f"{set_id}.ics")


@blp.route("/assessors/<id:assessor_id>/calendar.ics")
class AssessorCalendar(MethodView):
    """An assessor's set meetings as one calendar."""

    @blp.doc(responses=_ICS_DOC)
    def get(self, assessor_id: str) -> Response:
        """Every meeting of your current sets (.ics), marking the ones you facilitate or present at."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("calendar:read", assessor_id=assessor_id)
        return _ics(service.assessor_calendar(get_store(), assessor_id), f"{assessor_id}-sets.ics")


@blp.route("/assessors/<id:assessor_id>/sets")
class AssessorSets(MethodView):
    """An assessor's sets."""

    @blp.response(200, SetListSchema)
    def get(self, assessor_id: str) -> dict[str, Any]:
        """Your current sets with their members."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("sets:own", assessor_id=assessor_id)
        return {"items": _sets_body(get_store().sets_of_assessor(assessor_id))}

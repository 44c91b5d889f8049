"""Resource endpoints: organisations, practice themes, and assessors (profile, themes with levels, availability,
discoverable, pause, employer), plus each assessor's own data export and erasure.

Who sees what: organisations and themes are network facts every signed-in user may read
(admins change them). An assessor's profile is personal: the assessor, admins of the
organisation they work for, and network admins (``assessors:read``).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, Literal, TypeVar

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates

from api.access import NotAllowed, Principal, allowed, authorize, employment_of
from api.extensions import get_store
from api.services import catalogue, people, privacy, profile
from api.v1.common import PageQuery, StrictSchema, date_field, email_field, id_field, page_schema, path_id
from graph.port import GraphStore, Page
from network import availability
from network.domain import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    EXPERIENCE_MAX,
    EXPERIENCE_MIN,
    LEVELS,
    MAX_BIO,
    MAX_NAME,
    ORGANISATION_KINDS,
    REGIONS,
    THEME_FRAMEWORKS,
    Assessor,
    Employment,
    Organisation,
    Theme,
    today,
)

blp = Blueprint("resources", __name__, description="Organisations, practice themes and assessors.")

T = TypeVar("T")

#: How many stored rows one filtered listing request may examine before it answers (with ``next_after``
#: where it stopped); keeps a filter over a big network bounded.
SCAN_LIMIT = 5000

_NAME_LENGTH = validate.Length(min=1, max=MAX_NAME)
_REGION = fields.String(validate=validate.OneOf(list(REGIONS)))
_SLOT = fields.String(validate=validate.OneOf(availability.SLOTS))


# -- schemas ---------------------------------------------------------------------------


class OrganisationSchema(StrictSchema):
    """An organisation."""

    id = id_field(required=True)
    name = fields.String(required=True, validate=_NAME_LENGTH)
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    region = fields.String(required=True, validate=validate.OneOf(list(REGIONS)))


class OrganisationUpdateSchema(StrictSchema):
    """Changes to an organisation (omitted fields stay)."""

    name = fields.String(validate=_NAME_LENGTH)
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    region = fields.String(validate=validate.OneOf(list(REGIONS)))


class OrganisationQuery(PageQuery):
    """Filters of the organisation listing."""

    region = fields.String(load_default=None, validate=validate.OneOf(list(REGIONS)))
    kind = fields.String(load_default=None, validate=validate.OneOf(ORGANISATION_KINDS))


class ThemeSchema(StrictSchema):
    """A practice theme."""

    id = id_field(required=True)
    name = fields.String(required=True, validate=_NAME_LENGTH)
    framework = fields.String(load_default="practice", validate=validate.OneOf(THEME_FRAMEWORKS))


class ThemeUpdateSchema(StrictSchema):
    """Changes to a theme (omitted fields stay)."""

    name = fields.String(validate=_NAME_LENGTH)
    framework = fields.String(validate=validate.OneOf(THEME_FRAMEWORKS))


class ThemeQuery(PageQuery):
    """Filters of the theme listing."""

    framework = fields.String(load_default=None, validate=validate.OneOf(THEME_FRAMEWORKS))


class ThemeLinkSchema(StrictSchema):
    """A theme an assessor works on, and at what level."""

    theme_id = id_field(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))


class LevelSchema(StrictSchema):
    """The level of an assessor's theme."""

    level = fields.String(load_default="experienced", validate=validate.OneOf(LEVELS))


class _AssessorFields(StrictSchema):
    """The editable fields of an assessor's profile."""

    name = fields.String(validate=_NAME_LENGTH)
    email = email_field(allow_none=True)
    region = fields.String(allow_none=True, validate=validate.OneOf(list(REGIONS)))
    experience_years = fields.Integer(strict=True, validate=validate.Range(min=EXPERIENCE_MIN, max=EXPERIENCE_MAX))
    capacity = fields.Integer(
        strict=True, validate=validate.Range(min=CAPACITY_MIN, max=CAPACITY_MAX), metadata={"description": "How many sets at once."}
    )
    availability = fields.List(_SLOT, validate=validate.Length(max=len(availability.SLOTS)), metadata={"description": "Weekly slots."})
    discoverable = fields.Boolean(metadata={"description": "Whether others may be shown you as a suggestion (your opt-in)."})
    paused = fields.Boolean(metadata={"description": "Hide for a while without losing the opt-in."})
    paused_until = date_field(
        allow_none=True,
        metadata={"description": "The last day of a pause (YYYY-MM-DD, today or later); null: paused until lifted. Needs `paused`."},
    )
    active = fields.Boolean()
    bio = fields.String(validate=validate.Length(max=MAX_BIO))

    @validates("paused_until")
    def _pause_ends_ahead(self, value: date | None, **_: Any) -> None:
        if value is not None and value < today():
            raise ValidationError("A pause must end today or later.")


class AssessorUpdateSchema(_AssessorFields):
    """Changes to a profile (omitted fields stay)."""


class AssessorCreateSchema(_AssessorFields):
    """A new assessor, onboarded into an organisation (org admins: one they administer)."""

    id = id_field(load_default=None, metadata={"description": "Omit to have one made."})
    name = fields.String(required=True, validate=_NAME_LENGTH)
    organisation_id = id_field(load_default=None, allow_none=True, metadata={"description": "Required unless you are an admin."})
    themes = fields.List(fields.Nested(ThemeLinkSchema), load_default=list, validate=validate.Length(max=200))


class AssessorQuery(PageQuery):
    """Filters of the assessor listing; ``organisation_id`` is required unless you are an admin."""

    organisation_id = id_field(load_default=None)
    region = fields.String(load_default=None, validate=validate.OneOf(list(REGIONS)))
    discoverable = fields.Boolean(load_default=None)
    paused = fields.Boolean(load_default=None)
    active = fields.Boolean(load_default=None)


class AssessorSchema(StrictSchema):
    """An assessor's profile."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    experience_years = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    availability = fields.List(fields.String(), required=True)
    discoverable = fields.Boolean(required=True)
    paused = fields.Boolean(required=True)
    paused_until = fields.Date(allow_none=True, metadata={"description": "The last day of the pause; null: until lifted (or not paused)."})
    active = fields.Boolean(required=True)
    findable = fields.Boolean(required=True, metadata={"description": "Discoverable, active and not paused: may be suggested to others."})
    bio = fields.String(required=True)


class ProfileSchema(AssessorSchema):
    """An assessor's profile with employer and themes."""

    organisation_id = fields.String(allow_none=True)
    employed_since = fields.Date(allow_none=True)
    themes = fields.List(fields.Nested(ThemeLinkSchema), required=True)


class EmployerSchema(StrictSchema):
    """Where an assessor works."""

    organisation_id = id_field(required=True)
    since = date_field(load_default=None, allow_none=True)


class ExportSchema(StrictSchema):
    """Everything Bridgework holds about one person, as JSON."""

    exported_at = fields.AwareDateTime(required=True)
    assessor = fields.Dict(required=True)
    employment = fields.Dict(allow_none=True)
    themes = fields.List(fields.Dict(), required=True)
    contacts = fields.List(fields.Dict(), required=True)
    declined = fields.List(fields.Dict(), required=True)
    enrolments = fields.List(fields.Dict(), required=True)
    sets = fields.List(fields.Dict(), required=True)
    meetings = fields.Dict(required=True, metadata={"description": "Your turns, attendance, own actions and the notices sent to you."})
    join_requests = fields.List(fields.Dict(), required=True)
    questionnaire_answers = fields.List(fields.Dict(), required=True)
    account = fields.Dict(allow_none=True)


class ErasureSchema(StrictSchema):
    """What an erasure did."""

    erased = fields.String(required=True, metadata={"description": "The id of the erased assessor."})
    placeholder_id = fields.String(
        allow_none=True, metadata={"description": "The anonymised member now standing in the person's past sets (null: none needed)."}
    )
    memberships_kept = fields.Integer(required=True)
    account_deleted = fields.Boolean(required=True)


# -- organisations ------------------------------------------------------------------------


@blp.route("/organisations")
class Organisations(MethodView):
    """The organisations of the network."""

    @blp.arguments(OrganisationQuery, location="query")
    @blp.response(200, page_schema(OrganisationSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Organisations in id order, optionally of one region or kind."""
        authorize("organisations:list")
        store = get_store()

        def keep(o: Organisation) -> bool:
            return (args["region"] is None or o.region == args["region"]) and (args["kind"] is None or o.kind == args["kind"])

        return _filtered(store.list_organisations, keep, args["limit"], args["after"])

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, args: dict[str, Any]) -> Organisation:
        """Add an organisation (admins)."""
        principal = authorize("organisations:create")
        return catalogue.create_organisation(get_store(), Organisation(**args), actor_id=principal.user_id)


@blp.route("/organisations/<id:organisation_id>")
class OneOrganisation(MethodView):
    """One organisation."""

    @blp.response(200, OrganisationSchema)
    def get(self, organisation_id: str) -> Organisation:
        """An organisation."""
        organisation_id = path_id(organisation_id, "organisation_id")
        authorize("organisations:read", organisation_id=organisation_id)
        return get_store().get_organisation(organisation_id)

    @blp.arguments(OrganisationUpdateSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, args: dict[str, Any], organisation_id: str) -> Organisation:
        """Change an organisation's name, kind or region (admins)."""
        organisation_id = path_id(organisation_id, "organisation_id")
        principal = authorize("organisations:write", organisation_id=organisation_id)
        return catalogue.update_organisation(get_store(), organisation_id, args, actor_id=principal.user_id)

    @blp.response(204)
    def delete(self, organisation_id: str) -> None:
        """Delete an organisation nobody works for any more (admins); 409 while assessors work for it."""
        organisation_id = path_id(organisation_id, "organisation_id")
        principal = authorize("organisations:delete", organisation_id=organisation_id)
        catalogue.delete_organisation(get_store(), organisation_id, actor_id=principal.user_id)


# -- themes -------------------------------------------------------------------------------


@blp.route("/themes")
class Themes(MethodView):
    """The practice themes."""

    @blp.arguments(ThemeQuery, location="query")
    @blp.response(200, page_schema(ThemeSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Themes in id order, optionally of one framework."""
        authorize("themes:list")
        return _filtered(
            get_store().list_themes, lambda t: args["framework"] is None or t.framework == args["framework"], args["limit"], args["after"]
        )

    @blp.arguments(ThemeSchema)
    @blp.response(201, ThemeSchema)
    def post(self, args: dict[str, Any]) -> Theme:
        """Add a theme (admins)."""
        principal = authorize("themes:create")
        return catalogue.create_theme(get_store(), Theme(**args), actor_id=principal.user_id)


@blp.route("/themes/<id:theme_id>")
class OneTheme(MethodView):
    """One theme."""

    @blp.response(200, ThemeSchema)
    def get(self, theme_id: str) -> Theme:
        """A theme."""
        theme_id = path_id(theme_id, "theme_id")
        authorize("themes:read", theme_id=theme_id)
        return get_store().get_theme(theme_id)

    @blp.arguments(ThemeUpdateSchema)
    @blp.response(200, ThemeSchema)
    def patch(self, args: dict[str, Any], theme_id: str) -> Theme:
        """Change a theme's name or framework (admins)."""
        theme_id = path_id(theme_id, "theme_id")
        principal = authorize("themes:write", theme_id=theme_id)
        return catalogue.update_theme(get_store(), theme_id, args, actor_id=principal.user_id)

    @blp.response(204)
    def delete(self, theme_id: str) -> None:
        """Delete a theme and every assessor's link to it (admins)."""
        theme_id = path_id(theme_id, "theme_id")
        principal = authorize("themes:delete", theme_id=theme_id)
        catalogue.delete_theme(get_store(), theme_id, actor_id=principal.user_id)


# -- assessors ------------------------------------------------------------------------------


@blp.route("/assessors")
class Assessors(MethodView):
    """Assessors, one organisation at a time (admins: any)."""

    @blp.arguments(AssessorQuery, location="query")
    @blp.response(200, page_schema(AssessorSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The assessors of an organisation you administer, in id order, with filters."""
        org_id = args["organisation_id"]
        authorize("assessors:list", organisation_id=org_id)
        store = get_store()

        def fetch(limit: int, after: str | None) -> Page[Assessor]:
            return store.list_assessors(limit=limit, after=after, organisation_id=org_id)

        def keep(a: Assessor) -> bool:
            return all(args[k] is None or getattr(a, k) == args[k] for k in ("region", "discoverable", "paused", "active"))

        page = _filtered(fetch, keep, args["limit"], args["after"])
        page["items"] = [_assessor_body(a) for a in page["items"]]
        return page

    @blp.arguments(AssessorCreateSchema)
    @blp.response(201, ProfileSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Onboard an assessor into an organisation, with their themes."""
        org_id = args.pop("organisation_id")
        principal = authorize("assessors:create", organisation_id=org_id)
        themes = [(t["theme_id"], t["level"]) for t in args.pop("themes")]
        args["id"] = args["id"] or f"a-{secrets.token_hex(8)}"
        if "availability" in args:
            args["availability"] = tuple(args["availability"])
        store = get_store()
        created = people.create_assessor(store, Assessor(**args), organisation_id=org_id, themes=themes, actor_id=principal.user_id)
        return _profile(store, created)


@blp.route("/assessors/<id:assessor_id>")
class OneAssessor(MethodView):
    """One assessor's profile."""

    @blp.response(200, ProfileSchema)
    def get(self, assessor_id: str) -> dict[str, Any]:
        """An assessor's profile: details, employer and themes."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("assessors:read", assessor_id=assessor_id)
        store = get_store()
        return _profile(store, store.get_assessor(assessor_id), employment_of(assessor_id))

    @blp.arguments(AssessorUpdateSchema)
    @blp.response(200, ProfileSchema)
    def patch(self, args: dict[str, Any], assessor_id: str) -> dict[str, Any]:
        """Change profile fields: name, email, region, experience, capacity, availability, discoverable, paused, active, bio.

        Only an admin of the assessor's organisation (or a network admin) may change `active`; the assessor gets 403.
        Only the fields sent are written: two edits of different fields at the same moment both stay, and for
        the same field the last write wins.
        """
        assessor_id = path_id(assessor_id, "assessor_id")
        principal = authorize("assessors:write", assessor_id=assessor_id)
        store = get_store()
        if "active" in args and not allowed(principal, "assessors:activate", assessor_id=assessor_id):
            if args["active"] != store.get_assessor(assessor_id).active:
                raise NotAllowed(
                    "Only an admin of your organisation can deactivate a profile or make it active again; nothing was changed."
                )
            del args["active"]  # as it is: never written by someone who may not change it (a concurrent change stays)
        return _profile(store, profile.update_assessor(store, assessor_id, args, actor_id=principal.user_id))

    @blp.response(200, ErasureSchema)
    def delete(self, assessor_id: str) -> dict[str, Any]:
        """Erase the person: their profile, ties and login go; past sets keep an anonymised "Former member" (audited)."""
        assessor_id = path_id(assessor_id, "assessor_id")
        principal = authorize("privacy:erase", assessor_id=assessor_id)
        result = privacy.erase(get_store(), assessor_id, actor_id=principal.user_id)
        return dataclasses.asdict(result)


@blp.route("/assessors/<id:assessor_id>/export")
class AssessorExport(MethodView):
    """An assessor's personal data."""

    @blp.response(200, ExportSchema)
    def get(self, assessor_id: str) -> dict[str, Any]:
        """Everything held about you, as one JSON document."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("privacy:export", assessor_id=assessor_id)
        return privacy.export(get_store(), assessor_id)


@blp.route("/assessors/<id:assessor_id>/themes")
class AssessorThemes(MethodView):
    """The themes an assessor works on."""

    @blp.response(200, ThemeLinkSchema(many=True))
    def get(self, assessor_id: str) -> list[Any]:
        """The assessor's themes and levels, in theme-id order."""
        assessor_id = path_id(assessor_id, "assessor_id")
        authorize("assessors:read", assessor_id=assessor_id)
        return get_store().theme_links(assessor_id)


@blp.route("/assessors/<id:assessor_id>/themes/<id:theme_id>")
class AssessorTheme(MethodView):
    """One of an assessor's themes."""

    @blp.arguments(LevelSchema)
    @blp.response(200, ThemeLinkSchema)
    def put(self, args: dict[str, Any], assessor_id: str, theme_id: str) -> Any:
        """Add the theme, or change its level (exploring / experienced)."""
        assessor_id, theme_id = path_id(assessor_id, "assessor_id"), path_id(theme_id, "theme_id")
        principal = authorize("assessors:write", assessor_id=assessor_id)
        return people.set_theme(get_store(), assessor_id, theme_id, args["level"], actor_id=principal.user_id)

    @blp.response(204)
    def delete(self, assessor_id: str, theme_id: str) -> None:
        """Remove the theme from the assessor."""
        assessor_id, theme_id = path_id(assessor_id, "assessor_id"), path_id(theme_id, "theme_id")
        principal = authorize("assessors:write", assessor_id=assessor_id)
        people.remove_theme(get_store(), assessor_id, theme_id, actor_id=principal.user_id)


@blp.route("/assessors/<id:assessor_id>/employer")
class AssessorEmployer(MethodView):
    """Where an assessor works."""

    @blp.arguments(EmployerSchema)
    @blp.response(200, ProfileSchema)
    def put(self, args: dict[str, Any], assessor_id: str) -> dict[str, Any]:
        """Move the assessor to an organisation (org admins: from and to organisations they administer)."""
        assessor_id = path_id(assessor_id, "assessor_id")
        principal = authorize("assessors:write", assessor_id=assessor_id)
        _require_employ(principal, assessor_id, args["organisation_id"])
        store = get_store()
        people.set_employer(store, assessor_id, args["organisation_id"], since=args["since"], actor_id=principal.user_id)
        return _profile(store, store.get_assessor(assessor_id))

    @blp.response(204)
    def delete(self, assessor_id: str) -> None:
        """Record that the assessor no longer works for their organisation."""
        assessor_id = path_id(assessor_id, "assessor_id")
        principal = authorize("assessors:write", assessor_id=assessor_id)
        _require_employ(principal, assessor_id, None)
        people.set_employer(get_store(), assessor_id, None, actor_id=principal.user_id)


# -- helpers ---------------------------------------------------------------------------------


def _require_employ(principal: Principal, assessor_id: str, target_org: str | None) -> None:
    """Changing employment needs the current employer's admin (if any) and the target's admin; else 403."""
    if principal.is_admin:
        return
    if not allowed(principal, "assessors:employ", assessor_id=assessor_id):
        raise NotAllowed("You may only change the employment of assessors of an organisation you administer.")
    if target_org is not None and not principal.can_see_people_of(target_org):
        raise NotAllowed("You may only move assessors into an organisation you administer.")


def _filtered(fetch: Callable[[int, str | None], Page[T]], keep: Callable[[T], bool], limit: int, after: str | None) -> dict[str, Any]:
    """A page of up to ``limit`` items that ``keep`` accepts, scanning at most :data:`SCAN_LIMIT` stored rows.

    ``next_after`` is where the scan stopped, so a page may hold fewer than ``limit`` items and
    still have a next page; ``null`` means the listing is complete.
    """
    items: list[T] = []
    scanned = 0
    cursor = after
    while True:
        page = fetch(limit, cursor)
        for n, item in enumerate(page.items):
            if keep(item):
                items.append(item)
                if len(items) == limit:
                    rest = n + 1 < len(page.items) or page.next_after is not None
                    return {"items": items, "next_after": item.id if rest else None}  # type: ignore[attr-defined]
        scanned += len(page.items)
        if page.next_after is None:
            return {"items": items, "next_after": None}
        cursor = page.next_after
        if scanned >= SCAN_LIMIT:
            return {"items": items, "next_after": cursor}


def _iter_links(store: GraphStore, assessor_id: str) -> Iterator[dict[str, Any]]:
    for link in store.theme_links(assessor_id):
        yield {"theme_id": link.theme_id, "level": link.level}


def _assessor_body(a: Assessor) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "email": a.email,
        "region": a.region,
        "experience_years": a.experience_years,
        "capacity": a.capacity,
        "availability": list(a.availability),
        "discoverable": a.discoverable,
        "paused": a.paused,
        "paused_until": a.paused_until,
        "active": a.active,
        "findable": a.findable,
        "bio": a.bio,
    }


def _profile(store: GraphStore, a: Assessor, employment: Employment | None | Literal["read"] = "read") -> dict[str, Any]:
    """The profile body; ``employment`` may be given when already read in this request."""
    if employment == "read":
        employment = store.get_employment(a.id)
    return _assessor_body(a) | {
        "organisation_id": None if employment is None else employment.organisation_id,
        "employed_since": None if employment is None else employment.since,
        "themes": list(_iter_links(store, a.id)),
    }

"""Reach endpoints: an organisation's reach and history, the network report, the tie matrix as CSV, what-if, isolated lists.

Who sees what (``api.access`` rows ``reach:*`` and ``isolated:list``):

* an organisation's reach: admins of that organisation, coordinators and network admins; named
  people (its isolated and bridging assessors) only for callers who may see that organisation's
  people, or coordinators, who link isolated assessors across organisations;
* the network report and the tie matrix: any organisation admin or coordinator; they name
  organisations only, never people;
* what-if: coordinators and network admins;
* isolated lists: an organisation admin for their own organisation; coordinators and network
  admins for any organisation or the whole network;
* an organisation's network map: as its reach. Its own assessors are named for callers who see
  its people by name; people of other organisations only for callers who may see that
  organisation's people (admins), else they are anonymised with ids made up for each response.
  Assessors who are not discoverable never appear on another organisation's map.

Definitions of every figure: :mod:`network.reach`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate

from api.access import authorize, map_sees_people, sees_people
from api.extensions import get_store
from api.services import reach as service
from api.v1.common import PageQuery, StrictSchema, id_field, page_body, page_schema, path_id
from network.reach import CSV_LAYOUTS, HOPS, MAP_LIMIT, MAX_MAP_LIMIT, MAX_MONTHS, TOP_PARTNERS, BadRange, parse_month

blp = Blueprint("reach", __name__, description="Network reach of organisations, the whole network, what-if, and isolated assessors.")

#: Most sets, and most contacts, one what-if may propose.
MAX_SETS = 1000
MAX_CONTACTS = 5000


# -- input schemas --------------------------------------------------------------------------


class Month(fields.String):
    """A month written ``YYYY-MM``, loaded as the first day of that month."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_month(text)
        except BadRange as exc:
            raise ValidationError(exc.message) from None


class ReachQuery(StrictSchema):
    """How far to look, and which months of history to show."""

    hops = fields.Integer(
        load_default=2,
        validate=validate.OneOf(HOPS, error="must be 1 or 2"),
        metadata={"description": "1: direct ties only; 2: also through one intermediate."},
    )
    first = Month(
        data_key="from",
        load_default=None,
        metadata={"description": "First month of history (YYYY-MM); default 11 months before `to`.", "pattern": r"^\d{4}-\d{2}$"},
    )
    last = Month(
        data_key="to",
        load_default=None,
        metadata={"description": f"Last month of history (YYYY-MM, not in the future); default this month. At most {MAX_MONTHS} months."},
    )


class MatrixQuery(StrictSchema):
    """Layout of the tie matrix export."""

    layout = fields.String(
        load_default="matrix", validate=validate.OneOf(CSV_LAYOUTS), metadata={"description": "matrix: square; pairs: one row per pair."}
    )


class WhatIfRequestSchema(StrictSchema):
    """A proposal to weigh: sets (each a list of assessor ids) and/or accepted suggestions (pairs of assessor ids)."""

    sets = fields.List(
        fields.List(id_field(), validate=validate.Length(min=2, max=50)), load_default=list, validate=validate.Length(max=MAX_SETS)
    )
    contacts = fields.List(
        fields.List(id_field(), validate=validate.Length(equal=2)),
        load_default=list,
        validate=validate.Length(max=MAX_CONTACTS),
        metadata={"description": "Pairs of assessor ids, as if each suggestion were accepted."},
    )


class IsolatedQuery(PageQuery):
    """Whose isolated assessors: one organisation's, or (coordinators, admins) everyone's."""

    organisation = id_field(load_default=None, metadata={"description": "An organisation id; omit for the whole network."})
    after = fields.String(
        load_default=None,
        validate=validate.Length(max=120),
        metadata={"description": "The `next_after` of the previous page; omit for the first page."},
    )


class MapQuery(StrictSchema):
    """How many people a map may hold."""

    limit = fields.Integer(
        load_default=MAP_LIMIT,
        validate=validate.Range(min=1, max=MAX_MAP_LIMIT),
        metadata={"description": f"Most people on the map (1-{MAX_MAP_LIMIT}); the nearest are kept."},
    )


# -- output schemas -------------------------------------------------------------------------


class OrganisationRefSchema(StrictSchema):
    """An organisation."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    region = fields.String(required=True)


class ReachedOrganisationSchema(StrictSchema):
    """Another organisation reached, at the fewest hops."""

    organisation_id = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    hops = fields.Integer(required=True, metadata={"description": "1: a direct tie; 2: through one intermediate assessor."})
    ties = fields.Integer(required=True, metadata={"description": "Direct ties between the two organisations' assessors."})
    via_assessors = fields.Integer(required=True, metadata={"description": "How many of this organisation's assessors hold those ties."})


class IsolatedAssessorSchema(StrictSchema):
    """An isolated assessor."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    organisation_id = fields.String(allow_none=True)
    sole_in_organisation = fields.Boolean(required=True)
    isolated_since = fields.Date(allow_none=True, metadata={"description": "As far as the graph knows; null when unknown."})


class BridgeSchema(StrictSchema):
    """An assessor who alone ties the organisation to some organisations or regions."""

    assessor_id = fields.String(required=True)
    name = fields.String(required=True)
    organisation_ids = fields.List(fields.String(), required=True)
    regions = fields.List(fields.String(), required=True)


class MonthSchema(StrictSchema):
    """The organisation's figures at the end of one month."""

    month = fields.String(required=True, attribute="label", metadata={"description": "YYYY-MM"})
    assessors = fields.Integer(required=True)
    isolated = fields.Integer(required=True)
    cross_ties = fields.Integer(
        required=True, metadata={"description": "Ties from its assessors to other organisations' (or to no organisation's)."}
    )
    organisations_reached = fields.Integer(required=True, metadata={"description": "Other organisations tied to directly (one hop)."})


class OrganisationReachSchema(StrictSchema):
    """One organisation's reach into the network, and its history."""

    organisation = fields.Nested(OrganisationRefSchema, required=True, attribute="reach.organisation")
    hops = fields.Integer(required=True, attribute="reach.hops")
    assessors = fields.Integer(required=True, attribute="reach.assessors")
    isolated_count = fields.Integer(required=True)
    isolated = fields.Method(
        "_isolated", metadata={"description": "Longest isolated first; null when you may not see this organisation's people by name."}
    )
    in_active_set = fields.Integer(required=True, attribute="reach.in_active_set")
    active_set_share = fields.Float(required=True, attribute="reach.active_set_share")
    reached_direct = fields.Integer(required=True, attribute="reach.reached_direct")
    reached_within_two = fields.Integer(
        allow_none=True, attribute="reach.reached_within_two", metadata={"description": "Null when hops=1."}
    )
    partners = fields.Method("_partners", metadata={"description": f"The top {TOP_PARTNERS} partner organisations by ties."})
    reached = fields.List(fields.Nested(ReachedOrganisationSchema), required=True, attribute="reach.reached")
    bridges = fields.Method("_bridges", metadata={"description": "Null when you may not see this organisation's people by name."})
    single_bridge_partners = fields.Method("_single", metadata={"description": "Partner organisations reached through one assessor only."})
    regions_reached = fields.List(fields.String(), required=True, attribute="reach.regions_reached")
    people_visible = fields.Boolean(required=True)
    history = fields.List(fields.Nested(MonthSchema), required=True)
    summary = fields.List(fields.String(), required=True, attribute="sentences")

    def _isolated(self, report: service.OrganisationReport) -> list[dict[str, Any]] | None:
        return IsolatedAssessorSchema(many=True).dump(report.reach.isolated) if report.people_visible else None

    def _partners(self, report: service.OrganisationReport) -> list[dict[str, Any]]:
        return ReachedOrganisationSchema(many=True).dump(report.reach.partners())

    def _bridges(self, report: service.OrganisationReport) -> list[dict[str, Any]] | None:
        return BridgeSchema(many=True).dump(report.reach.bridges) if report.people_visible else None

    def _single(self, report: service.OrganisationReport) -> list[str]:
        return [r.organisation_id for r in report.reach.direct if r.via_assessors == 1]


class OrganisationFiguresSchema(StrictSchema):
    """One organisation's row of the network report."""

    organisation_id = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    assessors = fields.Integer(required=True)
    isolated = fields.Integer(required=True)
    in_active_set = fields.Integer(required=True)


class OrganisationTieSchema(StrictSchema):
    """Ties between two organisations' assessors (equal ids: ties inside one organisation)."""

    organisation_id = fields.String(required=True)
    partner_id = fields.String(required=True)
    ties = fields.Integer(required=True)


class RegionCoverageSchema(StrictSchema):
    """How well one region's organisations are woven into the network."""

    region = fields.String(required=True)
    organisations = fields.Integer(required=True)
    assessors = fields.Integer(required=True)
    isolated = fields.Integer(required=True)
    in_active_set = fields.Integer(required=True)
    organisations_tied = fields.Integer(required=True)
    connected_share = fields.Float(required=True)
    regions_reached = fields.List(fields.String(), required=True)


class NetworkReachSchema(StrictSchema):
    """The network as a whole: per organisation, the tie matrix (sparse), components and coverage by region."""

    assessors = fields.Integer(required=True)
    isolated = fields.Integer(required=True)
    isolated_share = fields.Float(required=True)
    without_organisation = fields.Integer(required=True)
    cross_ties = fields.Integer(required=True)
    organisations = fields.List(fields.Nested(OrganisationFiguresSchema), required=True)
    ties = fields.List(fields.Nested(OrganisationTieSchema), required=True, metadata={"description": "Pairs with ties only."})
    components = fields.List(
        fields.List(fields.String()), required=True, metadata={"description": "Connected groups of organisations, largest first."}
    )
    regions = fields.List(fields.Nested(RegionCoverageSchema), required=True)
    summary = fields.Function(lambda n: n.sentences(), required=True)


class PersonRefSchema(StrictSchema):
    """A named person."""

    assessor_id = fields.Function(lambda p: p[0], required=True)
    name = fields.Function(lambda p: p[1], required=True)


class OrganisationChangeSchema(StrictSchema):
    """What a proposal changes for one organisation."""

    organisation_id = fields.String(required=True)
    name = fields.String(required=True)
    new_ties = fields.Integer(required=True)
    newly_connected_count = fields.Function(lambda c: len(c.newly_connected), required=True)
    newly_connected = fields.List(
        fields.Nested(PersonRefSchema), required=True, metadata={"description": "Empty unless you may see this organisation's people."}
    )
    new_partners = fields.List(fields.String(), required=True)
    isolated_before = fields.Integer(required=True)
    isolated_after = fields.Integer(required=True)
    partners_before = fields.Integer(required=True)
    partners_after = fields.Integer(required=True)


class WhatIfSchema(StrictSchema):
    """The change a proposal would make; nothing is written."""

    new_ties = fields.Integer(required=True)
    new_cross_ties = fields.Integer(required=True)
    newly_connected = fields.Integer(
        required=True, metadata={"description": "Isolated assessors who would get a first cross-organisation tie."}
    )
    isolated_before = fields.Integer(required=True)
    isolated_after = fields.Integer(required=True)
    isolated_share_before = fields.Float(required=True)
    isolated_share_after = fields.Float(required=True)
    components_before = fields.Integer(required=True)
    components_after = fields.Integer(required=True)
    new_organisation_pairs = fields.Integer(required=True)
    organisations = fields.List(fields.Nested(OrganisationChangeSchema), required=True)
    inactive = fields.List(fields.String(), required=True)
    summary = fields.List(fields.String(), required=True)


class MapOrganisationSchema(StrictSchema):
    """An organisation on the map."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    region = fields.String(required=True)
    own = fields.Boolean(required=True, metadata={"description": "The organisation the map is of."})
    shown = fields.Integer(required=True, metadata={"description": "How many of its people are on the map."})
    named = fields.Boolean(required=True, metadata={"description": "Whether its people are shown by name to you."})


class MapNodeSchema(StrictSchema):
    """A person on the map."""

    id = fields.String(required=True, metadata={"description": "Made up for this response only; not an assessor id."})
    label = fields.String(required=True, metadata={"description": "The name, or e.g. 'Assessor 3 at Org X' when anonymised."})
    name = fields.String(allow_none=True, metadata={"description": "Null when you may not see this person's name."})
    organisation_id = fields.String(allow_none=True)
    hops = fields.Integer(
        required=True, metadata={"description": "0: of the organisation; 1: tied to one of its assessors; 2: one more step."}
    )
    ties = fields.Integer(required=True, metadata={"description": "Ties to other people on the map."})
    isolated = fields.Boolean(allow_none=True, metadata={"description": "For the organisation's own assessors; null for others."})
    isolated_since = fields.Date(allow_none=True)
    sole_in_organisation = fields.Boolean(allow_none=True)


class MapEdgeSchema(StrictSchema):
    """A tie between two people on the map."""

    source = fields.String(required=True)
    target = fields.String(required=True)


class MapSchema(StrictSchema):
    """An organisation's network map: its assessors and the people they reach within two steps."""

    organisation = fields.Nested(OrganisationRefSchema, required=True)
    organisations = fields.List(fields.Nested(MapOrganisationSchema), required=True, metadata={"description": "The organisation first."})
    nodes = fields.List(fields.Nested(MapNodeSchema), required=True)
    edges = fields.List(fields.Nested(MapEdgeSchema), required=True)
    shown = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "People the map would show without its limit."})
    limit = fields.Integer(required=True)
    truncated = fields.Boolean(required=True)
    isolated = fields.Integer(required=True, metadata={"description": "The organisation's isolated assessors on the map."})
    summary = fields.String(required=True)


# -- endpoints ------------------------------------------------------------------------------


@blp.route("/organisations/<id:organisation_id>/reach")
class OrganisationReachView(MethodView):
    """One organisation's reach."""

    @blp.arguments(ReachQuery, location="query")
    @blp.response(200, OrganisationReachSchema)
    def get(self, args: dict[str, Any], organisation_id: str) -> service.OrganisationReport:
        """Assessors, isolated ones, share in an active set, organisations reached (1 or 2 hops), partners, bridges, history."""
        organisation_id = path_id(organisation_id, "organisation_id")
        principal = authorize("reach:read", organisation_id=organisation_id)
        return service.organisation_report(
            get_store(),
            organisation_id,
            hops=args["hops"],
            first=args["first"],
            last=args["last"],
            people_visible=sees_people(principal, organisation_id),
            sees_hidden=principal.can_see_people_of(organisation_id),
        )


@blp.route("/organisations/<id:organisation_id>/map")
class OrganisationMapView(MethodView):
    """One organisation's network map."""

    @blp.arguments(MapQuery, location="query")
    @blp.response(200, MapSchema)
    def get(self, args: dict[str, Any], organisation_id: str) -> service.MapView:
        """Its active assessors, the people they reach within two steps and the ties among them; others' people anonymised."""
        organisation_id = path_id(organisation_id, "organisation_id")
        principal = authorize("reach:read", organisation_id=organisation_id)
        return service.organisation_map(
            get_store(),
            organisation_id,
            limit=args["limit"],
            sees_people_of=map_sees_people(principal, organisation_id),
            sees_hidden_of=principal.can_see_people_of,  # who chose not to be found shows to their own organisation's admin only
        )


@blp.route("/reach/network")
class NetworkReachView(MethodView):
    """The network as a whole."""

    @blp.response(200, NetworkReachSchema)
    def get(self) -> Any:
        """Per organisation figures, the tie matrix (sparse), connected groups, isolated share and coverage by region."""
        authorize("reach:network")
        return service.network_report(get_store())


@blp.route("/reach/network/ties.csv")
class TieMatrixView(MethodView):
    """The organisation-by-organisation tie matrix as CSV."""

    @blp.arguments(MatrixQuery, location="query")
    @blp.doc(responses={"200": {"description": "The tie matrix.", "content": {"text/csv": {"schema": {"type": "string"}}}}})
    def get(self, args: dict[str, Any]) -> Response:
        """The tie matrix as CSV: a square matrix, or one row per pair of organisations."""
        authorize("reach:network")
        text = service.tie_matrix_csv(get_store(), args["layout"])
        return Response(
            text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="bridgework-ties-{args["layout"]}.csv"'}
        )


@blp.route("/reach/what-if")
class WhatIfView(MethodView):
    """Weigh a proposal before committing it."""

    @blp.arguments(WhatIfRequestSchema)
    @blp.response(200, WhatIfSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """What proposed sets and/or accepted suggestions would change per organisation and for the network; writes nothing."""
        principal = authorize("reach:what_if")
        return service.what_if(
            get_store(),
            sets=args["sets"],
            contacts=args["contacts"],
            visible=principal.organisation_ids,
            sees_everyone=principal.is_admin or "coordinator" in principal.roles,
        )


@blp.route("/isolated")
class IsolatedView(MethodView):
    """Isolated assessors, longest isolated first."""

    @blp.arguments(IsolatedQuery, location="query")
    @blp.response(200, page_schema(IsolatedAssessorSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Active isolated assessors of one organisation (or everyone's), longest isolated first."""
        principal = authorize("isolated:list", organisation_id=args["organisation"])
        store, organisation = get_store(), args["organisation"]
        found = service.isolated(store, organisation, args["limit"], args["after"], sees_hidden_of=principal.can_see_people_of)
        return page_body(found)

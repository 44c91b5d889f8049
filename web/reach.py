"""Pages for organisation admins: where to start (``/reach``), an organisation's reach dashboard and its network map.

Every view calls :func:`web.guard.page_authorize` first with the JSON API's actions
(``reach:read`` for one organisation, ``reach:network`` for the overview), then the same
services as the API (:mod:`api.services.reach`). Who sees which names is decided as in the API:
an organisation's own people by name for its admins (and coordinators, as in the reach
endpoint); other organisations' people never by name. The map page draws
``GET /api/v1/organisations/<id>/map`` with Cytoscape.js (``web/static/vendor``, see
``web/assets/README.md``); its list of people is the keyboard and screen-reader alternative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.access import Principal, sees_people
from api.extensions import get_store
from api.services import reach as service
from graph.port import NotFound
from network.domain import ORGANISATION_KINDS, REGIONS, InvalidValue, Organisation
from network.reach import MAP_LIMIT, MAX_MAP_LIMIT, BadRange, MonthReach, parse_month
from web.guard import page_authorize

bp = Blueprint("reach_pages", __name__)

KIND_WORDS: dict[str, str] = {
    "local_authority": "Local authority",
    "nhs_trust": "NHS trust",
    "voluntary": "Voluntary organisation",
    "independent": "Independent provider",
    "agency": "Agency",
    "university": "University",
}
assert set(KIND_WORDS) == set(ORGANISATION_KINDS)


def region_words(region: str | None) -> str:
    """A region id as people write it (``north_east`` -> ``North East``)."""
    if not region:
        return "No region"
    return REGIONS.get(region, region.replace("_", " ").capitalize())


def day_words(value: date | None) -> str:
    """A date as people write it: ``3 March 2027``."""
    return f"{value.day} {value:%B %Y}" if value else "not known"


def month_words(value: date) -> str:
    """A month as people write it: ``March 2027``."""
    return f"{value:%B %Y}"


@bp.app_template_filter("region_words")
def _region_filter(region: str | None) -> str:
    return region_words(region)


@bp.app_template_filter("day_words")
def _day_filter(value: date | None) -> str:
    return day_words(value)


# -- where to start ------------------------------------------------------------------------------


@bp.get("/reach")
def index() -> Any:
    """Organisation admins of one organisation go to its dashboard; of several, choose; admins and coordinators see the network."""
    principal = page_authorize("reach:network")
    store = get_store()
    mine = _organisations(principal)
    sees_network = principal.is_admin or "coordinator" in principal.roles
    if not sees_network and len(mine) == 1:
        return redirect(url_for("reach_pages.dashboard", organisation_id=mine[0].id))
    network = service.network_report(store) if sees_network else None
    return render_template("reach/index.html", mine=mine, network=network, sees_network=sees_network)


def _organisations(principal: Principal) -> list[Organisation]:
    """The organisations the caller administers that exist, by name."""
    store = get_store()
    found = []
    for organisation_id in principal.organisation_ids:
        try:
            found.append(store.get_organisation(organisation_id))
        except NotFound:
            continue
    return sorted(found, key=lambda o: (o.name.casefold(), o.id))


# -- one organisation's dashboard ----------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A line chart of reach over time, drawn as SVG on the server (its numbers are also in a table)."""

    width: int
    height: int
    left: int
    bottom: int
    top: int
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    series: list[dict[str, Any]]


#: The chart's lines: attribute of :class:`MonthReach`, legend words, CSS class (colour and dash pattern).
SERIES: tuple[tuple[str, str, str], ...] = (
    ("organisations_reached", "Organisations reached directly", "line-reached"),
    ("isolated", "Isolated assessors", "line-isolated"),
)


def history_chart(history: list[MonthReach], width: int = 720, height: int = 260) -> Chart:
    """Coordinates of the reach-over-time lines (pure arithmetic; the template draws them)."""
    left, right, top, bottom = 48, 40, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [getattr(m, attr) for m in history for attr, _, _ in SERIES])
    step = max(1, -(-peak // 4))
    ceiling = step * -(-peak // step)
    n = len(history)

    def x(k: int) -> float:
        return left + (plot_w * k / (n - 1) if n > 1 else plot_w / 2)

    def y(value: int) -> float:
        return top + plot_h - plot_h * value / ceiling

    every = max(1, -(-n // 8))
    series = []
    for attr, words, css in SERIES:
        points = [(round(x(k), 1), round(y(getattr(m, attr)), 1), getattr(m, attr), month_words(m.month)) for k, m in enumerate(history)]
        series.append({"words": words, "css": css, "points": points, "path": " ".join(f"{px},{py}" for px, py, _, _ in points)})
    return Chart(
        width=width,
        height=height,
        left=left,
        bottom=top + plot_h,
        top=top,
        y_ticks=[(round(y(v), 1), v) for v in range(0, ceiling + 1, step)],
        x_labels=[(round(x(k), 1), f"{m.month:%b %Y}") for k, m in enumerate(history) if (n - 1 - k) % every == 0],
        series=series,
    )


def _month_arg(name: str) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_month(text, name)
    except BadRange as exc:
        raise InvalidValue(name, exc.message) from None


@bp.get("/organisations/<organisation_id>/reach")
def dashboard(organisation_id: str) -> Any:
    """Headline figures, isolated assessors, partner organisations and reach over time of one organisation."""
    principal = page_authorize("reach:read", organisation_id=organisation_id)
    store = get_store()
    problems: dict[str, str] = {}
    try:
        first, last = _month_arg("from"), _month_arg("to")
        service.months(first, last)
    except InvalidValue as exc:
        problems[exc.field] = exc.message
        first = last = None
    report = service.organisation_report(
        store,
        organisation_id,
        hops=2,
        first=first,
        last=last,
        people_visible=sees_people(principal, organisation_id),
        sees_hidden=principal.can_see_people_of(organisation_id),  # who chose not to be found: their organisation's admin only
    )
    figures = report.reach
    history = report.history
    partners_page, partner_pages, partners_problem = _partners_page(figures.reached_direct)
    start = (partners_page - 1) * PARTNERS_PER_PAGE
    status = 422 if problems or partners_problem else 200
    return (
        render_template(
            "reach/dashboard.html",
            report=report,
            figures=figures,
            organisation=figures.organisation,
            kind_words=KIND_WORDS.get(figures.organisation.kind, figures.organisation.kind),
            history=history,
            chart=history_chart(history),
            series=SERIES,
            first=request.args.get("from", "") if problems else f"{history[0].month:%Y-%m}",
            last=request.args.get("to", "") if problems else f"{history[-1].month:%Y-%m}",
            problems=problems,
            month_words=month_words,
            partners=figures.direct[start : start + PARTNERS_PER_PAGE],
            partners_first=start + 1,
            partners_page=partners_page,
            partner_pages=partner_pages,
            partners_problem=partners_problem,
            page_args={k: v for k, v in request.args.items() if k in ("from", "to") and not problems.get(k)},
        ),
        status,
    )


#: Partner organisations shown on one page of the dashboard's partners table (issue 18: every partner, paged).
PARTNERS_PER_PAGE = 10


def _partners_page(count: int) -> tuple[int, int, str | None]:
    """The page of partners asked for (``?partners=N``, whole pages from 1), how many pages there are, and a problem.

    A page that is not a whole number or not there gives a message (the page answers 422) and page 1.
    """
    pages = max(1, -(-count // PARTNERS_PER_PAGE))
    text = request.args.get("partners", "").strip()
    if not text:
        return 1, pages, None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= pages:
        return 1, pages, f"There is no page “{text[:12]}” of partner organisations: pages go from 1 to {pages}."
    return int(text), pages, None


#: How many people the map page offers to show (the JSON API takes any number up to its maximum).
MAP_LIMITS: tuple[int, ...] = tuple(sorted({100, MAP_LIMIT, MAX_MAP_LIMIT}))

# -- the network map ---------------------------------------------------------------------------------


@bp.get("/organisations/<organisation_id>/map")
def network_map(organisation_id: str) -> Response | str:
    """The organisation's network map (drawn in the browser from the JSON API), with a list of everyone on it."""
    page_authorize("reach:read", organisation_id=organisation_id)
    organisation = get_store().get_organisation(organisation_id)
    return render_template(
        "reach/map.html",
        organisation=organisation,
        data_url=url_for("reach.OrganisationMapView", organisation_id=organisation_id),
        regions=REGIONS,
        kinds=KIND_WORDS,
        limits=MAP_LIMITS,
        limit=MAP_LIMIT,
    )

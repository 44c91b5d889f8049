"""Reach pages in a real browser: an organisation admin's dashboard and network map, the network overview, who is refused.

The network: Northmoor Council (o1, the admin's) has Ada, tied to Cara at the second organisation,
and two isolated assessors, Ben and one whose name is an XSS payload; the second organisation's
name is an XSS payload too. Cara is tied to Dev at Hillside Charity (two steps from Northmoor).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation
from tests.web.browser import LiveApp, screenshot

WEB = Path(__file__).resolve().parents[2] / "web"
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def _locked_version(package: str) -> str:
    lock = json.loads((WEB / "assets" / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def test_the_committed_graph_library_is_the_version_package_lock_pins() -> None:
    """web/static/vendor/cytoscape.min.js is committed (see web/assets/README.md); it must be what the lock file names."""
    locked = _locked_version("cytoscape")
    manifest = json.loads((WEB / "assets" / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"]["cytoscape"] == locked  # pinned exactly, so `npm install` cannot drift
    bundle = (WEB / "static" / "vendor" / "cytoscape.min.js").read_text(encoding="utf-8")
    banner = re.match(r"/\*! cytoscape (\S+) from npm, copied by web/assets/build.mjs", bundle)
    assert banner is not None, "the bundle lost the banner build.mjs writes: rebuild it with `npm ci && npm run build` in web/assets"
    assert banner.group(1) == locked
    assert f'"{locked}"' in bundle  # the library's own version string, not only our banner
    assert (WEB / "static" / "vendor" / "cytoscape.LICENSE.txt").read_text(encoding="utf-8").startswith("Copyright")


def _network(store: EmbeddedStore) -> None:
    store.create_organisation(Organisation(id="o1", name="Northmoor Council", kind="local_authority", region="north_east"))
    store.create_organisation(Organisation(id="o2", name="Trust " + XSS, kind="nhs_trust", region="london"))
    store.create_organisation(Organisation(id="o3", name="Hillside Charity", kind="voluntary", region="london"))
    people = [
        ("a0", "Ada Okafor", "o1", date(2020, 1, 1)),
        ("a1", "Ben Hughes", "o1", date(2021, 3, 1)),
        ("a2", XSS, "o1", date(2019, 6, 1)),
        ("a3", "Cara Lane", "o2", None),
        ("a4", "Dev Shah", "o3", None),
    ]
    for aid, name, org, since in people:
        store.create_assessor(Assessor(id=aid, name=name, discoverable=True))
        store.set_employer(aid, org, since=since)
    for x, y in [("a0", "a3"), ("a3", "a4")]:
        store.request_contact(x, y, on=date(2025, 1, 10))
        store.accept_contact(x, y, on=date(2025, 1, 15))


def _map_ready(page: Any) -> None:
    expect(page.locator("#reach-map-app")).to_have_attribute("data-state", "ready", timeout=20_000)


def test_an_organisation_admin_sees_the_dashboard_and_the_map_with_isolated_people_highlighted(live_app: LiveApp, signed_in: Any) -> None:
    _network(live_app.store)
    page = signed_in(("org_admin",), organisation_ids=("o1",))

    # one organisation: /reach goes straight to its dashboard
    page.goto(live_app.at("/reach"))
    page.wait_for_url(live_app.at("/organisations/o1/reach"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Northmoor Council: network reach")
    figures = page.locator("dl.figures")
    expect(figures.locator("div", has_text="Assessors").locator("dd")).to_have_text("3")
    expect(figures.locator("div", has_text="Isolated").locator("dd")).to_have_text("2")
    expect(figures.locator("div", has_text="Partner organisations").locator("dd")).to_have_text("1")
    expect(figures.locator("div", has_text="within two steps").locator("dd")).to_have_text("2")
    isolated = page.locator("#isolated-table tbody th")
    expect(isolated).to_have_text([XSS, "Ben Hughes"])  # longest isolated first: since 2019, then 2021
    expect(page.locator("#partners-table tbody th")).to_have_text(["Trust " + XSS])
    expect(page.get_by_role("img", name=re.compile("Reach of Northmoor Council"))).to_be_visible()
    page.get_by_text("The figures as a table").click()
    expect(page.locator("#history-table tbody tr")).to_have_count(12)
    assert page.evaluate("window.__xss") is None
    screenshot(page, "reach-dashboard")

    # a month range that cannot be shown: 422, the field named, the default range instead
    response = page.goto(live_app.at("/organisations/o1/reach?from=2099-01"))
    assert response is not None and response.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Those months could not be shown")
    expect(page.get_by_label("From month")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("link", name="Open the network map").click()

    # the map: isolated people highlighted in the list, the key and the graph library's own state
    page.wait_for_url(live_app.at("/organisations/o1/map"))
    _map_ready(page)
    expect(page.locator("#map-summary")).to_contain_text("Showing all 5 people")
    expect(page.locator("#map-summary")).to_contain_text("2 isolated assessors are shown as diamonds")
    expect(page.locator("#map-key-shapes")).to_contain_text("An isolated assessor (diamond, thick dashed outline)")
    expect(page.locator("#map-legend li")).to_have_text(
        ["Northmoor Council (this organisation) · 3 people", "Hillside Charity · 1 person", "Trust " + XSS + " · 1 person"]
    )
    isolated_buttons = page.locator("#map-list button.person-button.isolated")
    expect(isolated_buttons).to_have_text([XSS + "isolated", "Ben Hughes" + "isolated"])
    assert page.evaluate("window.cytoscape.version") == _locked_version("cytoscape")

    # by default the organisations: one node each, sized by people, isolated counted on them, ties as weighted lines
    assert page.get_attribute("#reach-map-app", "data-view") == "organisations"
    orgs = page.evaluate("window.bwReachMap.cy.nodes('.org-node').map(n => [n.data('label'), n.data('ring')]).sort()")
    assert orgs == [
        ["Hillside Charity\n1 person", 1],
        ["Northmoor Council\n3 people · 2 isolated", 3],
        ["Trust " + XSS + "\n1 person", 2],
    ]
    centre = page.evaluate("(() => { const c = window.bwReachMap.cy; const p = c.nodes('.own').position(); "
                           "return c.nodes('.org-node').map(n => Math.round(Math.hypot(n.position().x - p.x, n.position().y - p.y))); })()")
    assert sorted(centre)[0] == 0  # this organisation is at the centre
    ties = page.evaluate("window.bwReachMap.cy.edges('.org-tie').map(e => [e.source().data('org'), e.target().data('org'), e.data('count')]).sort()")
    assert sorted(tuple(sorted(t[:2])) + (t[2],) for t in ties) == [("o1", "o2", 1), ("o2", "o3", 1)]
    assert page.evaluate("window.bwReachMap.cy.nodes('.person').length") == 0  # no hairball
    expect(page.locator("#map-organisations li").first).to_contain_text("Northmoor Council")
    expect(page.locator("#map-organisations li").nth(1)).to_contain_text("1 tie with Northmoor Council")
    screenshot(page, "reach-map-organisations")

    # choosing an organisation opens its people and the people they are tied to, grouped by organisation
    page.get_by_role("button", name=re.compile(r"^Show its people\W+Northmoor Council")).click()
    _map_ready(page)
    assert page.get_attribute("#reach-map-app", "data-view") == "people"
    expect(page.locator("#map-view-title")).to_contain_text("People of Northmoor Council")
    groups = page.evaluate("window.bwReachMap.cy.nodes('.group').map(g => [g.data('org'), g.children().length]).sort()")
    assert groups == [["o1", 3], ["o2", 1]]
    drawn = page.evaluate("window.bwReachMap.cy.nodes('.isolated').map(n => n.data('label')).sort()")
    assert drawn == sorted(["Ben Hughes", XSS])
    assert page.evaluate("window.bwReachMap.cy.nodes('.isolated').map(n => n.style('shape'))") == ["diamond", "diamond"]
    others = page.evaluate("window.bwReachMap.cy.nodes('.person.other').map(n => n.data('label')).sort()")
    assert others == ["Assessor 1 at Trust " + XSS]  # nobody else is named
    # labels: not drawn at a low zoom until pointed at or selected (the library's min-zoomed-font-size)
    assert page.evaluate("window.bwReachMap.cy.nodes('.person').first().style('min-zoomed-font-size')") != "0px"

    # select from the list (keyboard): details, and the node selected on the map
    button = page.get_by_role("button", name=re.compile("^Ben Hughes"))
    button.focus()
    page.keyboard.press("Enter")
    details = page.locator("#details-body")
    expect(details.get_by_role("heading")).to_have_text("Ben Hughes")
    expect(details).to_contain_text("Yes: no tie to anyone in another organisation")
    expect(details).to_contain_text("Isolated since1 March 2021")
    expect(button).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.bwReachMap.cy.nodes(':selected').map(n => n.data('label'))") == ["Ben Hughes"]
    assert page.evaluate("window.bwReachMap.cy.nodes(':selected').style('min-zoomed-font-size')") == "0px"

    # select on the map itself (the library's selection): an anonymised person of the XSS organisation
    page.evaluate("window.bwReachMap.cy.nodes('.person.other').filter(n => n.data('label').startsWith('Assessor 1 at Trust')).select()")
    expect(details.get_by_role("heading")).to_have_text("Assessor 1 at Trust " + XSS)
    expect(details).to_contain_text("Not shown: this person works for another organisation")
    expect(details).to_contain_text("Tied directly to someone in this organisation")
    zoom = page.evaluate("window.bwReachMap.cy.zoom()")
    page.get_by_role("button", name="Zoom in").click()
    assert page.evaluate("window.bwReachMap.cy.zoom()") > zoom
    page.get_by_role("button", name="Show the whole map").click()
    screenshot(page, "reach-map")

    # a person two steps away opens their own organisation's people; "About this organisation" goes back to organisations
    page.get_by_role("button", name=re.compile("^Assessor 1 at Hillside")).click()
    expect(page.locator("#map-view-title")).to_contain_text("People of Hillside Charity")
    page.get_by_role("button", name=re.compile(r"^About this organisation\W+Northmoor Council")).click()
    expect(details.get_by_role("heading")).to_have_text("Northmoor Council")
    assert page.get_attribute("#reach-map-app", "data-view") == "organisations"

    # search by name: found, the view follows, and the other organisation's people cannot be found by name
    page.get_by_label("Find a person by name").fill("ben")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("#map-search-result")).to_have_text("Found Ben Hughes (Northmoor Council).")
    expect(details.get_by_role("heading")).to_have_text("Ben Hughes")
    page.get_by_label("Find a person by name").fill("Cara")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("#map-search-result")).to_contain_text("Nobody on the map has a name with “Cara” in it")
    page.get_by_role("button", name="Back to all organisations").click()
    _map_ready(page)
    assert page.evaluate("window.__xss") is None

    # fewer people on the map: the nearest are kept, and the page says how many were left off
    page.get_by_label("People on the map").select_option("100")
    _map_ready(page)
    expect(page.locator("#map-summary")).to_contain_text("Showing all 5 people")


def test_the_map_on_a_phone_starts_with_the_lists_and_shows_the_map_on_request(live_app: LiveApp, signed_in: Any) -> None:
    """At 390 px the lists come first (the same organisations and people), the map is one tap away, nothing scrolls sideways."""
    _network(live_app.store)
    page = signed_in(("org_admin",), organisation_ids=("o1",), viewport={"width": 390, "height": 844})
    page.goto(live_app.at("/organisations/o1/map"))
    _map_ready(page)
    assert page.get_attribute("#reach-map-app", "data-mode") == "list"
    expect(page.locator("#reach-map")).to_be_hidden()
    expect(page.get_by_role("button", name="Lists")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#map-organisations li")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "reach-map-phone-lists")
    page.get_by_role("button", name="Map", exact=True).click()
    expect(page.locator("#reach-map")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Show its people\W+Northmoor Council")).click()
    _map_ready(page)
    page.locator("#reach-map").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("window.bwReachMap.cy.nodes('.group').length") == 2
    screenshot(page, "reach-map-phone-people")


def test_every_partner_organisation_is_listed_a_page_at_a_time(live_app: LiveApp, signed_in: Any) -> None:
    """Issue 18: 'top 10 of 12' became pages: 1 to 10 of 12, then 11 to 12; a page that is not there says so (422)."""
    store = live_app.store
    store.create_organisation(Organisation(id="home", name="Home Council", kind="local_authority", region="london"))
    store.create_assessor(Assessor(id="h0", name="Hana Home", discoverable=True))
    store.set_employer("h0", "home")
    for k in range(12):
        store.create_organisation(Organisation(id=f"p{k:02d}", name=f"Partner {k:02d}", kind="voluntary", region="london"))
        store.create_assessor(Assessor(id=f"x{k:02d}", name=f"Person {k:02d}", discoverable=True))
        store.set_employer(f"x{k:02d}", f"p{k:02d}")
        store.request_contact("h0", f"x{k:02d}", on=date(2025, 1, 10))
        store.accept_contact("h0", f"x{k:02d}", on=date(2025, 1, 15))
    page = signed_in(("org_admin",), organisation_ids=("home",))
    page.goto(live_app.at("/organisations/home/reach"))
    rows = page.locator("#partners-table tbody th")
    expect(rows).to_have_count(10)
    expect(page.locator("#partners-range")).to_contain_text("1 to 10 of 12")
    page.get_by_role("link", name="Next partners").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#partners-range")).to_contain_text("11 to 12 of 12")
    seen = set(rows.all_inner_texts())
    page.get_by_role("link", name="Previous partners").click()
    expect(rows).to_have_count(10)
    assert len(seen | set(rows.all_inner_texts())) == 12  # every partner, once
    response = page.goto(live_app.at("/organisations/home/reach?partners=9"))
    assert response is not None and response.status == 422
    expect(page.locator("#partners-error")).to_contain_text("There is no page “9” of partner organisations: pages go from 1 to 2.")
    expect(rows).to_have_count(10)


def test_the_network_overview_names_organisations_only_and_an_admin_of_several_organisations_chooses(
    live_app: LiveApp, signed_in: Any
) -> None:
    _network(live_app.store)
    coordinator = signed_in(("coordinator",))
    coordinator.goto(live_app.at("/reach"))
    expect(coordinator.get_by_role("heading", name="The network as a whole")).to_be_visible()
    expect(coordinator.get_by_role("link", name="Trust " + XSS)).to_be_visible()
    body = coordinator.locator("main").inner_text()
    for name in ("Ada Okafor", "Ben Hughes", "Cara Lane", "Dev Shah"):
        assert name not in body
    assert coordinator.evaluate("window.__xss") is None
    screenshot(coordinator, "reach-network")

    chooser = signed_in(("org_admin",), organisation_ids=("o1", "o3"))
    chooser.goto(live_app.at("/reach"))
    expect(chooser.get_by_role("heading", name="Your organisations")).to_be_visible()
    expect(chooser.locator(".choices > li > a:first-child")).to_have_text(["Hillside Charity", "Northmoor Council"])
    expect(chooser.get_by_role("heading", name="The network as a whole")).to_have_count(0)
    chooser.get_by_role("link", name="Hillside Charity", exact=True).click()
    expect(chooser.get_by_role("heading", level=1)).to_have_text("Hillside Charity: network reach")


def test_people_without_the_right_are_refused(live_app: LiveApp, signed_in: Any, page: Any) -> None:
    _network(live_app.store)
    other = signed_in(("org_admin",), organisation_ids=("o2",))
    for path in ("/organisations/o1/reach", "/organisations/o1/map"):
        response = other.goto(live_app.at(path))
        assert response is not None and response.status == 403
        expect(other.get_by_role("heading", level=1)).not_to_contain_text("Northmoor")  # the 403 page, not the organisation's
        # who may see it, in words: no internal action code ("You may not read reach here")
        expect(other.get_by_text("Reach is shown to the organisation admins of Northmoor Council and to coordinators.")).to_be_visible()
        assert "Ada Okafor" not in other.content() and "Ben Hughes" not in other.content()
        assert "reach:read" not in other.content() and "You may not" not in other.content()
    assessor = signed_in(("assessor",), assessor_id="a0")
    response = assessor.goto(live_app.at("/reach"))
    assert response is not None and response.status == 403
    expect(assessor.get_by_text("The network report is shown to organisation admins and coordinators.")).to_be_visible()

    page.goto(live_app.at("/organisations/o1/map"))
    page.wait_for_url(re.compile(r"/login\?next="))
    assert "next=/organisations/o1/map" in page.url.replace("%2F", "/")

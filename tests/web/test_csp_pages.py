"""The pages that run scripts work under the Content-Security-Policy (issue 16), in chromium.

The policy (api/headers.py) allows scripts only from this site and no inline script, handler or style attribute.
Each page below needs its script to work: the Form sets workspace (drag, swap and re-score), the network map
(drawn by reach.js with the vendored graph library), job progress (jobs.js) and the API docs (swagger-ui started
by a static file). Every browser test also fails on any CSP violation the console reports (tests/web/conftest.py);
here the browser's own ``securitypolicyviolation`` events are counted as well.
"""

from __future__ import annotations

import threading
from typing import Any

from playwright.sync_api import expect

from api import jobs
from api.services import sets as sets_service
from tests.web.browser import LiveApp
from tests.web.test_coordinator_views import arrange_pool
from tests.web.test_reach_pages import _map_ready, _network

WAIT = 30_000
LISTEN = (
    "window.__csp = []; "
    "document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def _watch(page: Any) -> None:
    page.add_init_script(LISTEN)


def _violations(page: Any) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_every_page_is_sent_with_a_policy_that_refuses_inline_script(live_app: LiveApp, browser: Any) -> None:
    context = browser.new_context()  # not the page fixture: the violation provoked here is the point of this test
    page = context.new_page()
    response = page.goto(live_app.at("/login"))
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    # An inline script injected into the page is refused by the browser itself.
    _watch(page)
    page.goto(live_app.at("/login"))
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in _violations(page))
    context.close()


def test_the_form_sets_workspace_and_its_job_progress_work_under_the_policy(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    arrange_pool(store, programme_id="prog-1")
    page = signed_in(("coordinator",), programme_ids=("prog-1",), email="csp.coordinator@example.org")
    _watch(page)
    user_id = store.get_user_by_email("csp.coordinator@example.org").id
    release = threading.Event()

    def work(ctx: Any) -> dict[str, Any]:
        ctx.progress(1, 4, "Forming sets from 12 people")
        release.wait(60)
        view = sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=2, time_limit=0))
        return {"proposal_id": view.record.id}

    job_id = jobs.start_job("form-sets", user_id, work, scope={"programme_id": "prog-1"}, store=store)
    try:
        page.goto(live_app.at(f"/programmes/prog-1/form?job={job_id}"))
        expect(page.locator("[data-job-status]")).to_contain_text("Forming sets from 12 people (1 of 4)", timeout=WAIT)  # jobs.js polled
    finally:
        release.set()
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)  # jobs.js moved on to the proposal; formation.js drew it
    first = page.locator('.set-card[data-set="1"] .member-pick').first
    name = first.inner_text()
    first.click()  # formation.js: pick a person, then where to move them (re-scored through the API)
    page.get_by_label("Move to").select_option("2")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator('.set-card[data-set="2"] .member-pick').filter(has_text=name)).to_have_count(1, timeout=WAIT)
    assert _violations(page) == []


def test_the_network_map_is_drawn_under_the_policy(live_app: LiveApp, signed_in: Any) -> None:
    _network(live_app.store)
    page = signed_in(("org_admin",), organisation_ids=("o1",))
    _watch(page)
    page.goto(live_app.at("/organisations/o1/map"))
    _map_ready(page)  # reach.js fetched the data and cytoscape drew it
    assert page.locator("#reach-map-app canvas").count() > 0
    assert _violations(page) == []


def test_the_api_docs_start_under_the_policy(live_app: LiveApp, page: Any) -> None:
    _watch(page)
    page.goto(live_app.at("/api/v1/docs"))
    page.locator(".opblock").first.wait_for()  # swagger-ui started from web/static/api-docs.js
    assert _violations(page) == []

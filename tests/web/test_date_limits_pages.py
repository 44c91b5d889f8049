"""In chromium: the programme form refuses a start in 9999 with a message by the field; a far-future set stored earlier still opens.

See ``tests/api/test_date_limits.py`` for the rules and the arrangement.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.api.test_date_limits import arrange
from tests.web.browser import LiveApp, screenshot


def test_the_programme_form_refuses_a_start_in_9999_by_the_field(live_app: LiveApp, signed_in: Any) -> None:
    page = signed_in(("coordinator",))
    page.goto(live_app.at("/programmes"))
    page.get_by_label("Name").fill("Far future")
    page.get_by_label("No meetings before").fill("9999-12-20")
    page.get_by_role("button", name="Open the programme").click()
    field = page.get_by_label("No meetings before")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator("#starts_on-error-1")
    expect(error).to_contain_text(re.compile(r"^Choose a date between 1 January 1950 and \d{1,2} [A-Z][a-z]+ \d{4}\.$"))
    assert error.get_attribute("id") in (field.get_attribute("aria-describedby") or "").split()
    assert field.input_value() == "9999-12-20"  # what was typed stays, to be corrected
    assert live_app.store.list_programmes(limit=10).items == []
    screenshot(page, "programme-start-out-of-range")

    field.fill("2026-09-01")
    page.get_by_role("button", name="Open the programme").click()
    page.wait_for_url(re.compile(r"/programmes/prog-[0-9a-f]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Far future")


def test_a_far_future_set_stored_earlier_still_opens(live_app: LiveApp, signed_in: Any) -> None:
    arrange(live_app.store)
    page = signed_in(("assessor",), assessor_id="dan")
    response = page.goto(live_app.at("/sets/set-far"))
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Far future set")
    expect(page.get_by_text(re.compile("December 9999")).first).to_be_visible()
    coordinator = signed_in(("coordinator",), programme_ids=("far",))
    health = coordinator.goto(live_app.at("/programmes/far/health"))
    assert health is not None and health.status == 200
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Set health: Far future")

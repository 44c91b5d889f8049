"""In a real browser: an admin who gives the assessor role without saying which assessor is told so by the
field, nothing is saved, and the corrected form then creates the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.port import NotFound
from network.domain import Assessor
from tests.web.browser import LiveApp, screenshot


def test_the_assessor_role_needs_its_assessor_and_the_corrected_form_goes_through(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    live_app.store.create_assessor(Assessor(id="a-ruth", name="Ruth Khan"))
    page = signed_in(("admin",), email="admin@example.org")
    page.goto(live_app.at("/admin/users/new"))
    page.get_by_label("Email").fill("ruth@northshire.gov.uk")
    page.get_by_role("checkbox", name="Assessor").check()
    page.get_by_role("button", name="Create the user").click()

    assert page.get_by_role("alert").filter(has_text="nothing was saved").is_visible()
    group = page.get_by_role("group", name="The assessor this person is (for the assessor role)")
    message = page.locator("#" + (group.get_attribute("aria-describedby") or "").split()[-1])
    assert "The assessor role needs the assessor this person is" in message.inner_text()
    screenshot(page, "admin-user-form-assessor-needed")
    with pytest.raises(NotFound):  # nothing was saved
        live_app.store.get_user_by_email("ruth@northshire.gov.uk")

    assert page.get_by_label("Email").input_value() == "ruth@northshire.gov.uk"  # what was typed stays
    page.get_by_label("Find the person by name or e-mail address").fill("ruth")  # chosen from a search, never typed as an id
    page.get_by_role("button", name="Find").click()
    page.get_by_role("radio", name="Ruth Khan").check()
    page.get_by_role("button", name="Create the user").click()
    page.get_by_role("heading", name="ruth@northshire.gov.uk can now use Bridgework").wait_for()
    assert live_app.store.get_user_by_email("ruth@northshire.gov.uk").assessor_id == "a-ruth"

"""Too many failed sign-ins, in a real browser: the sign-in page says so in words, and when to try again."""

from __future__ import annotations

import re
from typing import Any

from api.services import accounts
from network.domain import Assessor
from tests.web.browser import PASSWORD, LiveApp, screenshot


def test_after_too_many_failed_sign_ins_the_page_says_when_to_try_again(live_app: LiveApp, page: Any) -> None:
    live_app.store.create_assessor(Assessor(id="a-ruth", name="Ruth Mensah"))
    accounts.create_user(live_app.store, "ruth@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-ruth")
    page.goto(live_app.at("/login"))
    for _ in range(5):  # the default limit: 5 failed sign-ins per account in 15 minutes
        page.get_by_label("Email").fill("ruth@example.org")
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        assert "do not match an active account" in page.get_by_role("alert").inner_text()

    page.get_by_label("Email").fill("ruth@example.org")
    page.get_by_label("Password").fill(PASSWORD)  # even the right password waits now
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    assert navigation.value.status == 429
    alert = page.get_by_role("alert")
    text = alert.inner_text()
    assert text.startswith("Too many failed sign-ins for this account.")
    assert re.search(r"Try again (in a minute|in \d+ minutes|in about \d+ hours|tomorrow)\.$", text)
    assert "problems" in (alert.get_attribute("class") or "")  # styled like the page's other errors
    assert page.get_by_label("Email").is_visible()  # the form stays, to try again later
    screenshot(page, "sign-in-too-many-failures")
    assert page.request.get(live_app.at("/api/v1/me")).status == 401

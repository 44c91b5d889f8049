"""Changing practice themes on the profile page is audited like every other door's change (found walking the product)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from network.domain import Assessor, Organisation, Theme
from tests.web.browser import LiveApp, screenshot


def test_themes_added_and_removed_on_the_profile_page_show_in_the_audit_log_with_who_did_it(
    live_app: LiveApp, signed_in: Callable[..., Any]
) -> None:
    store = live_app.store
    store.create_organisation(Organisation(id="org-1", name="Northshire Council", kind="local_authority", region="london"))
    for theme_id, name in (("t-mca", "Mental Capacity Act assessments"), ("t-risk", "Risk assessment")):
        store.create_theme(Theme(id=theme_id, name=name))
    store.create_assessor(Assessor(id="a-ann", name="Ann Archer", availability=("tue-pm",), capacity=1, discoverable=True))
    store.set_employer("a-ann", "org-1")
    store.set_theme("a-ann", "t-risk", "exploring")

    ann = signed_in(("assessor",), assessor_id="a-ann", email="ann@example.org")
    ann.goto(live_app.at("/me/profile"))
    ann.locator("#add_theme").select_option(label="Mental Capacity Act assessments")
    ann.locator("#add_level").select_option(label="Experienced")
    ann.get_by_role("button", name="Add theme and save").click()
    ann.get_by_text("The theme is added and the profile saved.").wait_for()
    ann.locator("input[name=remove][value=t-risk]").check()
    ann.get_by_role("button", name="Save profile").click()
    ann.get_by_text("Your profile is saved.").wait_for()

    admin = signed_in(("admin",), email="admin@example.org")
    admin.goto(live_app.at("/admin/audit?action=assessor:themes"))
    rows = admin.locator("tbody tr")
    screenshot(admin, "audit-profile-themes")
    assert rows.count() == 2
    texts = [rows.nth(i).inner_text() for i in range(2)]
    assert all("ann@example.org" in t for t in texts)
    # The audit log says it in words (issue 17): the theme's name and the level, never the theme's id.
    assert any("mental capacity act assessments" in t.lower() and "experienced" in t.lower() for t in texts)
    assert any("risk assessment" in t.lower() for t in texts)
    assert not any("t-mca" in t or "t-risk" in t for t in texts)

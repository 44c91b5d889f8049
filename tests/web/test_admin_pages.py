"""Admin pages in a real browser: an admin creates an organisation and a user with a role, sees it in the audit log;
others are refused; names with markup stay text. Screenshots of each main page go to the artifacts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from network.domain import Organisation, Theme
from tests.web.browser import LiveApp, screenshot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def test_an_admin_adds_an_organisation_and_a_user_with_a_role_and_the_audit_log_shows_it(
    live_app: LiveApp, signed_in: Callable[..., Any]
) -> None:
    live_app.store.create_theme(Theme("pcf-values", "Values and ethics", "pcf"))
    page = signed_in(("admin",), email="admin@example.org")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("heading", name="Admin", level=1).wait_for()
    screenshot(page, "admin-home")

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_role("button", name="Add the organisation").click()  # empty: refused, field messages shown
    assert page.get_by_role("alert").filter(has_text="nothing was saved").is_visible()
    screenshot(page, "admin-organisation-form-errors")
    page.get_by_label("Id").fill("la-northshire")
    page.get_by_label("Name").fill("Northshire Council")
    page.get_by_label("Kind").select_option("local_authority")
    page.get_by_label("Region").select_option("north_east")
    page.get_by_role("button", name="Add the organisation").click()
    page.get_by_role("status").filter(has_text="Added Northshire Council.").wait_for()
    screenshot(page, "admin-organisations")
    assert live_app.store.get_organisation("la-northshire").name == "Northshire Council"

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users and roles").click()
    page.get_by_role("link", name="Create a user").click()
    page.get_by_label("Email").fill("manager@northshire.gov.uk")
    page.get_by_role("checkbox", name="Organisation admin").check()
    page.get_by_label("Organisations administered").fill("la-northshire")
    screenshot(page, "admin-user-form")
    page.get_by_role("button", name="Create the user").click()
    page.get_by_role("heading", name="manager@northshire.gov.uk can now use Bridgework").wait_for()
    link = page.get_by_role("textbox", name="The link to send").input_value()
    assert "/reset/" in link
    screenshot(page, "admin-user-created")
    user = live_app.store.get_user_by_email("manager@northshire.gov.uk")
    assert user.roles == ("org_admin",) and user.organisation_ids == ("la-northshire",)

    page.get_by_role("link", name="See manager@northshire.gov.uk").click()
    page.get_by_role("checkbox", name="Coordinator").check()
    page.get_by_role("button", name="Save roles").click()
    page.get_by_role("status").filter(has_text="Saved the roles").wait_for()
    screenshot(page, "admin-user")
    assert live_app.store.get_user(user.id).roles == ("coordinator", "org_admin")

    page.get_by_role("link", name="See the audit log").click()
    rows = page.get_by_role("row")
    assert rows.filter(has_text="created the sign-in of manager@northshire.gov.uk").count() == 1
    assert rows.filter(has_text="changed the roles of manager@northshire.gov.uk").filter(has_text="admin@example.org").count() == 1
    assert "user:" not in page.get_by_role("table").inner_text()  # actions in words, never codes
    page.get_by_label("Action").select_option(label="Roles were changed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: "action=user" in url)
    assert page.get_by_role("row").filter(has_text="created the sign-in").count() == 0
    screenshot(page, "admin-audit")

    page.goto(live_app.at("/admin/users"))
    page.get_by_label("Email contains").fill("northshire")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "q=northshire" in url)
    assert page.get_by_role("link", name="manager@northshire.gov.uk").is_visible()
    assert page.get_by_role("link", name="admin@example.org").count() == 0
    screenshot(page, "admin-users")


def test_people_who_are_not_admins_are_refused_and_strangers_are_sent_to_sign_in(
    live_app: LiveApp, signed_in: Callable[..., Any], page: Any
) -> None:
    page.goto(live_app.at("/admin/users"))
    page.wait_for_url(lambda url: "/login?next=/admin/users" in url)
    live_app.store.create_organisation(Organisation("org-1", "Northshire Council", "local_authority", "north_east"))
    manager = signed_in(("org_admin",), organisation_ids=("org-1",))
    assert manager.get_by_role("link", name="Admin").count() == 0
    response = manager.goto(live_app.at("/admin"))
    assert response.status == 403
    assert manager.get_by_role("heading", name="Admin", exact=True).count() == 0  # the 403 page, not the admin page
    screenshot(manager, "admin-refused")


def test_markup_in_organisation_theme_and_user_names_is_shown_as_text(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    store = live_app.store
    store.create_organisation(Organisation("org-x", "Org " + XSS, "voluntary", "london"))
    store.create_theme(Theme("t-x", "Theme " + XSS, "practice"))
    page = signed_in(("admin",))
    for path, text in (
        ("/admin/organisations", "Org " + XSS),
        ("/admin/themes", "Theme " + XSS),
        ("/admin/organisations/org-x/delete", "Delete Org " + XSS),
    ):
        page.goto(live_app.at(path))
        assert page.get_by_text(text, exact=True).first.is_visible(), path
        assert page.evaluate("window.__xss") is None
    page.goto(live_app.at("/admin/organisations/org-x/edit"))
    page.get_by_label("Name").fill("Renamed " + XSS)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("status").filter(has_text="Saved Renamed").wait_for()
    assert page.get_by_role("row").filter(has_text="Renamed " + XSS).count() == 1
    assert page.evaluate("window.__xss") is None
    assert store.get_organisation("org-x").name == "Renamed " + XSS


def test_the_admin_pages_work_on_a_phone(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    live_app.store.create_organisation(Organisation("org-1", "Northshire Council with a rather long name", "local_authority", "north_east"))
    page = signed_in(("admin",), viewport={"width": 360, "height": 740})
    page.goto(live_app.at("/admin/organisations"))
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-scroll'))"
        ".map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))"
    )
    screenshot(page, "admin-organisations-phone")
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

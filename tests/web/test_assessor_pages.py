"""Assessor pages in a real browser: editing the profile and availability, connecting from a suggestion, accepting a
request, being refused, hostile names shown as text, a phone-sized screen, and a screenshot of each page.

The rules one by one (each bad field, scope, CSRF) are checked faster in ``test_assessor_views.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, Theme, today
from tests.web.browser import LiveApp, screenshot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def _network(live_app: LiveApp, *, hostile_name: bool = False) -> None:
    """Two organisations, two themes, Ann (org A) and Bea (org B) who share a theme and a free time."""
    store = live_app.store
    store.create_organisation(Organisation("org-a", "Northshire Council", "local_authority", "north_east"))
    store.create_organisation(Organisation("org-b", "Southvale Trust", "nhs_trust", "south_west"))
    store.create_theme(Theme("t-risk", "Risk and safeguarding", "practice"))
    store.create_theme(Theme("t-law", "Law and policy", "pcf"))
    store.create_assessor(
        Assessor(
            "a-ann",
            "Ann Adams",
            email="ann@example.org",
            region="north_east",
            experience_years=5,
            discoverable=True,
            availability=("tue-pm",),
        )
    )
    store.set_employer("a-ann", "org-a")
    store.set_theme("a-ann", "t-risk", "exploring")
    bea = "Bea " + XSS if hostile_name else "Bea Brown"
    store.create_assessor(
        Assessor(
            "a-bea",
            bea,
            email="bea@example.org",
            region="south_west",
            experience_years=9,
            discoverable=True,
            availability=("tue-pm",),
            bio=XSS,
        )
    )
    store.set_employer("a-bea", "org-b")
    store.set_theme("a-bea", "t-risk", "experienced")


def test_an_assessor_edits_their_profile_and_availability_and_sees_it_saved(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    _network(live_app)
    page = signed_in(assessor_id="a-ann")
    page.goto(live_app.at("/me"))
    assert page.url.endswith("/me/profile")
    assert page.get_by_role("heading", name="Your profile", level=1).is_visible()

    page.get_by_label("Name").fill("Ann Adams-Smith")
    page.get_by_label("About your practice").fill("Practice educator in a children's team.")
    page.get_by_label("Region").select_option(label="North East")
    page.get_by_label("Years of experience as a social worker").fill("7")
    page.get_by_label("How many action learning sets you can be in at once").fill("2")
    page.get_by_label("Monday morning").check()
    page.get_by_label("Thursday evening").check()
    page.get_by_label("Tuesday afternoon").uncheck()
    page.get_by_label("Level for Risk and safeguarding").select_option("experienced")
    page.get_by_label("Add a theme").select_option(label="Law and policy")
    page.get_by_label("Level", exact=True).select_option("exploring")
    page.get_by_label("Pause suggestions for a while").check()
    until = today() + timedelta(days=14)
    page.get_by_label("Paused until").fill(until.isoformat())
    page.get_by_role("button", name="Add theme and save").click()
    page.wait_for_url("**/me/profile#themes")

    assert page.get_by_role("status").filter(has_text="profile saved").is_visible()
    page.reload()
    assert page.get_by_label("Name").input_value() == "Ann Adams-Smith"
    assert page.get_by_label("Monday morning").is_checked()
    assert page.get_by_label("Thursday evening").is_checked()
    assert not page.get_by_label("Tuesday afternoon").is_checked()
    assert page.get_by_label("Level for Law and policy").input_value() == "exploring"
    assert page.get_by_label("Paused until").input_value() == until.isoformat()
    saved = live_app.store.get_assessor("a-ann")
    assert saved.availability == ("mon-am", "thu-eve") and saved.experience_years == 7 and saved.paused_until == until
    screenshot(page, "assessor-profile")

    # A bad answer: the error summary takes the focus, links to the field, and nothing is written.
    page.get_by_label("Years of experience as a social worker").fill("lots")
    page.get_by_label("Friday morning").check()
    page.get_by_role("button", name="Save profile").click()
    summary = page.get_by_role("alert").filter(has_text="Nothing was saved")
    assert summary.is_visible()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'")
    page.get_by_role("link", name="Enter your years of experience as a whole number from 0 to 70.").click()
    assert page.evaluate("location.hash") == "#experience_years"
    assert page.get_by_label("Friday morning").is_checked()  # what was typed is kept
    screenshot(page, "assessor-profile-error")
    assert live_app.store.get_assessor("a-ann") == saved


def test_connect_from_a_suggestion_then_the_other_accepts_without_reloads(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    _network(live_app, hostile_name=True)
    ann = signed_in(assessor_id="a-ann")
    ann.goto(live_app.at("/me/suggestions"))
    card = ann.locator("li.suggestion").first
    assert card.get_by_role("heading", level=2).inner_text() == "Bea " + XSS  # a hostile name is text
    assert "Southvale Trust" in card.inner_text()
    assert card.locator(".reasons li").count() >= 1
    assert ann.evaluate("window.__xss") is None
    screenshot(ann, "assessor-suggestions")

    ann.evaluate("window.__stayed = true")  # a full page load would lose this
    card.get_by_role("button", name="Connect").click()
    outcome = card.locator(".outcome")
    outcome.wait_for(state="visible")
    assert "Request sent to Bea" in outcome.inner_text()
    assert ann.evaluate("window.__stayed") is True
    assert ann.evaluate("document.activeElement.classList.contains('outcome')")  # focus moves to what happened
    assert "done" in (card.get_attribute("class") or "")
    screenshot(ann, "assessor-suggestions-connected")
    assert [(c.from_id, c.to_id, c.status) for c in live_app.store.contacts_of("a-ann")] == [("a-ann", "a-bea", "requested")]

    bea = signed_in(assessor_id="a-bea")
    bea.goto(live_app.at("/me/contacts"))
    request = bea.locator("li.card").filter(has_text="Ann Adams")
    assert bea.get_by_role("heading", name="Requests for you").is_visible()
    screenshot(bea, "assessor-contacts-request")
    bea.evaluate("window.__stayed = true")
    request.get_by_role("button", name="Accept the request from Ann Adams").click()
    request.locator(".outcome").wait_for(state="visible")
    assert "You are now connected with Ann Adams" in request.locator(".outcome").inner_text()
    assert bea.evaluate("window.__stayed") is True
    assert [c.status for c in live_app.store.contacts_of("a-bea")] == ["accepted"]

    bea.reload()
    contacts = bea.locator("section").filter(has=bea.get_by_role("heading", name="Your contacts"))
    assert contacts.get_by_role("link", name="ann@example.org").is_visible()
    screenshot(bea, "assessor-contacts")

    ann.goto(live_app.at("/me/contacts"))
    assert ann.get_by_text("Bea " + XSS).first.is_visible()
    assert ann.evaluate("window.__xss") is None


def test_without_javascript_the_buttons_still_work(live_app: LiveApp, new_page: Callable[..., Any]) -> None:
    from api.services import accounts
    from tests.web.browser import PASSWORD, sign_in

    _network(live_app)
    accounts.create_user(live_app.store, "ann@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-ann")
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    sign_in(page, live_app, "ann@example.org")
    page.goto(live_app.at("/me/suggestions"))
    page.get_by_role("button", name="Not for me (suggestion of Bea Brown)").click()
    page.wait_for_url("**/me/suggestions")
    assert page.get_by_role("status").filter(has_text="Bea Brown will not be suggested to you again.").is_visible()
    assert page.locator("li.suggestion").count() == 0
    assert [d.other_id for d in live_app.store.declines_of("a-ann")] == ["a-bea"]


def test_people_without_the_right_are_refused(live_app: LiveApp, signed_in: Callable[..., Any], page: Any) -> None:
    _network(live_app)
    page.goto(live_app.at("/me/contacts"))
    page.wait_for_url("**/login?next=/me/contacts")

    other_admin = signed_in(("org_admin",), organisation_ids=("org-a",))
    other_admin.goto(live_app.at("/assessors/a-bea/profile"))
    assert other_admin.get_by_role("heading", level=1).inner_text() == "You can't open this page"
    assert other_admin.get_by_text("You can only open the profiles of assessors in an organisation you administer.").is_visible()
    screenshot(other_admin, "assessor-profile-refused")
    other_admin.goto(live_app.at("/me/profile"))
    assert other_admin.get_by_role("heading", name="Your account has no assessor profile").is_visible()

    ann = signed_in(assessor_id="a-ann")
    response = ann.goto(live_app.at("/assessors/a-bea/profile"))
    assert response is not None and response.status == 403

    bea_admin = signed_in(("org_admin",), organisation_ids=("org-b",))
    bea_admin.goto(live_app.at("/assessors/a-bea/profile"))
    assert bea_admin.get_by_role("heading", name="Profile of Bea Brown", level=1).is_visible()
    assert bea_admin.get_by_label("About their practice").input_value() == XSS  # the hostile bio is text in the box
    assert bea_admin.evaluate("window.__xss") is None


def test_sets_and_privacy_pages_on_a_phone(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    _network(live_app, hostile_name=True)
    store = live_app.store
    store.create_programme(Programme("p-1", "North–South partnership 2027", status="running", set_size_min=2, set_size_max=6, meetings=6))
    for member in ("a-ann", "a-bea"):
        store.enrol("p-1", member)
    aset = ActionLearningSet("s-1", "Tuesday set", programme_id="p-1", status="active", meeting_slot="tue-pm", starts_on=today())
    store.commit_sets("p-1", [NewSet(aset, ("a-ann", "a-bea"))], joined=today() - timedelta(days=7))

    phone = signed_in(assessor_id="a-ann", viewport={"width": 360, "height": 740})
    for path, name in (
        ("/me/profile", "assessor-profile-phone"),
        ("/me/sets", "assessor-sets-phone"),
        ("/me/privacy", "assessor-privacy-phone"),
    ):
        phone.goto(live_app.at(path))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} scrolls sideways on a phone"
        screenshot(phone, name)
        if path == "/me/profile":
            slot = phone.get_by_label("Wednesday evening")
            slot.focus()
            phone.keyboard.press("Space")  # the grid works from the keyboard
            assert slot.is_checked()
            box = phone.locator("table.availability").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 360
        if path == "/me/sets":
            card = phone.locator("li.set").first
            assert card.get_by_role("link", name="Tuesday set", exact=True).get_attribute("href") == "/sets/s-1"
            assert "North–South partnership 2027" in card.inner_text()
            assert "Ann Adams (you)" in card.inner_text() and "Bea " + XSS in card.inner_text()
            assert card.get_by_text("Your next turn").is_visible()
            assert phone.get_by_role("link", name="Sets you could join").get_attribute("href") == "/me/set-suggestions"
            assert phone.evaluate("window.__xss") is None

    phone.get_by_role("button", name="Erase my data and sign out").click()
    assert phone.get_by_role("alert").filter(has_text="Tick the box").is_visible()
    assert store.existing_ids("Assessor", ["a-ann"]) == {"a-ann"}
    phone.get_by_label("I understand that my data will be erased for good").check()
    phone.get_by_role("button", name="Erase my data and sign out").click()
    phone.wait_for_url(live_app.at("/"))
    assert phone.get_by_role("status").filter(has_text="Your data has been erased").is_visible()
    assert store.existing_ids("Assessor", ["a-ann"]) == set()
    assert phone.get_by_role("link", name="Sign in").is_visible()


def test_the_add_a_theme_list_shows_each_group_once(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    _network(live_app)
    live_app.store.create_theme(Theme("t-court", "Court skills", "practice"))
    page = signed_in(assessor_id="a-ann")
    page.goto(live_app.at("/me/profile"))
    chooser = page.get_by_label("Add a theme")
    groups = chooser.locator("optgroup").evaluate_all("els => els.map(e => e.label)")
    assert groups == ["Professional Capabilities Framework", "Practice themes"]  # Ann already has Risk and safeguarding
    offered = chooser.locator("option").evaluate_all("els => els.map(e => e.textContent)")
    assert offered == ["Choose a theme", "Law and policy", "Court skills"]


def test_add_theme_and_save_without_a_theme_says_so_by_the_field_and_saves_nothing(
    live_app: LiveApp, signed_in: Callable[..., Any]
) -> None:
    _network(live_app)
    page = signed_in(assessor_id="a-ann")
    page.goto(live_app.at("/me/profile"))
    before = (live_app.store.get_assessor("a-ann"), live_app.store.theme_links("a-ann"))
    page.get_by_label("Name").fill("Ann Changed")  # nothing of the form is saved either
    page.get_by_role("button", name="Add theme and save").click()
    summary = page.get_by_role("alert").filter(has_text="Nothing was saved")
    assert summary.is_visible()
    assert page.get_by_text("Your profile is saved.").count() == 0
    field = page.locator(".add-theme .field").filter(has=page.get_by_label("Add a theme"))
    assert "Choose a theme to add." in field.inner_text()  # the message is by the field
    assert page.get_by_label("Add a theme").get_attribute("aria-invalid") == "true"
    summary.get_by_role("link", name="Choose a theme to add.").click()
    assert page.evaluate("location.hash") == "#add_theme"
    screenshot(page, "assessor-profile-add-no-theme")
    assert (live_app.store.get_assessor("a-ann"), live_app.store.theme_links("a-ann")) == before


def test_a_suggestion_shows_the_organisations_own_region_beside_its_name(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    """Bea lives in the East of England but works for Whitton Council, in the North West: the card says where Whitton is."""
    _network(live_app)
    store = live_app.store
    store.create_organisation(Organisation("org-w", "Whitton Council", "local_authority", "north_west"))
    store.set_employer("a-bea", "org-w")
    store.update_assessor(replace(store.get_assessor("a-bea"), region="east_of_england"))
    page = signed_in(assessor_id="a-ann")
    page.goto(live_app.at("/me/suggestions"))
    card = page.locator("li.suggestion").filter(has_text="Bea Brown")
    assert card.locator(".meta").inner_text() == "Whitton Council · North West"
    assert "East of England" not in card.inner_text()


def test_a_suggestion_shows_the_persons_short_bio_as_text(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    """Issue 18: a suggested peer's bio is on their card, in their words and as text; a card without a bio shows none."""
    _network(live_app)
    store = live_app.store
    store.update_assessor(replace(store.get_assessor("a-bea"), bio="Practice educator in adult mental health <b>since</b> 2015."))
    store.create_assessor(Assessor("a-cal", "Cal Carter", region="south_west", discoverable=True, availability=("tue-pm",)))
    store.set_employer("a-cal", "org-b")
    store.set_theme("a-cal", "t-risk", "experienced")
    page = signed_in(assessor_id="a-ann")
    page.goto(live_app.at("/me/suggestions"))
    bea = page.locator("li.suggestion").filter(has_text="Bea Brown")
    assert bea.locator("p.bio").inner_text() == "“Practice educator in adult mental health <b>since</b> 2015.”"
    cal = page.locator("li.suggestion").filter(has_text="Cal Carter")
    assert cal.count() == 1 and cal.locator("p.bio").count() == 0

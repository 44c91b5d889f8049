"""Two people editing one record on its page at the same time: each save keeps the other's change.

Each page was opened before the other person saved, so its form still shows the old value of the
field the other person changed. Before saves wrote only what was changed, the second save wrote
that old value back and the first person's change was gone (the person saw it revert on reload).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from network.domain import Assessor, Organisation, Programme
from tests.web.browser import LiveApp, screenshot


def test_an_assessor_and_their_admin_edit_the_profile_at_once_and_both_changes_stay(
    live_app: LiveApp, signed_in: Callable[..., Any]
) -> None:
    store = live_app.store
    store.create_organisation(Organisation("org-a", "Northshire Council", "local_authority", "north_east"))
    store.create_assessor(Assessor("a-ann", "Ann Adams", experience_years=5, capacity=1, availability=("tue-pm",)))
    store.set_employer("a-ann", "org-a")
    ann = signed_in(assessor_id="a-ann")
    admin = signed_in(("org_admin",), organisation_ids=("org-a",))
    ann.goto(live_app.at("/me/profile"))
    admin.goto(live_app.at("/assessors/a-ann/profile"))

    admin.get_by_label("How many action learning sets they can be in at once").fill("3")
    admin.get_by_role("button", name="Save profile").click()
    expect(admin.get_by_text("The profile is saved.")).to_be_visible()

    ann.get_by_label("About your practice").fill("Practice educator in a children's team.")  # her form still shows 1 set
    ann.get_by_role("button", name="Save profile").click()
    expect(ann.get_by_text("Your profile is saved.")).to_be_visible()

    ann.reload()
    assert ann.get_by_label("About your practice").input_value() == "Practice educator in a children's team."
    assert ann.get_by_label("How many action learning sets you can be in at once").input_value() == "3"
    screenshot(ann, "profile-two-editors")
    stored = store.get_assessor("a-ann")
    assert (stored.bio, stored.capacity, stored.experience_years) == ("Practice educator in a children's team.", 3, 5)


def test_two_coordinators_change_different_settings_at_once_and_both_stay(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    store = live_app.store
    store.create_programme(Programme(id="prog-1", name="Spring round", set_size_max=7))
    first = signed_in(("coordinator",), programme_ids=("prog-1",))
    second = signed_in(("coordinator",), programme_ids=("prog-1",))
    pages = (first, second)
    for page in pages:
        page.goto(live_app.at("/programmes/prog-1"))
        page.get_by_text("Change settings").click()

    def settings(page: Any) -> Any:
        return page.locator("form").filter(has=page.get_by_role("button", name="Save settings"))

    settings(first).get_by_label("Name").fill("Spring round (north)")
    settings(first).get_by_role("button", name="Save settings").click()
    expect(first.get_by_text("The programme's settings are saved.")).to_be_visible()

    settings(second).get_by_label("Largest set").fill("8")  # this form still shows the old name
    settings(second).get_by_role("button", name="Save settings").click()
    expect(second.get_by_text("The programme's settings are saved.")).to_be_visible()

    second.reload()
    second.get_by_text("Change settings").click()
    assert settings(second).get_by_label("Name").input_value() == "Spring round (north)"
    assert settings(second).get_by_label("Largest set").input_value() == "8"
    screenshot(second, "programme-two-coordinators")
    stored = store.get_programme("prog-1")
    assert (stored.name, stored.set_size_max) == ("Spring round (north)", 8)

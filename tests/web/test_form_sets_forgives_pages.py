"""Form sets that forgives (issue 17), in a real browser, as the coordinator would: cards show organisation, availability
and experience; choosing a person marks the sets they could join; a set is named; every change is kept as a version,
an earlier one restored, and the restore undone and redone; keys jump between sets and to Commit; a re-run keeps a
locked set with its name and number. Screenshots: ``tests/web/artifacts/form-sets-*.png``.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from api.services import sets as sets_service
from tests.web.browser import LiveApp, screenshot
from tests.web.test_coordinator_pages import WAIT, members_of
from tests.web.test_coordinator_views import arrange_pool


def sets_shown(page: Any) -> dict[int, list[str]]:
    numbers = [int(n) for n in page.locator(".set-card").evaluate_all("cards => cards.map(c => c.dataset.set)")]
    return {n: sorted(members_of(page, n)) for n in numbers}


def test_undo_restore_names_and_the_sets_a_person_can_join(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    # 12 people of 6 organisations (two each), sets of 3 to 5: three sets of four, each with a place left.
    arrange_pool(store, programme_id="prog-1", set_size_min=3, set_size_max=5, set_size_target=4)
    sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=2, max_iterations=500))
    page = signed_in(("coordinator",), programme_ids=("prog-1",))
    page.goto(live_app.at("/programmes/prog-1/form"))
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    formed = sets_shown(page)
    expect(page.locator("#versions-body li")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#versions-body li").first).to_contain_text("Version 1: Formed by set formation")

    # Cards show each person's organisation, availability and experience.
    first = page.locator('.set-card[data-set="1"] li.member').first
    expect(first.locator(".org")).to_contain_text("Organisation")
    expect(first.locator(".avail")).to_have_text("Tuesday afternoons, Thursday mornings")
    expect(first.locator(".exp")).to_have_text(re.compile(r"^\d+ years?$"))

    # Choosing a person marks the sets they could join: their colleague's set is not one of them, and says why.
    mover = members_of(page, 1)[0]
    page.locator('.set-card[data-set="1"] .member-pick', has_text=mover).first.click()
    expect(page.locator(".set-card.can-join")).to_have_count(1)
    expect(page.locator(".set-card.cannot-join")).to_have_count(1)
    expect(page.locator(".set-card.cannot-join .fit")).to_contain_text("is in it already")
    target = int(page.locator(".set-card.can-join").get_attribute("data-set") or 0)
    expect(page.locator(f'.set-card[data-set="{target}"] .fit')).to_have_text(f"{mover} can join without breaking a rule")
    screenshot(page, "form-sets-can-join")
    page.get_by_label("Move to").select_option(str(target))
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#ws-status")).to_contain_text(f"Moved {mover} to set {target}.")
    expect(page.locator("#ws-verdict")).to_have_text("Every set keeps the programme's rules.")
    moved = sets_shown(page)
    assert mover in moved[target]

    # A set gets a name; it is listed in number order with it, in the cards and the "Go to" links.
    page.get_by_role("button", name="Rename").nth(1).click()
    page.get_by_label("Name of set 2").fill("Tuesday thinkers")
    page.get_by_role("button", name="Save name").click()
    expect(page.locator('.set-card[data-set="2"] h3')).to_have_text("Tuesday thinkers · Set 2")
    expect(page.locator("#set-jump a")).to_have_text(["Set 1", "Tuesday thinkers · Set 2", "Set 3", "Commit"])
    expect(page.locator("#versions-body li")).to_have_count(3, timeout=WAIT)
    expect(page.locator("#versions-body")).to_contain_text(f"Moved {mover} to set {target}")
    expect(page.locator("#versions-body")).to_contain_text("Named set 2 'Tuesday thinkers'")
    screenshot(page, "form-sets-versions")

    # Restore the version the engine made: the sets as formed, without the name; then undo that, and redo it.
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.locator("#ws-status")).to_contain_text("Back to version 1.")
    assert sets_shown(page) == formed
    expect(page.locator('.set-card[data-set="2"] h3')).to_have_text("Set 2")
    page.get_by_role("button", name="Undo").click()
    expect(page.locator('.set-card[data-set="2"] h3')).to_have_text("Tuesday thinkers · Set 2")
    assert sets_shown(page) == moved
    page.get_by_role("button", name="Redo").click()
    expect(page.locator('.set-card[data-set="2"] h3')).to_have_text("Set 2")
    assert sets_shown(page) == formed
    page.get_by_role("button", name="Undo").click()
    expect(page.locator('.set-card[data-set="2"] h3')).to_have_text("Tuesday thinkers · Set 2")
    # Formed, moved, named, restored, and each undo or redo is a version of its own: seven, the newest the last undo.
    expect(page.locator("#versions-body li")).to_have_count(7, timeout=WAIT)
    expect(page.locator("#versions-body li").first).to_contain_text("Version 7: Went back to version 5")
    expect(page.locator("#versions-body li").first).to_contain_text("Now")

    # The keyboard path: "]" and "[" go from set to set, "c" to Commit.
    page.locator('.set-card[data-set="1"]').focus()
    page.keyboard.press("]")
    expect(page.locator('.set-card[data-set="2"]')).to_be_focused()
    page.keyboard.press("]")
    expect(page.locator('.set-card[data-set="3"]')).to_be_focused()
    page.keyboard.press("[")
    expect(page.locator('.set-card[data-set="2"]')).to_be_focused()
    page.keyboard.press("c")
    expect(page.get_by_role("link", name="Review and commit…")).to_be_focused()

    # Lock the named set and re-run: it keeps its people, its number and its name.
    page.get_by_role("button", name="Lock set 2").click()
    expect(page.get_by_role("button", name="Unlock set 2")).to_be_visible()
    kept = sorted(members_of(page, 2))
    page.locator("#rerun-form").get_by_label("Seed").fill("9")
    page.locator("#rerun-form").get_by_label("Search time (seconds)").fill("0.2")
    page.get_by_role("button", name="Re-run").click()
    expect(page).to_have_url(re.compile(r"/form\?proposal=prop-[0-9a-f]+$"), timeout=WAIT)
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    expect(page.locator('.set-card[data-set="2"] h3')).to_have_text("Tuesday thinkers · Set 2Locked")
    assert sorted(members_of(page, 2)) == kept
    expect(page.locator("#versions-body")).to_contain_text("Re-run (locked sets kept)")
    screenshot(page, "form-sets-rerun-named")

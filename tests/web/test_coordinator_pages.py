"""Coordinator pages in a real browser: open a programme, form sets, move people by keyboard and by drag and drop,
lock and re-run, weigh the reach what-if, commit, and fill a vacancy; the refusals; names rendered as text.

Data is arranged through the store and services (``arrange_pool``); everything a coordinator does is done
through the pages. Screenshots go to ``tests/web/artifacts/coordinator-*.png``.
"""

from __future__ import annotations

import re
import threading
from datetime import date
from typing import Any

from playwright.sync_api import expect

from api import jobs
from api.services import sets as sets_service
from network.domain import Assessor
from tests.web.browser import LiveApp, screenshot
from tests.web.test_coordinator_views import XSS, arrange_pool, set_of

#: Long enough for a slow shared machine; nothing here is timed.
WAIT = 30_000


def members_of(page: Any, number: int) -> list[str]:
    """Names in the set card ``number``, in order."""
    return page.locator(f'.set-card[data-set="{number}"] .member-pick').all_inner_texts()


def all_sets(page: Any) -> list[list[str]]:
    """Every set card's member names (sorted within each set)."""
    count = page.locator(".set-card").count()
    return [sorted(members_of(page, n)) for n in range(1, count + 1)]


def member_in(page: Any, number: int, name: str) -> Any:
    """The draggable row of ``name`` in set card ``number``."""
    return page.locator(f'.set-card[data-set="{number}"] li.member').filter(has=page.get_by_role("button", name=name, exact=True))


def same_organisation(page: Any, first: int, second: int) -> tuple[str, str]:
    """Names of a person in set ``first`` and one in set ``second`` who work for the same organisation."""

    def people(number: int) -> list[tuple[str, str]]:
        rows = page.locator(f'.set-card[data-set="{number}"] li.member')
        return [(row.locator(".member-pick").inner_text(), row.locator(".org").inner_text()) for row in rows.all()]

    pairs = [(a, b) for a, org_a in people(first) for b, org_b in people(second) if org_a == org_b]
    assert pairs, "sets of 4 from 6 organisations always share an organisation"
    return pairs[0]


def assert_no_script_ran(page: Any) -> None:
    assert page.evaluate("window.__xss") is None


def test_a_coordinator_forms_edits_locks_reruns_and_commits_sets(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    arrange_pool(store, people=12, names=[XSS])
    # Free only on Sunday evenings: nobody else is, so they cannot be placed.
    store.create_assessor(Assessor(id="a-loner", name="Lone Sunday", availability=("sun-eve",), discoverable=True))
    store.set_employer("a-loner", "org-0")
    page = signed_in(("coordinator",))

    # Open a programme through the form (a wrong size first: the form says what is wrong and keeps what was typed).
    page.goto(live_app.at("/programmes"))
    expect(page.get_by_role("heading", name="Programmes", exact=True)).to_be_visible()
    page.get_by_label("Name").fill("Bridges " + XSS)
    page.get_by_label("Smallest set").fill("5")
    page.get_by_label("Largest set").fill("4")
    page.get_by_role("button", name="Open the programme").click()
    expect(page.get_by_role("alert")).to_contain_text("Largest set: Must be at least the smallest set size.")
    assert page.get_by_label("Name").input_value() == "Bridges " + XSS
    screenshot(page, "coordinator-programmes-invalid")
    page.get_by_label("Smallest set").fill("3")
    page.get_by_label("Aim for sets of").fill("4")
    page.get_by_role("button", name="Open the programme").click()
    page.wait_for_url(re.compile(r"/programmes/prog-[0-9a-f]+$"))
    programme_id = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_role("heading", level=1)).to_have_text("Bridges " + XSS)
    assert_no_script_ran(page)

    # Enrol: one organisation's people ticked on the page, the rest arranged through the store.
    page.get_by_label("Show the assessors of").select_option(label="Organisation 0")
    page.get_by_role("button", name="Show").click()
    page.get_by_label(XSS, exact=True).check()
    page.get_by_label("Person 06").check()
    page.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_text("Enrolled 2 people.")).to_be_visible()
    for assessor_id in [f"a-{k:02d}" for k in range(12) if k not in (0, 6)] + ["a-loner"]:
        store.enrol(programme_id, assessor_id)
    page.reload()
    pool = page.get_by_role("table", name=re.compile("People enrolled"))
    expect(pool.get_by_role("row")).to_have_count(14)
    expect(pool.get_by_role("rowheader", name=XSS)).to_be_visible()
    assert_no_script_ran(page)
    screenshot(page, "coordinator-programme")

    # Form sets as a background job; the page follows it and opens the proposal.
    page.get_by_role("navigation", name="Programme pages").get_by_role("link", name="Form sets").click()
    page.get_by_label("Search time (seconds)").fill("0.3")
    page.get_by_role("button", name="Propose sets").click()
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    assert "proposal=prop-" in page.url
    expect(page.locator("#ws-verdict")).to_have_text("Every set keeps the programme's rules.")
    unplaced = page.get_by_role("list", name="People not placed").get_by_role("listitem")
    expect(unplaced).to_have_count(1)
    expect(unplaced).to_contain_text("Lone Sunday")
    expect(unplaced).to_contain_text("no common slot")
    expect(page.locator(".set-card .meets").first).to_contain_text("Meets Tuesday afternoons")
    expect(page.locator("#whatif-body li").first).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(XSS, exact=True)).to_be_visible()
    assert_no_script_ran(page)
    screenshot(page, "coordinator-form-sets")

    # Keyboard: choose a person in set 1, then "Move to" set 2; set 2 becomes too big and says so.
    mover = members_of(page, 1)[0]
    score_before = page.locator('[data-figure="Score"]').inner_text()
    page.locator('.set-card[data-set="1"] .member-pick').first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="Selected person")).to_be_visible()
    expect(page.get_by_label("Move to")).to_be_focused()
    page.get_by_label("Move to").select_option("2")
    screenshot(page, "coordinator-form-sets-keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#ws-status")).to_contain_text(f"Moved {mover} to set 2.")
    assert mover in members_of(page, 2)
    expect(page.locator('.set-card[data-set="2"] .violations')).to_be_visible()
    expect(page.locator("#ws-verdict")).to_contain_text("cannot be committed")
    assert page.locator('[data-figure="Score"]').inner_text() != score_before or "unchanged" in page.locator("#ws-status").inner_text()
    screenshot(page, "coordinator-form-sets-warning")

    # Drag and drop: the same person back to set 1, which puts the rules right again.
    member_in(page, 2, mover).drag_to(page.locator('.set-card[data-set="1"] h3'))
    expect(page.locator("#ws-status")).to_contain_text(f"Moved {mover} to set 1.")
    expect(page.locator("#ws-verdict")).to_have_text("Every set keeps the programme's rules.")
    assert mover in members_of(page, 1)

    # Dropping onto a person of another set moves into their set, never an accidental swap (issue 17); Undo puts it back.
    a, b = same_organisation(page, 1, 3)
    member_in(page, 1, a).drag_to(member_in(page, 3, b))
    expect(page.locator("#ws-status")).to_contain_text(f"Moved {a} to set 3.")
    assert a in members_of(page, 3) and b in members_of(page, 3)
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#ws-status")).to_contain_text("Back to version")
    assert a in members_of(page, 1) and a not in members_of(page, 3)
    expect(page.locator("#ws-verdict")).to_have_text("Every set keeps the programme's rules.")

    # A swap is its own action: choose a person, then Swap with (two people of one organisation, so every rule still holds).
    page.locator('.set-card[data-set="1"] .member-pick', has_text=a).click()
    other_id = page.locator("#swap-target option", has_text=b).get_attribute("value")
    page.get_by_label("Swap with").select_option(other_id)
    page.get_by_role("button", name="Swap", exact=True).click()
    expect(page.locator("#ws-status")).to_contain_text(f"Swapped {a} and {b}.")
    expect(page.locator("#ws-verdict")).to_have_text("Every set keeps the programme's rules.")
    assert b in members_of(page, 1) and a in members_of(page, 3)

    # Another coordinator changes the proposal meanwhile: this page's next change is refused, said so, and reloaded.
    [record] = store.list_proposals(programme_id)
    other = sets_service.get_proposal(store, record.id)
    x, y = other.sets[1].members[0], other.sets[2].members[0]
    sets_service.edit_proposal(store, record.id, record.version, swap=(x, y))
    page.locator('.set-card[data-set="1"] .member-pick').first.click()
    page.get_by_label("Move to").select_option("3")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#ws-status")).to_contain_text("Not changed:")
    expect(page.locator("#ws-status")).to_contain_text("changed meanwhile")
    assert store.get_assessor(y).name in members_of(page, 2) and store.get_assessor(x).name in members_of(page, 3)

    # Lock set 1, re-run with another seed: set 1 is kept exactly.
    page.get_by_role("button", name="Lock set 1").click()
    expect(page.get_by_role("button", name="Unlock set 1")).to_be_visible()
    locked = sorted(members_of(page, 1))
    before = all_sets(page)
    page.goto(live_app.at(f"/programmes/{programme_id}/form"))  # the proposal persists: opened again, the same sets
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    assert all_sets(page) == before and sorted(members_of(page, 1)) == locked
    page.locator("#rerun-form").get_by_label("Seed").fill("7")
    page.locator("#rerun-form").get_by_label("Search time (seconds)").fill("0.2")
    page.get_by_role("button", name="Re-run").click()
    expect(page).to_have_url(re.compile(r"/form\?proposal=prop-[0-9a-f]+$"), timeout=WAIT)
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    assert locked in all_sets(page)
    expect(page.locator(".set-card.locked")).to_have_count(1)

    # Commit: review (with the what-if), then confirm.
    page.get_by_role("link", name="Review and commit…").click()
    expect(page.get_by_role("heading", name="Commit 3 sets?")).to_be_visible()
    expect(page.get_by_role("heading", name="What these sets would do for the network")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Isolated assessors 13 1"))).to_be_visible()
    assert_no_script_ran(page)
    screenshot(page, "coordinator-commit")
    page.get_by_role("button", name="Yes, create 3 sets").click()
    expect(page.get_by_text("3 sets created with 12 members.")).to_be_visible()
    sets_table = page.get_by_role("table", name=re.compile("Sets of"))
    expect(sets_table.get_by_role("row")).to_have_count(4)
    assert len(store.sets_of_programme(programme_id)) == 3


def test_a_locked_set_keeps_its_number_after_a_rerun(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    arrange_pool(store, programme_id="prog-1")
    view = sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=2, time_limit=0))
    # Arranged: Person 00 swapped with the other person of their organisation (Person 06), so a later set now holds
    # the pool's first person. The engine lists the sets it forms in member order, so a re-run that numbered sets by
    # position would show this set as "Set 1".
    number_of = {m: k + 1 for k, s in enumerate(view.sets) for m in s.members}  # a fresh proposal numbers its sets in order
    assert number_of["a-06"] != number_of["a-00"]
    kept = number_of["a-06"]
    sets_service.edit_proposal(store, view.record.id, view.record.version, swap=("a-00", "a-06"))
    page = signed_in(("coordinator",), programme_ids=("prog-1",))

    page.goto(live_app.at("/programmes/prog-1/form"))
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    page.get_by_role("button", name=f"Lock set {kept}").click()
    expect(page.get_by_role("button", name=f"Unlock set {kept}")).to_be_visible()
    locked = sorted(members_of(page, kept))
    assert "Person 00" in locked
    page.locator("#rerun-form").get_by_label("Seed").fill("7")
    page.locator("#rerun-form").get_by_label("Search time (seconds)").fill("0.2")
    page.get_by_role("button", name="Re-run").click()
    expect(page).to_have_url(re.compile(r"/form\?proposal=prop-[0-9a-f]+$"), timeout=WAIT)
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)

    card = page.locator(f'.set-card[data-set="{kept}"]')
    expect(card).to_have_class(re.compile(r"\blocked\b"))
    expect(card.get_by_role("heading", level=3)).to_have_text(f"Set {kept}Locked")
    assert sorted(members_of(page, kept)) == locked
    expect(page.locator("#ws-renumbering")).to_contain_text(f"Locked Set {kept} kept its members and its number.")
    screenshot(page, "coordinator-rerun-numbers")
    page.reload()  # opened again: the same numbers, and still said
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    assert sorted(members_of(page, kept)) == locked
    expect(page.locator("#ws-renumbering")).to_contain_text(f"Locked Set {kept} kept")


def test_a_long_formation_job_shows_progress_and_can_be_left_and_opened_again(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    arrange_pool(store, programme_id="prog-1")
    page = signed_in(("coordinator",), programme_ids=("prog-1",), email="long.job@example.org")
    user_id = store.get_user_by_email("long.job@example.org").id
    release = threading.Event()

    def work(ctx: Any) -> dict[str, Any]:  # a large pool's formation, held until the test lets it finish
        ctx.progress(1, 4, "Forming sets from 12 people")
        release.wait(60)
        view = sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=2, time_limit=0))
        return {"proposal_id": view.record.id}

    job_id = jobs.start_job("form-sets", user_id, work, scope={"programme_id": "prog-1"}, store=store)
    try:
        page.goto(live_app.at(f"/programmes/prog-1/form?job={job_id}"))
        expect(page.get_by_role("heading", name="Forming sets")).to_be_visible()
        expect(page.locator("[data-job-status]")).to_contain_text("Forming sets from 12 people (1 of 4)", timeout=WAIT)
        assert page.locator("progress").evaluate("p => [p.value, p.max]") == [1, 4]
        screenshot(page, "coordinator-form-sets-progress")
        page.goto(live_app.at("/programmes/prog-1"))  # leave the page while the job runs, then come back by its URL
        page.go_back()
        expect(page.locator("[data-job-status]")).to_contain_text("Forming sets from 12 people", timeout=WAIT)
    finally:
        release.set()
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    assert "proposal=prop-" in page.url and "job=" not in page.url


def test_a_coordinator_fills_a_vacancy_after_confirming(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    arrange_pool(store, people=14, programme_id="prog-1", name="Vacancies 2027")
    for outside in ("a-12", "a-13"):
        store.unenrol("prog-1", outside)
    view = sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=1, time_limit=0.1))
    record = set_of(sets_service.commit(store, view.record.id, 1, joined=date(2027, 1, 5)), "a-00")
    store.end_membership(record.id, "a-00", date(2027, 2, 1))  # a-12 (same organisation, not enrolled) always fits
    page = signed_in(("coordinator",), programme_ids=("prog-1",))

    page.goto(live_app.at("/programmes/prog-1"))
    page.get_by_role("link", name=f"Fill a place in {record.set.name}").click()
    expect(page.get_by_role("heading", name=f"Fill a place in {record.set.name}")).to_be_visible()
    candidates = page.locator("ol.candidates > li")
    expect(candidates.first).to_be_visible()
    best = candidates.first.get_by_role("heading").inner_text()
    expect(candidates.first.get_by_role("listitem").first).to_be_visible()  # the reasons
    screenshot(page, "coordinator-vacancy")
    page.get_by_role("link", name=f"Choose {best} for the free place").click()
    expect(page.get_by_role("heading", name=f"Add {best} to {record.set.name}?")).to_be_visible()
    screenshot(page, "coordinator-vacancy-confirm")
    page.get_by_role("button", name=f"Yes, add {best}").click()
    expect(page.get_by_text(f"{best} has joined {record.set.name}.")).to_be_visible()
    names = {p.assessor.name for p in store.describe_members(list(store.get_set(record.id).current_member_ids))}
    assert best in names


def test_people_without_the_right_are_refused(live_app: LiveApp, signed_in: Any, page: Any) -> None:
    store = live_app.store
    arrange_pool(store, programme_id="prog-1")
    page.goto(live_app.at("/programmes/prog-1/form"))
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    assessor = signed_in(("assessor",), assessor_id="a-00")
    response = assessor.goto(live_app.at("/programmes"))
    assert response is not None and response.status == 403
    expect(assessor.get_by_role("link", name="Programmes")).to_have_count(0)

    other = signed_in(("coordinator",))  # coordinates nothing yet
    for path in ("/programmes/prog-1", "/programmes/prog-1/form"):
        response = other.goto(live_app.at(path))
        assert response is not None and response.status == 403
    screenshot(other, "coordinator-refused")
    response = other.goto(live_app.at("/programmes"))
    assert response is not None and response.status == 200
    expect(other.get_by_text("You do not coordinate a programme yet.")).to_be_visible()


def test_the_workspace_says_what_made_the_proposal_and_offers_moves_for_who_is_left_out(live_app: LiveApp, signed_in: Any) -> None:
    """Issue 22: a coordinator sees the seed, step budget and engine version that made the proposal (so it can be made
    again), how many could be placed at most, and for someone left out for lack of room, the moves that would place them."""
    from network.formation import ENGINE_VERSION

    store = live_app.store
    # 13 people of 6 organisations, sets of exactly 4, one per organisation: 3 sets hold 12, one person stays out.
    arrange_pool(store, people=13, programme_id="prog-1", set_size_min=4, set_size_max=4, set_size_target=4, steps=800)
    view = sets_service.propose(store, "prog-1", sets_service.RunSettings(seed=4))
    assert (view.result.steps, view.result.placed) == (800, 12)
    page = signed_in(("coordinator",), programme_ids=("prog-1",))
    page.goto(live_app.at("/programmes/prog-1/form"))
    expect(page.locator(".set-card")).to_have_count(3, timeout=WAIT)
    made = page.locator("#ws-made")
    expect(made).to_contain_text(f"Made by set formation {ENGINE_VERSION} with seed 4 and a budget of 800 steps")
    expect(made).to_contain_text("give these sets again on any machine")
    expect(page.locator('[data-figure="Placed"]')).to_have_text("12")
    left = page.get_by_role("list", name="People not placed").get_by_role("listitem")
    expect(left).to_have_count(1)
    expect(left).to_contain_text("a valid set could include them, but only in place of Person")
    expect(left.locator(".offer")).to_contain_text(re.compile(r"To place them: Person \d\d (joins|leaves) Set \d"))
    screenshot(page, "coordinator-made-and-offers")

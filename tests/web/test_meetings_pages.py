"""Meetings pages in a real browser: a set's page (phone and desktop), set health, participation, my notices.

Fine-grained rules (422/409, nothing written, scoping) are checked with the Flask test client in
``tests/api/test_meetings_views.py``; here: the pages work with a keyboard-and-mouse browser, refuse
who they should, show names as text, and look right (screenshots in tests/web/artifacts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from api.services import meetings as service
from api.services.notify import OutboxNotifier
from graph.port_meetings import MeetingRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme
from network.meetings import day_words, when_words
from tests.web.browser import LiveApp, screenshot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
TODAY = date.today()
PHONE = {"width": 360, "height": 740}


def arrange(store: Any, bob_name: str = "Bob Brown") -> None:
    """One fortnightly set of five that started eight weeks ago (four meetings held or past, four to come)."""
    start = TODAY - timedelta(days=56)
    start += timedelta(days=(1 - start.weekday()) % 7)
    for o, name in (("org-a", "Northshire Council"), ("org-b", "Riverside Trust")):
        store.create_organisation(Organisation(id=o, name=name, kind="local_authority", region="london"))
    names = {"ann": "Ann Archer", "bob": bob_name, "cat": "Cat Cole", "dan": "Dan Dale", "eve": "Eve Evans", "zed": "Zed Zane"}
    for k, (aid, name) in enumerate(names.items()):
        store.create_assessor(Assessor(id=aid, name=name, availability=("tue-pm",), capacity=2))
        store.set_employer(aid, "org-a" if k % 2 == 0 else "org-b")
    store.create_programme(Programme(id="prog", name="London 2026", cadence="fortnightly", meetings=8, set_size_min=4))
    for aid in names:
        store.enrol("prog", aid)
    s = ActionLearningSet(
        id="set-1",
        name="London 2026: set 1",
        programme_id="prog",
        status="active",
        meeting_slot="tue-pm",
        cadence="fortnightly",
        starts_on=start,
    )
    store.commit_sets("prog", [NewSet(s, ("ann", "bob", "cat", "dan", "eve"))], start - timedelta(days=7))
    meetings = service.ensure_meetings(store, "set-1")
    past = [m for m in meetings if m.on < TODAY]
    for m in past[:3]:
        store.record_attendance(
            m.id, {"ann": "attended", "bob": "absent" if m.number > 1 else "attended", "cat": "attended", "dan": "attended"}
        )


def presenter_swaps(meetings: Sequence[MeetingRecord], members: Sequence[str]) -> tuple[MeetingRecord, str, str, str]:
    """The first presenting turn still to come whose holder has both a member to exchange it with and one who has no turn to give back.

    Returns (meeting, holder, exchangeable other, other with no presenting turn the holder could take).
    """
    future = [m for m in meetings if m.on >= TODAY and not m.held]

    def involved(m: MeetingRecord, a: str) -> bool:
        return a == m.facilitator or a in m.presenters

    for m in future:
        for holder in m.presenters:
            can = [o for o in members if o != holder and not involved(m, o)]
            ok = [o for o in can if any(o in t.presenters and not involved(t, holder) for t in future if t.id != m.id)]
            stuck = [o for o in can if o not in ok]
            if ok and stuck:
                return m, holder, ok[0], stuck[0]
    raise AssertionError("the arranged rota has no presenting turn with both kinds of partner")


def test_a_member_uses_the_set_page_on_a_phone(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    arrange(live_app.store)
    ann = signed_in(("assessor",), assessor_id="ann", viewport=PHONE)
    ann.goto(live_app.at("/sets/set-1"))
    assert ann.get_by_role("heading", name="London 2026: set 1", level=1).is_visible()
    assert ann.get_by_role("heading", name="Next meeting").is_visible()
    ann.get_by_label("Video link for the meetings to come").fill("https://meet.example.org/set-1")
    ann.get_by_role("button", name="Save link").click()
    ann.wait_for_url("**/sets/set-1#meetings")
    assert ann.get_by_text("Video link saved").is_visible()
    assert ann.get_by_role("link", name="Join the video call").is_visible()
    width = ann.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(ann, "meetings-set-phone")

    # Record attendance at the last past meeting without any (the form is open for it).
    held = {m.number for m in live_app.store.meetings_of_set("set-1") if m.held}
    todo = next(m for m in live_app.store.meetings_of_set("set-1") if m.on <= TODAY and not m.held)
    assert todo.number not in held
    form = ann.locator(f"form[action='/sets/set-1/meetings/{todo.number}/attendance']")
    form.get_by_role("group", name="Ann Archer").get_by_label("Attended").check()
    form.get_by_role("group", name="Bob Brown").get_by_label("Sent apologies").check()
    form.get_by_role("button", name="Save attendance").click()
    ann.wait_for_url("**/sets/set-1#meetings")
    assert ann.get_by_text(f"Attendance saved for the meeting on {day_words(todo.on)}.").is_visible()
    assert live_app.store.get_meeting(todo.id).status_of("bob") == "apologies"


def test_move_asks_before_moving_where_someone_cannot_come(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    arrange(live_app.store)
    live_app.store.update_assessor(live_app.store.get_assessor("dan").with_changes(availability=("tue-pm", "thu-am")))
    ann = signed_in(("assessor",), assessor_id="ann")
    ann.goto(live_app.at("/sets/set-1"))
    nxt = next(m for m in live_app.store.meetings_of_set("set-1") if m.on >= TODAY and not m.held)
    card = ann.locator(f"form[action='/sets/set-1/meetings/{nxt.number}/move']")
    ann.get_by_text(f"Move this meeting ({nxt.number})").click()
    card.get_by_label("New date").fill((nxt.on + timedelta(days=2)).isoformat())
    card.get_by_label("Time of day").select_option("thu-am")
    card.get_by_role("button", name="Check and move").click()
    thursday = when_words(nxt.on + timedelta(days=2), "thu-am")
    assert ann.get_by_role("heading", name=f"Move the meeting of {day_words(nxt.on)} to {thursday} anyway?").is_visible()
    assert ann.get_by_text("Ann Archer, Bob Brown, Cat Cole, Eve Evans").is_visible()
    screenshot(ann, "meetings-move-confirm")
    assert live_app.store.get_meeting(nxt.id).on == nxt.on  # nothing moved yet
    ann.get_by_role("button", name="Move it anyway").click()
    ann.wait_for_url("**/sets/set-1#meetings")
    assert live_app.store.get_meeting(nxt.id).on == nxt.on + timedelta(days=2)


def test_who_may_see_the_pages(live_app: LiveApp, signed_in: Callable[..., Any], new_page: Callable[..., Any]) -> None:
    arrange(live_app.store)
    anonymous = new_page()
    anonymous.goto(live_app.at("/sets/set-1"))
    anonymous.wait_for_url("**/login?next=/sets/set-1")
    zed = signed_in(("assessor",), assessor_id="zed")
    response = zed.goto(live_app.at("/sets/set-1"))
    assert response is not None and response.status == 403
    response = zed.goto(live_app.at("/programmes/prog/health"))
    assert response is not None and response.status == 403
    response = zed.goto(live_app.at("/organisations/org-a/participation"))
    assert response is not None and response.status == 403


def test_names_show_as_text(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    arrange(live_app.store, bob_name=XSS)
    ann = signed_in(("assessor",), assessor_id="ann")
    ann.goto(live_app.at("/sets/set-1"))
    assert ann.evaluate("window.__xss") is None
    assert ann.get_by_text(XSS).first.is_visible()
    admin = signed_in(("org_admin",), organisation_ids=("org-b",))
    admin.goto(live_app.at("/organisations/org-b/participation"))
    assert admin.evaluate("window.__xss") is None
    assert admin.get_by_text(XSS).first.is_visible()


def test_coordinator_health_org_participation_and_notices(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    arrange(live_app.store)
    live_app.store.end_membership("set-1", "eve", TODAY - timedelta(days=1))
    live_app.store.end_membership("set-1", "dan", TODAY - timedelta(days=1))
    service.membership_changed(live_app.store, "set-1", TODAY)
    coordinator = signed_in(("coordinator",), programme_ids=("prog",))
    coordinator.goto(live_app.at("/programmes/prog/health"))
    assert coordinator.get_by_role("heading", name="Sets at risk").is_visible()
    assert coordinator.get_by_text("3 members, below the minimum of 4").is_visible()
    assert coordinator.get_by_role("link", name="Fill the vacancy: 1 place to reach the minimum (see replacement suggestions)").is_visible()
    assert coordinator.get_by_text("Check in with Bob Brown").is_visible()
    screenshot(coordinator, "meetings-health")

    admin = signed_in(("org_admin",), organisation_ids=("org-a",))
    admin.goto(live_app.at("/organisations/org-a/participation"))
    assert admin.get_by_role("heading", name="Participation in sets: Northshire Council").is_visible()
    assert admin.get_by_role("rowheader", name="Ann Archer").is_visible()
    assert admin.get_by_text("Bob Brown").count() == 0  # another organisation's assessor
    screenshot(admin, "meetings-participation")

    upcoming = next(m for m in live_app.store.meetings_of_set("set-1") if m.on >= TODAY)
    service.send_reminders(live_app.store, upcoming.on - timedelta(days=1), notifier=OutboxNotifier())
    ann = signed_in(("assessor",), assessor_id="ann", viewport=PHONE)
    ann.goto(live_app.at("/me/notices"))
    assert ann.get_by_role("heading", name="My notices").is_visible()
    assert ann.get_by_role("link", name="London 2026: set 1 meets on").first.is_visible()
    screenshot(ann, "meetings-notices-phone")


def test_a_presenter_swaps_a_turn_and_keeps_their_action(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    """Swap a presenter turn on the page: an exchange of two turns, said in words, with the presenter's action kept with them."""
    arrange(live_app.store)
    store = live_app.store
    names = service.names_of(store, ["ann", "bob", "cat", "dan", "eve"])
    mine, holder, partner, stuck = presenter_swaps(store.meetings_of_set("set-1"), list(names))
    me = signed_in(("assessor",), assessor_id=holder)
    me.goto(live_app.at("/sets/set-1"))
    me.locator(f"form[action='/sets/set-1/meetings/{mine.number}/my-action']").get_by_role("textbox").fill("Ask my manager about cover")
    me.get_by_role("button", name=f"Save my action for meeting {mine.number}").click()
    me.wait_for_url("**/sets/set-1#meetings")

    def swap_with(who: str) -> None:
        form = me.locator(f"form[action='/sets/set-1/meetings/{mine.number}/swap']")
        me.get_by_text(f"Swap a presenter turn at meeting {mine.number}").click()
        form.get_by_label("Swap with").select_option(label=names[who])
        form.get_by_role("button", name="Swap").click()

    # Someone with no presenting turn to give back: refused, said in words, shown like the page's other problems.
    before = store.meetings_of_set("set-1")
    swap_with(stuck)
    problem = me.get_by_role("alert")
    assert problem.inner_text().startswith(
        f"Swap not made: {names[stuck]} has no presenting turn still to come that {names[holder]} could take in return"
    )
    assert not re.search(rf"\b({stuck}|{holder})\b", problem.inner_text())  # names, never ids
    assert problem.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    screenshot(me, "meetings-swap-refused")
    assert store.meetings_of_set("set-1") == before

    # Someone who has one: the two turns are exchanged, and the page says who presents when.
    me.goto(live_app.at("/sets/set-1"))
    swap_with(partner)
    me.wait_for_url("**/sets/set-1#meetings")
    after = store.meetings_of_set("set-1")
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 2 and mine.id in {b.id for b, _a in changed}
    taken = next(a for b, a in changed if a.id != mine.id)
    assert holder in taken.presenters and partner in store.get_meeting(mine.id).presenters
    status = me.get_by_role("status")
    assert status.inner_text() == (
        f"Turns swapped. You now present on {day_words(taken.on)}; {names[partner]} presents on {day_words(mine.on)}."
    )
    # The action is the presenter's: it is now on their new turn, where they see it.
    action = me.locator(f"form[action='/sets/set-1/meetings/{taken.number}/my-action']").get_by_role("textbox")
    assert action.input_value() == "Ask my manager about cover"
    assert store.get_meeting(taken.id).action_of(holder) == "Ask my manager about cover"
    screenshot(me, "meetings-swap-done")

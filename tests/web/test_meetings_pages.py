"""Meetings pages in a real browser: a set's page (phone and desktop), set health, participation, my notices.

Fine-grained rules (422/409, nothing written, scoping) are checked with the Flask test client in
``tests/api/test_meetings_views.py``; here: the pages work with a keyboard-and-mouse browser, refuse
who they should, show names as text, and look right (screenshots in tests/web/artifacts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from api.services import meetings as service
from api.services.notify import OutboxNotifier
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme
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
    assert ann.get_by_text(f"Attendance saved for meeting {todo.number}.").is_visible()
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
    assert ann.get_by_role("heading", name=f"Move meeting {nxt.number} anyway?").is_visible()
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

"""Meetings pages through the Flask test client (bearer tokens): scoping, forms (422/409, nothing written), escaping.

The browser tests (``tests/web/test_meetings_pages.py``) drive the same pages in chromium; the finer rules are here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.services import meetings as service
from api.services.notify import OutboxNotifier
from bridgework import create_app
from tests.api.test_meetings_api import TODAY, arrange, first_editable, meetings


@pytest.fixture
def app(store):
    """The app with the CSRF check off: these tests post forms with bearer headers (the browser tests post real tokens)."""
    return create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def world(store, auth):
    """The set of five and its people (see ``tests/api/test_meetings_api.py``)."""
    return arrange(store, auth)


XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def test_set_page_for_members_and_coordinator_only(client, world) -> None:
    page = client.get("/sets/set-1", headers=world["ann"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Next meeting" in html and "Set one" in html and "Record attendance" in html
    assert client.get("/sets/set-1", headers=world["coordinator"]).status_code == 200
    assert client.get("/sets/set-1", headers=world["zed"]).status_code == 403
    assert client.get("/sets/set-1", headers=world["org_admin"]).status_code == 403
    anonymous = client.get("/sets/set-1")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_names_are_escaped(client, world, store) -> None:
    store.update_assessor(store.get_assessor("bob").with_changes(name=XSS))
    html = client.get("/sets/set-1", headers=world["ann"]).get_data(as_text=True)
    assert XSS not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_swap_form_refuses_someone_outside_the_set(client, world, store) -> None:
    body = meetings(client, world["ann"])
    m = first_editable(body)
    holder = m["facilitator"]["id"]
    before = store.meetings_of_set("set-1")
    page = client.post(
        f"/sets/set-1/meetings/{m['number']}/swap",
        data={"role": "facilitator", "assessor_id": holder, "with_assessor_id": "zed"},
        headers=world["coordinator"],
    )
    assert page.status_code == 422
    assert "not a current member" in page.get_data(as_text=True)
    assert store.meetings_of_set("set-1") == before


def test_attendance_form_refuses_a_non_member(client, world, store) -> None:
    meetings(client, world["ann"])
    page = client.post("/sets/set-1/meetings/1/attendance", data={"status-ann": "attended", "status-zed": "absent"}, headers=world["ann"])
    assert page.status_code == 422
    assert store.meetings_of_set("set-1")[0].attendance == ()
    ok = client.post("/sets/set-1/meetings/1/attendance", data={"status-ann": "attended", "status-bob": "absent"}, headers=world["ann"])
    assert ok.status_code == 302
    assert store.meetings_of_set("set-1")[0].attendance == (("ann", "attended"), ("bob", "absent"))


def test_move_asks_for_confirmation_naming_who_cannot_come(client, world, store) -> None:
    m = first_editable(meetings(client, world["ann"]))
    thursday = (date.fromisoformat(m["date"]) + timedelta(days=2)).isoformat()
    page = client.post(f"/sets/set-1/meetings/{m['number']}/move", data={"on": thursday, "slot": "thu-am"}, headers=world["ann"])
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "Move it anyway" in html and "Ann" in html and "Bob" in html
    assert store.get_meeting(m["id"]).on.isoformat() == m["date"]
    done = client.post(
        f"/sets/set-1/meetings/{m['number']}/move", data={"on": thursday, "slot": "thu-am", "confirm": "1"}, headers=world["ann"]
    )
    assert done.status_code == 302
    assert store.get_meeting(m["id"]).on.isoformat() == thursday
    bad = client.post(f"/sets/set-1/meetings/{m['number']}/move", data={"on": "not a date", "slot": "thu-am"}, headers=world["ann"])
    assert bad.status_code == 422


def test_health_participation_and_notices_pages(client, world, store) -> None:
    meetings(client, world["ann"])
    store.end_membership("set-1", "eve", TODAY - timedelta(days=1))
    store.end_membership("set-1", "dan", TODAY - timedelta(days=1))
    health = client.get("/programmes/prog/health", headers=world["coordinator"])
    assert health.status_code == 200
    html = health.get_data(as_text=True)
    assert "Sets at risk" in html and "below the minimum of 4" in html and "Fill the vacancy" in html
    assert client.get("/programmes/prog/health", headers=world["ann"]).status_code == 403
    part = client.get("/organisations/org-a/participation", headers=world["org_admin"])
    assert part.status_code == 200 and "Ann" in part.get_data(as_text=True) and "Bob" not in part.get_data(as_text=True)
    assert client.get("/organisations/org-b/participation", headers=world["org_admin"]).status_code == 403
    upcoming = next(m for m in store.meetings_of_set("set-1") if m.on >= TODAY)
    service.send_reminders(store, upcoming.on - timedelta(days=1), notifier=OutboxNotifier())
    notices = client.get("/me/notices", headers=world["ann"])
    assert notices.status_code == 200 and "Set one meets on" in notices.get_data(as_text=True)
    assert "Set one meets on" not in client.get("/me/notices", headers=world["zed"]).get_data(as_text=True)

"""Joins pages in a real browser: an assessor asks to join a suggested set, the coordinator accepts, a full set refuses,
hostile set and programme names shown as text, who may see what, a phone-sized screen, and a screenshot of each page.

The rules one by one are checked faster at the API level (``tests/api/test_joins_api.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, Theme
from tests.web.browser import LiveApp, screenshot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def _network(live_app: LiveApp) -> None:
    """A programme (hostile name) with a Tuesday set of three (hostile name), one open programme, and Ann and Bea looking for a set."""
    store = live_app.store
    for k in range(5):
        store.create_organisation(Organisation(f"org-{k}", f"Organisation {k}", "local_authority", "london"))
    store.create_theme(Theme("t-mca", "Mental Capacity Act", "practice"))
    store.create_theme(Theme("t-risk", "Risk assessment", "practice"))
    store.create_programme(
        Programme("prog-1", "London " + XSS, region="london", status="running", set_size_min=2, set_size_max=4, set_size_target=4)
    )
    store.create_programme(Programme("prog-open", "Spring cohort", region="london", status="open"))
    members = []
    for k in range(3):
        a = store.create_assessor(Assessor(f"m-{k}", f"Member {k}", region="london", availability=("tue-pm",), experience_years=6))
        store.set_employer(a.id, f"org-{k}")
        store.set_theme(a.id, "t-mca", "experienced")
        store.enrol("prog-1", a.id)
        members.append(a.id)
    the_set = ActionLearningSet(
        "set-1", "Tuesday " + XSS, programme_id="prog-1", status="active", meeting_slot="tue-pm", theme_ids=("t-mca",)
    )
    store.commit_sets("prog-1", [NewSet(the_set, tuple(members))], date(2026, 1, 6))
    for aid, name, org in (("a-ann", "Ann Adams", "org-3"), ("a-bea", "Bea Brown", "org-4")):
        store.create_assessor(Assessor(aid, name, region="london", availability=("tue-pm", "thu-am"), experience_years=2, capacity=2))
        store.set_employer(aid, org)
        store.set_theme(aid, "t-mca", "exploring")


def test_ask_to_join_the_coordinator_accepts_and_a_full_set_refuses(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    _network(live_app)
    ann = signed_in(assessor_id="a-ann")
    ann.goto(live_app.at("/me/set-suggestions"))
    assert ann.get_by_role("heading", name="Sets you could join", level=1).is_visible()
    card = ann.get_by_role("listitem").filter(has=ann.get_by_role("heading", name="Tuesday " + XSS))
    assert card.get_by_text("Meets Tuesday afternoons, when you are free").is_visible()
    assert card.get_by_text("Shares Mental Capacity Act with you").is_visible()
    assert card.get_by_text("3 of 3 members new to your network").is_visible()
    assert ann.get_by_text("Spring cohort", exact=True).is_visible()
    assert ann.evaluate("window.__xss") is None
    screenshot(ann, "joins-suggestions")

    # Bea opens the same page while the place is free
    bea = signed_in(assessor_id="a-bea")
    bea.goto(live_app.at("/me/set-suggestions"))

    card.get_by_text("Add a note for the coordinator").click()
    card.get_by_label("Your note").fill("I am new to London and free on Tuesdays.")
    card.get_by_role("button", name="Ask to join").click()
    ann.wait_for_url("**/me/set-suggestions")
    assert ann.get_by_role("status").filter(has_text="Your request to join").is_visible()
    assert ann.get_by_text("Waiting for the coordinator").is_visible()
    screenshot(ann, "joins-requested")

    coordinator = signed_in(("coordinator",), programme_ids=("prog-1",))
    coordinator.goto(live_app.at("/programmes/prog-1/join-requests"))
    assert coordinator.get_by_role("heading", name="Requests to join London " + XSS + "'s sets").is_visible()
    assert coordinator.get_by_text("I am new to London and free on Tuesdays.").is_visible()
    assert coordinator.evaluate("window.__xss") is None
    screenshot(coordinator, "joins-coordinator-requests")
    coordinator.get_by_role("button", name="Accept Ann Adams into Tuesday " + XSS).click()
    coordinator.wait_for_url("**/programmes/prog-1/join-requests")
    assert coordinator.get_by_role("status").filter(has_text="Ann Adams has joined the set.").is_visible()
    assert "a-ann" in live_app.store.get_set("set-1").current_member_ids
    screenshot(coordinator, "joins-coordinator-accepted")

    # The set is full now: Bea's stale page asks anyway and is refused with the reason, nothing written.
    bea.get_by_role("button", name="Ask to join Tuesday " + XSS).click()
    alert = bea.get_by_role("alert").filter(has_text="is full")
    assert alert.is_visible()
    assert bea.evaluate("window.__xss") is None
    assert live_app.store.join_requests_of_assessor("a-bea") == []
    screenshot(bea, "joins-refused-full")


def test_a_refused_acceptance_names_the_person_and_the_set_not_their_ids(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    from api.services import joins

    _network(live_app)
    ann, _bea = (joins.request_join(live_app.store, "set-1", who) for who in ("a-ann", "a-bea"))
    coordinator = signed_in(("coordinator",), programme_ids=("prog-1",))
    coordinator.goto(live_app.at("/programmes/prog-1/join-requests"))
    joins.decide(live_app.store, ann.id, "accepted", actor_id=None)  # meanwhile: the set is full now
    coordinator.get_by_role("button", name="Accept Bea Brown into Tuesday " + XSS).click()
    coordinator.wait_for_url("**/programmes/prog-1/join-requests")
    alert = coordinator.get_by_role("alert").filter(has_text="could not be accepted")
    assert alert.inner_text().startswith(f"Bea Brown could not be accepted: Tuesday {XSS} is full (4 of at most 4 members)")
    blocked = coordinator.locator(".problems").filter(has_text="Cannot be accepted now")
    assert blocked.inner_text() == f"Cannot be accepted now: Tuesday {XSS} is full (4 of at most 4 members). You can decline it with a note."
    assert "set-1" not in coordinator.locator("main").inner_text() and "a-bea" not in coordinator.locator("main").inner_text()
    assert coordinator.evaluate("window.__xss") is None


def test_who_may_see_the_pages(live_app: LiveApp, signed_in: Callable[..., Any], new_page: Callable[..., Any]) -> None:
    _network(live_app)
    anonymous = new_page(viewport={"width": 1280, "height": 900})
    anonymous.goto(live_app.at("/me/set-suggestions"))
    anonymous.wait_for_url("**/login?next=/me/set-suggestions")
    ann = signed_in(assessor_id="a-ann")
    response = ann.goto(live_app.at("/programmes/prog-1/join-requests"))
    assert response is not None and response.status == 403
    other = signed_in(("coordinator",), programme_ids=("prog-open",))
    response = other.goto(live_app.at("/programmes/prog-1/join-requests"))
    assert response is not None and response.status == 403
    screenshot(other, "joins-coordinator-refused")


def test_phone_sized_suggestions_and_enrolling(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    _network(live_app)
    phone = signed_in(assessor_id="a-bea", viewport={"width": 360, "height": 740})
    phone.goto(live_app.at("/me/set-suggestions"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "joins-suggestions-phone")
    phone.get_by_role("button", name="Enrol in Spring cohort").click()
    phone.wait_for_url("**/me/set-suggestions")
    assert phone.get_by_role("status").filter(has_text="You are enrolled in Spring cohort").is_visible()
    assert "prog-open" in {e.programme_id for e in live_app.store.enrolments_of("a-bea")}
    assert phone.get_by_text("No programme in your region is open for enrolment just now.").is_visible()


# -- the same pages through the Flask test client: the finer rules, quickly -------------------------------------------

import pytest  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from api.services import accounts  # noqa: E402
from bridgework import create_app  # noqa: E402
from graph.embedded.store import EmbeddedStore  # noqa: E402


class Views:
    """A test client on a fresh store holding :func:`_network`, and bearer headers per person."""

    def __init__(self, tmp_path: Any) -> None:
        self.store = EmbeddedStore(tmp_path / "views.sqlite3")
        self.store.ensure_schema()
        # The CSRF check off: these tests post forms with bearer headers (the browser tests above post real tokens).
        self.app = create_app({"TESTING": True, "STORE": self.store, "WTF_CSRF_ENABLED": False})
        self.client: FlaskClient = self.app.test_client()
        self.live = LiveApp(app=self.app, store=self.store, url="")
        _network(self.live)

    def headers(self, roles: tuple[str, ...] = ("assessor",), **scope: Any) -> dict[str, str]:
        user = accounts.create_user(self.store, f"{accounts.new_user_id()}@example.org", roles=roles, **scope)
        return {"Authorization": f"Bearer {accounts.issue_token(self.store, user.id, 'views').secret}"}


@pytest.fixture
def views(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    v = Views(tmp_path)
    yield v
    v.store.close()


def test_views_refusals_rerender_with_the_rule_and_write_nothing(views: Views) -> None:
    store = views.store
    store.create_assessor(Assessor("a-col", "Colleague", region="london", availability=("tue-pm",), capacity=2))
    store.set_employer("a-col", "org-0")  # Member 0's organisation: the limit of one is reached
    ann = views.headers(assessor_id="a-ann")
    page = views.client.get("/me/set-suggestions", headers=ann)
    assert page.status_code == 200 and b"&lt;script&gt;" in page.data and b"<script>window" not in page.data
    refused = views.client.post("/me/set-suggestions/set-1/ask", data={"name": "Tuesday"}, headers=views.headers(assessor_id="a-col"))
    assert refused.status_code == 422
    assert b"You cannot join Tuesday: the set already has 1 member from the same organisation (at most 1)." in refused.data
    assert store.join_requests_of_assessor("a-col") == []
    asked = views.client.post("/me/set-suggestions/set-1/ask", data={"name": "Tuesday", "message": "Hello"}, headers=ann)
    assert asked.status_code == 302 and store.join_requests_of_assessor("a-ann")[0].message == "Hello"
    again = views.client.post("/me/set-suggestions/set-1/ask", data={"name": "Tuesday"}, headers=ann)
    assert again.status_code == 302 and len(store.join_requests_of_assessor("a-ann")) == 1  # waiting already: told, not repeated


def test_views_decline_is_remembered_and_scoping(views: Views) -> None:
    store = views.store
    ann = views.headers(assessor_id="a-ann")
    views.client.post("/me/set-suggestions/set-1/ask", data={"name": "Tuesday"}, headers=ann)
    (request,) = store.join_requests_of_assessor("a-ann")
    org_admin = views.headers(("org_admin",), organisation_ids=("org-0",))
    assert views.client.get("/programmes/prog-1/join-requests", headers=org_admin).status_code == 403
    assert views.client.get("/programmes/prog-1/join-requests").status_code == 302  # to sign in
    bea = views.headers(assessor_id="a-bea")
    assert views.client.post(f"/me/join-requests/{request.id}/withdraw", headers=bea).status_code == 403
    coordinator = views.headers(("coordinator",), programme_ids=("prog-1",))
    listed = views.client.get("/programmes/prog-1/join-requests", headers=coordinator)
    assert listed.status_code == 200 and b"Ann Adams" in listed.data
    declined = views.client.post(
        f"/programmes/prog-1/join-requests/{request.id}/decline",
        data={"name": "Ann Adams", "note": "This set is ending"},
        headers=coordinator,
    )
    assert declined.status_code == 302
    stored = store.get_join_request(request.id)
    assert stored.status == "declined" and stored.note == "This set is ending"
    page = views.client.get("/me/set-suggestions", headers=ann)
    assert b"Ask to join" not in page.data and b"Declined" in page.data and "“This set is ending”".encode() in page.data

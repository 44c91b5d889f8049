"""Assessor pages through the Flask test client: validation (422, field messages, nothing written), scope and the actions.

The browser tests (``test_assessor_pages.py``) show the pages work for a person; these check the rules
one by one, fast: every bad field, who may open whose profile, CSRF, and what each button changes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from graph.port_meetings import MeetingPlan
from graph.port_sets import NewSet
from graph.settings import StoreSettings
from network import domain
from network.domain import ActionLearningSet, Assessor, InvalidValue, Organisation, Programme, Theme, today

PASSWORD = "correct horse battery staple"
SignIn = Callable[..., FlaskClient]


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with test-sized cost (same scheme and code paths)."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="module")
def neo4j_store() -> Iterator[GraphStore]:
    """One Neo4jStore for this module, on the server named by ``NEO4J_URI`` (skipped without one, failed under CI=true)."""
    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but NEO4J_URI is not set: the Neo4j page tests must run")
        pytest.skip("NEO4J_URI is not set")
    from graph.neo4j.store import Neo4jStore

    settings = StoreSettings.from_env()
    assert settings.neo4j_uri is not None
    s = Neo4jStore.connect(settings.neo4j_uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database)
    try:
        s.ensure_schema()
        yield s
        s._wipe()
    finally:
        s.close()


@pytest.fixture(params=[pytest.param("embedded", id="embedded"), pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The pages on each store, with two assessors in two organisations who share a theme and a free time."""
    s: Any
    if request.param == "embedded":
        s = EmbeddedStore(tmp_path / "bridgework.sqlite3")
        s.ensure_schema()
    else:
        s = request.getfixturevalue("neo4j_store")
        s._wipe()
    s.create_organisation(Organisation("org-a", "Northshire Council", "local_authority", "north_east"))
    s.create_organisation(Organisation("org-b", "Southvale Trust", "nhs_trust", "south_west"))
    for theme in (Theme("t-risk", "Risk and safeguarding", "practice"), Theme("t-law", "Law and policy", "pcf")):
        s.create_theme(theme)
    s.create_assessor(
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
    s.set_employer("a-ann", "org-a")
    s.set_theme("a-ann", "t-risk", "experienced")
    s.create_assessor(
        Assessor(
            "a-bob",
            "Bob Brown",
            email="bob@example.org",
            region="south_west",
            experience_years=2,
            discoverable=True,
            availability=("tue-pm",),
        )
    )
    s.set_employer("a-bob", "org-b")
    s.set_theme("a-bob", "t-risk", "exploring")
    yield s
    if request.param == "embedded":
        s.close()


def _app(store: GraphStore, csrf: bool) -> Flask:
    return create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": csrf, "SECRET_KEY": "assessor-views"})


@pytest.fixture
def app(store: GraphStore) -> Flask:
    return _app(store, csrf=False)


@pytest.fixture
def sign_in(app: Flask, store: GraphStore) -> SignIn:
    """A test client signed in (session cookie, through the login form) as a new user with these roles and scopes."""
    counter = iter(range(1, 1000))

    def make(roles: tuple[str, ...] = ("assessor",), assessor_id: str | None = None, organisation_ids: tuple[str, ...] = ()) -> FlaskClient:
        email = f"user{next(counter)}@example.org"
        accounts.create_user(store, email, roles=roles, password=PASSWORD, assessor_id=assessor_id, organisation_ids=organisation_ids)
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.data
        return client

    return make


def _good_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "Ann Adams-Smith",
        "email": "ann.adams@example.org",
        "bio": "Practice educator in a children's team.",
        "region": "north_east",
        "experience_years": "7",
        "capacity": "2",
        "availability": ["mon-am", "tue-pm", "thu-eve"],
        "discoverable": "yes",
        "theme": ["t-risk"],
        "level-t-risk": "exploring",
        "add_theme": "t-law",
        "add_level": "experienced",
        "do": "save",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _snapshot(store: GraphStore, assessor_id: str = "a-ann") -> tuple[Any, Any]:
    return store.get_assessor(assessor_id), store.theme_links(assessor_id)


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", html.decode())


# -- profile: saving and validation ------------------------------------------------------------------


def test_a_good_profile_form_saves_every_field_and_the_theme_list(store: GraphStore, sign_in: SignIn) -> None:
    client = sign_in(assessor_id="a-ann")
    until = today() + timedelta(days=30)
    response = client.post("/me/profile", data=_good_form(paused="yes", paused_until=until.isoformat()))
    assert response.status_code == 302
    assert response.location.endswith("/me/profile#themes")
    saved = store.get_assessor("a-ann")
    assert (saved.name, saved.region, saved.experience_years, saved.capacity) == ("Ann Adams-Smith", "north_east", 7, 2)
    assert saved.availability == ("mon-am", "tue-pm", "thu-eve")
    assert saved.discoverable and saved.paused and saved.paused_until == until
    assert saved.email == "ann.adams@example.org" and saved.active  # active is not on the form: kept
    assert {(t.theme_id, t.level) for t in store.theme_links("a-ann")} == {("t-risk", "exploring"), ("t-law", "experienced")}
    page = _text(client.get("/me/profile").data)
    assert "The theme is added and the profile saved." in page
    assert f"Suggestions are paused</strong> until {until.day} {until:%B %Y}" in page


def test_removing_a_theme_unpausing_and_hiding(store: GraphStore, sign_in: SignIn) -> None:
    client = sign_in(assessor_id="a-ann")
    form = _good_form(add_theme="", remove=["t-risk"], discoverable=None, availability=[], paused=None, paused_until="2099-01-01")
    assert client.post("/me/profile", data=form).status_code == 302
    saved = store.get_assessor("a-ann")
    assert store.theme_links("a-ann") == []
    assert saved.availability == () and not saved.discoverable and not saved.paused and saved.paused_until is None
    assert "not findable" in _text(client.get("/me/profile").data)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter your name."),
        ({"name": "x" * 201}, "name", "200 characters or fewer"),
        ({"bio": "x" * 2001}, "bio", "2000 characters or fewer"),
        ({"email": "ann at example"}, "email", "Enter an email address"),
        ({"region": "atlantis"}, "region", "Choose a region from the list."),
        ({"experience_years": "seven"}, "experience_years", "whole number from 0 to 70"),
        ({"experience_years": "71"}, "experience_years", "whole number from 0 to 70"),
        ({"experience_years": "-1"}, "experience_years", "whole number from 0 to 70"),
        ({"experience_years": "¹"}, "experience_years", "whole number from 0 to 70"),  # '¹'.isdigit(), int('¹') fails
        ({"capacity": "²"}, "capacity", "whole number from 0 to 20"),
        ({"capacity": "21"}, "capacity", "whole number from 0 to 20"),
        ({"capacity": ""}, "capacity", "whole number from 0 to 20"),
        ({"availability": ["mon-noon"]}, "availability", "Choose times from the grid."),
        ({"paused": "yes", "paused_until": "2020-01-01"}, "paused_until", "today or later"),
        ({"paused": "yes", "paused_until": "next week"}, "paused_until", "Enter a real date"),
        ({"add_theme": "t-nope"}, "add_theme", "Choose a theme from the list."),
        ({"add_level": "expert"}, "add_theme", "exploring or experienced"),
        ({"level-t-risk": "guru"}, "add_theme", "exploring or experienced"),
        ({"theme": ["t-gone"], "level-t-gone": "exploring"}, "add_theme", "no longer offered"),
    ],
)
def test_bad_input_is_refused_with_a_message_for_the_field_and_nothing_is_written(
    store: GraphStore, sign_in: SignIn, changes: dict[str, Any], field: str, message: str
) -> None:
    client = sign_in(assessor_id="a-ann")
    before = _snapshot(store)
    response = client.post("/me/profile", data=_good_form(**changes))
    assert response.status_code == 422
    page = _text(response.data)
    assert message in page
    assert f'<a href="#{field}">' in page  # the error summary links to the field
    assert "Nothing was saved" in page
    assert _snapshot(store) == before


def test_the_form_takes_its_limits_from_the_domain(store: GraphStore, sign_in: SignIn) -> None:
    """The page's checks and its inputs' maxlength use network.domain's constants (one more than the largest number has,
    so a number too big is refused with a message instead of being cut short: capacity "100" was cut to "10" and saved)."""
    client = sign_in(assessor_id="a-ann")
    page = client.get("/me/profile").data.decode()
    for field, length in [
        ("name", domain.MAX_NAME),
        ("email", domain.EMAIL_MAX),
        ("bio", domain.MAX_BIO),
        ("experience_years", len(str(domain.EXPERIENCE_MAX)) + 1),
        ("capacity", len(str(domain.CAPACITY_MAX)) + 1),
    ]:
        assert re.search(rf'id="{field}"[^>]*maxlength="{length}"', page), field
    before = _snapshot(store)
    for field, value in [("experience_years", domain.EXPERIENCE_MAX + 1), ("capacity", domain.CAPACITY_MAX + 1)]:
        refused = client.post("/me/profile", data=_good_form(**{field: str(value)}))
        assert refused.status_code == 422 and f" to {value - 1}." in _text(refused.data)
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    "email",
    ["sam@example.c", "sam@example.org", "sam@localhost", "s am@example.org", "a" * (domain.EMAIL_MAX - 12) + "@example.org",
     "a" * (domain.EMAIL_MAX - 11) + "@example.org"],
)
def test_the_page_and_the_api_take_the_same_email_addresses_as_the_domain(store: GraphStore, sign_in: SignIn, email: str) -> None:
    """One e-mail rule (network.domain.EMAIL_PATTERN, EMAIL_MAX): the API's schema used to refuse 'sam@example.c',
    which the pages, the CSV import and the domain take."""
    try:
        Assessor("a-check", "Check", email=email)
        valid = True
    except InvalidValue:
        valid = False
    client = sign_in(assessor_id="a-ann")
    page = client.post("/me/profile", data=_good_form(email=email))
    assert page.status_code == (302 if valid else 422)
    api = client.patch("/api/v1/assessors/a-ann", json={"email": email})
    assert api.status_code == (200 if valid else 422), api.get_json()
    assert (store.get_assessor("a-ann").email == email) is valid


def test_a_refused_form_shows_what_was_typed(store: GraphStore, sign_in: SignIn) -> None:
    client = sign_in(assessor_id="a-ann")
    response = client.post("/me/profile", data=_good_form(experience_years="lots", bio="My <b>bio</b> text"))
    page = response.data.decode()
    assert 'value="lots"' in page
    assert "My &lt;b&gt;bio&lt;/b&gt; text</textarea>" in page
    assert 'value="thu-eve" checked' in page
    assert 'aria-invalid="true"' in page


def test_a_form_post_without_its_csrf_token_is_refused(store: GraphStore) -> None:
    app = _app(store, csrf=True)
    accounts.create_user(store, "ann@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-ann")
    client = app.test_client()
    login = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', login
    )
    assert token is not None
    assert client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token.group(1)}).status_code == 302
    before = _snapshot(store)
    assert client.post("/me/profile", data=_good_form()).status_code == 400
    assert client.post("/me/privacy/erase", data={"confirm": "erase"}).status_code == 400
    assert _snapshot(store) == before
    page = client.get("/me/profile").data.decode()
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert form_token is not None
    assert client.post("/me/profile", data=_good_form(csrf_token=form_token.group(1))).status_code == 302


# -- who may open which profile ---------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    for path in ("/me", "/me/profile", "/me/privacy", "/me/suggestions", "/me/contacts", "/me/sets", "/assessors/a-ann/profile"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login?next=" in response.location, path
    assert client.post("/me/profile", data=_good_form()).status_code == 302


def test_someone_without_an_assessor_profile_gets_an_explanation(sign_in: SignIn) -> None:
    client = sign_in(roles=("coordinator",))
    for path in ("/me/profile", "/me/privacy", "/me/suggestions", "/me/contacts", "/me/sets"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Your account has no assessor profile" in _text(response.data)
    assert client.post("/me/profile", data=_good_form()).status_code == 200


def test_an_account_whose_assessor_profile_is_gone_gets_the_explanation(store: GraphStore, sign_in: SignIn) -> None:
    client = sign_in(assessor_id="a-bob")
    store.delete_assessor("a-bob")
    for path in ("/me/profile", "/me/suggestions", "/me/contacts", "/me/sets", "/me/privacy"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Your account has no assessor profile" in _text(response.data), path


def test_an_assessor_may_not_open_or_change_another_assessors_profile(store: GraphStore, sign_in: SignIn) -> None:
    client = sign_in(assessor_id="a-ann")
    before = _snapshot(store, "a-bob")
    assert client.get("/assessors/a-bob/profile").status_code == 403
    assert client.post("/assessors/a-bob/profile", data=_good_form(theme=[], add_theme="")).status_code == 403
    assert client.get("/assessors/a-nobody/profile").status_code == 403  # same answer whether or not the id exists
    assert _snapshot(store, "a-bob") == before
    assert client.get("/assessors/a-ann/profile").location.endswith("/me/profile")


def test_an_org_admin_edits_their_own_organisations_assessors_only(store: GraphStore, sign_in: SignIn) -> None:
    client = sign_in(roles=("org_admin",), organisation_ids=("org-b",))
    page = client.get("/assessors/a-bob/profile")
    assert page.status_code == 200
    assert "Profile of Bob Brown" in _text(page.data)
    assert "Download or erase your data" not in _text(page.data)
    response = client.post("/assessors/a-bob/profile", data=_good_form(name="Robert Brown", theme=[], add_theme=""))
    assert response.status_code == 302 and response.location.endswith("/assessors/a-bob/profile")
    assert store.get_assessor("a-bob").name == "Robert Brown"
    before = _snapshot(store, "a-ann")
    assert client.get("/assessors/a-ann/profile").status_code == 403
    assert client.post("/assessors/a-ann/profile", data=_good_form(name="Hijacked")).status_code == 403
    assert _snapshot(store, "a-ann") == before
    assert client.get("/me/profile").status_code == 200  # no profile of their own: the explanation


def test_an_admin_gets_a_not_found_page_for_a_missing_assessor(sign_in: SignIn) -> None:
    client = sign_in(roles=("admin",))
    assert client.get("/assessors/a-nobody/profile").status_code == 404


# -- suggestions and contacts -------------------------------------------------------------------------


def test_connect_from_a_suggestion_and_the_other_accepts(store: GraphStore, sign_in: SignIn) -> None:
    ann = sign_in(assessor_id="a-ann")
    page = _text(ann.get("/me/suggestions").data)
    assert "Bob Brown" in page and "Southvale Trust" in page
    assert "Tuesday afternoons" in page
    response = ann.post("/me/suggestions/a-bob/connect", data={"name": "Bob Brown"})
    assert response.status_code == 302
    assert [(c.from_id, c.to_id, c.status) for c in store.contacts_of("a-ann")] == [("a-ann", "a-bob", "requested")]
    contacts = _text(ann.get("/me/contacts").data)
    assert "Requests you sent" in contacts and "Bob Brown" in contacts and "waiting for an answer" in contacts
    assert "bob@example.org" not in contacts  # an email only once the contact is accepted

    bob = sign_in(assessor_id="a-bob")
    incoming = _text(bob.get("/me/contacts").data)
    assert "Ann Adams" in incoming and 'action="/me/contacts/a-ann/accept"' in incoming
    assert bob.post("/me/contacts/a-ann/accept", data={"name": "Ann Adams"}).status_code == 302
    assert [c.status for c in store.contacts_of("a-bob")] == ["accepted"]
    after = _text(bob.get("/me/contacts").data)
    assert "You are now connected with Ann Adams." in after
    assert 'href="mailto:ann@example.org"' in after
    assert bob.post("/me/contacts/a-ann/accept", data={"name": "Ann Adams"}).status_code == 302
    assert "no longer waiting" in _text(bob.get("/me/contacts").data)


def test_not_for_me_is_remembered_and_never_suggested_again(store: GraphStore, sign_in: SignIn) -> None:
    ann = sign_in(assessor_id="a-ann")
    assert ann.post("/me/suggestions/a-bob/not-for-me", data={"name": "Bob Brown"}).status_code == 302
    assert [(d.by_id, d.other_id) for d in store.declines_of("a-ann")] == [("a-ann", "a-bob")]
    page = _text(ann.get("/me/suggestions").data)
    assert "Bob Brown will not be suggested to you again." in page
    assert 'action="/me/suggestions/a-bob/connect"' not in page
    again = ann.post("/me/suggestions/a-bob/connect", data={"name": "Bob Brown"})
    assert again.status_code == 302
    assert store.contacts_of("a-ann") == []
    assert "turned the other down" in _text(ann.get("/me/suggestions").data)


def test_withdrawing_a_sent_request_records_no_decline(store: GraphStore, sign_in: SignIn) -> None:
    store.request_contact("a-ann", "a-bob")
    ann = sign_in(assessor_id="a-ann")
    assert 'action="/me/contacts/a-bob/withdraw"' in _text(ann.get("/me/contacts").data)
    assert ann.post("/me/contacts/a-bob/withdraw", data={"name": "Bob Brown"}).status_code == 302
    assert store.contacts_of("a-ann") == [] and store.declines_of("a-ann") == []
    assert "Your request to Bob Brown is withdrawn." in _text(ann.get("/me/contacts").data)
    assert ann.post("/me/contacts/a-bob/withdraw", data={"name": "Bob Brown"}).status_code == 302
    assert "no longer waiting" in _text(ann.get("/me/contacts").data)


def test_a_pause_whose_date_has_passed_shows_as_ended(store: GraphStore, sign_in: SignIn) -> None:
    ann = store.get_assessor("a-ann")
    store.update_assessor(ann.with_changes(paused=True, paused_until=today() - timedelta(days=1)))
    page = sign_in(assessor_id="a-ann").get("/me/profile").data.decode()
    assert "You can be suggested" in _text(page.encode())
    assert 'id="paused" name="paused" value="yes" aria-describedby' in page  # not ticked
    assert 'id="paused_until" name="paused_until" value=""' in page


def test_declining_a_request(store: GraphStore, sign_in: SignIn) -> None:
    store.request_contact("a-bob", "a-ann")
    ann = sign_in(assessor_id="a-ann")
    assert ann.post("/me/contacts/a-bob/decline", data={"name": "Bob Brown"}).status_code == 302
    assert store.contacts_of("a-ann") == []
    assert [(d.by_id, d.other_id) for d in store.declines_of("a-ann")] == [("a-ann", "a-bob")]
    assert "You declined the request from Bob Brown." in _text(ann.get("/me/contacts").data)


def test_paused_assessors_are_told_why_they_have_no_suggestions(store: GraphStore, sign_in: SignIn) -> None:
    store.update_assessor(store.get_assessor("a-ann").with_changes(paused=True))
    page = _text(sign_in(assessor_id="a-ann").get("/me/suggestions").data)
    assert "Your suggestions are paused" in page
    assert "Bob Brown" not in page


# -- sets ----------------------------------------------------------------------------------------------


def _set_with(store: GraphStore, set_id: str, members: tuple[str, ...], starts: date) -> None:
    programme = f"p-{set_id}"
    store.create_programme(Programme(programme, f"Programme of {set_id}", status="running", set_size_min=2, set_size_max=6, meetings=6))
    for member in members:
        store.enrol(programme, member)
    aset = ActionLearningSet(set_id, f"Set {set_id}", programme_id=programme, status="active", meeting_slot="tue-pm", starts_on=starts)
    store.commit_sets(programme, [NewSet(aset, members)], joined=starts - timedelta(days=7))


def test_my_sets_shows_current_and_past_sets_with_members_next_meeting_and_turn(store: GraphStore, sign_in: SignIn) -> None:
    store.update_assessor(store.get_assessor("a-ann").with_changes(capacity=3))
    store.update_assessor(store.get_assessor("a-bob").with_changes(capacity=3))
    _set_with(store, "s-now", ("a-ann", "a-bob"), today())
    _set_with(store, "s-old", ("a-ann", "a-bob"), today() - timedelta(days=200))
    store.end_membership("s-old", "a-ann", today() - timedelta(days=10))
    page = _text(sign_in(assessor_id="a-ann").get("/me/sets").data)
    current, _, past = page.partition("Past sets")
    assert "Set s-now" in current and "Programme of s-now" in current
    assert "Ann Adams (you)" in current and "Bob Brown" in current
    assert "Tuesday afternoons, monthly" in current
    assert "Next meeting" in current and "Your next turn" in current
    assert re.search(r"(Facilitating|Presenting) on \d+ \w+ \d{4} \(meeting \d+ of 6\)", current)
    assert 'href="/sets/s-now"' in current and 'href="/api/v1/sets/s-now/calendar.ics"' in current
    assert 'href="/me/set-suggestions"' in current
    assert "Set s-old" in past and "left on" in past and "calendar.ics" not in past


def test_stored_meetings_decide_the_next_meeting_and_turn(store: GraphStore, sign_in: SignIn) -> None:
    _set_with(store, "s-now", ("a-ann", "a-bob"), today())
    moved = today() + timedelta(days=3)
    plans = [
        MeetingPlan("s-now", 1, today() - timedelta(days=30), "tue-pm", facilitator="a-ann", presenters=("a-bob",)),
        MeetingPlan("s-now", 2, moved, "tue-pm", facilitator="a-bob", presenters=("a-ann",)),
    ]
    store.create_meetings("s-now", plans)
    page = _text(sign_in(assessor_id="a-ann").get("/me/sets").data)
    when = f"{moved.day} {moved:%B %Y}"
    assert f"<dt>Next meeting</dt><dd>{when}</dd>" in page
    assert f"Presenting on {when} (meeting 2 of 2)" in page


def test_the_calendar_links_answer_with_a_calendar(store: GraphStore, sign_in: SignIn) -> None:
    _set_with(store, "s-now", ("a-ann", "a-bob"), today())
    ann = sign_in(assessor_id="a-ann")
    page = ann.get("/me/sets").data.decode()
    for link in re.findall(r'href="(/api/v1/[^"]+\.ics)"', page):
        response = ann.get(link)
        assert response.status_code == 200 and response.mimetype == "text/calendar", link


# -- privacy ---------------------------------------------------------------------------------------------


def test_export_downloads_my_data_as_json(sign_in: SignIn) -> None:
    response = sign_in(assessor_id="a-ann").get("/me/privacy/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="bridgework-my-data-')
    body = json.loads(response.data)
    assert body["assessor"]["name"] == "Ann Adams"
    assert body["themes"] == [{"assessor_id": "a-ann", "theme_id": "t-risk", "level": "experienced"}]


def test_the_page_download_is_the_document_the_api_answers(sign_in: SignIn) -> None:
    """One export for both doors (api.services.privacy.export_json), not a copy of the API's schema in the pages."""
    ann = sign_in(assessor_id="a-ann")
    page = json.loads(ann.get("/me/privacy/export.json").data)
    api = ann.get("/api/v1/assessors/a-ann/export").get_json()
    for body in (page, api):  # ISO 8601 text with its offset, both
        assert datetime.fromisoformat(body.pop("exported_at")).tzinfo is not None
    assert list(page) == list(api) and page == api


def test_erasure_needs_the_confirmation_then_erases_and_signs_out(store: GraphStore, sign_in: SignIn) -> None:
    ann = sign_in(assessor_id="a-ann")
    refused = ann.post("/me/privacy/erase", data={})
    assert refused.status_code == 422
    assert "Tick the box" in _text(refused.data)
    assert store.get_assessor("a-ann").name == "Ann Adams"
    response = ann.post("/me/privacy/erase", data={"confirm": "erase"})
    assert response.status_code == 302 and response.location == "/"
    assert store.existing_ids("Assessor", ["a-ann"]) == set()
    assert "Your data has been erased" in _text(ann.get("/").data)
    assert ann.get("/me/profile").status_code == 302  # signed out


def test_only_the_assessor_themselves_may_export_or_erase(sign_in: SignIn) -> None:
    client = sign_in(roles=("org_admin",), organisation_ids=("org-a",))
    assert "no assessor profile" in _text(client.get("/me/privacy").data)
    assert client.post("/me/privacy/erase", data={"confirm": "erase"}).status_code == 200

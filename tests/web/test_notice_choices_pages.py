"""The profile page's "E-mails about your notices": choosing per group, from the keyboard on a phone; bad input refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation
from tests.web.browser import PASSWORD, LiveApp, screenshot


def _user_of(store: Any, assessor_id: str) -> str:
    return next(u.id for u in store.list_users(limit=100).items if u.assessor_id == assessor_id)


def test_an_assessor_chooses_a_daily_digest_from_the_keyboard_on_a_phone(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    store = live_app.store
    store.create_assessor(Assessor("a-ann", "Ann Adams", email="ann@example.org"))
    phone = signed_in(assessor_id="a-ann", viewport={"width": 360, "height": 740})
    phone.goto(live_app.at("/me/profile#notices"))
    section = phone.get_by_role("form", name="E-mails about your notices")
    assert section.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "the profile scrolls sideways on a phone"
    meetings = section.get_by_role("group", name="Meetings and turns")
    straight_away = meetings.get_by_role("radio", name="E-mail each one straight away")
    assert straight_away.is_checked()
    box = straight_away.locator("xpath=..").bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 360  # a row a thumb can hit
    straight_away.focus()
    phone.keyboard.press("ArrowDown")  # radios move with the arrow keys
    assert meetings.get_by_role("radio", name="One e-mail a day with all of them").is_checked()
    contacts = section.get_by_role("group", name="Contacts")
    contacts.get_by_role("radio", name="No e-mail (see them on Bridgework only)").check()
    save = section.get_by_role("button", name="Save e-mail choices")
    save.focus()
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert phone.get_by_role("status").filter(has_text="Your e-mail choices are saved.").is_visible()
    saved = phone.get_by_role("form", name="E-mails about your notices")
    assert saved.get_by_role("group", name="Meetings and turns").get_by_role("radio", name="One e-mail a day with all of them").is_checked()
    assert saved.get_by_role("group", name="Contacts").get_by_role("radio", name="No e-mail (see them on Bridgework only)").is_checked()
    assert saved.get_by_role("group", name="Questionnaires").get_by_role("radio", name="E-mail each one straight away").is_checked()
    assert store.notice_preferences(_user_of(store, "a-ann")) == {"meetings": "digest", "contacts": "in_app"}
    screenshot(phone, "assessor-notice-choices-phone")


def _client(tmp_path: Path, csrf: bool) -> tuple[FlaskClient, EmbeddedStore, str]:
    store = EmbeddedStore(tmp_path / "graph.sqlite3")
    store.create_assessor(Assessor("a-ann", "Ann Adams", email="ann@example.org"))
    user = accounts.create_user(store, "ann.login@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-ann")
    app = create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": csrf, "SECRET_KEY": "notice-choices"})
    client = app.test_client()
    form = {"email": "ann.login@example.org", "password": PASSWORD}
    if csrf:
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").data.decode())
        assert found is not None
        form["csrf_token"] = found.group(1)
    assert client.post("/login", data=form).status_code == 302
    return client, store, user.id


def test_a_choice_that_does_not_exist_is_refused_by_its_group_and_nothing_is_saved(tmp_path: Path) -> None:
    client, store, user_id = _client(tmp_path, csrf=False)
    answer = client.post("/me/profile/notices", data={"meetings": "digest", "contacts": "weekly"})
    assert answer.status_code == 422
    text = re.sub(r"\s+", " ", answer.data.decode())
    assert "Your e-mail choices were not saved" in text and "Contacts: Choose one of the ways listed." in text
    assert 'id="notices-contacts-error"' in text
    assert store.notice_preferences(user_id) == {}
    ok = client.post("/me/profile/notices", data={"meetings": "digest"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/me/profile#notices")
    assert store.notice_preferences(user_id) == {"meetings": "digest"}
    store.close()


def test_without_a_csrf_token_nothing_is_saved(tmp_path: Path) -> None:
    client, store, user_id = _client(tmp_path, csrf=True)
    assert client.post("/me/profile/notices", data={"meetings": "digest"}).status_code == 400
    assert store.notice_preferences(user_id) == {}
    store.close()


def test_only_the_person_themselves_sees_their_email_choices(tmp_path: Path) -> None:
    client, store, _user_id = _client(tmp_path, csrf=False)
    assert "E-mails about your notices" in client.get("/me/profile").data.decode()
    store.create_organisation(Organisation("org-a", "Northshire Council", "local_authority", "north_east"))
    store.set_employer("a-ann", "org-a")
    accounts.create_user(store, "admin@example.org", roles=("org_admin",), password=PASSWORD, organisation_ids=("org-a",))
    admin = client.application.test_client()
    assert admin.post("/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    page = admin.get("/assessors/a-ann/profile")
    assert page.status_code == 200 and "Profile of Ann Adams" in page.data.decode()
    assert "E-mails about your notices" not in page.data.decode()
    assert admin.post("/me/profile/notices", data={"meetings": "digest"}).status_code == 200  # no profile of their own
    store.close()


def test_coordinator_alerts_are_offered_only_to_those_who_coordinate(tmp_path: Path) -> None:
    client, store, user_id = _client(tmp_path, csrf=False)
    page = client.get("/me/profile").data.decode()
    assert "E-mails about your notices" in page and "Meetings and turns" in page
    assert "Coordinator alerts" not in page
    assert client.post("/me/profile/notices", data={"coordinator": "in_app", "meetings": "digest"}).status_code == 302
    assert store.notice_preferences(user_id) == {"meetings": "digest"}  # a group not offered is not saved
    for n, role in enumerate(("coordinator", "admin")):
        store.create_assessor(Assessor(f"a-cy{n}", "Cy Coles", email=f"cy{n}@example.org"))
        accounts.create_user(store, f"cy{n}@example.org", roles=("assessor", role), password=PASSWORD, assessor_id=f"a-cy{n}")
        other = client.application.test_client()
        assert other.post("/login", data={"email": f"cy{n}@example.org", "password": PASSWORD}).status_code == 302
        assert "Coordinator alerts" in other.get("/me/profile").data.decode(), role
    store.close()


def test_the_saved_message_is_shown_beside_the_email_choices(tmp_path: Path) -> None:
    """The save jumps to #notices, so a message at the top of the page was out of view."""
    client, store, _user_id = _client(tmp_path, csrf=False)
    saved = client.post("/me/profile/notices", data={"meetings": "digest"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#notices")
    page = client.get(saved.headers["Location"]).data.decode()
    section = page[page.index('id="notices"') : page.index("Save e-mail choices")]
    assert page.count("Your e-mail choices are saved.") == 1
    assert "Your e-mail choices are saved." in section
    store.close()

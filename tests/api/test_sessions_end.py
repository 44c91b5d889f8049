"""Sessions and API tokens that end when they should (issue 16), attacked as the issue describes, on both stores.

* a session cookie captured before sign-out answers nothing afterwards, and cannot create a token;
* a "keep me signed in" cookie dies at sign-out too, and lasts at most 30 days;
* a password change ends the other sessions, a reset ends every session and revokes every token, and say so;
* a person lists their sessions and ends the others;
* tokens are listed with their last use, may be read-only (403 on writes) and expire within 90 days by default;
* reset links are built from BRIDGEWORK_BASE_URL, never the Host header;
* password changes and new tokens are throttled per account and per address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts
from bridgework import create_app
from graph.port import GraphStore
from graph.settings import SettingError
from network.domain import Assessor
from tests.stores import KINDS, open_empty

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a whole new passphrase"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = open_empty(request.param, tmp_path / "bridgework.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def app(store: GraphStore) -> Flask:
    return create_app({"TESTING": True, "STORE": store})


@pytest.fixture
def person(store: GraphStore):
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
    return accounts.create_user(store, "sam@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-1")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def browser(app: Flask, agent: str = FIREFOX, address: str = "127.0.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client: FlaskClient, email: str = "sam@example.org", password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password, "csrf_token": _csrf(client.get("/login").get_data(as_text=True))}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def sign_out(client: FlaskClient):
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    return client.post("/logout", data={"csrf_token": token})


def csrf_of(client: FlaskClient) -> str:
    return client.get("/api/v1/me").get_json()["csrf_token"]


def copy_cookies(source: FlaskClient, target: FlaskClient, *names: str) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to capture"
        target.set_cookie(name, cookie.value)


# -- sign-out ends the session ------------------------------------------------------------------


def test_a_session_cookie_captured_before_sign_out_answers_nothing_after(app, person):
    victim = browser(app)
    sign_in(victim)
    attacker = browser(app, agent="curl/8.4")
    copy_cookies(victim, attacker, "session")
    csrf = attacker.get("/api/v1/me").get_json()["csrf_token"]  # the captured cookie works until sign-out
    sign_out(victim)
    assert attacker.get("/api/v1/me").status_code == 401
    made = attacker.post("/api/v1/me/tokens", json={"name": "stolen", "expires_in_days": 365}, headers={"X-CSRFToken": csrf})
    assert made.status_code == 401
    assert accounts_tokens(app, person.id) == []


def test_a_keep_me_signed_in_cookie_dies_at_sign_out_and_lasts_at_most_30_days(app, store, person):
    victim = browser(app)
    response = sign_in(victim, remember=True)
    remember = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert remember, "no keep-me-signed-in cookie"
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember[0]).group(1))
    assert expires - datetime.now(UTC) <= timedelta(days=30, minutes=1)
    (stored,) = store.list_sessions(person.id, datetime.now(UTC))
    assert stored.remember and stored.expires_at - stored.created_at == timedelta(days=30)
    attacker = browser(app, agent="curl/8.4")
    copy_cookies(victim, attacker, "remember_token")  # only the long-lived cookie: a fresh browser session
    assert attacker.get("/api/v1/me").status_code == 200
    sign_out(victim)
    fresh = browser(app, agent="curl/8.4")
    copy_cookies(victim if victim.get_cookie("remember_token") else attacker, fresh, "remember_token")
    assert fresh.get("/api/v1/me").status_code == 401
    assert attacker.get("/api/v1/me").status_code == 401


def test_keep_me_signed_in_cannot_be_set_longer_than_30_days(monkeypatch, store):
    monkeypatch.setenv("BRIDGEWORK_REMEMBER_DAYS", "365")
    with pytest.raises(SettingError) as raised:
        create_app({"TESTING": True, "STORE": store})
    assert raised.value.setting == "BRIDGEWORK_REMEMBER_DAYS"


def test_sign_out_says_the_session_has_ended(app, person):
    victim = browser(app)
    sign_in(victim)
    page = victim.get(sign_out(victim).headers["Location"]).get_data(as_text=True)
    assert "You are signed out. This sign-in has ended" in page


# -- password change and reset ---------------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_says_how_many(app, person):
    laptop, phone, tablet = browser(app), browser(app, IPHONE), browser(app, IPHONE)
    for b in (laptop, phone, tablet):
        sign_in(b)
    changed = laptop.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers={"X-CSRFToken": csrf_of(laptop)}
    )
    assert changed.status_code == 200
    assert changed.get_json()["message"] == "Your password is changed. You were signed out everywhere else (2 other sessions ended)."
    assert laptop.get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 401 and tablet.get("/api/v1/me").status_code == 401


def test_a_password_reset_ends_every_session_and_revokes_every_token_and_says_so(app, store, person):
    laptop = browser(app)
    sign_in(laptop, remember=True)
    token = accounts.issue_token(store, person.id, "nightly").secret
    bearer = {"Authorization": f"Bearer {token}"}
    assert laptop.get("/api/v1/me", headers=bearer).status_code == 200
    secret = accounts.issue_reset(store, person.id, actor_id=None).secret
    resetter = browser(app)
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": _csrf(resetter.get(f"/reset/{secret}").get_data(as_text=True))}
    done = resetter.post(f"/reset/{secret}", data=form)
    assert done.status_code == 302
    page = resetter.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your new password is set. For your safety you were signed out everywhere (1 session ended)" in page
    assert "your 1 API token was revoked" in page
    assert laptop.get("/api/v1/me").status_code == 401
    assert browser(app).get("/api/v1/me", headers=bearer).status_code == 401
    assert accounts_tokens(app, person.id) == []


# -- seeing and ending one's sessions ----------------------------------------------------------------


def test_a_person_lists_their_sessions_and_ends_the_others(app, person):
    laptop, phone = browser(app, FIREFOX), browser(app, IPHONE)
    sign_in(laptop)
    sign_in(phone)
    listed = laptop.get("/api/v1/me/sessions").get_json()
    assert sorted((s["device"], s["current"]) for s in listed) == [("Firefox on Windows", True), ("Safari on an iPhone", False)]
    assert all(s["last_seen_at"] and s["created_at"] for s in listed)
    assert all("secret" not in str(s) for s in listed)
    ended = laptop.post("/api/v1/me/sessions/end-others", headers={"X-CSRFToken": csrf_of(laptop)})
    assert ended.get_json() == {"ended": 1}
    assert phone.get("/api/v1/me").status_code == 401
    assert [s["device"] for s in laptop.get("/api/v1/me/sessions").get_json()] == ["Firefox on Windows"]


def test_a_person_ends_one_session_and_nobody_ends_anothers(app, store, person):
    laptop, phone = browser(app, FIREFOX), browser(app, IPHONE)
    sign_in(laptop)
    sign_in(phone)
    phone_id = next(s["id"] for s in laptop.get("/api/v1/me/sessions").get_json() if not s["current"])
    store.create_assessor(Assessor(id="a-2", name="Pat Jones"))
    accounts.create_user(store, "pat@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-2")
    other = browser(app)
    sign_in(other, "pat@example.org")
    assert other.delete(f"/api/v1/me/sessions/{phone_id}", headers={"X-CSRFToken": csrf_of(other)}).status_code == 404
    assert phone.get("/api/v1/me").status_code == 200
    assert laptop.delete(f"/api/v1/me/sessions/{phone_id}", headers={"X-CSRFToken": csrf_of(laptop)}).status_code == 204
    assert phone.get("/api/v1/me").status_code == 401


# -- API tokens -----------------------------------------------------------------------------------------


def accounts_tokens(app: Flask, user_id: str) -> list:
    with app.app_context():
        from api.extensions import get_store

        return get_store().list_tokens(user_id)


def test_tokens_expire_within_90_days_by_default_and_never_later_than_a_year(app, store, person):
    bearer = {"Authorization": f"Bearer {accounts.issue_token(store, person.id, 'first').secret}"}
    client = app.test_client()
    made = client.post("/api/v1/me/tokens", json={"name": "laptop"}, headers=bearer).get_json()
    created, expires = datetime.fromisoformat(made["created_at"]), datetime.fromisoformat(made["expires_at"])
    assert expires - created == timedelta(days=90)
    too_long = client.post("/api/v1/me/tokens", json={"name": "forever", "expires_in_days": 3650}, headers=bearer)
    assert too_long.status_code == 422 and "expires_in_days" in too_long.get_json()["error"]["fields"]


def test_tokens_are_listed_with_their_last_use(app, store, person):
    issued = accounts.issue_token(store, person.id, "reports")
    client = app.test_client()
    assert client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {issued.secret}"}).status_code == 200
    (listed,) = client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {issued.secret}"}).get_json()
    assert listed["name"] == "reports" and listed["last_used_at"] is not None and listed["read_only"] is False


def test_a_read_only_token_reads_but_every_write_is_refused(app, store, person):
    writer = {"Authorization": f"Bearer {accounts.issue_token(store, person.id, 'writer').secret}"}
    client = app.test_client()
    made = client.post("/api/v1/me/tokens", json={"name": "dashboard", "read_only": True}, headers=writer).get_json()
    assert made["read_only"] is True
    reader = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/me", headers=reader).status_code == 200
    assert client.get("/api/v1/me/tokens", headers=reader).status_code == 200
    for method, path, body in [
        ("post", "/api/v1/me/tokens", {"name": "escalate"}),
        ("post", "/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        ("delete", f"/api/v1/me/tokens/{made['id']}", None),
        ("post", "/api/v1/me/sessions/end-others", None),
    ]:
        refused = getattr(client, method)(path, json=body, headers=reader)
        assert refused.status_code == 403, (path, refused.status_code)
        assert "read-only" in refused.get_json()["error"]["message"]
    assert {t.name for t in accounts_tokens(app, person.id)} == {"writer", "dashboard"}
    assert accounts.authenticate(store, "sam@example.org", PASSWORD) is not None


# -- reset links come from the configured address ------------------------------------------------------------


def test_reset_links_never_come_from_the_host_header(store, person, monkeypatch):
    monkeypatch.setenv("BRIDGEWORK_BASE_URL", "https://bridgework.example.org")
    app = create_app({"TESTING": True, "STORE": store})
    admin = accounts.create_user(store, "admin@example.org", roles=("admin",), password=PASSWORD)
    bearer = {"Authorization": f"Bearer {accounts.issue_token(store, admin.id, 'admin').secret}"}
    client = app.test_client()
    made = client.post(f"/api/v1/users/{person.id}/reset-link", headers=bearer | {"Host": "evil.test"})
    assert made.status_code == 201
    url = made.get_json()["url"]
    assert url.startswith("https://bridgework.example.org/reset/") and "evil.test" not in url
    created = client.post("/api/v1/users", json={"email": "new@example.org", "roles": ["coordinator"]}, headers=bearer | {"Host": "evil.test"})
    assert created.get_json()["reset_link"]["url"].startswith("https://bridgework.example.org/reset/")
    page = browser(app)
    sign_in(page, "admin@example.org")
    csrf = csrf_of(page)
    page.set_cookie("session", page.get_cookie("session").value, domain="evil.test")  # the browser at the forged host
    shown = page.post(
        f"/admin/users/{person.id}/reset-link", data={"csrf_token": csrf}, headers={"Host": "evil.test"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "https://bridgework.example.org/reset/" in shown and "evil.test" not in shown


def test_production_without_a_base_url_does_not_start(monkeypatch, tmp_path):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("BRIDGEWORK_BASE_URL", raising=False)
    monkeypatch.delenv("BRIDGEWORK_PUBLIC_URL", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BRIDGEWORK_ENV", "production")
    monkeypatch.setenv("BRIDGEWORK_SECRET_KEY", "k" * 40)
    with pytest.raises(SettingError) as raised:
        create_app({"TESTING": True})
    assert raised.value.setting == "BRIDGEWORK_BASE_URL" and "must be set in production" in str(raised.value)


# -- throttles on password change and token creation ------------------------------------------------------------


def test_failed_password_changes_are_throttled_per_account_from_any_address(store, person):
    app = create_app({"TESTING": True, "STORE": store, "PASSWORD_CHANGE_ACCOUNT_RATE_LIMIT": "3 per hour"})
    token = accounts.issue_token(store, person.id, "t").secret
    statuses = []
    for n in range(5):
        client = browser(app, address=f"10.0.0.{n}")  # a new address each time
        wrong = {"current_password": f"guess number {n} is wrong", "new_password": NEW_PASSWORD}
        statuses.append(client.post("/api/v1/me/password", json=wrong, headers={"Authorization": f"Bearer {token}"}).status_code)
    assert statuses == [422, 422, 422, 429, 429]
    refused = browser(app, address="10.0.0.9").post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 429 and "Too many failed password changes for this account" in refused.get_json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0
    assert accounts.authenticate(store, "sam@example.org", PASSWORD) is not None  # nothing changed


def test_failed_password_changes_are_throttled_per_address_across_accounts(store):
    app = create_app({"TESTING": True, "STORE": store, "PASSWORD_CHANGE_RATE_LIMIT": "4 per hour"})
    statuses = []
    for n in range(6):
        user = accounts.create_user(store, f"p{n}@example.org", roles=("coordinator",), password=PASSWORD)
        token = accounts.issue_token(store, user.id, "t").secret
        wrong = {"current_password": "not my password at all", "new_password": NEW_PASSWORD}
        statuses.append(browser(app).post("/api/v1/me/password", json=wrong, headers={"Authorization": f"Bearer {token}"}).status_code)
    assert statuses == [422, 422, 422, 422, 429, 429]


def test_new_tokens_are_throttled_per_account_and_per_address(store, person):
    app = create_app({"TESTING": True, "STORE": store, "TOKEN_ACCOUNT_RATE_LIMIT": "3 per hour", "TOKEN_RATE_LIMIT": "5 per hour"})
    bearer = {"Authorization": f"Bearer {accounts.issue_token(store, person.id, 'first').secret}"}
    made = [browser(app, address=f"10.0.1.{n}").post("/api/v1/me/tokens", json={"name": f"t{n}"}, headers=bearer) for n in range(4)]
    assert [r.status_code for r in made] == [201, 201, 201, 429]
    assert "Too many new API tokens for this account" in made[-1].get_json()["error"]["message"]
    statuses = []
    for n in range(5):
        user = accounts.create_user(store, f"q{n}@example.org", roles=("coordinator",), password=PASSWORD)
        token = accounts.issue_token(store, user.id, "t").secret
        statuses.append(
            browser(app, address="10.9.9.9").post("/api/v1/me/tokens", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}).status_code
        )
    assert statuses == [201] * 5  # five people at one address, one token each
    extra = accounts.create_user(store, "q9@example.org", roles=("coordinator",), password=PASSWORD)
    token = accounts.issue_token(store, extra.id, "t").secret
    refused = browser(app, address="10.9.9.9").post("/api/v1/me/tokens", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 429 and "from your network" in refused.get_json()["error"]["message"]


def test_the_reset_link_command_uses_the_base_url_and_needs_one_in_production(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from bridgework.cli import main

    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("BRIDGEWORK_PUBLIC_URL", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BRIDGEWORK_ADMIN_PASSWORD", PASSWORD)
    assert CliRunner().invoke(main, ["create-admin", "--email", "root@example.org"]).exit_code == 0
    monkeypatch.setenv("BRIDGEWORK_BASE_URL", "https://bridgework.example.org/")
    printed = CliRunner().invoke(main, ["reset-link", "root@example.org"])
    assert printed.exit_code == 0 and printed.stdout.startswith("https://bridgework.example.org/reset/")
    monkeypatch.delenv("BRIDGEWORK_BASE_URL")
    monkeypatch.setenv("BRIDGEWORK_ENV", "production")
    refused = CliRunner().invoke(main, ["reset-link", "root@example.org"])
    assert refused.exit_code == 2 and "BRIDGEWORK_BASE_URL: must be set in production" in refused.output

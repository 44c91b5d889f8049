"""Accounts: login sessions, CSRF, throttling, API tokens, reset links, roles and the audit log."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation

PASSWORD = "correct horse battery staple"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str):
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, **extra})


@pytest.fixture
def person(store: EmbeddedStore):
    """An assessor with a login and a password."""
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
    return accounts.create_user(store, "Sam@Example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-1")


@pytest.fixture
def admin_headers(auth) -> dict[str, str]:
    return auth(roles=("admin",))


# -- login, sessions, CSRF ----------------------------------------------------------------


def test_the_login_page_signs_in_with_a_hardened_session_cookie(client, person):
    response = sign_in(client, "sam@example.org")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    me = client.get("/api/v1/me").get_json()
    assert me["id"] == person.id and me["assessor_id"] == "a-1" and me["csrf_token"]


def test_cookies_are_secure_when_configured(store, person, monkeypatch):
    monkeypatch.setenv("BRIDGEWORK_SECURE_COOKIES", "true")
    client = create_app({"TESTING": True, "STORE": store}).test_client()
    cookie = sign_in(client, "sam@example.org").headers["Set-Cookie"]
    assert "Secure" in cookie


@pytest.mark.parametrize(("email", "password"), [("sam@example.org", "wrong password here"), ("nobody@example.org", PASSWORD)])
def test_a_wrong_email_or_password_is_refused_alike(client, person, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_an_inactive_user_cannot_sign_in(client, store, person):
    store.update_user(person.id, active=False)
    assert sign_in(client, "sam@example.org").status_code == 401


def test_the_login_form_needs_its_csrf_token(client, person):
    response = client.post("/login", data={"email": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_login_is_rate_limited(store, person):
    app = create_app({"TESTING": True, "STORE": store, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [sign_in(client, "sam@example.org", "wrong password here").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert sign_in(client, "sam@example.org").status_code == 429  # even the right password, until the window passes


def test_next_only_leads_to_this_site(client, person):
    token = _csrf(client.get("/login").get_data(as_text=True))
    form = {"email": "sam@example.org", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=//evil.example/x", data=form).headers["Location"] == "/home"  # the person's own home, not the other site
    client.post("/logout", data={"csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    token = _csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login?next=/api/v1/me", data=form | {"csrf_token": token}).headers["Location"] == "/api/v1/me"


def test_session_writes_need_the_csrf_header_and_bearer_writes_do_not(client, person, auth):
    sign_in(client, "sam@example.org")
    refused = client.post("/api/v1/me/tokens", json={"name": "laptop"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/me/tokens").get_json() == []
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    assert client.post("/api/v1/me/tokens", json={"name": "laptop"}, headers={"X-CSRFToken": token}).status_code == 201
    bearer = auth(roles=("assessor",))
    anonymous = FlaskClient(client.application)
    assert anonymous.post("/api/v1/me/tokens", json={"name": "ci"}, headers=bearer).status_code == 201


def test_logout_ends_the_session(client, person):
    sign_in(client, "sam@example.org")
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_changing_the_password_ends_other_sessions(app: Flask, person):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "sam@example.org")
    sign_in(phone, "sam@example.org")
    token = laptop.get("/api/v1/me").get_json()["csrf_token"]
    wrong = laptop.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a whole new passphrase"},
        headers={"X-CSRFToken": token},
    )
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["error"]["fields"]
    ok = laptop.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "a whole new passphrase"}, headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200
    assert ok.get_json() == {
        "message": "Your password is changed. You were signed out everywhere else (1 other session ended).",
        "sessions_ended": 1,
    }
    assert laptop.get("/api/v1/me").status_code == 200  # the session that changed it stays
    assert phone.get("/api/v1/me").status_code == 401
    assert sign_in(app.test_client(), "sam@example.org", "a whole new passphrase").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(store, person):
    stored = store.get_user(person.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


# -- API tokens -----------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_hashed_listed_and_revocable(client, store, auth):
    headers = auth(roles=("assessor",))
    created = client.post("/api/v1/me/tokens", json={"name": "nightly export", "expires_in_days": 30}, headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    secret = body["token"]
    assert secret.startswith(f"bw_{body['id']}_")
    stored, _ = store.token_with_user(body["id"])
    assert secret.split("_", 2)[2] not in stored.secret_hash
    listed = client.get("/api/v1/me/tokens", headers=headers).get_json()
    assert {t["name"] for t in listed} == {"test", "nightly export"}
    assert all("token" not in t for t in listed)
    mine = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=mine).status_code == 200
    assert client.delete(f"/api/v1/me/tokens/{body['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=mine).status_code == 401


def test_nobody_revokes_another_users_token(client, auth):
    mine = auth(roles=("assessor",))
    token_id = client.get("/api/v1/me/tokens", headers=mine).get_json()[0]["id"]
    other = auth(roles=("assessor",))
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=other).status_code == 404
    assert client.get("/api/v1/me", headers=mine).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer bw_0123456789abcdef_" + "A" * 43,
        "Basic c2FtOnBhc3N3b3Jk",
        "Bearer ",
    ],
)
def test_a_bad_token_is_401_with_a_challenge(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorised"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_for_a_real_token_id_is_401(client, auth):
    headers = auth()
    token_id = headers["Authorization"].split("_")[1]
    forged = {"Authorization": f"Bearer bw_{token_id}_{'B' * 43}"}
    assert client.get("/api/v1/me", headers=forged).status_code == 401


def test_an_expired_token_or_deactivated_user_is_401(client, store, auth):
    headers = auth()
    token_id = headers["Authorization"].split("_")[1]
    token, user = store.token_with_user(token_id)
    store.delete_token(user.id, token_id)
    store.create_token(dataclasses.replace(token, expires_at=accounts.now() - timedelta(seconds=1)))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    fresh = auth()
    store.update_user(auth.last_user_id, active=False)
    assert client.get("/api/v1/me", headers=fresh).status_code == 401


def test_an_authorization_header_wins_over_a_session_cookie(client, person):
    sign_in(client, "sam@example.org")
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401


# -- users, roles, reset links, audit ---------------------------------------------------------


def test_an_admin_creates_a_user_who_sets_a_password_through_the_reset_link(client, store, admin_headers):
    store.create_organisation(Organisation(id="org-1", name="Northmoor Council", kind="local_authority", region="north_east"))
    created = client.post(
        "/api/v1/users",
        json={"email": "Lead@Northmoor.gov.uk", "roles": ["org_admin"], "organisation_ids": ["org-1"]},
        headers=admin_headers,
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["email"] == "lead@northmoor.gov.uk" and body["organisation_ids"] == ["org-1"]
    link = body["reset_link"]["url"]
    path = link[link.index("/reset/") :]
    page = client.get(path)
    assert page.status_code == 200
    token = _csrf(page.get_data(as_text=True))
    short = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 422
    done = client.post(path, data={"password": "lanterns over the moor", "confirm": "lanterns over the moor", "csrf_token": token})
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # one-time
    assert sign_in(client, "lead@northmoor.gov.uk", "lanterns over the moor").status_code == 302


def test_a_reset_link_expires(client, store, app, admin_headers, person):
    app.config["PASSWORD_RESET_HOURS"] = 1
    link = client.post(f"/api/v1/users/{person.id}/reset-link", headers=admin_headers).get_json()
    secret = link["url"].rsplit("/", 1)[1]
    reset = store.get_reset(hashlib.sha256(secret.encode()).hexdigest())
    store.create_reset(dataclasses.replace(reset, expires_at=accounts.now() - timedelta(minutes=1)))
    assert client.get(f"/reset/{secret}").status_code == 404
    assert "expired" in client.get(f"/reset/{secret}").get_data(as_text=True)


def test_role_changes_are_admin_only_and_audited(client, store, auth, admin_headers, person):
    mine = auth(roles=("assessor", "org_admin"))
    forbidden = client.patch(f"/api/v1/users/{person.id}", json={"roles": ["admin"]}, headers=mine)
    assert forbidden.status_code == 403
    assert store.get_user(person.id).roles == ("assessor",)
    changed = client.patch(f"/api/v1/users/{person.id}", json={"roles": ["assessor", "coordinator"]}, headers=admin_headers)
    assert changed.status_code == 200 and changed.get_json()["roles"] == ["assessor", "coordinator"]
    log = client.get("/api/v1/audit", query_string={"action": "user:roles"}, headers=admin_headers).get_json()
    entry = log["items"][0]
    assert entry["target_id"] == person.id and entry["details"] == {"roles": {"before": ["assessor"], "after": ["assessor", "coordinator"]}}
    assert client.get("/api/v1/audit", headers=mine).status_code == 403


def test_a_user_may_hold_several_roles_and_reads_only_themself(client, auth, person):
    headers = auth(roles=("assessor", "coordinator", "org_admin"))
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["roles"] == ["assessor", "coordinator", "org_admin"]
    assert client.get(f"/api/v1/users/{me['id']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{person.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/users", headers=headers).status_code == 403


def test_unknown_roles_and_duplicate_emails_are_refused(client, admin_headers, person):
    bad = client.post("/api/v1/users", json={"email": "x@example.org", "roles": ["superuser"]}, headers=admin_headers)
    assert bad.status_code == 422 and "roles" in bad.get_json()["error"]["fields"]
    dup = client.post("/api/v1/users", json={"email": "SAM@example.org", "roles": ["coordinator"]}, headers=admin_headers)
    assert dup.status_code == 409


def test_users_list_pages_and_filters_by_role(client, auth, admin_headers):
    for _ in range(3):
        auth(roles=("coordinator",))
    page = client.get("/api/v1/users", query_string={"role": "coordinator", "limit": 2}, headers=admin_headers).get_json()
    assert len(page["items"]) == 2 and page["next_after"]
    rest = client.get("/api/v1/users", query_string={"role": "coordinator", "after": page["next_after"]}, headers=admin_headers).get_json()
    assert len(rest["items"]) == 1 and rest["next_after"] is None
    assert all("password_hash" not in u for u in page["items"] + rest["items"])


def test_scopes_are_set_by_admins_and_audited(client, store, admin_headers, person):
    store.create_organisation(Organisation(id="org-1", name="Northmoor Council", kind="local_authority", region="north_east"))
    response = client.put(
        f"/api/v1/users/{person.id}/scopes", json={"assessor_id": "a-1", "organisation_ids": ["org-1"]}, headers=admin_headers
    )
    assert response.status_code == 200 and response.get_json()["organisation_ids"] == ["org-1"]
    missing = client.put(
        f"/api/v1/users/{person.id}/scopes", json={"assessor_id": "a-1", "organisation_ids": ["org-404"]}, headers=admin_headers
    )
    assert missing.status_code == 404
    assert store.get_user(person.id).organisation_ids == ("org-1",)
    assert [e.action for e in store.list_audit(target_id=person.id).items][:1] == ["user:scopes"]


# -- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path))
    return tmp_path


def test_create_admin_takes_the_password_from_a_hidden_prompt(cli_env):
    from bridgework.cli import main

    result = CliRunner().invoke(main, ["create-admin", "--email", "Root@Example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "admin root@example.org created" in result.output
    store = EmbeddedStore(cli_env / "bridgework.sqlite3")
    try:
        user = store.get_user_by_email("root@example.org")
        assert user.roles == ("admin",) and accounts.authenticate(store, "root@example.org", PASSWORD) is not None
    finally:
        store.close()


def test_create_admin_reads_the_environment_and_refuses_bad_input(cli_env, monkeypatch):
    from bridgework.cli import main

    monkeypatch.setenv("BRIDGEWORK_ADMIN_PASSWORD", "short")
    weak = CliRunner().invoke(main, ["create-admin", "--email", "root@example.org"])
    assert weak.exit_code == 1 and "password must be at least" in weak.output
    monkeypatch.setenv("BRIDGEWORK_ADMIN_PASSWORD", PASSWORD)
    assert CliRunner().invoke(main, ["create-admin", "--email", "root@example.org"]).exit_code == 0
    again = CliRunner().invoke(main, ["create-admin", "--email", "root@example.org"])
    assert again.exit_code == 1 and "already exists" in again.output


def test_reset_link_prints_a_one_time_link(cli_env, monkeypatch):
    from bridgework.cli import main

    monkeypatch.setenv("BRIDGEWORK_ADMIN_PASSWORD", PASSWORD)
    CliRunner().invoke(main, ["create-admin", "--email", "root@example.org"])
    result = CliRunner().invoke(main, ["reset-link", "root@example.org", "--base-url", "https://bridgework.example"])
    assert result.exit_code == 0
    assert re.search(r"https://bridgework\.example/reset/[A-Za-z0-9_-]{43}", result.stdout)
    assert CliRunner().invoke(main, ["reset-link", "nobody@example.org"]).exit_code == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BRIDGEWORK_SECURE_COOKIES", "sometimes"),
        ("BRIDGEWORK_MAX_CONTENT_LENGTH", "big"),
        ("BRIDGEWORK_MAX_CONTENT_LENGTH", "10"),
        ("BRIDGEWORK_SESSION_HOURS", "0"),
        ("BRIDGEWORK_PASSWORD_RESET_HOURS", "-1"),
    ],
)
def test_a_bad_accounts_setting_is_named(name, value):
    from api.config import from_env
    from graph.settings import SettingError

    with pytest.raises(SettingError) as raised:
        from_env({name: value})
    assert raised.value.setting == name


def test_production_cookies_are_secure_by_default():
    from api.config import from_env

    settings = from_env({"BRIDGEWORK_ENV": "production", "BRIDGEWORK_SECRET_KEY": "k" * 40, "BRIDGEWORK_BASE_URL": "https://bw.example.org"})
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"

"""Accounts and the people they are: the assessor role needs its assessor (checked before anything is
written), and an assessor's active flag is their organisation's admins' to change, never their own."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from api.services import accounts
from network.domain import Assessor, Organisation


@pytest.fixture
def network(store):
    """Two organisations with an assessor each (Ruth Khan at org-1, Sam Okafor at org-2)."""
    for n, name in ((1, "Ruth Khan"), (2, "Sam Okafor")):
        store.create_organisation(Organisation(id=f"org-{n}", name=f"Council {n}", kind="local_authority", region="london"))
        store.create_assessor(Assessor(id=f"a-{n}", name=name, region="london"))
        store.set_employer(f"a-{n}", f"org-{n}", date(2024, 1, 1))
    return store


@pytest.fixture
def admin(auth):
    return auth(roles=("admin",))


def _user_ids(store) -> list[str]:
    return [u.id for u in store.list_users(limit=500).items]


def _field(response, name: str) -> str:
    assert response.status_code == 422, response.get_data(as_text=True)
    return " ".join(response.get_json()["error"]["fields"][name])


# -- (a) the assessor role needs its assessor ---------------------------------------------------


def test_a_new_assessor_needs_their_assessor_and_a_refused_create_writes_nothing_so_the_retry_works(client, network, admin):
    users, audit = _user_ids(network), network.list_audit(limit=500).items
    refused = client.post("/api/v1/users", json={"email": "ruth@example.org", "roles": ["assessor"]}, headers=admin)
    assert "The assessor role needs the assessor this person is" in _field(refused, "assessor_id")
    assert _user_ids(network) == users and network.list_audit(limit=500).items == audit
    retried = client.post("/api/v1/users", json={"email": "ruth@example.org", "roles": ["assessor"], "assessor_id": "a-1"}, headers=admin)
    assert retried.status_code == 201 and retried.get_json()["assessor_id"] == "a-1"


def test_an_assessor_with_a_login_or_none_at_all_is_named_in_the_field_message(client, network, admin):
    client.post("/api/v1/users", json={"email": "ruth@example.org", "roles": ["assessor"], "assessor_id": "a-1"}, headers=admin)
    users = _user_ids(network)
    taken = client.post("/api/v1/users", json={"email": "rk@example.org", "roles": ["assessor"], "assessor_id": "a-1"}, headers=admin)
    assert _field(taken, "assessor_id") == "Ruth Khan already has a login (ruth@example.org)."
    missing = client.post("/api/v1/users", json={"email": "x@example.org", "roles": ["assessor"], "assessor_id": "a-404"}, headers=admin)
    assert "There is no assessor with id a-404." in _field(missing, "assessor_id")
    assert _user_ids(network) == users


def test_giving_the_assessor_role_needs_the_link_in_the_same_request(client, network, admin):
    created = client.post("/api/v1/users", json={"email": "lead@example.org", "roles": ["coordinator"]}, headers=admin).get_json()
    path = f"/api/v1/users/{created['id']}"
    refused = client.patch(path, json={"roles": ["assessor", "coordinator"]}, headers=admin)
    assert "The assessor role needs the assessor this person is" in _field(refused, "assessor_id")
    assert network.get_user(created["id"]).roles == ("coordinator",)
    assert network.list_audit(action="user:roles", target_id=created["id"]).items == []
    given = client.patch(path, json={"roles": ["assessor", "coordinator"], "assessor_id": "a-2"}, headers=admin)
    assert given.status_code == 200
    assert (given.get_json()["roles"], given.get_json()["assessor_id"]) == (["assessor", "coordinator"], "a-2")
    assert [e.action for e in network.list_audit(target_id=created["id"]).items][:2] == ["user:roles", "user:scopes"]


def test_an_assessors_link_cannot_be_taken_away_while_the_role_stays(client, network, admin):
    created = client.post("/api/v1/users", json={"email": "sam@example.org", "roles": ["assessor"], "assessor_id": "a-2"}, headers=admin)
    user_id = created.get_json()["id"]
    cleared = client.put(f"/api/v1/users/{user_id}/scopes", json={"assessor_id": None}, headers=admin)
    assert "The assessor role needs the assessor this person is" in _field(cleared, "assessor_id")
    unlinked = client.patch(f"/api/v1/users/{user_id}", json={"assessor_id": None}, headers=admin)
    assert "The assessor role needs" in _field(unlinked, "assessor_id")
    assert network.get_user(user_id).assessor_id == "a-2"
    dropped = client.patch(f"/api/v1/users/{user_id}", json={"roles": ["coordinator"], "assessor_id": None}, headers=admin)
    assert dropped.status_code == 200 and dropped.get_json()["assessor_id"] is None  # the role and its link go together


# -- (b) only their organisation's admins change an assessor's active flag ---------------------


@pytest.mark.parametrize("active", [True, False])
def test_an_assessor_cannot_change_their_own_active_flag(client, network, auth, active):
    network.update_assessor(dataclasses.replace(network.get_assessor("a-1"), active=not active))
    before = network.get_assessor("a-1")
    me = auth(roles=("assessor",), assessor_id="a-1")
    refused = client.patch("/api/v1/assessors/a-1", json={"active": active, "bio": "Back again."}, headers=me)
    assert refused.status_code == 403
    assert "Only an admin of your organisation" in refused.get_json()["error"]["message"]
    assert network.get_assessor("a-1") == before  # nothing changed, not even the bio
    same = client.patch("/api/v1/assessors/a-1", json={"active": not active, "bio": "Still here."}, headers=me)
    assert same.status_code == 200 and same.get_json()["bio"] == "Still here."  # sending the stored value back is no change


def test_their_organisations_admin_or_an_admin_changes_it_and_other_organisations_admins_do_not(client, network, auth, admin):
    own = auth(roles=("org_admin",), organisation_ids=("org-1",))
    other = auth(roles=("org_admin",), organisation_ids=("org-2",))
    assert client.patch("/api/v1/assessors/a-1", json={"active": False}, headers=own).get_json()["active"] is False
    assert client.patch("/api/v1/assessors/a-1", json={"active": True}, headers=other).status_code == 403
    assert network.get_assessor("a-1").active is False
    assert client.patch("/api/v1/assessors/a-1", json={"active": True}, headers=admin).get_json()["active"] is True


def test_an_assessor_who_is_also_an_org_admin_elsewhere_still_cannot_reactivate_themselves(client, network, auth):
    client_headers = auth(roles=("assessor", "org_admin"), assessor_id="a-1", organisation_ids=("org-2",))
    network.update_assessor(dataclasses.replace(network.get_assessor("a-1"), active=False))
    assert client.patch("/api/v1/assessors/a-1", json={"active": True}, headers=client_headers).status_code == 403
    assert network.get_assessor("a-1").active is False


def test_the_profile_page_cannot_re_activate_a_deactivated_assessor(app, network):
    """The page path: ``/me/profile`` saves only the profile fields, so a forged ``active`` changes nothing."""
    network.update_assessor(dataclasses.replace(network.get_assessor("a-1"), active=False))
    accounts.create_user(network, "ruth@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-1")
    browser = app.test_client()
    token = _csrf(browser.get("/login").get_data(as_text=True))
    signed_in = browser.post("/login", data={"email": "ruth@example.org", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    token = _csrf(browser.get("/me/profile").get_data(as_text=True))
    form = {"csrf_token": token, "name": "Ruth Khan", "experience_years": "4", "capacity": "1", "bio": "Back again."}
    saved = browser.post("/me/profile", data={**form, "active": "yes"})
    assert saved.status_code == 302
    after = network.get_assessor("a-1")
    assert after.bio == "Back again." and after.active is False


PASSWORD = "correct horse battery staple"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "the form carries no CSRF token"
    return found.group(1)

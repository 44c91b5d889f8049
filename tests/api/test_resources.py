"""Organisations, themes and assessors over the JSON API: CRUD, pagination and filters, profile parts, privacy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from network.domain import Assessor, Organisation, Theme, today


@pytest.fixture
def network(store):
    """Two organisations with an assessor each, and two themes."""
    for n, region in ((1, "north_east"), (2, "london")):
        store.create_organisation(Organisation(id=f"org-{n}", name=f"Organisation {n}", kind="local_authority", region=region))
        store.create_assessor(Assessor(id=f"a-{n}", name=f"Assessor {n}", email=f"a{n}@example.org", region=region))
        store.set_employer(f"a-{n}", f"org-{n}", date(2024, 1, 1))
    store.create_theme(Theme(id="t-values", name="Professionalism", framework="pcf"))
    store.create_theme(Theme(id="t-free", name="Rural practice", framework="practice"))
    return store


@pytest.fixture
def admin(auth):
    return auth(roles=("admin",))


# -- organisations and themes ---------------------------------------------------------------


def test_anyone_signed_in_lists_organisations_with_filters(client, network, auth):
    headers = auth(roles=("assessor",))
    everything = client.get("/api/v1/organisations", headers=headers).get_json()
    assert [o["id"] for o in everything["items"]] == ["org-1", "org-2"] and everything["next_after"] is None
    london = client.get("/api/v1/organisations", query_string={"region": "london"}, headers=headers).get_json()
    assert [o["id"] for o in london["items"]] == ["org-2"]
    first = client.get("/api/v1/organisations", query_string={"limit": 1}, headers=headers).get_json()
    assert [o["id"] for o in first["items"]] == ["org-1"] and first["next_after"] == "org-1"
    second = client.get("/api/v1/organisations", query_string={"limit": 1, "after": "org-1"}, headers=headers).get_json()
    assert [o["id"] for o in second["items"]] == ["org-2"] and second["next_after"] is None


def test_only_admins_change_organisations(client, network, auth, admin):
    body = {"id": "org-3", "name": "Fenland Trust", "kind": "nhs_trust", "region": "east_of_england"}
    assert (
        client.post("/api/v1/organisations", json=body, headers=auth(roles=("org_admin",), organisation_ids=("org-1",))).status_code == 403
    )
    created = client.post("/api/v1/organisations", json=body, headers=admin)
    assert created.status_code == 201 and created.get_json() == body
    assert client.post("/api/v1/organisations", json=body, headers=admin).status_code == 409
    renamed = client.patch("/api/v1/organisations/org-3", json={"name": "Fenland NHS Trust"}, headers=admin)
    assert renamed.get_json()["name"] == "Fenland NHS Trust"
    assert client.delete("/api/v1/organisations/org-1", headers=admin).status_code == 409  # someone works there
    assert client.delete("/api/v1/organisations/org-3", headers=admin).status_code == 204
    assert client.get("/api/v1/organisations/org-3", headers=admin).status_code == 404


def test_themes_list_by_framework_and_admins_manage_them(client, network, auth, admin):
    headers = auth()
    pcf = client.get("/api/v1/themes", query_string={"framework": "pcf"}, headers=headers).get_json()
    assert [t["id"] for t in pcf["items"]] == ["t-values"]
    assert client.get("/api/v1/themes/t-free", headers=headers).get_json()["name"] == "Rural practice"
    assert client.post("/api/v1/themes", json={"id": "t-new", "name": "New"}, headers=headers).status_code == 403
    created = client.post("/api/v1/themes", json={"id": "t-new", "name": "Court work"}, headers=admin)
    assert created.status_code == 201 and created.get_json()["framework"] == "practice"
    assert client.patch("/api/v1/themes/t-new", json={"framework": "kss"}, headers=admin).get_json()["framework"] == "kss"
    assert client.delete("/api/v1/themes/t-new", headers=admin).status_code == 204


# -- assessors -----------------------------------------------------------------------------


def test_an_assessor_reads_and_edits_their_own_profile(client, network, auth):
    headers = auth(roles=("assessor",), assessor_id="a-1")
    profile = client.get("/api/v1/assessors/a-1", headers=headers).get_json()
    assert profile["organisation_id"] == "org-1" and profile["employed_since"] == "2024-01-01" and profile["themes"] == []
    changed = client.patch(
        "/api/v1/assessors/a-1",
        json={"availability": ["wed-am", "tue-pm"], "discoverable": True, "bio": "Twenty years in child protection."},
        headers=headers,
    ).get_json()
    assert changed["availability"] == ["tue-pm", "wed-am"] and changed["discoverable"] and changed["findable"]
    assert client.patch("/api/v1/assessors/a-1", json={"paused": True}, headers=headers).get_json()["findable"] is False
    assert client.put("/api/v1/assessors/a-1/themes/t-values", json={"level": "exploring"}, headers=headers).status_code == 200
    assert client.get("/api/v1/assessors/a-1/themes", headers=headers).get_json() == [{"theme_id": "t-values", "level": "exploring"}]
    assert client.put("/api/v1/assessors/a-1/themes/t-values", json={"level": "experienced"}, headers=headers).status_code == 200
    assert client.get("/api/v1/assessors/a-1", headers=headers).get_json()["themes"] == [{"theme_id": "t-values", "level": "experienced"}]
    assert client.delete("/api/v1/assessors/a-1/themes/t-values", headers=headers).status_code == 204
    assert client.delete("/api/v1/assessors/a-1/themes/t-values", headers=headers).status_code == 404
    assert client.put("/api/v1/assessors/a-1/themes/t-404", json={"level": "exploring"}, headers=headers).status_code == 404


def test_an_assessor_pauses_suggestions_until_a_day_and_resumes(client, network, auth, store):
    headers = auth(roles=("assessor",), assessor_id="a-1")
    client.patch("/api/v1/assessors/a-1", json={"discoverable": True}, headers=headers)
    last_day = (today() + timedelta(days=14)).isoformat()
    paused = client.patch("/api/v1/assessors/a-1", json={"paused": True, "paused_until": last_day}, headers=headers).get_json()
    assert paused["paused"] is True and paused["paused_until"] == last_day and paused["findable"] is False

    before = store.get_assessor("a-1")
    past = client.patch("/api/v1/assessors/a-1", json={"paused_until": "2020-01-01"}, headers=headers)
    assert past.status_code == 422 and "paused_until" in past.get_json()["error"]["fields"]
    assert store.get_assessor("a-1") == before  # nothing written

    resumed = client.patch("/api/v1/assessors/a-1", json={"paused": False}, headers=headers).get_json()
    assert resumed["paused"] is False and resumed["paused_until"] is None and resumed["findable"] is True
    alone = client.patch("/api/v1/assessors/a-1", json={"paused_until": last_day}, headers=headers)
    assert alone.status_code == 422 and "paused_until" in alone.get_json()["error"]["fields"]
    assert store.get_assessor("a-1").paused_until is None


def test_another_organisations_people_are_403_whether_or_not_they_exist(client, network, auth):
    headers = auth(roles=("assessor", "org_admin"), assessor_id="a-1", organisation_ids=("org-1",))
    for path in ("/api/v1/assessors/a-2", "/api/v1/assessors/a-404", "/api/v1/assessors/a-2/themes", "/api/v1/assessors/a-2/export"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path
    assert client.patch("/api/v1/assessors/a-2", json={"name": "Changed"}, headers=headers).status_code == 403
    assert client.get("/api/v1/assessors", query_string={"organisation_id": "org-2"}, headers=headers).status_code == 403
    assert client.get("/api/v1/assessors", headers=headers).status_code == 403  # all organisations: admins only
    assert network.get_assessor("a-2").name == "Assessor 2"


def test_an_org_admin_onboards_and_lists_their_assessors(client, network, auth):
    headers = auth(roles=("org_admin",), organisation_ids=("org-1",))
    created = client.post(
        "/api/v1/assessors",
        json={"id": "a-3", "name": "Priya Shah", "organisation_id": "org-1", "themes": [{"theme_id": "t-free", "level": "exploring"}]},
        headers=headers,
    )
    assert created.status_code == 201
    assert created.get_json()["organisation_id"] == "org-1" and created.get_json()["themes"] == [
        {"theme_id": "t-free", "level": "exploring"}
    ]
    made = client.post("/api/v1/assessors", json={"name": "No Id Given", "organisation_id": "org-1"}, headers=headers)
    assert made.status_code == 201 and made.get_json()["id"].startswith("a-")
    assert client.post("/api/v1/assessors", json={"id": "a-9", "name": "X", "organisation_id": "org-2"}, headers=headers).status_code == 403
    assert (
        client.post("/api/v1/assessors", json={"id": "a-2", "name": "Clash", "organisation_id": "org-1"}, headers=headers).status_code
        == 409
    )
    assert network.get_assessor("a-2").name == "Assessor 2"
    generated = made.get_json()["id"]
    listed = client.get("/api/v1/assessors", query_string={"organisation_id": "org-1", "limit": 2}, headers=headers).get_json()
    rest = client.get(
        "/api/v1/assessors", query_string={"organisation_id": "org-1", "after": listed["next_after"]}, headers=headers
    ).get_json()
    # pages in id order; the generated id is random, so where it falls among a-1 and a-3 varies
    assert [a["id"] for a in listed["items"] + rest["items"]] == sorted(["a-1", "a-3", generated])
    assert len(listed["items"]) == 2 and rest["next_after"] is None
    paused = client.get("/api/v1/assessors", query_string={"organisation_id": "org-1", "region": "north_east"}, headers=headers).get_json()
    assert [a["id"] for a in paused["items"]] == ["a-1"]


def test_onboarding_with_an_unknown_theme_writes_nothing(client, network, auth):
    headers = auth(roles=("org_admin",), organisation_ids=("org-1",))
    response = client.post(
        "/api/v1/assessors",
        json={"id": "a-5", "name": "Priya Shah", "organisation_id": "org-1", "themes": [{"theme_id": "t-404", "level": "exploring"}]},
        headers=headers,
    )
    assert response.status_code == 422 and "themes" in response.get_json()["error"]["fields"]
    assert network.existing_ids("Assessor", ["a-5"]) == set()


def test_moving_an_assessor_needs_both_organisations(client, network, auth):
    one = auth(roles=("org_admin",), organisation_ids=("org-1",))
    assert client.put("/api/v1/assessors/a-1/employer", json={"organisation_id": "org-2"}, headers=one).status_code == 403
    both = auth(roles=("org_admin",), organisation_ids=("org-1", "org-2"))
    moved = client.put("/api/v1/assessors/a-1/employer", json={"organisation_id": "org-2", "since": "2025-09-01"}, headers=both)
    assert moved.status_code == 200 and moved.get_json()["organisation_id"] == "org-2"
    self_service = auth(roles=("assessor",), assessor_id="a-2")
    assert client.delete("/api/v1/assessors/a-2/employer", headers=self_service).status_code == 403
    assert client.delete("/api/v1/assessors/a-1/employer", headers=both).status_code == 204
    assert network.get_employment("a-1") is None


# -- privacy ----------------------------------------------------------------------------------


def test_an_assessor_exports_everything_held_about_them(client, network, auth):
    network.set_theme("a-1", "t-values", "experienced")
    network.request_contact("a-1", "a-2")
    headers = auth(roles=("assessor",), assessor_id="a-1")
    client.post("/api/v1/me/tokens", json={"name": "export script"}, headers=headers)
    export = client.get("/api/v1/assessors/a-1/export", headers=headers)
    assert export.status_code == 200
    data = export.get_json()
    assert data["assessor"]["email"] == "a1@example.org"
    assert data["employment"]["organisation_id"] == "org-1"
    assert data["themes"] == [{"assessor_id": "a-1", "theme_id": "t-values", "level": "experienced"}]
    assert [(c["from_id"], c["to_id"], c["status"]) for c in data["contacts"]] == [("a-1", "a-2", "requested")]
    assert data["account"]["email"].endswith("@example.org") and {t["name"] for t in data["account"]["api_tokens"]} == {
        "test",
        "export script",
    }
    assert "secret_hash" not in export.get_data(as_text=True) and "password_hash" not in export.get_data(as_text=True)


def test_an_org_admin_cannot_export_or_erase_their_assessors(client, network, auth):
    headers = auth(roles=("org_admin",), organisation_ids=("org-1",))
    assert client.get("/api/v1/assessors/a-1/export", headers=headers).status_code == 403
    assert client.delete("/api/v1/assessors/a-1", headers=headers).status_code == 403


def test_erasure_removes_the_person_and_their_login_and_is_audited(client, network, auth, admin):
    network.request_contact("a-2", "a-1")
    headers = auth(roles=("assessor",), assessor_id="a-1")
    user_id = auth.last_user_id
    erased = client.delete("/api/v1/assessors/a-1", headers=headers)
    assert erased.status_code == 200
    assert erased.get_json() == {"erased": "a-1", "placeholder_id": None, "memberships_kept": 0, "account_deleted": True}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert network.existing_ids("Assessor", ["a-1"]) == set()
    assert network.contacts_of("a-2") == []
    log = client.get("/api/v1/audit", query_string={"action": "privacy:erase"}, headers=admin).get_json()["items"]
    assert [(e["actor_id"], e["target_id"]) for e in log] == [(user_id, "a-1")]
    assert "a1@example.org" not in str(log)


def test_erasure_keeps_an_anonymous_former_member_in_the_persons_sets(client, network, auth):
    from graph.port_sets import NewSet
    from network.domain import ActionLearningSet, Programme

    network.create_assessor(Assessor(id="a-3", name="Assessor 3"))
    network.create_programme(Programme(id="p-1", name="Spring programme"))
    for assessor_id in ("a-1", "a-2", "a-3"):
        network.enrol("p-1", assessor_id)
    network.commit_sets(
        "p-1",
        [NewSet(set=ActionLearningSet(id="s-1", name="Set one", programme_id="p-1"), member_ids=("a-1", "a-2", "a-3"))],
        joined=date(2026, 1, 5),
    )
    headers = auth(roles=("assessor",), assessor_id="a-1")
    export = client.get("/api/v1/assessors/a-1/export", headers=headers).get_json()
    assert [s["id"] for s in export["sets"]] == ["s-1"] and export["sets"][0]["memberships"][0]["joined"] == "2026-01-05"
    assert [e["programme_id"] for e in export["enrolments"]] == ["p-1"]
    erased = client.delete("/api/v1/assessors/a-1", headers=headers).get_json()
    assert erased["memberships_kept"] == 1 and erased["placeholder_id"].startswith("erased-")
    members = {m.assessor_id: m for m in network.members_of("s-1")}
    stand_in = network.get_assessor(erased["placeholder_id"])
    assert set(members) == {stand_in.id, "a-2", "a-3"}
    assert stand_in.name == "Former member" and stand_in.email is None and not stand_in.findable
    assert members[stand_in.id].left is not None and members["a-2"].left is None

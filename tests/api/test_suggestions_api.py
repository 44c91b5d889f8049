"""The suggestion and contact endpoints: what an assessor sees, who may see it, the actions, and bad input (nothing written)."""

from __future__ import annotations

from datetime import date

import pytest

from network.domain import Assessor, Organisation, Theme

ORGS = [
    Organisation(id="o1", name="Northmoor Council", kind="local_authority", region="north_east"),
    Organisation(id="o2", name="Riverside Trust", kind="nhs_trust", region="london"),
    Organisation(id="o3", name="Hillside Charity", kind="voluntary", region="london"),
]


@pytest.fixture
def graph(store):
    """o1: Ada, Ben. o2: Cara (Mental Capacity Act, Tuesday afternoons, like Ada). o3: Dev (ASYE only). 60 fillers in o3 hold ASYE.

    Three of 64 work on the Mental Capacity Act: few in the network do.
    """
    for o in ORGS:
        store.create_organisation(o)
    store.create_theme(Theme(id="mca", name="Mental Capacity Act assessments"))
    store.create_theme(Theme(id="asye", name="ASYE"))
    people = [
        ("ada", "Ada Okafor", "o1", ("tue-pm", "wed-am"), ["mca", "asye"]),
        ("ben", "Ben Hughes", "o1", ("tue-pm",), ["mca"]),
        ("cara", "Cara Lane", "o2", ("tue-pm",), ["mca"]),
        ("dev", "Dev Shah", "o3", ("wed-am",), ["asye"]),
    ] + [(f"f{n:02d}", f"Filler {n}", "o3", ("fri-am",), ["asye"]) for n in range(60)]
    for aid, name, org, slots, themes in people:
        store.create_assessor(Assessor(id=aid, name=name, discoverable=True, availability=slots, email=f"{aid}@example.org"))
        store.set_employer(aid, org)
        for t in themes:
            store.set_theme(aid, t, "exploring" if aid == "ada" else "experienced")
    return store


def contacts(store, aid):
    return store.contacts_of(aid)


# -- suggestions ------------------------------------------------------------------------------


def test_an_assessor_sees_their_suggestions_with_reasons(client, auth, graph):
    r = client.get("/api/v1/assessors/ada/suggestions", headers=auth(assessor_id="ada"))
    assert r.status_code == 200, r.json
    body = r.json
    assert body["assessor_id"] == "ada" and body["common_slot"] == "preferred"
    first = body["items"][0]
    assert (first["rank"], first["assessor_id"], first["name"], first["organisation_name"]) == (1, "cara", "Cara Lane", "Riverside Trust")
    assert first["summary"].startswith(
        "Both free Tuesday afternoons; you both work on Mental Capacity Act assessments (few in the network do); "
    )
    assert "They are experienced in Mental Capacity Act assessments, which you are exploring" in first["reasons"]
    assert set(first["breakdown"]) == {"themes", "complementary", "availability", "proximity", "isolation", "new_reach", "region"}
    assert first["score"] == pytest.approx(sum(first["breakdown"].values()), abs=1e-3)
    assert first["shared_themes"] == [{"id": "mca", "name": "Mental Capacity Act assessments", "rare": True, "complementary": True}]
    assert first["common_slots"] == ["tue-pm"]
    assert "email" not in first
    ids = [s["assessor_id"] for s in body["items"]]
    assert "ben" not in ids and "ada" not in ids
    assert len(ids) == 10


def test_the_organisation_region_is_its_own_not_the_persons(client, auth, graph):
    """Cara lives in the East of England; her organisation, Riverside Trust, is in London: each field says its own."""
    from dataclasses import replace

    graph.update_assessor(replace(graph.get_assessor("cara"), region="east_of_england"))
    r = client.get("/api/v1/assessors/ada/suggestions?limit=1", headers=auth(assessor_id="ada"))
    assert r.status_code == 200, r.json
    cara = r.json["items"][0]
    assert (cara["organisation_name"], cara["organisation_region"], cara["region"]) == ("Riverside Trust", "london", "east_of_england")


def test_limit_and_common_slot(client, auth, graph):
    headers = auth(assessor_id="ada")
    r = client.get("/api/v1/assessors/ada/suggestions?limit=1", headers=headers)
    assert [s["assessor_id"] for s in r.json["items"]] == ["cara"]
    r = client.get("/api/v1/assessors/ada/suggestions?common_slot=required&limit=50", headers=headers)
    assert r.status_code == 200
    assert {s["assessor_id"] for s in r.json["items"]} == {"cara", "dev"}  # fillers are free on Friday mornings only
    assert r.json["common_slot"] == "required"


def test_the_app_setting_decides_when_the_request_does_not(app, client, auth, graph):
    app.config["SUGGESTIONS_COMMON_SLOT"] = "required"
    r = client.get("/api/v1/assessors/ada/suggestions?limit=50", headers=auth(assessor_id="ada"))
    assert r.json["common_slot"] == "required"
    assert {s["assessor_id"] for s in r.json["items"]} == {"cara", "dev"}


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=ten", "common_slot=sometimes"])
def test_bad_query_is_422(client, auth, graph, query):
    r = client.get(f"/api/v1/assessors/ada/suggestions?{query}", headers=auth(assessor_id="ada"))
    assert r.status_code == 422, r.json
    assert r.json["error"]["fields"]


def test_unknown_assessor_is_404(client, auth, graph):
    r = client.get("/api/v1/assessors/nobody/suggestions", headers=auth(roles=("admin",)))
    assert r.status_code == 404
    assert r.json["error"]["code"] == "not_found"


def test_malformed_id_is_422(client, auth, graph):
    r = client.get("/api/v1/assessors/bad id!/suggestions", headers=auth(roles=("admin",)))
    assert r.status_code == 422


def test_only_the_assessor_sees_their_suggestions(client, auth, graph):
    assert client.get("/api/v1/assessors/ada/suggestions").status_code == 401
    assert client.get("/api/v1/assessors/ada/suggestions", headers=auth(assessor_id="ben")).status_code == 403
    org_admin = auth(roles=("org_admin",), organisation_ids=("o1",))
    assert client.get("/api/v1/assessors/ada/suggestions", headers=org_admin).status_code == 403
    assert client.get("/api/v1/assessors/ada/suggestions", headers=auth(roles=("coordinator",))).status_code == 403
    assert client.get("/api/v1/assessors/ada/suggestions", headers=auth(roles=("admin",))).status_code == 200


def test_pausing_or_hiding_takes_effect_on_the_next_request(client, auth, graph):
    headers = auth(assessor_id="ada")
    graph.update_assessor(graph.get_assessor("cara").with_changes(discoverable=False))
    ids = [s["assessor_id"] for s in client.get("/api/v1/assessors/ada/suggestions?limit=50", headers=headers).json["items"]]
    assert "cara" not in ids
    graph.update_assessor(graph.get_assessor("ada").with_changes(paused=True))
    body = client.get("/api/v1/assessors/ada/suggestions", headers=headers).json
    assert body["items"] == [] and "paused" in body["notices"][0]


# -- actions ----------------------------------------------------------------------------------


def test_request_accept_and_list(client, auth, graph):
    ada, cara = auth(assessor_id="ada"), auth(assessor_id="cara")
    r = client.post("/api/v1/assessors/ada/contacts", json={"to_id": "cara"}, headers=ada)
    assert r.status_code == 201, r.json
    assert r.json == {"from_id": "ada", "to_id": "cara", "status": "requested", "since": date.today().isoformat(), "via": "suggestion"}
    incoming = client.get("/api/v1/assessors/cara/contacts?status=requested&direction=incoming", headers=cara).json["items"]
    assert [(c["assessor_id"], c["name"], c["organisation_name"]) for c in incoming] == [("ada", "Ada Okafor", "Northmoor Council")]
    r = client.post("/api/v1/assessors/cara/contacts/ada/accept", headers=cara)
    assert r.status_code == 200 and r.json["status"] == "accepted"
    mine = client.get("/api/v1/assessors/ada/contacts", headers=ada).json["items"]
    assert [(c["assessor_id"], c["status"], c["direction"]) for c in mine] == [("cara", "accepted", "outgoing")]
    ids = [s["assessor_id"] for s in client.get("/api/v1/assessors/ada/suggestions?limit=50", headers=ada).json["items"]]
    assert "cara" not in ids
    assert client.post("/api/v1/assessors/cara/contacts/ada/accept", headers=cara).status_code == 409


def test_declining_a_request_is_remembered(client, auth, graph):
    ada, cara = auth(assessor_id="ada"), auth(assessor_id="cara")
    assert client.post("/api/v1/assessors/ada/contacts", json={"to_id": "cara"}, headers=ada).status_code == 201
    r = client.post("/api/v1/assessors/cara/contacts/ada/decline", headers=cara)
    assert r.status_code == 200 and r.json["by_id"] == "cara" and r.json["other_id"] == "ada"
    assert client.post("/api/v1/assessors/ada/contacts", json={"to_id": "cara"}, headers=ada).status_code == 409
    ids = [s["assessor_id"] for s in client.get("/api/v1/assessors/ada/suggestions?limit=50", headers=ada).json["items"]]
    assert "cara" not in ids
    assert client.post("/api/v1/assessors/cara/contacts/ada/decline", headers=cara).status_code == 404  # nothing pending now


def test_withdrawing_a_request_lets_either_ask_again(client, auth, graph):
    ada, cara = auth(assessor_id="ada"), auth(assessor_id="cara")
    assert client.post("/api/v1/assessors/ada/contacts", json={"to_id": "cara"}, headers=ada).status_code == 201
    assert client.post("/api/v1/assessors/cara/contacts/ada/withdraw", headers=cara).status_code == 404  # Cara did not ask
    assert client.post("/api/v1/assessors/ada/contacts/cara/withdraw", headers=cara).status_code == 403  # nor act for Ada
    assert client.post("/api/v1/assessors/ada/contacts/cara/withdraw", headers=ada).status_code == 204
    assert client.get("/api/v1/assessors/cara/contacts", headers=cara).json["items"] == []
    ids = [s["assessor_id"] for s in client.get("/api/v1/assessors/ada/suggestions?limit=50", headers=ada).json["items"]]
    assert "cara" in ids  # withdrawn is not declined: Cara may be suggested again
    assert client.post("/api/v1/assessors/ada/contacts/cara/withdraw", headers=ada).status_code == 404


def test_not_for_me(client, auth, graph):
    ada = auth(assessor_id="ada")
    r = client.post("/api/v1/assessors/ada/suggestions/cara/decline", headers=ada)
    assert r.status_code == 200 and (r.json["by_id"], r.json["other_id"]) == ("ada", "cara")
    ids = [s["assessor_id"] for s in client.get("/api/v1/assessors/ada/suggestions?limit=50", headers=ada).json["items"]]
    assert "cara" not in ids
    assert client.post("/api/v1/assessors/ada/suggestions/cara/decline", headers=ada).status_code == 200  # harmless again
    assert client.post("/api/v1/assessors/ada/suggestions/ada/decline", headers=ada).status_code == 422
    assert client.post("/api/v1/assessors/ada/suggestions/nobody/decline", headers=ada).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"to_id": "ada"}, 422),  # oneself
        ({"to_id": "ben"}, 422),  # a colleague
        ({"to_id": "nobody"}, 404),
        ({}, 422),
        ({"to_id": "cara", "extra": 1}, 422),
        ({"to_id": "bad id!"}, 422),
        ({"to_id": "cara", "via": ""}, 422),
    ],
)
def test_bad_requests_write_nothing(client, auth, graph, body, status):
    r = client.post("/api/v1/assessors/ada/contacts", json=body, headers=auth(assessor_id="ada"))
    assert r.status_code == status, r.json
    assert contacts(graph, "ada") == [] and contacts(graph, "ben") == []


def test_requests_to_the_unfindable_are_404_and_write_nothing(client, auth, graph):
    graph.update_assessor(graph.get_assessor("cara").with_changes(paused=True))
    r = client.post("/api/v1/assessors/ada/contacts", json={"to_id": "cara"}, headers=auth(assessor_id="ada"))
    assert r.status_code == 404
    assert contacts(graph, "cara") == []


def test_nobody_acts_for_someone_else(client, auth, graph):
    ben = auth(assessor_id="ben")
    assert client.post("/api/v1/assessors/ada/contacts", json={"to_id": "cara"}, headers=ben).status_code == 403
    assert client.post("/api/v1/assessors/cara/contacts/ada/accept", headers=ben).status_code == 403
    assert client.post("/api/v1/assessors/ada/suggestions/cara/decline", headers=ben).status_code == 403
    assert client.get("/api/v1/assessors/ada/contacts", headers=ben).status_code == 403
    assert contacts(graph, "ada") == []


def test_answering_a_request_that_does_not_exist_is_404(client, auth, graph):
    cara = auth(assessor_id="cara")
    assert client.post("/api/v1/assessors/cara/contacts/ada/accept", headers=cara).status_code == 404
    assert client.post("/api/v1/assessors/cara/contacts/ada/decline", headers=cara).status_code == 404


@pytest.mark.parametrize("query", ["status=maybe", "direction=sideways"])
def test_bad_contact_filters_are_422(client, auth, graph, query):
    assert client.get(f"/api/v1/assessors/ada/contacts?{query}", headers=auth(assessor_id="ada")).status_code == 422


def test_the_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in [
        "/api/v1/assessors/{assessor_id}/suggestions",
        "/api/v1/assessors/{assessor_id}/suggestions/{other_id}/decline",
        "/api/v1/assessors/{assessor_id}/contacts",
        "/api/v1/assessors/{assessor_id}/contacts/{other_id}/accept",
        "/api/v1/assessors/{assessor_id}/contacts/{other_id}/decline",
        "/api/v1/assessors/{assessor_id}/contacts/{other_id}/withdraw",
    ]:
        assert path in paths

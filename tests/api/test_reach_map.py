"""The network map endpoint: who may ask, whose names they see, who never appears, and bad input."""

from __future__ import annotations

import json
from datetime import date

import pytest

from network.domain import Assessor, Organisation

ORGS = {
    "o1": Organisation(id="o1", name="Northmoor Council", kind="local_authority", region="north_east"),
    "o2": Organisation(id="o2", name="Riverside Trust", kind="nhs_trust", region="london"),
    "o3": Organisation(id="o3", name="Hillside Charity", kind="voluntary", region="london"),
}

#: name, organisation, discoverable, active
PEOPLE = {
    "a0": ("Ada Okafor", "o1", False, True),
    "a1": ("Ben Hughes", "o1", True, True),
    "a9": ("Gone Person", "o1", True, False),
    "a2": ("Cara Lane", "o2", True, True),
    "a3": ("Dev Shah", "o3", True, True),
    "a4": ("Eve Hidden", "o2", False, True),
    "a5": ("Finn Loose", None, True, True),
    "a6": ("Gail Away", "o3", True, False),
}


@pytest.fixture
def graph(store):
    """Ada (o1, not discoverable) is tied to Cara (o2) and to Eve (o2, not discoverable); Cara to Dev (o3) and Finn (no
    organisation); Ben (o1) is isolated; Eve to Gail (inactive). Gone (o1) is inactive."""
    for o in ORGS.values():
        store.create_organisation(o)
    for aid, (name, org, discoverable, _) in PEOPLE.items():
        store.create_assessor(Assessor(id=aid, name=name, discoverable=discoverable))
        if org:
            store.set_employer(aid, org, since=date(2024, 1, 1))
    for x, y in [("a0", "a2"), ("a0", "a4"), ("a2", "a3"), ("a2", "a5"), ("a4", "a6")]:
        store.request_contact(x, y, on=date(2025, 1, 10))
        store.accept_contact(x, y, on=date(2025, 1, 15))
    for aid, (*_, active) in PEOPLE.items():
        if not active:
            store.update_assessor(store.get_assessor(aid).with_changes(active=False))
    return store


def _map(client, headers, org="o1", query=""):
    r = client.get(f"/api/v1/organisations/{org}/map{query}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_org_admin_sees_their_own_people_by_name_and_everyone_else_anonymised(client, auth, graph):
    body = _map(client, auth(roles=("org_admin",), organisation_ids=("o1",)))
    nodes = body["nodes"]
    assert [(n["label"], n["name"], n["organisation_id"], n["hops"]) for n in nodes] == [
        ("Ada Okafor", "Ada Okafor", "o1", 0),
        ("Ben Hughes", "Ben Hughes", "o1", 0),
        ("Assessor 1 at Hillside Charity", None, "o3", 2),  # organisations by name after the mapped one
        ("Assessor 1 at Riverside Trust", None, "o2", 1),
        ("Assessor 1 with no organisation", None, None, 2),
    ]
    own = {n["name"]: n for n in nodes if n["hops"] == 0}
    assert own["Ben Hughes"]["isolated"] is True and own["Ben Hughes"]["isolated_since"] == "2024-01-01"
    assert own["Ada Okafor"]["isolated"] is False
    assert all(n["isolated"] is None and n["isolated_since"] is None for n in nodes if n["hops"] > 0)
    assert [(o["id"], o["own"], o["shown"], o["named"]) for o in body["organisations"]] == [
        ("o1", True, 2, True),
        ("o3", False, 1, False),
        ("o2", False, 1, False),
    ]
    by_id = {n["id"]: n["label"] for n in nodes}
    assert sorted(sorted((by_id[e["source"]], by_id[e["target"]])) for e in body["edges"]) == [
        ["Ada Okafor", "Assessor 1 at Riverside Trust"],
        ["Assessor 1 at Hillside Charity", "Assessor 1 at Riverside Trust"],
        ["Assessor 1 at Riverside Trust", "Assessor 1 with no organisation"],
    ]
    assert (body["shown"], body["total"], body["truncated"], body["isolated"]) == (5, 5, False, 1)
    assert body["summary"] == "Showing all 5 people: 2 assessors of Northmoor Council and 3 people they reach within two steps."


def test_nothing_in_the_response_identifies_another_organisations_people(client, auth, graph):
    text = json.dumps(_map(client, auth(roles=("org_admin",), organisation_ids=("o1",))))
    for aid, (name, org, *_) in PEOPLE.items():
        if org != "o1":
            assert name not in text
            assert f'"{aid}"' not in text
    for aid in ("a0", "a1"):
        assert f'"{aid}"' not in text  # node ids are made up, even for one's own people


def test_node_ids_are_new_in_every_response(client, auth, graph):
    headers = auth(roles=("org_admin",), organisation_ids=("o1",))
    first, second = _map(client, headers), _map(client, headers)
    assert [n["label"] for n in first["nodes"]] == [n["label"] for n in second["nodes"]]
    assert not {n["id"] for n in first["nodes"]} & {n["id"] for n in second["nodes"]}


def test_people_who_may_not_be_found_and_inactive_people_are_left_out_even_for_admins(client, auth, graph):
    body = _map(client, auth(roles=("admin",)))
    names = {n["name"] for n in body["nodes"]}
    assert names == {"Ada Okafor", "Ben Hughes", "Cara Lane", "Dev Shah", "Finn Loose"}  # admins see every name
    # Eve is not discoverable, so she is not on o1's map; on her own organisation's map she is.
    o2 = _map(client, auth(roles=("org_admin",), organisation_ids=("o2",)), org="o2")
    assert {n["name"] for n in o2["nodes"] if n["name"]} == {"Cara Lane", "Eve Hidden"}
    assert "Ada Okafor" not in json.dumps(o2)
    assert len([n for n in o2["nodes"] if n["organisation_id"] == "o1"]) == 0  # Ada may not be found
    assert not {"Gone Person", "Gail Away"} & {n["label"] for n in o2["nodes"]}


def test_an_admin_of_two_organisations_sees_both_by_name(client, auth, graph):
    body = _map(client, auth(roles=("org_admin",), organisation_ids=("o1", "o3")))
    assert {n["name"] for n in body["nodes"] if n["name"]} == {"Ada Okafor", "Ben Hughes", "Dev Shah"}


def test_coordinators_see_the_organisations_own_findable_people_but_not_others(client, auth, graph):
    body = _map(client, auth(roles=("coordinator",)))
    # Ada chose not to be found: only her own organisation's admin sees her (issue 16), not even anonymised.
    assert {n["name"] for n in body["nodes"] if n["name"]} == {"Ben Hughes"}
    assert "Ada Okafor" not in str(body)


def test_a_limit_keeps_the_nearest_and_says_how_many_were_left_off(client, auth, graph):
    body = _map(client, auth(roles=("org_admin",), organisation_ids=("o1",)), query="?limit=3")
    assert [n["hops"] for n in body["nodes"]] == [0, 0, 1]
    assert (body["shown"], body["total"], body["truncated"], body["limit"]) == (3, 5, True, 3)
    assert body["summary"].startswith("Showing 3 of 5 people")


def test_who_is_refused(client, auth, graph):
    assert client.get("/api/v1/organisations/o1/map").status_code == 401
    for headers in (
        auth(roles=("org_admin",), organisation_ids=("o2",)),
        auth(roles=("assessor",), assessor_id="a1"),
        auth(roles=("org_admin",)),
    ):
        r = client.get("/api/v1/organisations/o1/map", headers=headers)
        assert r.status_code == 403
        assert r.json["error"]["code"] == "forbidden"
    # an unknown organisation: 403 for an admin of another organisation (no probing), 404 for those who could see it
    assert client.get("/api/v1/organisations/nope/map", headers=auth(roles=("org_admin",), organisation_ids=("o1",))).status_code == 403
    assert client.get("/api/v1/organisations/nope/map", headers=auth(roles=("coordinator",))).status_code == 404


@pytest.mark.parametrize("query", ["?limit=0", "?limit=1001", "?limit=many", "?limit=-2"])
def test_bad_input_is_422_naming_the_field(client, auth, graph, query):
    r = client.get(f"/api/v1/organisations/o1/map{query}", headers=auth(roles=("org_admin",), organisation_ids=("o1",)))
    assert r.status_code == 422, r.json
    assert r.json["error"]["fields"]


def test_a_bad_path_id_is_422(client, auth, graph):
    r = client.get("/api/v1/organisations/bad%20id!/map", headers=auth(roles=("admin",)))
    assert r.status_code in (404, 422)

"""The reach endpoints: who may see what, what they see, and bad input (422/404, nothing written)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from api.services import reach as service
from network.domain import Assessor, Organisation

ORGS = {
    "o1": Organisation(id="o1", name="Northmoor Council", kind="local_authority", region="north_east"),
    "o2": Organisation(id="o2", name="Riverside Trust", kind="nhs_trust", region="london"),
    "o3": Organisation(id="o3", name="Hillside Charity", kind="voluntary", region="london"),
}


@pytest.fixture
def graph(store):
    """o1: Ada (a0), Ben (a1); o2: Cara (a2); o3: Dev (a3). Ada and Cara are in contact (since 2025-01-15). Ben and Dev are isolated."""
    for o in ORGS.values():
        store.create_organisation(o)
    for n, (name, org, since) in enumerate(
        [
            ("Ada Okafor", "o1", date(2020, 1, 1)),
            ("Ben Hughes", "o1", date(2021, 3, 1)),
            ("Cara Lane", "o2", None),
            ("Dev Shah", "o3", date(2022, 5, 1)),
        ]
    ):
        store.create_assessor(Assessor(id=f"a{n}", name=name))
        store.set_employer(f"a{n}", org, since=since)
    store.request_contact("a0", "a2", on=date(2025, 1, 10))
    store.accept_contact("a0", "a2", on=date(2025, 1, 15))
    return store


def test_org_admin_sees_their_organisation_with_names(client, auth, graph):
    r = client.get("/api/v1/organisations/o1/reach?from=2024-12&to=2025-02", headers=auth(roles=("org_admin",), organisation_ids=("o1",)))
    assert r.status_code == 200, r.json
    body = r.json
    assert body["organisation"]["id"] == "o1"
    assert (body["assessors"], body["isolated_count"], body["reached_direct"], body["reached_within_two"]) == (2, 1, 1, 1)
    assert [i["name"] for i in body["isolated"]] == ["Ben Hughes"]
    assert body["isolated"][0]["isolated_since"] == "2021-03-01"
    assert [p["organisation_id"] for p in body["partners"]] == ["o2"]
    assert body["bridges"] == [{"assessor_id": "a0", "name": "Ada Okafor", "organisation_ids": ["o2"], "regions": ["london"]}]
    assert body["single_bridge_partners"] == ["o2"]
    assert body["regions_reached"] == ["london"]
    assert [(m["month"], m["isolated"], m["organisations_reached"]) for m in body["history"]] == [
        ("2024-12", 2, 0),
        ("2025-01", 1, 1),
        ("2025-02", 1, 1),
    ]
    assert body["people_visible"] is True
    assert body["summary"]


def test_org_admin_of_another_organisation_is_refused(client, auth, graph):
    r = client.get("/api/v1/organisations/o1/reach", headers=auth(roles=("org_admin",), organisation_ids=("o2",)))
    assert r.status_code == 403
    assert r.json["error"]["code"] == "forbidden"


def test_coordinator_sees_any_organisation(client, auth, graph):
    r = client.get("/api/v1/organisations/o3/reach?hops=1", headers=auth(roles=("coordinator",)))
    assert r.status_code == 200
    assert r.json["isolated_count"] == 1 and r.json["reached_within_two"] is None
    assert len(r.json["history"]) == 12  # the default: the last twelve months


def test_without_sign_in_401(client, graph):
    assert client.get("/api/v1/organisations/o1/reach").status_code == 401
    assert client.get("/api/v1/reach/network").status_code == 401
    assert client.get("/api/v1/isolated").status_code == 401


def test_unknown_organisation_is_404(client, auth, graph):
    r = client.get("/api/v1/organisations/nowhere/reach", headers=auth(roles=("admin",)))
    assert r.status_code == 404
    assert r.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("hops=3", "hops"),
        ("hops=0", "hops"),
        ("hops=two", "hops"),
        ("from=2025-13", "from"),
        ("from=25-01", "from"),
        ("to=2025-1", "to"),
        ("from=2025-03&to=2025-01", "from"),
        ("to=2999-01", "to"),
        ("from=2000-01&to=2025-01", "from"),
    ],
)
def test_bad_query_is_422_naming_the_field(client, auth, graph, query, field):
    r = client.get(f"/api/v1/organisations/o1/reach?{query}", headers=auth(roles=("admin",)))
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]


def test_network_report_names_organisations_only(client, auth, graph):
    r = client.get("/api/v1/reach/network", headers=auth(roles=("org_admin",), organisation_ids=("o2",)))
    assert r.status_code == 200
    body = r.json
    assert (body["assessors"], body["isolated"], body["cross_ties"]) == (4, 2, 1)
    assert body["isolated_share"] == 0.5
    assert body["ties"] == [{"organisation_id": "o1", "partner_id": "o2", "ties": 1}]
    assert body["components"] == [["o1", "o2"], ["o3"]]
    assert [g["region"] for g in body["regions"]] == ["north_east", "london"]
    for person in ("Ada", "Ben", "Cara", "Dev", "a0", "a1"):
        assert person not in r.get_data(as_text=True)


def test_assessor_may_not_see_the_network_report(client, auth, graph):
    assert client.get("/api/v1/reach/network", headers=auth(roles=("assessor",), assessor_id="a1")).status_code == 403


def test_tie_matrix_csv(client, auth, graph):
    r = client.get("/api/v1/reach/network/ties.csv", headers=auth(roles=("coordinator",)))
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["organisation_id", "organisation_name", "o1", "o2", "o3"]
    assert rows[1] == ["o1", "Northmoor Council", "0", "1", "0"]
    pairs = client.get("/api/v1/reach/network/ties.csv?layout=pairs", headers=auth(roles=("coordinator",)))
    assert pairs.get_data(as_text=True).splitlines() == [
        "organisation_id,organisation_name,partner_id,partner_name,ties",
        "o1,Northmoor Council,o2,Riverside Trust,1",
    ]
    bad = client.get("/api/v1/reach/network/ties.csv?layout=wide", headers=auth(roles=("coordinator",)))
    assert bad.status_code == 422 and "layout" in bad.json["error"]["fields"]


def test_what_if_for_a_coordinator(client, auth, graph):
    before = graph.counts()
    r = client.post("/api/v1/reach/what-if", json={"sets": [["a1", "a3", "a2"]]}, headers=auth(roles=("coordinator",)))
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["new_ties"], body["new_cross_ties"], body["newly_connected"]) == (3, 3, 2)
    assert (body["isolated_before"], body["isolated_after"], body["components_before"], body["components_after"]) == (2, 0, 2, 1)
    by_org = {c["organisation_id"]: c for c in body["organisations"]}
    assert by_org["o1"]["new_partners"] == ["o3"] and by_org["o1"]["newly_connected"] == [{"assessor_id": "a1", "name": "Ben Hughes"}]
    assert by_org["o3"]["new_partners"] == ["o1", "o2"]
    assert body["summary"][0].startswith("These sets would add 3 new ties")
    assert graph.counts() == before  # nothing written


def test_what_if_with_contacts(client, auth, graph):
    r = client.post("/api/v1/reach/what-if", json={"contacts": [["a0", "a2"], ["a1", "a3"]]}, headers=auth(roles=("admin",)))
    assert r.status_code == 200
    assert (r.json["new_ties"], r.json["newly_connected"]) == (1, 2)  # a0-a2 are tied already
    assert r.json["summary"][0].startswith("These contacts would add 1 new tie")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"sets": [["a1"]]},
        {"contacts": [["a1", "a1"]]},
        {"contacts": [["a1", "a2", "a3"]]},
        {"sets": [["a1", "nobody"]]},
        {"sets": [["a1", "not an id!"]]},
        {"sets": "a1,a2"},
        {"sets": [["a1", "a2"]], "extra": 1},
    ],
)
def test_bad_what_if_is_422(client, auth, graph, body):
    r = client.post("/api/v1/reach/what-if", json=body, headers=auth(roles=("coordinator",)))
    assert r.status_code == 422, r.json


def test_what_if_is_for_coordinators(client, auth, graph):
    r = client.post("/api/v1/reach/what-if", json={"sets": [["a1", "a3"]]}, headers=auth(roles=("org_admin",), organisation_ids=("o1",)))
    assert r.status_code == 403


def test_isolated_list_of_own_organisation(client, auth, graph):
    headers = auth(roles=("org_admin",), organisation_ids=("o1",))
    r = client.get("/api/v1/isolated?organisation=o1", headers=headers)
    assert r.status_code == 200
    assert r.json == {
        "items": [
            {
                "assessor_id": "a1",
                "name": "Ben Hughes",
                "organisation_id": "o1",
                "sole_in_organisation": False,
                "isolated_since": "2021-03-01",
            }
        ],
        "next_after": None,
    }
    assert client.get("/api/v1/isolated?organisation=o3", headers=headers).status_code == 403
    assert client.get("/api/v1/isolated", headers=headers).status_code == 403


def test_isolated_list_of_the_network_pages(client, auth, graph):
    headers = auth(roles=("admin",))  # sees everyone (a coordinator would not see a1, who chose not to be found)
    first = client.get("/api/v1/isolated?limit=1", headers=headers).json
    assert [i["assessor_id"] for i in first["items"]] == ["a1"]
    second = client.get("/api/v1/isolated", query_string={"limit": 1, "after": first["next_after"]}, headers=headers).json
    assert [i["assessor_id"] for i in second["items"]] == ["a3"] and second["next_after"] is None
    assert second["items"][0]["sole_in_organisation"] is True


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "after=garbage", "organisation=not%20an%20id"])
def test_bad_isolated_query_is_422(client, auth, graph, query):
    assert client.get(f"/api/v1/isolated?{query}", headers=auth(roles=("admin",))).status_code == 422


def test_isolated_list_of_unknown_organisation(client, auth, graph):
    assert client.get("/api/v1/isolated?organisation=nowhere", headers=auth(roles=("admin",))).status_code == 404


def test_report_without_people_keeps_counts_only(graph):
    report = service.organisation_report(graph, "o1", people_visible=False, today=date(2025, 6, 1))
    assert report.isolated_count == 1
    assert report.reach.isolated == () and report.reach.bridges == ()
    assert report.reach.reached_direct == 1


def test_what_if_hides_people_of_other_organisations(graph):
    w = service.what_if(graph, sets=[["a1", "a3"]], visible=frozenset({"o1"}))
    shown = {c.organisation_id: c.newly_connected for c in w.organisations}
    assert shown == {"o1": (("a1", "Ben Hughes"),), "o3": ()}
    assert w.newly_connected == 2

"""``GET``/``PUT /api/v1/me/notice-preferences``: each person's choice of e-mail per group of notices."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from graph.embedded.store import EmbeddedStore
from network.delivery import CHOICES, GROUP_IDS
from network.domain import Assessor

URL = "/api/v1/me/notice-preferences"


def choices(body: dict) -> dict[str, str]:
    return {g["id"]: g["choice"] for g in body["groups"]}


def test_read_and_change_only_the_groups_sent(client: FlaskClient, store: EmbeddedStore, auth) -> None:
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
    headers = auth(roles=("assessor",), assessor_id="a-1")
    user_id = auth.last_user_id
    got = client.get(URL, headers=headers)
    assert got.status_code == 200
    body = got.get_json()
    assert choices(body) == dict.fromkeys(GROUP_IDS, "immediately")
    assert [g["name"] for g in body["groups"]][:2] == ["Meetings and turns", "Contacts"]
    assert [c["value"] for c in body["choices"]] == list(CHOICES)
    changed = client.put(URL, json={"meetings": "digest"}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert choices(changed.get_json())["meetings"] == "digest"
    again = client.put(URL, json={"contacts": "in_app"}, headers=headers)
    assert choices(again.get_json()) == dict.fromkeys(GROUP_IDS, "immediately") | {"meetings": "digest", "contacts": "in_app"}
    assert store.notice_preferences(user_id) == {"meetings": "digest", "contacts": "in_app"}
    audit = [e for e in store.list_audit(limit=50).items if e.action == "notice_preferences:update"]
    assert [(e.actor_id, e.target_id) for e in audit] == [(user_id, user_id), (user_id, user_id)]


def test_a_coordinator_without_an_assessor_chooses_too(client: FlaskClient, store: EmbeddedStore, auth) -> None:
    headers = auth(roles=("coordinator",))
    answer = client.put(URL, json={"coordinator": "digest"}, headers=headers)
    assert answer.status_code == 200 and choices(answer.get_json())["coordinator"] == "digest"


def test_bad_values_are_422_naming_the_field_and_change_nothing(client: FlaskClient, store: EmbeddedStore, auth) -> None:
    headers = auth(roles=("coordinator",))
    user_id = auth.last_user_id
    for body, field in [
        ({"meetings": "hourly"}, "meetings"),
        ({"contacts": "digest", "gossip": "digest"}, "gossip"),
        ({"questionnaires": 3}, "questionnaires"),
        ({"sets": None}, "sets"),
    ]:
        answer = client.put(URL, json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], answer.get_json()
    assert store.notice_preferences(user_id) == {}
    assert client.put(URL, data="meetings=digest", headers=headers | {"Content-Type": "text/plain"}).status_code == 415


def test_signed_out_is_401(client: FlaskClient) -> None:
    assert client.get(URL).status_code == 401
    assert client.put(URL, json={"meetings": "digest"}).status_code == 401


def test_documented_in_the_openapi_document(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = spec["paths"]["/api/v1/me/notice-preferences"]
    assert set(operations) >= {"get", "put"}
    assert "422" in operations["put"]["responses"]
    body = operations["put"]["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    described = spec["components"]["schemas"][ref]["properties"]
    assert set(described) == set(GROUP_IDS)
    assert described["meetings"]["enum"] == list(CHOICES)

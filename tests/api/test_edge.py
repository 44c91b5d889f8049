"""The API's edge, before any view: sign-in first (401), then the body's media type (415) and shape (400).

One sweep sends a deeply nested JSON body, a text/plain body and an anonymous request to every write operation
of the OpenAPI document; the other tests pin the instances named in the defect report.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.edge import MAX_JSON_DEPTH
from api.services import accounts
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation

PASSWORD = "correct horse battery staple"
WRITES = ("post", "put", "patch", "delete")
#: Path parameters of the sweep: ids of the little world where it matters, well-formed ids of nothing elsewhere.
PATH_VALUES = {"assessor_id": "a-1", "organisation_id": "org-1"}
#: A few kilobytes of ``[[[[...]]]]``: far deeper than Python's recursion limit.
NESTED = "[" * 5000 + "]" * 5000


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


@pytest.fixture
def world(store: EmbeddedStore, auth) -> dict[str, str]:
    """An organisation with an assessor, and an admin's headers."""
    store.create_organisation(Organisation(id="org-1", name="Northmoor Council", kind="local_authority", region="north_east"))
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
    store.set_employer("a-1", "org-1")
    return auth(roles=("admin",))


def _snapshot(store: EmbeddedStore) -> Any:
    return store.export_bundle(), store.list_users(limit=500).items, store.list_audit(limit=500).items


# -- the instances of the report ------------------------------------------------------------------


def test_a_deeply_nested_body_is_400_in_the_error_shape_and_writes_nothing(client, store, world, caplog):
    before = _snapshot(store)
    response = client.post("/api/v1/organisations", data=NESTED, content_type="application/json", headers=world)
    error = _error(response, 400, "bad_request")
    assert "nested too deeply" in error["message"]
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelname == "ERROR"]
    assert _snapshot(store) == before


def test_a_body_nested_just_past_the_limit_is_400_and_one_at_the_limit_is_left_to_the_schema(client, world):
    def nested(depth: int) -> str:
        return '{"name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"

    past = client.post("/api/v1/organisations", data=nested(MAX_JSON_DEPTH + 1), content_type="application/json", headers=world)
    _error(past, 400, "bad_request")
    at_limit = client.post("/api/v1/organisations", data=nested(MAX_JSON_DEPTH), content_type="application/json", headers=world)
    assert "name" in _error(at_limit, 422, "invalid")["fields"]


def test_an_anonymous_write_is_401_before_its_body_is_validated(client, store):
    before = _snapshot(store)
    response = client.post("/api/v1/organisations", json={"nonsense": True})
    error = _error(response, 401, "unauthorised")
    assert "fields" not in error and "nonsense" not in response.get_data(as_text=True)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _snapshot(store) == before


def test_an_anonymous_read_with_bad_query_is_401_not_422(client):
    _error(client.get("/api/v1/organisations", query_string={"limit": "ten"}), 401, "unauthorised")


def test_a_session_write_without_its_csrf_token_is_refused_before_its_body_is_validated(app: Flask, store):
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
    accounts.create_user(store, "sam@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-1")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"email": "sam@example.org", "password": PASSWORD, "csrf_token": token}).status_code == 302
    response = client.post("/api/v1/me/tokens", json={"nonsense": True})
    assert _error(response, 400, "csrf_failed").get("fields") is None


def test_a_text_plain_body_to_proposals_is_415_and_creates_no_proposal(client, auth):
    coordinator = auth(roles=("coordinator",))
    body = {"id": "prog-1", "name": "North East 2026", "region": "north_east", "starts_on": "2026-02-01"}
    assert client.post("/api/v1/programmes", json=body, headers=coordinator).status_code == 201
    response = client.post("/api/v1/programmes/prog-1/proposals", data="seed=1", content_type="text/plain", headers=coordinator)
    error = _error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]
    assert client.get("/api/v1/programmes/prog-1/proposals", headers=coordinator).get_json()["items"] == []


def test_a_body_without_a_content_type_is_415(client, world):
    response = client.post("/api/v1/organisations", data='{"id": "org-2"}', headers=world)
    _error(response, 415, "unsupported_media_type")


def test_a_json_suffix_media_type_is_json(client, world):
    body, media_type = '{"name": "Northmoor"}', "application/merge-patch+json"
    response = client.patch("/api/v1/organisations/org-1", data=body, content_type=media_type, headers=world)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Northmoor"


def test_operations_without_a_body_still_work_without_one(client, store, world, auth):
    assessor = auth(roles=("assessor",), assessor_id="a-1")
    other = store.create_assessor(Assessor(id="a-2", name="Priya Shah", email="priya@example.org", discoverable=True))
    store.set_employer(other.id, "org-1")
    declined = client.post("/api/v1/assessors/a-1/suggestions/a-2/decline", headers=assessor)  # as the page's script sends it
    assert declined.status_code == 200, declined.get_json()
    assert client.post("/api/v1/themes", json={"id": "t-9", "name": "Values"}, headers=world).status_code == 201
    assert client.delete("/api/v1/themes/t-9", headers=world, content_type="application/json").status_code == 204


def test_the_onboarding_upload_stays_multipart_and_refuses_json(client, world):
    csv = b"id,name,kind,region\norg-1,Northmoor Council,local_authority,north_east\n"
    data = {"organisations": (io.BytesIO(csv), "organisations.csv"), "check_only": "true"}
    checked = client.post("/api/v1/organisations/org-1/onboarding", data=data, content_type="multipart/form-data", headers=world)
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["rows"] == 1
    refused = client.post("/api/v1/organisations/org-1/onboarding", json={"check_only": True}, headers=world)
    assert "multipart/form-data" in _error(refused, 415, "unsupported_media_type")["message"]


# -- the sweep: every write operation of the document ----------------------------------------------


def _write_operations(client: FlaskClient) -> list[tuple[str, str, frozenset[str]]]:
    """(METHOD, concrete path, request body media types) of every documented write."""
    spec = client.get("/api/v1/openapi.json").get_json()
    found = []
    for template, operations in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "x-1"), template)
        for method, op in operations.items():
            if method in WRITES:
                found.append((method.upper(), path, frozenset(op.get("requestBody", {}).get("content", {}))))
    return found


def test_the_sweep_reaches_every_kind_of_write(client):
    kinds = {frozenset(types) for _, _, types in _write_operations(client)}
    assert {frozenset(), frozenset({"application/json"}), frozenset({"multipart/form-data"})} <= kinds
    assert len(_write_operations(client)) >= 40


def test_every_write_refuses_anonymous_callers_nested_json_and_text_before_its_view(client, store, world):
    before = _snapshot(store)
    failures = []
    for method, path, types in _write_operations(client):
        cases = [
            ("anonymous nested", {}, dict(data=NESTED, content_type="application/json"), 401),
            ("anonymous text", {}, dict(data="hello", content_type="text/plain"), 401),
            ("anonymous empty", {}, {}, 401),
            # JSON bodies are parsed (and refused) wherever JSON is taken, and where no body is taken at all
            ("nested", world, dict(data=NESTED, content_type="application/json"), 400 if not types or "application/json" in types else 415),
            ("text", world, dict(data="hello", content_type="text/plain"), 415),
        ]
        for name, headers, body, want in cases:
            response = client.open(path, method=method, headers=headers, **body)
            got = response.status_code
            shaped = response.is_json and set((response.get_json() or {}).get("error") or {}) >= {"status", "code", "message"}
            if got != want or not shaped:
                failures.append(f"{name}: {method} {path}: got {got}, want {want}")
    assert failures == []
    assert _snapshot(store) == before


def test_a_meeting_number_in_other_digits_is_422_not_500(client, world):
    # "¹".isdigit() is true, and int("¹") raises: found by the schemathesis run of tests/api/test_fuzz.py
    response = client.get("/api/v1/sets/x-1/meetings/%C2%B9", headers=world)
    assert "number" in _error(response, 422, "invalid")["fields"]

"""Bad input never gets a 500 and never writes: malformed JSON, wrong types, unknown fields, oversized bodies,
bad ids and bad pagination, checked over every operation of the OpenAPI document; injection strings are kept literally."""

from __future__ import annotations

import dataclasses
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from network.domain import Assessor, Organisation, Theme

#: Values for path parameters; any other parameter gets a well-formed id of nothing (bodies and queries are
#: checked before a view looks anything up, so these tests reach every area's operations).
PATH_VALUES = defaultdict(
    lambda: "x-1",
    {"assessor_id": "a-1", "organisation_id": "org-1", "theme_id": "t-1", "user_id": "u-admin", "token_id": "0123456789abcdef"},
)

BAD_IDS = ["..", "a b", "a" * 65, "-leading-dash", "ü-nicode", "a;b", "a'b"]


def seed(store: GraphStore) -> dict[str, str]:
    """A little network and an admin; returns the admin's headers."""
    store.create_organisation(Organisation(id="org-1", name="Northmoor Council", kind="local_authority", region="north_east"))
    store.create_theme(Theme(id="t-1", name="Values", framework="pcf"))
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor", email="sam@example.org"))
    store.set_employer("a-1", "org-1")
    admin = accounts.create_user(store, "admin@example.org", roles=("admin",), user_id="u-admin")
    return {"Authorization": f"Bearer {accounts.issue_token(store, admin.id, 'tests').secret}"}


def snapshot(store: GraphStore) -> Any:
    """Everything a request could have written.

    Not a token's ``last_used_at``: a request is signed in before its body is looked at, and a refused request
    still used its token (the owner should see that it was used).
    """
    tokens = [dataclasses.replace(t, last_used_at=None) for t in store.list_tokens("u-admin")]
    return (store.export_bundle(), store.list_users(limit=500).items, store.list_audit(limit=500).items, tokens)


@pytest.fixture
def world(app: Flask, store: EmbeddedStore) -> tuple[Flask, dict[str, str]]:
    return app, seed(store)


def operations(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, concrete path, operation) for every documented operation."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for template, ops in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], template)
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), path, op | {"_template": template, "_spec": spec}))
    return found


def body_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content["schema"]
    if "$ref" in schema:
        schema = op["_spec"]["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _with_body(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for m, p, op in operations(app) if body_schema(op) is not None]


def _ids(ops: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return [f"{m} {op['_template']}" for m, _, op in ops]


@pytest.fixture
def json_operations(world) -> list[tuple[str, str, dict[str, Any]]]:
    app, _ = world
    ops = _with_body(app)
    assert len(ops) >= 10
    return ops


def _call(app: Flask, method: str, path: str, headers: dict[str, str], **kwargs: Any):
    return app.test_client().open(path, method=method, headers=headers, **kwargs)


def test_malformed_json_is_400_everywhere_and_writes_nothing(world, store, json_operations):
    app, headers = world
    before = snapshot(store)
    for method, path, op in json_operations:
        for raw in ('{"name": ', "[1, 2", "nul", '{"a": 1}}', "\x00\xff"):
            response = _call(app, method, path, headers, data=raw, content_type="application/json")
            assert response.status_code == 400, (method, op["_template"], raw, response.get_json())
            assert response.get_json()["error"]["code"] == "bad_request"
    assert snapshot(store) == before


def test_unknown_fields_are_422_naming_the_field_and_write_nothing(world, store, json_operations):
    app, headers = world
    before = snapshot(store)
    for method, path, op in json_operations:
        response = _call(app, method, path, headers, json={"is_admin": True})
        assert response.status_code == 422, (method, op["_template"])
        assert response.get_json()["error"]["fields"]["is_admin"] == ["Unknown field."]
    assert snapshot(store) == before


WRONG = {"string": 12345, "integer": "twelve", "boolean": "maybe", "array": "not-a-list", "object": ["x"]}


def test_wrong_types_are_422_naming_each_field_and_write_nothing(world, store, json_operations):
    app, headers = world
    before = snapshot(store)
    checked = 0
    for method, path, op in json_operations:
        for name, prop in (body_schema(op) or {}).get("properties", {}).items():
            if prop.get("readOnly") or prop.get("type") not in WRONG:
                continue
            response = _call(app, method, path, headers, json={name: WRONG[prop["type"]]})
            assert response.status_code == 422, (method, op["_template"], name)
            assert name in response.get_json()["error"]["fields"], (method, op["_template"], name)
            checked += 1
    assert checked >= 30
    assert snapshot(store) == before


def test_a_json_list_or_scalar_body_is_422(world, store, json_operations):
    app, headers = world
    before = snapshot(store)
    for method, path, op in json_operations:
        for body in ("[]", "7", '"text"', "null", "true"):
            response = _call(app, method, path, headers, data=body, content_type="application/json")
            assert response.status_code == 422, (method, op["_template"], body)
    assert snapshot(store) == before


def test_an_oversized_body_is_413_in_the_one_shape(store):
    app = create_app({"TESTING": True, "STORE": store, "MAX_CONTENT_LENGTH": 2048})
    headers = seed(store)
    before = snapshot(store)
    response = app.test_client().patch("/api/v1/assessors/a-1", json={"bio": "x" * 4096}, headers=headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert snapshot(store) == before


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_malformed_path_id_is_422_naming_the_parameter(world, store, bad):
    app, headers = world
    before = snapshot(store)
    for method, _, op in operations(app):
        names = re.findall(r"\{(\w+)\}", op["_template"])
        for name in names:
            path = re.sub(r"\{(\w+)\}", lambda m, n=name: bad if m.group(1) == n else PATH_VALUES[m.group(1)], op["_template"])
            kwargs = {"json": {}} if body_schema(op) is not None else {}
            response = _call(app, method, path, headers, **kwargs)
            if response.status_code == 404 and "/" in bad:
                continue  # a slash makes another route
            if response.status_code == 422 and name not in response.get_json()["error"].get("fields", {}):
                # the body was checked first (flask-smorest parses it before the view); then the id must still be refused
                response = _call(app, method, path, headers, json=_minimal_body(op)) if kwargs else response
            assert response.status_code == 422, (method, op["_template"], name, response.status_code)
    assert snapshot(store) == before


def _minimal_body(op: dict[str, Any]) -> dict[str, Any]:
    samples = {"level": "exploring", "organisation_id": "org-1", "name": "X", "current_password": "x", "new_password": "y" * 12}
    required = (body_schema(op) or {}).get("required", [])
    return {k: samples.get(k, "x") for k in required}


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": -1}, {"limit": "ten"}, {"limit": 100000}, {"limit": "1e3"}, {"after": "not an id!"}, {"after": "x" * 200}],
)
def test_bad_pagination_is_422_naming_the_parameter(world, query):
    app, headers = world
    listings = [
        (m, p, op) for m, p, op in operations(app) if m == "GET" and any(x.get("name") == "limit" for x in op.get("parameters", []))
    ]
    assert len(listings) >= 4
    for _, path, op in listings:
        declared = {x["name"] for x in op.get("parameters", []) if x.get("in") == "query"}
        if not set(query) <= declared:
            continue
        q = dict(query)
        if op["_template"] == "/api/v1/assessors":
            q["organisation_id"] = "org-1"
        response = app.test_client().get(path, query_string=q, headers=headers)
        assert response.status_code == 422, (op["_template"], query)
        assert set(query) <= set(response.get_json()["error"]["fields"]), (op["_template"], query)


# -- injection ------------------------------------------------------------------------------

INJECTIONS = [
    "x' OR 1=1 //",
    "x'}) MATCH (n) DETACH DELETE n //",
    '"}) RETURN 1 UNION MATCH (n) RETURN n //',
    "$id {id: 'a-1'}",
    "Robert'); DROP TABLE assessors;--",
    "`backtick` \\ backslash \u0000 nul",
    "{{7*7}} <script>alert(1)</script>",
]


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Flask, GraphStore]]:
    """The app on each store kind."""
    if request.param == "embedded":
        store: GraphStore = EmbeddedStore(tmp_path / "inj.sqlite3")
    else:
        if not os.environ.get("NEO4J_URI"):
            pytest.skip("NEO4J_URI is not set")
        from graph.neo4j.store import Neo4jStore
        from graph.settings import StoreSettings

        settings = StoreSettings.from_env()
        assert settings.neo4j_uri is not None
        store = Neo4jStore.connect(
            settings.neo4j_uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database
        )
        store.ensure_schema()
        store._wipe()  # type: ignore[attr-defined]
    yield create_app({"TESTING": True, "STORE": store}), store
    store.close()


def test_injection_strings_are_stored_and_returned_literally(any_app):
    app, store = any_app
    headers = seed(store)
    client = app.test_client()
    for n, text in enumerate(INJECTIONS):
        text = text.replace("\u0000", "")  # NUL is not text a person types; everything else must survive as is
        org = client.post(
            "/api/v1/organisations", json={"id": f"org-x{n}", "name": text, "kind": "voluntary", "region": "london"}, headers=headers
        )
        assert org.status_code == 201 and org.get_json()["name"] == text.strip()
        theme = client.post("/api/v1/themes", json={"id": f"t-x{n}", "name": text}, headers=headers)
        assert theme.get_json()["name"] == text.strip()
        made = client.post(
            "/api/v1/assessors", json={"id": f"a-x{n}", "name": text, "bio": text, "organisation_id": f"org-x{n}"}, headers=headers
        )
        assert made.status_code == 201, made.get_json()
        profile = client.get(f"/api/v1/assessors/a-x{n}", headers=headers).get_json()
        assert (profile["name"], profile["bio"]) == (text.strip(), text)
        token = client.post("/api/v1/me/tokens", json={"name": text}, headers=headers)
        assert token.get_json()["name"] == text.strip() or token.get_json()["name"] == text
        patched = client.patch("/api/v1/organisations/org-1", json={"name": text}, headers=headers)
        assert patched.get_json()["name"] == text.strip()
    # nothing else was touched: the seed is still there, and exactly what we added
    assert store.counts()["organisations"] == 1 + len(INJECTIONS)
    assert store.counts()["assessors"] == 1 + len(INJECTIONS)
    assert store.get_assessor("a-1").name == "Sam Okafor"

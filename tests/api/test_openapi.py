"""The OpenAPI document: served, valid, and complete (every /api/v1 route of the app is in it)."""

from __future__ import annotations

import re

from flask import Flask

DOCS_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/<path:filename>", "/api/v1/redoc"}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``<id:assessor_id>`` -> ``{assessor_id}``."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def test_the_document_is_served_as_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Bridgework"
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "sessionCookie"}


def test_every_api_route_of_the_app_is_documented(app: Flask, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops if method.upper() in METHODS}
    served = {
        (method, _openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule not in DOCS_ROUTES
        for method in (rule.methods or set()) & METHODS
    }
    assert served, "no /api/v1 routes registered"
    assert served - documented == set(), "routes missing from /api/v1/openapi.json"
    assert documented - served == set(), "documented operations the app does not serve"


def test_every_operation_documents_its_errors_in_the_one_shape(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method.upper() not in METHODS:
                continue
            assert "default" in op["responses"], f"{method.upper()} {path} documents no error response"
            assert op.get("summary") or op.get("description"), f"{method.upper()} {path} has no description"


def test_path_ids_are_documented_with_their_pattern(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameter = next(p for p in spec["paths"]["/api/v1/assessors/{assessor_id}"]["parameters"] if p["name"] == "assessor_id")
    assert parameter["schema"]["pattern"].startswith("^[A-Za-z0-9]")


def test_the_interactive_docs_pages_are_served(client):
    for path in ("/api/v1/docs", "/api/v1/redoc"):
        response = client.get(path)
        assert response.status_code == 200
        assert "/api/v1/openapi.json" in response.get_data(as_text=True)


def test_the_document_passes_a_standard_openapi_validator(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())  # raises, naming the first error, if it is not valid OpenAPI


def test_the_onboarding_upload_is_one_multipart_request_body(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/organisations/{organisation_id}/onboarding"]["post"]
    assert all(p["in"] in ("path", "query", "header", "cookie") for p in op.get("parameters", []))
    assert set(op["requestBody"]["content"]) == {"multipart/form-data"}
    ref = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    properties = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert {"assessors", "contacts", "themes", "organisations", "check_only"} <= set(properties)
    assert properties["assessors"] == properties["assessors"] | {"type": "string", "format": "binary"}


def test_the_answers_given_before_a_view_runs_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method.upper() not in METHODS:
                continue
            expected = {"401"} | ({"400", "415"} if method.upper() != "GET" else set())
            assert expected <= set(op["responses"]), f"{method.upper()} {path}"

"""The app factory, the health probes and the one error shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from marshmallow import Schema, fields

from api.extensions import STORE_KEY
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import Conflict, NotFound, Unavailable
from graph.settings import SettingError
from network.domain import Assessor, Organisation


def test_healthz_answers_while_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_the_store_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "store": "embedded"}


def test_readyz_is_503_json_when_the_store_is_unreachable(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "gone.sqlite3")
    app = create_app({"TESTING": True, "STORE": store})
    store.close()  # the store goes away under a running app
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["error"]["status"] == 503
    assert body["error"]["code"] == "store_unavailable"


def test_factory_opens_the_embedded_store_from_the_environment(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path / "data"))
    app = create_app({"TESTING": True})
    store = app.extensions[STORE_KEY]
    try:
        assert store.kind == "embedded"
        assert (tmp_path / "data" / "bridgework.sqlite3").exists()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"NEO4J_URI": "http://127.0.0.1:7474"}, "NEO4J_URI"),
        ({"NEO4J_URI": "bolt://127.0.0.1:1"}, "NEO4J_URI"),
        ({"BRIDGEWORK_ENV": "staging"}, "BRIDGEWORK_ENV"),
        ({"BRIDGEWORK_ENV": "production"}, "BRIDGEWORK_SECRET_KEY"),
        ({"BRIDGEWORK_LOG_LEVEL": "LOUD"}, "BRIDGEWORK_LOG_LEVEL"),
        ({"BRIDGEWORK_SUGGESTIONS_COMMON_SLOT": "sometimes"}, "BRIDGEWORK_SUGGESTIONS_COMMON_SLOT"),
    ],
)
def test_a_bad_setting_is_named_at_start_up(env, setting, monkeypatch, tmp_path):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingError) as raised:
        create_app({"TESTING": True})
    assert raised.value.setting == setting
    assert str(raised.value).startswith(f"{setting}: ")


def test_an_unwritable_data_dir_is_named(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(blocker / "data"))
    with pytest.raises(SettingError) as raised:
        create_app({"TESTING": True})
    assert raised.value.setting == "BRIDGEWORK_DATA_DIR"


@pytest.fixture
def app_with_probe_routes(app: Flask) -> Flask:
    """Routes that raise each kind of error, as later resource endpoints will."""

    class Probe(Schema):
        name = fields.String(required=True)

    @app.post("/api/probe/validate")
    def validate():
        Probe().load({})
        return {}

    @app.get("/api/probe/missing")
    def missing():
        raise NotFound("assessor 'a-404' not found")

    @app.get("/api/probe/conflict")
    def conflict():
        raise Conflict("organisation 'org-1' already exists")

    @app.get("/api/probe/down")
    def down():
        raise Unavailable("connection refused to 10.0.0.1")

    @app.get("/api/probe/crash")
    def crash():
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/api/probe/domain")
    def domain():
        Organisation(id="o-1", name="", kind="voluntary", region="london")
        return {}

    return app


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/nowhere", 404, "not_found"),
        ("delete", "/healthz", 405, "method_not_allowed"),
        ("post", "/api/probe/validate", 422, "invalid"),
        ("get", "/api/probe/domain", 422, "invalid"),
        ("get", "/api/probe/missing", 404, "not_found"),
        ("get", "/api/probe/conflict", 409, "conflict"),
        ("get", "/api/probe/down", 503, "unavailable"),
        ("get", "/api/probe/crash", 500, "internal_error"),
    ],
)
def test_every_error_has_the_one_json_shape(app_with_probe_routes, method, path, status, code):
    response = getattr(app_with_probe_routes.test_client(), method)(path)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]


def test_validation_errors_carry_field_messages(app_with_probe_routes):
    error = app_with_probe_routes.test_client().post("/api/probe/validate").get_json()["error"]
    assert error["fields"] == {"name": ["Missing data for required field."]}
    error = app_with_probe_routes.test_client().get("/api/probe/domain").get_json()["error"]
    assert error["fields"] == {"name": ["must not be empty"]}


def test_a_500_or_503_never_leaks_internals(app_with_probe_routes):
    client = app_with_probe_routes.test_client()
    assert "hunter2" not in client.get("/api/probe/crash").get_data(as_text=True)
    assert "10.0.0.1" not in client.get("/api/probe/down").get_data(as_text=True)


def test_405_names_the_allowed_methods(client):
    response = client.delete("/healthz")
    assert "GET" in response.headers["Allow"]


def test_people_get_a_page_not_json_for_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Back to the start page" in response.get_data(as_text=True)


def test_start_page_shows_the_network_size(client, store):
    store.create_organisation(Organisation(id="o-1", name="Northmoor County Council", kind="local_authority", region="north_east"))
    page = client.get("/").get_data(as_text=True)
    assert "Organisations</dt><dd>1</dd>" in page


def test_start_page_counts_only_accepted_peer_contacts(client, store):
    """A request sent but not yet accepted is not a peer contact on the start page."""
    store.create_organisation(Organisation(id="o-1", name="Northmoor County Council", kind="local_authority", region="north_east"))
    for n in (1, 2):
        store.create_assessor(Assessor(id=f"a-{n}", name=f"Assessor {n}"))
    store.request_contact("a-1", "a-2")
    page = client.get("/").get_data(as_text=True)
    assert "Accepted peer contacts</dt><dd>0</dd>" in page
    store.accept_contact("a-1", "a-2")
    page = client.get("/").get_data(as_text=True)
    assert "Accepted peer contacts</dt><dd>1</dd>" in page


def test_the_factory_at_the_top_wires_the_api_and_the_pages(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/").status_code == 200
    page = client.get("/static/favicon.svg")  # the pages' static files
    assert page.status_code == 200
    page.close()
    assert client.get("/api/v1/docs").status_code == 200  # the API's docs page, from the pages' templates folder
    # Signing in is the pages' business: web names its page for flask-login, api does not know it.
    assert client.application.login_manager.login_view == "auth.login"


def test_the_api_stands_without_the_pages(store: EmbeddedStore):
    """api.init_app builds the API alone: nothing under api/ needs web/."""
    import api

    app = Flask("api-alone")
    api.init_app(app, {"TESTING": True, "STORE": store})
    client = app.test_client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/", headers={"Accept": "application/json"}).status_code == 404
    assert "auth.login" not in app.view_functions


def test_gunicorn_loads_the_app_from_the_top_level_module(tmp_path: Path, monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delitem(sys.modules, "bridgework.wsgi", raising=False)
    wsgi = importlib.import_module("bridgework.wsgi")
    try:
        assert wsgi.app.view_functions["auth.login"] and "web.index" in wsgi.app.view_functions
        assert wsgi.app.test_client().get("/healthz").status_code == 200
    finally:
        wsgi.app.extensions[STORE_KEY].close()
        sys.modules.pop("bridgework.wsgi", None)

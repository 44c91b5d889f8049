"""Fixtures for the Flask app: an app on a fresh embedded store, and its test client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from graph.embedded.store import EmbeddedStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "bridgework.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def app(store: EmbeddedStore) -> Flask:
    return create_app({"TESTING": True, "STORE": store})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

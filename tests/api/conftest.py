"""Fixtures for the Flask app: an app on a fresh embedded store, its test client, and ``auth`` for signed-in callers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore

#: ``auth(roles=..., assessor_id=..., organisation_ids=..., programme_ids=...)`` -> request headers.
Auth = Callable[..., dict[str, str]]


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with test-sized cost: the same scheme and code paths, without 64 MiB and three passes per hash."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


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


@pytest.fixture
def auth(app: Flask) -> Auth:
    """Headers carrying a bearer token of a freshly created user with these roles and scopes.

    The scopes must name stored nodes (create the assessor / organisation / programme first).
    After a call, ``auth.last_user_id`` is the id of the user just created.
    """
    from api.extensions import get_store

    def make(
        roles: Iterable[str] = ("assessor",),
        assessor_id: str | None = None,
        organisation_ids: Iterable[str] = (),
        programme_ids: Iterable[str] = (),
    ) -> dict[str, str]:
        with app.app_context():
            store = get_store()
            user = accounts.create_user(
                store,
                f"{accounts.new_user_id()}@example.org",
                roles=tuple(roles),
                assessor_id=assessor_id,
                organisation_ids=tuple(organisation_ids),
                programme_ids=tuple(programme_ids),
            )
            issued = accounts.issue_token(store, user.id, "test", days=1)
        make.last_user_id = user.id  # type: ignore[attr-defined]
        return {"Authorization": f"Bearer {issued.secret}"}

    make.last_user_id = None  # type: ignore[attr-defined]
    return make

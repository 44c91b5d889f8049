"""A sign-in costs one password hash check (issue 20): no second hash, and no more for an unknown email than a known one."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher, extract_parameters
from flask import Flask

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor

PASSWORD = "a long enough password"


class CountingHasher(PasswordHasher):
    """A cheap Argon2id hasher that counts its hashes and checks."""

    def __init__(self, **parameters: Any) -> None:
        super().__init__(**(parameters or {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}))
        self.hashes = self.checks = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashes += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's own name
        self.checks += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_HASHER", counting)
    return counting


@pytest.fixture
def app(store: EmbeddedStore, hasher: CountingHasher) -> Flask:
    store.create_assessor(Assessor(id="a-1", name="Sam Okafor"))
    accounts.create_user(store, "sam@example.org", roles=("assessor",), password=PASSWORD, assessor_id="a-1")
    return create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False})


@pytest.mark.parametrize(
    ("email", "password", "status"),
    [("sam@example.org", PASSWORD, 302), ("sam@example.org", "not the password at all", 401), ("nobody@example.org", PASSWORD, 401)],
    ids=["right password", "wrong password", "unknown email"],
)
def test_a_sign_in_checks_one_hash_and_makes_none(app: Flask, hasher: CountingHasher, email: str, password: str, status: int) -> None:
    accounts._dummy_hash()  # the dummy for these parameters is made once per process, not per sign-in
    hasher.hashes = hasher.checks = 0
    response = app.test_client().post("/login", data={"email": email, "password": password})
    assert response.status_code == status
    assert (hasher.checks, hasher.hashes) == (1, 0)


def test_the_dummy_hash_costs_what_a_real_one_does(hasher: CountingHasher) -> None:
    dummy = extract_parameters(accounts._dummy_hash())
    assert (dummy.time_cost, dummy.memory_cost, dummy.parallelism) == (hasher.time_cost, hasher.memory_cost, hasher.parallelism)


def test_a_hash_with_older_parameters_is_upgraded_once_at_sign_in(app: Flask, store: EmbeddedStore, hasher: CountingHasher) -> None:
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2)  # another cost, as argon2-cffi's old defaults were
    user = store.get_user_by_email("sam@example.org")
    store.set_password_hash(user.id, older.hash(PASSWORD))
    hasher.hashes = hasher.checks = 0
    assert app.test_client().post("/login", data={"email": "sam@example.org", "password": PASSWORD}).status_code == 302
    assert (hasher.checks, hasher.hashes) == (1, 1)  # checked, then rehashed with the server's parameters
    upgraded = extract_parameters(store.get_user(user.id).password_hash or "")
    assert (upgraded.time_cost, upgraded.memory_cost, upgraded.parallelism) == (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    hasher.hashes = hasher.checks = 0
    assert app.test_client().post("/login", data={"email": "sam@example.org", "password": PASSWORD}).status_code == 302
    assert (hasher.checks, hasher.hashes) == (1, 0)


def test_the_server_parameters_are_argon2id_at_19_mib_two_passes_one_lane() -> None:
    """What the README says the server uses (and why): a cost for a server answering many sign-ins at once."""
    real = PasswordHasher(**accounts.PASSWORD_PARAMETERS)
    made = extract_parameters(real.hash("x" * 12))
    assert (made.type.name, made.memory_cost, made.time_cost, made.parallelism) == ("ID", 19456, 2, 1)

"""Sign-in throttling: only FAILED sign-ins count, per account (the email tried) and per client address,
and a refusal says in words when to try again (on the page and in the JSON error)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.auth import wait_words
from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor

PASSWORD = "correct horse battery staple"
WRONG = "not the password at all"
#: "Try again in a minute" / "in 12 minutes" / "in about 2 hours": words, never a bare number of seconds.
RETRY_WORDS = r"Try again (in a minute|in \d+ minutes|in about \d+ hours|tomorrow)\."


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def attempt(app: Flask, email: str, password: str = PASSWORD, address: str = "127.0.0.1", **headers: str):
    """One sign-in from a fresh browser at ``address`` (loopback addresses stand for different networks)."""
    client = FlaskClient(app, use_cookies=True)
    client.environ_base["REMOTE_ADDR"] = address
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}, headers=headers)


@pytest.fixture
def staff(store: EmbeddedStore) -> list[str]:
    """Three people of one council, each with a login."""
    emails = []
    for n in range(3):
        store.create_assessor(Assessor(id=f"a-{n}", name=f"Person {n}"))
        email = f"staff{n}@northmoor.gov.uk"
        accounts.create_user(store, email, roles=("assessor",), password=PASSWORD, assessor_id=f"a-{n}")
        emails.append(email)
    return emails


def app_with(store: EmbeddedStore, **limits: str) -> Flask:
    return create_app({"TESTING": True, "STORE": store, **limits})


def test_sixty_successful_sign_ins_from_one_address_lock_nobody_out(store, staff):
    app = app_with(store)  # the default limits: 10 per minute and 50 per hour from one address
    statuses = [attempt(app, staff[n % 3]).status_code for n in range(60)]
    assert statuses == [302] * 60
    assert attempt(app, staff[0]).status_code == 302


def test_failures_for_one_account_lock_it_even_from_other_addresses(store, staff):
    app = app_with(store, LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes", LOGIN_RATE_LIMIT="100 per minute")
    for n in range(3):
        assert attempt(app, staff[0], WRONG, address=f"127.0.0.{n + 2}").status_code == 401
    locked = attempt(app, staff[0].upper(), PASSWORD, address="127.0.0.9")  # the right password, another address, any case
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "Too many failed sign-ins for this account." in text
    assert re.search(RETRY_WORDS, text)
    assert int(locked.headers["Retry-After"]) > 0
    assert attempt(app, staff[1], PASSWORD, address="127.0.0.9").status_code == 302  # others still sign in


def test_failures_for_one_account_do_not_lock_another_below_the_address_limit(store, staff):
    app = app_with(store, LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes", LOGIN_RATE_LIMIT="5 per minute")
    statuses = [attempt(app, staff[0], WRONG).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]  # refusals while locked are not counted as failures
    assert attempt(app, staff[1]).status_code == 302


def test_failures_for_many_accounts_from_one_address_lock_the_address(store, staff):
    app = app_with(store, LOGIN_ACCOUNT_RATE_LIMIT="10 per 15 minutes", LOGIN_RATE_LIMIT="4 per minute")
    statuses = [attempt(app, f"guess{n}@northmoor.gov.uk", WRONG).status_code for n in range(4)]
    assert statuses == [401] * 4
    refused = attempt(app, staff[0])
    assert refused.status_code == 429
    assert re.search("Too many failed sign-ins from your network. " + RETRY_WORDS, refused.get_data(as_text=True))
    assert attempt(app, staff[0], address="127.0.0.2").status_code == 302  # another network is not affected


def test_a_successful_sign_in_clears_the_accounts_failures(store, staff):
    app = app_with(store, LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes", LOGIN_RATE_LIMIT="100 per minute")
    for _ in range(2):
        assert attempt(app, staff[0], WRONG).status_code == 401
    assert attempt(app, staff[0]).status_code == 302
    for _ in range(2):
        assert attempt(app, staff[0], WRONG).status_code == 401
    assert attempt(app, staff[0]).status_code == 302


def test_a_json_client_gets_the_refusal_in_the_error_shape(store, staff):
    app = app_with(store, LOGIN_ACCOUNT_RATE_LIMIT="1 per 15 minutes")
    assert attempt(app, staff[0], WRONG).status_code == 401
    refused = attempt(app, staff[0], Accept="application/json")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert re.fullmatch("Too many failed sign-ins for this account. " + RETRY_WORDS, error["message"])


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "in a minute"),
        (60, "in a minute"),
        (61, "in 2 minutes"),
        (720, "in 12 minutes"),
        (7200, "in about 2 hours"),
        (86400, "tomorrow"),
    ],
)
def test_the_wait_is_said_in_words(seconds, words):
    assert wait_words(seconds) == words


@pytest.mark.parametrize("name", ["BRIDGEWORK_LOGIN_RATE_LIMIT", "BRIDGEWORK_LOGIN_ACCOUNT_RATE_LIMIT"])
def test_a_bad_sign_in_limit_is_named(name):
    from api.config import from_env
    from graph.settings import SettingError

    with pytest.raises(SettingError) as raised:
        from_env({name: "lots per hour"})
    assert raised.value.setting == name

"""Security sweeps over everything each role can fetch (issue 16), through the test client.

* Every page, file and API answer carries the security headers (api/headers.py), and no page holds inline script,
  an inline event handler or a ``style`` attribute (the Content-Security-Policy would block them).
* After a person with a unique name erases their data, no page, API answer, export, notice, calendar (.ics), CSV or
  map data that an admin, their programme's coordinator, their organisation's admin or a fellow set member can
  fetch names them (both stores). Before the erasure the same sweep finds the name for every one of them, so the
  sweep does reach what names people.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.headers import REVALIDATE
from api.services import accounts
from bridgework import create_app
from graph.port import GraphStore
from tests.api.sweep import ERASED_EMAIL, ERASED_NAME, Answer, World, build_world, sweep_api, sweep_pages
from tests.stores import KINDS, open_empty

OTHERS = ("admin", "coordinator", "org_admin", "fellow")


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = open_empty(request.param, tmp_path / "bridgework.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def app(store: GraphStore) -> Flask:
    return create_app({"TESTING": True, "STORE": store})


@pytest.fixture
def world(app: Flask, store: GraphStore) -> World:
    return build_world(app, store)


def _everything(app: Flask, client: FlaskClient, world: World, role: str) -> list[Answer]:
    return sweep_pages(client, world.headers[role]) + sweep_api(app, client, world, world.headers[role])


class _Inline(HTMLParser):
    """What a Content-Security-Policy without 'unsafe-inline' would block: inline scripts, on* handlers, style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") != "application/json":
            self._script = True
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "a" and (named.get("href") or "").lower().startswith("javascript:"):
            self.found.append("javascript: link")

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.found.append("inline <script>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False


def _check_headers(answer: Answer) -> list[str]:
    h = answer.headers
    csp = h.get("Content-Security-Policy", "")
    problems = []
    script_src = re.search(r"script-src ([^;]*)", csp)
    if not script_src or "'unsafe-inline'" in script_src.group(1) or "'unsafe-eval'" in script_src.group(1):
        problems.append("script-src")
    if "frame-ancestors 'none'" not in csp:
        problems.append("frame-ancestors")
    if h.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff")
    if h.get("Referrer-Policy") not in ("no-referrer", "same-origin", "strict-origin"):
        problems.append("Referrer-Policy")
    cache = h.get("Cache-Control", "")
    # Scripts with a token may keep their own copy of a JSON answer if they revalidate it (issue 20's ETags); never a proxy.
    script_copy = answer.path.startswith("/api/v1/") and cache == REVALIDATE
    if not answer.path.startswith("/static/") and "no-store" not in cache and not script_copy:
        problems.append("Cache-Control")
    return problems


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_every_page_and_api_answer_carries_the_security_headers_and_no_page_has_inline_script(
    app: Flask, client: FlaskClient, world: World
) -> None:
    checked = 0
    for role in (*OTHERS, "assessor"):
        for answer in _everything(app, client, world, role):
            assert not (problems := _check_headers(answer)), (role, answer.path, answer.status, problems)
            if answer.status == 200 and "html" in answer.content_type:
                parser = _Inline()
                parser.feed(answer.text)
                assert parser.found == [], (role, answer.path, parser.found)
            checked += 1
    anonymous = [client.get(p) for p in ("/", "/login", "/api/v1/me", "/api/v1/openapi.json", "/api/v1/docs", "/no-such-page")]
    for r in anonymous:
        r.close()
        assert not _check_headers(Answer(r.request.path, r.status_code, r.content_type or "", dict(r.headers), ""))
    assert checked > 400  # the sweep reached the site, not a handful of pages
    assert "Strict-Transport-Security" not in anonymous[0].headers  # only in production (below)


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_a_browser_gets_every_api_answer_and_page_with_no_store(store: GraphStore, world: World) -> None:
    """Signed in with the session cookie (as a browser is), API answers are never kept, not even revalidated."""
    app = create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False})
    accounts.create_user(store, "browser@example.org", roles=("assessor",), assessor_id="a-m2", password="correct horse battery staple")
    client = app.test_client()
    signed = client.post("/login", data={"email": "browser@example.org", "password": "correct horse battery staple"})
    assert signed.status_code == 302
    for path in ("/api/v1/me", "/api/v1/assessors/a-m2", "/api/v1/me/notices", "/me/profile", "/sets/s-1"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "no-store" in r.headers["Cache-Control"], (path, r.headers["Cache-Control"])


def test_hsts_is_sent_in_production(store: GraphStore) -> None:
    app = create_app({"TESTING": True, "STORE": store, "HSTS": True})
    r = app.test_client().get("/login")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=") and "includeSubDomains" in r.headers["Strict-Transport-Security"]


def _naming(answers: list[Answer]) -> list[str]:
    return [a.path for a in answers if ERASED_NAME.split()[-1].casefold() in a.text.casefold() or ERASED_EMAIL in a.text]


def test_after_erasure_nothing_any_other_role_can_fetch_names_the_person(
    app: Flask, client: FlaskClient, world: World, store: GraphStore
) -> None:
    for role in OTHERS:
        assert _naming(_everything(app, client, world, role)), f"the {role}'s sweep never reached the person before the erasure"
    r = client.delete("/api/v1/assessors/a-x", headers=world.headers["assessor"])
    assert r.status_code == 200, r.get_json()
    world.ids["assessor_id"] = [i for i in world.ids["assessor_id"] if i != "a-x"] + ["a-x"]  # the old id is still tried
    for role in OTHERS:
        answers = _everything(app, client, world, role)
        assert len(answers) > 50
        assert _naming(answers) == [], role

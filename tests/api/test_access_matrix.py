"""Every endpoint x every role x own or another's resource: who gets in, who gets 401/403.

The operations come from the OpenAPI document, so a new endpoint cannot slip past: it must
have a row. Rows of this area are below; each other area adds its rows in its own module
``tests/api/access_matrix_<area>.py`` defining

* ``ROWS: dict[str, Row]`` keyed ``"<METHOD> <OpenAPI path>"`` (e.g. ``"GET /api/v1/sets/{set_id}"``), and
* optionally ``setup(world: World) -> dict[str, tuple[str, str]]``: creates what the rows need and
  returns, per path parameter, the (own, other) ids (e.g. ``{"set_id": ("s-own", "s-other")}``).

"Own" means: the assessor caller's own profile (``a-own``), the organisation the org-admin
caller administers (``org-own``, where ``a-own`` works), the programme the coordinator caller
coordinates (``p-own``), the caller's own user and token. "Other" is the same kind of thing
belonging to someone else (``a-other`` of ``org-other``, ``p-other``, another user).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from api.services import accounts
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Organisation, Programme, Theme
from tests.api.matrix import CALLERS, EVERYONE, NOBODY, Row, World


def _org_body(w: World, ownership: str) -> dict[str, Any]:
    return {"id": w.fresh("org-new"), "name": "New organisation", "kind": "voluntary", "region": "london"}


def _assessor_body(w: World, ownership: str) -> dict[str, Any]:
    return {"id": w.fresh("a-new"), "name": "New Assessor", "organisation_id": "org-own" if ownership == "own" else "org-other"}


def _employer_body(w: World, ownership: str) -> dict[str, Any]:
    return {"organisation_id": "org-own" if ownership == "own" else "org-other"}


SELF_AND_ORG_ADMIN = frozenset({"assessor", "org_admin"})

#: Rows of the accounts area (issue 6); other areas add theirs in ``access_matrix_<area>.py``.
ROWS: dict[str, Row] = {
    # the caller's own account
    "GET /api/v1/me": Row(EVERYONE, EVERYONE),
    "POST /api/v1/me/password": Row(
        EVERYONE, EVERYONE, body={"current_password": "not the password", "new_password": "a long new passphrase"}
    ),
    "GET /api/v1/me/tokens": Row(EVERYONE, EVERYONE),
    "POST /api/v1/me/tokens": Row(EVERYONE, EVERYONE, body={"name": "script"}),
    # revoking looks the token up among the caller's own: another's is simply not there
    "DELETE /api/v1/me/tokens/{token_id}": Row(EVERYONE, NOBODY, denied=404),
    # users (admins), except reading oneself
    "GET /api/v1/users": Row(NOBODY),
    "POST /api/v1/users": Row(NOBODY, body=lambda w, o: {"email": f"{w.fresh('new')}@example.org", "roles": ["coordinator"]}),
    "GET /api/v1/users/{user_id}": Row(EVERYONE),
    "PATCH /api/v1/users/{user_id}": Row(NOBODY, body={"active": True}),
    "DELETE /api/v1/users/{user_id}": Row(NOBODY),
    "PUT /api/v1/users/{user_id}/scopes": Row(NOBODY, body={}),
    "POST /api/v1/users/{user_id}/reset-link": Row(NOBODY),
    "GET /api/v1/audit": Row(NOBODY),
    # organisations and themes: everyone reads, admins change
    "GET /api/v1/organisations": Row(EVERYONE, EVERYONE),
    "POST /api/v1/organisations": Row(NOBODY, body=_org_body),
    "GET /api/v1/organisations/{organisation_id}": Row(EVERYONE, EVERYONE),
    "PATCH /api/v1/organisations/{organisation_id}": Row(NOBODY, body={"name": "Renamed"}),
    "DELETE /api/v1/organisations/{organisation_id}": Row(NOBODY),
    "GET /api/v1/themes": Row(EVERYONE, EVERYONE),
    "POST /api/v1/themes": Row(NOBODY, body=lambda w, o: {"id": w.fresh("t-new"), "name": "New theme"}),
    "GET /api/v1/themes/{theme_id}": Row(EVERYONE, EVERYONE),
    "PATCH /api/v1/themes/{theme_id}": Row(NOBODY, body={"name": "Renamed"}),
    "DELETE /api/v1/themes/{theme_id}": Row(NOBODY),
    # assessors: the person and their organisation's admins
    "GET /api/v1/assessors": Row(
        frozenset({"org_admin"}), query=lambda w, o: {"organisation_id": "org-own" if o == "own" else "org-other"}
    ),
    "POST /api/v1/assessors": Row(frozenset({"org_admin"}), body=_assessor_body),
    "GET /api/v1/assessors/{assessor_id}": Row(SELF_AND_ORG_ADMIN),
    "PATCH /api/v1/assessors/{assessor_id}": Row(SELF_AND_ORG_ADMIN, body={"paused": True}),
    "GET /api/v1/assessors/{assessor_id}/themes": Row(SELF_AND_ORG_ADMIN),
    "PUT /api/v1/assessors/{assessor_id}/themes/{theme_id}": Row(SELF_AND_ORG_ADMIN, body={"level": "exploring"}),
    "DELETE /api/v1/assessors/{assessor_id}/themes/{theme_id}": Row(SELF_AND_ORG_ADMIN),
    "PUT /api/v1/assessors/{assessor_id}/employer": Row(frozenset({"org_admin"}), body=_employer_body),
    "DELETE /api/v1/assessors/{assessor_id}/employer": Row(frozenset({"org_admin"})),
    # privacy: the person only (and admins)
    "GET /api/v1/assessors/{assessor_id}/export": Row(frozenset({"assessor"})),
    "DELETE /api/v1/assessors/{assessor_id}": Row(frozenset({"assessor"})),
}


def _area_modules() -> list[Any]:
    here = Path(__file__).parent
    return [importlib.import_module(f"tests.api.{p.stem}") for p in sorted(here.glob("access_matrix_*.py"))]


def all_rows() -> dict[str, Row]:
    """This area's rows and every other area's."""
    rows = dict(ROWS)
    for module in _area_modules():
        clash = set(rows) & set(module.ROWS)
        assert not clash, f"{module.__name__} repeats rows {sorted(clash)}"
        rows.update(module.ROWS)
    return rows


def build_world(tmp_path: Path) -> World:
    store = EmbeddedStore(tmp_path / "matrix.sqlite3")
    app = create_app({"TESTING": True, "STORE": store})
    world = World(app=app, store=store)
    for side, region in (("own", "north_east"), ("other", "london")):
        store.create_organisation(Organisation(id=f"org-{side}", name=f"Organisation {side}", kind="local_authority", region=region))
        store.create_assessor(Assessor(id=f"a-{side}", name=f"Assessor {side}", email=f"{side}@example.org"))
        store.set_employer(f"a-{side}", f"org-{side}")
        store.create_programme(Programme(id=f"p-{side}", name=f"Programme {side}"))
    store.create_theme(Theme(id="t-1", name="Values", framework="pcf"))
    store.set_theme("a-own", "t-1", "experienced")
    store.set_theme("a-other", "t-1", "experienced")
    scopes: dict[str, dict[str, Any]] = {
        "assessor": {"roles": ("assessor",), "assessor_id": "a-own"},
        "org_admin": {"roles": ("org_admin",), "organisation_ids": ("org-own",)},
        "coordinator": {"roles": ("coordinator",), "programme_ids": ("p-own",)},
        "admin": {"roles": ("admin",)},
        "someone": {"roles": ("assessor",), "assessor_id": "a-other"},
    }
    for caller, scope in scopes.items():
        user = accounts.create_user(store, f"{caller}@example.org", **scope)
        issued = accounts.issue_token(store, user.id, "matrix")
        world.user_ids[caller], world.token_ids[caller] = user.id, issued.token.id
        world.headers[caller] = {"Authorization": f"Bearer {issued.secret}"}
    world.headers["anonymous"] = {}
    world.params = {
        "assessor_id": ("a-own", "a-other"),
        "organisation_id": ("org-own", "org-other"),
        "theme_id": ("t-1", "t-1"),
        "programme_id": ("p-own", "p-other"),
    }
    for module in _area_modules():
        if hasattr(module, "setup"):
            world.params.update(module.setup(world))
    return world


def documented_operations() -> list[str]:
    store = EmbeddedStore(":memory:")
    try:
        spec = create_app({"TESTING": True, "STORE": store}).test_client().get("/api/v1/openapi.json").get_json()
    finally:
        store.close()
    return sorted(
        f"{method.upper()} {path}"
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    )


def test_every_documented_operation_has_a_row():
    missing = [op for op in documented_operations() if op not in all_rows()]
    assert missing == [], "add rows for these operations (in tests/api/access_matrix_<area>.py)"


def test_every_row_is_a_documented_operation():
    stale = sorted(set(all_rows()) - set(documented_operations()))
    assert stale == []


def _resolve(value: Any, world: World, ownership: str) -> Any:
    return value(world, ownership) if callable(value) else value


def _expected(row: Row, caller: str, ownership: str) -> int | None:
    """The status a caller must get, or None for "let in" (anything but 401/403 and never 5xx)."""
    if caller == "anonymous":
        return 401
    if caller == "admin" or caller in (row.own if ownership == "own" else row.other):
        return None
    return row.denied


@pytest.mark.parametrize("operation", sorted(ROWS))
def test_access(operation: str, tmp_path: Path):
    check_operation(operation, all_rows()[operation], tmp_path)


def check_operation(operation: str, row: Row, tmp_path: Path) -> None:
    """Call ``operation`` as every caller on their own and another's resource; compare with ``row``."""
    method, template = operation.split(" ", 1)
    world = build_world(tmp_path)
    try:
        client = world.app.test_client()
        failures = []
        # Refusals first and admins last, so an allowed deletion does not change what the others see.
        for ownership in ("other", "own"):
            order = sorted(CALLERS, key=lambda c: (_expected(row, c, ownership) is None, c == "admin"))
            for caller in order:
                path = re.sub(r"\{(\w+)\}", lambda m, o=ownership, c=caller: world.value(m.group(1), o, c), template)
                response = client.open(
                    path,
                    method=method,
                    headers=world.headers[caller],
                    json=_resolve(row.body, world, ownership),
                    query_string=_resolve(row.query, world, ownership),
                )
                want = _expected(row, caller, ownership)
                got = response.status_code
                if want is None and (got in (401, 403) or got >= 500) or want is not None and got != want:
                    failures.append(f"{caller:<11} {ownership:<5} {method} {path}: got {got}, want {want or 'in'}")
        assert failures == []
    finally:
        world.store.close()


@pytest.mark.parametrize("operation", sorted(set(all_rows()) - set(ROWS)) or ["(no other area rows yet)"])
def test_access_of_other_areas(operation: str, tmp_path: Path):
    if operation not in all_rows():
        pytest.skip("no other area has added rows yet")
    check_operation(operation, all_rows()[operation], tmp_path)

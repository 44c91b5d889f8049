"""Catalogue, people and account use cases: each change and its audit entry are one transaction, on both stores.

Every use case below is called once with the audit log working (the change is stored, with exactly
one audit entry naming the action, the target and who did it) and once with the store's
``record_audit`` refusing (the use case fails and nothing of its change remains). The doors are
checked too: the JSON API writes the entry with the caller as actor, and answers 503 with nothing
stored when the entry cannot be written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api.services import accounts, catalogue, people
from api.services.usecase import is_use_case
from graph.port import GraphStore, Unavailable
from network.bundle import Bundle
from network.domain import Assessor, Employment, Organisation, Theme, ThemeLink
from tests.stores import KINDS, open_empty

ACTOR = "u-admin-who-acts"


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each kind (overrides the embedded-only ``store`` of conftest, so ``app`` and ``auth`` use it too)."""
    s = open_empty(request.param, tmp_path / "usecases.sqlite3")
    yield s
    s.close()


@dataclass
class World:
    """Ids of what :func:`world` stored: two organisations (``empty`` has nobody), two themes, one assessor, a user with a token."""

    org: str
    empty: str
    theme: str
    other_theme: str
    assessor: str
    user: str
    token: str
    tag: str


@pytest.fixture
def world(store: GraphStore) -> World:
    tag = uuid.uuid4().hex[:8]
    w = World(
        org=f"org-{tag}-1",
        empty=f"org-{tag}-2",
        theme=f"t-{tag}-1",
        other_theme=f"t-{tag}-2",
        assessor=f"a-{tag}-1",
        user="",
        token="",
        tag=tag,
    )
    store.bulk_upsert(
        Bundle(
            organisations=[
                Organisation(w.org, "Northshire Council", "local_authority", "north_east"),
                Organisation(w.empty, "Riverside Trust", "nhs_trust", "london"),
            ],
            themes=[Theme(w.theme, "Values and ethics", "pcf"), Theme(w.other_theme, "Mental capacity", "practice")],
            assessors=[Assessor(w.assessor, "Ada Okafor")],
            employments=[Employment(w.assessor, w.org)],
            theme_links=[ThemeLink(w.assessor, w.theme, "experienced")],
        )
    )
    user = accounts.create_user(store, f"{tag}@example.org", roles=("assessor",), assessor_id=w.assessor)
    w.user = user.id
    w.token = accounts.issue_token(store, user.id, "nightly", days=1).token.id
    return w


def snapshot(store: GraphStore, w: World) -> Any:
    """Everything the use cases below could change: the whole network, the users and the user's tokens."""
    return (
        store.export_bundle(),
        [(u.id, u.roles, u.assessor_id) for u in store.list_users(limit=100).items],
        [t.id for t in store.list_tokens(w.user)] if any(u.id == w.user for u in store.list_users(limit=100).items) else None,
    )


def audit_log(store: GraphStore) -> list[Any]:
    return store.list_audit(limit=100).items


#: (audit action, target id in the world, the use case, the call)
CASES: list[tuple[str, Callable[[World], str], Callable[..., Any], Callable[[GraphStore, World], Any]]] = [
    (
        "organisation:create",
        lambda w: f"org-{w.tag}-new",
        catalogue.create_organisation,
        lambda s, w: catalogue.create_organisation(
            s, Organisation(f"org-{w.tag}-new", "Eastgate Agency", "agency", "london"), actor_id=ACTOR
        ),
    ),
    (
        "organisation:update",
        lambda w: w.org,
        catalogue.update_organisation,
        lambda s, w: catalogue.update_organisation(s, w.org, {"name": "Northshire County Council", "region": "north_west"}, actor_id=ACTOR),
    ),
    (
        "organisation:delete",
        lambda w: w.empty,
        catalogue.delete_organisation,
        lambda s, w: catalogue.delete_organisation(s, w.empty, actor_id=ACTOR),
    ),
    (
        "theme:create",
        lambda w: f"t-{w.tag}-new",
        catalogue.create_theme,
        lambda s, w: catalogue.create_theme(s, Theme(f"t-{w.tag}-new", "Court work", "practice"), actor_id=ACTOR),
    ),
    (
        "theme:update",
        lambda w: w.other_theme,
        catalogue.update_theme,
        lambda s, w: catalogue.update_theme(s, w.other_theme, {"name": "Mental Capacity Act"}, actor_id=ACTOR),
    ),
    ("theme:delete", lambda w: w.theme, catalogue.delete_theme, lambda s, w: catalogue.delete_theme(s, w.theme, actor_id=ACTOR)),
    (
        "assessor:create",
        lambda w: f"a-{w.tag}-new",
        people.create_assessor,
        lambda s, w: people.create_assessor(
            s, Assessor(f"a-{w.tag}-new", "Ben Hughes"), organisation_id=w.org, themes=[(w.other_theme, "exploring")], actor_id=ACTOR
        ),
    ),
    (
        "assessor:themes",
        lambda w: w.assessor,
        people.set_theme,
        lambda s, w: people.set_theme(s, w.assessor, w.other_theme, "exploring", actor_id=ACTOR),
    ),
    (
        "assessor:themes",
        lambda w: w.assessor,
        people.remove_theme,
        lambda s, w: people.remove_theme(s, w.assessor, w.theme, actor_id=ACTOR),
    ),
    (
        "assessor:employer",
        lambda w: w.assessor,
        people.set_employer,
        lambda s, w: people.set_employer(s, w.assessor, w.empty, actor_id=ACTOR),
    ),
    ("assessor:employer", lambda w: w.assessor, people.set_employer, lambda s, w: people.set_employer(s, w.assessor, None, actor_id=ACTOR)),
    (
        "import",
        lambda w: "upload-1",
        people.import_bundle,
        lambda s, w: people.import_bundle(
            s,
            Bundle(
                organisations=[Organisation(f"org-{w.tag}-imp", "Westfield Council", "local_authority", "south_west")],
                assessors=[Assessor(f"a-{w.tag}-imp", "Cara Lewis")],
                employments=[Employment(f"a-{w.tag}-imp", f"org-{w.tag}-imp")],
            ),
            actor_id=ACTOR,
            target_kind="directory",
            target_id="upload-1",
        ),
    ),
    ("token:delete", lambda w: w.user, accounts.revoke_token, lambda s, w: accounts.revoke_token(s, w.user, w.token, actor_id=ACTOR)),
    ("user:delete", lambda w: w.user, accounts.delete_user, lambda s, w: accounts.delete_user(s, w.user, actor_id=ACTOR)),
]
IDS = [f"{action}-{call.__name__}-{n}" for n, (action, _, call, _) in enumerate(CASES)]


@pytest.mark.parametrize(("action", "target", "function", "call"), CASES, ids=IDS)
def test_a_use_case_stores_its_change_with_one_audit_entry(store: GraphStore, world: World, action, target, function, call) -> None:
    assert is_use_case(function)
    before, log_before = snapshot(store, world), audit_log(store)
    call(store, world)
    assert snapshot(store, world) != before
    new = [e for e in audit_log(store) if e.id not in {old.id for old in log_before}]
    assert [(e.action, e.target_id, e.actor_id) for e in new] == [(action, target(world), ACTOR)]
    assert "Ada" not in str(new[0].details) and "Northshire" not in str(new[0].details)  # ids and counts only


@pytest.mark.parametrize(("action", "target", "function", "call"), CASES, ids=IDS)
def test_a_use_case_whose_audit_entry_fails_leaves_nothing_of_its_change(
    store: GraphStore, world: World, monkeypatch: pytest.MonkeyPatch, action, target, function, call
) -> None:
    def refuse(entry: Any) -> Any:
        raise Unavailable("the audit log cannot be written")

    before, log_before = snapshot(store, world), audit_log(store)
    monkeypatch.setattr(store, "record_audit", refuse)
    with pytest.raises(Unavailable):
        call(store, world)
    monkeypatch.undo()
    assert snapshot(store, world) == before
    assert audit_log(store) == log_before


def test_a_change_that_changes_nothing_writes_no_audit_entry(store: GraphStore, world: World) -> None:
    log_before = audit_log(store)
    catalogue.update_organisation(store, world.org, {"name": "Northshire Council"}, actor_id=ACTOR)
    catalogue.update_theme(store, world.theme, {"framework": "pcf"}, actor_id=ACTOR)
    people.import_bundle(
        store, Bundle(assessors=[Assessor(world.assessor, "Ada Okafor")]), actor_id=ACTOR, target_kind="directory", target_id="again"
    )
    assert audit_log(store) == log_before


# -- the doors -------------------------------------------------------------------------------------


def test_the_api_audits_each_change_with_the_caller_as_actor(client, store: GraphStore, world: World, auth) -> None:
    admin = auth(roles=("admin",))
    admin_id = auth.last_user_id
    w = world
    calls = [
        ("post", "/api/v1/organisations", {"id": f"org-{w.tag}-api", "name": "Eastgate Agency", "kind": "agency", "region": "london"}, 201),
        ("delete", f"/api/v1/organisations/{w.empty}", None, 204),
        ("post", "/api/v1/themes", {"id": f"t-{w.tag}-api", "name": "Court work"}, 201),
        ("patch", f"/api/v1/themes/{w.other_theme}", {"name": "Mental Capacity Act"}, 200),
        ("put", f"/api/v1/assessors/{w.assessor}/themes/{w.other_theme}", {"level": "exploring"}, 200),
        ("delete", f"/api/v1/assessors/{w.assessor}/themes/{w.theme}", None, 204),
        ("delete", f"/api/v1/themes/{w.theme}", None, 204),
        ("put", f"/api/v1/assessors/{w.assessor}/employer", {"organisation_id": f"org-{w.tag}-api"}, 200),
        ("delete", f"/api/v1/assessors/{w.assessor}/employer", None, 204),
        ("post", "/api/v1/assessors", {"id": f"a-{w.tag}-api", "name": "Ben Hughes", "organisation_id": w.org}, 201),
        ("delete", f"/api/v1/users/{w.user}", None, 204),
    ]
    for method, path, body, status in calls:
        response = (
            getattr(client, method)(path, json=body, headers=admin) if body is not None else getattr(client, method)(path, headers=admin)
        )
        assert response.status_code == status, (path, response.get_json())
    mine = [(e.action, e.target_id) for e in reversed(audit_log(store)) if e.actor_id == admin_id]
    assert mine == [
        ("organisation:create", f"org-{w.tag}-api"),
        ("organisation:delete", w.empty),
        ("theme:create", f"t-{w.tag}-api"),
        ("theme:update", w.other_theme),
        ("assessor:themes", w.assessor),
        ("assessor:themes", w.assessor),
        ("theme:delete", w.theme),
        ("assessor:employer", w.assessor),
        ("assessor:employer", w.assessor),
        ("assessor:create", f"a-{w.tag}-api"),
        ("user:delete", w.user),
    ]


def test_revoking_a_token_through_the_api_is_audited(client, store: GraphStore, world: World, auth) -> None:
    headers = auth(roles=("coordinator",))
    me = auth.last_user_id
    token = accounts.issue_token(store, me, "laptop", days=1).token
    assert client.delete(f"/api/v1/me/tokens/{token.id}", headers=headers).status_code == 204
    entry = store.list_audit(action="token:delete").items[0]
    assert (entry.actor_id, entry.target_id, entry.details) == (me, me, {"token_id": token.id})


def test_when_the_audit_entry_cannot_be_written_the_api_answers_503_and_stores_nothing(
    client, store: GraphStore, world: World, auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = auth(roles=("admin",))

    def refuse(entry: Any) -> Any:
        raise Unavailable("the audit log cannot be written")

    monkeypatch.setattr(store, "record_audit", refuse)
    new_org = {"id": f"org-{world.tag}-api", "name": "Eastgate Agency", "kind": "agency", "region": "london"}
    assert client.post("/api/v1/organisations", json=new_org, headers=admin).status_code == 503
    onboard = {
        "id": f"a-{world.tag}-api",
        "name": "Ben Hughes",
        "organisation_id": world.org,
        "themes": [{"theme_id": world.theme, "level": "exploring"}],
    }
    assert client.post("/api/v1/assessors", json=onboard, headers=admin).status_code == 503
    monkeypatch.undo()
    assert store.existing_ids("Organisation", [new_org["id"]]) == set()
    assert store.existing_ids("Assessor", [onboard["id"]]) == set()

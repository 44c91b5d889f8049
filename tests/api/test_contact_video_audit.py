"""The contact actions and the video link are use cases with their audit entry, on both stores and from every door.

Each of request, accept, decline, withdraw and not-for-me (api/services/suggestions.py) and
set_video_link (api/services/meetings.py) writes exactly one audit entry, in its own unit of work,
with ids only in its details (never a name or the link); the JSON API and the pages pass the
signed-in user as the actor. There is no command for these, so no CLI door.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.services import accounts
from api.services import meetings as meetings_service
from api.services import suggestions
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from tests.web.test_meetings_pages import arrange

ACTOR = "u-who-acts"
LINK = "https://meet.example.org/northshire-set"
PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The arranged set (ann, cat, eve at org-a; bob, dan at org-b; zed enrolled, not placed) on each kind of store."""
    s: Any
    if request.param == "embedded":
        s = EmbeddedStore(tmp_path / "contacts.sqlite3")
        s.ensure_schema()
    else:
        if not os.environ.get("NEO4J_URI"):
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail("CI=true but NEO4J_URI is not set: the Neo4j tests must run")
            pytest.skip("NEO4J_URI is not set")
        from graph.neo4j.store import Neo4jStore
        from graph.settings import StoreSettings

        settings = StoreSettings.from_env()
        assert settings.neo4j_uri is not None
        s = Neo4jStore.connect(settings.neo4j_uri, user=settings.neo4j_user, password=settings.neo4j_password, database=settings.neo4j_database)
        s.ensure_schema()
        s._wipe()
    arrange(s)
    for aid in ("ann", "bob", "cat", "dan", "eve", "zed"):
        s.update_assessor_fields(aid, {"discoverable": True})  # open to contact requests
    yield s
    s.close()


def entries(store: GraphStore) -> list[Any]:
    return [e for e in reversed(store.list_audit(limit=200).items) if e.action.split(":")[0] in ("contacts", "meetings")]


#: (audit action, target id, the call, the other person named in the details)
STEPS: list[tuple[str, str, Callable[[GraphStore], Any], dict[str, Any] | None]] = [
    ("contacts:request", "ann", lambda s: suggestions.request_contact(s, "ann", "bob", actor_id=ACTOR), {"other_id": "bob"}),
    ("contacts:accept", "bob", lambda s: suggestions.accept_request(s, "bob", "ann", actor_id=ACTOR), {"other_id": "ann"}),
    ("contacts:request", "cat", lambda s: suggestions.request_contact(s, "cat", "bob", actor_id=ACTOR), {"other_id": "bob"}),
    ("contacts:decline", "bob", lambda s: suggestions.decline_request(s, "bob", "cat", actor_id=ACTOR), {"other_id": "cat"}),
    ("contacts:request", "dan", lambda s: suggestions.request_contact(s, "dan", "eve", actor_id=ACTOR), {"other_id": "eve"}),
    ("contacts:withdraw", "dan", lambda s: suggestions.withdraw_request(s, "dan", "eve", actor_id=ACTOR), {"other_id": "eve"}),
    ("contacts:not-for-me", "eve", lambda s: suggestions.not_for_me(s, "eve", "zed", actor_id=ACTOR), {"other_id": "zed"}),
    ("meetings:video-link", "set-1", lambda s: meetings_service.set_video_link(s, "set-1", LINK, actor_id=ACTOR), None),
]


def test_each_contact_action_and_the_video_link_write_exactly_one_audit_entry_with_ids_only(store: GraphStore) -> None:
    for action, target, call, details in STEPS:
        before = entries(store)
        call(store)
        [entry] = entries(store)[len(before) :]
        assert (entry.action, entry.target_id, entry.actor_id) == (action, target, ACTOR)
        if details is not None:
            assert entry.details == details
        else:  # the meetings whose link changed, by id; never the link
            still_to_come = [m.id for m in store.meetings_of_set("set-1") if m.video_link == LINK]
            assert sorted(entry.details["meetings"]) == sorted(still_to_come) and still_to_come
            assert LINK not in str(entry.details)


def test_a_contact_action_whose_audit_entry_fails_leaves_nothing(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(entry: Any) -> Any:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(store, "record_audit", refuse)
    with pytest.raises(RuntimeError):
        suggestions.request_contact(store, "ann", "bob", actor_id=ACTOR)
    with pytest.raises(RuntimeError):
        meetings_service.set_video_link(store, "set-1", LINK, actor_id=ACTOR)
    assert store.contacts_of("ann") == []
    assert all(m.video_link != LINK for m in store.meetings_of_set("set-1"))


def test_the_api_passes_the_caller_as_the_actor(store: GraphStore) -> None:
    app = create_app({"TESTING": True, "STORE": store})
    client = app.test_client()

    def bearer(assessor_id: str | None = None, **scopes: Any) -> tuple[dict[str, str], str]:
        roles = ("assessor",) if assessor_id else ("coordinator",)
        user = accounts.create_user(store, f"{assessor_id or 'coord'}@example.org", roles=roles, assessor_id=assessor_id, **scopes)
        token = accounts.issue_token(store, user.id, "tests", days=1)
        return {"Authorization": f"Bearer {token.secret}"}, user.id

    (ann, ann_id), (bob, bob_id), (dan, dan_id), (eve, eve_id) = (bearer(a) for a in ("ann", "bob", "dan", "eve"))
    coordinator, coordinator_id = bearer(programme_ids=("prog",))
    calls = [
        (ann, "post", "/api/v1/assessors/ann/contacts", {"to_id": "bob"}, 201, ("contacts:request", ann_id)),
        (bob, "post", "/api/v1/assessors/bob/contacts/ann/accept", None, 200, ("contacts:accept", bob_id)),
        (dan, "post", "/api/v1/assessors/dan/contacts", {"to_id": "eve"}, 201, ("contacts:request", dan_id)),
        (eve, "post", "/api/v1/assessors/eve/contacts/dan/decline", None, 200, ("contacts:decline", eve_id)),
        (dan, "post", "/api/v1/assessors/dan/contacts", {"to_id": "ann"}, 201, ("contacts:request", dan_id)),
        (dan, "post", "/api/v1/assessors/dan/contacts/ann/withdraw", None, 204, ("contacts:withdraw", dan_id)),
        (eve, "post", "/api/v1/assessors/eve/suggestions/zed/decline", None, 200, ("contacts:not-for-me", eve_id)),
        (coordinator, "put", "/api/v1/sets/set-1/video-link", {"video_link": LINK}, 200, ("meetings:video-link", coordinator_id)),
    ]
    for headers, method, path, body, status, expected in calls:
        before = len(entries(store))
        kw: dict[str, Any] = {"headers": headers} | ({"json": body} if body is not None else {})
        response = getattr(client, method)(path, **kw)
        assert response.status_code == status, (path, response.get_json())
        assert [(e.action, e.actor_id) for e in entries(store)[before:]] == [expected], path


def test_the_pages_pass_the_signed_in_user_as_the_actor(store: GraphStore) -> None:
    app = create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "contact-audit"})

    def sign_in(assessor_id: str | None = None, **scopes: Any) -> tuple[FlaskClient, str]:
        email = f"{assessor_id or 'coord'}-page@example.org"
        roles = ("assessor",) if assessor_id else ("coordinator",)
        user = accounts.create_user(store, email, roles=roles, password=PASSWORD, assessor_id=assessor_id, **scopes)
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        return client, user.id

    (ann, ann_id), (bob, bob_id), (dan, dan_id), (eve, eve_id) = (sign_in(a) for a in ("ann", "bob", "dan", "eve"))
    coordinator, coordinator_id = sign_in(programme_ids=("prog",))
    calls = [
        (ann, "/me/suggestions/bob/connect", {}, ("contacts:request", ann_id)),
        (bob, "/me/contacts/ann/accept", {}, ("contacts:accept", bob_id)),
        (dan, "/me/suggestions/eve/connect", {}, ("contacts:request", dan_id)),
        (eve, "/me/contacts/dan/decline", {}, ("contacts:decline", eve_id)),
        (dan, "/me/suggestions/ann/connect", {}, ("contacts:request", dan_id)),
        (dan, "/me/contacts/ann/withdraw", {}, ("contacts:withdraw", dan_id)),
        (eve, "/me/suggestions/zed/not-for-me", {}, ("contacts:not-for-me", eve_id)),
        (coordinator, "/sets/set-1/video-link", {"video_link": LINK}, ("meetings:video-link", coordinator_id)),
    ]
    for client, path, data, expected in calls:
        before = len(entries(store))
        assert client.post(path, data=data).status_code == 302, path
        assert [(e.action, e.actor_id) for e in entries(store)[before:]] == [expected], path

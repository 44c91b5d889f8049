"""The joins API (issue 9): set suggestions with reasons, open programmes, join requests, decisions, bad input and scoping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from api.services.notify import render
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, Theme

SLOT = "tue-pm"


@dataclass
class World:
    """A programme with one active set of three (three organisations, Tuesday afternoons) and its coordinator."""

    orgs: list[str]
    members: list[str]
    programme_id: str
    set_id: str
    coordinator: dict[str, str]
    coordinator_id: str


@pytest.fixture
def world(store, auth) -> World:
    orgs = [store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="voluntary", region="london")).id for k in range(6)]
    store.create_theme(Theme(id="mca", name="Mental Capacity Act", framework="practice"))
    store.create_theme(Theme(id="risk", name="Risk assessment", framework="practice"))
    members = []
    for k in range(3):
        a = store.create_assessor(Assessor(id=f"m-{k}", name=f"Member {k}", availability=(SLOT,), experience_years=5 + k, region="london"))
        store.set_employer(a.id, orgs[k])
        store.set_theme(a.id, "mca", "experienced")
        store.set_theme(a.id, "risk", "experienced")
        members.append(a.id)
    store.create_programme(
        Programme(id="prog-1", name="London 2026", region="london", status="running", set_size_min=2, set_size_max=4, set_size_target=4)
    )
    for m in members:
        store.enrol("prog-1", m)
    the_set = ActionLearningSet(
        id="set-1", name="Tuesday set", programme_id="prog-1", status="active", meeting_slot=SLOT, theme_ids=("mca",)
    )
    store.commit_sets("prog-1", [NewSet(the_set, tuple(members))], date(2026, 1, 6))
    coordinator = auth(roles=("coordinator",), programme_ids=("prog-1",))
    return World(orgs, members, "prog-1", "set-1", coordinator, auth.last_user_id)


def person(store, n: int, org: int | None, **changes) -> str:
    fields = {"id": f"p-{n}", "name": f"Person {n}", "availability": (SLOT, "thu-am"), "region": "london", "capacity": 2} | changes
    a = store.create_assessor(Assessor(**fields))
    if org is not None:
        store.set_employer(a.id, f"org-{org}")
    store.set_theme(a.id, "mca", "exploring")
    store.set_theme(a.id, "risk", "experienced")
    return a.id


@pytest.fixture
def auth(auth):
    """``auth`` with one user per assessor (an assessor has at most one account): the same headers each time."""
    made: dict[str, dict[str, str]] = {}

    def headers(**scope):
        key = scope.get("assessor_id")
        if key is None or scope.get("roles", ("assessor",)) != ("assessor",):
            return auth(**scope)
        if key not in made:
            made[key] = auth(**scope)
        return made[key]

    headers.last_user_id = None  # type: ignore[attr-defined]

    def wrapped(**scope):
        out = headers(**scope)
        wrapped.last_user_id = auth.last_user_id  # type: ignore[attr-defined]
        return out

    return wrapped


def ask(client, auth, assessor_id: str, set_id: str = "set-1", **body):
    return client.post(f"/api/v1/sets/{set_id}/join-requests", json=body, headers=auth(assessor_id=assessor_id))


def test_suggestions_rank_sets_with_reasons_in_words(client, store, auth, world):
    me = person(store, 1, org=4)
    response = client.get(f"/api/v1/assessors/{me}/set-suggestions", headers=auth(assessor_id=me))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    (item,) = body["items"]
    assert item["set_id"] == "set-1" and item["places_left"] == 1 and item["new_ties"] == 3
    assert item["reasons"][:4] == [
        "meets Tuesday afternoons, when you are free",
        "shares Mental Capacity Act and Risk assessment with you",
        "nobody from your organisation",
        "3 of 3 members new to your network",
    ]
    assert item["summary"].startswith("Meets Tuesday afternoons, when you are free; shares Mental Capacity Act")
    assert set(item["breakdown"]) == {"themes", "experience", "kinds", "ties", "isolated", "region", "size"}
    assert item["breakdown"]["ties"] > 0


def test_suggestions_are_the_assessors_own(client, store, auth, world):
    me, other = person(store, 1, org=4), person(store, 2, org=5)
    assert client.get(f"/api/v1/assessors/{me}/set-suggestions").status_code == 401
    assert client.get(f"/api/v1/assessors/{me}/set-suggestions", headers=auth(assessor_id=other)).status_code == 403
    assert client.get(f"/api/v1/assessors/{me}/set-suggestions", headers=world.coordinator).status_code == 403
    admin = auth(roles=("admin",))
    assert client.get("/api/v1/assessors/nobody/set-suggestions", headers=admin).status_code == 404
    assert client.get(f"/api/v1/assessors/{me}/set-suggestions?limit=0", headers=admin).status_code == 422


def test_paused_or_full_capacity_gets_a_notice_not_sets(client, store, auth, world):
    me = person(store, 1, org=4, paused=True)
    body = client.get(f"/api/v1/assessors/{me}/set-suggestions", headers=auth(assessor_id=me)).get_json()
    assert body["items"] == [] and "paused" in body["notices"][0]


def test_ask_notify_accept_and_the_set_is_not_suggested_again(client, store, auth, world):
    me = person(store, 1, org=4)
    mine = auth(assessor_id=me)
    response = client.post("/api/v1/sets/set-1/join-requests", json={"message": "I am new to London"}, headers=mine)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["status"] == "requested" and made["set_name"] == "Tuesday set" and made["message"] == "I am new to London"
    # the coordinator is told (the set's members hear once someone joins, not of every request)
    for m in world.members:
        assert store.notices_for(assessor_id=m, user_id=None, limit=10, after=None).items == []
    coordinator_notices = store.notices_for(assessor_id=None, user_id=world.coordinator_id, limit=10, after=None).items
    assert [n.key for n in coordinator_notices] == [f"join:{made['id']}:asked:user:{world.coordinator_id}"]
    assert coordinator_notices[0].link == "/programmes/prog-1/join-requests"
    (asked,) = render(store, coordinator_notices)
    assert asked.subject == "Person 1 asked to join Tuesday set" and asked.link == "/programmes/prog-1/join-requests"
    listed = client.get("/api/v1/programmes/prog-1/join-requests?status=requested", headers=world.coordinator).get_json()["items"]
    assert [r["id"] for r in listed] == [made["id"]] and listed[0]["assessor_name"] == "Person 1"
    assert client.get(f"/api/v1/assessors/{me}/join-requests", headers=mine).get_json()["items"][0]["status"] == "requested"
    # a pending request is not asked twice, and the set is not suggested while it waits
    assert client.post("/api/v1/sets/set-1/join-requests", json={}, headers=mine).status_code == 409
    assert client.get(f"/api/v1/assessors/{me}/set-suggestions", headers=mine).get_json()["items"] == []
    accepted = client.post(f"/api/v1/programmes/prog-1/join-requests/{made['id']}/accept", json={}, headers=world.coordinator)
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted" and accepted.get_json()["decided_by"] == world.coordinator_id
    assert me in store.get_set("set-1").current_member_ids
    assert store.notices_for(assessor_id=me, user_id=None, limit=10, after=None).items[0].key == f"join:{made['id']}:decided"
    for m in world.members:  # now the members are told, once each
        (joined,) = store.notices_for(assessor_id=m, user_id=None, limit=10, after=None).items
        assert joined.kind == "member_joined" and render(store, [joined])[0].subject == "Person 1 has joined Tuesday set"
    assert (
        client.post(f"/api/v1/programmes/prog-1/join-requests/{made['id']}/decline", json={}, headers=world.coordinator).status_code == 409
    )


def test_a_declined_request_is_remembered(client, store, auth, world):
    me = person(store, 1, org=4)
    made = ask(client, auth, me).get_json()
    declined = client.post(
        f"/api/v1/programmes/prog-1/join-requests/{made['id']}/decline",
        json={"note": "this set is closing soon"},
        headers=world.coordinator,
    )
    assert declined.status_code == 200 and declined.get_json()["note"] == "this set is closing soon"
    assert client.get(f"/api/v1/assessors/{me}/set-suggestions", headers=auth(assessor_id=me)).get_json()["items"] == []
    again = ask(client, auth, me)
    assert again.status_code == 422 and "declined" in again.get_json()["error"]["message"]
    assert me not in store.get_set("set-1").current_member_ids


def _nothing_written(store, count: int) -> None:
    assert len(store.join_requests_of_programme("prog-1")) == count


def test_bad_input_is_422_with_a_message_and_writes_nothing(client, store, auth, world):
    first = person(store, 1, org=4)
    ask(client, auth, first, message="").get_json()
    store.add_member("set-1", first, date(2026, 2, 1))  # the set is now full (4 of at most 4)
    outsider = person(store, 2, org=5)
    full = ask(client, auth, outsider)
    assert full.status_code == 422 and "is full" in full.get_json()["error"]["message"]
    _nothing_written(store, 1)
    store.end_membership("set-1", first, date(2026, 2, 2))
    colleague = person(store, 3, org=0)  # organisation 0 already has Member 0 (limit 1)
    limit = ask(client, auth, colleague)
    assert limit.status_code == 422 and "1 member from the same organisation" in limit.get_json()["error"]["message"]
    already = ask(client, auth, world.members[1])
    assert already.status_code == 422 and "already a member" in already.get_json()["error"]["message"]
    assert ask(client, auth, outsider, set_id="set-unknown").status_code == 404
    too_long = ask(client, auth, outsider, message="x" * 1001)
    assert too_long.status_code == 422
    _nothing_written(store, 1)
    assert store.get_set("set-1").current_member_ids == tuple(world.members)


def test_scoping_of_requests_and_decisions(client, store, auth, world):
    me, other = person(store, 1, org=4), person(store, 2, org=5)
    assert client.post("/api/v1/sets/set-1/join-requests", json={"assessor_id": other}, headers=auth(assessor_id=me)).status_code == 403
    assert client.post("/api/v1/sets/set-1/join-requests", json={}, headers=world.coordinator).status_code == 403
    made = ask(client, auth, me).get_json()
    store.create_programme(Programme(id="prog-2", name="Other"))
    stranger = auth(roles=("coordinator",), programme_ids=("prog-2",))
    assert client.get("/api/v1/programmes/prog-1/join-requests", headers=stranger).status_code == 403
    assert client.post(f"/api/v1/programmes/prog-1/join-requests/{made['id']}/accept", json={}, headers=stranger).status_code == 403
    # the request belongs to prog-1, so another programme's coordinator cannot reach it through theirs
    assert client.post(f"/api/v1/programmes/prog-2/join-requests/{made['id']}/accept", json={}, headers=stranger).status_code == 404
    assert client.post("/api/v1/programmes/prog-1/join-requests/nope/accept", json={}, headers=world.coordinator).status_code == 404
    assert client.post(f"/api/v1/join-requests/{made['id']}/withdraw", headers=auth(assessor_id=other)).status_code == 403
    withdrawn = client.post(f"/api/v1/join-requests/{made['id']}/withdraw", headers=auth(assessor_id=me))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/assessors/{me}/join-requests", headers=auth(assessor_id=other)).status_code == 403


def test_accepting_after_the_last_place_went_is_409_naming_the_rule(client, store, auth, world):
    a, b = person(store, 1, org=4), person(store, 2, org=5)
    ra, rb = ask(client, auth, a).get_json(), ask(client, auth, b).get_json()
    assert client.post(f"/api/v1/programmes/prog-1/join-requests/{ra['id']}/accept", json={}, headers=world.coordinator).status_code == 200
    waiting = client.get("/api/v1/programmes/prog-1/join-requests?status=requested", headers=world.coordinator).get_json()["items"]
    assert [r["id"] for r in waiting] == [rb["id"]] and "is full" in waiting[0]["blocked_by"]
    late = client.post(f"/api/v1/programmes/prog-1/join-requests/{rb['id']}/accept", json={}, headers=world.coordinator)
    assert late.status_code == 409 and "is full" in late.get_json()["error"]["message"]
    assert b not in store.get_set("set-1").current_member_ids


def test_automatic_join_policy_accepts_when_every_rule_holds(client, store, auth, world):
    patched = client.patch("/api/v1/programmes/prog-1", json={"join_policy": "automatic"}, headers=world.coordinator)
    assert patched.status_code == 200 and patched.get_json()["join_policy"] == "automatic"
    me = person(store, 1, org=4)
    made = ask(client, auth, me)
    assert made.status_code == 201 and made.get_json()["status"] == "accepted" and made.get_json()["decided_by"] == "automatic"
    assert me in store.get_set("set-1").current_member_ids
    late = ask(client, auth, person(store, 2, org=5))
    assert late.status_code == 422 and "is full" in late.get_json()["error"]["message"]


def test_open_programmes_in_the_region_and_enrolling(client, store, auth, world):
    me = person(store, 1, org=4)
    store.create_programme(Programme(id="open-1", name="Open London", region="london", status="open"))
    store.create_programme(Programme(id="open-2", name="Open North", region="north_east", status="open"))
    mine = auth(assessor_id=me)
    body = client.get(f"/api/v1/assessors/{me}/open-programmes", headers=mine).get_json()
    assert [p["id"] for p in body["items"]] == ["open-1"]
    assert client.put(f"/api/v1/programmes/open-1/enrolments/{me}", json={}, headers=mine).status_code == 201
    assert client.get(f"/api/v1/assessors/{me}/open-programmes", headers=mine).get_json()["items"] == []
    assert client.get(f"/api/v1/assessors/{me}/open-programmes", headers=world.coordinator).status_code == 403


def test_programme_create_takes_the_join_policy(client, world):
    made = client.post("/api/v1/programmes", json={"id": "prog-9", "name": "Auto", "join_policy": "automatic"}, headers=world.coordinator)
    assert made.status_code == 201 and made.get_json()["join_policy"] == "automatic"
    bad = client.post("/api/v1/programmes", json={"id": "prog-10", "name": "Bad", "join_policy": "sometimes"}, headers=world.coordinator)
    assert bad.status_code == 422


def test_accepting_replans_only_future_turns_to_include_the_newcomer(store, auth, world):
    """The rota (meetings engineer's ``membership_changed``): past meetings keep their turns, the newcomer gets future ones."""
    from api.services import joins as service
    from api.services import meetings

    before = meetings.ensure_meetings(store, "set-1")
    assert len(before) >= 4
    today = before[2].on  # two meetings already past
    me = person(store, 1, org=4)
    made = service.request_join(store, "set-1", me, today=today)
    service.decide(store, made.id, "accepted", actor_id=world.coordinator_id, today=today)
    after = store.meetings_of_set("set-1")
    past_before = [(m.on, m.facilitator, m.presenters) for m in before if m.on < today]
    assert [(m.on, m.facilitator, m.presenters) for m in after if m.on < today] == past_before
    future_roles = [a for m in after if m.on >= today for a in (m.facilitator, *m.presenters)]
    assert me in future_roles

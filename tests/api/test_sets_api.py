"""The set formation API: programmes, enrolment, proposals (edit, lock, re-run, commit), repair, rota and calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import icalendar
import pytest

from network.domain import Assessor, Organisation, Theme

KINDS = ("local_authority", "nhs_trust", "voluntary", "independent", "agency", "university", "local_authority")


@dataclass
class World:
    """Seven organisations with two assessors each (all free on Tuesday afternoons), and a coordinator."""

    orgs: list[str]
    people: list[str]
    coordinator: dict[str, str]
    coordinator_id: str


@pytest.fixture
def world(store, auth) -> World:
    orgs = []
    for k, kind in enumerate(KINDS):
        orgs.append(store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind=kind, region="north_east")).id)
    store.create_theme(Theme(id="theme-a", name="Values and ethics", framework="pcf"))
    people = []
    for k in range(14):
        a = store.create_assessor(
            Assessor(id=f"a-{k:02d}", name=f"Person {k}", experience_years=k, availability=("tue-pm", "thu-am"), discoverable=True)
        )
        store.set_employer(a.id, orgs[k % 7])
        store.set_theme(a.id, "theme-a", "experienced" if k < 7 else "exploring")
        people.append(a.id)
    coordinator = auth(roles=("coordinator",))
    return World(orgs, people, coordinator, auth.last_user_id)


def programme(client, world: World, **changes) -> dict:
    body = {"id": "prog-1", "name": "North East 2026", "region": "north_east", "starts_on": "2026-02-01"} | changes
    response = client.post("/api/v1/programmes", json=body, headers=world.coordinator)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def enrol_all(client, world: World, people=None, programme_id: str = "prog-1") -> None:
    for a in people or world.people:
        response = client.put(f"/api/v1/programmes/{programme_id}/enrolments/{a}", json={}, headers=world.coordinator)
        assert response.status_code == 201, response.get_json()


def propose(client, world: World, **body) -> dict:
    response = client.post("/api/v1/programmes/prog-1/proposals", json={"seed": 1, "time_limit": 0.2} | body, headers=world.coordinator)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# -- programmes -----------------------------------------------------------------------------


def test_a_coordinator_opens_a_programme_and_coordinates_it(client, world, store):
    body = programme(client, world)
    assert body["set_size_min"] == 4 and body["set_size_max"] == 7 and body["set_size_target"] == 6
    assert body["max_per_organisation"] == 1 and body["require_common_slot"] is True
    assert body["starts_on"] == "2026-02-01" and body["weights"]["themes"] == 4.0
    assert "prog-1" in store.get_user(world.coordinator_id).programme_ids
    changed = client.patch("/api/v1/programmes/prog-1", json={"cadence": "fortnightly", "weights": {"ties": 5}}, headers=world.coordinator)
    assert changed.status_code == 200 and changed.get_json()["cadence"] == "fortnightly"
    assert changed.get_json()["weights"]["ties"] == 5.0
    listed = client.get("/api/v1/programmes", headers=world.coordinator).get_json()
    assert [p["id"] for p in listed["items"]] == ["prog-1"]


def test_programme_bad_input_is_422_and_writes_nothing(client, world, store):
    response = client.post(
        "/api/v1/programmes", json={"id": "prog-9", "name": "X", "set_size_min": 8, "set_size_max": 5}, headers=world.coordinator
    )
    assert response.status_code == 422
    assert "minimum set size (8) is above the maximum (5)" in str(response.get_json()["error"]["fields"])
    bad_weight = client.post("/api/v1/programmes", json={"id": "prog-9", "name": "X", "weights": {"charm": 1}}, headers=world.coordinator)
    assert bad_weight.status_code == 422
    assert store.list_programmes().items == []


def test_who_may_open_and_change_programmes(client, world, auth):
    assert client.post("/api/v1/programmes", json={"name": "X"}).status_code == 401
    assert client.post("/api/v1/programmes", json={"name": "X"}, headers=auth(roles=("assessor",))).status_code == 403
    programme(client, world)
    other = auth(roles=("coordinator",))
    assert client.patch("/api/v1/programmes/prog-1", json={"meetings": 3}, headers=other).status_code == 403
    assert client.get("/api/v1/programmes/prog-1", headers=auth(roles=("assessor",))).status_code == 200


# -- enrolment ------------------------------------------------------------------------------


def test_enrolment_by_self_org_admin_and_coordinator(client, world, auth):
    programme(client, world)
    me = auth(roles=("assessor",), assessor_id="a-00")
    assert client.put("/api/v1/programmes/prog-1/enrolments/a-00", json={}, headers=me).status_code == 201
    assert client.put("/api/v1/programmes/prog-1/enrolments/a-00", json={}, headers=me).status_code == 409
    assert client.put("/api/v1/programmes/prog-1/enrolments/a-01", json={}, headers=me).status_code == 403
    admin_of_org1 = auth(roles=("org_admin",), organisation_ids=("org-1",))
    assert client.put("/api/v1/programmes/prog-1/enrolments/a-01", json={"on": "2026-01-10"}, headers=admin_of_org1).status_code == 201
    assert client.put("/api/v1/programmes/prog-1/enrolments/a-02", json={}, headers=admin_of_org1).status_code == 403
    pool = client.get("/api/v1/programmes/prog-1/enrolments", headers=world.coordinator).get_json()["items"]
    assert [(p["assessor_id"], p["organisation_id"]) for p in pool] == [("a-00", "org-0"), ("a-01", "org-1")]
    assert pool[1]["enrolled_on"] == "2026-01-10"
    assert client.get("/api/v1/programmes/prog-1/enrolments", headers=me).status_code == 403  # names are for coordinators
    assert client.delete("/api/v1/programmes/prog-1/enrolments/a-00", headers=me).status_code == 204
    assert client.delete("/api/v1/programmes/prog-1/enrolments/a-00", headers=me).status_code == 404


# -- proposals ------------------------------------------------------------------------------


def test_propose_explains_every_set_and_everyone_left_out(client, world, store):
    programme(client, world)
    store.update_assessor(store.get_assessor("a-13").with_changes(availability=()))
    enrol_all(client, world)
    body = propose(client, world)
    assert body["version"] == 1 and body["status"] == "open" and body["valid"] is True and body["pool"] == 14
    placed = [m["id"] for s in body["sets"] for m in s["members"]]
    assert len(placed) == len(set(placed)) == body["placed"]
    for s in body["sets"]:
        assert 4 <= len(s["members"]) <= 7
        assert len({m["organisation_id"] for m in s["members"]}) == len(s["members"])  # one per organisation
        assert s["meeting_slot"] in ("tue-pm", "thu-am") and s["meeting_time"]
        assert s["reasons"] and s["reasons"][0].startswith("meets ")
        assert s["shared_themes"] == [{"id": "theme-a", "name": "Values and ethics"}]
    unplaced = {u["id"]: u for u in body["unplaced"]}
    assert unplaced["a-13"]["code"] == "no_availability" and unplaced["a-13"]["reason"]
    assert client.get(f"/api/v1/proposals/{body['id']}", headers=world.coordinator).get_json() == body


def test_the_same_seed_gives_the_same_sets(client, world):
    programme(client, world)
    enrol_all(client, world)
    first, second = propose(client, world, seed=7, time_limit=0), propose(client, world, seed=7, time_limit=0)
    assert [s["members"] for s in first["sets"]] == [s["members"] for s in second["sets"]]


@pytest.mark.parametrize(
    ("people", "body", "field", "words"),
    [
        (3, {}, "members", "too small"),
        (14, {"must_link": [["a-00", "a-01"]], "cannot_link": [["a-00", "a-01"]]}, "cannot_link", "cannot be together"),
        (14, {"must_link": [["a-00", "a-07"]]}, "must_link", "organisation"),  # both work for org-0: breaks one-per-organisation
        (14, {"cannot_link": [["a-00", "nobody"]]}, "cannot_link", "nobody"),
    ],
)
def test_bad_formation_input_is_422_naming_the_problem_and_stores_nothing(client, world, store, people, body, field, words):
    programme(client, world)
    enrol_all(client, world, world.people[:people])
    response = client.post("/api/v1/programmes/prog-1/proposals", json={"seed": 1, "time_limit": 0.1} | body, headers=world.coordinator)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert words in error["message"]
    assert field in error["fields"]
    assert store.list_proposals("prog-1") == []


def test_only_the_programmes_coordinator_proposes(client, world, auth):
    programme(client, world)
    enrol_all(client, world)
    other = auth(roles=("coordinator",))
    assert client.post("/api/v1/programmes/prog-1/proposals", json={}, headers=other).status_code == 403
    body = propose(client, world)
    assert client.get(f"/api/v1/proposals/{body['id']}", headers=other).status_code == 403
    assert client.get("/api/v1/proposals/prop-missing", headers=other).status_code == 403  # no probing for ids


def test_edit_rescores_and_flags_broken_rules_and_refuses_stale_versions(client, world):
    programme(client, world, set_size_min=3, set_size_max=5, set_size_target=4)
    enrol_all(client, world)
    body = propose(client, world)
    first, second = body["sets"][0], body["sets"][1]
    same_org_as_first = next(
        m for s in body["sets"][1:] for m in s["members"] if m["organisation_id"] == first["members"][0]["organisation_id"]
    )
    moved = client.post(
        f"/api/v1/proposals/{body['id']}/edits",
        json={"version": 1, "move": {"member_id": same_org_as_first["id"], "to_set": 1}},
        headers=world.coordinator,
    )
    assert moved.status_code == 200, moved.get_json()
    edited = moved.get_json()
    assert edited["version"] == 2 and edited["stopped"] == "scored" and edited["valid"] is False
    assert any("per organisation" in v for v in edited["sets"][0]["violations"])
    stale = client.post(
        f"/api/v1/proposals/{body['id']}/edits",
        json={"version": 1, "swap": {"a": first["members"][0]["id"], "b": second["members"][0]["id"]}},
        headers=world.coordinator,
    )
    assert stale.status_code == 409 and "changed meanwhile" in stale.get_json()["error"]["message"]
    # A broken proposal cannot be committed.
    refused = client.post(f"/api/v1/proposals/{body['id']}/commit", json={"version": 2}, headers=world.coordinator)
    assert refused.status_code == 409 and "per organisation" in refused.get_json()["error"]["message"]


def test_edit_input_errors(client, world):
    programme(client, world)
    enrol_all(client, world)
    body = propose(client, world)
    url = f"/api/v1/proposals/{body['id']}/edits"
    assert client.post(url, json={"version": 1}, headers=world.coordinator).status_code == 422  # neither move nor swap
    no_set = client.post(url, json={"version": 1, "move": {"member_id": "a-00", "to_set": 99}}, headers=world.coordinator)
    assert no_set.status_code == 422 and "there is no set 99" in no_set.get_json()["error"]["message"]
    assert client.post(url, json={"version": 1, "move": {"member_id": "zz-9", "to_set": 1}}, headers=world.coordinator).status_code == 404


def test_lock_and_rerun_keeps_locked_sets(client, world):
    programme(client, world)
    enrol_all(client, world)
    body = propose(client, world)
    locked = client.post(f"/api/v1/proposals/{body['id']}/locks", json={"version": 1, "sets": [1]}, headers=world.coordinator).get_json()
    assert locked["sets"][0]["locked"] is True and locked["version"] == 2
    kept = {m["id"] for m in locked["sets"][0]["members"]}
    move = {"member_id": locked["sets"][0]["members"][0]["id"], "to_set": None}
    refused = client.post(f"/api/v1/proposals/{body['id']}/edits", json={"version": 2, "move": move}, headers=world.coordinator)
    assert refused.status_code == 409 and "locked" in refused.get_json()["error"]["message"]
    rerun = client.post(f"/api/v1/proposals/{body['id']}/rerun", json={"version": 2, "seed": 99}, headers=world.coordinator).get_json()
    assert rerun["version"] == 3 and rerun["seed"] == 99
    assert [s["number"] for s in rerun["sets"] if {m["id"] for m in s["members"]} == kept and s["locked"]] == [1]
    assert locked["renumbering"] is None and rerun["renumbering"]["locked"] == [1]
    assert rerun["renumbering"]["summary"].startswith("Re-run: Locked Set 1 kept its members and its number.")


def test_rerun_with_a_locked_member_who_now_breaks_a_rule_is_422(client, world, store):
    programme(client, world)
    enrol_all(client, world)
    body = propose(client, world)
    locked = client.post(f"/api/v1/proposals/{body['id']}/locks", json={"version": 1, "sets": [1]}, headers=world.coordinator).get_json()
    pinned = locked["sets"][0]["members"][0]["id"]
    store.update_assessor(store.get_assessor(pinned).with_changes(availability=("sun-eve",)))  # no longer free when the set meets
    rerun = client.post(f"/api/v1/proposals/{body['id']}/rerun", json={"version": 2}, headers=world.coordinator)
    assert rerun.status_code == 422, rerun.get_json()
    assert pinned in rerun.get_json()["error"]["message"]
    assert client.get(f"/api/v1/proposals/{body['id']}", headers=world.coordinator).get_json()["version"] == 2  # nothing written


# -- commit ---------------------------------------------------------------------------------


def test_commit_creates_sets_once_and_refuses_overlaps(client, world, store):
    programme(client, world)
    enrol_all(client, world)
    first, second = propose(client, world, seed=1), propose(client, world, seed=2)
    committed = client.post(
        f"/api/v1/proposals/{first['id']}/commit", json={"version": 1, "joined": "2026-01-20"}, headers=world.coordinator
    )
    assert committed.status_code == 201, committed.get_json()
    sets = committed.get_json()["items"]
    assert sorted(len(s["members"]) for s in sets) == sorted(len(s["members"]) for s in first["sets"])
    assert all(s["status"] == "active" and s["programme_id"] == "prog-1" for s in sets)
    assert all(m["joined"] == "2026-01-20" and m["current"] for s in sets for m in s["members"])
    assert all(s["focus_themes"] == [{"id": "theme-a", "name": "Values and ethics"}] for s in sets)
    assert all(s["starts_on"] >= "2026-02-01" for s in sets)  # no meeting before the programme starts
    again = client.post(f"/api/v1/proposals/{first['id']}/commit", json={"version": 2}, headers=world.coordinator)
    assert again.status_code == 409
    overlapping = client.post(f"/api/v1/proposals/{second['id']}/commit", json={"version": 1}, headers=world.coordinator)
    assert overlapping.status_code == 409
    assert "is at capacity" in overlapping.get_json()["error"]["message"]  # placed by the first commit
    assert len(store.sets_of_programme("prog-1")) == len(sets)
    listed = client.get("/api/v1/programmes/prog-1/sets", headers=world.coordinator).get_json()["items"]
    assert sorted(s["id"] for s in listed) == sorted(s["id"] for s in sets)


def test_commit_is_refused_when_someone_left_the_pool(client, world):
    programme(client, world)
    enrol_all(client, world)
    body = propose(client, world)
    gone = body["sets"][0]["members"][0]["id"]
    assert client.delete(f"/api/v1/programmes/prog-1/enrolments/{gone}", headers=world.coordinator).status_code == 204
    refused = client.post(f"/api/v1/proposals/{body['id']}/commit", json={"version": 1}, headers=world.coordinator)
    assert refused.status_code == 409 and gone in refused.get_json()["error"]["message"]


# -- sets: leave, repair, rota, calendars -------------------------------------------------------


@pytest.fixture
def committed(client, world, store, auth) -> dict:
    programme(client, world, set_size_min=3, set_size_max=5, set_size_target=4)
    enrol_all(client, world, world.people[:10])
    body = propose(client, world)
    sets = client.post(
        f"/api/v1/proposals/{body['id']}/commit", json={"version": 1, "joined": "2026-01-20"}, headers=world.coordinator
    ).get_json()
    return sets["items"][0]


def test_a_member_leaves_and_the_coordinator_repairs_the_set(client, world, committed, auth, store):
    set_id = committed["id"]
    leaver = committed["members"][0]["assessor_id"]
    member = auth(roles=("assessor",), assessor_id=leaver)
    left = client.post(f"/api/v1/sets/{set_id}/leave", json={"assessor_id": leaver, "left": "2026-03-01"}, headers=member)
    assert left.status_code == 200 and left.get_json()["left"] == "2026-03-01"
    suggestions = client.get(f"/api/v1/sets/{set_id}/repair", headers=world.coordinator)
    assert suggestions.status_code == 200, suggestions.get_json()
    items = suggestions.get_json()["items"]
    assert items and suggestions.get_json()["vacancies"] >= 1
    sources = [i["source"] for i in items]
    assert sources == sorted(sources, key=("pool", "network").index)  # the pool first
    members_orgs = {m["assessor_id"]: None for m in committed["members"]}
    assert not set(members_orgs) & {i["assessor_id"] for i in items}  # nobody is moved or re-added
    for i in items:
        assert i["reasons"] and any("Tuesday" in r or "Thursday" in r for r in i["reasons"])
    best = items[0]["assessor_id"]
    filled = client.post(f"/api/v1/sets/{set_id}/members", json={"assessor_id": best, "joined": "2026-03-05"}, headers=world.coordinator)
    assert filled.status_code == 201, filled.get_json()
    after = client.get(f"/api/v1/sets/{set_id}", headers=world.coordinator).get_json()
    assert best in [m["assessor_id"] for m in after["members"] if m["current"]]
    assert [m["left"] for m in after["members"] if m["assessor_id"] == leaver] == ["2026-03-01"]
    again = client.post(f"/api/v1/sets/{set_id}/members", json={"assessor_id": best}, headers=world.coordinator)
    assert again.status_code == 409 and "already a member" in again.get_json()["error"]["message"]
    assert client.get(f"/api/v1/sets/{set_id}/repair", headers=member).status_code == 403


def test_rota_is_even_and_visible_to_members_only(client, world, committed, auth):
    set_id = committed["id"]
    member = auth(roles=("assessor",), assessor_id=committed["members"][0]["assessor_id"])
    rota = client.get(f"/api/v1/sets/{set_id}/rota", headers=member)
    assert rota.status_code == 200, rota.get_json()
    body = rota.get_json()
    assert body["timezone"] == "Europe/London" and len(body["meetings"]) == 6
    assert body["meetings"][0]["date"] >= "2026-02-01"
    facilitates = [t["facilitates"] for t in body["turns"]]
    presents = [t["presents"] for t in body["turns"]]
    assert max(facilitates) - min(facilitates) <= 1 and max(presents) - min(presents) <= 1
    assert all(m["facilitator"]["id"] not in {p["id"] for p in m["presenters"]} for m in body["meetings"])
    outsider_id = next(p for p in world.people if p not in {m["assessor_id"] for m in committed["members"]})
    outsider = auth(roles=("assessor",), assessor_id=outsider_id)
    assert client.get(f"/api/v1/sets/{set_id}/rota", headers=outsider).status_code == 403
    assert client.get(f"/api/v1/sets/{set_id}", headers=outsider).status_code == 403
    assert client.get("/api/v1/sets/set-missing/rota", headers=outsider).status_code == 403


def test_calendars_parse_back(client, world, committed, auth):
    set_id = committed["id"]
    me = committed["members"][1]["assessor_id"]
    member = auth(roles=("assessor",), assessor_id=me)
    response = client.get(f"/api/v1/sets/{set_id}/calendar.ics", headers=member)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    events = cal.walk("VEVENT")
    assert len(events) == 6
    assert all(str(e["uid"]).startswith(f"{set_id}-meeting-") for e in events)
    assert all(e["dtstart"].params["TZID"] == "Europe/London" and "dtstamp" in e for e in events)
    assert all("Facilitator: Person" in str(e["description"]) and "Presenting: Person" in str(e["description"]) for e in events)
    mine = client.get(f"/api/v1/assessors/{me}/calendar.ics", headers=member)
    assert mine.status_code == 200
    my_events = icalendar.Calendar.from_ical(mine.data).walk("VEVENT")
    assert {str(e["uid"]) for e in my_events} == {str(e["uid"]) for e in events}
    assert any("(you facilitate)" in str(e["summary"]) for e in my_events)
    someone_else = committed["members"][2]["assessor_id"]
    assert client.get(f"/api/v1/assessors/{someone_else}/calendar.ics", headers=member).status_code == 403
    own = client.get(f"/api/v1/assessors/{me}/sets", headers=member).get_json()["items"]
    assert [s["id"] for s in own] == [set_id]


def test_closing_a_set_ends_memberships(client, world, committed):
    set_id = committed["id"]
    closed = client.patch(f"/api/v1/sets/{set_id}", json={"status": "closed", "on": "2026-09-30"}, headers=world.coordinator)
    assert closed.status_code == 200
    body = closed.get_json()
    assert body["status"] == "closed" and all(m["left"] == "2026-09-30" and not m["current"] for m in body["members"])
    assert client.get(f"/api/v1/sets/{set_id}/repair", headers=world.coordinator).get_json()["note"] == "the set is closed"


def test_audit_records_commit_and_repair(client, world, committed, store):
    actions = {e.action for e in store.list_audit(limit=100).items}
    assert {"programme:create", "sets:commit"} <= actions
    assert date.fromisoformat(committed["members"][0]["joined"]) == date(2026, 1, 20)


# -- issue 22: reproducible proposals, the most placed, rearrangements offered -----------------------


def test_a_step_budget_makes_a_proposal_that_can_be_made_again(client, world):
    from network.formation import ENGINE_VERSION

    programme(client, world)
    enrol_all(client, world)
    first = propose(client, world, seed=5, steps=400, time_limit=None)
    second = propose(client, world, seed=5, steps=400, time_limit=None)
    assert [s["members"] for s in first["sets"]] == [s["members"] for s in second["sets"]]
    assert (first["seed"], first["steps"], first["engine"]) == (5, 400, ENGINE_VERSION)
    assert first["time_limit"] == 120.0  # with a step budget the time limit is only a safety net
    assert first["stopped"] in ("iterations", "converged")
    assert first["made"].startswith(f"Made by set formation {ENGINE_VERSION} with seed 5 and a budget of 400 steps")
    assert "give these sets again on any machine" in first["made"]
    assert (first["placed"], first["placed_bound"]) == (14, 14)
    assert first["connected"] == first["connected_bound"] == 14  # nobody has a tie yet: all are isolated
    assert client.get(f"/api/v1/proposals/{first['id']}", headers=world.coordinator).get_json()["steps"] == 400
    timed = propose(client, world, seed=5)
    assert timed["steps"] is None and "time budget" in timed["made"]
    bad = client.post("/api/v1/programmes/prog-1/proposals", json={"steps": 0}, headers=world.coordinator)
    assert bad.status_code == 422 and "steps" in bad.get_json()["error"]["fields"]


def test_the_programme_keeps_a_step_budget_and_a_priority(client, world, store):
    body = programme(client, world, steps=300, priority="placed")
    assert (body["steps"], body["priority"]) == (300, "placed")
    assert (store.get_programme("prog-1").steps, store.get_programme("prog-1").priority) == (300, "placed")
    enrol_all(client, world)
    made = client.post("/api/v1/programmes/prog-1/proposals", json={"seed": 2}, headers=world.coordinator).get_json()
    assert (made["steps"], made["time_limit"]) == (300, 120.0)
    cleared = client.patch("/api/v1/programmes/prog-1", json={"steps": None, "priority": "isolated"}, headers=world.coordinator)
    assert cleared.status_code == 200 and (cleared.get_json()["steps"], cleared.get_json()["priority"]) == (None, "isolated")
    for bad in ({"steps": 0}, {"steps": 10**9}, {"priority": "score"}, {"steps": "many"}):
        response = client.patch("/api/v1/programmes/prog-1", json=bad, headers=world.coordinator)
        assert response.status_code == 422, bad
        assert next(iter(bad)) in response.get_json()["error"]["fields"]
    assert store.get_programme("prog-1").steps is None


def test_someone_left_out_for_lack_of_room_is_offered_moves_that_place_them(client, world):
    # Sets of exactly 4, one per organisation: 3 sets hold 12 of the 14, and both left out could take someone's place.
    programme(client, world, set_size_min=4, set_size_max=4, set_size_target=4)
    enrol_all(client, world)
    body = propose(client, world, seed=3, steps=2000, time_limit=None)
    assert body["placed"] == body["placed_bound"] == 12  # 4 sets would need 16 people
    (one, *_) = body["unplaced"]
    assert one["code"] == "rearrange" and "only in place of Person" in one["reason"]
    moves = one["moves"]
    assert {m["member_id"] for m in moves if m["to_set"] is not None} == {one["id"]}
    assert all(m["name"].startswith("Person ") for m in moves)
    version = body["version"]
    for m in sorted(moves, key=lambda m: m["to_set"] is not None):  # whoever leaves first, then they join
        response = client.post(
            f"/api/v1/proposals/{body['id']}/edits",
            json={"version": version, "move": {"member_id": m["member_id"], "to_set": m["to_set"]}},
            headers=world.coordinator,
        )
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    after = response.get_json()
    assert after["valid"] and one["id"] in {x["id"] for s in after["sets"] for x in s["members"]} and after["placed"] == 12

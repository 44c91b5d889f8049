"""The meetings API (issue 8): meetings of a set, swaps, moves, attendance, presenters' actions, set health, participation, notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest

from api.services import meetings as service
from api.services.notify import OutboxNotifier
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme

TODAY = date.today()


def _tuesday_on_or_after(day: date) -> date:
    return day + timedelta(days=(1 - day.weekday()) % 7)


START = _tuesday_on_or_after(TODAY - timedelta(days=56))  # fortnightly: four meetings before today, then more to come


@pytest.fixture
def world(store, auth):
    """A programme with one fortnightly set of five (ann..eve, two organisations) and an outsider."""
    return arrange(store, auth)


def arrange(store, auth) -> dict[str, dict[str, str]]:
    """Arrange :func:`world` and return the bearer headers of ann, bob, zed (outside the set), the coordinator and an org admin."""
    for o in ("org-a", "org-b"):
        store.create_organisation(Organisation(id=o, name=o.upper(), kind="local_authority", region="london"))
    names = ["Ann", "Bob", "Cat", "Dan", "Eve", "Zed"]
    for k, name in enumerate(names):
        slots = ("tue-pm",) if name != "Dan" else ("tue-pm", "thu-am")
        store.create_assessor(Assessor(id=name.lower(), name=name, availability=slots, email=f"{name.lower()}@example.org", capacity=2))
        store.set_employer(name.lower(), "org-a" if k % 2 == 0 else "org-b")
    store.create_programme(Programme(id="prog", name="Programme", cadence="fortnightly", meetings=8, set_size_min=4))
    for a in ("ann", "bob", "cat", "dan", "eve", "zed"):
        store.enrol("prog", a)
    s = ActionLearningSet(
        id="set-1", name="Set one", programme_id="prog", status="active", meeting_slot="tue-pm", cadence="fortnightly", starts_on=START
    )
    store.commit_sets("prog", [NewSet(s, ("ann", "bob", "cat", "dan", "eve"))], START - timedelta(days=7))
    return {
        "ann": auth(roles=("assessor",), assessor_id="ann"),
        "bob": auth(roles=("assessor",), assessor_id="bob"),
        "zed": auth(roles=("assessor",), assessor_id="zed"),
        "coordinator": auth(roles=("coordinator",), programme_ids=("prog",)),
        "org_admin": auth(roles=("org_admin",), organisation_ids=("org-a",)),
    }


def meetings(client, headers) -> dict:
    response = client.get("/api/v1/sets/set-1/meetings", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def first_editable(body: dict) -> dict:
    return next(m for m in body["meetings"] if m["editable"])


def test_members_and_coordinator_read_meetings_materialised_from_the_rota(client, world, store) -> None:
    body = meetings(client, world["ann"])
    assert [m["number"] for m in body["meetings"]] == list(range(1, 9))
    assert body["meetings"][0]["date"] == START.isoformat()
    assert body["meetings"][0]["starts_at"].endswith(("+00:00", "+01:00"))
    assert {p["id"] for p in body["members"]} == {"ann", "bob", "cat", "dan", "eve"}
    assert all(m["facilitator"] is not None for m in body["meetings"])
    assert body["next_meeting"] == first_editable(body)["number"]

    def public(b: dict) -> list[dict]:
        return [{k: v for k, v in m.items() if k not in ("i_present", "my_action")} for m in b["meetings"]]

    assert public(meetings(client, world["coordinator"])) == public(body)
    assert client.get("/api/v1/sets/set-1/meetings", headers=world["zed"]).status_code == 403
    assert client.get("/api/v1/sets/set-1/meetings", headers=world["org_admin"]).status_code == 403
    # Stored: a second read is the same record.
    assert len(store.meetings_of_set("set-1")) == 8


def test_swap_changes_only_the_two_turns(client, world) -> None:
    before = meetings(client, world["ann"])
    mine = (
        next(m for m in before["meetings"] if m["editable"] and m["facilitator"]["id"] == "ann")
        if any(m["editable"] and m["facilitator"]["id"] == "ann" for m in before["meetings"])
        else None
    )
    assert mine is not None
    other = next(
        m["facilitator"]["id"]
        for m in before["meetings"]
        if m["editable"]
        and m["facilitator"]["id"] not in ("ann",)
        and "ann" not in [p["id"] for p in m["presenters"]]
        and m["facilitator"]["id"] not in [p["id"] for p in mine["presenters"]]
    )
    response = client.post(
        f"/api/v1/sets/set-1/meetings/{mine['number']}/swap",
        json={"role": "facilitator", "assessor_id": "ann", "with_assessor_id": other},
        headers=world["ann"],
    )
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    changed = {m["number"] for m in result["meetings"]}
    after = meetings(client, world["ann"])
    for b, a in zip(before["meetings"], after["meetings"], strict=True):
        if b["number"] not in changed:
            assert a == b
    assert after["meetings"][mine["number"] - 1]["facilitator"]["id"] == other
    if result["exchanged"]:
        assert len(changed) == 2


def test_swap_with_someone_outside_the_set_is_422_and_writes_nothing(client, world) -> None:
    before = meetings(client, world["ann"])
    mine = next(m for m in before["meetings"] if m["editable"])
    holder = mine["facilitator"]["id"]
    response = client.post(
        f"/api/v1/sets/set-1/meetings/{mine['number']}/swap",
        json={"role": "facilitator", "assessor_id": holder, "with_assessor_id": "zed"},
        headers=world["coordinator"],
    )
    assert response.status_code == 422
    assert "with_assessor_id" in response.get_json()["error"]["fields"]
    assert meetings(client, world["ann"]) == before
    # A member who is neither party may not swap other people's turns.
    outsider_to_swap = next(a for a in ("ann", "bob") if a != holder and a not in [p["id"] for p in mine["presenters"]])
    third = next(a for a in ("cat", "dan", "eve") if a != holder and a not in [p["id"] for p in mine["presenters"]])
    headers = world[outsider_to_swap]
    response = client.post(
        f"/api/v1/sets/set-1/meetings/{mine['number']}/swap",
        json={"role": "facilitator", "assessor_id": holder, "with_assessor_id": third},
        headers=headers,
    )
    assert response.status_code == 403


def test_a_swap_with_no_turn_to_give_back_is_422_in_words_and_writes_nothing(client, world, store) -> None:
    from tests.web.test_meetings_pages import presenter_swaps

    meetings(client, world["ann"])
    mine, holder, partner, stuck = presenter_swaps(store.meetings_of_set("set-1"), ("ann", "bob", "cat", "dan", "eve"))
    before = store.meetings_of_set("set-1")
    url = f"/api/v1/sets/set-1/meetings/{mine.number}/swap"
    refused = client.post(url, json={"role": "presenter", "assessor_id": holder, "with_assessor_id": stuck}, headers=world["coordinator"])
    assert refused.status_code == 422
    message = " ".join(refused.get_json()["error"]["fields"]["with_assessor_id"])
    assert f"{stuck.title()} has no presenting turn still to come that {holder.title()} could take in return" in message
    assert store.meetings_of_set("set-1") == before
    done = client.post(url, json={"role": "presenter", "assessor_id": holder, "with_assessor_id": partner}, headers=world["coordinator"])
    assert done.status_code == 200 and done.get_json()["exchanged"] is True and len(done.get_json()["meetings"]) == 2


def test_attendance_can_be_recorded_from_the_meetings_start_not_before(client, world, store, monkeypatch) -> None:
    nxt = first_editable(meetings(client, world["ann"]))
    start = datetime.fromisoformat(nxt["starts_at"])
    url = f"/api/v1/sets/set-1/meetings/{nxt['number']}/attendance"
    monkeypatch.setattr(service, "now_uk", lambda: start - timedelta(hours=1))
    early = client.post(url, json={"attendance": {"ann": "attended"}}, headers=world["ann"])
    assert early.status_code == 422
    assert "record attendance once it has started" in " ".join(early.get_json()["error"]["fields"]["meeting_id"])
    assert store.get_meeting(nxt["id"]).attendance == ()
    monkeypatch.setattr(service, "now_uk", lambda: start)
    on_time = client.post(url, json={"attendance": {"ann": "attended"}}, headers=world["ann"])
    assert on_time.status_code == 200, on_time.get_json()
    assert on_time.get_json()["held"] is True


def test_attendance_for_a_non_member_is_422_and_writes_nothing(client, world, store) -> None:
    body = meetings(client, world["ann"])
    past = body["meetings"][0]
    response = client.post(
        f"/api/v1/sets/set-1/meetings/{past['number']}/attendance",
        json={"attendance": {"ann": "attended", "zed": "attended"}},
        headers=world["ann"],
    )
    assert response.status_code == 422
    assert store.meetings_of_set("set-1")[0].attendance == ()
    response = client.post(
        f"/api/v1/sets/set-1/meetings/{past['number']}/attendance",
        json={"attendance": {"ann": "attended", "bob": "apologies", "cat": "absent"}},
        headers=world["ann"],
    )
    assert response.status_code == 200, response.get_json()
    assert {e["assessor_id"]: e["status"] for e in response.get_json()["attendance"]} == {
        "ann": "attended",
        "bob": "apologies",
        "cat": "absent",
    }
    assert response.get_json()["held"] is True
    # Bad status: 422.
    bad = client.post(
        f"/api/v1/sets/set-1/meetings/{past['number']}/attendance", json={"attendance": {"ann": "late"}}, headers=world["ann"]
    )
    assert bad.status_code == 422
    # A meeting still to come cannot have attendance yet.
    future = first_editable(body)
    if future["date"] > TODAY.isoformat():
        early = client.post(
            f"/api/v1/sets/set-1/meetings/{future['number']}/attendance", json={"attendance": {"ann": "attended"}}, headers=world["ann"]
        )
        assert early.status_code == 422


def test_move_checks_availability_and_needs_confirmation(client, world, store) -> None:
    body = meetings(client, world["ann"])
    m = first_editable(body)
    day = date.fromisoformat(m["date"]) + timedelta(days=2)  # the Thursday
    check = client.get(
        f"/api/v1/sets/set-1/meetings/{m['number']}/move-check",
        query_string={"on": day.isoformat(), "slot": "thu-am"},
        headers=world["ann"],
    )
    assert check.status_code == 200
    assert {p["name"] for p in check.get_json()["unavailable"]} == {"Ann", "Bob", "Cat", "Eve"}
    refused = client.post(
        f"/api/v1/sets/set-1/meetings/{m['number']}/move", json={"on": day.isoformat(), "slot": "thu-am"}, headers=world["ann"]
    )
    assert refused.status_code == 409
    assert "Ann" in refused.get_json()["error"]["message"]
    assert store.get_meeting(m["id"]).on.isoformat() == m["date"]
    wrong_day = client.post(
        f"/api/v1/sets/set-1/meetings/{m['number']}/move", json={"on": day.isoformat(), "slot": "tue-pm"}, headers=world["ann"]
    )
    assert wrong_day.status_code == 422
    moved = client.post(
        f"/api/v1/sets/set-1/meetings/{m['number']}/move",
        json={"on": day.isoformat(), "slot": "thu-am", "confirm": True},
        headers=world["ann"],
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["meeting"]["date"] == day.isoformat()
    assert moved.get_json()["meeting"]["moved_from"] == m["date"]
    ics = client.get("/api/v1/sets/set-1/meetings.ics", headers=world["ann"])
    assert ics.status_code == 200
    cal = icalendar.Calendar.from_ical(ics.data)
    starts = sorted(e.decoded("dtstart").date() for e in cal.walk("VEVENT"))
    assert day in starts


def test_presenters_action_is_theirs_alone(client, world) -> None:
    body = meetings(client, world["ann"])
    m = next(x for x in body["meetings"] if x["editable"] and x["presenters"])
    presenter = m["presenters"][0]["id"]
    headers = world.get(presenter)
    if headers is None:  # give a signed-in account to whoever presents
        pytest.skip("presenter has no account in this fixture")
    ok = client.put(
        f"/api/v1/sets/set-1/meetings/{m['number']}/my-action", json={"action": "Ask my manager for a second opinion"}, headers=headers
    )
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["my_action"] == "Ask my manager for a second opinion"
    mine = meetings(client, headers)["meetings"][m["number"] - 1]
    assert mine["my_action"] == "Ask my manager for a second opinion"
    for other in ("coordinator", *(a for a in ("ann", "bob") if a != presenter)):
        seen = meetings(client, world[other])["meetings"][m["number"] - 1]
        assert seen["my_action"] is None
    two_lines = client.put(f"/api/v1/sets/set-1/meetings/{m['number']}/my-action", json={"action": "one\ntwo"}, headers=headers)
    assert two_lines.status_code == 422
    not_presenting = next(a for a in ("ann", "bob") if a != presenter and a not in [p["id"] for p in m["presenters"]])
    refused = client.put(f"/api/v1/sets/set-1/meetings/{m['number']}/my-action", json={"action": "x"}, headers=world[not_presenting])
    assert refused.status_code == 422


def test_video_link(client, world) -> None:
    response = client.put("/api/v1/sets/set-1/video-link", json={"video_link": "https://meet.example.org/set-1"}, headers=world["bob"])
    assert response.status_code == 200 and response.get_json()["changed"] >= 1
    body = meetings(client, world["ann"])
    assert first_editable(body)["video_link"] == "https://meet.example.org/set-1"
    assert body["meetings"][0]["video_link"] is None  # past meetings keep theirs
    bad = client.put("/api/v1/sets/set-1/video-link", json={"video_link": "javascript:alert(1)"}, headers=world["bob"])
    assert bad.status_code == 422


def test_health_participation_and_membership_change(client, world, store) -> None:
    body = meetings(client, world["ann"])
    held = [m for m in body["meetings"] if date.fromisoformat(m["date"]) < TODAY][:2]
    for m in held:
        r = client.post(
            f"/api/v1/sets/set-1/meetings/{m['number']}/attendance",
            json={"attendance": {"ann": "attended", "bob": "absent", "cat": "attended", "dan": "attended", "eve": "attended"}},
            headers=world["coordinator"],
        )
        assert r.status_code == 200
    store.end_membership("set-1", "eve", TODAY - timedelta(days=1))
    service.membership_changed(store, "set-1", TODAY)
    after = meetings(client, world["ann"])
    for b, a in zip(body["meetings"], after["meetings"], strict=True):
        if not b["editable"]:
            assert (a["facilitator"], a["presenters"]) == (b["facilitator"], b["presenters"])
        else:
            assert "eve" not in [a["facilitator"]["id"], *[p["id"] for p in a["presenters"]]]
    health = client.get("/api/v1/programmes/prog/health", headers=world["coordinator"])
    assert health.status_code == 200
    risk = health.get_json()["at_risk"]
    assert [h["set_id"] for h in risk] == ["set-1"]
    codes = {s["code"] for s in risk[0]["signals"]}
    assert "missed_twice" in codes and "below_minimum" not in codes
    assert {a["code"] for a in risk[0]["actions"]} >= {"check_in"}
    assert client.get("/api/v1/programmes/prog/health", headers=world["ann"]).status_code == 403
    part = client.get("/api/v1/organisations/org-a/participation", headers=world["org_admin"])
    assert part.status_code == 200
    rows = {r["assessor_id"]: r for r in part.get_json()["items"]}
    assert set(rows) == {"ann", "cat", "eve"}  # org-a's people only
    assert (rows["ann"]["attended"], rows["eve"]["current"]) == (2, False)
    assert client.get("/api/v1/organisations/org-b/participation", headers=world["org_admin"]).status_code == 403


def test_reminders_are_sent_once_and_shown_in_the_inbox(client, world, store, auth) -> None:
    meetings(client, world["ann"])
    upcoming = next(m for m in store.meetings_of_set("set-1") if m.on >= TODAY)
    day = upcoming.on - timedelta(days=1)
    first = service.send_reminders(store, day, notifier=OutboxNotifier())
    again = service.send_reminders(store, day, notifier=OutboxNotifier())
    assert first.new > 0 and first.by_kind["meeting"] == 5 and again.new == 0 and again.due == first.due
    inbox = client.get("/api/v1/me/notices", headers=world["ann"])
    assert inbox.status_code == 200
    keys = [n["key"] for n in inbox.get_json()["items"]]
    assert f"meeting:set-1:{upcoming.on.isoformat()}:ann" in keys
    assert all(k.endswith(":ann") or ":ann:" in k for k in keys)
    assert client.get("/api/v1/me/notices", headers=world["zed"]).get_json()["items"] == []
    admin = auth(roles=("admin",))
    run = client.post("/api/v1/reminders/run", json={"date": day.isoformat()}, headers=admin)
    assert run.status_code == 200 and run.get_json()["new"] == 0


def test_a_leaver_without_a_replan_is_replanned_on_the_next_read(client, world, store) -> None:
    body = meetings(client, world["ann"])
    future = [m for m in body["meetings"] if m["editable"]]
    leaver = future[0]["facilitator"]["id"]
    store.end_membership("set-1", leaver, TODAY - timedelta(days=1))  # as the sets API does, without calling membership_changed
    health = client.get("/api/v1/programmes/prog/health", headers=world["coordinator"]).get_json()
    assert any(s["code"] == "no_facilitator" for h in health["at_risk"] for s in h["signals"])
    after = meetings(client, world["ann"])
    for m in after["meetings"]:
        if m["editable"]:
            assert leaver not in [m["facilitator"]["id"], *[p["id"] for p in m["presenters"]]]


def test_personal_data_for_the_export(client, world, store) -> None:
    body = meetings(client, world["ann"])
    past = body["meetings"][0]
    client.post(f"/api/v1/sets/set-1/meetings/{past['number']}/attendance", json={"attendance": {"ann": "attended"}}, headers=world["ann"])
    data = service.personal_data(store, "ann")
    assert {"set_id": "set-1", "meeting": past["number"], "date": past["date"], "status": "attended"} in data["attendance"]
    assert any(t["role"] == "facilitator" for t in data["meeting_turns"])
    assert data["my_actions"] == [] and data["notices"] == []

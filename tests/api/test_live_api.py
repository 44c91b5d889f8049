"""The live meeting API (issue 19): open, steps, versions (no double advance), polling with ETags, privacy, aggregates."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.live_world import arrange_today

LIVE = "/api/v1/sets/set-1/meetings/1/live"


@pytest.fixture
def world(store, auth):
    arrange_today(store)
    people = {a: auth(roles=("assessor",), assessor_id=a) for a in ("ann", "bob", "cat", "dan", "eve")}
    store.create_assessor(__import__("network.domain", fromlist=["Assessor"]).Assessor(id="zed", name="Zed Zane"))
    people["zed"] = auth(roles=("assessor",), assessor_id="zed")
    people["coordinator"] = auth(roles=("coordinator",), programme_ids=("prog",))
    return people


def post(client, headers, body, path=LIVE):
    return client.post(path, headers=headers, json=body)


def test_a_meeting_runs_from_check_in_to_review_and_fills_attendance(client, world, store) -> None:
    assert client.get(LIVE, headers=world["ann"]).get_json()["live"] is False
    opened = client.post(LIVE + "/start", headers=world["ann"])
    assert opened.status_code == 200 and opened.get_json()["i_facilitate"] is True
    for who in ("bob", "cat", "dan"):
        assert post(client, world[who], {"do": "checkin"}).status_code == 200
    v = client.get(LIVE, headers=world["ann"]).get_json()["run"]
    assert post(client, world["ann"], {"do": "advance", "run": v}).get_json()["phase"] == "bids"
    post(client, world["bob"], {"do": "bid", "minutes": 20})
    post(client, world["cat"], {"do": "pass"})
    body = post(client, world["dan"], {"do": "bid", "minutes": 25}).get_json()
    assert {p["id"]: p["bid"] for p in body["people"]}["dan"] == 25
    body = post(client, world["ann"], {"do": "advance", "run": body["run"]}).get_json()
    assert body["phase"] == "slots" and body["presenter"]["id"] == "bob" and body["stage"] == "presenting"
    assert "Let the presenter finish uninterrupted." in body["prompts"]
    assert store.get_meeting("set-1:1").presenters == ("bob", "dan")
    for _ in range(6):  # three stages each for bob and dan
        body = post(client, world["ann"], {"do": "advance", "run": body["run"]}).get_json()
    assert body["phase"] == "review"
    assert (
        client.put(
            "/api/v1/sets/set-1/meetings/1/my-action", headers=world["bob"], json={"action": "Ask my manager for a peer observation"}
        ).status_code
        == 200
    )
    post(client, world["cat"], {"do": "rate", "ratings": {"questions": 4, "time": 5}})
    post(client, world["dan"], {"do": "line", "line": "We kept to questions"})
    body = post(client, world["ann"], {"do": "close", "run": client.get(LIVE, headers=world["ann"]).get_json()["run"]}).get_json()
    assert body["closed"] is True
    assert dict(store.get_meeting("set-1:1").attendance) == {
        "ann": "attended",
        "bob": "attended",
        "cat": "attended",
        "dan": "attended",
        "eve": "absent",
    }
    assert client.put(LIVE + "/note", headers=world["ann"], json={"note": "Open bids sooner"}).status_code == 200
    assert client.put(LIVE + "/note", headers=world["bob"], json={"note": "not mine"}).status_code == 422
    mine = client.get("/api/v1/me/facilitation", headers=world["ann"]).get_json()
    assert (
        mine["facilitated"] == 1
        and mine["meetings"][0]["note"] == "Open bids sooner"
        and mine["meetings"][0]["line"] == "We kept to questions"
    )
    assert client.get("/api/v1/me/facilitation", headers=world["bob"]).get_json() == {"facilitated": 0, "presented": 1, "meetings": []}
    sets = client.get("/api/v1/programmes/prog/facilitation", headers=world["coordinator"]).get_json()["sets"]
    assert sets == [
        {
            "set_id": "set-1",
            "name": "London 2026: set 1",
            "meetings": 1,
            "completed": 1,
            "completed_share": 100,
            "average": None,
            "ratings": 1,
            "not_yet": 4,
            "members": 5,
        }
    ]  # one rating: fewer than 5, so no average


def test_two_facilitator_clicks_on_one_version_move_the_meeting_on_once(client, world) -> None:
    v = client.post(LIVE + "/start", headers=world["ann"]).get_json()["run"]
    post(client, world["bob"], {"do": "checkin"})  # members' steps meanwhile never get in the facilitator's way
    first = post(client, world["ann"], {"do": "advance", "run": v})
    second = post(client, world["ann"], {"do": "advance", "run": v})
    assert first.status_code == 200 and second.status_code == 409
    assert second.get_json()["phase"] == "bids" and "moved on a moment ago" in second.get_json()["error"]["message"]
    assert post(client, world["ann"], {"do": "advance"}).status_code == 422  # no version: refused, nothing moves
    assert client.get(LIVE, headers=world["ann"]).get_json()["phase"] == "bids"


def test_polling_gets_304_until_something_changes(client, world) -> None:
    client.post(LIVE + "/start", headers=world["ann"])
    first = client.get(LIVE, headers=world["bob"])
    tag = first.headers["ETag"]
    again = client.get(LIVE, headers={**world["bob"], "If-None-Match": tag})
    assert again.status_code in (304, 200)  # 200 only when the minute turned between the two
    if again.status_code == 200:
        tag = again.headers["ETag"]
        assert client.get(LIVE, headers={**world["bob"], "If-None-Match": tag}).status_code == 304
    post(client, world["cat"], {"do": "checkin"})
    changed = client.get(LIVE, headers={**world["bob"], "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_only_current_members_take_part_and_steps_out_of_turn_are_refused(client, world, store) -> None:
    assert client.post(LIVE + "/start", headers=world["zed"]).status_code == 403
    assert client.get(LIVE, headers=world["coordinator"]).status_code == 403  # coordinators see aggregates only
    assert post(client, world["ann"], {"do": "checkin"}).status_code == 404  # not open yet
    client.post(LIVE + "/start", headers=world["ann"])
    v = client.get(LIVE, headers=world["ann"]).get_json()["run"]
    before = client.get(LIVE, headers=world["ann"]).get_json()["version"]
    refused = post(client, world["bob"], {"do": "advance", "run": v})
    assert refused.status_code == 422 and "facilitator" in json.dumps(refused.get_json()["error"]["fields"])
    assert post(client, world["bob"], {"do": "bid", "minutes": 61}).status_code == 422
    assert post(client, world["bob"], {"do": "rate", "ratings": {"questions": 9}}).status_code == 422
    assert post(client, world["bob"], {"do": "dance"}).status_code == 422
    assert post(client, world["bob"], {"do": "line", "line": "x" * 201}).status_code == 422
    assert client.get(LIVE, headers=world["ann"]).get_json()["version"] == before  # nothing changed


def test_another_days_meeting_does_not_open(client, world) -> None:
    response = client.post("/api/v1/sets/set-1/meetings/2/live/start", headers=world["ann"])
    assert response.status_code == 422 and "opens on the day" in json.dumps(response.get_json()["error"])


def test_nothing_but_the_action_the_review_line_and_the_note_is_stored_as_free_text(client, world, store) -> None:
    client.post(LIVE + "/start", headers=world["ann"])
    v = client.get(LIVE, headers=world["ann"]).get_json()["run"]
    body = post(client, world["ann"], {"do": "advance", "run": v}).get_json()
    post(client, world["bob"], {"do": "bid", "minutes": 10})
    body = post(client, world["ann"], {"do": "advance", "run": body["run"]}).get_json()
    # Whatever a member tries to slip in as free text is refused: only known fields, numbers and choices.
    sneaky = post(client, world["cat"], {"do": "bid", "minutes": 5, "case": "Mrs X, 14 Acacia Road, safeguarding"})
    assert sneaky.status_code == 422
    for _ in range(3):
        body = post(client, world["ann"], {"do": "advance", "run": client.get(LIVE, headers=world["ann"]).get_json()["run"]}).get_json()
    client.put("/api/v1/sets/set-1/meetings/1/my-action", headers=world["bob"], json={"action": "MY-ACTION-TEXT"})
    post(client, world["cat"], {"do": "line", "line": "REVIEW-LINE-TEXT"})
    post(client, world["ann"], {"do": "close", "run": client.get(LIVE, headers=world["ann"]).get_json()["run"]})
    client.put(LIVE + "/note", headers=world["ann"], json={"note": "NOTE-TEXT"})
    record = store.get_live_meeting("set-1:1")
    assert record is not None
    strings = _strings(record.state)
    allowed = {"REVIEW-LINE-TEXT"}
    ids = {"ann", "bob", "cat", "dan", "eve"}
    words = {
        "checkin",
        "bids",
        "slots",
        "review",
        "closed",
        "presenting",
        "questions",
        "action",
        "done",
        "skipped",
        "time",
        "uninterrupted",
    }
    free = {
        s for s in strings if s not in allowed and s not in ids and s not in words and not _is_time(s) and not s.replace("_", "").isalpha()
    }
    assert free == set(), free
    assert record.note == "NOTE-TEXT"
    # and in the whole store file: the only free text of the meeting is the action, the line and the note
    conn = sqlite3.connect(store.path) if hasattr(store, "path") else None
    if conn is not None:
        dump = "\n".join(conn.iterdump())
        assert "MY-ACTION-TEXT" in dump and "REVIEW-LINE-TEXT" in dump and "NOTE-TEXT" in dump
        assert "Acacia" not in dump


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (_strings(k) + _strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _is_time(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_the_view_never_shows_another_presenters_action_or_the_facilitators_note(client, world) -> None:
    client.post(LIVE + "/start", headers=world["ann"])
    client.put(LIVE + "/note", headers=world["ann"], json={"note": "Private note"})
    body = client.get(LIVE, headers=world["bob"]).get_json()
    assert "my_note" not in body and "Private note" not in json.dumps(body)
    assert client.get(LIVE, headers=world["ann"]).get_json()["my_note"] == "Private note"


def test_the_calendar_entry_names_the_live_page_beside_the_video_link(client, world) -> None:
    import icalendar

    body = client.get("/api/v1/sets/set-1/meetings.ics", headers=world["ann"]).data
    events = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    description = str(events[0].get("description"))
    lines = description.splitlines()
    video = next(i for i, line in enumerate(lines) if line.startswith("Video link: https://meet.example.org/set-1"))
    assert lines[video + 1] == "Live meeting page (opens on the day): http://localhost/sets/set-1/meetings/1/live"


def test_a_facilitators_notes_are_in_their_export_and_go_when_they_are_erased(client, world, store) -> None:
    from api.services import privacy

    client.post(LIVE + "/start", headers=world["ann"])
    assert client.put(LIVE + "/note", headers=world["ann"], json={"note": "Trust the silence"}).status_code == 200
    exported = privacy.export_json(store, "ann")["meetings"]["live"]
    assert exported["facilitated"] == 1 and [n["note"] for n in exported["notes_to_self"]] == ["Trust the silence"]
    assert privacy.export_json(store, "bob")["meetings"]["live"]["notes_to_self"] == []
    privacy.erase(store, "ann", actor_id=None)
    record = store.get_live_meeting("set-1:1")
    assert record is not None and record.note is None


def test_every_live_step_the_audit_log_records_has_words() -> None:
    from api.services import auditlog
    from api.services import live as live_service

    for do in ("start", "join", *live_service.FACILITATOR_STEPS):
        assert f"live:{do}" in auditlog.ACTIONS, do


def test_the_view_warns_gently_when_a_part_runs_over_and_a_pause_stops_the_clock(store, world) -> None:
    from datetime import timedelta

    from api.services import live as live_service

    t0 = live_service.now_utc()
    live_service.start_meeting(store, "set-1", "set-1:1", "ann", now=t0)
    view = live_service.live_view(store, "set-1", "set-1:1", "bob", now=t0 + timedelta(minutes=3))
    assert view["timer"]["words"] == "7 minutes left" and view["over_time"] is None  # check-in is planned for 10 minutes
    late = live_service.live_view(store, "set-1", "set-1:1", "bob", now=t0 + timedelta(minutes=12, seconds=30))
    assert late["timer"]["over"] and late["timer"]["words"] == "2 minutes over"
    assert late["over_time"] == "Time is up for this part. Finish the thought, then move on, or add a few minutes."
    live_service.step(store, "set-1", "set-1:1", "ann", "pause", run=0, now=t0 + timedelta(minutes=5))
    paused = live_service.live_view(store, "set-1", "set-1:1", "bob", now=t0 + timedelta(minutes=30))
    assert paused["timer"]["paused"] and paused["timer"]["words"] == "5 minutes left" and paused["over_time"] is None


def test_members_correct_the_attendance_the_closed_meeting_filled_in(client, world, store) -> None:
    correct = LIVE + "/attendance"
    client.post(LIVE + "/start", headers=world["ann"])
    early = client.put(correct, headers=world["bob"], json={"attendance": {"eve": "apologies"}})
    assert early.status_code == 422  # not before the meeting is closed
    for do in ("advance", "advance", "close"):
        run = client.get(LIVE, headers=world["ann"]).get_json()["run"]
        post(client, world["ann"], {"do": do, "run": run})
    assert store.get_meeting("set-1:1").status_of("eve") == "absent"
    before = client.get(LIVE, headers=world["cat"]).get_json()["version"]
    assert client.put(correct, headers=world["bob"], json={"attendance": {"eve": "apologies"}}).status_code == 200
    seen = client.get(LIVE, headers=world["cat"]).get_json()
    assert seen["version"] > before and {a["id"]: a["status"] for a in seen["attendance"]}["eve"] == "apologies"
    assert client.put(correct, headers=world["bob"], json={"attendance": {"zed": "attended"}}).status_code == 422
    assert client.put(correct, headers=world["zed"], json={"attendance": {"eve": "attended"}}).status_code == 403

"""Dates people enter are bounded (one window, network.limits), stored extreme dates stay harmless, and batch jobs isolate a failing item.

A programme starting on 9999-12-20 (monthly, 12 meetings) once made date arithmetic overflow:
``send-reminders`` failed for the whole network and the set's meetings, rota, calendars, health and
outcomes answered 500. Here the API refuses such dates with 422 naming the field (nothing written);
a store that already holds one (arranged directly in the store) still serves every page of that
set and sends everyone else's reminders; and a set, programme or notice that fails for any reason
is logged with its id, left out and named in the report while the rest goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta

import icalendar
import pytest

from api.services import meetings as service
from api.services import outcomes as outcomes_service
from api.services.notify import OutboxNotifier
from bridgework import create_app
from graph.port_sets import NewSet
from network import health, limits
from network.domain import ActionLearningSet, Assessor, Organisation, Programme

FAR = date(9999, 12, 20)
TODAY = date.today()
#: A Tuesday a few days ahead: the normal sets' first meeting, so a run the day before has reminders due.
START = TODAY + timedelta(days=3 + (1 - (TODAY + timedelta(days=3)).weekday()) % 7)
RUN = START - timedelta(days=1)


def arrange(store) -> None:
    """A running programme with two fortnightly sets starting at START, and a running far-future programme with a committed set."""
    store.create_organisation(Organisation(id="org", name="Org", kind="voluntary", region="london"))
    people = {"set-1": ("ann", "bob", "cat"), "set-2": ("gus", "hal", "ivy"), "set-far": ("dan", "eve", "fay")}
    for members in people.values():
        for a in members:
            store.create_assessor(Assessor(id=a, name=a.title(), availability=("tue-pm",), email=f"{a}@example.org"))
            store.set_employer(a, "org")
    store.create_programme(Programme(id="prog", name="Programme", status="running", cadence="fortnightly", meetings=4, starts_on=START))
    store.create_programme(
        Programme(id="far", name="Far future", status="running", cadence="monthly", meetings=12, set_size_min=3, starts_on=FAR)
    )
    for set_id, programme_id, name, starts_on, cadence in (
        ("set-1", "prog", "Set one", START, "fortnightly"),
        ("set-2", "prog", "Set two", START, "fortnightly"),
        ("set-far", "far", "Far future set", FAR, "monthly"),
    ):
        for a in people[set_id]:
            store.enrol(programme_id, a)
        s = ActionLearningSet(
            id=set_id, name=name, programme_id=programme_id, status="active", meeting_slot="tue-pm", cadence=cadence, starts_on=starts_on
        )
        store.commit_sets(programme_id, [NewSet(s, people[set_id])], START - timedelta(days=7))


@pytest.fixture
def world(store, auth) -> dict[str, dict[str, str]]:
    arrange(store)
    return {
        "admin": auth(roles=("admin",)),
        "coordinator": auth(roles=("coordinator",), programme_ids=("prog", "far")),
        "ann": auth(roles=("assessor",), assessor_id="ann"),
        "dan": auth(roles=("assessor",), assessor_id="dan"),
    }


def _fields(response) -> dict:
    return response.get_json()["error"].get("fields", {})


# -- (a) dates people enter: 422 naming the field, nothing written ---------------------------------


def test_a_programme_starting_in_9999_is_refused_naming_the_field(client, store, auth) -> None:
    coordinator = auth(roles=("coordinator",))
    response = client.post("/api/v1/programmes", json={"id": "p-far", "name": "Far", "starts_on": "9999-12-20"}, headers=coordinator)
    assert response.status_code == 422, response.get_json()
    message = _fields(response)["starts_on"][0]
    assert message.startswith("must be between 1 January 1950 and ") and message.endswith("got 20 December 9999")
    assert store.list_programmes(limit=10).items == []
    too_early = client.post("/api/v1/programmes", json={"id": "p-old", "name": "Old", "starts_on": "1900-01-01"}, headers=coordinator)
    assert too_early.status_code == 422 and "starts_on" in _fields(too_early)
    fine = client.post("/api/v1/programmes", json={"id": "p-ok", "name": "Fine", "starts_on": START.isoformat()}, headers=coordinator)
    assert fine.status_code == 201, fine.get_json()
    changed = client.patch("/api/v1/programmes/p-ok", json={"starts_on": "9999-12-20"}, headers=coordinator)
    assert changed.status_code == 422 and "starts_on" in _fields(changed)
    assert store.get_programme("p-ok").starts_on == START


def test_the_window_ends_ten_years_ahead(client, auth) -> None:
    coordinator = auth(roles=("coordinator",))
    last = limits.date_max()
    ok = client.post("/api/v1/programmes", json={"id": "p-last", "name": "Last", "starts_on": last.isoformat()}, headers=coordinator)
    assert ok.status_code == 201, ok.get_json()
    late = client.post(
        "/api/v1/programmes",
        json={"id": "p-late", "name": "Late", "starts_on": (last + timedelta(days=1)).isoformat()},
        headers=coordinator,
    )
    assert late.status_code == 422 and "starts_on" in _fields(late)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("put", "/api/v1/programmes/prog/enrolments/zoe", {"on": "9999-12-20"}, "on"),
        ("patch", "/api/v1/assessors/ann", {"paused": True, "paused_until": "9999-12-20"}, "paused_until"),
        ("put", "/api/v1/assessors/ann/employer", {"organisation_id": "org", "since": "1900-01-01"}, "since"),
        ("post", "/api/v1/sets/set-1/meetings/1/move", {"on": "9999-12-21", "slot": "tue-pm"}, "on"),
        ("get", "/api/v1/sets/set-1/meetings/1/move-check?on=9999-12-21&slot=tue-pm", None, "on"),
        ("post", "/api/v1/sets/set-1/leave", {"assessor_id": "ann", "left": "9999-12-20"}, "left"),
        ("post", "/api/v1/sets/set-1/members", {"assessor_id": "zoe", "joined": "9999-12-20"}, "joined"),
        ("patch", "/api/v1/sets/set-1", {"status": "closed", "on": "9999-12-20"}, "on"),
        ("post", "/api/v1/reminders/run", {"date": "9999-12-20"}, "date"),
    ],
)
def test_every_date_a_person_gives_is_bounded(client, world, store, method, path, body, field) -> None:
    store.create_assessor(Assessor(id="zoe", name="Zoe", availability=("tue-pm",)))
    before = (store.get_assessor("ann"), store.get_set("set-1"), store.meetings_of_set("set-1"), store.enrolments("prog"))
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(path, headers=world["admin"], **kwargs)
    assert response.status_code == 422, (path, response.status_code, response.get_json())
    assert "must be between 1 January 1950 and" in _fields(response)[field][0]
    assert (store.get_assessor("ann"), store.get_set("set-1"), store.meetings_of_set("set-1"), store.enrolments("prog")) == before


def test_the_documented_date_fields_say_their_window(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    starts_on = spec["components"]["schemas"]["ProgrammeCreate"]["properties"]["starts_on"]
    assert "From 1950-01-01 to 10 years after today" in starts_on["description"]


# -- stored extreme dates: every page of the set answers, everyone else's reminders go out --------------------


def test_a_stored_far_future_programme_does_not_stop_reminders_for_another_set(client, world, store) -> None:
    report = service.send_reminders(store, RUN, notifier=OutboxNotifier())
    assert report.failures == () and report.skipped_sets == ()
    assert report.materialised == 3
    assert report.by_kind["meeting"] == 6 and report.new == report.due
    for a in ("ann", "bob", "cat", "gus", "hal", "ivy"):
        assert any(n.kind == "meeting" for n in store.notices_for(assessor_id=a, limit=50).items), a
    # The far set's series stops where the calendar ends instead of overflowing.
    far = store.meetings_of_set("set-far")
    assert 1 <= len(far) < 12 and all(m.on >= FAR for m in far)
    again = client.post("/api/v1/reminders/run", json={"date": RUN.isoformat()}, headers=world["admin"])
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["failures"] == [] and again.get_json()["new"] == 0


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("dan", "/api/v1/sets/set-far/meetings"),
        ("dan", "/api/v1/sets/set-far/meetings.ics"),
        ("dan", "/api/v1/sets/set-far/rota"),
        ("dan", "/api/v1/sets/set-far/calendar.ics"),
        ("dan", "/api/v1/assessors/dan/calendar.ics"),
        ("dan", "/api/v1/assessors/dan/questionnaires"),
        ("coordinator", "/api/v1/programmes/far/health"),
        ("coordinator", "/api/v1/programmes/far/outcomes"),
        ("coordinator", "/api/v1/programmes/far/outcomes.csv"),
        ("coordinator", "/api/v1/programmes/far"),
    ],
)
def test_the_far_future_sets_pages_answer(client, world, who, path) -> None:
    response = client.get(path, headers=world[who])
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    if path.endswith(".ics"):
        events = [c for c in icalendar.Calendar.from_ical(response.data).walk("VEVENT")]
        assert all(e.decoded("dtstart").year == 9999 for e in events if "set-far" in str(e.get("uid")))


def test_the_far_future_sets_page_and_health_page_answer(store, world) -> None:
    app = create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert client.get("/sets/set-far", headers=world["dan"]).status_code == 200
    assert client.get("/programmes/far/health", headers=world["coordinator"]).status_code == 200
    assert client.get("/programmes/far/outcomes", headers=world["coordinator"]).status_code == 200


# -- (b) a failing item is logged with its id, left out and reported; the rest is done --------------------


def test_a_set_that_cannot_be_planned_is_reported_and_the_others_are_reminded(client, world, store, monkeypatch, caplog) -> None:
    real = service.ensure_meetings

    def broken(store_, set_id):  # any error at all, not only the expected kinds
        if set_id == "set-far":
            raise RuntimeError("a bug nobody foresaw")
        return real(store_, set_id)

    monkeypatch.setattr(service, "ensure_meetings", broken)
    with caplog.at_level(logging.WARNING):
        report = service.send_reminders(store, RUN, notifier=OutboxNotifier())
    assert [(f.kind, f.id, f.name) for f in report.failures] == [("set", "set-far", "Far future set")]
    assert report.failures[0].reason == "RuntimeError (see the log)" and report.skipped_sets == ("set-far",)
    assert report.by_kind["meeting"] == 6 and report.new == report.due
    assert any("set-far" in r.getMessage() and r.exc_info for r in caplog.records)
    assert "a bug nobody foresaw" not in report.failures[0].reason  # the reason shown is the kind of error; details are in the log


def test_one_meeting_one_programme_or_one_notice_failing_leaves_the_rest(client, world, store, monkeypatch) -> None:
    real_notices = service._meeting_reminders
    real_questionnaires = outcomes_service._programme_notices

    def meeting_notices(u, today):
        if u.meeting.set_id == "set-2":
            raise ValueError("bad stored meeting")
        return real_notices(u, today)

    def programme_notices(store_, programme, today):
        if programme.id == "far":
            raise OverflowError("date value out of range")
        return real_questionnaires(store_, programme, today)

    monkeypatch.setattr(service, "_meeting_reminders", meeting_notices)
    monkeypatch.setattr(outcomes_service, "_programme_notices", programme_notices)
    response = client.post("/api/v1/reminders/run", json={"date": RUN.isoformat()}, headers=world["admin"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(f["kind"], f["id"], f["name"]) for f in body["failures"]] == [("set", "set-2", "Set two"), ("programme", "far", "Far future")]
    assert body["by_kind"]["meeting"] == 3 and body["by_kind"]["questionnaire"] == 6  # set one's people, and both sets' questionnaires
    for a in ("ann", "bob", "cat"):
        assert any(n.kind == "meeting" for n in store.notices_for(assessor_id=a, limit=50).items), a
    assert not any(n.kind == "meeting" for a in ("gus", "hal", "ivy") for n in store.notices_for(assessor_id=a, limit=50).items)


def test_a_notice_the_outbox_refuses_is_left_out_not_the_whole_run(world, store, monkeypatch) -> None:
    real = service._meeting_reminders

    def one_bad(u, today):
        out = real(u, today)
        if u.meeting.set_id == "set-2":
            out[0] = dataclasses.replace(out[0], assessor_id="not an id")  # its notice's key cannot be stored
        return out

    monkeypatch.setattr(service, "_meeting_reminders", one_bad)
    report = service.send_reminders(store, RUN, notifier=OutboxNotifier())
    assert [f.kind for f in report.failures] == ["notice"]
    assert report.new == report.due and report.by_kind["meeting"] == 5


def test_set_health_judges_the_other_sets_when_one_fails(client, world, store, monkeypatch) -> None:
    real = health.set_health

    def broken(facts, today, names=None):
        if facts.set_id == "set-2":
            raise OverflowError("date value out of range")
        return real(facts, today, names)

    monkeypatch.setattr(health, "set_health", broken)
    response = client.get("/api/v1/programmes/prog/health", headers=world["coordinator"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [s["set_id"] for s in body["sets"]] == ["set-1"]
    assert [(f["kind"], f["id"], f["name"]) for f in body["failures"]] == [("set", "set-2", "Set two")]
    page = create_app({"TESTING": True, "STORE": store}).test_client().get("/programmes/prog/health", headers=world["coordinator"])
    assert page.status_code == 200
    assert "One set could not be checked" in page.get_data(as_text=True) and "Set two" in page.get_data(as_text=True)


# -- the pages: a message by the field, nothing written ------------------------------------------------


@pytest.fixture
def pages(store):
    """The pages with the CSRF check off: these tests post forms with bearer headers (the browser test posts a real token)."""
    return create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False}).test_client()


def test_the_profile_page_refuses_a_pause_ending_in_9999(pages, world, store) -> None:
    before = store.get_assessor("ann")
    form = {"name": "Ann", "experience_years": "3", "capacity": "1", "paused": "yes", "paused_until": "9999-12-20", "do": "save"}
    response = pages.post("/me/profile", data=form, headers=world["ann"])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"The pause can last until {limits.words(limits.date_max())} at most." in html
    assert store.get_assessor("ann") == before


def test_the_set_page_refuses_to_move_a_meeting_to_9999(pages, world, store) -> None:
    service.ensure_meetings(store, "set-1")
    before = store.meetings_of_set("set-1")
    response = pages.post("/sets/set-1/meetings/1/move", data={"on": "9999-12-21", "slot": "tue-pm"}, headers=world["ann"])
    assert response.status_code == 422
    assert "Move not made: choose a date between 1 January 1950 and" in response.get_data(as_text=True)
    assert store.meetings_of_set("set-1") == before

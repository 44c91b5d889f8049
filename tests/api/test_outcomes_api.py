"""Follow-up outcomes over HTTP: configuring the questionnaire, answering it, bad input, notices due, and the aggregate report."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import outcomes as service
from api.services.notices import notices_for
from graph.embedded.store import EmbeddedStore
from graph.port_outcomes import AnswerRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, today
from network.outcomes import DEFAULT_QUESTIONS, add_months, questions_json
from tests.api.conftest import Auth

PEOPLE = 7


@pytest.fixture
def programme(store: EmbeddedStore) -> dict[str, Any]:
    """A running programme that started today, with two sets of members from seven organisations, and one outsider."""
    return make_programme(store)


def make_programme(store: EmbeddedStore) -> dict[str, Any]:
    """See :func:`programme`."""
    start = today()
    store.create_programme(Programme(id="p-1", name="North East peers", status="running", starts_on=start))
    store.create_programme(Programme(id="p-2", name="Another programme", status="running", starts_on=start))
    ids = []
    for k in range(PEOPLE):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="local_authority", region="north_east"))
        store.create_assessor(Assessor(id=f"a-{k}", name=f"Assessor {k}"))
        store.set_employer(f"a-{k}", f"org-{k}")
        store.enrol("p-1", f"a-{k}")
        ids.append(f"a-{k}")
    store.create_assessor(Assessor(id="a-out", name="Outsider"))
    store.enrol("p-1", "a-out")  # enrolled, never placed in a set
    sets = [
        NewSet(ActionLearningSet(id="s-1", name="Set one", programme_id="p-1", status="active"), tuple(ids[:4])),
        NewSet(ActionLearningSet(id="s-2", name="Set two", programme_id="p-1", status="active"), tuple(ids[4:])),
    ]
    store.commit_sets("p-1", sets, joined=start)
    return {"ids": ids, "start": start}


def _answers(confidence: int = 3, isolation: int = 3, peers: int = 2) -> dict[str, int]:
    return {"confidence": confidence, "isolation": isolation, "peers": peers}


def _answer(client: FlaskClient, headers: dict[str, str], who: str, body: dict[str, Any], wave: str = "start", prog: str = "p-1") -> Any:
    return client.put(f"/api/v1/assessors/{who}/questionnaires/{prog}/{wave}", json=body, headers=headers)


def test_a_member_sees_the_open_questionnaire_and_answers_it(
    client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict
) -> None:
    me = auth(assessor_id="a-0")
    listing = client.get("/api/v1/assessors/a-0/questionnaires", headers=me).get_json()["items"]
    assert [(i["programme_id"], i["wave"], i["version"], i["answers"]) for i in listing] == [("p-1", "start", 0, {})]
    assert [q["key"] for q in listing[0]["questions"]] == ["confidence", "isolation", "peers"]
    r = _answer(client, me, "a-0", {"version": 0, "answers": _answers(4, 2, 5)})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["replaced"] is False and r.get_json()["version"] == 1  # the defaults were stored as version 1
    r = _answer(client, me, "a-0", {"version": 1, "answers": _answers(5, 1, 6)})
    assert r.get_json()["replaced"] is True
    listing = client.get("/api/v1/assessors/a-0/questionnaires", headers=me).get_json()["items"]
    assert listing[0]["answers"] == {"confidence": 5, "isolation": 1, "peers": 6}
    assert [(a.wave, a.values) for a in store.outcome_answers_of("a-0")] == [("start", (("confidence", 5), ("isolation", 1), ("peers", 6)))]


def test_someone_enrolled_but_never_in_a_set_has_nothing_to_answer(client: FlaskClient, auth: Auth, programme: dict) -> None:
    me = auth(assessor_id="a-out")
    assert client.get("/api/v1/assessors/a-out/questionnaires", headers=me).get_json()["items"] == []
    r = _answer(client, me, "a-out", {"version": 0, "answers": _answers()})
    assert r.status_code == 422 and "programme_id" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        (_answers(confidence=6), {"confidence": ["must be from 1 to 5"]}),
        (_answers(peers=-1), {"peers": ["must be from 0 to 50"]}),
        ({"confidence": 3, "isolation": 3}, {"peers": ["answer this question"]}),
        ({**_answers(), "mood": 2}, {"mood": ["not a question of this questionnaire"]}),
        (_answers(isolation="2"), {"isolation": ["must be a whole number"]}),  # type: ignore[arg-type]
        (_answers(confidence=2.5), {"confidence": ["must be a whole number"]}),  # type: ignore[arg-type]
    ],
)
def test_answers_out_of_range_are_422_per_question_and_nothing_is_written(
    client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict, answers: dict, fields: dict
) -> None:
    r = _answer(client, auth(assessor_id="a-0"), "a-0", {"version": 0, "answers": answers})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == fields
    assert store.outcome_answers_of("a-0") == []
    assert store.questionnaire_versions("p-1") == []


def test_answering_for_someone_else_is_403(client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict) -> None:
    r = _answer(client, auth(assessor_id="a-0"), "a-1", {"version": 0, "answers": _answers()})
    assert r.status_code == 403
    r = _answer(client, auth(roles=("coordinator",), programme_ids=("p-1",)), "a-1", {"version": 0, "answers": _answers()})
    assert r.status_code == 403
    r = _answer(client, auth(roles=("admin",)), "a-1", {"version": 0, "answers": _answers()})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"assessor_id": ["answers are given by the assessor themself"]}
    assert store.outcome_answers_of("a-1") == []


def test_unknown_wave_programme_or_a_closed_window(client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict) -> None:
    me = auth(assessor_id="a-0")
    r = _answer(client, me, "a-0", {"version": 0, "answers": _answers()}, wave="12m")
    assert r.status_code == 422 and "wave" in r.get_json()["error"]["fields"]
    assert _answer(client, me, "a-0", {"version": 0, "answers": _answers()}, prog="p-none").status_code == 404
    r = _answer(client, me, "a-0", {"version": 0, "answers": _answers()}, wave="3m")
    assert r.status_code == 422 and "open from" in r.get_json()["error"]["fields"]["wave"][0]
    r = _answer(client, me, "a-0", {"version": 0, "answers": _answers()}, prog="p-2")  # a programme they are not in
    assert r.status_code == 422
    assert store.outcome_answers_of("a-0") == []


def test_a_stale_version_is_409_and_nothing_is_written(client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict) -> None:
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    current = client.get("/api/v1/programmes/p-1/questionnaire", headers=coordinator).get_json()
    changed = {"version": current["version"], "questions": current["questions"][:2]}
    assert client.put("/api/v1/programmes/p-1/questionnaire", json=changed, headers=coordinator).status_code == 200
    r = _answer(client, auth(assessor_id="a-0"), "a-0", {"version": 0, "answers": _answers()})
    assert r.status_code == 409
    assert client.put("/api/v1/programmes/p-1/questionnaire", json=changed, headers=coordinator).status_code == 409
    assert store.outcome_answers_of("a-0") == []


def test_the_coordinator_configures_questions_and_answered_scales_are_frozen(client: FlaskClient, auth: Auth, programme: dict) -> None:
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    got = client.get("/api/v1/programmes/p-1/questionnaire", headers=coordinator).get_json()
    assert got["version"] == 0 and got["answered_keys"] == []
    calm = {"key": "calm", "kind": "scale", "text": "How calm are you before an assessment panel?", "minimum": 0, "maximum": 10}
    calm |= {"min_label": "Not calm", "max_label": "Calm"}
    r = client.put("/api/v1/programmes/p-1/questionnaire", json={"version": 0, "questions": [*got["questions"], calm]}, headers=coordinator)
    assert r.status_code == 200 and r.get_json()["version"] == 1
    bad = {**calm, "key": "Calm!", "maximum": 11}
    r = client.put("/api/v1/programmes/p-1/questionnaire", json={"version": 1, "questions": [bad]}, headers=coordinator)
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"questions.0.key", "questions.0.maximum"}
    me = auth(assessor_id="a-0")
    assert _answer(client, me, "a-0", {"version": 1, "answers": {**_answers(), "calm": 7}}).status_code == 200
    rescaled = [{**calm, "maximum": 5}]
    r = client.put("/api/v1/programmes/p-1/questionnaire", json={"version": 1, "questions": rescaled}, headers=coordinator)
    assert r.status_code == 422 and "already has answers" in r.get_json()["error"]["fields"]["questions.0.maximum"][0]
    reworded = [{**calm, "text": "How calm do you feel before a panel?"}]
    r = client.put("/api/v1/programmes/p-1/questionnaire", json={"version": 1, "questions": reworded}, headers=coordinator)
    assert r.status_code == 200 and r.get_json()["answered_keys"] == ["calm", "confidence", "isolation", "peers"]
    # the earlier answer keeps its version; the report still counts it under the reworded question
    report = client.get("/api/v1/programmes/p-1/outcomes", headers=coordinator).get_json()
    assert [q["key"] for q in report["questions"]] == ["calm", "confidence", "isolation", "peers"]
    assert report["questions"][0]["text"] == "How calm do you feel before a panel?"


def past_programme(store: EmbeddedStore, answers: list[tuple[str, str, tuple[tuple[str, int], ...]]], people: int = 7) -> str:
    """Programme p-old, started seven months ago (every wave closed), members b-0.. and the given (who, wave, values) answers."""
    start = add_months(today(), -7)
    store.create_programme(Programme(id="p-old", name="Tees peers 2025", status="closed", starts_on=start))
    ids = [store.create_assessor(Assessor(id=f"b-{k}", name=f"Past member {k}")).id for k in range(people)]
    for who in ids:
        store.enrol("p-old", who)
    store.commit_sets("p-old", [NewSet(ActionLearningSet(id="s-old", name="S", programme_id="p-old", status="active"), tuple(ids))], start)
    store.save_questionnaire("p-old", questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    for who, wave, values in answers:
        store.save_answer(AnswerRecord("p-old", wave, who, 1, start, values))
    return "p-old"


def test_the_report_is_aggregates_only_and_small_groups_are_suppressed(client: FlaskClient, auth: Auth, store: EmbeddedStore) -> None:
    answers = [(f"b-{k}", "start", (("confidence", 3 + (k == 0)), ("isolation", 2), ("peers", 1))) for k in range(6)]
    answers += [(f"b-{k}", "3m", (("confidence", 4), ("isolation", 1), ("peers", 3 + k))) for k in range(5)]
    past_programme(store, answers)
    coordinator = auth(roles=("coordinator",), programme_ids=("p-old",))
    r = client.get("/api/v1/programmes/p-old/outcomes", headers=coordinator)
    assert r.status_code == 200
    body = r.get_json()
    assert body["programme_name"] == "Tees peers 2025" and body["min_group"] == 5
    assert [(x["wave"], x["people"]) for x in body["respondents"]] == [("start", 6), ("3m", 5), ("6m", None)]
    confidence = body["questions"][0]
    start = confidence["waves"][0]
    assert start["pending"] is None
    assert start["people"] == 6 and start["median"] is None  # the middle answers lie in suppressed cells
    assert {c["label"]: c["count"] for c in start["cells"]} == {"1": 0, "2": 0, "3": None, "4": None, "5": 0}
    assert start["mean"] is None and len(start["withheld"]) == 2  # with 5 and 1 hidden, the mean would give both away
    isolation = body["questions"][1]
    assert (isolation["waves"][0]["mean"], isolation["waves"][0]["median"], isolation["waves"][0]["cells"][1]["count"]) == (2.0, 2.0, 6)
    change = isolation["changes"][0]
    assert (change["earlier"], change["later"], change["people"], change["mean"], change["median"]) == ("start", "3m", 5, -1.0, -1.0)
    assert [c["count"] for c in change["cells"]] == [5, 0, 0]
    assert confidence["waves"][2]["people"] is None and confidence["changes"][1]["people"] is None
    text = json.dumps(body)
    assert '"b-' not in text and "Past member" not in text  # nobody is named
    r = client.get("/api/v1/programmes/p-old/outcomes.csv", headers=coordinator)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    text_of = "How confident do you feel in assessing students and newly qualified social workers?"
    assert ["confidence", text_of, "start", "count", "3", "fewer than 5"] in rows
    assert ["confidence", text_of, "start", "mean", "", "withheld"] in rows
    assert ["isolation", "How isolated do you feel in your role as an assessor?", "start to 3m", "mean change", "", "-1.0"] in rows
    assert ["", "", "6m", "respondents", "", "fewer than 5"] in rows


def test_a_wave_still_open_shows_who_answered_but_no_figures(client: FlaskClient, auth: Auth, programme: dict) -> None:
    for who in programme["ids"][:6]:
        assert _answer(client, auth(assessor_id=who), who, {"version": 0, "answers": _answers(3, 2, 1)}).status_code == 200
    body = client.get("/api/v1/programmes/p-1/outcomes", headers=auth(roles=("coordinator",), programme_ids=("p-1",))).get_json()
    assert body["respondents"][0]["people"] == 6
    start = body["questions"][0]["waves"][0]
    assert (start["people"], start["mean"], start["median"]) == (None, None, None)
    assert start["pending"].startswith("still open until")
    assert body["questions"][0]["waves"][1]["pending"].startswith("not asked yet: opens on")


def test_only_the_programme_coordinator_and_admins_see_the_report(client: FlaskClient, auth: Auth, programme: dict) -> None:
    for headers in (auth(roles=("coordinator",), programme_ids=("p-2",)), auth(roles=("org_admin",), organisation_ids=("org-0",))):
        assert client.get("/api/v1/programmes/p-1/outcomes", headers=headers).status_code == 403
        assert client.get("/api/v1/programmes/p-1/outcomes.csv", headers=headers).status_code == 403
        assert client.get("/api/v1/programmes/p-1/questionnaire", headers=headers).status_code == 403
    assert client.get("/api/v1/programmes/p-1/outcomes", headers=auth(assessor_id="a-0")).status_code == 403
    assert client.get("/api/v1/programmes/p-1/outcomes", headers=auth(roles=("admin",))).status_code == 200
    assert client.get("/api/v1/programmes/p-1/outcomes").status_code == 401


def test_questionnaires_due_names_each_member_once_per_open_unanswered_wave(
    client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict
) -> None:
    due = service.questionnaires_due(store, today())
    assert [n.assessor_id for n in due] == programme["ids"]
    assert (due[0].programme_id, due[0].wave, due[0].due_on) == ("p-1", "start", today() + timedelta(days=28))
    (notice,) = notices_for(store, due[:1])  # what the dispatcher stores for it
    assert notice.key == "questionnaire:p-1:start:a-0" and notice.kind == "questionnaire" and notice.link == "/me/questionnaires"
    assert notice.due_on == today() + timedelta(days=28) and notice.assessor_id == "a-0"
    _answer(client, auth(assessor_id="a-0"), "a-0", {"version": 0, "answers": _answers()})
    assert [n.assessor_id for n in service.questionnaires_due(store, today())] == programme["ids"][1:]
    assert service.questionnaires_due(store, today() + timedelta(days=40)) == []  # between waves
    three_months = add_months(programme["start"], 3)
    assert {n.wave for n in service.questionnaires_due(store, three_months)} == {"3m"}


def test_a_programme_before_its_start_asks_nothing(store: EmbeddedStore) -> None:
    store.create_programme(Programme(id="p-draft", name="Draft", status="open", starts_on=date(2026, 1, 1)))
    assert service.questionnaires_due(store, date(2026, 1, 1)) == []


def test_questionnaire_notices_are_stored_once_however_often_reminders_run(store: EmbeddedStore, programme: dict) -> None:
    from api.services.notify import OutboxNotifier, inbox, notify, render

    due = notices_for(store, service.questionnaires_due(store, today()))
    assert notify(store, due, notifier=OutboxNotifier()) == PEOPLE
    assert notify(store, notices_for(store, service.questionnaires_due(store, today())), notifier=OutboxNotifier()) == 0
    (notice,) = inbox(store, assessor_id="a-0").items
    assert notice.kind == "questionnaire" and notice.link == "/me/questionnaires"
    (worded,) = render(store, [notice])  # stored by reference, worded when read
    assert worded.subject == "Three short questions about North East peers" and worded.link == "/me/questionnaires"
    assert "(at the start)" in worded.body and f"by {(today() + timedelta(days=28)).day} " in worded.body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(
        st.tuples(st.integers(0, 11), st.sampled_from(["start", "3m", "6m"]), st.integers(1, 5), st.integers(0, 12)),
        max_size=30,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_no_figure_from_fewer_than_5_people_end_to_end(answers: list[tuple[int, str, int, int]]) -> None:
    """Answers stored, aggregated in the store and reported: every published figure stands for 5 people or more."""
    with EmbeddedStore(":memory:") as store:
        store.ensure_schema()
        past_programme(store, [(f"b-{k}", w, (("confidence", c), ("isolation", c), ("peers", p))) for k, w, c, p in answers], people=12)
        report = service.report(store, "p-old", today())
    per_wave = {w: sum(1 for _, x, _, _ in answers if x == w) for w in ("start", "3m", "6m")}
    for wave, n in report.respondents:
        assert n == (per_wave[wave] if per_wave[wave] >= 5 else None)
    for qr in report.questions:
        for _wave, s in (*qr.waves, *((f"{a}-{b}", s) for a, b, s in qr.changes)):
            assert s.n is None or s.n >= 5
            shown = [c.count for c in s.cells if c.count is not None]
            assert all(c == 0 or c >= 5 for c in shown)
            if s.n is not None:
                hidden_total = s.n - sum(shown)
                assert hidden_total == 0 or hidden_total >= 5

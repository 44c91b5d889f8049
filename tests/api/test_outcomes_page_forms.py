"""The outcome pages through the Flask test client (fast checks of what the browser tests do not cover)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from tests.api.conftest import Auth
from tests.api.test_outcomes_api import make_programme


@pytest.fixture
def app(store: EmbeddedStore) -> Flask:
    """The app without form CSRF tokens (the browser tests post real forms with them); callers use bearer tokens."""
    return create_app({"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def programme(store: EmbeddedStore) -> dict[str, Any]:
    """The API tests' programme: p-1 running since today, members a-0..a-6, p-2 without them."""
    return make_programme(store)


def _form(**answers: Any) -> dict[str, Any]:
    return {"version": "0", **{f"q-{k}": str(v) for k, v in answers.items()}}


def test_the_answer_page_lists_the_open_questionnaire_and_saves_answers(
    client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict
) -> None:
    me = auth(assessor_id="a-0")
    page = client.get("/me/questionnaires", headers=me)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "North East peers: at the start" in html and 'type="radio" name="q-confidence" value="5"' in html
    r = client.post("/me/questionnaires/p-1/start", data=_form(confidence=9, isolation=2, peers=3), headers=me)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Nothing was saved" in html and "must be from 1 to 5" in html and 'value="3"' in html
    assert store.outcome_answers_of("a-0") == []
    r = client.post("/me/questionnaires/p-1/start", data={"version": "0", "q-peers": "2"}, headers=me)
    assert r.status_code == 422 and r.get_data(as_text=True).count("answer this question") == 4  # in the summary and at each question
    r = client.post("/me/questionnaires/p-1/start", data=_form(confidence=4, isolation=2, peers=3), headers=me)
    assert r.status_code == 302
    assert [a.values for a in store.outcome_answers_of("a-0")] == [(("confidence", 4), ("isolation", 2), ("peers", 3))]
    html = client.get("/me/questionnaires", headers=me).get_data(as_text=True)
    assert 'value="4" checked' in html and "Save my changes" in html


def test_answer_pages_refuse_other_people_and_unknown_things(
    client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict
) -> None:
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    assert client.get("/me/questionnaires", headers=coordinator).status_code == 403
    assert (
        client.post("/me/questionnaires/p-1/start", data=_form(confidence=3, isolation=3, peers=3), headers=coordinator).status_code == 403
    )
    me = auth(assessor_id="a-0")
    assert client.post("/me/questionnaires/p-1/12m", data=_form(confidence=3), headers=me).status_code == 404
    assert client.post("/me/questionnaires/p-none/start", data=_form(confidence=3), headers=me).status_code == 404
    r = client.post("/me/questionnaires/p-2/start", data=_form(confidence=3, isolation=3, peers=3), headers=me)
    assert r.status_code == 422 and "only members" in r.get_data(as_text=True).lower()
    assert store.outcome_answers_of("a-0") == []
    assert client.get("/me/questionnaires").status_code == 302  # not signed in: to the sign-in page


def test_the_coordinator_changes_questions_on_the_page(client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict) -> None:
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    html = client.get("/programmes/p-1/questionnaire", headers=coordinator).get_data(as_text=True)
    assert "These are the default questions." in html and 'name="questions-3-key"' in html
    form = {
        "version": "0",
        "questions-0-key": "confidence", "questions-0-kind": "scale", "questions-0-text": "How sure are you when assessing?",
        "questions-0-minimum": "1", "questions-0-maximum": "5", "questions-0-min_label": "Unsure", "questions-0-max_label": "Sure",
        "questions-1-key": "isolation", "questions-1-kind": "scale", "questions-1-text": "How isolated?",
        "questions-1-minimum": "1", "questions-1-maximum": "5", "questions-1-remove": "1",
        "questions-2-key": "peers", "questions-2-kind": "count", "questions-2-text": "How many peers?", "questions-2-maximum": "500",
        "questions-3-key": "", "questions-3-kind": "scale", "questions-3-text": "", "questions-3-minimum": "1", "questions-3-maximum": "5",
    }  # fmt: skip
    r = client.post("/programmes/p-1/questionnaire", data=form, headers=coordinator)
    assert r.status_code == 422 and "must be a whole number from 1 to 100" in r.get_data(as_text=True)
    assert store.questionnaire_versions("p-1") == []
    form["questions-2-maximum"] = "30"
    assert client.post("/programmes/p-1/questionnaire", data=form, headers=coordinator).status_code == 302
    (v1,) = store.questionnaire_versions("p-1")
    assert '"isolation"' not in v1.questions and "How sure are you when assessing?" in v1.questions
    other = auth(roles=("coordinator",), programme_ids=("p-2",))
    assert client.get("/programmes/p-1/questionnaire", headers=other).status_code == 403
    assert client.post("/programmes/p-1/questionnaire", data=form, headers=other).status_code == 403
    assert client.get("/programmes/p-1/outcomes", headers=other).status_code == 403
    assert client.get("/programmes/p-none/outcomes", headers=auth(roles=("admin",))).status_code == 404


def test_the_report_page_shows_small_groups_as_fewer_than_5(client: FlaskClient, auth: Auth, programme: dict) -> None:
    for who in programme["ids"][:3]:
        client.post("/me/questionnaires/p-1/start", data=_form(confidence=3, isolation=2, peers=1), headers=auth(assessor_id=who))
    html = client.get("/programmes/p-1/outcomes", headers=auth(roles=("coordinator",), programme_ids=("p-1",))).get_data(as_text=True)
    assert "Outcomes of North East peers" in html and "fewer than 5" in html
    assert "/api/v1/programmes/p-1/outcomes.csv" in html
    assert "Assessor 0" not in html and "a-0" not in html


def test_numbers_in_other_unicode_digits_are_refused_not_a_server_error(
    client: FlaskClient, auth: Auth, store: EmbeddedStore, programme: dict
) -> None:
    """'¹'.isdigit() is true but int('¹') fails: answers, versions, limits and problem names take only 0-9."""
    from web.outcomes import _problem_links

    me = auth(assessor_id="a-0")
    r = client.post("/me/questionnaires/p-1/start", data={"version": "¹", "q-confidence": "¹", "q-isolation": "3", "q-peers": "3"}, headers=me)
    assert r.status_code == 302  # told to reload: the version is not one the page showed
    assert store.outcome_answers_of("a-0") == []
    coordinator = auth(roles=("coordinator",), programme_ids=("p-1",))
    form = {"version": "¹", "questions-0-key": "confidence", "questions-0-kind": "scale", "questions-0-text": "How sure?",
            "questions-0-minimum": "¹", "questions-0-maximum": "5"}  # fmt: skip
    r = client.post("/programmes/p-1/questionnaire", data=form, headers=coordinator)
    assert r.status_code == 422
    assert store.questionnaire_versions("p-1") == []
    assert _problem_links({"questions-¹-text": ["Enter the question."]}) == [("questions-¹-text", "questions-¹-text", "Enter the question.")]
    assert _problem_links({"questions-2-text": ["Enter the question."]}) == [("questions-2-text", "Question 3, the question", "Enter the question.")]

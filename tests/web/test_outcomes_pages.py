"""Outcome pages in a real browser: answering on a phone, the coordinator's questions and report, refusals and XSS."""

from __future__ import annotations

from typing import Any

from graph.port_outcomes import AnswerRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme, today
from network.outcomes import DEFAULT_QUESTIONS, Question, add_months, questions_json
from tests.web.browser import LiveApp, screenshot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
PHONE = {"width": 360, "height": 740}


def _programme(live_app: LiveApp, people: int = 8, name: str = f"Tees Valley peers {XSS}", months_ago: int = 0) -> list[str]:
    """A running programme p-1 that started ``months_ago``; one set of ``people`` members from as many organisations."""
    store = live_app.store
    start = add_months(today(), -months_ago)
    store.create_programme(Programme(id="p-1", name=name, status="running", starts_on=start))
    ids = []
    for k in range(people):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="local_authority", region="north_east"))
        store.create_assessor(Assessor(id=f"a-{k}", name=f"Assessor {k}"))
        store.set_employer(f"a-{k}", f"org-{k}")
        store.enrol("p-1", f"a-{k}")
        ids.append(f"a-{k}")
    store.commit_sets("p-1", [NewSet(ActionLearningSet(id="s-1", name="Set", programme_id="p-1", status="active"), tuple(ids))], start)
    return ids


def test_an_assessor_answers_on_a_phone_and_can_change_the_answers(live_app: LiveApp, signed_in: Any) -> None:
    _programme(live_app)
    questions = (
        Question("confidence", "scale", f"How confident are you? {XSS}", 1, 5, "Not at all", f"Very {XSS}"),
        *DEFAULT_QUESTIONS[1:],
    )
    live_app.store.save_questionnaire("p-1", questions_json(questions), 0, frozenset())
    page = signed_in(("assessor",), assessor_id="a-0", viewport=PHONE)
    page.goto(live_app.at("/me/questionnaires"))
    heading = page.get_by_role("heading", level=2)
    assert f"Tees Valley peers {XSS}: at the start" in heading.inner_text()
    assert page.evaluate("window.__xss") is None
    group = page.get_by_role("group", name=f"How confident are you? {XSS}")
    assert group.is_visible()
    # leave isolation unanswered and give too many peers: nothing is saved, each problem is named
    group.get_by_role("radio", name="4").check()
    page.get_by_label("How many peers outside your own organisation").fill("80")
    page.get_by_role("button", name="Send my answers").click()
    alert = page.get_by_role("alert")
    assert "Nothing was saved" in alert.inner_text() and "must be from 0 to 50" in alert.inner_text()
    assert "answer this question" in alert.inner_text()
    assert page.get_by_role("group", name=f"How confident are you? {XSS}").get_by_role("radio", name="4").is_checked()
    screenshot(page, "outcomes-answer-problems-phone")
    assert live_app.store.outcome_answers_of("a-0") == []
    # the radio group works from the keyboard: focus one point, then arrow to the next
    isolation = page.get_by_role("group", name="How isolated do you feel in your role as an assessor?")
    isolation.get_by_role("radio", name="1").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert isolation.get_by_role("radio", name="2").is_checked()
    page.get_by_label("How many peers outside your own organisation").fill("3")
    page.get_by_role("button", name="Send my answers").click()
    assert "your answers (at the start) are saved" in page.get_by_role("status").inner_text()
    assert page.get_by_role("button", name="Save my changes").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "outcomes-answered-phone")
    assert [a.values for a in live_app.store.outcome_answers_of("a-0")] == [(("confidence", 4), ("isolation", 2), ("peers", 3))]
    assert page.evaluate("window.__xss") is None


def test_the_coordinator_configures_questions_and_reads_the_report(live_app: LiveApp, signed_in: Any) -> None:
    ids = _programme(live_app, months_ago=3)  # the start has closed; the 3 months wave is open
    store = live_app.store
    store.save_questionnaire("p-1", questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    for k, who in enumerate(ids[:7]):
        values = (("confidence", 2 + (k % 2)), ("isolation", 4), ("peers", 1 if k < 5 else 12))
        store.save_answer(AnswerRecord("p-1", "start", who, 1, today(), values))
        store.save_answer(AnswerRecord("p-1", "3m", who, 1, today(), (("confidence", 4), ("isolation", 2), ("peers", 5))))
    page = signed_in(("coordinator",), programme_ids=("p-1",))
    page.goto(live_app.at("/programmes/p-1/questionnaire"))
    assert page.get_by_role("heading", name="Follow-up questions").is_visible()
    assert page.evaluate("window.__xss") is None
    first = page.get_by_role("group", name="Question 1")
    assert first.get_by_label("Short name", exact=True).get_attribute("readonly") is not None  # has answers: its scale stays
    first.get_by_label("Question", exact=True).fill(f"How sure are you when you assess? {XSS}")
    new = page.get_by_role("group", name="Add a question")
    new.get_by_label("Question", exact=True).fill("How supported do you feel by your set?")
    new.get_by_label("Short name", exact=True).fill("support")
    new.get_by_label("Lowest", exact=True).fill("1")
    new.get_by_label("Highest", exact=True).fill("12")
    page.get_by_role("button", name="Save the questions").click()
    assert "Question 4, highest: must be a whole number from 0 to 10" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("group", name="Question 4").get_by_label("Highest", exact=True).get_attribute("aria-invalid") == "true"
    screenshot(page, "outcomes-questionnaire-problems")
    page.get_by_role("group", name="Question 4").get_by_label("Highest", exact=True).fill("5")
    page.get_by_role("button", name="Save the questions").click()
    assert "The questions are saved" in page.get_by_role("status").inner_text()
    screenshot(page, "outcomes-questionnaire")
    assert [v.version for v in store.questionnaire_versions("p-1")] == [1, 2]

    page.get_by_role("link", name="See the outcomes").click()
    page.wait_for_url(live_app.at("/programmes/p-1/outcomes"))
    assert page.get_by_role("heading", name=f"Outcomes of Tees Valley peers {XSS}").is_visible()
    assert page.get_by_role("heading", name=f"How sure are you when you assess? {XSS}").is_visible()
    assert page.evaluate("window.__xss") is None
    respondents = page.locator("dl.figures")
    assert "7" in respondents.inner_text() and "fewer than 5" in respondents.inner_text()
    assert page.get_by_text("fewer than 5").first.is_visible()
    assert page.get_by_text("Still open until").first.is_visible()  # the 3 months figures wait for the wave to close
    isolation = page.get_by_role("table", name="Answers at each point").nth(1)
    assert "4.0" in isolation.get_by_role("row", name="At the start").inner_text()
    assert "Assessor 0" not in page.content()
    screenshot(page, "outcomes-report")
    link = page.get_by_role("link", name="Download these figures (CSV)")
    csv = page.request.get(live_app.at(link.get_attribute("href")))
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "'<script>" not in csv.text() and "fewer than 5" in csv.text()


def test_pages_refuse_people_without_the_right_and_send_strangers_to_sign_in(live_app: LiveApp, signed_in: Any, page: Any) -> None:
    _programme(live_app, name="Tees Valley peers")
    page.goto(live_app.at("/me/questionnaires"))
    page.wait_for_url(lambda url: "/login" in url)
    assert "next=/me/questionnaires" in page.url.replace("%2F", "/")
    member = signed_in(("assessor",), assessor_id="a-1")
    response = member.goto(live_app.at("/programmes/p-1/outcomes"))
    assert response is not None and response.status == 403
    response = member.goto(live_app.at("/programmes/p-1/questionnaire"))
    assert response is not None and response.status == 403
    screenshot(member, "outcomes-refused")

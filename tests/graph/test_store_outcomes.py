"""Contract of the outcomes area on both stores: questionnaire versions, answers (one per person per wave), participation and aggregates."""

from __future__ import annotations

from datetime import date

import pytest

from graph.port import Conflict, GraphStore, NotFound
from graph.port_outcomes import AnswerRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Programme
from network.outcomes import CHANGES, DEFAULT_QUESTIONS, Question, histograms_from_answers, questions_json
from tests.graph.conftest import Maker

START = date(2026, 1, 12)


def _programme(store: GraphStore, make: Maker, people: int = 6, n: int = 0) -> tuple[str, list[str]]:
    """A running programme with one active set of ``people`` members (joined on START)."""
    prog = store.create_programme(Programme(id=make.id("p", n), name="Programme", status="running", starts_on=START))
    ids = []
    for k in range(people):
        a = store.create_assessor(make.assessor(100 * n + k))
        store.enrol(prog.id, a.id)
        ids.append(a.id)
    the_set = ActionLearningSet(id=make.id("s", n), name="Set", programme_id=prog.id, status="active")
    store.commit_sets(prog.id, [NewSet(the_set, tuple(ids))], joined=START)
    return prog.id, ids


def _answer(prog: str, wave: str, who: str, version: int = 1, **values: int) -> AnswerRecord:
    return AnswerRecord(prog, wave, who, version, START, tuple(sorted(values.items())))


def test_questionnaire_versions_are_kept_and_saves_are_optimistic(store: GraphStore, make: Maker) -> None:
    prog, _ = _programme(store, make, people=1)
    assert store.questionnaire_versions(prog) == []
    v1 = store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset(), created_by="u-1")
    assert (v1.version, v1.created_by) == (1, "u-1")
    with pytest.raises(Conflict):  # someone else saved version 1 meanwhile
        store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS[:1]), 0, frozenset())
    v2 = store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS[:1]), 1, frozenset())
    versions = store.questionnaire_versions(prog)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].questions == questions_json(DEFAULT_QUESTIONS)
    assert versions[1].questions == v2.questions
    assert versions[0].created_at is not None
    with pytest.raises(NotFound):
        store.questionnaire_versions(make.id("p", 99))
    with pytest.raises(NotFound):
        store.save_questionnaire(make.id("p", 99), "[]", 0, frozenset())


def test_a_save_is_refused_when_answers_arrived_since_the_check(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=1)
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    store.save_answer(_answer(prog, "start", people[0], confidence=3, isolation=2, peers=1))
    assert store.answered_questions(prog) == {(1, "confidence"), (1, "isolation"), (1, "peers")}
    with pytest.raises(Conflict):
        store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 1, frozenset())
    assert store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 1, store.answered_questions(prog)).version == 2


def test_one_answer_per_person_and_wave_and_re_answering_replaces(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=2)
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    first, replaced = store.save_answer(_answer(prog, "start", people[0], confidence=2, isolation=4, peers=0))
    assert replaced is False
    assert first.values == (("confidence", 2), ("isolation", 4), ("peers", 0))
    _, replaced = store.save_answer(_answer(prog, "start", people[0], confidence=5, isolation=1, peers=3))
    assert replaced is True
    store.save_answer(_answer(prog, "3m", people[0], confidence=4, isolation=1, peers=4))
    mine = store.outcome_answers_of(people[0])
    assert [(a.wave, a.values) for a in mine] == [
        ("start", (("confidence", 5), ("isolation", 1), ("peers", 3))),
        ("3m", (("confidence", 4), ("isolation", 1), ("peers", 4))),
    ]
    assert mine[0].answered_on == START and mine[0].version == 1
    assert store.outcome_answers_of(people[1]) == []
    hist = store.outcome_histograms(prog)
    assert hist.respondents == {"start": 1, "3m": 1}
    assert hist.values[("start", "confidence", 5)] == 1 and ("start", "confidence", 2) not in hist.values


def test_answers_name_the_latest_version_and_existing_people(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=1)
    with pytest.raises(Conflict):  # nothing stored yet: version 1 is not the latest
        store.save_answer(_answer(prog, "start", people[0], confidence=1))
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS[:2]), 1, frozenset())
    with pytest.raises(Conflict):
        store.save_answer(_answer(prog, "start", people[0], version=1, confidence=1, isolation=1, peers=1))
    with pytest.raises(NotFound):
        store.save_answer(_answer(prog, "start", make.id("a", 999), version=2, confidence=1, isolation=1))
    with pytest.raises(NotFound):
        store.save_answer(_answer(make.id("p", 99), "start", people[0], version=1, confidence=1))
    assert store.outcome_answers_of(people[0]) == []
    assert store.outcome_histograms(prog).respondents == {}


def test_participation_counts_set_members_with_first_join_last_leave_and_answered_waves(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=3)
    outsider = store.create_assessor(make.assessor(50))
    store.enrol(prog, outsider.id)  # enrolled but never in a set: not a participant
    store.end_membership(make.id("s", 0), people[1], date(2026, 3, 1))
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    store.save_answer(_answer(prog, "start", people[0], confidence=3, isolation=3, peers=2))
    parts = store.outcome_participation(prog)
    assert [p.assessor_id for p in parts] == people
    by = {p.assessor_id: p for p in parts}
    assert by[people[0]].joined == START and by[people[0]].left is None and by[people[0]].answered == {"start"}
    assert by[people[1]].left == date(2026, 3, 1) and by[people[1]].answered == frozenset()
    mine = store.outcome_participation_of(people[0])
    assert [(p.programme_id, p.answered) for p in mine] == [(prog, frozenset({"start"}))]
    assert store.outcome_participation_of(outsider.id) == []
    with pytest.raises(NotFound):
        store.outcome_participation(make.id("p", 99))


def test_a_later_current_membership_keeps_the_person_current(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=2)
    store.end_membership(make.id("s", 0), people[0], date(2026, 2, 1))
    other = ActionLearningSet(id=make.id("s", 1), name="Second", programme_id=prog, status="active")
    store.commit_sets(prog, [NewSet(other, (people[0],))], joined=date(2026, 2, 2))
    (part,) = [p for p in store.outcome_participation(prog) if p.assessor_id == people[0]]
    assert (part.joined, part.left) == (START, None)


def test_histograms_in_the_store_equal_the_plain_python_ones(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=6)
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    given = []
    for k, who in enumerate(people):
        for wave in ("start", "3m", "6m")[: 1 + k % 3]:
            values = {"confidence": 1 + (k + len(wave)) % 5, "isolation": 1 + k % 5, "peers": k * 2}
            store.save_answer(_answer(prog, wave, who, **values))
            given.append((who, wave, values))
    expected = histograms_from_answers(given)
    got = store.outcome_histograms(prog)
    assert dict(got.values) == dict(expected.values)
    assert dict(got.changes) == dict(expected.changes)
    assert dict(got.respondents) == dict(expected.respondents)
    assert {(a, b) for _, a, b, _ in got.changes} <= set(CHANGES)


def test_questions_added_later_pair_only_with_answers_that_have_them(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=1)
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS[:1]), 0, frozenset())
    store.save_answer(_answer(prog, "start", people[0], confidence=2))
    extra = (*DEFAULT_QUESTIONS[:1], Question("calm", "scale", "How calm?", 1, 5))
    store.save_questionnaire(prog, questions_json(extra), 1, store.answered_questions(prog))
    store.save_answer(_answer(prog, "3m", people[0], version=2, confidence=4, calm=3))
    hist = store.outcome_histograms(prog)
    assert dict(hist.changes) == {("confidence", "start", "3m", 2): 1}
    assert store.answered_questions(prog) == {(1, "confidence"), (2, "confidence"), (2, "calm")}


def test_erasing_a_person_erases_their_answers(store: GraphStore, make: Maker) -> None:
    prog, people = _programme(store, make, people=2)
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    for who in people:
        store.save_answer(_answer(prog, "start", who, confidence=3, isolation=3, peers=3))
    store.delete_assessor(people[0])
    assert store.outcome_histograms(prog).respondents == {"start": 1}
    assert store.outcome_answers_of(people[0]) == []


def test_racing_answers_and_a_questionnaire_change_never_mix(store: GraphStore, make: Maker) -> None:
    """Answers and a change of questions racing: one answer per person and wave, and no answer on a version replaced unseen."""
    import threading

    prog, people = _programme(store, make, people=1)
    store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS), 0, frozenset())
    calls = [lambda k=k: store.save_answer(_answer(prog, "start", people[0], confidence=1 + k % 5, isolation=2, peers=k)) for k in range(6)]
    calls += [lambda: store.save_questionnaire(prog, questions_json(DEFAULT_QUESTIONS[:2]), 1, frozenset())] * 2
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        try:
            results[k] = calls[k]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each call got
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r is not None and (not isinstance(r, Exception) or isinstance(r, Conflict)) for r in results), results
    answers = store.outcome_answers_of(people[0])
    versions = [v.version for v in store.questionnaire_versions(prog)]
    assert len(answers) <= 1 and versions in ([1], [1, 2])
    assert store.outcome_histograms(prog).respondents.get("start", 0) == len(answers)
    if versions == [1, 2]:
        assert answers == []  # the new version was saved seeing no answers, so none on version 1 slipped in
    else:
        assert len(answers) == 1


def test_a_waves_released_figures_are_kept_once_and_never_replaced(store: GraphStore, make: Maker) -> None:
    prog, _ = _programme(store, make, people=1)
    assert store.outcome_releases(prog) == {}
    assert store.release_outcomes(prog, "start", '{"n":5}', START) == '{"n":5}'
    # A second release of the same wave (another process, or a later report on fewer people) keeps the first.
    assert store.release_outcomes(prog, "start", '{"n":4}', date(2026, 3, 1)) == '{"n":5}'
    assert store.release_outcomes(prog, "3m", '{"n":6}', date(2026, 5, 1)) == '{"n":6}'
    assert store.outcome_releases(prog) == {"start": '{"n":5}', "3m": '{"n":6}'}
    with pytest.raises(NotFound):
        store.outcome_releases("p-missing")
    with pytest.raises(NotFound):
        store.release_outcomes("p-missing", "start", "{}", START)
